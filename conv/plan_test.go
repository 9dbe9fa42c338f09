package conv

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/convkit/convkit/internal/geom"
	"github.com/convkit/convkit/tensor"
)

func mustGeometry(t *testing.T, op Op, in ...int) any {
	t.Helper()
	g, err := geometryOf(op, in)
	if err != nil {
		t.Fatalf("%v on %v: %v", op, in, err)
	}
	return g
}

// TestChoose is the planner's dispatch table (docs/kernels.md).
func TestChoose(t *testing.T) {
	for _, c := range []struct {
		op   Op
		in   []int
		want Algorithm
	}{
		{Pointwise(256, 256), []int{8, 256, 28, 28}, AlgoPointwise},
		{Pointwise(32, 64).WithBias(), []int{1, 32, 112, 112}, AlgoPointwise},
		{Pointwise(240, 60).WithGroups(3), []int{1, 240, 28, 28}, AlgoGroupPointwise},
		{Pointwise(64, 64).WithStride(2), []int{1, 64, 28, 28}, AlgoIm2col},                         // strided 1×1
		{Pointwise(64, 64).WithPadding(Pad(1)), []int{1, 64, 28, 28}, AlgoIm2col},                   // padded 1×1
		{New2D(64, 64, 3).WithPadding(Pad(1)), []int{1, 64, 56, 56}, AlgoWinograd},                  // S1
		{New2D(3, 32, 3).WithStride(2).WithPadding(Pad(1)), []int{1, 3, 224, 224}, AlgoIm2col},      // S2
		{New2D(128, 128, 3).WithGroups(4).WithPadding(Pad(1)), []int{1, 128, 28, 28}, AlgoWinograd}, // G1
		{New2D(64, 64, 3).WithGroups(4).WithPadding(Pad(1)), []int{8, 64, 28, 28}, AlgoIm2col},      // 16 channels per group
		{New2D(512, 512, 3).WithPadding(Pad(1)), []int{1, 512, 7, 7}, AlgoIm2col},                   // 16 tiles
		{New2D(64, 64, 3).WithPadding(Pad(1)).WithDilation(2), []int{1, 64, 28, 28}, AlgoIm2col},
		{New2D(64, 64, 3), []int{4, 64, 29, 31}, AlgoWinograd}, // unpadded, odd output
		{Depthwise(32, 3, 1), []int{1, 32, 112, 112}, AlgoDepthwise3x3S1},
		{Depthwise(32, 3, 2), []int{1, 32, 112, 112}, AlgoDepthwise3x3S1}, // depth multiplier 2
		{Depthwise(64, 3, 1).WithStride(2), []int{1, 64, 112, 112}, AlgoDepthwise3x3S2},
		{Depthwise(64, 3, 1).WithPadding(Pad(0)), []int{1, 64, 9, 9}, AlgoDepthwise3x3S1},
		{Depthwise(64, 5, 1), []int{1, 64, 14, 14}, AlgoDepthwiseDirect},
		{Depthwise(64, 3, 1).WithDilation(2), []int{1, 64, 14, 14}, AlgoDepthwiseDirect},
		{Depthwise(64, 3, 1).WithStride(3), []int{1, 64, 14, 14}, AlgoDepthwiseDirect},
		{New2D(1, 16, 3), []int{1, 1, 28, 28}, AlgoDepthwise3x3S1}, // one input channel = depthwise
		{ChannelWise{In: 512, Kernel: 8, Stride: 1, Padding: ChanPadding{Front: 3, Back: 4}}, []int{8, 512, 14, 14}, AlgoChannelWise},
		{GroupChannelWise{In: 512, Out: 512, Groups: 4, Kernel: 64}, []int{8, 512, 14, 14}, AlgoChannelWise},
		{Classifier{In: 1024, Classes: 1000, Size: 1}, []int{8, 1024, 1, 1}, AlgoCCL},
		{Classifier{In: 1024, Classes: 1000, Size: 7}, []int{1, 1024, 7, 7}, AlgoCCL},
		{NewChannelWise(64, 8), []int{1, 64, 1, 1}, AlgoCCL}, // a 1×1 map: the kernel covers it
		{Shuffle{Groups: 3}, []int{8, 240, 28, 28}, AlgoShuffle},
	} {
		g := mustGeometry(t, c.op, c.in...)
		for _, threads := range []int{1, 2, 8} {
			got, reason := choose(g, threads, false)
			if got != c.want {
				t.Errorf("choose(%v on %v, %d threads) = %s (%s), want %s", c.op, c.in, threads, got, reason, c.want)
			}
			if reason == "" {
				t.Errorf("choose(%v): empty reason", c.op)
			}
			if !applies(got, g) {
				t.Errorf("choose(%v) = %s, which does not apply", c.op, got)
			}
		}
	}
	// A spatial channel-wise kernel smaller than the map has no fast path.
	g := geom.Chan{N: 1, C: 4, H: 3, W: 3, F: 1, DC: 2, SC: 1, KH: 2, KW: 2, D: 3, OH: 2, OW: 2}
	if a, _ := choose(g, 1, false); a != AlgoReference {
		t.Errorf("choose(%+v) = %s, want reference", g, a)
	}
}

func TestExplainAndForcing(t *testing.T) {
	t.Setenv(EnvImpl, "") // the choices below are the planner's, not the environment's
	in := []int{2, 16, 9, 9}
	dw := Depthwise(16, 3, 1)
	a, why, err := Explain(dw, in, Options{})
	if err != nil || a != AlgoDepthwise3x3S1 || why == "" {
		t.Fatalf("Explain = %q, %q, %v", a, why, err)
	}
	p, err := NewPlan(dw, in, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if pa, pwhy := p.Algorithm(); pa != a || pwhy != why {
		t.Errorf("plan algorithm %q (%q) differs from Explain %q (%q)", pa, pwhy, a, why)
	}
	if a, why, _ := Explain(dw, in, Options{Reference: true}); a != AlgoReference || !strings.Contains(why, "Reference") {
		t.Errorf("Options.Reference: got %q (%q)", a, why)
	}
	t.Setenv(EnvImpl, "ref")
	if a, why, _ := Explain(dw, in, Options{}); a != AlgoReference || !strings.Contains(why, EnvImpl) {
		t.Errorf("%s=ref: got %q (%q)", EnvImpl, a, why)
	}
	t.Setenv(EnvImpl, "")
	if a, _, err := Explain(dw, in, Options{Algorithm: AlgoIm2col}); err != nil || a != AlgoIm2col {
		t.Errorf("forcing im2col: %q, %v", a, err)
	}
	if _, _, err := Explain(dw, in, Options{Algorithm: AlgoPointwise}); err == nil || !strings.HasPrefix(err.Error(), "conv: ") {
		t.Errorf("forcing pointwise on a 3×3 depthwise: err = %v", err)
	}
	if _, err := NewPlan(dw, in, Options{Algorithm: "winograd"}); err == nil {
		t.Error("unknown algorithm accepted")
	}
	if _, _, err := Explain(dw, []int{2, 15, 9, 9}, Options{}); err == nil {
		t.Error("wrong channel count accepted")
	}
	// The two-stage operator explains and plans as both stages.
	d := NewDWSChannelWise(16, 3, 5)
	a, why, err = Explain(d, in, Options{})
	if err != nil || a != AlgoDepthwise3x3S1+"+"+AlgoChannelWise || !strings.Contains(why, "; then ") {
		t.Errorf("DWSChannelWise: %q, %q, %v", a, why, err)
	}
	if _, err := NewPlan(d, in, Options{Threads: 2}); err != nil {
		t.Error(err)
	}
}

func TestPlanErrors(t *testing.T) {
	s := New2D(4, 6, 3).WithPadding(Pad(1)).WithBias()
	in := []int{1, 4, 5, 5}
	p, err := NewPlan(s, in, Options{})
	if err != nil {
		t.Fatal(err)
	}
	x, y := tensor.New(in...), tensor.New(p.OutShape()...)
	w, b := tensor.New(6, 4, 3, 3), tensor.New(6)
	for name, f := range map[string]func() error{
		"wrong input":    func() error { return p.Forward(y, tensor.New(1, 4, 5, 6), w, b) },
		"wrong output":   func() error { return p.Forward(tensor.New(1, 6, 5, 4), x, w, b) },
		"missing bias":   func() error { return p.Forward(y, x, w) },
		"nil weight":     func() error { return p.Forward(y, x, nil, b) },
		"wrong weight":   func() error { return p.Forward(y, x, tensor.New(6, 4, 1, 9), b) },
		"short data":     func() error { return p.Forward(y, &tensor.Tensor{Shape: in, Data: x.Data[1:]}, w, b) },
		"nil dy":         func() error { return p.Backward(x, nil, nil, nil, w, b) },
		"wrong dx":       func() error { return p.Backward(x, y, tensor.New(1, 4, 5, 4), nil, w, b) },
		"too many grads": func() error { return p.Backward(x, y, nil, []*tensor.Tensor{w, b, b}, w, b) },
		"wrong grad":     func() error { return p.Backward(x, y, nil, []*tensor.Tensor{b}, w, b) },
	} {
		if err := f(); err == nil || !strings.HasPrefix(err.Error(), "conv: ") {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	if err := p.Forward(y, x, w, b); err != nil {
		t.Errorf("valid call failed: %v", err)
	}
}

// TestPlanAllocs checks that a plan's steady-state Forward and Backward
// allocate nothing, for every algorithm, on one and two threads.
func TestPlanAllocs(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation counts are slow to measure")
	}
	cases := []struct {
		op Op
		in []int
	}{
		{Pointwise(16, 24).WithBias(), []int{2, 16, 9, 9}},
		{Pointwise(16, 24).WithGroups(2), []int{2, 16, 9, 9}},
		{New2D(8, 16, 3).WithPadding(Pad(1)).WithBias(), []int{2, 8, 11, 11}},
		{Depthwise(8, 3, 1).WithBias(), []int{2, 8, 13, 13}},
		{Depthwise(8, 3, 1).WithStride(2), []int{2, 8, 13, 13}},
		{Depthwise(8, 5, 2), []int{2, 8, 13, 13}},
		{ChannelWise{In: 32, Kernel: 8, Stride: 1, Padding: ChanPadding{Front: 3, Back: 4}}, []int{2, 32, 7, 7}},
		{NewGroupChannelWise(32, 4, 8), []int{2, 32, 7, 7}},
		{Classifier{In: 40, Classes: 30, Size: 1}, []int{2, 40, 1, 1}},
		{Classifier{In: 40, Classes: 30, Size: 3}, []int{2, 40, 3, 3}},
		{Shuffle{Groups: 4}, []int{2, 32, 30, 30}},
		{NewDWSChannelWise(16, 3, 5), []int{2, 16, 9, 9}},
	}
	threadAll(t)
	for _, c := range cases {
		for _, threads := range []int{1, 2} {
			p, err := NewPlan(c.op, c.in, Options{Threads: threads})
			if err != nil {
				t.Fatal(err)
			}
			x, y, dy, dx := tensor.New(c.in...), tensor.New(p.OutShape()...), tensor.New(p.OutShape()...), tensor.New(c.in...)
			var ps, gs []*tensor.Tensor
			for _, q := range c.op.Params() {
				ps = append(ps, tensor.New(q.Shape...))
				gs = append(gs, tensor.New(q.Shape...))
			}
			algo, _ := p.Algorithm()
			if n := testing.AllocsPerRun(20, func() {
				if err := p.Forward(y, x, ps...); err != nil {
					t.Fatal(err)
				}
			}); n != 0 {
				t.Errorf("%s (%v, %d threads): Forward allocates %v times", algo, c.op, threads, n)
			}
			if n := testing.AllocsPerRun(20, func() {
				if err := p.Backward(x, dy, dx, gs, ps...); err != nil {
					t.Fatal(err)
				}
			}); n != 0 {
				t.Errorf("%s (%v, %d threads): Backward allocates %v times", algo, c.op, threads, n)
			}
		}
	}
}

// TestOpsRouteThroughPlans checks that the allocating Op.Forward and
// Op.Backward give the planned results.
func TestOpsRouteThroughPlans(t *testing.T) {
	for _, c := range []confCase{
		{Depthwise(8, 3, 1).WithBias(), []int{2, 8, 9, 11}},
		{New2D(3, 5, 3).WithStride(2), []int{1, 3, 9, 9}},
		{NewGroupChannelWise(16, 4, 8), []int{1, 16, 5, 5}},
		{Shuffle{Groups: 2}, []int{1, 8, 3, 3}},
	} {
		o := newOracle(c, newRand())
		x := wrap(o.x, c.in)
		var ps []*tensor.Tensor
		for i, d := range o.params {
			ps = append(ps, wrap(d, o.paramShapes[i]))
		}
		y, err := c.op.Forward(x, ps...)
		if err != nil {
			t.Fatal(err)
		}
		checkClose(t, c.String()+" Op.Forward", y.Data, o.y, o.magY, o.termsY)
		gr, err := c.op.Backward(x, wrap(o.dy, o.outShape), ps...)
		if err != nil {
			t.Fatal(err)
		}
		checkClose(t, c.String()+" Op.Backward dx", gr.X.Data, o.dx, o.magDX, o.termsDX)
		if len(gr.Params) != len(ps) {
			t.Fatalf("%v: %d parameter gradients, want %d", c, len(gr.Params), len(ps))
		}
		for i, g := range gr.Params {
			checkClose(t, c.String()+" Op.Backward param", g.Data, o.dps[i], o.magDPs[i], o.termsDP[i])
		}
	}
}

// TestConstantWeights: with Options.ConstantWeights a plan packs its
// weights once, repacks for a different weight tensor and after
// WeightsChanged, and keeps computing with the packed values when they
// change in place without it (the documented contract), for every
// GEMM-based forward mode.
func TestConstantWeights(t *testing.T) {
	cases := []struct {
		op Op
		in []int
	}{
		{Pointwise(16, 24), []int{2, 16, 9, 9}},                                                        // batched pointwise
		{Pointwise(16, 24), []int{1, 16, 13, 13}},                                                      // per-image pointwise
		{Pointwise(12, 9).WithGroups(3), []int{2, 12, 5, 5}},                                           // group pointwise
		{New2D(8, 10, 3).WithPadding(Pad(1)), []int{1, 8, 20, 21}},                                     // padded-width, unpacked B
		{New2D(8, 40, 3).WithPadding(Pad(1)), []int{1, 8, 20, 21}},                                     // padded-width, packed B
		{New2D(3, 8, 3).WithStride(2).WithPadding(Pad(1)), []int{2, 3, 40, 36}},                        // phase mode, direct
		{New2D(16, 12, 3).WithStride(2).WithPadding(Pad(1)), []int{3, 16, 12, 11}},                     // phase mode, GEMM
		{New2D(4, 6, 3).WithPadding(Padding{Top: 9, Bottom: 9, Left: 9, Right: 9}), []int{1, 4, 3, 3}}, // classic
	}
	r := rand.New(rand.NewPCG(11, 11))
	randT := func(shape ...int) *tensor.Tensor {
		t := tensor.New(shape...)
		for i := range t.Data {
			t.Data[i] = float32(r.Float64()*2 - 1)
		}
		return t
	}
	for _, c := range cases {
		p, err := NewPlan(c.op, c.in, Options{ConstantWeights: true, Threads: 2})
		if err != nil {
			t.Fatal(err)
		}
		out, _ := c.op.OutputShape(c.in)
		x, w := randT(c.in...), randT(c.op.Params()[0].Shape...)
		w2 := randT(c.op.Params()[0].Shape...)
		want := func(w *tensor.Tensor) []float64 {
			return refForward(c.op, c.in, to64(x.Data), [][]float64{to64(w.Data)})
		}
		algo, _ := p.Algorithm()
		check := func(what string, got *tensor.Tensor, want []float64) {
			t.Helper()
			for i, v := range want {
				if math.Abs(float64(got.Data[i])-v) > 1e-4*(1+math.Abs(v)) {
					t.Fatalf("%v %v (%s): y[%d] = %v, want %v", c.op, algo, what, i, got.Data[i], v)
				}
			}
		}
		y := tensor.New(out...)
		run := func() {
			t.Helper()
			if err := p.Forward(y, x, w); err != nil {
				t.Fatal(err)
			}
		}
		run()
		check("first call", y, want(w))
		first := want(w)
		copy(w.Data, w2.Data) // in place, not announced: the old packs stay
		run()
		if algo == AlgoIm2col || algo == AlgoPointwise || algo == AlgoGroupPointwise {
			check("changed in place", y, first)
		}
		p.WeightsChanged()
		run()
		check("after WeightsChanged", y, want(w))
		w3 := randT(c.op.Params()[0].Shape...) // another tensor: repacked
		if err := p.Forward(y, x, w3); err != nil {
			t.Fatal(err)
		}
		check("another weight tensor", y, want(w3))
	}
}
