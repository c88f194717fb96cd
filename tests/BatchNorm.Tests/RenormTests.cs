using TorchSharp;
using static TorchSharp.torch;
using R = SelfPlayBN.BatchNorm.Tests.BatchNormReference;

namespace SelfPlayBN.BatchNorm.Tests;

/// <summary>Property 6, Batch Renormalization: with rmax=1, dmax=0 it equals BN (TorchSharp's layer as oracle, even
/// with running statistics far from the batch's); r and d are stop-gradient constants (the gradient equals a
/// hand-written formula that treats them as constants, and differs from the one that would differentiate them);
/// r ∈ [1/rmax, rmax] and d ∈ [−dmax, dmax] with the values of the clipped formula; <see cref="RenormSchedule"/>'s
/// warm-up and ramp, and that the layer follows it step by step.</summary>
[Collection(TorchCollection.Name)]
public sealed class RenormTests
{
    private const double Eps = 1e-5;

    private static void EqualsBatchNorm(string shape, Device device)
    {
        manual_seed(301);
        const long c = 4;
        var ours = R.Ours(shape, c, new BatchNormOptions { Normalization = Normalization.Renorm, Renorm = RenormSchedule.Constant(1, 0) });
        var theirs = R.Theirs(shape, c);
        // Running statistics far from the batch's: unclipped r and d would be far from 1 and 0.
        var gamma = rand(c) + 0.5; var beta = randn(c); var mean = randn(c) * 5; var var = rand(c) * 10 + 0.01;
        R.Load(ours, gamma, beta, mean, var); R.Load(theirs, gamma, beta, mean, var);
        ours.to(device).train(); theirs.to(device).train();
        for (int step = 0; step < 2; step++)
        {
            var x = R.Input(shape, 6, c, device) + step;
            var g = randn(x.shape, device: device);
            var x1 = x.detach().requires_grad_(); var x2 = x.detach().requires_grad_();
            var y1 = ours.call(x1); var y2 = theirs.call(x2);
            TensorAssert.Close(y2, y1, 1e-5, $"{shape} step {step}: output");
            (y1 * g).sum().backward(); (y2 * g).sum().backward();
            TensorAssert.Close(x2.grad!, x1.grad!, 1e-4, "input gradient");
            TensorAssert.Close(theirs.get_parameter("weight")!.grad!, ours.Weight!.grad!, 1e-4, "γ gradient");
            TensorAssert.Close(theirs.get_parameter("bias")!.grad!, ours.Bias!.grad!, 1e-4, "β gradient");
            TensorAssert.Close(theirs.get_buffer("running_mean")!, ours.RunningMean(), 1e-5, "running mean");
            TensorAssert.Close(theirs.get_buffer("running_var")!, ours.RunningVar(), 1e-5, "running var");
            var (r, d) = ours.LastRenormCorrection!.Value;
            TensorAssert.BitEqual(ones(c), r, "r with rmax = 1");
            TensorAssert.BitEqual(zeros(c), d, "d with dmax = 0");
        }
    }

    [Theory]
    [MemberData(nameof(R.Shapes), MemberType = typeof(R))]
    public void WithRmaxOneAndDmaxZeroItIsBatchNorm(string shape) => EqualsBatchNorm(shape, CPU);

    [CudaFact]
    public void WithRmaxOneAndDmaxZeroItIsBatchNormOnCuda()
    {
        foreach (var shape in new[] { "N,C", "N,C,L", "N,C,H,W" }) EqualsBatchNorm(shape, CUDA);
    }

    /// <summary>The test's own Batch Renorm: r and d from the running statistics before the update, clipped;
    /// <paramref name="stopGradient"/> false differentiates them (the wrong thing) to show the test can tell.</summary>
    private static (Tensor Y, Tensor R, Tensor D) Reference(Tensor x, Tensor gamma, Tensor beta, Tensor runMean, Tensor runVar,
        double rMax, double dMax, bool stopGradient)
    {
        var mu = R.Mean(x); var sigmaB = (R.BiasedVar(x) + Eps).sqrt();
        var sigma = (runVar + Eps).sqrt();
        var muC = stopGradient ? mu.detach() : mu; var sigmaBC = stopGradient ? sigmaB.detach() : sigmaB;
        var r = (sigmaBC / sigma).clamp(1.0 / rMax, rMax);
        var d = ((muC - runMean) / sigma).clamp(-dMax, dMax);
        var xhat = (x - R.View(mu, x)) / R.View(sigmaB, x);
        var y = (xhat * R.View(r, x) + R.View(d, x)) * R.View(gamma, x) + R.View(beta, x);
        return (y, r.detach(), d.detach());
    }

    [Theory]
    [MemberData(nameof(R.Shapes), MemberType = typeof(R))]
    public void RAndDReceiveNoGradient(string shape)
    {
        manual_seed(302);
        const long c = 3; const double rMax = 3, dMax = 5;
        var x = R.Input(shape, 6, c, dtype: ScalarType.Float64);
        // Running statistics near the batch's, so r and d are strictly inside their clips (no clip hides a gradient).
        var mean = R.Mean(x) + tensor(new[] { 0.3, -0.5, 0.2 }, ScalarType.Float64) * R.BiasedVar(x).sqrt();
        var var = R.BiasedVar(x) * tensor(new[] { 0.6, 1.5, 2.0 }, ScalarType.Float64);
        var gamma = rand(c, dtype: ScalarType.Float64) + 0.5; var beta = randn(c, dtype: ScalarType.Float64);
        var bn = R.Ours(shape, c, new BatchNormOptions { Normalization = Normalization.Renorm, Renorm = RenormSchedule.Constant(rMax, dMax) });
        bn.to(ScalarType.Float64);
        R.Load(bn, gamma, beta, mean, var);
        bn.train();
        var g = randn(x.shape, dtype: ScalarType.Float64);

        var xa = x.detach().requires_grad_();
        var y = bn.call(xa);
        (y * g).sum().backward();

        var xb = x.detach().requires_grad_();
        var gammaRef = gamma.detach().requires_grad_(); var betaRef = beta.detach().requires_grad_();
        var (yRef, rRef, dRef) = Reference(xb, gammaRef, betaRef, mean, var, rMax, dMax, stopGradient: true);
        (yRef * g).sum().backward();
        var xc = x.detach().requires_grad_();
        var (yWrong, _, _) = Reference(xc, gamma, beta, mean, var, rMax, dMax, stopGradient: false);
        (yWrong * g).sum().backward();

        Assert.True((rRef - 1).abs().min().item<double>() > 0.05 && (rRef < rMax).all().item<bool>() && (rRef > 1 / rMax).all().item<bool>(), "r is unclipped and not 1");
        Assert.True(dRef.abs().min().item<double>() > 0.05 && (dRef.abs() < dMax).all().item<bool>(), "d is unclipped and not 0");
        TensorAssert.Close(rRef, bn.LastRenormCorrection!.Value.R, 1e-12, "r");
        TensorAssert.Close(dRef, bn.LastRenormCorrection!.Value.D, 1e-12, "d");
        TensorAssert.Close(yRef, y, 1e-10, "output");
        TensorAssert.Close(xb.grad!, xa.grad!, 1e-9, "input gradient with r, d constant");
        TensorAssert.Close(gammaRef.grad!, bn.Weight!.grad!, 1e-9, "γ gradient");
        TensorAssert.Close(betaRef.grad!, bn.Bias!.grad!, 1e-9, "β gradient");
        double wrong = (xc.grad! - xb.grad!).abs().max().item<double>();
        Assert.True(wrong > 1e-3, $"differentiating r and d changes the gradient by only {wrong:E2}: the test would not detect it");
    }

    [Theory]
    [MemberData(nameof(R.Shapes), MemberType = typeof(R))]
    public void RAndDGradientMatchesFiniteDifferencesWithRAndDHeldFixed(string shape)
    {
        // Finite differences of the layer's own forward, with r and d frozen at their values for the unperturbed
        // input: the loss the stop-gradient defines, evaluated independently of autograd.
        manual_seed(303);
        const long c = 2; const double rMax = 3, dMax = 5, h = 1e-6;
        var x = R.Input(shape, 4, c, dtype: ScalarType.Float64);
        var mean = R.Mean(x) + 0.4; var var = R.BiasedVar(x) * 1.7;
        var bn = R.Ours(shape, c, new BatchNormOptions { Normalization = Normalization.Renorm, Renorm = RenormSchedule.Constant(rMax, dMax), Update = RunningUpdate.Keep });
        bn.to(ScalarType.Float64);
        R.Load(bn, null, null, mean, var);
        bn.train();
        var g = randn(x.shape, dtype: ScalarType.Float64);
        var xa = x.detach().requires_grad_();
        (bn.call(xa) * g).sum().backward();
        var r0 = bn.LastRenormCorrection!.Value.R.clone(); var d0 = bn.LastRenormCorrection!.Value.D.clone();

        double Loss(Tensor xp)
        {
            var mu = R.Mean(xp); var sigmaB = (R.BiasedVar(xp) + Eps).sqrt();
            var y = (xp - R.View(mu, xp)) / R.View(sigmaB, xp) * R.View(r0, xp) + R.View(d0, xp);
            return (y * g).sum().item<double>();
        }
        var flat = x.flatten();
        var fd = zeros(flat.shape, dtype: ScalarType.Float64);
        for (long i = 0; i < flat.numel(); i++)
        {
            var plus = flat.clone(); plus[i] = plus[i] + h;
            var minus = flat.clone(); minus[i] = minus[i] - h;
            fd[i] = (Loss(plus.reshape(x.shape)) - Loss(minus.reshape(x.shape))) / (2 * h);
        }
        TensorAssert.Close(fd.reshape(x.shape), xa.grad!, 1e-5, "input gradient vs central differences");
    }

    [Theory]
    [MemberData(nameof(R.Shapes), MemberType = typeof(R))]
    public void ClipsHold(string shape)
    {
        manual_seed(304);
        const long c = 4; const double rMax = 2, dMax = 1.5;
        var x = R.Input(shape, 6, c, dtype: ScalarType.Float64);
        // Per channel: r far above rmax, r far below 1/rmax, d far below −dmax, d far above dmax… and one inside.
        var bmean = R.Mean(x); var bvar = R.BiasedVar(x);
        var mean = bmean + tensor(new[] { 0.0, 0.0, 50.0, -0.1 }, ScalarType.Float64);
        var var = bvar * tensor(new[] { 0.01, 100.0, 1.0, 1.2 }, ScalarType.Float64);
        var bn = R.Ours(shape, c, new BatchNormOptions { Normalization = Normalization.Renorm, Renorm = RenormSchedule.Constant(rMax, dMax) });
        bn.to(ScalarType.Float64);
        var gamma = rand(c, dtype: ScalarType.Float64) + 0.5; var beta = randn(c, dtype: ScalarType.Float64);
        R.Load(bn, gamma, beta, mean, var);
        bn.train();
        var y = bn.call(x);
        var (r, d) = bn.LastRenormCorrection!.Value;
        Assert.True((r <= rMax).all().item<bool>() && (r >= 1 / rMax).all().item<bool>(), $"r = {r.str()} outside [1/rmax, rmax]");
        Assert.True((d <= dMax).all().item<bool>() && (d >= -dMax).all().item<bool>(), $"d = {d.str()} outside [−dmax, dmax]");
        var (yRef, rRef, dRef) = Reference(x, gamma, beta, mean, var, rMax, dMax, stopGradient: true);
        Assert.Equal(rMax, rRef[0].item<double>()); Assert.Equal(1 / rMax, rRef[1].item<double>()); Assert.Equal(-dMax, dRef[2].item<double>());
        TensorAssert.Close(rRef, r, 1e-12, "r");
        TensorAssert.Close(dRef, d, 1e-12, "d");
        TensorAssert.Close(yRef, y, 1e-10, "output");
    }

    [Fact]
    public void ScheduleWarmsUpThenRampsLinearly()
    {
        var s = new RenormSchedule(RMax: 3, DMax: 5, WarmupSteps: 10, RampSteps: 20);
        Assert.Equal((1.0, 0.0), s.At(0));
        Assert.Equal((1.0, 0.0), s.At(9));
        Assert.Equal((1.0, 0.0), s.At(10));
        var (r, d) = s.At(15); Assert.Equal(1.5, r, 12); Assert.Equal(1.25, d, 12);
        (r, d) = s.At(20); Assert.Equal(2.0, r, 12); Assert.Equal(2.5, d, 12);
        Assert.Equal((3.0, 5.0), s.At(30));
        Assert.Equal((3.0, 5.0), s.At(1_000_000));
        var jump = new RenormSchedule(RMax: 4, DMax: 2, WarmupSteps: 3, RampSteps: 0);
        Assert.Equal((1.0, 0.0), jump.At(2));
        Assert.Equal((4.0, 2.0), jump.At(3));
        Assert.Equal((2.5, 7.0), RenormSchedule.Constant(2.5, 7).At(0));
        var defaults = new RenormSchedule();
        Assert.Equal((3.0, 5.0, 5_000L, 20_000L), (defaults.RMax, defaults.DMax, defaults.WarmupSteps, defaults.RampSteps));
    }

    [Theory]
    [MemberData(nameof(R.Shapes), MemberType = typeof(R))]
    public void TheLayerFollowsTheScheduleByNumBatchesTracked(string shape)
    {
        manual_seed(305);
        const long c = 2; const long warmup = 2, ramp = 4; const double rMax = 3, dMax = 5;
        var bn = R.Ours(shape, c, new BatchNormOptions
        {
            Normalization = Normalization.Renorm, Decay = 0.999,
            Renorm = new RenormSchedule(rMax, dMax, warmup, ramp),
        });
        // Running σ = 100 and μ = 1000 against a batch with σ ≈ 1–3 and μ near 0: r and d sit on their lower clips.
        R.Load(bn, null, null, full(c, 1000f), full(c, 1e4f));
        bn.train();
        for (long step = 0; step < 9; step++)
        {
            bn.call(R.Input(shape, 6, c));
            double t = step < warmup ? 0 : Math.Min(1.0, (step - warmup) / (double)ramp);
            double rMaxT = 1 + t * (rMax - 1), dMaxT = t * dMax;
            var (r, d) = bn.LastRenormCorrection!.Value;
            TensorAssert.Close(full(c, 1 / rMaxT), r, 1e-6, $"step {step}: r on 1/rmax");
            TensorAssert.Close(full(c, -dMaxT), d, 1e-6, $"step {step}: d on −dmax");
        }
    }
}
