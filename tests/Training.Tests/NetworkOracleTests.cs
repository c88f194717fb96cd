using SelfPlayBN.Games;
using TorchSharp;
using static TorchSharp.torch;

namespace SelfPlayBN.Training.Tests;

[Collection(TorchCollection.Name)]
public sealed class NetworkOracleTests
{
    [Fact]
    public void PriorsAreSoftmaxOfADirectEvalForwardAndValuesAreInRange()
    {
        var game = TestGames.TicTacToe;
        using var network = TorchTestNetworks.Create(3);
        // Move the running statistics away from (0, 1) so that eval and train mode differ.
        network.train();
        using (no_grad())
            for (int i = 0; i < 3; i++) network.call(torch.randn(16, 2, 3, 3) * 2 + 0.5);
        network.eval();

        var states = TestGames.SomeStates(9, 13);
        var oracle = new NetworkOracle(game, network, CPU);
        var priors = new float[states.Count * 9];
        var values = new float[states.Count];
        oracle.Evaluate(states.ToArray(), priors, values);
        Assert.Equal(states.Count, oracle.Positions);

        var shape = game.ObservationShape;
        var input = new float[states.Count * shape.Size];
        for (int i = 0; i < states.Count; i++) states[i].WriteObservation(input.AsSpan(i * shape.Size, shape.Size));
        float[] expectedPriors, expectedValues;
        using (no_grad())
        {
            var (logits, value) = network.call(torch.tensor(input, [states.Count, 2, 3, 3]));
            expectedPriors = nn.functional.softmax(logits, 1).data<float>().ToArray();
            expectedValues = value.data<float>().ToArray();
        }
        for (int i = 0; i < states.Count; i++)
        {
            Assert.Equal(1.0, priors.AsSpan(i * 9, 9).ToArray().Sum(p => (double)p), 5);
            Assert.InRange(values[i], -1f, 1f);
            Assert.Equal(expectedValues[i], values[i], 6);
        }
        for (int k = 0; k < priors.Length; k++)
        {
            Assert.True(priors[k] > 0);
            Assert.Equal(expectedPriors[k], priors[k], 6);
        }
        // Rows belong to their states: a state alone gets the same row as in the batch (eval mode).
        var one = new float[9];
        var v = new float[1];
        oracle.Evaluate(new[] { states[5] }, one, v);
        for (int a = 0; a < 9; a++) Assert.Equal(priors[5 * 9 + a], one[a], 5);
        Assert.Equal(values[5], v[0], 5);
        Assert.True(network.parameters().All(p => p.grad is null), "inference must not build gradients");
    }

    [Fact]
    public void DistinctStatesGetDistinctRows()
    {
        using var network = TorchTestNetworks.Create(4);
        network.eval();
        var oracle = new NetworkOracle(TestGames.TicTacToe, network, CPU);
        IGameState[] states = [TestGames.TicTacToe.NewInitialState(), TestGames.TicTacToe.NewInitialState().Apply(4)];
        var priors = new float[18];
        var values = new float[2];
        oracle.Evaluate(states, priors, values);
        Assert.NotEqual(priors[..9], priors[9..]);
    }
}
