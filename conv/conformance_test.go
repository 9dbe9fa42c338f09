package conv

// The conformance suite: every implementation (assembly on, assembly off,
// the reference) and every algorithm that applies to a shape runs through
// conv.Plan and is compared with internal/ref evaluated in float64, forward
// and backward, over shapes chosen to break SIMD code. Outputs live inside
// guard bands of sentinel NaNs that must stay untouched, and NaN/Inf in the
// input must reach exactly the outputs that read it.
//
// Tolerance. A float32 result that sums at most L products, computed in any
// order (with or without FMA), differs from the exact sum by at most
// γ_L·Σ|x||w| ≈ L·u·mag, u = eps32/2 the unit roundoff, plus u·|result| for
// the final rounding. The suite allows
//
//	|got − exact| ≤ (L + 2)·eps32·mag,  mag = the same formula over |x|, |w|
//
// (twice the bound), with mag computed by the reference on absolute values
// and L the longest reduction of that output: C/G·KH·KW (+1 with a bias) for
// a convolution, M/G·KH·KW for its dX, N·OH·OW for dW and db; DC·KH·KW,
// F·DC·KH·KW and N·D·OH·OW for the channel-wise family. For the two-stage
// DWSChannelWise the first stage's error is carried through the second, so
// L is the sum of the two stages' lengths (+2).

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/convkit/convkit/internal/asm"
	"github.com/convkit/convkit/internal/geom"
	"github.com/convkit/convkit/internal/kernel"
	"github.com/convkit/convkit/internal/ref"
	"github.com/convkit/convkit/tensor"
)

const eps32 = 1.0 / (1 << 23) // float32 machine epsilon, 2·u

func tolerance(terms int, mag float64) float64 { return float64(terms+2)*eps32*mag + 1e-35 }

// confCase is one operator on one input shape.
type confCase struct {
	op Op
	in []int
}

func (c confCase) String() string { return fmt.Sprintf("%v on %v", c.op, c.in) }

// Sizes that break SIMD code: below, at and just past the 8-, 16- and
// 32-wide blocks; odd and prime.
var (
	confChannels = []int{1, 2, 3, 7, 8, 9, 15, 16, 17, 33}
	confSpatial  = []int{1, 2, 3, 5, 7, 9, 11, 13, 17, 19}
)

// conformanceCases is a fixed sample of the cross product of channels,
// spatial sizes, kernels 1/3/5/7, strides 1/2, dilations 1/2, groups
// 1/2/C, batch 1/3 and padding modes, plus hand-picked shapes for every
// algorithm. The sample is seeded so that failures reproduce; the size caps
// keep the float64 reference (and so the suite) fast.
func conformanceCases() []confCase {
	r := rand.New(rand.NewPCG(20261127, 1))
	pick := func(s []int) int { return s[r.IntN(len(s))] }
	var cs []confCase
	add := func(op Op, in ...int) {
		if _, err := op.OutputShape(in); err == nil {
			cs = append(cs, confCase{op, in})
		}
	}

	// Hand-picked convolutions: one or more per algorithm, with widths
	// around the 8/32-output blocks of the depthwise row kernels.
	add(Pointwise(17, 15), 3, 17, 7, 9)
	add(Pointwise(16, 8).WithGroups(2), 1, 16, 5, 13)
	add(Pointwise(9, 6).WithGroups(3).WithBias(), 3, 9, 3, 11)
	// 1×1 maps: a linear layer, forward in GEMV mode up to 16 images.
	add(Pointwise(33, 17).WithBias(), 3, 33, 1, 1)
	add(Pointwise(7, 9), 1, 7, 1, 1)
	add(Pointwise(19, 7).WithBias(), 9, 19, 1, 1)  // 2×4 blocks, leftover row and images
	add(Pointwise(16, 5), 17, 16, 1, 1)            // past GEMV mode: the batched GEMM
	add(Pointwise(40, 50).WithBias(), 3, 40, 7, 7) // 7×7: forward per image (three panels and a column per step), backward batched
	add(New2D(7, 9, 3).WithPadding(Pad(1)).WithBias(), 1, 7, 11, 13)
	add(New2D(3, 8, 3).WithStride(2).WithPadding(Pad(1)), 3, 3, 17, 19)
	add(New2D(8, 8, 3).WithGroups(4).WithPadding(Pad(1)), 1, 8, 9, 9)
	add(New2D(2, 3, 1).WithStride(2), 1, 2, 9, 7)
	// Winograd's input gradient (64 or more outputs per group): odd sizes,
	// pads 1 and 2 (dX padded by 1 and 0), groups.
	add(New2D(5, 64, 3).WithPadding(Pad(1)).WithBias(), 2, 5, 9, 7)
	add(New2D(6, 128, 3).WithPadding(Pad(2)).WithGroups(2), 1, 6, 7, 6)
	for _, w := range []int{2, 7, 8, 9, 31, 33, 35, 41, 70} {
		add(Depthwise(3, 3, 1).WithBias(), 1, 3, 5, w)
		add(Depthwise(2, 3, 2).WithStride(2), 3, 2, 6, w)
	}
	add(Depthwise(9, 3, 1), 1, 9, 1, 1)
	add(Depthwise(2, 3, 3).WithPadding(Pad(0)), 1, 2, 4, 19)
	add(Depthwise(3, 3, 1).WithPadding(Padding{Top: 2, Bottom: 0, Left: 0, Right: 2}), 1, 3, 7, 11)
	add(Depthwise(3, 3, 1).WithStride(2).WithPadding(Padding{Mode: Same}), 1, 3, 7, 11) // invalid: skipped
	add(Depthwise(4, 5, 1).WithDilation(2), 1, 4, 13, 17)
	add(Depthwise(2, 7, 2).WithStride(2).WithBias(), 1, 2, 19, 17)
	add(Depthwise(5, 3, 1).WithDilation(2).WithStride(2), 3, 5, 11, 11)
	add(New2D(1, 8, 3).WithPadding(Pad(1)), 1, 1, 9, 35) // one input channel: a depth multiplier
	// Depth multipliers of 16 and more on rows of at most 28: the forward
	// pass runs through Im2col's GEMM (kernel.DepthwiseForwardGEMM).
	add(New2D(1, 32, 3).WithPadding(Pad(1)).WithBias(), 3, 1, 13, 28)
	add(Depthwise(3, 3, 17).WithPadding(Padding{Top: 1, Bottom: 0, Left: 2, Right: 1}), 2, 3, 9, 7)
	// Strides 3 and 4: im2col and the depthwise backward through rows
	// deinterleaved into three or four phases.
	add(New2D(3, 5, 5).WithStride(3).WithPadding(Pad(2)), 3, 3, 16, 17)
	// Stride 1 with padding larger than the map: classic im2col instead
	// of the padded-width domain (im2col-gemm picks it by padding size).
	add(New2D(2, 3, 3).WithPadding(Padding{Top: 1, Bottom: 24, Left: 23, Right: 2}), 2, 2, 4, 5)
	add(New2D(2, 2, 2).WithPadding(Padding{Mode: Same}).WithDilation(30), 1, 2, 3, 4)
	add(New2D(4, 6, 3).WithStride(4).WithDilation(2).WithGroups(2), 1, 4, 19, 22)
	add(Depthwise(3, 3, 1).WithStride(3).WithPadding(Pad(1)), 3, 3, 13, 20)
	add(Depthwise(2, 5, 2).WithStride(4).WithPadding(Pad(2)), 1, 2, 17, 23)

	// The sampled cross product.
	for n := 0; n < 110; {
		c, k, s, d := pick(confChannels), pick([]int{1, 3, 5, 7}), pick([]int{1, 2}), pick([]int{1, 2})
		g := 1
		switch r.IntN(3) {
		case 1:
			if c%2 == 0 {
				g = 2
			}
		case 2:
			g = c
		}
		m := g * max(1, pick(confChannels)/g)
		if g == c {
			m = c * (1 + r.IntN(3))
		}
		spec := New2D(c, m, k).WithStride(s).WithDilation(d).WithGroups(g)
		switch r.IntN(4) {
		case 0:
			spec = spec.WithPadding(Pad(r.IntN(d*(k-1)/2 + 1)))
		case 1:
			q := k/2 + 1
			spec = spec.WithPadding(Padding{Top: r.IntN(q), Bottom: r.IntN(q), Left: r.IntN(q), Right: r.IntN(q)})
		case 2:
			if s == 1 {
				spec = spec.WithPadding(Padding{Mode: Same})
			}
		case 3:
			spec = spec.WithPadding(Padding{Mode: Valid})
		}
		if r.IntN(3) == 0 {
			spec = spec.WithBias()
		}
		in := []int{pick([]int{1, 3}), c, pick(confSpatial), pick(confSpatial)}
		geo, err := spec.geometry(in)
		if err != nil || geo.MACs() > 400_000 || geo.InLen() > 20_000 {
			continue
		}
		add(spec, in...)
		n++
	}

	// Channel-wise family.
	add(ChannelWise{In: 33, Kernel: 8, Stride: 1, Padding: ChanPadding{Front: 3, Back: 4}}, 2, 33, 5, 5)
	add(NewChannelWise(17, 3), 1, 17, 9, 9)
	add(ChannelWise{In: 16, Kernel: 5, Stride: 2, Padding: ChanPadding{Same: true}}, 3, 16, 3, 7)
	add(ChannelWise{In: 9, Kernel: 9, Stride: 1}, 1, 9, 11, 13)
	add(ChannelWise{In: 7, Kernel: 2, Stride: 3, Padding: ChanPadding{Front: 4, Back: 0}}, 1, 7, 2, 2)
	add(NewChannelWise(15, 8), 1, 15, 40, 41) // long planes are chunked
	add(NewGroupChannelWise(16, 4, 8), 1, 16, 13, 11)
	add(GroupChannelWise{In: 16, Out: 16, Groups: 4, Kernel: 16}, 2, 16, 3, 3)
	add(GroupChannelWise{In: 17, Out: 12, Groups: 4, Kernel: 8}, 1, 17, 5, 5)
	add(NewGroupChannelWise(15, 3, 6), 3, 15, 2, 9)
	add(NewGroupChannelWise(20, 5, 10), 1, 20, 4, 4) // five filters: one pass of four, one single
	add(GroupChannelWise{In: 8, Out: 8, Groups: 2, Kernel: 4}, 1, 8, 1, 1)
	add(Classifier{In: 40, Classes: 30, Size: 1}, 3, 40, 1, 1)
	add(Classifier{In: 17, Classes: 9, Size: 3}, 2, 17, 3, 3)
	add(Classifier{In: 9, Classes: 1, Size: 5}, 1, 9, 5, 5)
	add(NewChannelWise(33, 7), 2, 33, 1, 1)
	for n := 0; n < 24; {
		in := []int{pick([]int{1, 3}), pick(confChannels), pick(confSpatial), pick(confSpatial)}
		c := in[1]
		var op Op
		switch r.IntN(3) {
		case 0:
			op = ChannelWise{In: c, Kernel: 1 + r.IntN(min(c, 9)), Stride: pick([]int{1, 2}),
				Padding: ChanPadding{Front: r.IntN(4), Back: r.IntN(4), Same: r.IntN(2) == 0}}
		case 1:
			g := pick([]int{1, 2, 3, 4})
			op = GroupChannelWise{In: c, Out: g * max(1, pick(confChannels)/g), Groups: g, Kernel: 1 + r.IntN(9)}
		case 2:
			size := pick([]int{1, 2, 3, 5})
			in[2], in[3] = size, size
			op = Classifier{In: c, Classes: 1 + r.IntN(c), Size: size}
		}
		if _, err := op.OutputShape(in); err != nil {
			continue
		}
		add(op, in...)
		n++
	}

	// Shuffles and the two-stage DWSChannelWise.
	add(Shuffle{Groups: 2}, 2, 6, 3, 5)
	add(Shuffle{Groups: 3, Inverse: true}, 1, 9, 7, 1)
	add(Shuffle{Groups: 4}, 3, 16, 2, 3)
	add(Shuffle{Groups: 33}, 1, 33, 1, 1)
	add(NewDWSChannelWise(8, 3, 3), 2, 8, 7, 9)
	add(DWSChannelWise{In: 9, Kernel: 3, Stride: 2, Padding: Pad(1), ChanKernel: 4}, 1, 9, 11, 17)
	add(DWSChannelWise{In: 5, Kernel: 5, Stride: 1, Padding: Pad(2), ChanKernel: 5}, 1, 5, 6, 6)
	return cs
}

// oracle is the exact (float64 reference) result of a case with the bound
// of every output.
type oracle struct {
	y, magY     []float64
	termsY      int
	dx, magDX   []float64
	termsDX     int
	dps, magDPs [][]float64
	termsDP     []int
	x, dy       []float32
	params      [][]float32
	paramShapes [][]int
	outShape    []int
}

func to64(s []float32) []float64 {
	d := make([]float64, len(s))
	for i, v := range s {
		d[i] = float64(v)
	}
	return d
}

func abs(s []float64) []float64 {
	d := make([]float64, len(s))
	for i, v := range s {
		d[i] = math.Abs(v)
	}
	return d
}

// refForward runs the float64 reference of a single-stage op.
func refForward(op Op, in []int, x []float64, ps [][]float64) []float64 {
	out, _ := op.OutputShape(in)
	y := make([]float64, product(out))
	g, _ := geometryOf(op, in)
	switch g := g.(type) {
	case geom.Conv:
		var b []float64
		if len(ps) > 1 {
			b = ps[1]
		}
		ref.ConvForward(g, x, ps[0], b, y)
	case geom.Chan:
		ref.ChanForward(g, x, ps[0], y)
	case geom.Shuffle:
		ref.ShuffleForward(g, x, y)
	}
	return y
}

// refBackward runs the float64 reference backward of a single-stage op.
func refBackward(op Op, in []int, x, dy []float64, ps [][]float64) (dx []float64, dps [][]float64) {
	dx = make([]float64, product(in))
	for _, p := range op.Params() {
		dps = append(dps, make([]float64, product(p.Shape)))
	}
	g, _ := geometryOf(op, in)
	switch g := g.(type) {
	case geom.Conv:
		var db []float64
		if len(dps) > 1 {
			db = dps[1]
		}
		ref.ConvBackward(g, x, ps[0], dy, dx, dps[0], db)
	case geom.Chan:
		ref.ChanBackward(g, x, ps[0], dy, dx, dps[0])
	case geom.Shuffle:
		ref.ShuffleBackward(g, dy, dx)
	}
	return dx, dps
}

// terms returns the reduction lengths (forward, dX, each parameter
// gradient) of a single-stage op.
func terms(op Op, in []int) (fwd, dx int, dps []int) {
	g, _ := geometryOf(op, in)
	switch g := g.(type) {
	case geom.Conv:
		fwd, dx = g.CG()*g.KH*g.KW+1, g.MG()*g.KH*g.KW
		dps = []int{g.N * g.OH * g.OW, g.N * g.OH * g.OW}
	case geom.Chan:
		fwd, dx = g.DC*g.KH*g.KW, g.F*g.DC*g.KH*g.KW
		dps = []int{g.N * g.D * g.OH * g.OW}
	}
	return fwd, dx, dps
}

func newOracle(c confCase, r *rand.Rand) *oracle {
	o := &oracle{}
	o.outShape, _ = c.op.OutputShape(c.in)
	o.x = randData(r, product(c.in))
	o.dy = randData(r, product(o.outShape))
	for _, p := range c.op.Params() {
		o.params = append(o.params, randData(r, product(p.Shape)))
		o.paramShapes = append(o.paramShapes, p.Shape)
	}
	x, dy := to64(o.x), to64(o.dy)
	var ps, aps [][]float64
	for _, p := range o.params {
		ps = append(ps, to64(p))
		aps = append(aps, abs(to64(p)))
	}
	if s, ok := c.op.(DWSChannelWise); ok {
		d, cw := s.Depthwise(), s.ChannelWise()
		mid, _ := d.OutputShape(c.in)
		m := refForward(d, c.in, x, ps[:1])
		am := refForward(d, c.in, abs(x), aps[:1])
		o.y = refForward(cw, mid, m, ps[1:])
		o.magY = refForward(cw, mid, am, aps[1:])
		dmid, dw2 := refBackward(cw, mid, m, dy, ps[1:])
		admid, adw2 := refBackward(cw, mid, am, abs(dy), aps[1:])
		dx, dw1 := refBackward(d, c.in, x, dmid, ps[:1])
		adx, adw1 := refBackward(d, c.in, abs(x), admid, aps[:1])
		o.dx, o.magDX = dx, adx
		o.dps, o.magDPs = [][]float64{dw1[0], dw2[0]}, [][]float64{adw1[0], adw2[0]}
		f1, x1, p1 := terms(d, c.in)
		f2, x2, p2 := terms(cw, mid)
		o.termsY, o.termsDX = f1+f2+2, x1+x2+2
		o.termsDP = []int{x2 + p1[0] + 2, f1 + p2[0] + 2}
		return o
	}
	o.y = refForward(c.op, c.in, x, ps)
	o.magY = refForward(c.op, c.in, abs(x), aps)
	o.dx, o.dps = refBackward(c.op, c.in, x, dy, ps)
	o.magDX, o.magDPs = refBackward(c.op, c.in, abs(x), abs(dy), aps)
	o.termsY, o.termsDX, o.termsDP = terms(c.op, c.in)
	return o
}

func randData(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(2*r.Float64() - 1)
	}
	return s
}

// guarded returns a tensor of the shape whose data sits between two guard
// bands of NaN sentinels (capacity = length, so nothing can append into
// them), and a check that the bands are intact.
func guarded(shape []int) (*tensor.Tensor, func(t *testing.T, what string)) {
	const band = 19 // odd, to misalign the data for vector code
	n := product(shape)
	buf := make([]float32, n+2*band)
	for i := range buf {
		buf[i] = float32(math.NaN())
	}
	t := &tensor.Tensor{Shape: append([]int(nil), shape...), Data: buf[band : band+n : band+n]}
	return t, func(tb *testing.T, what string) {
		tb.Helper()
		for i := range band {
			if !math.IsNaN(float64(buf[i])) || !math.IsNaN(float64(buf[band+n+i])) {
				tb.Fatalf("%s: written outside the tensor (guard band)", what)
			}
		}
	}
}

func wrap(data []float32, shape []int) *tensor.Tensor {
	return &tensor.Tensor{Shape: shape, Data: data}
}

// checkClose compares got with the oracle's exact values.
func checkClose(t *testing.T, what string, got []float32, want, mag []float64, terms int) {
	t.Helper()
	for i := range want {
		g := float64(got[i])
		if math.IsNaN(g) || math.Abs(g-want[i]) > tolerance(terms, mag[i]) {
			t.Fatalf("%s: element %d of %d: got %v, want %v ± %.3g", what, i, len(want), g, want[i], tolerance(terms, mag[i]))
		}
	}
}

// flavour is one implementation: planner options plus the assembly switch.
type flavour struct {
	name string
	asm  bool
	avx2 bool // with asm: the AVX2 kernels even on an AVX-512 CPU
	opt  Options
}

// apply switches the kernels to the flavour's and returns the undo.
func (f flavour) apply() (restore func()) {
	prev, prev512 := asm.SetUseAsm(f.asm), asm.SetUseAVX512(!f.avx2)
	return func() { asm.SetUseAsm(prev); asm.SetUseAVX512(prev512) }
}

// flavours returns every (implementation, algorithm) pair that runs case c.
func flavours(c confCase, threads int) []flavour {
	fs := []flavour{{name: "reference", asm: true, opt: Options{Reference: true}}}
	var algos []Algorithm
	if s, ok := c.op.(DWSChannelWise); ok {
		_ = s
		algos = []Algorithm{""} // the planner's choice for each stage
	} else {
		g, _ := geometryOf(c.op, c.in)
		for _, a := range algorithms(g) {
			if a != AlgoReference {
				algos = append(algos, a)
			}
		}
	}
	for _, a := range algos {
		name := string(a)
		if a == "" {
			name = "planned"
		}
		if asm.HasAVX2FMA {
			fs = append(fs, flavour{name: name + "/asm", asm: true, opt: Options{Algorithm: a, Threads: threads}})
		}
		if asm.HasAVX512 {
			// The default asm flavour ran the AVX-512 kernels; the AVX2
			// ones too, with the other thread count.
			fs = append(fs, flavour{name: name + "/avx2", asm: true, avx2: true, opt: Options{Algorithm: a, Threads: 1 + threads%2}})
		}
		fs = append(fs, flavour{name: name + "/generic", asm: false, opt: Options{Algorithm: a, Threads: 1 + threads%2}})
	}
	return fs
}

// threadAll makes the kernels thread even the suite's small shapes (they
// normally keep work under kernel's threshold on one goroutine).
func threadAll(t testing.TB) {
	prev := kernel.SetParallelThreshold(0)
	t.Cleanup(func() { kernel.SetParallelThreshold(prev) })
}

func TestConformance(t *testing.T) {
	threadAll(t)
	cases := conformanceCases()
	r := rand.New(rand.NewPCG(7, 7))
	algosSeen := map[string]int{}
	for i, c := range cases {
		o := newOracle(c, r)
		for _, f := range flavours(c, 1+2*(i%2)) {
			restore := f.apply()
			runConformance(t, c, f, o)
			restore()
			algosSeen[strings.SplitN(f.name, "/", 2)[0]]++
		}
	}
	t.Logf("%d cases; runs per algorithm: %v", len(cases), algosSeen)
	for _, a := range []Algorithm{AlgoPointwise, AlgoGroupPointwise, AlgoIm2col, AlgoWinograd, AlgoDepthwise3x3S1,
		AlgoDepthwise3x3S2, AlgoDepthwiseDirect, AlgoChannelWise, AlgoCCL, AlgoShuffle} {
		if algosSeen[string(a)] == 0 {
			t.Errorf("no conformance case exercises %s", a)
		}
	}
}

func runConformance(t *testing.T, c confCase, f flavour, o *oracle) {
	t.Helper()
	what := fmt.Sprintf("%v [%s]", c, f.name)
	p, err := NewPlan(c.op, c.in, f.opt)
	if err != nil {
		t.Fatalf("%s: NewPlan: %v", what, err)
	}
	x := wrap(o.x, c.in)
	var ps []*tensor.Tensor
	for i, d := range o.params {
		ps = append(ps, wrap(d, o.paramShapes[i]))
	}
	y, checkY := guarded(o.outShape)
	if err := p.Forward(y, x, ps...); err != nil {
		t.Fatalf("%s: Forward: %v", what, err)
	}
	checkY(t, what+" y")
	magY, magDX := o.magY, o.magDX
	if a, _ := p.Algorithm(); a == AlgoWinograd {
		magY, magDX = winoMags(t, c, o)
	}
	checkClose(t, what+" y", y.Data, o.y, magY, o.termsY)

	// Backward into NaN-filled gradients: every element must be written.
	dx, checkDX := guarded(c.in)
	var grads []*tensor.Tensor
	var checks []func(*testing.T, string)
	for _, s := range o.paramShapes {
		g, check := guarded(s)
		grads = append(grads, g)
		checks = append(checks, check)
	}
	if err := p.Backward(x, wrap(o.dy, o.outShape), dx, grads, ps...); err != nil {
		t.Fatalf("%s: Backward: %v", what, err)
	}
	checkDX(t, what+" dx")
	checkClose(t, what+" dx", dx.Data, o.dx, magDX, o.termsDX)
	for i, g := range grads {
		checks[i](t, what+" "+p.params[i].Name+" gradient")
		checkClose(t, what+" "+p.params[i].Name+" gradient", g.Data, o.dps[i], o.magDPs[i], o.termsDP[i])
	}

	// Skipped gradients: only the weight gradient, then only dx.
	if len(grads) > 0 {
		if err := p.Backward(x, wrap(o.dy, o.outShape), nil, grads[:1], ps...); err != nil {
			t.Fatalf("%s: Backward(weight only): %v", what, err)
		}
		checkClose(t, what+" weight gradient alone", grads[0].Data, o.dps[0], o.magDPs[0], o.termsDP[0])
		if err := p.Backward(x, wrap(o.dy, o.outShape), dx, nil, ps...); err != nil {
			t.Fatalf("%s: Backward(dx only): %v", what, err)
		}
		checkClose(t, what+" dx alone", dx.Data, o.dx, magDX, o.termsDX)
	}
}

// winoMags returns the magnitudes that checkClose's tolerance scales for a
// Winograd F(2×2, 3×3) plan: y and dX (a 3×3 convolution of dY with the
// filters transposed and rotated) are Aᵀ·[Σ_c U_c ⊙ V_c]·A where each
// entry of U = G·g·Gᵀ is at most ‖g‖₁ in magnitude, each entry of
// V = Bᵀ·d·B at most 4‖d‖∞ over the tile's 4×4 window, and an output sums
// 9 of the 16 products: |terms| ≤ 36·Σ_c ‖g_c‖₁·‖d_c‖∞ =: W. The roundings
// — V's two additions, U's one, the C/G-term reduction, the output
// transform's four additions and the bias — give an error below
// (C/G + 8)·u·W, which tolerance(terms, mag) = (terms+2)·eps32·mag
// (eps32 = 2u) covers with mag = max(direct mag, W·(C/G+8)/(terms+2)).
func winoMags(t *testing.T, c confCase, o *oracle) (magY, magDX []float64) {
	t.Helper()
	gg, err := geometryOf(c.op, c.in)
	if err != nil {
		t.Fatal(err)
	}
	g := gg.(geom.Conv)
	w := o.params[0]
	magY = winoMag(g, o.x, w, o.magY, o.termsY)
	wt := make([]float32, len(w))
	kernel.InputGradientFilters3x3(g, w, wt)
	magDX = winoMag(kernel.InputGradient3x3(g), o.dy, wt, o.magDX, o.termsDX)
	return magY, magDX
}

// winoMag is winoMags for one convolution g of x by w (3×3, stride 1).
func winoMag(g geom.Conv, x, w []float32, mag []float64, terms int) []float64 {
	out := make([]float64, len(mag))
	cg, mg := g.CG(), g.MG()
	scale := float64(cg+8) / float64(terms+2)
	for n := range g.N {
		for o := range g.M {
			gi := o / mg
			for oy := range g.OH {
				for ox := range g.OW {
					y0, x0 := oy/2*2-g.PadT, ox/2*2-g.PadL // the tile's window
					var W float64
					for ic := range cg {
						c := gi*cg + ic
						var g1, dmax float64
						for _, v := range w[(o*cg+ic)*9:][:9] {
							g1 += math.Abs(float64(v))
						}
						for a := range 4 {
							for b := range 4 {
								if iy, ix := y0+a, x0+b; iy >= 0 && iy < g.H && ix >= 0 && ix < g.W {
									dmax = max(dmax, math.Abs(float64(x[((n*g.C+c)*g.H+iy)*g.W+ix])))
								}
							}
						}
						W += 36 * g1 * dmax
					}
					i := ((n*g.M+o)*g.OH+oy)*g.OW + ox
					out[i] = max(mag[i], W*scale)
				}
			}
		}
	}
	return out
}

// class sorts a value for NaN/Inf propagation checks.
func class(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
	return "finite"
}

// TestConformanceNaNInf puts one NaN or +Inf into the input and requires
// every output to have the class (NaN, +Inf, −Inf, finite) that the
// float64 reference gives it: a special value reaches exactly the outputs
// that read it, and no vector kernel lets it leak into a neighbour through
// padding, tails or discarded lanes. Backward is checked the same way for
// what each gradient reads: the weight gradient with the special value in x
// (dy finite), dX with it in dy (x finite). With the special value in dy,
// the weight gradient must be NaN/Inf wherever the reference's is, but may
// be NaN in more places: GEMM-based algorithms multiply dy by the zeros
// im2col puts in the padding, and NaN·0 = NaN (as in PyTorch). Winograd's
// forward may turn an infinite output into NaN (compareClassInfNaN).
func TestConformanceNaNInf(t *testing.T) {
	threadAll(t)
	r := rand.New(rand.NewPCG(8, 8))
	for i, c := range conformanceCases() {
		if _, ok := c.op.(DWSChannelWise); ok {
			continue
		}
		for _, special := range []float32{float32(math.NaN()), float32(math.Inf(1))} {
			o := newOracle(c, r)
			pos, dpos := r.IntN(len(o.x)), r.IntN(len(o.dy))
			var ps [][]float64
			var pts []*tensor.Tensor
			for j, p := range o.params {
				ps = append(ps, to64(p))
				pts = append(pts, wrap(p, o.paramShapes[j]))
			}
			xs := append([]float32(nil), o.x...) // x with the special value
			xs[pos] = special
			dys := append([]float32(nil), o.dy...) // dy with the special value
			dys[dpos] = special
			wantY := refForward(c.op, c.in, to64(xs), ps)
			_, wantDPx := refBackward(c.op, c.in, to64(xs), to64(o.dy), ps)
			wantDX, wantDPdy := refBackward(c.op, c.in, to64(o.x), to64(dys), ps)
			for _, f := range flavours(c, 1+i%2) {
				if !f.asm && f.name != "reference" && i%3 != 0 {
					continue // the generic twins on a third of the cases
				}
				restore := f.apply()
				what := fmt.Sprintf("%v [%s] special %v", c, f.name, special)
				p, err := NewPlan(c.op, c.in, f.opt)
				if err != nil {
					t.Fatal(err)
				}
				y := tensor.New(o.outShape...)
				if err := p.Forward(y, wrap(xs, c.in), pts...); err != nil {
					t.Fatal(err)
				}
				wino := f.opt.Algorithm == AlgoWinograd
				if wino {
					// Winograd's transforms subtract an infinite input from
					// itself (Inf − Inf = NaN): ±Inf may come out as NaN,
					// but only where the reference is not finite (in y and
					// in dX, a Winograd convolution of dY too).
					compareClassInfNaN(t, what+" y", y.Data, wantY)
				} else {
					compareClass(t, what+" y", y.Data, wantY, true)
				}
				dx := tensor.New(c.in...)
				var grads []*tensor.Tensor
				for _, s := range o.paramShapes {
					grads = append(grads, tensor.New(s...))
				}
				if err := p.Backward(wrap(xs, c.in), wrap(o.dy, o.outShape), nil, grads, pts...); err != nil {
					t.Fatal(err)
				}
				for j, g := range grads {
					compareClass(t, what+" in x: "+p.params[j].Name+" gradient", g.Data, wantDPx[j], true)
				}
				if err := p.Backward(wrap(o.x, c.in), wrap(dys, o.outShape), dx, grads, pts...); err != nil {
					t.Fatal(err)
				}
				if wino {
					compareClassInfNaN(t, what+" in dy: dx", dx.Data, wantDX)
				} else {
					compareClass(t, what+" in dy: dx", dx.Data, wantDX, true)
				}
				for j, g := range grads {
					compareClass(t, what+" in dy: "+p.params[j].Name+" gradient", g.Data, wantDPdy[j], false)
				}
				restore()
			}
		}
	}
}

// compareClass requires got[i] to have the class of want[i]; with exact
// false, a finite want may also be matched by NaN (see above).
func compareClass(t *testing.T, what string, got []float32, want []float64, exact bool) {
	t.Helper()
	for i := range want {
		g, w := class(float64(got[i])), class(want[i])
		if g != w && (exact || w != "finite" || g != "NaN") {
			t.Fatalf("%s: element %d is %s (%v), want %s (%v)", what, i, g, got[i], w, want[i])
		}
	}
}

// compareClassInfNaN is compareClass (exact) except that an infinite want
// may also be matched by NaN.
func compareClassInfNaN(t *testing.T, what string, got []float32, want []float64) {
	t.Helper()
	for i := range want {
		g, w := class(float64(got[i])), class(want[i])
		if g != w && !(math.IsInf(want[i], 0) && g == "NaN") {
			t.Fatalf("%s: element %d is %s (%v), want %s (%v)", what, i, g, got[i], w, want[i])
		}
	}
}

// FuzzPlan compares the planned forward and backward passes of a random
// small convolution or channel-wise operator with the float64 reference.
func FuzzPlan(f *testing.F) {
	f.Add(uint8(0), uint8(3), uint8(8), uint8(9), uint8(3), uint8(1), uint8(1), uint8(1), uint8(1), uint8(4), uint64(1))
	f.Add(uint8(1), uint8(16), uint8(5), uint8(5), uint8(1), uint8(2), uint8(0), uint8(1), uint8(4), uint8(16), uint64(2))
	f.Add(uint8(2), uint8(9), uint8(3), uint8(3), uint8(8), uint8(1), uint8(3), uint8(2), uint8(1), uint8(3), uint64(3))
	f.Add(uint8(3), uint8(12), uint8(1), uint8(1), uint8(5), uint8(1), uint8(0), uint8(1), uint8(2), uint8(7), uint64(4))
	threadAll(f)
	f.Fuzz(func(t *testing.T, kind, c, h, w, k, s, pad, d, g, m uint8, seed uint64) {
		in := []int{1 + int(seed%3), 1 + int(c)%24, 1 + int(h)%20, 1 + int(w)%20}
		var op Op
		switch kind % 4 {
		case 0, 1:
			kk, gg := 1+int(k)%7, 1+int(g)%in[1]
			if kind%4 == 1 {
				gg = in[1] // depthwise
			}
			if in[1]%gg != 0 {
				gg = 1
			}
			mm := gg * (1 + int(m)%4)
			op = New2D(in[1], mm, kk).WithStride(1 + int(s)%3).WithDilation(1 + int(d)%2).
				WithGroups(gg).WithPadding(Pad(int(pad) % 4))
			if seed&8 != 0 {
				op = op.(Conv2D).WithBias()
			}
		case 2:
			op = ChannelWise{In: in[1], Kernel: 1 + int(k)%12, Stride: 1 + int(s)%3,
				Padding: ChanPadding{Front: int(pad) % 5, Back: int(d) % 5, Same: seed&16 != 0}}
		case 3:
			gg := 1 + int(g)%5
			op = GroupChannelWise{In: in[1], Out: gg * (1 + int(m)%6), Groups: gg, Kernel: 1 + int(k)%12}
			if seed&32 != 0 {
				in[2], in[3] = in[2]%4+1, in[2]%4+1
				op = Classifier{In: in[1], Classes: 1 + int(m)%in[1], Size: in[2]}
			}
		}
		geo, err := geometryOf(op, in)
		if err != nil {
			t.Skip()
		}
		if gc, ok := geo.(geom.Conv); ok && gc.MACs() > 2_000_000 {
			t.Skip()
		}
		c0 := confCase{op, in}
		o := newOracle(c0, rand.New(rand.NewPCG(seed, 9)))
		for _, fl := range flavours(c0, 1+int(seed%3)) {
			restore := fl.apply()
			runConformance(t, c0, fl, o)
			restore()
		}
	})
}

func newRand() *rand.Rand { return rand.New(rand.NewPCG(42, 42)) }
