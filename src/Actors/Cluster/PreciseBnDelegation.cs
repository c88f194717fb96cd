using Akka.Actor;
using SelfPlayBN.Training;

namespace SelfPlayBN.Actors.Cluster;

/// <summary>The next job of a <see cref="PreciseBnDelegation"/>: a snapshot for a precisebn node, or for the trainer
/// node itself.</summary>
public abstract record DelegationStep(SnapshotTaken Snapshot);

/// <summary>Send <paramref name="Job"/> to the worker at <paramref name="Worker"/>, and serve its snapshot.</summary>
public sealed record DelegateJob(SnapshotTaken Snapshot, Address Worker, MeasurePreciseBn Job) : DelegationStep(Snapshot);

/// <summary>Measure <see cref="DelegationStep.Snapshot"/> on the trainer node; <paramref name="Warning"/> says why
/// when precisebn nodes exist but none is reachable.</summary>
public sealed record MeasureHere(SnapshotTaken Snapshot, string? Warning) : DelegationStep(Snapshot);

/// <summary>A precisebn node's whole answer for the current job.</summary>
/// <param name="Snapshot">The snapshot it measured.</param>
/// <param name="JobId">The job.</param>
/// <param name="Node">The node that answered.</param>
/// <param name="Layers">The statistics.</param>
/// <param name="Staleness">Its staleness summary.</param>
public sealed record DelegatedAnswer(SnapshotTaken Snapshot, Guid JobId, string Node, BnLayerStatistics[] Layers, StalenessSummary Staleness);

/// <summary>
/// The trainer node's side of delegated Precise BN as a plain class the <see cref="PreciseBnDelegateActor"/> drives: the
/// precisebn nodes it may use (members up with the role, not this node, less the unreachable; the first in address order
/// gets the job), the snapshots waiting (one job at a time, in order; none before the cluster's members are known), the
/// current job and its answer in parts, and when the job falls back to the trainer node (the worker failed, is lost or
/// late, or answered badly). Once a whole answer is being applied, losing the worker no longer matters.
/// </summary>
/// <param name="self">This node's address (never a worker).</param>
/// <param name="positions">Positions a job measures on (<see cref="PreciseBnPass.Positions"/>).</param>
/// <param name="announce">The snapshot's announcement for a worker, given the snapshot.</param>
public sealed class PreciseBnDelegation(Address self, int positions, Func<SnapshotTaken, ModelAnnounced> announce)
{
    private readonly HashSet<Address> _workers = [];
    private readonly HashSet<Address> _unreachable = [];
    private readonly Queue<SnapshotTaken> _waiting = new();
    private bool _membersKnown;
    private SnapshotTaken? _current;
    private Address? _worker;
    private string? _sha256; // the delegated snapshot's, as announced to the worker
    private PartCollector<PreciseBnComputedPart>? _answer;

    /// <summary>The current job's id (a fallback gives a new one, so that late answers are ignored).</summary>
    public Guid JobId { get; private set; }

    /// <summary>The worker of the current job, or <c>null</c> (no job, or measured here).</summary>
    public Address? Worker => _worker;

    /// <summary>Whether a whole answer is being applied.</summary>
    public bool Applying { get; private set; }

    /// <summary>Precisebn nodes known.</summary>
    public int Workers => _workers.Count;

    /// <summary>Queues a snapshot.</summary>
    public void Enqueue(SnapshotTaken snapshot) => _waiting.Enqueue(snapshot);

    /// <summary>The cluster's members are known (the first job must not miss a precisebn node already up).</summary>
    public void MembersKnown() => _membersKnown = true;

    /// <summary>Notes a member that is up; true when it is a new precisebn node.</summary>
    public bool Up(Address address, IEnumerable<string> roles) =>
        roles.Contains(ClusterNodeOptions.PreciseBnRole) && !address.Equals(self) && _workers.Add(address);

    /// <summary>Notes a member that left; true when it was a precisebn node. Returns through <paramref name="fallback"/>
    /// why the current job falls back, if it was the job's worker.</summary>
    public bool Gone(Address address, string status, out string? fallback)
    {
        bool removed = _workers.Remove(address);
        _unreachable.Remove(address);
        fallback = Lost(address, $"it left the cluster ({status})");
        return removed;
    }

    /// <summary>Notes an unreachable member; returns why the current job falls back, if it was the job's worker.</summary>
    public string? Unreachable(Address address)
    {
        _unreachable.Add(address);
        return Lost(address, "it is unreachable");
    }

    /// <summary>Notes a member reachable again.</summary>
    public void Reachable(Address address) => _unreachable.Remove(address);

    private string? Lost(Address address, string why) =>
        address.Equals(_worker) && !Applying ? $"{address} is lost: {why}" : null;

    /// <summary>Starts the next job when none is running and a snapshot waits; <c>null</c> otherwise.</summary>
    public DelegationStep? Next()
    {
        if (!_membersKnown || _current is not null || _waiting.Count == 0) return null;
        var snapshot = _current = _waiting.Dequeue();
        _answer = null;
        JobId = Guid.NewGuid();
        _worker = _workers.Where(a => !_unreachable.Contains(a)).OrderBy(a => a.ToString(), StringComparer.Ordinal).FirstOrDefault();
        if (_worker is null)
            return new MeasureHere(snapshot, _workers.Count > 0 ? $"generation {snapshot.Generation}: no precisebn node is reachable; Precise BN runs on the trainer node" : null);
        var announced = announce(snapshot);
        _sha256 = announced.Sha256;
        return new DelegateJob(snapshot, _worker, new MeasurePreciseBn(JobId, announced, positions));
    }

    /// <summary>Takes a part of an answer. Returns the whole answer once every part is in (it is then
    /// <see cref="Applying"/>), else <c>null</c>; <paramref name="ignored"/> is set for a part of no job waited for.</summary>
    /// <exception cref="InvalidDataException">The parts contradict each other or are for another snapshot: fall back.</exception>
    public DelegatedAnswer? Answer(PreciseBnComputedPart part, out bool ignored)
    {
        ignored = _current is not { } current || _worker is null || part.JobId != JobId || part.Generation != current.Generation || Applying;
        if (ignored) return null;
        _answer ??= new PartCollector<PreciseBnComputedPart>();
        _answer.Add(part.Part, part.Parts, part);
        if (!_answer.IsComplete) return null;
        var (layers, staleness) = PreciseBnParts.JoinMeasurement(_answer.InOrder());
        if (_answer.InOrder().Any(a => a.SnapshotSha256 != _sha256))
            throw new InvalidDataException("the answer is for another snapshot");
        Applying = true;
        return new DelegatedAnswer(_current!, JobId, _worker!.ToString(), layers, staleness);
    }

    /// <summary>The applying of an answer ended (done or failed).</summary>
    public void ApplyEnded() => Applying = false;

    /// <summary>Whether <paramref name="jobId"/> is the current job, delegated.</summary>
    public bool IsDelegated(Guid jobId) => _worker is not null && jobId == JobId;

    /// <summary>Gives the current delegated job to the trainer node: returns its snapshot (<c>null</c> when there is no
    /// delegated job) and abandons the job, so that its late answers are ignored.</summary>
    public SnapshotTaken? Fallback()
    {
        if (_current is null || _worker is null) return null;
        _worker = null;
        _answer = null;
        JobId = Guid.NewGuid();
        return _current;
    }

    /// <summary>The current job's model was published: the next may start.</summary>
    public void Published()
    {
        _current = null;
        _worker = null;
        _answer = null;
    }
}
