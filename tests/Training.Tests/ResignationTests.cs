using SelfPlayBN.Games;
using SelfPlayBN.Search;

namespace SelfPlayBN.Training.Tests;

public sealed class ResignationTests
{
    private static readonly IGame Game = TestGames.TicTacToe;

    /// <summary>Uniform priors; every position is lost for player 1 (value −0.95 when player 1 is to move, +0.95 otherwise).</summary>
    private sealed class PlayerOneLosesOracle : IOracle
    {
        public void Evaluate(ReadOnlySpan<IGameState> states, Span<float> priors, Span<float> values)
        {
            priors[..(states.Length * Game.NumActions)].Fill(1f);
            for (int i = 0; i < states.Length; i++) values[i] = states[i].CurrentPlayer == 1 ? -0.95f : 0.95f;
        }
    }

    private static MctsOptions Options(int seed) => new() { Simulations = 16, Seed = seed, TemperatureMoves = 0, RootNoise = false };

    [Fact]
    public void A_player_whose_values_are_all_below_the_threshold_resigns_and_loses()
    {
        var record = SelfPlayer.Play(Game, new PlayerOneLosesOracle(), Options(1), resign: new ResignPolicy(-0.9, CheckShare: 0));
        Assert.Equal(1, record.ResignedPlayer);  // player 1's first turn: everything looks lost
        Assert.Single(record.Actions);            // player 0 moved once; the resignation is not a move
        Assert.Equal([1.0, -1.0], record.Returns);
        Assert.Null(record.WouldHaveResigned);
        record.Validate(Game.NumActions, Game.NumPlayers);
    }

    [Fact]
    public void Without_a_policy_or_above_the_threshold_the_game_is_played_out()
    {
        var free = SelfPlayer.Play(Game, new PlayerOneLosesOracle(), Options(1));
        Assert.Null(free.ResignedPlayer);
        Assert.True(free.Length >= 5);
        var low = SelfPlayer.Play(Game, new PlayerOneLosesOracle(), Options(1), resign: new ResignPolicy(-0.99, CheckShare: 0));
        Assert.Null(low.ResignedPlayer); // −0.95 is not below −0.99
    }

    [Fact]
    public void A_checked_game_is_played_out_and_records_who_would_have_resigned()
    {
        var record = SelfPlayer.Play(Game, new PlayerOneLosesOracle(), Options(2), resign: new ResignPolicy(-0.9, CheckShare: 1));
        Assert.Null(record.ResignedPlayer);
        Assert.Equal(1, record.WouldHaveResigned);
        Assert.True(record.Length >= 5);
        var state = Game.NewInitialState();
        foreach (int a in record.Actions) state = state.Apply(a);
        Assert.True(state.IsTerminal);
        Assert.Equal(state.Returns(1), record.Returns[1]);

        // The tally counts it, and a false positive when player 1 did not lose.
        var tally = GameTally.Empty.Add(record, Game);
        Assert.Equal(1, tally.ResignChecks);
        Assert.Equal(record.Returns[1] >= 0 ? 1 : 0, tally.ResignFalsePositives);
        Assert.Equal(0, tally.Resigned);
    }

    [Fact]
    public void The_check_share_decides_per_game_from_its_seed()
    {
        var policy = new ResignPolicy(-0.9, CheckShare: 0.3);
        int checkedGames = 0;
        for (int seed = 0; seed < 60; seed++)
        {
            var record = SelfPlayer.Play(Game, new PlayerOneLosesOracle(), Options(seed), resign: policy);
            Assert.True(record.ResignedPlayer is not null ^ record.WouldHaveResigned is not null);
            if (record.WouldHaveResigned is not null) checkedGames++;
            Assert.Equal(record.ResignedPlayer, SelfPlayer.Play(Game, new PlayerOneLosesOracle(), Options(seed), resign: policy).ResignedPlayer);
        }
        Assert.InRange(checkedGames, 6, 36); // 30 % of 60, loosely
    }

    /// <summary>Tic-tac-toe whose action 8 the tally takes for a pass (a game with <see cref="ISelfPlayRules"/>).</summary>
    private sealed class CellEightPasses : IGame, ISelfPlayRules
    {
        public string Name => Game.Name;
        public int NumPlayers => Game.NumPlayers;
        public int NumActions => Game.NumActions;
        public int MaxGameLength => Game.MaxGameLength;
        public ObservationShape ObservationShape => Game.ObservationShape;
        public IReadOnlyList<Symmetry> Symmetries => Game.Symmetries;
        public IGameState NewInitialState() => Game.NewInitialState();
        public string ActionToString(int action) => Game.ActionToString(action);
        public bool TryParseAction(string text, out int action) => Game.TryParseAction(text, out action);
        public int PassAction => 8;
        public bool PermitsInSelfPlay(IGameState state, int action) => true;
    }

    [Fact]
    public void The_tally_sums_lengths_passes_and_resignations_and_differences_since_a_point()
    {
        var go = new CellEightPasses();
        int pass = go.PassAction;
        var a = new GameRecord(Guid.NewGuid(), go.Name, 1, [0, pass, 1, pass, pass], new float[5][], [1, -1], 0);
        var b = new GameRecord(Guid.NewGuid(), go.Name, 1, [2, 3, 4], new float[3][], [-1, 1], 0, ResignedPlayer: 0);
        var c = new GameRecord(Guid.NewGuid(), go.Name, 1, [2, 3], new float[2][], [-1, 1], 0, WouldHaveResigned: 1);
        var first = GameTally.Empty.Add(a, go);
        var all = first.Add(b, go).Add(c, go);
        Assert.Equal(new GameTally(3, 10, 3, 1, 1, 1), all);
        Assert.Equal(10.0 / 3, all.MeanLength!.Value, 9);
        Assert.Equal(new GameTally(2, 5, 0, 1, 1, 1), all.Since(first));
        Assert.Null(GameTally.Empty.MeanLength);
        Assert.Equal(0, GameTally.Empty.Add(a, Game).Passes); // a game without a pass counts none
    }
}

public sealed class GameRecordFormatTests
{
    [Fact]
    public void Records_written_before_the_resignation_fields_read_back_with_none()
    {
        // Seven fields, as replay buffers written before resignation hold them.
        var old = MessagePack.MessagePackSerializer.Serialize(new object[] { Guid.NewGuid(), "tictactoe", 3L, new[] { 4, 0 }, new[] { new float[9], new float[9] }, new[] { 1.0, -1.0 }, 2L });
        var record = MessagePack.MessagePackSerializer.Deserialize<GameRecord>(old);
        Assert.Equal([4, 0], record.Actions);
        Assert.Null(record.ResignedPlayer);
        Assert.Null(record.WouldHaveResigned);
        var resigned = record with { ResignedPlayer = 1, WouldHaveResigned = null };
        var back = MessagePack.MessagePackSerializer.Deserialize<GameRecord>(MessagePack.MessagePackSerializer.Serialize(resigned));
        Assert.Equal(1, back.ResignedPlayer);
        Assert.Throws<InvalidDataException>(() => (record with { ResignedPlayer = 2 }).Validate(9, 2));
        Assert.Throws<InvalidDataException>(() => (record with { WouldHaveResigned = -1 }).Validate(9, 2));
    }
}
