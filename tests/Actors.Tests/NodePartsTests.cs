using SelfPlayBN.Actors.Cluster;

namespace SelfPlayBN.Actors.Tests;

/// <summary>The wiring of every cluster role in one table: which parts a node with given roles starts.</summary>
public sealed class NodePartsTests
{
    private static INodePart[] PartsOf(params string[] roles) => [.. NodeParts.For(new ClusterNodeOptions { Roles = roles }.Validate())];

    [Fact]
    public void A_trainer_node_runs_the_singletons_with_the_evaluator_and_precise_bn_it_has_itself()
    {
        Assert.Equal([new TrainerPart(EvaluateHere: false, DelegatePreciseBn: true)], PartsOf("trainer"));
        Assert.Equal([new TrainerPart(EvaluateHere: true, DelegatePreciseBn: false), new SelfPlayPart()],
            PartsOf("trainer", "evaluator", "precisebn", "selfplay"));
    }

    [Fact]
    public void Other_nodes_listen_for_the_end_of_the_run_and_run_their_roles_on_their_own()
    {
        Assert.Equal([new RunEndPart(), new SelfPlayPart()], PartsOf("selfplay"));
        Assert.Equal([new RunEndPart(), new EvaluatorPart()], PartsOf("evaluator"));
        Assert.Equal([new RunEndPart(), new EvaluatorPart(), new PreciseBnPart(), new SelfPlayPart()], PartsOf("selfplay", "precisebn", "evaluator"));
    }
}
