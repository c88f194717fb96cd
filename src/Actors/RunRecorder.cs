using SelfPlayBN.Training;

namespace SelfPlayBN.Actors;

/// <summary>
/// What a run records about its events: a typed line per publication, evaluation, move accuracy and gating decision in
/// <c>metrics.jsonl</c> (<see cref="MetricsLog"/>), the same figures as TensorBoard scalars, and the progress line for
/// the console. The run actor keeps the run's state (in a <see cref="RunProgress"/>) and calls it; this class only formats
/// and writes.
/// </summary>
/// <param name="folder">The run folder.</param>
/// <param name="warn">Receives the TensorBoard log's warnings.</param>
public sealed class RunRecorder(RunFolder folder, Action<string> warn)
{
    private TensorBoardLog? _tensorBoard;

    /// <summary>Records a publication with the self-play counters, the buffer's size and the games since the last
    /// publication (<paramref name="recent"/>) at that moment; returns the progress line (none for version 0).</summary>
    public string? Published(VersionPublished p, SelfPlayStats? stats, BufferStatus? buffer, GameTally? recent, TimeSpan elapsed)
    {
        var i = p.Info;
        var staleness = i.HasBatchNorm ? i.Staleness : null;
        var tally = stats?.Tally;
        WriteMetrics(new PublicationMetrics
        {
            Time = DateTime.UtcNow,
            Generation = i.Version,
            Statistics = i.Statistics,
            PolicyLoss = i.Losses?.Policy,
            ValueLoss = i.Losses?.Value,
            L2 = i.Losses?.L2,
            LearningRate = i.Losses?.LearningRate,
            Steps = i.Losses?.Steps,
            TrainSeconds = p.TrainSeconds,
            PreciseSeconds = staleness?.PreciseSeconds,
            PreciseBnNode = p.PreciseBnNode,
            StalenessMeanGap = staleness?.MeanGap,
            StalenessLogVarGap = staleness?.LogVarianceGap,
            LossWithEma = staleness?.LossWithEma,
            LossWithPrecise = staleness?.LossWithPrecise,
            Games = stats?.Games,
            GamesAccepted = buffer?.GamesAccepted,
            Positions = stats?.Positions,
            Moves = tally?.Moves,
            Passes = tally?.Passes,
            Resigned = tally?.Resigned,
            ResignChecks = tally?.ResignChecks,
            ResignFalsePositives = tally?.ResignFalsePositives,
            AverageInferenceBatch = stats?.Inference.AverageBatch,
            InferencePositions = stats?.Inference.Positions,
            InferenceBatches = stats?.Inference.Batches,
            InferenceBusySeconds = stats?.Inference.BusyTime.TotalSeconds,
            BufferPositions = buffer?.Positions,
            ElapsedSeconds = elapsed.TotalSeconds,
        });
        if (i.Version > 0)
        {
            var tb = TensorBoard();
            long g = i.Version;
            tb.Scalar("loss/policy", i.Losses?.Policy, g);
            tb.Scalar("loss/value", i.Losses?.Value, g);
            tb.Scalar("loss/l2", i.Losses?.L2, g);
            tb.Scalar("loss/total", i.Losses is { } l ? l.Policy + l.Value + l.L2 : null, g);
            tb.Scalar("train/learning_rate", i.Losses?.LearningRate, g);
            tb.Scalar("batchnorm/staleness_mean_gap", staleness?.MeanGap, g);
            tb.Scalar("batchnorm/staleness_log_variance_gap", staleness?.LogVarianceGap, g);
            tb.Scalar("batchnorm/loss_with_ema", staleness?.LossWithEma, g);
            tb.Scalar("batchnorm/loss_with_precise", staleness?.LossWithPrecise, g);
            tb.Scalar("batchnorm/ema_minus_precise_loss", staleness?.LossWithEma - staleness?.LossWithPrecise, g);
            tb.Scalar("selfplay/games", stats?.Games, g);
            tb.Scalar("selfplay/positions", stats?.Positions, g);
            tb.Scalar("selfplay/average_inference_batch", stats?.Inference.AverageBatch, g);
            tb.Scalar("selfplay/mean_game_length", recent?.MeanLength, g);
            tb.Scalar("selfplay/pass_share", recent is { Moves: > 0 } r ? (double)r.Passes / r.Moves : null, g);
            tb.Scalar("selfplay/resigned_share", recent is { Games: > 0 } q ? (double)q.Resigned / q.Games : null, g);
            tb.Scalar("replay/positions", buffer?.Positions, g);
            return $"generation {i.Version}: loss policy {i.Losses?.Policy:0.000} value {i.Losses?.Value:0.000}, " +
                   (!i.HasBatchNorm
                       ? "no BatchNorm (nothing for Precise BN to measure), "
                       : $"BN staleness {i.Staleness?.MeanGap:0.000} σ (loss EMA {i.Staleness?.LossWithEma:0.000} vs precise {i.Staleness?.LossWithPrecise:0.000}), ") +
                   $"published {i.Statistics}" +
                   (recent is { Games: > 0 } games
                       ? $"; self-play games since the last one: {games.Games}, {games.MeanLength:0.0} moves on average" +
                         (games.Passes > 0 ? $", {(double)games.Passes / games.Moves:P1} passes" : "") +
                         (games.Resigned > 0 ? $", {(double)games.Resigned / games.Games:P0} resigned" : "")
                       : "");
        }
        return null;
    }

    /// <summary>Records a match; returns its one-line summary.</summary>
    public string Evaluated(EvaluationFinished e)
    {
        WriteMetrics(new EvaluationMetrics
        {
            Time = DateTime.UtcNow, Generation = e.Version, Opponent = e.Opponent, Wins = e.Wins, Draws = e.Draws,
            Losses = e.Losses, Score = e.Score, Elo = e.EloDifference, LossesMovingFirst = e.LossesMovingFirst,
            LossesMovingSecond = e.LossesMovingSecond, Rating = e.Rating,
        });
        TensorBoard().Scalar($"strength/score_vs_{Tag(e.Opponent)}", e.Score, e.Version);
        TensorBoard().Scalar($"strength/elo_vs_{Tag(e.Opponent)}", e.EloDifference, e.Version);
        TensorBoard().Scalar("strength/rating", e.Rating, e.Version);
        return $"model {e.Version} vs {e.Opponent}: +{e.Wins} ={e.Draws} -{e.Losses} (Elo {e.EloDifference:+0;-0})" +
               (e.Rating is { } r ? $", rating {r:0}" : "");
    }

    /// <summary>Records a move accuracy; returns the progress line.</summary>
    public string Measured(AccuracyMeasured a)
    {
        WriteMetrics(new AccuracyMetrics
        {
            Time = DateTime.UtcNow, Generation = a.Version, Player = a.Player, Correct = a.Correct, Positions = a.Positions, Accuracy = a.Accuracy,
        });
        TensorBoard().Scalar($"strength/move_accuracy_{Tag(a.Player)}", a.Accuracy, a.Version);
        return $"move accuracy: model {a.Version}, {a.Player}: {a.Accuracy:P1} ({a.Correct}/{a.Positions} solver-labelled positions)";
    }

    /// <summary>Records a gating decision; returns the progress line.</summary>
    public string Gated(GatingDecided g)
    {
        WriteMetrics(new GatingMetrics
        {
            Time = DateTime.UtcNow, Generation = g.Version, Best = g.Best, Score = g.Score, Threshold = g.Threshold, Promoted = g.Promoted,
        });
        return $"gating: model {g.Version} scored {g.Score:P0} against best model {g.Best} (threshold {g.Threshold:P0}): {(g.Promoted ? "promoted" : "kept out of self-play")}";
    }

    /// <summary>The TensorBoard log, opened on first use (a run that publishes nothing leaves no event file).</summary>
    private TensorBoardLog TensorBoard() => _tensorBoard ??= new TensorBoardLog(folder.TensorBoard, warn);

    /// <summary>A name as a TensorBoard tag part: letters, digits, '-' and '_' kept, anything else '_'.</summary>
    private static string Tag(string name) => new([.. name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_')]);

    private void WriteMetrics(MetricsLine line) => MetricsLog.Append(folder.Metrics, line);
}
