using SelfPlayBN.Games;
using SelfPlayBN.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace SelfPlayBN.Training.Tests;

[Collection(TorchCollection.Name)]
public sealed class NetworkOracleTests
{
    [Theory]
    [InlineData("tictactoe")]
    [InlineData("connect4")] // a board that is not square: height and width must not be swapped
    public void PriorsAreSoftmaxOfADirectEvalForwardAndValuesAreInRange(string name)
    {
        var game = TestGames.ByName(name);
        var shape = game.ObservationShape;
        int actions = game.NumActions;
        torch.manual_seed(3);
        using var network = new ResidualNetwork(new ResidualNetworkShape(shape.Planes, shape.Height, shape.Width, actions, Blocks: 1, Filters: 8, ValueHidden: 16));
        // Move the running statistics away from (0, 1) so that eval and train mode differ.
        network.train();
        using (no_grad())
            for (int i = 0; i < 3; i++) network.call(torch.randn(16, shape.Planes, shape.Height, shape.Width) * 2 + 0.5);
        network.eval();

        var states = TestGames.SomeStates(9, 13, game);
        var oracle = new NetworkOracle(game, network, CPU);
        var priors = new float[states.Count * actions];
        var values = new float[states.Count];
        oracle.Evaluate(states.ToArray(), priors, values);
        Assert.Equal(states.Count, oracle.Positions);

        var input = new float[states.Count * shape.Size];
        for (int i = 0; i < states.Count; i++) states[i].WriteObservation(input.AsSpan(i * shape.Size, shape.Size));
        float[] expectedPriors, expectedValues;
        using (no_grad())
        {
            var (logits, value) = network.call(torch.tensor(input, [states.Count, shape.Planes, shape.Height, shape.Width]));
            expectedPriors = nn.functional.softmax(logits, 1).data<float>().ToArray();
            expectedValues = value.data<float>().ToArray();
        }
        for (int i = 0; i < states.Count; i++)
        {
            Assert.Equal(1.0, priors.AsSpan(i * actions, actions).ToArray().Sum(p => (double)p), 5);
            Assert.InRange(values[i], -1f, 1f);
            Assert.Equal(expectedValues[i], values[i], 6);
        }
        for (int k = 0; k < priors.Length; k++)
        {
            Assert.True(priors[k] > 0);
            Assert.Equal(expectedPriors[k], priors[k], 6);
        }
        // Rows belong to their states: a state alone gets the same row as in the batch (eval mode).
        var one = new float[actions];
        var v = new float[1];
        oracle.Evaluate(new[] { states[5] }, one, v);
        for (int a = 0; a < actions; a++) Assert.Equal(priors[5 * actions + a], one[a], 5);
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
