package nn

import (
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/convkit/convkit/conv"
	"github.com/convkit/convkit/tensor"
)

// convBNReLU is conv → BatchNorm2d → ReLU, the usual block.
func convBNReLU(op conv.Conv2D, rng *rand.Rand) *Sequential {
	return NewSequential(MustConv(op, rng), MustBatchNorm2d(op.Out), &ReLU{})
}

// gmLayer is one layer of a ChannelNets GM: 3×3 depthwise → 1×1 group
// conv (g = 2) → BN → ReLU.
func gmLayer(c int, rng *rand.Rand) *Sequential {
	return NewSequential(
		MustConv(conv.Depthwise(c, 3, 1), rng),
		MustConv(conv.Pointwise(c, c).WithGroups(2), rng),
		MustBatchNorm2d(c),
		&ReLU{},
	)
}

// gcwm is ChannelNets' GCWM: two GM layers, then a group channel-wise
// convolution (g = 2), with a residual add around them.
func gcwm(c, dc int, rng *rand.Rand) *Residual {
	body := NewSequential(gmLayer(c, rng), gmLayer(c, rng), MustConv(conv.NewGroupChannelWise(c, 2, dc), rng))
	return NewResidual(body, nil, nil)
}

// shuffleUnit2 is a ShuffleNet stride-2 unit: concat(avgpool(x),
// gconv1x1 → BN → ReLU → shuffle → dw3x3/2 → BN → gconv1x1 → BN) → ReLU.
func shuffleUnit2(in, out, g int, rng *rand.Rand) *Sequential {
	mid := (out - in) / 4
	branch := NewSequential(
		MustConv(conv.Pointwise(in, mid).WithGroups(g), rng), MustBatchNorm2d(mid), &ReLU{},
		must(NewChannelShuffle(g)),
		MustConv(conv.Depthwise(mid, 3, 1).WithStride(2), rng), MustBatchNorm2d(mid),
		MustConv(conv.Pointwise(mid, out-in).WithGroups(g), rng), MustBatchNorm2d(out-in),
	)
	return NewSequential(NewConcat(NewAvgPool2d(3, 2, 1), branch), &ReLU{})
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestResidualGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	// A ResNet basic block with a projection shortcut and ReLU after the add.
	body := NewSequential(
		MustConv(conv.New2D(3, 4, 3).WithPadding(conv.Pad(1)), rng), MustBatchNorm2d(4), &ReLU{},
		MustConv(conv.New2D(4, 4, 3).WithPadding(conv.Pad(1)), rng), MustBatchNorm2d(4),
	)
	short := NewSequential(MustConv(conv.Pointwise(3, 4), rng), MustBatchNorm2d(4))
	requireGrad(t, NewResidual(body, short, &ReLU{}), randTensor(rng, 2, 3, 4, 4), gradCase{h: 1e-3})
	// Identity shortcut.
	requireGrad(t, NewResidual(convBNReLU(convSpec3x3(3, 3), rng), nil, nil), randTensor(rng, 2, 3, 4, 4), gradCase{h: 1e-3})
}

func TestConcatGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	requireGrad(t, shuffleUnit2(4, 20, 2, rng), randTensor(rng, 2, 4, 5, 5), gradCase{h: 1e-3})
	// An identity branch next to a convolution.
	c := NewConcat(nil, MustConv(convSpec3x3(3, 2), rng))
	requireGrad(t, c, randTensor(rng, 2, 3, 3, 3), gradCase{h: 1e-3})
}

func TestGCWMGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	requireGrad(t, gcwm(8, 4, rng), randTensor(rng, 2, 8, 5, 5), gradCase{h: 1e-3})
}

func TestGradientsAccumulate(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	m := NewSequential(MustConv(convSpec3x3(2, 3), rng), MustBatchNorm2d(3), &ReLU{}, &GlobalAvgPool{}, &Flatten{}, MustLinear(3, 2, true, rng))
	x := randTensor(rng, 2, 2, 4, 4)
	step := func() {
		y, err := m.Forward(x)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.Backward(randTensor(rand.New(rand.NewPCG(1, 1)), y.Shape...)); err != nil {
			t.Fatal(err)
		}
	}
	step()
	var once [][]float32
	for _, p := range NamedParams(m) {
		once = append(once, slices.Clone(p.Grad.Data))
	}
	step()
	for i, p := range NamedParams(m) {
		for j, g := range p.Grad.Data {
			if d := g - 2*once[i][j]; d > 1e-5 || d < -1e-5 {
				t.Fatalf("%s: second Backward gives %g, want twice %g", p.Name, g, once[i][j])
			}
		}
	}
	ZeroGrad(m)
	for _, p := range NamedParams(m) {
		for _, g := range p.Grad.Data {
			if g != 0 {
				t.Fatalf("%s not zeroed", p.Name)
			}
		}
	}
}

// tinyNet is a small ChannelNet-like classifier for the tree tests.
func tinyNet(rng *rand.Rand) *Sequential {
	features := NewSequential(
		convBNReLU(conv.New2D(1, 8, 3).WithPadding(conv.Pad(1)).WithStride(2), rng),
		gcwm(8, 4, rng),
		MustConv(conv.NewDWSChannelWise(8, 3, 3), rng),
		&GlobalAvgPool{},
		&Flatten{},
	)
	return (&Sequential{}).AppendNamed("features", features).AppendNamed("classifier", NewSequential(NewDropout(0.2, rng), MustLinear(8, 10, true, rng)))
}

func TestNames(t *testing.T) {
	m := tinyNet(rand.New(rand.NewPCG(1, 1)))
	var names []string
	for _, p := range NamedState(m) {
		names = append(names, p.Name)
	}
	want := []string{
		"features.0.0.weight", "features.0.1.weight", "features.0.1.bias",
		"features.0.1.running_mean", "features.0.1.running_var", "features.0.1.num_batches_tracked",
		"features.1.body.0.0.weight", "features.1.body.0.1.weight",
		"features.1.body.0.2.weight", "features.1.body.0.2.bias",
		"features.1.body.0.2.running_mean", "features.1.body.0.2.running_var", "features.1.body.0.2.num_batches_tracked",
		"features.1.body.1.0.weight", "features.1.body.1.1.weight",
		"features.1.body.1.2.weight", "features.1.body.1.2.bias",
		"features.1.body.1.2.running_mean", "features.1.body.1.2.running_var", "features.1.body.1.2.num_batches_tracked",
		"features.1.body.2.weight",
		"features.2.depthwise.weight", "features.2.channelwise.weight",
		"classifier.1.weight", "classifier.1.bias",
	}
	if !slices.Equal(names, want) {
		t.Errorf("names:\n%s\nwant:\n%s", strings.Join(names, "\n"), strings.Join(want, "\n"))
	}
	if n := len(NamedParams(m)) + len(NamedBuffers(m)); n != len(want) {
		t.Errorf("%d params and buffers, want %d", n, len(want))
	}
	total := 0
	for _, p := range NamedParams(m) {
		total += len(p.Value.Data)
	}
	if NumParams(m) != total || total == 0 {
		t.Errorf("NumParams = %d, want %d", NumParams(m), total)
	}

	// Custom child names.
	r := &Residual{Body: MustConv(convSpec3x3(2, 2), rand.New(rand.NewPCG(1, 1))), BodyName: "conv"}
	if ps := NamedParams(NewSequential(r)); ps[0].Name != "0.conv.weight" || ps[1].Name != "0.conv.bias" {
		t.Errorf("custom names: %s, %s", ps[0].Name, ps[1].Name)
	}
}

func TestStateDictRoundTrip(t *testing.T) {
	a, b := tinyNet(rand.New(rand.NewPCG(1, 1))), tinyNet(rand.New(rand.NewPCG(2, 2)))
	x := randTensor(rand.New(rand.NewPCG(3, 3)), 2, 1, 8, 8)
	if _, err := a.Forward(x); err != nil { // changes a's running statistics
		t.Fatal(err)
	}
	sd, err := StateDict(a)
	if err != nil {
		t.Fatal(err)
	}
	if err := LoadStateDict(b, sd); err != nil {
		t.Fatal(err)
	}
	SetTraining(a, false)
	SetTraining(b, false)
	ya, err := a.Forward(x)
	if err != nil {
		t.Fatal(err)
	}
	ya = ya.Clone()
	yb, err := b.Forward(x)
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := tensor.MaxAbsDiff(ya, yb); d != 0 {
		t.Errorf("outputs differ by %g after loading the state dict", d)
	}
	// Loading copies: changing the source afterwards leaves b alone.
	sd["classifier.1.bias"].Data[0] += 1
	if yb2, _ := b.Forward(x); yb2.Data[0] != yb.Data[0] {
		t.Error("LoadStateDict aliases the source tensors")
	}
}

func TestLoadStateDictErrors(t *testing.T) {
	m := tinyNet(rand.New(rand.NewPCG(1, 1)))
	sd, _ := StateDict(tinyNet(rand.New(rand.NewPCG(2, 2))))
	before := m.Layers[1].Layer.(*Sequential).Layers[1].Layer.Params()[1].Value.Clone()

	delete(sd, "features.0.1.running_var")
	sd["features.9.weight"] = tensor.New(3)
	sd["classifier.1.bias"] = tensor.New(11)
	err := LoadStateDict(m, sd)
	if err == nil {
		t.Fatal("bad state dict accepted")
	}
	for _, want := range []string{
		"missing keys: features.0.1.running_var",
		"unexpected keys: features.9.weight",
		"classifier.1.bias: have [11], the model wants [10]",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	after := m.Layers[1].Layer.(*Sequential).Layers[1].Layer.Params()[1].Value
	if d, _ := tensor.MaxAbsDiff(before, after); d != 0 {
		t.Error("a failed load changed the model")
	}

	dup := NewSequential(MustConv(convSpec3x3(1, 1), rand.New(rand.NewPCG(1, 1))))
	dup.AppendNamed("0", MustConv(convSpec3x3(1, 1), rand.New(rand.NewPCG(1, 1))))
	if _, err := StateDict(dup); err == nil || !strings.Contains(err.Error(), `"0.weight"`) {
		t.Errorf("duplicate names: %v", err)
	}
}

func TestModeAndThreads(t *testing.T) {
	m := tinyNet(rand.New(rand.NewPCG(1, 1)))
	x := randTensor(rand.New(rand.NewPCG(3, 3)), 3, 1, 8, 8)
	SetTraining(m, false)
	y1, err := m.Forward(x)
	if err != nil {
		t.Fatal(err)
	}
	y1 = y1.Clone()
	SetThreads(m, 1)
	y2, err := m.Forward(x)
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := tensor.MaxAbsDiff(y1, y2); d != 0 {
		t.Errorf("eval outputs differ by %g (dropout or batch statistics active?)", d)
	}
	var modes []bool
	_ = Walk(m, func(_ string, l Layer) error {
		switch l := l.(type) {
		case *BatchNorm2d:
			modes = append(modes, !l.eval)
		case *Dropout:
			modes = append(modes, !l.eval)
		}
		return nil
	})
	if len(modes) != 4 || slices.Contains(modes, true) {
		t.Errorf("training flags after SetTraining(false): %v", modes)
	}
	// A different batch size gets its own plans and buffers; the model
	// keeps working on the old one.
	if _, err := m.Forward(randTensor(rand.New(rand.NewPCG(3, 3)), 5, 1, 8, 8)); err != nil {
		t.Fatal(err)
	}
	y3, err := m.Forward(x)
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := tensor.MaxAbsDiff(y1, y3); d != 0 {
		t.Errorf("outputs differ by %g after another batch size", d)
	}
}

func TestSummary(t *testing.T) {
	m := tinyNet(rand.New(rand.NewPCG(1, 1)))
	s, err := Summary(m, []int{1, 1, 8, 8})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"features.1.body.2", "GroupChannelWise(8, 8, groups=2, d_c=4)", "[1 8 4 4]", "classifier.1", "[1 10]"} {
		if !strings.Contains(s, want) {
			t.Errorf("summary lacks %q:\n%s", want, s)
		}
	}
	if _, err := Summary(m, []int{1, 3, 8, 8}); err == nil || !strings.Contains(err.Error(), "features.0.0") {
		t.Errorf("wrong input channels: %v", err)
	}
}

func TestErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	m := tinyNet(rng)
	if _, err := m.Backward(tensor.New(1, 10)); err == nil {
		t.Error("Backward before Forward accepted")
	}
	_, err := m.Forward(tensor.New(1, 2, 8, 8))
	if err == nil || !strings.Contains(err.Error(), `layer "features": layer "0": layer "0": nn: conv:`) {
		t.Errorf("wrong channel count: %v", err)
	}
	if _, err := m.Forward(&tensor.Tensor{Shape: []int{1, 1, 8, 8}, Data: make([]float32, 3)}); err == nil {
		t.Error("inconsistent tensor accepted")
	}
	if _, err := m.Forward(nil); err == nil {
		t.Error("nil input accepted")
	}
	y, err := m.Forward(tensor.New(2, 1, 8, 8))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Backward(tensor.New(y.Shape[0], y.Shape[1]+1)); err == nil {
		t.Error("mis-shaped output gradient accepted")
	}
	if _, err := NewConv(conv.New2D(3, 4, 3).WithGroups(2), rng); err == nil {
		t.Error("invalid op accepted")
	}
	if _, err := NewConv(conv.New2D(3, 4, 3), nil); err == nil {
		t.Error("nil rng accepted")
	}
	if _, err := NewBatchNorm2d(0); err == nil {
		t.Error("BatchNorm2d(0) accepted")
	}
	if _, err := NewLinear(0, 3, true, rng); err == nil {
		t.Error("Linear(0, 3) accepted")
	}
	if _, err := NewResidual(MustConv(convSpec3x3(2, 3), rng), nil, nil).Forward(tensor.New(1, 2, 3, 3)); err == nil {
		t.Error("residual with mismatched shapes accepted")
	}
	if _, err := NewConcat(NewMaxPool2d(2, 2, 0), nil).Forward(tensor.New(1, 2, 4, 4)); err == nil {
		t.Error("concat with mismatched maps accepted")
	}
}

// TestSteadyStateAllocations checks that layers reuse their buffers: a
// training step on a fixed shape allocates only small bookkeeping, not
// activations.
func TestSteadyStateAllocations(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	m := NewSequential(
		tinyNet(rng),
	)
	SetTraining(m, true)
	x := randTensor(rng, 8, 1, 16, 16)
	step := func() {
		y, err := m.Forward(x)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.Backward(y); err != nil { // any gradient of the right shape
			t.Fatal(err)
		}
	}
	step()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	const steps = 5
	for range steps {
		step()
	}
	runtime.ReadMemStats(&after)
	perStep := float64(after.TotalAlloc-before.TotalAlloc) / steps
	// One feature map of the first layer is 8·8·8·8·4 bytes = 16 KiB and a
	// step touches about twenty such buffers. What remains (under 400 bytes
	// today) is small per-call bookkeeping inside conv.Plan.
	if perStep > 4<<10 {
		t.Errorf("a training step allocates %.0f bytes", perStep)
	}
	t.Logf("%.0f bytes allocated per training step", perStep)
}

// wrappedOp is a conv.Op that conv.NewPlan does not know, to exercise the
// fallback through the op's own Forward and Backward.
type wrappedOp struct{ conv.Conv2D }

func TestConvUnplannedOp(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	l := MustConv(wrappedOp{convSpec3x3(2, 3)}, rng)
	requireGrad(t, l, randTensor(rng, 2, 2, 4, 4), gradCase{})
}
