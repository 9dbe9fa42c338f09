package kernel

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/convkit/convkit/internal/asm"
	"github.com/convkit/convkit/internal/geom"
	"github.com/convkit/convkit/internal/ref"
)

// eps32 is the float32 machine epsilon, 2⁻²³ (twice the unit roundoff).
const eps32 = 1.0 / (1 << 23)

// tolerance is the allowed |got − want| for a float32 result that sums at
// most terms products, want being the exact (float64) value and mag the
// same sum over absolute values, Σ|x||w|. Any summation order of L products
// in float32 is within γ_L·mag ≈ L·(eps32/2)·mag of the exact value, plus
// eps32/2·|want| for the final rounding; (L+2)·eps32·mag is twice that.
func tolerance(terms int, mag float64) float64 {
	return float64(terms+2)*eps32*mag + 1e-35
}

// guard embeds n values in a slice with guard bands of sentinel NaNs on
// both sides and returns the inner slice (capacity n, so appends cannot
// reach the band) and a function that fails the test if a band changed.
func guard(n int) ([]float32, func(t *testing.T, what string)) {
	const band = 37 // odd, to misalign the data for vector code
	buf := make([]float32, n+2*band)
	for i := range band {
		buf[i] = float32(math.NaN())
		buf[n+band+i] = float32(math.NaN())
	}
	return buf[band : band+n : band+n], func(t *testing.T, what string) {
		t.Helper()
		for i := range band {
			if !math.IsNaN(float64(buf[i])) || !math.IsNaN(float64(buf[n+band+i])) {
				t.Fatalf("%s: a kernel wrote into the guard band", what)
			}
		}
	}
}

func random(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(2*r.Float64() - 1)
	}
	return s
}

func f64(s []float32) []float64 {
	d := make([]float64, len(s))
	for i, v := range s {
		d[i] = float64(v)
	}
	return d
}

func abs64(s []float64) []float64 {
	d := make([]float64, len(s))
	for i, v := range s {
		d[i] = math.Abs(v)
	}
	return d
}

// compare checks got against the exact want within tolerance(terms, mag).
func compare(t *testing.T, what string, got []float32, want, mag []float64, terms int) {
	t.Helper()
	for i := range want {
		g := float64(got[i])
		if math.IsNaN(g) || math.Abs(g-want[i]) > tolerance(terms, mag[i]) {
			t.Fatalf("%s: element %d of %d: got %v, want %v (tolerance %.3g)", what, i, len(want), g, want[i], tolerance(terms, mag[i]))
		}
	}
}

func TestMain(m *testing.M) {
	SetParallelThreshold(0) // the test shapes are small: thread them anyway
	os.Exit(m.Run())
}

// implementations runs f with the assembly on and off.
func implementations(t *testing.T, f func(t *testing.T)) {
	for _, on := range []bool{true, false} {
		if on && !asm.HasAVX2FMA {
			continue
		}
		name := "generic"
		if on {
			name = "asm"
		}
		t.Run(name, func(t *testing.T) {
			prev := asm.SetUseAsm(on)
			defer asm.SetUseAsm(prev)
			f(t)
		})
	}
}

type convKernel interface {
	Forward(x, w, b, y []float32)
	Backward(x, w, dy, dx, dw, db []float32)
}

// convCases are geometries that cross SIMD block sizes and borders.
func convCases() []geom.Conv {
	mk := func(n, c, h, w, m, k, s, p, d, g int) geom.Conv {
		eff := d*(k-1) + 1
		return geom.Conv{N: n, C: c, H: h, W: w, M: m, KH: k, KW: k, SH: s, SW: s,
			PadT: p, PadB: p, PadL: p, PadR: p, DH: d, DW: d, G: g,
			OH: (h+2*p-eff)/s + 1, OW: (w+2*p-eff)/s + 1}
	}
	cs := []geom.Conv{
		mk(2, 3, 7, 9, 5, 3, 1, 1, 1, 1),
		mk(1, 4, 11, 13, 6, 3, 2, 1, 1, 2),
		mk(3, 8, 5, 5, 8, 1, 1, 0, 1, 1),
		mk(2, 6, 9, 4, 9, 1, 1, 0, 1, 3),
		mk(1, 5, 12, 10, 3, 5, 2, 2, 2, 1),
		mk(1, 1, 19, 19, 1, 7, 1, 3, 1, 1),
		// The direct forward of short reductions (phase mode, at most
		// directMaxK taps, rows of at least 16 outputs): a last weight panel
		// of 2 and of 1 channels, row tails of 4 and 1 outputs, stride 1,
		// groups, one image on a team.
		mk(1, 3, 37, 40, 32, 3, 2, 1, 1, 1),
		mk(3, 2, 34, 33, 7, 3, 2, 1, 1, 1),
		mk(2, 2, 12, 18, 6, 3, 1, 1, 1, 1),
		mk(2, 4, 20, 33, 8, 3, 2, 1, 1, 2),
		// The padded-width mode (stride 1, planes over 256 outputs) with
		// its unpacked forward (padDirectGEMM, ≤ 32 channels per group):
		// a partial weight panel, a group of 4 channels, row tails.
		mk(1, 4, 17, 21, 8, 3, 1, 1, 1, 1),
		mk(2, 8, 20, 15, 8, 3, 1, 1, 1, 2),
		// A padded 1×1 convolution: the padded-width rows have no garbage
		// columns (wp = OW), so dY's rows fill them exactly.
		mk(2, 3, 17, 17, 5, 1, 1, 1, 1, 1),
		// Group pointwise with fewer (image, group) GEMMs than a multiple of
		// the threads: the forward cuts them into column chunks.
		mk(1, 4, 11, 12, 6, 1, 1, 0, 1, 2),
		// The padded-width forward without packing (≤ 32 outputs per group)
		// on long reductions (153 and 288 taps) with 2-row last panels
		// (8 and 32 outputs per group: asm.Sgemm2x16Rows).
		mk(1, 17, 20, 21, 8, 3, 1, 1, 1, 1),
		mk(2, 64, 17, 18, 64, 3, 1, 1, 1, 2),
		// The padded-width mode on long reductions (576 taps) whose
		// chunks of output rows (21 on rows of 42) do not divide the
		// plane (45 rows), with dilation 2 too.
		mk(1, 64, 45, 40, 16, 3, 1, 1, 1, 1),
		mk(2, 64, 45, 40, 16, 3, 1, 2, 2, 1),
		// Blocked rows (TestBlockedGeometries checks that these block):
		// the direct forward in two blocks of output rows (S2's width,
		// 50 output rows), and the padded input gradient in three column
		// blocks (64 output channels on rows of 58).
		blockedDirect,
		blockedDX,
		croppedChunks,
		// Winograd: odd output sizes (a last tile row with one output row,
		// a last tile with one column), no padding, padding 2, groups, a
		// tile row longer than 16 tiles (two vector groups).
		mk(3, 8, 9, 11, 6, 3, 1, 1, 1, 1),
		mk(2, 12, 8, 7, 9, 3, 1, 0, 1, 3),
		mk(3, 33, 5, 6, 17, 3, 1, 2, 1, 1),
		mk(1, 4, 6, 37, 6, 3, 1, 1, 1, 2),
		// Winograd's input gradient (64 outputs per group), pads 1 and 2.
		mk(2, 8, 9, 11, 64, 3, 1, 1, 1, 1),
		mk(1, 6, 7, 6, 128, 3, 1, 2, 1, 2),
		// The channel-vectorised pointwise forward (cvCases).
	}
	cs = append(cs, cvCases()...)
	// Depthwise: sizes around the 8/32-wide blocks of the row kernels.
	for _, c := range []struct{ n, c, h, w, mult, k, s, p, d int }{
		{2, 3, 7, 9, 1, 3, 1, 1, 1}, {1, 2, 13, 37, 2, 3, 1, 1, 1}, {1, 3, 5, 70, 1, 3, 1, 0, 1},
		{3, 2, 17, 41, 1, 3, 2, 1, 1}, {1, 2, 8, 18, 3, 3, 2, 0, 1}, {1, 2, 9, 35, 1, 3, 2, 2, 1},
		{2, 3, 10, 11, 1, 5, 1, 2, 1}, {1, 2, 11, 12, 2, 3, 2, 2, 2}, {1, 1, 2, 2, 1, 3, 1, 1, 1},
		{1, 2, 3, 3, 1, 3, 2, 1, 1}, {1, 4, 6, 33, 1, 3, 1, 2, 1},
		// Multipliers of 16 and more on rows of at most 28 (DepthwiseForwardGEMM).
		{3, 1, 13, 28, 32, 3, 1, 1, 1}, {2, 3, 9, 7, 17, 3, 1, 1, 1},
		// Planes taller than one band of the 3×3 kernels (bandTarget).
		{1, 1, 40, 200, 2, 3, 1, 1, 1}, {2, 1, 81, 301, 1, 3, 2, 1, 1}, {1, 1, 30, 290, 1, 3, 1, 0, 1},
	} {
		cs = append(cs, mk(c.n, c.c, c.h, c.w, c.mult*c.c, c.k, c.s, c.p, c.d, c.c))
	}
	return cs
}

func convKernels(g geom.Conv, threads int) map[string]convKernel {
	ks := map[string]convKernel{"im2col": NewIm2col(g, threads)}
	if g.KH == 1 && g.KW == 1 && g.SH == 1 && g.SW == 1 && g.PadT+g.PadB+g.PadL+g.PadR == 0 {
		ks["pointwise"] = NewPointwise(g, threads)
		if PointwiseChannelVectorised(g, threads) {
			k := NewPointwise(g, threads)
			k.SetConstantWeights(true)
			ks["pointwise-cv"] = k
		}
	}
	if WinogradApplies(g) && g.G < g.C {
		ks["winograd"] = NewWinograd(g, threads)
		// Bands of two tile rows: many bands, some spanning two images.
		ks["winograd-bands"] = newWinograd(g, threads, 2*ceilDiv(g.OW, 2), true)
	}
	if g.G == g.C {
		ks["depthwise-direct"] = NewDepthwise(g, DepthwiseDirect, threads)
		if m := DepthwiseModeFor(g); m != DepthwiseDirect {
			ks[fmt.Sprint("depthwise-mode", m)] = NewDepthwise(g, m, threads)
		}
	}
	return ks
}

func TestConvKernels(t *testing.T) {
	implementations(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(1, 1))
		for _, g := range convCases() {
			x, w, b, dy := random(r, g.InLen()), random(r, g.WeightLen()), random(r, g.M), random(r, g.OutLen())
			x64, w64, b64, dy64 := f64(x), f64(w), f64(b), f64(dy)
			wantY := make([]float64, g.OutLen())
			magY := make([]float64, g.OutLen())
			ref.ConvForward(g, x64, w64, b64, wantY)
			ref.ConvForward(g, abs64(x64), abs64(w64), abs64(b64), magY)
			wantDX, wantDW, wantDB := make([]float64, g.InLen()), make([]float64, g.WeightLen()), make([]float64, g.M)
			magDX, magDW, magDB := make([]float64, g.InLen()), make([]float64, g.WeightLen()), make([]float64, g.M)
			ref.ConvBackward(g, x64, w64, dy64, wantDX, wantDW, wantDB)
			ref.ConvBackward(g, abs64(x64), abs64(w64), abs64(dy64), magDX, magDW, magDB)
			for _, threads := range []int{1, 3} {
				for name, k := range convKernels(g, threads) {
					what := fmt.Sprintf("%s %+v threads=%d", name, g, threads)
					y, checkY := guard(g.OutLen())
					k.Forward(x, w, b, y)
					checkY(t, what+" y")
					compare(t, what+" y", y, wantY, magY, g.CG()*g.KH*g.KW+1)
					dx, checkDX := guard(g.InLen())
					dw, checkDW := guard(g.WeightLen())
					db, checkDB := guard(g.M)
					for i := range dx {
						dx[i] = float32(math.NaN()) // outputs must be overwritten
					}
					k.Backward(x, w, dy, dx, dw, db)
					checkDX(t, what+" dx")
					checkDW(t, what+" dw")
					checkDB(t, what+" db")
					compare(t, what+" dx", dx, wantDX, magDX, g.MG()*g.KH*g.KW)
					compare(t, what+" dw", dw, wantDW, magDW, g.N*g.OH*g.OW)
					compare(t, what+" db", db, wantDB, abs64(wantDB), g.N*g.OH*g.OW)
					// No bias, and gradients skipped.
					k.Forward(x, w, nil, y)
					k.Backward(x, w, dy, nil, dw, nil)
					compare(t, what+" dw only", dw, wantDW, magDW, g.N*g.OH*g.OW)
				}
			}
		}
	})
}

// cvCases are pointwise geometries with a channel-vectorised forward
// (PointwiseChannelVectorised) on one thread, some on three: 7×7 (seven
// tiles: four prefetching the next weight panel, three not), 1×7 (one
// tile), 3×7, two panels, groups.
func cvCases() []geom.Conv {
	mk := func(n, c, h, w, m, g int) geom.Conv {
		return geom.Conv{N: n, C: c, H: h, W: w, M: m, KH: 1, KW: 1, SH: 1, SW: 1, DH: 1, DW: 1, G: g, OH: h, OW: w}
	}
	return []geom.Conv{
		mk(1, 1024, 7, 7, 64, 1),
		mk(3, 1024, 1, 7, 64, 1),
		mk(2, 2048, 3, 7, 64, 2),
		mk(3, 1031, 2, 7, 96, 1),
	}
}

// TestCVCases keeps cvCases channel-vectorised, on three threads too, so
// that TestConvKernels keeps testing the mode.
func TestCVCases(t *testing.T) {
	three := 0
	for _, g := range cvCases() {
		if !PointwiseChannelVectorised(g, 1) {
			t.Errorf("%+v: not channel-vectorised on one thread", g)
		}
		if PointwiseChannelVectorised(g, 3) {
			three++
		}
	}
	if three == 0 {
		t.Error("no case is channel-vectorised on three threads")
	}
}

// TestPointwiseCVSwitch: a constant-weight pointwise kernel whose team size
// moves it in and out of the channel-vectorised mode repacks its weights
// for the mode it runs.
func TestPointwiseCVSwitch(t *testing.T) {
	g := cvCases()[0]
	r := rand.New(rand.NewPCG(5, 6))
	x, w, b := random(r, g.InLen()), random(r, g.WeightLen()), random(r, g.M)
	want, mag := make([]float64, g.OutLen()), make([]float64, g.OutLen())
	ref.ConvForward(g, f64(x), f64(w), f64(b), want)
	ref.ConvForward(g, abs64(f64(x)), abs64(f64(w)), abs64(f64(b)), mag)
	k := NewPointwise(g, 1)
	k.SetConstantWeights(true)
	y := make([]float32, g.OutLen())
	for i, threads := range []int{1, 2, 1, 2} {
		k.team.SetThreads(threads)
		if cv := PointwiseChannelVectorised(g, threads); cv != (threads == 1) {
			t.Fatalf("threads %d: channel-vectorised %v", threads, cv)
		}
		clear(y)
		k.Forward(x, w, b, y)
		compare(t, fmt.Sprint("call ", i, " threads ", threads), y, want, mag, g.C+1)
	}
}

type chanKernel interface {
	Forward(x, w, y []float32)
	Backward(x, w, dy, dx, dw []float32)
}

func chanGeom(n, c, h, w, f, dc, sc, pf, pb int, full bool) geom.Chan {
	g := geom.Chan{N: n, C: c, H: h, W: w, F: f, DC: dc, SC: sc, PadFront: pf, PadBack: pb, KH: 1, KW: 1, OH: h, OW: w}
	if full {
		g.KH, g.KW, g.OH, g.OW = h, w, 1, 1
	}
	g.D = (c+pf+pb-dc)/sc + 1
	return g
}

func TestChanKernels(t *testing.T) {
	cases := []geom.Chan{
		chanGeom(2, 17, 3, 5, 1, 8, 1, 3, 4, false),   // CW, odd plane
		chanGeom(1, 33, 9, 9, 1, 3, 1, 1, 1, false),   // plane 81 (64 + 17)
		chanGeom(2, 16, 13, 11, 4, 8, 4, 3, 3, false), // GCW, four filters
		chanGeom(1, 15, 7, 7, 2, 5, 2, 2, 2, false),   // GCW, two filters
		chanGeom(1, 20, 4, 4, 5, 6, 5, 0, 1, false),   // five filters: 4 + 1
		chanGeom(3, 9, 2, 3, 1, 9, 1, 0, 0, false),    // kernel = all channels
		chanGeom(1, 8, 23, 23, 1, 3, 2, 0, 0, false),  // stride 2 without filters
		chanGeom(1, 7, 40, 40, 1, 2, 1, 1, 0, false),  // chunked plane (1600)
		chanGeom(1, 80, 3, 5, 1, 70, 1, 3, 4, false),  // more taps than tapGroup
		chanGeom(1, 100, 2, 3, 4, 66, 4, 2, 2, false), // same, four filters
		chanGeom(2, 40, 1, 1, 1, 11, 1, 0, 0, true),   // CCL on a 1×1 map
		chanGeom(3, 12, 3, 3, 1, 5, 1, 0, 0, true),    // CCL 3×3
		chanGeom(1, 10, 1, 1, 2, 4, 2, 1, 2, true),    // GCW on a 1×1 map
		chanGeom(2, 9, 1, 1, 1, 3, 1, 4, 4, true),     // padding beyond the kernel
	}
	implementations(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(2, 2))
		for _, g := range cases {
			x, w, dy := random(r, g.InLen()), random(r, g.WeightLen()), random(r, g.OutLen())
			x64, w64, dy64 := f64(x), f64(w), f64(dy)
			wantY, magY := make([]float64, g.OutLen()), make([]float64, g.OutLen())
			ref.ChanForward(g, x64, w64, wantY)
			ref.ChanForward(g, abs64(x64), abs64(w64), magY)
			wantDX, wantDW := make([]float64, g.InLen()), make([]float64, g.WeightLen())
			magDX, magDW := make([]float64, g.InLen()), make([]float64, g.WeightLen())
			ref.ChanBackward(g, x64, w64, dy64, wantDX, wantDW)
			ref.ChanBackward(g, abs64(x64), abs64(w64), abs64(dy64), magDX, magDW)
			for _, threads := range []int{1, 2, 5} {
				var k chanKernel
				if g.OH == 1 && g.OW == 1 && g.KH == g.H && g.KW == g.W {
					k = NewChanFull(g, threads)
				} else {
					k = NewChan(g, threads)
				}
				what := fmt.Sprintf("%T %+v threads=%d", k, g, threads)
				y, checkY := guard(g.OutLen())
				k.Forward(x, w, y)
				checkY(t, what+" y")
				compare(t, what+" y", y, wantY, magY, g.DC*g.KH*g.KW)
				dx, checkDX := guard(g.InLen())
				dw, checkDW := guard(g.WeightLen())
				for i := range dx {
					dx[i] = float32(math.NaN())
				}
				k.Backward(x, w, dy, dx, dw)
				checkDX(t, what+" dx")
				checkDW(t, what+" dw")
				compare(t, what+" dx", dx, wantDX, magDX, g.F*g.DC*g.KH*g.KW)
				compare(t, what+" dw", dw, wantDW, magDW, g.N*g.D*g.OH*g.OW)
			}
		}
	})
}

func TestShuffle(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	for _, g := range []geom.Shuffle{{N: 2, C: 6, H: 3, W: 5, G: 2}, {N: 1, C: 240, H: 28, W: 28, G: 3}, {N: 3, C: 240, H: 28, W: 28, G: 3}, {N: 3, C: 9, H: 1, W: 1, G: 9}} {
		x := random(r, g.Len())
		want := make([]float32, g.Len())
		ref.ShuffleForward(g, x, want)
		k := NewShuffle(g, 2)
		y, check := guard(g.Len())
		k.Forward(x, y)
		check(t, "shuffle")
		for i := range y {
			if y[i] != want[i] {
				t.Fatalf("%+v: y[%d] = %v, want %v", g, i, y[i], want[i])
			}
		}
		dx, checkDX := guard(g.Len())
		k.Backward(y, dx)
		checkDX(t, "unshuffle")
		for i := range dx {
			if dx[i] != x[i] {
				t.Fatalf("%+v: unshuffle dx[%d] = %v, want %v", g, i, dx[i], x[i])
			}
		}
	}
}

func TestTeamFor(t *testing.T) {
	for _, threads := range []int{1, 2, 3, 8} {
		tm := NewTeam(threads)
		for _, n := range []int{0, 1, 2, 5, 100} {
			seen := make([]int, n)
			parts := make([]bool, tm.Parts(n))
			fn := func(part, lo, hi int) {
				parts[part] = true
				for i := lo; i < hi; i++ {
					seen[i]++
				}
			}
			tm.For(n, fn)
			for i, s := range seen {
				if s != 1 {
					t.Fatalf("threads=%d n=%d: item %d run %d times", threads, n, i, s)
				}
			}
			for p, ok := range parts {
				if !ok && n > 0 {
					t.Fatalf("threads=%d n=%d: part %d not run", threads, n, p)
				}
			}
		}
	}
}

func TestDivHelpers(t *testing.T) {
	for a := -20; a <= 20; a++ {
		for b := 1; b <= 5; b++ {
			if f := floorDiv(a, b); float64(f) != math.Floor(float64(a)/float64(b)) {
				t.Fatalf("floorDiv(%d, %d) = %d", a, b, f)
			}
			if c := ceilDiv(a, b); float64(c) != math.Ceil(float64(a)/float64(b)) {
				t.Fatalf("ceilDiv(%d, %d) = %d", a, b, c)
			}
		}
	}
}

// TestPaddedDWNonFinite: the padded-width weight gradient reads col's
// garbage columns in place (multiplied by dY's zeros), so an Inf or NaN in
// the input's columns next to the right padding would make dW NaN where
// the true sum never reads it; Backward must notice and redo dW exactly.
// Each special value sits in one column at the edges, where the garbage
// columns of the taps that do not read it pick it up.
func TestPaddedDWNonFinite(t *testing.T) {
	g := geom.Conv{N: 2, C: 2, H: 17, W: 20, M: 3, KH: 3, KW: 3, SH: 1, SW: 1,
		PadT: 1, PadB: 1, PadL: 1, PadR: 1, DH: 1, DW: 1, G: 1, OH: 17, OW: 20}
	r := rand.New(rand.NewPCG(15, 15))
	for _, special := range []float32{float32(math.Inf(1)), float32(math.NaN())} {
		for _, col := range []int{0, 1, g.W - 2, g.W - 1} {
			x, w, dy := make([]float32, g.InLen()), make([]float32, g.WeightLen()), make([]float32, g.OutLen())
			for _, s := range [][]float32{x, w, dy} {
				for i := range s {
					s[i] = float32(r.NormFloat64())
				}
			}
			x[(1*g.C+1)*g.H*g.W+4*g.W+col] = special // image 1, channel 1, row 4
			k := NewIm2col(g, 2)
			if !k.padded {
				t.Fatal("not the padded-width mode")
			}
			dw := make([]float32, g.WeightLen())
			k.Backward(x, w, dy, nil, dw, nil)
			want := make([]float64, g.WeightLen())
			ref.ConvBackward(g, f64(x), f64(w), f64(dy), nil, want, nil)
			for i, v := range dw {
				wv := want[i]
				if math.IsNaN(float64(v)) != math.IsNaN(wv) || math.IsInf(float64(v), 0) != math.IsInf(wv, 0) {
					t.Fatalf("special %v in column %d: dW[%d] = %v, want %v", special, col, i, v, wv)
				}
			}
		}
	}
}

// Geometries large enough for the row blocks of rowsBlockBytes.
var (
	blockedDirect = geom.Conv{N: 1, C: 3, H: 100, W: 224, M: 32, KH: 3, KW: 3, SH: 2, SW: 2,
		PadT: 1, PadB: 1, PadL: 1, PadR: 1, DH: 1, DW: 1, G: 1, OH: 50, OW: 112}
	blockedDX = geom.Conv{N: 1, C: 8, H: 34, W: 56, M: 64, KH: 3, KW: 3, SH: 1, SW: 1,
		PadT: 1, PadB: 1, PadL: 1, PadR: 1, DH: 1, DW: 1, G: 1, OH: 34, OW: 56}
	// croppedChunks: the padded forward in two chunks (10 and 9 output
	// rows), rows exactly one tile wide (wp = 16), weight panels of 6, 6
	// and 2 rows: stored through asm.Crop with AVX-512.
	croppedChunks = geom.Conv{N: 2, C: 256, H: 19, W: 14, M: 14, KH: 3, KW: 3, SH: 1, SW: 1,
		PadT: 1, PadB: 1, PadL: 1, PadR: 1, DH: 1, DW: 1, G: 1, OH: 19, OW: 14}
)

// TestBlockedGeometries: the convCases meant to run the blocked paths do
// (the direct forward in more than one block of output rows, the padded
// input gradient in more than one column block), so that TestConvKernels checks
// the blocks against the reference.
func TestBlockedGeometries(t *testing.T) {
	if !asm.HasAVX2FMA {
		t.Skip("the direct and row-table paths need AVX2/FMA")
	}
	k := NewIm2col(blockedDirect, 1)
	if !k.direct || k.dBlock >= blockedDirect.OH {
		t.Errorf("blockedDirect: direct %v, %d-row blocks of %d rows", k.direct, k.dBlock, blockedDirect.OH)
	}
	k = NewIm2col(blockedDX, 1)
	if nq := blockedDX.H * k.wp; !k.dxDirect || k.dxCols >= nq {
		t.Errorf("blockedDX: dxDirect %v, %d-column blocks of %d columns", k.dxDirect, k.dxCols, nq)
	}
	k = NewIm2col(croppedChunks, 1)
	if k.cropped != asm.UsingAVX512() || k.rchk != 2 || k.wp != cropMinWidth {
		t.Errorf("croppedChunks: cropped %v (AVX-512 %v), %d chunks, rows of %d", k.cropped, asm.UsingAVX512(), k.rchk, k.wp)
	}
}
