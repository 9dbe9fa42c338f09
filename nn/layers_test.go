package nn

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/convkit/convkit/conv"
	"github.com/convkit/convkit/tensor"
)

// convSpec3x3 is a 3×3 convolution with padding 1 and a bias.
func convSpec3x3(in, out int) conv.Conv2D {
	return conv.New2D(in, out, 3).WithPadding(conv.Pad(1)).WithBias()
}

func TestConvGradients(t *testing.T) {
	cases := []struct {
		name string
		op   conv.Op
		in   []int
	}{
		{"standard 3x3 bias", convSpec3x3(3, 4), []int{2, 3, 5, 5}},
		{"stride 2 pad 1", conv.New2D(3, 4, 3).WithStride(2).WithPadding(conv.Pad(1)), []int{2, 3, 7, 6}},
		{"group 2 bias", conv.New2D(4, 6, 3).WithGroups(2).WithPadding(conv.Pad(1)).WithBias(), []int{2, 4, 5, 5}},
		{"pointwise group", conv.Pointwise(4, 6).WithGroups(2), []int{2, 4, 3, 3}},
		{"depthwise x2 dilation 2", conv.Depthwise(3, 3, 2).WithDilation(2).WithPadding(conv.Pad(2)), []int{2, 3, 6, 6}},
		{"depthwise stride 2", conv.Depthwise(4, 3, 1).WithStride(2), []int{2, 4, 7, 7}},
		{"channel-wise same", conv.NewChannelWise(6, 3), []int{2, 6, 3, 3}},
		{"channel-wise stride 2", conv.ChannelWise{In: 7, Kernel: 3, Stride: 2, Padding: conv.ChanPadding{Front: 1, Back: 0}}, []int{2, 7, 3, 2}},
		{"group channel-wise", conv.NewGroupChannelWise(8, 2, 4), []int{2, 8, 3, 3}},
		{"DWS channel-wise", conv.NewDWSChannelWise(5, 3, 3), []int{2, 5, 4, 4}},
		{"classifier", conv.Classifier{In: 6, Classes: 4, Size: 3}, []int{2, 6, 3, 3}},
		{"shuffle", conv.Shuffle{Groups: 2}, []int{2, 6, 2, 3}},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(i), 1))
			l, err := NewConv(c.op, rng)
			if err != nil {
				t.Fatal(err)
			}
			requireGrad(t, l, randTensor(rng, c.in...), gradCase{})
		})
	}
}

func TestConvInit(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	// fan_in = 16/2·3·3 = 72 for the weight and the bias.
	l := MustConv(conv.New2D(16, 32, 3).WithGroups(2).WithBias(), rng)
	checkUniform(t, "conv weight", l.Params()[0].Value.Data, 1/math.Sqrt(72))
	checkUniform(t, "conv bias", l.Params()[1].Value.Data, 1/math.Sqrt(72))
	// Channel-wise: fan_in = d_c, PyTorch's Conv3d(1, 1, (d_c, 1, 1)).
	cw := MustConv(conv.NewGroupChannelWise(64, 2, 400), rng)
	checkUniform(t, "group channel-wise weight", cw.Params()[0].Value.Data, 1/math.Sqrt(400))
	// DWS: depthwise fan_in 3·3, channel-wise fan_in d_c.
	dws := MustConv(conv.NewDWSChannelWise(300, 3, 300), rng)
	checkUniform(t, "depthwise weight", dws.Params()[0].Value.Data, 1/3.0)
	checkUniform(t, "channel-wise weight", dws.Params()[1].Value.Data, 1/math.Sqrt(300))
	lin := MustLinear(50, 40, true, rng)
	checkUniform(t, "linear weight", lin.Params()[0].Value.Data, 1/math.Sqrt(50))
	checkUniform(t, "linear bias", lin.Params()[1].Value.Data, 1/math.Sqrt(50))

	// The same seed gives the same model.
	a := MustConv(convSpec3x3(2, 3), rand.New(rand.NewPCG(5, 5)))
	b := MustConv(convSpec3x3(2, 3), rand.New(rand.NewPCG(5, 5)))
	if d, _ := tensor.MaxAbsDiff(a.Params()[0].Value, b.Params()[0].Value); d != 0 {
		t.Error("same seed, different weights")
	}
}

// checkUniform checks that s looks uniform on [−b, b): inside the bounds,
// reaching close to both ends, variance near b²/3.
func checkUniform(t *testing.T, what string, s []float32, b float64) {
	t.Helper()
	lo, hi, sq := math.Inf(1), math.Inf(-1), 0.0
	for _, v := range s {
		lo, hi = min(lo, float64(v)), max(hi, float64(v))
		sq += float64(v) * float64(v)
	}
	v := sq / float64(len(s))
	if lo < -b || hi > b || lo > -0.9*b || hi < 0.9*b || math.Abs(v/(b*b/3)-1) > 0.2 {
		t.Errorf("%s: range [%.4f, %.4f], variance %.3g; want U(±%.4f) with variance %.3g", what, lo, hi, v, b, b*b/3)
	}
}

func TestLinearGradients(t *testing.T) {
	for _, bias := range []bool{true, false} {
		rng := rand.New(rand.NewPCG(2, 2))
		l := MustLinear(5, 4, bias, rng)
		requireGrad(t, l, randTensor(rng, 3, 5), gradCase{})
		// Leading dimensions are batch dimensions, as in PyTorch.
		requireGrad(t, l, randTensor(rng, 2, 3, 5), gradCase{})
	}
}

func TestLinearValues(t *testing.T) {
	l := MustLinear(2, 3, true, rand.New(rand.NewPCG(1, 1)))
	copy(l.weight.Value.Data, []float32{1, 2, 3, 4, 5, 6})
	copy(l.bias.Value.Data, []float32{0.5, -1, 0})
	x, _ := tensor.FromData([]float32{1, -1, 2, 0.5}, 2, 2)
	y, err := l.Forward(x)
	if err != nil {
		t.Fatal(err)
	}
	want := []float32{-0.5, -2, -1, 3.5, 7, 13}
	if !tensor.SameShape(y.Shape, []int{2, 3}) || !slices.Equal(y.Data, want) {
		t.Errorf("y = %v %v, want [2 3] %v", y.Shape, y.Data, want)
	}
}

func TestBatchNormGradients(t *testing.T) {
	for _, training := range []bool{true, false} {
		rng := rand.New(rand.NewPCG(3, 3))
		b := MustBatchNorm2d(3)
		for i := range 3 {
			b.weight.Value.Data[i] = float32(1 + 0.5*rng.NormFloat64())
			b.bias.Value.Data[i] = float32(rng.NormFloat64())
			b.runMean.Value.Data[i] = float32(rng.NormFloat64())
			b.runVar.Value.Data[i] = float32(0.5 + rng.Float64())
		}
		b.SetTraining(training)
		x := randTensor(rng, 4, 3, 3, 2)
		for i := range x.Data {
			x.Data[i] = 2*x.Data[i] + 1 // mean 1, std 2
		}
		requireGrad(t, b, x, gradCase{})
	}
}

func TestBatchNormStatistics(t *testing.T) {
	b := MustBatchNorm2d(2)
	b.Momentum = 0.5
	// Channel 0 holds 1, 2, 3, 4 (mean 2.5, biased var 1.25, unbiased 5/3);
	// channel 1 is constant 7 (var 0).
	x, _ := tensor.FromData([]float32{1, 2, 7, 7, 3, 4, 7, 7}, 2, 2, 1, 2)
	y, err := b.Forward(x)
	if err != nil {
		t.Fatal(err)
	}
	istd := 1 / math.Sqrt(1.25+1e-5)
	for i, v := range []float64{1, 2, 3, 4} {
		idx := []int{0, 1, 4, 5}[i]
		if got, want := float64(y.Data[idx]), (v-2.5)*istd; math.Abs(got-want) > 1e-6 {
			t.Errorf("y[%d] = %g, want %g", idx, got, want)
		}
	}
	if y.Data[2] != 0 || y.Data[7] != 0 {
		t.Errorf("constant channel normalises to %v, want 0", y.Data)
	}
	rm, rv := b.runMean.Value.Data, b.runVar.Value.Data
	if math.Abs(float64(rm[0])-1.25) > 1e-6 || math.Abs(float64(rm[1])-3.5) > 1e-6 {
		t.Errorf("running_mean = %v, want [1.25 3.5]", rm)
	}
	if math.Abs(float64(rv[0])-(0.5+0.5*5.0/3)) > 1e-6 || math.Abs(float64(rv[1])-0.5) > 1e-6 {
		t.Errorf("running_var = %v, want [%g 0.5]", rv, 0.5+0.5*5.0/3)
	}
	if b.nTrack.Value.Data[0] != 1 {
		t.Errorf("num_batches_tracked = %v", b.nTrack.Value.Data[0])
	}
	// Evaluation uses the running statistics and leaves them alone.
	b.SetTraining(false)
	y, err = b.Forward(x)
	if err != nil {
		t.Fatal(err)
	}
	want := (1 - 1.25) / math.Sqrt(float64(rv[0])+1e-5)
	if math.Abs(float64(y.Data[0])-want) > 1e-6 || b.nTrack.Value.Data[0] != 1 {
		t.Errorf("eval y[0] = %g, want %g", y.Data[0], want)
	}
	// A single value per channel cannot be normalised in training.
	b.SetTraining(true)
	if _, err := b.Forward(tensor.New(1, 2, 1, 1)); err == nil {
		t.Error("training BatchNorm accepted one value per channel")
	}
}

func TestActivationGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	// Values at least 0.1 from the kinks; the step is 1e-2.
	requireGrad(t, &ReLU{}, awayFromKinks(rng, 0.1, []float64{0}, 1, 2, 3, 4, 4), gradCase{})
	requireGrad(t, &ReLU6{}, awayFromKinks(rng, 0.1, []float64{0, 6}, 5, 2, 3, 4, 4), gradCase{})
	requireGrad(t, &Flatten{}, randTensor(rng, 2, 3, 2, 2), gradCase{})
	requireGrad(t, &GlobalAvgPool{}, randTensor(rng, 2, 3, 3, 4), gradCase{})

	d := NewDropout(0.3, nil)
	reseed := func() { d.Rand = rand.New(rand.NewPCG(9, 9)) } // the same mask every Forward
	requireGrad(t, d, randTensor(rng, 2, 3, 4, 4), gradCase{before: reseed})
}

func TestActivationValues(t *testing.T) {
	x, _ := tensor.FromData([]float32{-1, 0, 0.5, 6, 7}, 5)
	y, _ := (&ReLU{}).Forward(x)
	if !slices.Equal(y.Data, []float32{0, 0, 0.5, 6, 7}) {
		t.Errorf("ReLU = %v", y.Data)
	}
	r6 := &ReLU6{}
	y, _ = r6.Forward(x)
	if !slices.Equal(y.Data, []float32{0, 0, 0.5, 6, 6}) {
		t.Errorf("ReLU6 = %v", y.Data)
	}
	dy, _ := tensor.FromData([]float32{1, 1, 1, 1, 1}, 5)
	dx, _ := r6.Backward(dy)
	if !slices.Equal(dx.Data, []float32{0, 0, 1, 0, 0}) { // PyTorch's hardtanh: 0 < x < 6
		t.Errorf("ReLU6 gradient = %v", dx.Data)
	}
	// NaN: the gradient passes, as in PyTorch 1.13 (checked there:
	// relu and relu6 of [nan, -nan, 0, -0, 1, -1] and [nan, 0, 6, 3, 7]).
	nan := float32(math.NaN())
	xr, _ := tensor.FromData([]float32{nan, -nan, 0, float32(math.Copysign(0, -1)), 1, -1}, 6)
	relu := &ReLU{}
	relu.Forward(xr)
	ones, _ := tensor.FromData([]float32{1, 1, 1, 1, 1, 1}, 6)
	if dx, _ := relu.Backward(ones); !slices.Equal(dx.Data, []float32{1, 1, 0, 0, 1, 0}) {
		t.Errorf("ReLU gradient = %v, PyTorch gives [1 1 0 0 1 0]", dx.Data)
	}
	x6, _ := tensor.FromData([]float32{nan, 0, 6, 3, 7}, 5)
	r6.Forward(x6)
	if dx, _ := r6.Backward(dy); !slices.Equal(dx.Data, []float32{1, 0, 0, 1, 0}) {
		t.Errorf("ReLU6 gradient = %v, PyTorch gives [1 0 0 1 0]", dx.Data)
	}
	// Inputs are never modified.
	if !slices.Equal(x.Data, []float32{-1, 0, 0.5, 6, 7}) {
		t.Errorf("input changed to %v", x.Data)
	}
}

func TestDropout(t *testing.T) {
	d := NewDropout(0.25, rand.New(rand.NewPCG(1, 1)))
	x := tensor.New(100000)
	for i := range x.Data {
		x.Data[i] = 1
	}
	y, err := d.Forward(x)
	if err != nil {
		t.Fatal(err)
	}
	zeros := 0
	for _, v := range y.Data {
		switch v {
		case 0:
			zeros++
		case 1 / 0.75:
		default:
			t.Fatalf("dropout output %g, want 0 or 1/0.75", v)
		}
	}
	// Binomial(1e5, 0.25): standard deviation 137; allow 5σ.
	if math.Abs(float64(zeros)-25000) > 5*137 {
		t.Errorf("%d of 100000 dropped, want about 25000", zeros)
	}
	d.SetTraining(false)
	if y, _ := d.Forward(x); y != x {
		t.Error("eval dropout is not the identity")
	}
	d.SetTraining(true)
	d.P = 1
	y, _ = d.Forward(x)
	for _, v := range y.Data {
		if v != 0 {
			t.Fatal("p = 1 kept a value")
		}
	}
	d.P = 1.5
	if _, err := d.Forward(x); err == nil {
		t.Error("p = 1.5 accepted")
	}
}

func TestPoolGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for _, l := range []Layer{
		NewMaxPool2d(3, 2, 1),
		&MaxPool2d{Kernel: 2, CeilMode: true},
		&MaxPool2d{Kernel: 3, Stride: 2, Padding: 1, CeilMode: true},
		NewMaxPool2d(2, 1, 0),
		NewAvgPool2d(3, 2, 1),
		&AvgPool2d{Kernel: 3, Stride: 2, Padding: 1, CeilMode: true},
		&AvgPool2d{Kernel: 3, Stride: 2, Padding: 1, CeilMode: true, ExcludePad: true},
		&AvgPool2d{Kernel: 2, CeilMode: true},
	} {
		t.Run(l.(interface{ String() string }).String(), func(t *testing.T) {
			// Values 0.05 apart: no window's maximum changes under ±1e-2.
			requireGrad(t, l, distinctValues(rng, 0.05, 2, 2, 7, 6), gradCase{})
		})
	}
}

func TestPoolShapes(t *testing.T) {
	// PyTorch's output sizes (torch 1.13), including ceil mode dropping a
	// last window that would start in the padding.
	cases := []struct {
		l    Layer
		in   int
		want int
	}{
		{NewMaxPool2d(3, 2, 1), 112, 56},
		{NewMaxPool2d(2, 2, 0), 7, 3},
		{&MaxPool2d{Kernel: 2, CeilMode: true}, 7, 4},
		{&MaxPool2d{Kernel: 3, Stride: 2, Padding: 1, CeilMode: true}, 6, 4},
		{&MaxPool2d{Kernel: 2, Stride: 2, Padding: 1, CeilMode: true}, 4, 3},
		{NewAvgPool2d(3, 2, 1), 28, 14},
		{&AvgPool2d{Kernel: 3, Stride: 2, Padding: 1, CeilMode: true}, 7, 4},
	}
	for _, c := range cases {
		out, err := c.l.OutputShape([]int{1, 1, c.in, c.in})
		if err != nil || out[2] != c.want || out[3] != c.want {
			t.Errorf("%v on %d: %v %v, want %d", c.l, c.in, out, err, c.want)
		}
	}
	if _, err := NewMaxPool2d(2, 2, 2).OutputShape([]int{1, 1, 4, 4}); err == nil {
		t.Error("padding above half the kernel accepted")
	}
}
