using TorchSharp;
using static TorchSharp.torch;

namespace SelfPlayBN.BatchNorm;

/// <summary>
/// One replica's end of a sum all-reduce: every replica of the group calls <see cref="Sum"/> with a tensor of the
/// same shape, in the same order, and each gets the element-wise sum over all replicas. It is a collective: a
/// call returns only when every replica has made the matching call. Sync BN uses it in its forward pass (per
/// channel Σx, Σx², n) and in its backward pass (the gradients of those sums).
/// </summary>
/// <remarks>The cluster can supply a networked implementation later; <see cref="InProcessAllReduce"/> is the
/// in-process one (one thread per replica).</remarks>
public interface IAllReduce
{
    /// <summary>This replica's index, 0 ≤ Rank &lt; <see cref="Size"/>.</summary>
    int Rank { get; }

    /// <summary>Number of replicas in the group.</summary>
    int Size { get; }

    /// <summary>The sum of <paramref name="local"/> over all replicas, on <paramref name="local"/>'s device and dtype.
    /// Does not record autograd history (see <see cref="AllReduce.Differentiable"/>).</summary>
    Tensor Sum(Tensor local);
}

/// <summary>
/// An all-reduce among <c>K</c> threads of one process: <see cref="Create"/> returns one <see cref="IAllReduce"/>
/// per replica; each replica's thread uses its own. Sums are taken in float64 on the CPU in rank order, so
/// every replica receives bit-identical results, whatever device its tensors live on.
/// </summary>
public sealed class InProcessAllReduce
{
    private readonly Barrier _barrier;
    private readonly Tensor?[] _slots;
    private Tensor? _result;
    private Exception? _failure;

    private InProcessAllReduce(int replicas, TimeSpan timeout)
    {
        _slots = new Tensor?[replicas];
        Timeout = timeout;
        _barrier = new Barrier(replicas, _ => Combine());
    }

    /// <summary>How long a replica waits for the others before failing with <see cref="TimeoutException"/>.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>Creates a group of <paramref name="replicas"/> endpoints (rank 0 … K−1).</summary>
    /// <param name="replicas">K ≥ 1.</param>
    /// <param name="timeout">How long a replica waits for the others (default 2 minutes): a replica that never
    /// arrives makes the others fail with a message instead of hanging forever.</param>
    public static IReadOnlyList<IAllReduce> Create(int replicas, TimeSpan? timeout = null)
    {
        if (replicas < 1) throw new ArgumentOutOfRangeException(nameof(replicas), replicas, "an all-reduce needs at least one replica");
        var group = new InProcessAllReduce(replicas, timeout ?? TimeSpan.FromMinutes(2));
        return Enumerable.Range(0, replicas).Select(r => (IAllReduce)new Endpoint(group, r)).ToArray();
    }

    private void Combine()
    {
        try
        {
            _failure = null;
            var first = _slots[0]!;
            for (int r = 1; r < _slots.Length; r++)
                if (!_slots[r]!.shape.SequenceEqual(first.shape))
                    throw new InvalidOperationException(
                        $"all-reduce shape mismatch: replica 0 sent [{string.Join(", ", first.shape)}], replica {r} sent [{string.Join(", ", _slots[r]!.shape)}]");
            // Runs on whichever replica arrived last, maybe inside its dispose scope: the result must outlive it.
            var sum = first.clone().DetachFromDisposeScope();
            for (int r = 1; r < _slots.Length; r++) sum.add_(_slots[r]!);
            _result?.Dispose();
            _result = sum;
        }
        catch (Exception e)
        {
            _failure = e;
        }
        finally
        {
            for (int r = 0; r < _slots.Length; r++) { _slots[r]?.Dispose(); _slots[r] = null; }
        }
    }

    private Tensor Sum(int rank, Tensor local)
    {
        using (no_grad())
            _slots[rank] = local.detach().to(ScalarType.Float64, CPU, copy: true).DetachFromDisposeScope();
        if (!_barrier.SignalAndWait(Timeout))
            throw new TimeoutException($"all-reduce: replica {rank} waited {Timeout.TotalSeconds:0} s and not every one of the {_slots.Length} replicas arrived");
        if (_failure is { } failure) throw new InvalidOperationException($"all-reduce failed: {failure.Message}", failure);
        // _result is replaced only when every replica arrives at the next call, so reading it here is safe.
        using (no_grad())
            return _result!.to(local.dtype, local.device, copy: true);
    }

    private sealed class Endpoint(InProcessAllReduce group, int rank) : IAllReduce
    {
        public int Rank => rank;
        public int Size => group._slots.Length;
        public Tensor Sum(Tensor local) => group.Sum(rank, local);
    }
}

/// <summary>Autograd-aware collectives built on <see cref="IAllReduce"/>.</summary>
public static class AllReduce
{
    /// <summary>
    /// Σ over replicas of <paramref name="local"/>, recorded by autograd: its backward pass is again a sum
    /// all-reduce of the incoming gradient, so each replica receives ∂(Σ_j L_j)/∂local — the gradient of the
    /// total loss of all replicas. Every replica must therefore run its backward pass too (as with any
    /// data-parallel training); on CPU each replica's thread runs its own backward.
    /// </summary>
    public static Tensor Differentiable(Tensor local, IAllReduce group) =>
        group.Size == 1 ? local.alias() : SumFunction.apply(local, group);

    private sealed class SumFunction : autograd.SingleTensorFunction<SumFunction>
    {
        public override string Name => "SelfPlayBN.AllReduceSum";

        public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
        {
            var group = (IAllReduce)vars[1];
            ctx.save_data("group", group);
            return group.Sum((Tensor)vars[0]);
        }

        public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
        {
            var group = (IAllReduce)ctx.get_data("group");
            return [group.Sum(grad_output), null!]; // one gradient per argument of apply; the group has none
        }
    }
}
