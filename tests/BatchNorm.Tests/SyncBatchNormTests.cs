using TorchSharp;
using static TorchSharp.torch;

namespace SelfPlayBN.BatchNorm.Tests;

/// <summary>Property 4: Sync BN over K replicas (threads) with unequal batches equals single-replica BN on the
/// concatenation: outputs to 1e-5, gradients to 1e-4, running statistics too.</summary>
[Collection(TorchCollection.Name)]
public sealed class SyncBatchNormTests
{
    [Theory]
    [InlineData(1, new[] { 3, 7, 2 })]
    [InlineData(2, new[] { 5, 1, 9 })]
    [InlineData(2, new[] { 4, 4 })]
    public void UnequalReplicasEqualBatchNormOnTheConcatenation(int dims, int[] sizes)
    {
        manual_seed(11);
        long c = 6;
        Func<long, BatchNormOptions?, BatchNormLayer> make = dims == 1
            ? (f, o) => BatchNormLayer.BatchNorm1d(f, o)
            : (f, o) => BatchNormLayer.BatchNorm2d(f, o);
        Tensor Input(int n) => dims == 1 ? randn(n, c) * 2 + 3 : randn(n, c, 3, 4) * 2 + 3;
        var xs = sizes.Select(Input).ToArray();
        var gs = xs.Select(x => randn(x.shape)).ToArray();
        var gamma = rand(c) + 0.5; var beta = randn(c);

        // Reference: one replica over the concatenation.
        var reference = make(c, null);
        using (no_grad()) { reference.Weight!.copy_(gamma); reference.Bias!.copy_(beta); }
        reference.train();
        var xAll = cat(xs, 0).requires_grad_();
        var yAll = reference.call(xAll);
        (yAll * cat(gs, 0)).sum().backward();

        // K replicas on K threads, each its own copy of the layer and its own slice.
        var group = InProcessAllReduce.Create(sizes.Length, TimeSpan.FromSeconds(60));
        var replicas = group.Select(g => make(c, new BatchNormOptions { BatchStatistics = BatchStatistics.Sync, SyncGroup = g })).ToArray();
        foreach (var r in replicas) { using (no_grad()) { r.Weight!.copy_(gamma); r.Bias!.copy_(beta); } r.train(); }
        var failures = new List<Exception>();
        var inputs = xs.Select(x => x.detach().clone().requires_grad_()).ToArray();
        var outputs = new Tensor[sizes.Length];
        var threads = Enumerable.Range(0, sizes.Length).Select(k => new Thread(() =>
        {
            try
            {
                outputs[k] = replicas[k].call(inputs[k]);
                (outputs[k] * gs[k]).sum().backward();
            }
            catch (Exception e) { lock (failures) failures.Add(e); }
        })).ToArray();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        Assert.Empty(failures);

        long offset = 0;
        for (int k = 0; k < sizes.Length; k++)
        {
            TensorAssert.Close(yAll.narrow(0, offset, sizes[k]), outputs[k], 1e-5, $"replica {k} output");
            TensorAssert.Close(xAll.grad!.narrow(0, offset, sizes[k]), inputs[k].grad!, 1e-4, $"replica {k} input gradient");
            TensorAssert.Close(reference.RunningMean(), replicas[k].RunningMean(), 1e-5, $"replica {k} running mean");
            TensorAssert.Close(reference.RunningVar(), replicas[k].RunningVar(), 1e-5, $"replica {k} running var");
            offset += sizes[k];
        }
        // γ and β are replicated: their gradients summed over replicas are the gradients on the concatenation.
        TensorAssert.Close(reference.Weight!.grad!, stack(replicas.Select(r => r.Weight!.grad!)).sum([0L]), 1e-4, "γ gradient");
        TensorAssert.Close(reference.Bias!.grad!, stack(replicas.Select(r => r.Bias!.grad!)).sum([0L]), 1e-4, "β gradient");
    }
}
