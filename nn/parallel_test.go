package nn

import (
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/convkit/convkit/conv"
	"github.com/convkit/convkit/tensor"
)

// TestParallelLoops checks par.run's split: every item exactly once, in
// near-equal contiguous parts, on one goroutine for small work.
func TestParallelLoops(t *testing.T) {
	var p par
	for _, c := range []struct{ threads, n, work, parts int }{
		{1, 100, 1 << 30, 1},
		{4, 100, 1 << 30, min(4, runtime.GOMAXPROCS(0))},
		{4, 3, 1 << 30, min(3, runtime.GOMAXPROCS(0))},
		{4, 100, minParallelWork - 1, 1},
		{0, 1, 1 << 30, 1},
	} {
		p.threads = c.threads
		if got := p.parts(c.n, c.work); got != c.parts {
			t.Errorf("threads %d, n %d, work %d: %d parts, want %d", c.threads, c.n, c.work, got, c.parts)
		}
		seen := make([]int32, c.n)
		p.run(c.n, c.work, func(_, lo, hi int) {
			for i := lo; i < hi; i++ {
				seen[i]++ // each item belongs to one part: no race
			}
		})
		for i, v := range seen {
			if v != 1 {
				t.Fatalf("threads %d, n %d: item %d visited %d times", c.threads, c.n, i, v)
			}
		}
	}
}

// TestThreadsDoNotChangeResults runs a training step of a model whose
// BatchNorm2d, ReLU, residual sum, pooling and Linear work is large enough to be
// split over goroutines, with one thread and with the default, and
// requires identical outputs, input gradients and parameter gradients.
// (No convolution: conv.Plan may reduce weight gradients in an order that
// depends on its threads.)
func TestThreadsDoNotChangeResults(t *testing.T) {
	step := func(threads int) (y, dx *tensor.Tensor, grads [][]float32) {
		rng := rand.New(rand.NewPCG(11, 11))
		m := NewSequential(
			MustBatchNorm2d(16), &ReLU{}, // fused
			MustBatchNorm2d(16), // alone
			&ReLU{},             // alone
			NewResidual(MustBatchNorm2d(16), nil, &ReLU{}),
			NewMaxPool2d(3, 2, 1), NewAvgPool2d(3, 2, 1),
			&GlobalAvgPool{}, &Flatten{}, MustLinear(16, 10, true, rng),
		)
		SetThreads(m, threads)
		x := randTensor(rng, 16, 16, 24, 24) // 147 456 values
		out, err := m.Forward(x)
		if err != nil {
			t.Fatal(err)
		}
		_, dl, err := CrossEntropy(out, make([]int, 16), 0)
		if err != nil {
			t.Fatal(err)
		}
		d, err := m.Backward(dl)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range NamedParams(m) {
			grads = append(grads, p.Grad.Data)
		}
		return out, d, grads
	}
	y1, dx1, g1 := step(1)
	y2, dx2, g2 := step(0)
	if !slices.Equal(y1.Data, y2.Data) || !slices.Equal(dx1.Data, dx2.Data) {
		t.Error("outputs or input gradients depend on the thread count")
	}
	for i := range g1 {
		if !slices.Equal(g1[i], g2[i]) {
			t.Errorf("gradient %d depends on the thread count", i)
		}
	}
}

// TestInputGradSkip checks SetInputGrad: the first layers skip their input
// gradient, the parameter gradients are unchanged, and true restores it.
func TestInputGradSkip(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 12))
	body := NewSequential(MustConv(conv.New2D(4, 4, 3).WithPadding(conv.Pad(1)), rng), MustBatchNorm2d(4))
	first := MustConv(conv.New2D(2, 4, 3).WithPadding(conv.Pad(1)), rng)
	m := NewSequential(
		NewSequential(first, MustBatchNorm2d(4), &ReLU{}),
		NewResidual(body, nil, &ReLU{}),
		&GlobalAvgPool{}, &Flatten{}, MustLinear(4, 3, true, rng),
	)
	x := randTensor(rng, 3, 2, 6, 6)
	grads := func() (*tensor.Tensor, [][]float32) {
		ZeroGrad(m)
		y, err := m.Forward(x)
		if err != nil {
			t.Fatal(err)
		}
		_, dl, err := CrossEntropy(y, []int{0, 1, 2}, 0)
		if err != nil {
			t.Fatal(err)
		}
		dx, err := m.Backward(dl)
		if err != nil {
			t.Fatal(err)
		}
		var gs [][]float32
		for _, p := range NamedParams(m) {
			gs = append(gs, append([]float32(nil), p.Grad.Data...))
		}
		return dx, gs
	}
	dx0, g0 := grads()
	SetInputGrad(m, false)
	if !first.noDX || m.Layers[1].Layer.(*Residual).noInputGrad {
		t.Errorf("SetInputGrad(false): first conv skips %v, the residual block skips %v; want true, false",
			first.noDX, m.Layers[1].Layer.(*Residual).noInputGrad)
	}
	dx1, g1 := grads()
	if dx0 == nil || dx1 != nil {
		t.Errorf("input gradient %v by default and %v without, want one and nil", dx0 != nil, dx1 != nil)
	}
	for i := range g0 {
		if !slices.Equal(g0[i], g1[i]) {
			t.Errorf("parameter gradient %d changed without the input gradient", i)
		}
	}
	// A residual block or a Concat first in the model passes it on.
	r := NewResidual(NewSequential(MustConv(conv.New2D(2, 2, 1), rng)), MustConv(conv.New2D(2, 2, 1), rng), nil)
	c := NewConcat(MustConv(conv.New2D(2, 2, 1), rng), nil)
	for _, l := range []Layer{r, c} {
		SetInputGrad(l, false)
		if _, err := l.Forward(x); err != nil {
			t.Fatal(err)
		}
		out, _ := l.OutputShape(x.Shape)
		if d, err := l.Backward(tensor.New(out...)); err != nil || d != nil {
			t.Errorf("%v without input gradient: Backward gives %v, %v; want nil, nil", l, d, err)
		}
	}
	SetInputGrad(m, true)
	dx2, _ := grads()
	if dx2 == nil || !slices.Equal(dx0.Data, dx2.Data) {
		t.Error("SetInputGrad(true) did not restore the input gradient")
	}
}

// TestFusedBatchNormReLU checks that Sequential's fused BatchNorm2d → ReLU
// pass gives what the two layers give one after the other.
func TestFusedBatchNormReLU(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 13))
	x := randTensor(rng, 4, 3, 5, 5)
	dy := randTensor(rng, 4, 3, 5, 5)
	bn1, r1 := MustBatchNorm2d(3), &ReLU{}
	bn2, r2 := MustBatchNorm2d(3), &ReLU{}
	for i := range 3 {
		v := float32(rng.NormFloat64())
		bn1.bias.Value.Data[i], bn2.bias.Value.Data[i] = v, v
	}
	fused := NewSequential(bn1, r1)
	y1, err := fused.Forward(x)
	if err != nil {
		t.Fatal(err)
	}
	if bn1.relu != r1 {
		t.Fatal("Sequential did not fuse BatchNorm2d and ReLU")
	}
	dx1, err := fused.Backward(dy)
	if err != nil {
		t.Fatal(err)
	}
	h, _ := bn2.Forward(x)
	y2, _ := r2.Forward(h)
	d, _ := r2.Backward(dy)
	dx2, _ := bn2.Backward(d)
	if d, _ := tensor.MaxAbsDiff(y1, y2); d != 0 {
		t.Errorf("fused output differs by %g", d)
	}
	if d, _ := tensor.MaxAbsDiff(dx1, dx2); d > 1e-6 {
		t.Errorf("fused input gradient differs by %g", d)
	}
	for i := range 3 {
		if bn1.weight.Grad.Data[i] != bn2.weight.Grad.Data[i] || bn1.bias.Grad.Data[i] != bn2.bias.Grad.Data[i] {
			t.Errorf("channel %d: fused parameter gradients differ", i)
		}
		if bn1.runMean.Value.Data[i] != bn2.runMean.Value.Data[i] || bn1.runVar.Value.Data[i] != bn2.runVar.Value.Data[i] {
			t.Errorf("channel %d: fused running statistics differ", i)
		}
	}
	// The layers still work one at a time after a fused Forward.
	if _, err := fused.Forward(x); err != nil {
		t.Fatal(err)
	}
	d1, err := r1.Backward(dy)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bn1.Backward(d1); err != nil {
		t.Fatal(err)
	}
}
