using Xunit.Abstractions;

namespace SelfPlayBN.Cluster.Tests;

/// <summary>The evaluator role on its own node: it fetches the announced models and its results reach the trainer's
/// <c>metrics.jsonl</c>; the trainer node (without the role) plays no evaluation match itself.</summary>
public sealed class EvaluatorNodeTests(ITestOutputHelper output)
{
    [Fact]
    public void ASeparateEvaluatorNodeEvaluatesAnnouncedModelsIntoTheTrainersMetrics()
    {
        using var h = new ClusterHarness(3, """{ "everyGenerations": 1, "games": 2, "simulations": 4 }""");
        var (t, s, e) = (h.Ports[0], h.Ports[1], h.Ports[2]);
        h.Start("trainer", t);
        h.Start("selfplay", s);
        h.Start("evaluator", e);
        // Tic-tac-toe evaluations play random play, rollout MCTS and the perfect player (and the previous version).
        h.WaitUntil("one model evaluated against random play, rollout MCTS and the perfect player", TimeSpan.FromSeconds(120),
            () => h.Evaluations().GroupBy(x => x.Version).Any(g => g.Select(x => x.Opponent).Intersect(["random", "mcts-rollouts-4", "perfect"]).Count() == 3));
        var evaluated = h.Evaluations();
        Assert.All(evaluated, x => Assert.True(x.Version >= 1, $"version {x.Version} evaluated: version 0 is never evaluated"));
        // The matches ran on the evaluator node: its log has them, the trainer's has no evaluator actor.
        const string evaluatorSource = "\"SourceContext\":\"SelfPlayBN.Actors.EvaluatorActor\"";
        Assert.Contains(evaluatorSource, h.Log("evaluator", e));
        Assert.Contains("\"SourceContext\":\"SelfPlayBN.Actors.TrainerActor\"", h.Log("trainer", t)); // the trainer's log is there...
        Assert.DoesNotContain(evaluatorSource, h.Log("trainer", t)); // ...without an evaluator in it
        output.WriteLine($"{evaluated.Count} evaluation lines for versions {string.Join(", ", evaluated.Select(x => x.Version).Distinct())}; trainer at generation {h.LastGeneration()}");
    }
}
