package ref

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/convkit/convkit/internal/geom"
)

// Finite-difference gradient checks of the float64 reference.
//
// Each check uses the scalar loss L = Σ y·r for a fixed random r, whose
// gradient with respect to the output is r, so ConvBackward(dy = r) must
// return ∂L/∂x, ∂L/∂w and ∂L/∂b. Every element p of an input or weight is
// perturbed (a random sample of fdSample elements for tensors larger than
// fdFull) and compared with the central difference
//
//	(L(p + h) − L(p − h)) / ((p + h) − (p − h)),  h = 1e-6.
//
// Tolerance. L is linear in every single element (the operators are linear
// in x and in w separately), so the central difference has no truncation
// error at all: what remains is rounding. dot sums L with compensated
// summation, so the two evaluations differ only through the few outputs the
// element touches, each of which is a float64 sum of at most a few hundred
// products of magnitude ≤ 1; its rounding is ~1e-16·100, and dividing by 2h
// turns that into ~1e-8 per touched output at worst, ~1e-10 typically. A
// gradient passes when
//
//	|fd − analytic| ≤ fdRTol · max(|fd|, |analytic|, fdFloor),
//
// a relative error of 1e-6 for gradients above fdFloor = 0.01 and an absolute
// floor of 1e-8 below it (exactly-zero gradients, such as pixels a stride
// skips, give fd = 0 exactly). The reported "relative error" is the left
// side over max(|fd|, |analytic|, fdFloor). A wrong index, sign or bound in
// a backward loop gives errors of order 1, six orders above the tolerance.
const (
	fdStep   = 1e-6
	fdRTol   = 1e-6
	fdFloor  = 1e-2
	fdFull   = 400 // perturb every element of tensors up to this size
	fdSample = 100 // otherwise this many distinct random elements (≥ 50)
)

// gradCheck compares grad with central differences of loss over the
// elements of p (which loss reads) and returns the largest relative error.
// It restores p.
func gradCheck(t *testing.T, name string, rng *rand.Rand, p, grad []float64, loss func() float64) float64 {
	t.Helper()
	if len(p) != len(grad) {
		t.Fatalf("%s: %d values but %d gradients", name, len(p), len(grad))
	}
	idx := make([]int, len(p))
	for i := range idx {
		idx[i] = i
	}
	if len(p) > fdFull {
		rng.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
		idx = idx[:fdSample]
	}
	worst, worstAt, bad := 0.0, -1, 0
	var worstFD, worstAn float64
	for _, i := range idx {
		orig := p[i]
		hi, lo := orig+fdStep, orig-fdStep
		p[i] = hi
		lp := loss()
		p[i] = lo
		lm := loss()
		p[i] = orig
		fd := (lp - lm) / (hi - lo)
		an := grad[i]
		rel := math.Abs(fd-an) / math.Max(math.Max(math.Abs(fd), math.Abs(an)), fdFloor)
		if math.IsNaN(rel) {
			rel = math.Inf(1)
		}
		if rel > fdRTol {
			bad++
		}
		if rel > worst || worstAt < 0 {
			worst, worstAt, worstFD, worstAn = rel, i, fd, an
		}
	}
	if bad > 0 {
		t.Errorf("%s: %d of %d checked gradients off; max relative error %.3g (tolerance %g) at element %d: analytic %.12g, finite difference %.12g",
			name, bad, len(idx), worst, fdRTol, worstAt, worstAn, worstFD)
	}
	return worst
}

// worstFD collects the worst relative error per operator for the log.
type worstFD map[string]float64

func (w worstFD) add(op string, rel float64) { w[op] = math.Max(w[op], rel) }

func (w worstFD) log(t *testing.T) {
	for op, rel := range w {
		t.Logf("worst finite-difference relative error, %s: %.3g", op, rel)
	}
}

func TestConvGradcheck(t *testing.T) {
	cases := []struct {
		name string
		g    geom.Conv
		bias bool
	}{
		{"3x3 pad 1 bias", geom.Conv{N: 2, C: 3, H: 5, W: 6, M: 4, KH: 3, KW: 3, PadT: 1, PadB: 1, PadL: 1, PadR: 1}, true},
		{"pointwise", geom.Conv{N: 2, C: 3, H: 3, W: 2, M: 5, KH: 1, KW: 1}, true},
		{"groups 2", geom.Conv{N: 2, C: 4, H: 5, W: 5, M: 6, KH: 3, KW: 3, G: 2, PadT: 1, PadB: 1, PadL: 1, PadR: 1}, true},
		{"groups 3 rect kernel", geom.Conv{N: 1, C: 6, H: 4, W: 5, M: 3, KH: 2, KW: 3, G: 3}, false},
		{"depthwise G=C", geom.Conv{N: 2, C: 3, H: 6, W: 5, M: 3, KH: 3, KW: 3, G: 3, PadT: 1, PadB: 1, PadL: 1, PadR: 1}, true},
		{"depth multiplier 2", geom.Conv{N: 2, C: 3, H: 5, W: 4, M: 6, KH: 3, KW: 3, G: 3, PadT: 1, PadB: 1, PadL: 1, PadR: 1}, false},
		{"stride 2", geom.Conv{N: 2, C: 2, H: 7, W: 6, M: 3, KH: 3, KW: 3, SH: 2, SW: 2, PadT: 1, PadB: 1, PadL: 1, PadR: 1}, true},
		{"stride 3 kernel 1 skips pixels", geom.Conv{N: 2, C: 2, H: 7, W: 5, M: 2, KH: 1, KW: 1, SH: 3, SW: 3}, false},
		{"dilation 2", geom.Conv{N: 2, C: 2, H: 7, W: 7, M: 2, KH: 3, KW: 3, DH: 2, DW: 2, PadT: 2, PadB: 2, PadL: 2, PadR: 2}, false},
		{"asymmetric padding", geom.Conv{N: 2, C: 2, H: 5, W: 4, M: 3, KH: 2, KW: 3, PadB: 2, PadL: 1}, true},
		{"asymmetric padding 2", geom.Conv{N: 1, C: 2, H: 4, W: 5, M: 2, KH: 3, KW: 2, PadT: 2, PadR: 3}, false},
		{"rect stride and dilation", geom.Conv{N: 3, C: 2, H: 5, W: 7, M: 2, KH: 1, KW: 3, SH: 2, SW: 1, DH: 1, DW: 2, PadL: 1, PadR: 1}, true},
		{"batch 3 odd sizes", geom.Conv{N: 3, C: 1, H: 3, W: 5, M: 1, KH: 3, KW: 3}, true},
		{"grouped stride 2 dilation 2", geom.Conv{N: 2, C: 4, H: 9, W: 7, M: 4, KH: 3, KW: 2, G: 2, SH: 2, SW: 2, DH: 2, DW: 2, PadT: 1, PadB: 2, PadL: 0, PadR: 1}, true},
		// 2·8·9·9 = 1296 inputs and 8·4·9 = 288 weights: the input is sampled.
		{"larger sampled", geom.Conv{N: 2, C: 8, H: 9, W: 9, M: 8, KH: 3, KW: 3, G: 2, PadT: 1, PadB: 1, PadL: 1, PadR: 1}, true},
	}
	rng := rand.New(rand.NewPCG(100, 1))
	worst := worstFD{}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := convGeom(t, tc.g)
			x, w, r := randSlice(rng, g.InLen()), randSlice(rng, g.WeightLen()), randSlice(rng, g.OutLen())
			var b, db []float64
			if tc.bias {
				b, db = randSlice(rng, g.M), nanSlice(g.M)
			}
			y := make([]float64, g.OutLen())
			loss := func() float64 {
				ConvForward(g, x, w, b, y)
				return dot(y, r)
			}
			dx, dw := nanSlice(g.InLen()), nanSlice(g.WeightLen())
			ConvBackward(g, x, w, r, dx, dw, db)
			worst.add("ConvBackward dx", gradCheck(t, "dx", rng, x, dx, loss))
			worst.add("ConvBackward dw", gradCheck(t, "dw", rng, w, dw, loss))
			if tc.bias {
				worst.add("ConvBackward db", gradCheck(t, "db", rng, b, db, loss))
			}
		})
	}
	worst.log(t)
}

func TestChanGradcheck(t *testing.T) {
	cases := []struct {
		name string
		g    geom.Chan
	}{
		{"channel-wise pad 1/1", geom.Chan{N: 2, C: 7, H: 3, W: 2, DC: 3, PadFront: 1, PadBack: 1}},
		{"channel-wise pad front, stride 2", geom.Chan{N: 2, C: 9, H: 2, W: 3, DC: 4, SC: 2, PadFront: 2}},
		{"channel-wise pad back, stride 2", geom.Chan{N: 3, C: 8, H: 1, W: 3, DC: 3, SC: 2, PadBack: 3}},
		{"channel-wise kernel = C, no pad", geom.Chan{N: 2, C: 5, H: 2, W: 2, DC: 5}},
		{"channel-wise 1x1 map", geom.Chan{N: 2, C: 9, H: 1, W: 1, DC: 5, SC: 3, PadFront: 2, PadBack: 2}},
		// Group channel-wise: F = g = SC, padding so each kernel gives C/g outputs.
		{"group channel-wise g=2", geom.Chan{N: 2, C: 8, H: 2, W: 3, F: 2, DC: 4, SC: 2, PadFront: 1, PadBack: 1}},
		{"group channel-wise g=3", geom.Chan{N: 2, C: 6, H: 3, W: 1, F: 3, DC: 5, SC: 3, PadFront: 1, PadBack: 1}},
		{"group channel-wise g=2 odd pad", geom.Chan{N: 1, C: 6, H: 2, W: 2, F: 2, DC: 3, SC: 2, PadBack: 1}},
		// CCL: the kernel covers the whole map, DC = C − classes + 1.
		{"classification layer 3x3", geom.Chan{N: 2, C: 6, H: 3, W: 3, DC: 3, KH: 3, KW: 3}},
		{"classification layer 2x3", geom.Chan{N: 3, C: 5, H: 2, W: 3, DC: 5, KH: 2, KW: 3}},
		{"general spatial kernel", geom.Chan{N: 2, C: 5, H: 4, W: 3, F: 2, DC: 2, SC: 2, KH: 2, KW: 1, PadFront: 1}},
		// 2·16·5·5 = 800 inputs: sampled.
		{"larger sampled", geom.Chan{N: 2, C: 16, H: 5, W: 5, F: 2, DC: 8, SC: 2, PadFront: 3, PadBack: 3}},
	}
	rng := rand.New(rand.NewPCG(100, 2))
	worst := worstFD{}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := chanGeom(t, tc.g)
			x, w, r := randSlice(rng, g.InLen()), randSlice(rng, g.WeightLen()), randSlice(rng, g.OutLen())
			y := make([]float64, g.OutLen())
			loss := func() float64 {
				ChanForward(g, x, w, y)
				return dot(y, r)
			}
			dx, dw := nanSlice(g.InLen()), nanSlice(g.WeightLen())
			ChanBackward(g, x, w, r, dx, dw)
			worst.add("ChanBackward dx", gradCheck(t, "dx", rng, x, dx, loss))
			worst.add("ChanBackward dw", gradCheck(t, "dw", rng, w, dw, loss))
		})
	}
	worst.log(t)
}

func TestShuffleGradcheck(t *testing.T) {
	rng := rand.New(rand.NewPCG(100, 3))
	worst := worstFD{}
	for _, sg := range []geom.Shuffle{
		{N: 2, C: 6, H: 2, W: 3, G: 2},
		{N: 2, C: 6, H: 3, W: 1, G: 3},
		{N: 3, C: 12, H: 1, W: 2, G: 4},
		{N: 1, C: 5, H: 2, W: 2, G: 1},
		{N: 2, C: 4, H: 2, W: 1, G: 4},
	} {
		t.Run(fmt.Sprintf("C=%d g=%d", sg.C, sg.G), func(t *testing.T) {
			x, r := randSlice(rng, sg.Len()), randSlice(rng, sg.Len())
			y := make([]float64, sg.Len())
			loss := func() float64 {
				ShuffleForward(sg, x, y)
				return dot(y, r)
			}
			dx := nanSlice(sg.Len())
			ShuffleBackward(sg, r, dx)
			worst.add("ShuffleBackward", gradCheck(t, "dx", rng, x, dx, loss))
		})
	}
	worst.log(t)
}

func TestRandomGradcheck(t *testing.T) {
	// Random small geometries beyond the hand-picked ones; the input and
	// weight are checked on a sample of 50 elements each to keep this fast.
	rng := rand.New(rand.NewPCG(100, 4))
	worst := worstFD{}
	sample := func(p, grad []float64, loss func() float64, name string) float64 {
		if len(p) <= 50 {
			return gradCheck(t, name, rng, p, grad, loss)
		}
		idx := rng.Perm(len(p))[:50]
		sp, sg := make([]float64, 50), make([]float64, 50)
		for k, i := range idx {
			sp[k], sg[k] = p[i], grad[i]
		}
		// Perturb through the sample: write sp back into p before each
		// loss, and once more at the end, when gradCheck has restored sp.
		sync := func() {
			for k, i := range idx {
				p[i] = sp[k]
			}
		}
		rel := gradCheck(t, name, rng, sp, sg, func() float64 { sync(); return loss() })
		sync()
		return rel
	}
	for i := range 30 {
		g := randConvGeom(t, rng)
		x, w, b, r := randSlice(rng, g.InLen()), randSlice(rng, g.WeightLen()), randSlice(rng, g.M), randSlice(rng, g.OutLen())
		y := make([]float64, g.OutLen())
		loss := func() float64 { ConvForward(g, x, w, b, y); return dot(y, r) }
		dx, dw, db := nanSlice(g.InLen()), nanSlice(g.WeightLen()), nanSlice(g.M)
		ConvBackward(g, x, w, r, dx, dw, db)
		name := fmt.Sprintf("conv #%d %+v", i, g)
		worst.add("ConvBackward dx", sample(x, dx, loss, name+" dx"))
		worst.add("ConvBackward dw", sample(w, dw, loss, name+" dw"))
		worst.add("ConvBackward db", sample(b, db, loss, name+" db"))
	}
	for i := range 30 {
		g := randChanGeom(t, rng)
		x, w, r := randSlice(rng, g.InLen()), randSlice(rng, g.WeightLen()), randSlice(rng, g.OutLen())
		y := make([]float64, g.OutLen())
		loss := func() float64 { ChanForward(g, x, w, y); return dot(y, r) }
		dx, dw := nanSlice(g.InLen()), nanSlice(g.WeightLen())
		ChanBackward(g, x, w, r, dx, dw)
		name := fmt.Sprintf("chan #%d %+v", i, g)
		worst.add("ChanBackward dx", sample(x, dx, loss, name+" dx"))
		worst.add("ChanBackward dw", sample(w, dw, loss, name+" dw"))
	}
	worst.log(t)
}
