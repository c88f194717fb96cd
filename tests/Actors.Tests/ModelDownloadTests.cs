using SelfPlayBN.Actors.Cluster;
using SelfPlayBN.Training;

namespace SelfPlayBN.Actors.Tests;

/// <summary>A node's model download as a plain class: which announcements it follows, the chunks in flight, stalls,
/// and a model handed out only whole and verified.</summary>
public sealed class ModelDownloadTests
{
    private static readonly DateTime T0 = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);
    private const int ChunkSize = 1000;

    private static byte[] Model(int seed)
    {
        var bytes = new byte[9_500]; // 10 chunks, the last one short
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static ModelAnnounced Announce(long version, byte[] model, string game = "connect4") =>
        new(version, Models.Sha256(model), model.Length, ChunkSize, "precise", game, "{}");

    private static ModelChunk ChunkOf(ModelAnnounced a, byte[] model, int index) =>
        new(a.Version, a.Sha256, index, ModelChunking.Chunk(model, index, ChunkSize));

    [Fact]
    public void A_model_arrives_whole_with_a_window_of_chunks_in_flight()
    {
        var download = new ModelDownload("connect4", "{}", Timeout);
        var model = Model(1);
        var a = Announce(3, model);
        Assert.Equal(AnnouncementOutcome.Started, download.Announced(a, T0, out _));
        Assert.Equal([0, 1, 2, 3], download.Requests().Select(r => r.Index));
        Assert.Empty(download.Requests()); // the window is full

        Assert.Equal(ChunkOutcome.Progress, download.Chunk(ChunkOf(a, model, 2), T0, out _, out _));
        Assert.Equal(ChunkOutcome.Ignored, download.Chunk(ChunkOf(a, model, 2), T0, out _, out _)); // a repeat
        Assert.Equal([4], download.Requests().Select(r => r.Index));

        byte[]? weights = null;
        var outcomes = Enumerable.Range(0, 10).Where(i => i != 2).Select(i => download.Chunk(ChunkOf(a, model, i), T0, out weights, out _)).ToList();
        Assert.Equal(ChunkOutcome.Delivered, outcomes[^1]);
        Assert.All(outcomes.SkipLast(1), o => Assert.Equal(ChunkOutcome.Progress, o));
        Assert.Equal(model, weights);
        Assert.Null(download.Fetching);

        Assert.Equal(AnnouncementOutcome.Ignored, download.Announced(a, T0, out _));               // delivered already
        Assert.Equal(AnnouncementOutcome.Ignored, download.Announced(Announce(2, Model(2)), T0, out _)); // older
        Assert.Equal(AnnouncementOutcome.Started, download.Announced(Announce(4, Model(4)), T0, out _));
    }

    [Fact]
    public void Another_game_is_refused_once_and_a_contradicting_announcement_or_chunk_is_not_used()
    {
        var download = new ModelDownload("connect4", "{}", Timeout);
        var model = Model(1);
        Assert.Equal(AnnouncementOutcome.Refused, download.Announced(Announce(3, model, game: "tictactoe"), T0, out _));
        Assert.Equal(AnnouncementOutcome.Ignored, download.Announced(Announce(3, model, game: "tictactoe"), T0, out _));

        Assert.Equal(AnnouncementOutcome.Invalid, download.Announced(Announce(3, model) with { ChunkSize = 0 }, T0, out var problem));
        Assert.False(string.IsNullOrEmpty(problem));

        var a = Announce(3, model);
        download.Announced(a, T0, out _);
        Assert.Equal(ChunkOutcome.Discarded, download.Chunk(new ModelChunk(a.Version, a.Sha256, 0, new byte[7]), T0, out _, out problem));
        Assert.Contains("model 3", problem);
        Assert.Null(download.Fetching);

        var tampered = model.ToArray();
        tampered[0] ^= 1;
        download.Announced(a, T0, out _);
        var outcomes = Enumerable.Range(0, 10).Select(i => download.Chunk(ChunkOf(a, tampered, i), T0, out _, out problem)).ToList();
        Assert.Equal(ChunkOutcome.Discarded, outcomes[^1]); // every chunk fits, the whole does not match its SHA-256
        Assert.Contains("discarding model 3", problem);
    }

    [Fact]
    public void A_stalled_download_asks_again_and_gives_up_after_its_timeouts()
    {
        var download = new ModelDownload("connect4", "{}", Timeout);
        var a = Announce(3, Model(1));
        download.Announced(a, T0, out _);
        download.Requests();
        Assert.Equal(StallOutcome.None, download.Check(T0 + Timeout / 2));
        var now = T0;
        for (int i = 1; i < ModelDownload.MaxTimeouts; i++)
        {
            now += Timeout;
            Assert.Equal(StallOutcome.AskAgain, download.Check(now));
            Assert.Equal([0, 1, 2, 3], download.Requests().Select(r => r.Index)); // the same chunks again
        }
        Assert.Equal(StallOutcome.GaveUp, download.Check(now + Timeout));
        Assert.Null(download.Fetching);
        Assert.Equal(AnnouncementOutcome.Started, download.Announced(a, now, out _)); // the next announcement starts over
        Assert.True(download.NotServed(3));
        Assert.False(download.NotServed(3));
    }
}
