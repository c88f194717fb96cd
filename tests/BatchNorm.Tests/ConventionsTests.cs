using TorchSharp;
using static TorchSharp.torch;
using R = SelfPlayBN.BatchNorm.Tests.BatchNormReference;

namespace SelfPlayBN.BatchNorm.Tests;

/// <summary>The framework-conventions table of batchnorm.md, row by row: PyTorch momentum 0.1 → decay 0.9 and null →
/// null; Keras 0.99 is the decay, ε 1e-3, biased variance outside the fused op; Caffe's moving_average_fraction is the
/// decay and its blobs are divided by the scale factor (0: no statistics yet → zeros); Caffe2's momentum is the decay
/// (PyTorch momentum = 1 − it) and riv holds the variance; biased ↔ unbiased; cuDNN's ε floor. Layers built from the
/// converted options update their running statistics as the framework would.</summary>
[Collection(TorchCollection.Name)]
public sealed class ConventionsTests
{
    [Fact]
    public void PyTorchMomentumIsOneMinusTheDecay()
    {
        Assert.Equal(0.9, Conventions.DecayFrom(Framework.PyTorch, 0.1)!.Value, 12);
        Assert.Equal(0.1, Conventions.MomentumFor(Framework.PyTorch, 0.9)!.Value, 12);
        Assert.Null(Conventions.DecayFrom(Framework.PyTorch, null));
        Assert.Null(Conventions.MomentumFor(Framework.PyTorch, null));
        Assert.Equal(1e-5, Conventions.DefaultEpsilon(Framework.PyTorch));
        Assert.True(Conventions.StoresUnbiasedVariance(Framework.PyTorch));
        var o = Conventions.OptionsFrom(Framework.PyTorch, 0.1);
        Assert.Equal(0.9, o.Decay!.Value, 12); Assert.Equal(1e-5, o.Epsilon);
        Assert.Null(Conventions.OptionsFrom(Framework.PyTorch, null).Decay);
    }

    [Fact]
    public void KerasMomentumIsTheDecay()
    {
        Assert.Equal(0.99, Conventions.DecayFrom(Framework.Keras, 0.99));
        Assert.Equal(0.99, Conventions.MomentumFor(Framework.Keras, 0.99));
        Assert.Equal(1e-3, Conventions.DefaultEpsilon(Framework.Keras));
        Assert.True(Conventions.StoresUnbiasedVariance(Framework.Keras, kerasFused: true));
        Assert.False(Conventions.StoresUnbiasedVariance(Framework.Keras, kerasFused: false));
        Assert.Equal(1.001e-5, Conventions.TensorFlowCudnnMinEpsilon);
        var o = Conventions.OptionsFrom(Framework.Keras, 0.99);
        Assert.Equal(0.99, o.Decay); Assert.Equal(1e-3, o.Epsilon);
        Assert.Throws<ArgumentException>(() => Conventions.DecayFrom(Framework.Keras, null));
        Assert.Throws<ArgumentException>(() => Conventions.MomentumFor(Framework.Keras, null));
    }

    [Fact]
    public void CaffeFractionIsTheDecayAndBlobsAreDividedByTheScaleFactor()
    {
        Assert.Equal(0.999, Conventions.DecayFrom(Framework.Caffe, 0.999));
        Assert.Equal(1e-5, Conventions.DefaultEpsilon(Framework.Caffe));
        Assert.True(Conventions.StoresUnbiasedVariance(Framework.Caffe));
        var (mean, var) = Conventions.FromCaffe(tensor(new[] { 2.0, -4.0 }), tensor(new[] { 8.0, 1.0 }), 4.0);
        TensorAssert.Close(tensor(new[] { 0.5, -1.0 }), mean, 1e-15, "mean / scale");
        TensorAssert.Close(tensor(new[] { 2.0, 0.25 }), var, 1e-15, "variance / scale");
        var (m0, v0) = Conventions.FromCaffe(tensor(new[] { 2.0, -4.0 }), tensor(new[] { 8.0, 1.0 }), 0.0);
        TensorAssert.BitEqual(zeros(2, dtype: ScalarType.Float64), m0.abs(), "scale 0: mean");
        TensorAssert.BitEqual(zeros(2, dtype: ScalarType.Float64), v0, "scale 0: variance");
        Assert.Throws<ArgumentOutOfRangeException>(() => Conventions.FromCaffe(zeros(2), zeros(2), -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Conventions.FromCaffe(zeros(2), zeros(2), double.NaN));
        var (mb, vb, scale) = Conventions.ToCaffe(tensor(new[] { 0.5, 1.5 }), tensor(new[] { 2.0, 3.0 }));
        Assert.Equal(1.0, scale);
        var (mr, vr) = Conventions.FromCaffe(mb, vb, scale);
        TensorAssert.BitEqual(tensor(new[] { 0.5, 1.5 }), mr, "round trip mean");
        TensorAssert.BitEqual(tensor(new[] { 2.0, 3.0 }), vr, "round trip variance");
    }

    [Fact]
    public void Caffe2MomentumIsTheDecayAndRivHoldsTheVariance()
    {
        // PyTorch momentum = 1 − Caffe2 momentum: Caffe2 0.9 ↔ PyTorch 0.1 ↔ decay 0.9.
        Assert.Equal(0.9, Conventions.DecayFrom(Framework.Caffe2, 0.9));
        Assert.Equal(Conventions.DecayFrom(Framework.PyTorch, 1 - 0.9)!.Value, Conventions.DecayFrom(Framework.Caffe2, 0.9)!.Value, 12);
        Assert.Equal(0.9, Conventions.MomentumFor(Framework.Caffe2, 0.9));
        var riv = tensor(new[] { 4.0, 0.25 });
        var (mean, var) = Conventions.FromCaffe2(tensor(new[] { 1.0, 2.0 }), riv);
        TensorAssert.BitEqual(riv, var, "riv is the variance, not its inverse");
        TensorAssert.BitEqual(tensor(new[] { 1.0, 2.0 }), mean, "rm");
        Assert.NotSame(riv, var);
    }

    [Fact]
    public void MomentumOutsideZeroOneIsRejected()
    {
        foreach (var f in Enum.GetValues<Framework>())
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => Conventions.DecayFrom(f, 1.5));
            Assert.Throws<ArgumentOutOfRangeException>(() => Conventions.DecayFrom(f, -0.1));
            Assert.Throws<ArgumentOutOfRangeException>(() => Conventions.MomentumFor(f, double.NaN));
        }
    }

    [Fact]
    public void BiasedAndUnbiasedVariancesConvertWithTheCount()
    {
        manual_seed(801);
        var x = randn(7, 3, dtype: ScalarType.Float64);
        var biased = R.BiasedVar(x); var unbiased = R.UnbiasedVar(x);
        TensorAssert.Close(unbiased, Conventions.BiasedToUnbiased(biased, 7), 1e-14, "biased → unbiased");
        TensorAssert.Close(biased, Conventions.UnbiasedToBiased(unbiased, 7), 1e-14, "unbiased → biased");
        TensorAssert.Close(x.var([0L], unbiased: true), Conventions.BiasedToUnbiased(biased, 7), 1e-14, "vs torch.var(unbiased)");
        Assert.Throws<ArgumentOutOfRangeException>(() => Conventions.BiasedToUnbiased(biased, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Conventions.UnbiasedToBiased(biased, 0));
    }

    [Fact]
    public void LayersBuiltFromConvertedOptionsUpdateAsTheFrameworkDoes()
    {
        manual_seed(802);
        var x = R.Input("N,C,H,W", 4, 3);
        var x64 = x.to(ScalarType.Float64);
        // PyTorch momentum 0.1 behaves as TorchSharp's own layer.
        var ours = BatchNormLayer.BatchNorm2d(3, Conventions.OptionsFrom(Framework.PyTorch, 0.1));
        var theirs = nn.BatchNorm2d(3, momentum: 0.1);
        ours.train(); theirs.train();
        TensorAssert.Close(theirs.call(x), ours.call(x), 1e-5, "PyTorch 0.1 output");
        TensorAssert.Close(theirs.get_buffer("running_var")!, ours.RunningVar(), 1e-6, "PyTorch 0.1 running var");
        // Keras momentum 0.99: μ_run = 0.99·0 + 0.01·μ_B after one step, ε = 1e-3 in the output.
        var keras = BatchNormLayer.BatchNorm2d(3, Conventions.OptionsFrom(Framework.Keras, 0.99));
        keras.train();
        var y = keras.call(x);
        TensorAssert.Close(0.01 * R.Mean(x64), keras.RunningMean(), 1e-6, "Keras 0.99 running mean");
        TensorAssert.Close(R.Train(x64, 1e-3), y, 1e-5, "Keras ε = 1e-3");
        // Caffe2 momentum 0.9 = decay 0.9.
        var caffe2 = BatchNormLayer.BatchNorm2d(3, Conventions.OptionsFrom(Framework.Caffe2, 0.9));
        caffe2.train();
        caffe2.call(x);
        TensorAssert.Close(0.1 * R.Mean(x64), caffe2.RunningMean(), 1e-6, "Caffe2 0.9 running mean");
    }

    [Fact]
    public void LoadWritesImportedStatisticsIntoADomain()
    {
        var bn = BatchNormLayer.BatchNorm1d(2, domains: ["b"]);
        Conventions.Load(bn, tensor(new[] { 1f, 2f }), tensor(new[] { 3f, 4f }), "b");
        TensorAssert.BitEqual(tensor(new[] { 1f, 2f }), bn.RunningMean("b"), "b's mean");
        TensorAssert.BitEqual(tensor(new[] { 3f, 4f }), bn.RunningVar("b"), "b's var");
        TensorAssert.BitEqual(zeros(2), bn.RunningMean(), "default mean untouched");
        Assert.Throws<ArgumentException>(() => Conventions.Load(bn, zeros(3), ones(3)));
        Assert.Throws<ArgumentException>(() => Conventions.Load(bn, zeros(2), tensor(new[] { 1f, -1f })));
        TensorAssert.BitEqual(ones(2), bn.RunningVar(), "default var untouched by refused loads");
    }
}
