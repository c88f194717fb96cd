using SelfPlayBN.Games.Go;

namespace SelfPlayBN.Games.Tests;

public sealed class Go9Conformance : GameConformanceTests
{
    private static readonly GoGame Go9 = new(9);
    protected override IGame Game => Go9;
    protected override int Playouts => 40; // random 9×9 games mostly run to MaxGameLength (243 moves)
}

public sealed class Go5Conformance : GameConformanceTests
{
    private static readonly GoGame Go5 = new(5, komi: 0.5);
    protected override IGame Game => Go5;
    protected override int Playouts => 100;
}

public sealed class Go7LeelaZeroInputsConformance : GameConformanceTests
{
    private static readonly GoGame Go7 = new(7, inputs: GoInputs.LeelaZero);
    protected override IGame Game => Go7;
    protected override int Playouts => 20;
}

public sealed class Go5AlphaGoZeroInputsConformance : GameConformanceTests
{
    private static readonly GoGame Go5 = new(5, komi: 0.5, inputs: GoInputs.AlphaGoZero);
    protected override IGame Game => Go5;
    protected override int Playouts => 40;
}

public sealed class GoTests
{
    private static readonly GoGame Go9 = new(9);

    private static int Point(GoGame g, string vertex)
    {
        Assert.True(g.TryParseAction(vertex, out int a), vertex);
        return a;
    }

    [Fact]
    public void Self_play_may_pass_only_on_a_settled_board_or_to_end_the_game()
    {
        var g = new GoGame(5);
        var open = g.NewGame();
        Assert.True(open.IsLegal(g.PassAction));
        Assert.False(g.PermitsInSelfPlay(open, g.PassAction)); // an empty board is not settled
        Assert.True(g.PermitsInSelfPlay(open, 12));
        Assert.True(g.PermitsInSelfPlay(open.Play("pass"), g.PassAction)); // answering a pass ends the game: the search scores it exactly
        var free = new GoGame(5, selfPlayPass: GoSelfPlayPass.Free);
        Assert.True(free.PermitsInSelfPlay(open, free.PassAction));
        Assert.Equal(GoSelfPlayPass.Free, free.WithInputs(GoInputs.AlphaGoZero).SelfPlayPass);

        // Black to move with only its own eyes empty (A5, C5, E5, and so on): nothing left but filling them, so Black may pass.
        var settled = GoState.FromDiagram(g, """
            . X . X .
            X X X X X
            . X . X .
            X X X X X
            . X . X .
            """, currentPlayer: 0);
        Assert.True(g.PermitsInSelfPlay(settled, g.PassAction));
        // White to move there may play inside Black's area (suicide aside, such points are legal only where they capture),
        // and the same board with one dame is not settled for Black.
        var dame = GoState.FromDiagram(g, """
            . X . X .
            X X X X X
            . X . X .
            X X X X X
            . . . X .
            """, currentPlayer: 0);
        Assert.False(g.PermitsInSelfPlay(dame, g.PassAction));
    }

    [Fact]
    public void Single_stone_is_captured()
    {
        var s = Go9.NewGame().Play("B1", "B2", "A2", "pass", "C2", "pass");
        Assert.Equal(GoState.White, s.At(Point(Go9, "B2")));
        s = s.Play("B3");
        Assert.Equal(GoState.Empty, s.At(Point(Go9, "B2")));
        Assert.Equal(0, s.StoneCount(GoState.White));
        Assert.Equal(4, s.StoneCount(GoState.Black)); // B1 A2 C2 B3
    }

    [Fact]
    public void Group_in_the_corner_is_captured()
    {
        var s = Go9.NewGame().Play("A2", "A1", "B2", "B1");
        Assert.Equal(2, s.StoneCount(GoState.White));
        s = s.Play("C1");
        Assert.Equal(0, s.StoneCount(GoState.White));
        Assert.Equal(GoState.Empty, s.At(0, 0));
        Assert.Equal(GoState.Empty, s.At(1, 0));
        Assert.Equal(3, s.StoneCount(GoState.Black));
    }

    [Fact]
    public void Suicide_is_illegal_by_default()
    {
        var s = Go9.NewGame().Play("A2", "pass", "B1");
        Assert.Equal(1, s.CurrentPlayer);
        Assert.False(s.IsLegal(Point(Go9, "A1")));
        Assert.Throws<ArgumentException>(() => s.Play("A1"));
        // A multi-stone suicide too.
        var t = Go9.NewGame().Play("A3", "A2", "B2", "B1", "C1");
        Assert.False(t.IsLegal(Point(Go9, "A1")));
    }

    [Fact]
    public void Suicide_when_allowed_removes_the_own_group()
    {
        var g = new GoGame(9, allowSuicide: true);
        var s = g.NewGame().Play("A3", "A2", "B2", "B1", "C1");
        Assert.True(s.IsLegal(Point(g, "A1")));
        s = s.Play("A1");
        Assert.Equal(0, s.StoneCount(GoState.White));
        Assert.Equal(3, s.StoneCount(GoState.Black));
        Assert.Equal(0, s.CurrentPlayer);
        // A one-stone suicide would repeat the position: superko forbids it even when suicide is allowed.
        var t = g.NewGame().Play("A2", "pass", "B1");
        Assert.False(t.IsLegal(Point(g, "A1")));
    }

    [Fact]
    public void Ko_cannot_be_retaken_at_once_but_can_after_a_threat_exchange()
    {
        var s = Go9.NewGame().Play("C4", "E5", "D5", "F4", "D3", "E3", "pass", "D4", "E4");
        Assert.Equal(GoState.Empty, s.At(Point(Go9, "D4")));
        Assert.Equal(1, s.CurrentPlayer);
        Assert.False(s.IsLegal(Point(Go9, "D4")));
        Assert.Throws<ArgumentException>(() => s.Play("D4"));
        s = s.Play("A9", "A1");
        Assert.True(s.IsLegal(Point(Go9, "D4")));
        s = s.Play("D4");
        Assert.Equal(GoState.Empty, s.At(Point(Go9, "E4")));
        Assert.False(s.IsLegal(Point(Go9, "E4"))); // Black now faces the same ko
    }

    [Fact]
    public void Two_passes_end_the_game_and_one_does_not()
    {
        var s = Go9.NewGame().Play("pass", "C3", "pass");
        Assert.False(s.IsTerminal); // a move between the passes
        Assert.Equal(1, s.ConsecutivePasses);
        s = s.Play("pass");
        Assert.True(s.IsTerminal);
        Assert.Equal(0, s.CurrentPlayer);
        Assert.False(s.IsLegal(Go9.PassAction));
        Assert.Equal(-81 - 7.5, s.Score()); // White's one stone owns the board
        Assert.Equal(-1, s.Returns(0));

        var b = Go9.NewGame().Play("E5", "pass", "pass");
        Assert.True(b.IsTerminal);
        Assert.Equal(1, b.CurrentPlayer);
        Assert.Equal(81 - 7.5, b.Score());
        Assert.Equal(1, b.Returns(0));
        Assert.Equal(-1, b.Returns(1));
    }

    [Fact]
    public void Empty_board_goes_to_white_by_komi_and_ties_without_komi()
    {
        var s = Go9.NewGame().Play("pass", "pass");
        Assert.Equal(-7.5, s.Score());
        Assert.Equal(-1, s.Returns(0));
        Assert.Equal(1, s.Returns(1));
        var tie = new GoGame(5, komi: 0).NewGame().Play("pass", "pass");
        Assert.Equal(0, tie.Returns(0));
        Assert.Equal(0, tie.Returns(1));
    }

    [Fact]
    public void Tromp_Taylor_score_of_a_small_position()
    {
        var g = new GoGame(5, komi: 0.5);
        var s = GoState.FromDiagram(g, """
            . X O . .
            . X O . .
            X X O . .
            . X O O O
            . X O . .
            """);
        Assert.Equal(GoState.Black, s.At(1, 0)); // B1
        Assert.Equal(GoState.White, s.At(4, 1)); // E2
        Assert.Equal(10 - 15 - 0.5, s.Score());
        var end = s.Play("pass", "pass");
        Assert.Equal(-1, end.Returns(0));
        Assert.Equal(1, end.Returns(1));
        // A neutral point (reaching both colours) counts for nobody.
        var d = GoState.FromDiagram(g, """
            X . O . .
            X . O . .
            X . O . .
            X . O . .
            X . O . .
            """);
        Assert.Equal(5 - 15 - 0.5, d.Score());
    }

    [Fact]
    public void Gtp_vertices_round_trip()
    {
        Assert.Equal(0, Point(Go9, "A1"));
        Assert.Equal(80, Point(Go9, "J9"));
        Assert.Equal("J9", Go9.ActionToString(80));
        Assert.Equal(8, Point(Go9, "J1"));
        Assert.Equal(9, Point(Go9, "A2"));
        Assert.Equal(81, Point(Go9, "pass"));
        Assert.Equal("pass", Go9.ActionToString(81));
        Assert.Equal(0, Point(Go9, "a1"));
        Assert.False(Go9.TryParseAction("I1", out _));
        Assert.False(Go9.TryParseAction("K1", out _));
        Assert.False(Go9.TryParseAction("A10", out _));
        Assert.False(Go9.TryParseAction("A0", out _));
        Assert.False(Go9.TryParseAction("A01", out _));
        var g19 = new GoGame(19);
        Assert.Equal(360, Point(g19, "T19"));
        Assert.Equal("T19", g19.ActionToString(360));
        Assert.Equal("pass", g19.ActionToString(361));
        for (int a = 0; a < g19.NumActions; a++) Assert.Equal(a, Point(g19, g19.ActionToString(a)));
    }

    [Fact]
    public void Sizes_outside_5_to_19_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new GoGame(4));
        Assert.Throws<ArgumentOutOfRangeException>(() => new GoGame(20));
        Assert.Equal("go5", new GoGame(5).Name);
        Assert.Equal("go13", new GoGame(13).Name);
        var g19 = new GoGame(19);
        Assert.Equal("go19", g19.Name);
        Assert.Equal(362, g19.NumActions);
        Assert.Equal(3 * 361, g19.MaxGameLength);
    }

    [Fact]
    public void Eight_symmetries_keep_pass_fixed()
    {
        Assert.Equal(8, Go9.Symmetries.Count);
        foreach (var g in Go9.Symmetries) Assert.Equal(Go9.PassAction, g.MapAction(Go9.PassAction));
    }

    [Fact]
    public void Game_ends_at_max_length()
    {
        var g = new GoGame(5);
        var s = g.NewGame();
        var rng = new Random(3);
        var legal = new int[g.NumActions];
        while (!s.IsTerminal)
        {
            int n = s.GetLegalActions(legal);
            int a = legal[rng.Next(n)];
            if (a == g.PassAction && n > 1) a = legal[0]; // avoid ending by passes
            s = s.Play(a);
        }
        Assert.True(s.ConsecutivePasses >= 2 || s.MoveNumber == g.MaxGameLength);
        Assert.True(s.MoveNumber <= g.MaxGameLength);
    }

    [Fact]
    public void Observation_planes_are_from_the_side_to_move()
    {
        var s = Go9.NewGame().Play("E5"); // White to move
        var obs = new float[Go9.ObservationShape.Size];
        s.WriteObservation(obs);
        int e5 = Point(Go9, "E5");
        Assert.Equal(0f, obs[e5]);          // White's own plane is empty
        Assert.Equal(1f, obs[81 + e5]);     // Black's stone is the opponent's
        Assert.Equal(0f, obs[2 * 81]);      // not Black to move
        Assert.Equal(1f, obs[3 * 81 + 40]); // ones plane
    }

    private static HashSet<int> Plane(float[] obs, int plane, int points)
    {
        var set = new HashSet<int>();
        for (int p = 0; p < points; p++)
        {
            float v = obs[plane * points + p];
            Assert.True(v is 0f or 1f, $"plane {plane} point {p} holds {v}");
            if (v == 1f) set.Add(p);
        }
        return set;
    }

    private static HashSet<int> Points(GoGame g, params string[] vertices) => vertices.Select(v => Point(g, v)).ToHashSet();

    [Fact]
    public void Leela_Zero_inputs_hold_eight_positions_of_each_colour_from_the_side_to_move()
    {
        var g = new GoGame(9, inputs: GoInputs.LeelaZero);
        Assert.Equal(18, g.InputPlanes);
        Assert.Equal(new ObservationShape(18, 9, 9), g.ObservationShape);
        // B C3, W G7, B D4, W captures nothing: White to move after three moves.
        var s = g.NewGame().Play("C3", "G7", "D4");
        var obs = new float[18 * 81];
        s.WriteObservation(obs);
        Assert.Equal(Points(g, "G7"), Plane(obs, 0, 81));          // White (to move) at t
        Assert.Equal(Points(g, "G7"), Plane(obs, 1, 81));          // t−1
        Assert.Empty(Plane(obs, 2, 81));                           // t−2: before G7
        for (int k = 3; k < 8; k++) Assert.Empty(Plane(obs, k, 81)); // before the game: zeros
        Assert.Equal(Points(g, "C3", "D4"), Plane(obs, 8, 81));    // Black at t
        Assert.Equal(Points(g, "C3"), Plane(obs, 9, 81));
        Assert.Equal(Points(g, "C3"), Plane(obs, 10, 81));
        Assert.Empty(Plane(obs, 11, 81));
        Assert.Empty(Plane(obs, 16, 81));                          // Black to move: no
        Assert.Equal(81, Plane(obs, 17, 81).Count);                // White to move: all ones

        // Black to move after a White pass: the colours swap roles and plane 16 is set.
        var b = s.Play("pass");
        b.WriteObservation(obs);
        Assert.Equal(Points(g, "C3", "D4"), Plane(obs, 0, 81));
        Assert.Equal(Points(g, "C3", "D4"), Plane(obs, 1, 81)); // the pass repeated the position
        Assert.Equal(Points(g, "G7"), Plane(obs, 8, 81));
        Assert.Equal(81, Plane(obs, 16, 81).Count);
        Assert.Empty(Plane(obs, 17, 81));
    }

    [Fact]
    public void AlphaGo_Zero_inputs_interleave_mine_and_theirs_newest_first()
    {
        var g = new GoGame(9, inputs: GoInputs.AlphaGoZero);
        Assert.Equal(17, g.InputPlanes);
        var s = g.NewGame().Play("C3", "G7", "D4"); // White to move
        var obs = new float[17 * 81];
        s.WriteObservation(obs);
        Assert.Equal(Points(g, "G7"), Plane(obs, 0, 81));       // mine t
        Assert.Equal(Points(g, "C3", "D4"), Plane(obs, 1, 81)); // theirs t
        Assert.Equal(Points(g, "G7"), Plane(obs, 2, 81));       // mine t−1
        Assert.Equal(Points(g, "C3"), Plane(obs, 3, 81));       // theirs t−1
        Assert.Empty(Plane(obs, 4, 81));
        Assert.Equal(Points(g, "C3"), Plane(obs, 5, 81));
        Assert.Empty(Plane(obs, 16, 81));                       // colour plane: Black to move? no
        Assert.Throws<ArgumentException>(() => s.WriteObservation(new float[18 * 81]));
    }

    [Fact]
    public void History_inputs_see_captured_stones_in_the_past_planes()
    {
        var g = new GoGame(9, inputs: GoInputs.LeelaZero);
        var s = g.NewGame().Play("B1", "B2", "A2", "pass", "C2", "pass", "B3"); // B3 captures B2; White to move
        var obs = new float[18 * 81];
        s.WriteObservation(obs);
        Assert.Empty(Plane(obs, 0, 81));                   // White has no stone now
        Assert.Equal(Points(g, "B2"), Plane(obs, 1, 81));  // but had B2 one move ago
        Assert.Equal(Points(g, "B1", "A2", "C2", "B3"), Plane(obs, 8, 81));
    }

    [Fact]
    public void Undo_returns_the_state_the_move_was_played_from()
    {
        var s0 = Go9.NewGame();
        Assert.Null(s0.Previous);
        Assert.Equal(-1, s0.LastMove);
        Assert.Throws<InvalidOperationException>(() => s0.Undo());
        var s1 = s0.Play("E5");
        var s2 = s1.Play("pass");
        Assert.Equal(Go9.PassAction, s2.LastMove);
        Assert.Equal(Point(Go9, "E5"), s1.LastMove);
        Assert.Same(s1, s2.Undo());
        Assert.Same(s0, s2.Undo().Undo());
        // After undo the same move is legal again and gives the same position.
        var again = s2.Undo().Undo().Play("E5");
        Assert.Equal(s1.Hash, again.Hash);
        Assert.Equal(s1.CurrentPlayer, again.CurrentPlayer);
    }

    /// <summary>
    /// Legality against a reference written separately: copy the board, place the stone, remove opponent groups
    /// without liberties, reject a suicide, then compare the resulting board with every earlier board of the game
    /// (walking <see cref="GoState.Previous"/>) for positional superko. Random 5×5 and 7×7 games are full of
    /// captures, ko fights and superko cases.
    /// </summary>
    [Theory]
    [InlineData(5, 11)]
    [InlineData(7, 12)]
    public void Legality_matches_a_naive_reference_in_random_games(int size, int seed)
    {
        var g = new GoGame(size, komi: 0.5);
        var rng = new Random(seed);
        int checkedMoves = 0, illegalNonEmpty = 0;
        var legal = new int[g.NumActions];
        for (int game = 0; game < 12; game++)
        {
            var s = g.NewGame();
            while (!s.IsTerminal)
            {
                for (int a = 0; a < g.Points; a++)
                {
                    bool expected = ReferenceLegal(s, a);
                    Assert.True(expected == s.IsLegal(a), $"game {game} move {s.MoveNumber} point {g.ActionToString(a)}: reference {expected}");
                    if (!expected && s.At(a) == GoState.Empty) illegalNonEmpty++;
                    checkedMoves++;
                }
                int n = s.GetLegalActions(legal);
                // Prefer board moves so that the games last and fill up.
                int pick = n > 1 && rng.NextDouble() < 0.97 ? legal[rng.Next(n - 1)] : legal[n - 1];
                s = s.Play(pick);
            }
        }
        Assert.True(illegalNonEmpty > 0, "the random games never met an illegal empty point (suicide or superko)");
        Assert.True(checkedMoves > 1000);
    }

    private static bool ReferenceLegal(GoState s, int p)
    {
        var g = s.GoGame;
        int n = g.Size;
        if (s.At(p) != GoState.Empty) return false;
        var board = new int[g.Points];
        for (int q = 0; q < g.Points; q++) board[q] = s.At(q);
        int me = s.CurrentPlayer + 1, them = 3 - me;
        board[p] = me;
        foreach (int q in Adjacent(p, n))
            if (board[q] == them && !GroupHasLiberty(board, q, n)) RemoveGroup(board, q, n);
        if (!GroupHasLiberty(board, p, n)) return false; // suicide (not allowed in this game)
        for (GoState? earlier = s; earlier is not null; earlier = earlier.Previous)
        {
            bool same = true;
            for (int q = 0; q < g.Points && same; q++) same = earlier.At(q) == board[q];
            if (same) return false;
        }
        return true;
    }

    private static IEnumerable<int> Adjacent(int p, int n)
    {
        int x = p % n, y = p / n;
        if (x > 0) yield return p - 1;
        if (x < n - 1) yield return p + 1;
        if (y > 0) yield return p - n;
        if (y < n - 1) yield return p + n;
    }

    private static bool GroupHasLiberty(int[] board, int start, int n)
    {
        var seen = new HashSet<int> { start };
        var todo = new Stack<int>([start]);
        while (todo.Count > 0)
            foreach (int q in Adjacent(todo.Pop(), n))
            {
                if (board[q] == GoState.Empty) return true;
                if (board[q] == board[start] && seen.Add(q)) todo.Push(q);
            }
        return false;
    }

    private static void RemoveGroup(int[] board, int start, int n)
    {
        int colour = board[start];
        var todo = new Stack<int>([start]);
        board[start] = GoState.Empty;
        while (todo.Count > 0)
            foreach (int q in Adjacent(todo.Pop(), n))
                if (board[q] == colour) { board[q] = GoState.Empty; todo.Push(q); }
    }
}

public sealed class GoPlayoutTests
{
    [Theory]
    [InlineData(9, 1)]
    [InlineData(19, 2)]
    public void Random_playouts_end_by_two_passes_with_only_eyes_left_empty(int size, int seed)
    {
        var g = new GoGame(size);
        var rng = new Random(seed);
        for (int i = 0; i < 5; i++)
        {
            var end = GoPlayout.Run(g.NewGame(), rng);
            Assert.True(end.IsTerminal);
            Assert.Equal(2, end.ConsecutivePasses); // not the move cap: the eye rule lets playouts finish
            // Every empty point left is either an eye of the player to move or illegal for them.
            for (int p = 0; p < g.Points; p++)
                if (end.At(p) == GoState.Empty)
                {
                    var beforeLastPass = end.Undo();
                    Assert.True(beforeLastPass.IsOwnEye(p, beforeLastPass.CurrentPlayer + 1) || !beforeLastPass.IsLegal(p),
                        $"{g.ActionToString(p)} was playable for the last passer");
                }
        }
    }

    [Fact]
    public void Eye_rule_counts_diagonals_in_the_centre_and_on_the_edge()
    {
        var g = new GoGame(5);
        var centre = GoState.FromDiagram(g, """
            .....
            ..X..
            .X.X.
            ..X..
            .....
            """);
        Assert.True(centre.IsOwnEye(g.PointAction(2, 2), GoState.Black));
        Assert.False(centre.IsOwnEye(g.PointAction(2, 2), GoState.White));
        var falseEye = GoState.FromDiagram(g, """
            .....
            .OXO.
            .X.X.
            ..X..
            .....
            """);
        Assert.False(falseEye.IsOwnEye(g.PointAction(2, 2), GoState.Black)); // two opposing diagonals
        var edge = GoState.FromDiagram(g, """
            .....
            .....
            .....
            OX...
            .X...
            """);
        Assert.False(edge.IsOwnEye(g.PointAction(0, 0), GoState.Black)); // neighbour A2 is White
        var edgeEye = GoState.FromDiagram(g, """
            .....
            .....
            .....
            X....
            .X...
            """);
        Assert.True(edgeEye.IsOwnEye(g.PointAction(0, 0), GoState.Black));
    }
}

public sealed class GoResignationTests
{
    [Fact]
    public void Resigning_ends_the_game_for_the_other_player_whatever_the_score()
    {
        var g = new GoGame(9, komi: 7.5);
        var s = g.NewGame().Play("E5", "pass"); // Black to move, Black leads on the board
        Assert.True(s.Score() > 0);
        var r = s.Resign();
        Assert.True(r.IsTerminal);
        Assert.Equal(0, r.ResignedPlayer);
        Assert.Equal(-1, r.Returns(0));
        Assert.Equal(1, r.Returns(1));
        Assert.False(r.IsLegal(g.PassAction));
        Assert.Equal(0, r.GetLegalActions(new int[g.NumActions]));
        Assert.Contains("Black resigned", r.Render());
        Assert.Same(s, r.Undo());
        Assert.Equal(-1, s.ResignedPlayer);
        Assert.Throws<InvalidOperationException>(() => r.Resign());
        Assert.Throws<ArgumentException>(() => r.Play(g.PassAction));
    }
}
