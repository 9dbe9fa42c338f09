package ref

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/convkit/convkit/internal/geom"
)

// The tests in this package build their geometry by hand (the conv package
// imports ref, so importing conv here would be a cycle). convGeom and
// chanGeom fill in the derived sizes with the documented formulas and fail
// the test on a geometry that conv would reject, so every case below is one
// that conv can also produce.

// convGeom completes g: zero strides and dilations become 1, G 0 becomes 1,
// and OH, OW follow PyTorch:
//
//	OH = ⌊(H + PadT + PadB − DH·(KH − 1) − 1) / SH⌋ + 1.
func convGeom(t testing.TB, g geom.Conv) geom.Conv {
	t.Helper()
	for _, p := range []*int{&g.SH, &g.SW, &g.DH, &g.DW, &g.G} {
		if *p == 0 {
			*p = 1
		}
	}
	if g.C%g.G != 0 || g.M%g.G != 0 {
		t.Fatalf("bad test geometry %+v: groups must divide C and M", g)
	}
	effH, effW := g.DH*(g.KH-1)+1, g.DW*(g.KW-1)+1
	if effH > g.H+g.PadT+g.PadB || effW > g.W+g.PadL+g.PadR {
		t.Fatalf("bad test geometry %+v: kernel larger than the padded input", g)
	}
	g.OH = (g.H+g.PadT+g.PadB-effH)/g.SH + 1
	g.OW = (g.W+g.PadL+g.PadR-effW)/g.SW + 1
	return g
}

// chanGeom completes g: SC, KH, KW 0 become 1, and
//
//	D = ⌊(C + PadFront + PadBack − DC) / SC⌋ + 1,  OH = H − KH + 1,  OW = W − KW + 1.
func chanGeom(t testing.TB, g geom.Chan) geom.Chan {
	t.Helper()
	for _, p := range []*int{&g.SC, &g.KH, &g.KW, &g.F} {
		if *p == 0 {
			*p = 1
		}
	}
	if g.DC > g.C+g.PadFront+g.PadBack || g.KH > g.H || g.KW > g.W {
		t.Fatalf("bad test geometry %+v: kernel larger than the padded input", g)
	}
	g.D = (g.C+g.PadFront+g.PadBack-g.DC)/g.SC + 1
	g.OH, g.OW = g.H-g.KH+1, g.W-g.KW+1
	return g
}

// randSlice returns n values uniform in [−1, 1).
func randSlice(rng *rand.Rand, n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = 2*rng.Float64() - 1
	}
	return s
}

// nanSlice returns n NaNs: a buffer that must be fully overwritten.
func nanSlice(n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = math.NaN()
	}
	return s
}

// dot is Σ a·b with Neumaier's compensated summation, so that its
// rounding error is a few ulps of the result rather than of Σ|a·b|.
func dot(a, b []float64) float64 {
	var sum, comp float64
	for i := range a {
		p := a[i] * b[i]
		t := sum + p
		if math.Abs(sum) >= math.Abs(p) {
			comp += (sum - t) + p
		} else {
			comp += (p - t) + sum
		}
		sum = t
	}
	return sum + comp
}

// closeTo reports whether got and want agree to within tol relative to
// their magnitude, with an absolute floor of tol for values near zero.
func closeTo(got, want, tol float64) bool {
	return math.Abs(got-want) <= tol*math.Max(1, math.Max(math.Abs(got), math.Abs(want)))
}

func checkValues(t *testing.T, name string, got, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", name, len(got), len(want))
	}
	for i := range got {
		if !closeTo(got[i], want[i], 1e-12) {
			t.Fatalf("%s: got %v, want %v (first difference at %d)", name, got, want, i)
		}
	}
}

func seq(n int, start float64) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = start + float64(i)
	}
	return s
}

// A 1-channel 3×3 input holding 1…9 row by row:
//
//	1 2 3
//	4 5 6
//	7 8 9
var grid3 = seq(9, 1)

func TestConvForwardHandComputed(t *testing.T) {
	ones := func(n int) []float64 {
		s := make([]float64, n)
		for i := range s {
			s[i] = 1
		}
		return s
	}
	cases := []struct {
		name    string
		g       geom.Conv
		x, w, b []float64
		want    []float64
	}{
		{
			// Valid 2×2 correlation (no kernel flip, as in PyTorch):
			// y(0,0) = 1·1 + 2·2 + 3·4 + 4·5 = 37, and so on.
			name: "2x2 valid",
			g:    geom.Conv{N: 1, C: 1, H: 3, W: 3, M: 1, KH: 2, KW: 2},
			x:    grid3, w: []float64{1, 2, 3, 4},
			want: []float64{37, 47, 67, 77},
		},
		{
			// A 3×3 box sum with padding 1 sums each pixel's neighbourhood;
			// the bias 0.5 is added to every output.
			name: "3x3 box pad 1 bias",
			g:    geom.Conv{N: 1, C: 1, H: 3, W: 3, M: 1, KH: 3, KW: 3, PadT: 1, PadB: 1, PadL: 1, PadR: 1},
			x:    grid3, w: ones(9), b: []float64{0.5},
			want: []float64{12.5, 21.5, 16.5, 27.5, 45.5, 33.5, 24.5, 39.5, 28.5},
		},
		{
			// The same box sum at stride 2 keeps the four corners of the
			// padded-output grid: OH = ⌊(3 + 2 − 3)/2⌋ + 1 = 2.
			name: "3x3 box pad 1 stride 2",
			g:    geom.Conv{N: 1, C: 1, H: 3, W: 3, M: 1, KH: 3, KW: 3, SH: 2, SW: 2, PadT: 1, PadB: 1, PadL: 1, PadR: 1},
			x:    grid3, w: ones(9),
			want: []float64{12, 16, 24, 28},
		},
		{
			// A 2×2 kernel dilated by 2 touches the four corners: 1+3+7+9.
			name: "2x2 dilation 2",
			g:    geom.Conv{N: 1, C: 1, H: 3, W: 3, M: 1, KH: 2, KW: 2, DH: 2, DW: 2},
			x:    grid3, w: ones(4),
			want: []float64{20},
		},
		{
			// Padding only on the left shifts the window: [0+1, 1+2, 2+3].
			name: "asymmetric pad left",
			g:    geom.Conv{N: 1, C: 1, H: 1, W: 3, M: 1, KH: 1, KW: 2, PadL: 1},
			x:    []float64{1, 2, 3}, w: []float64{1, 1},
			want: []float64{1, 3, 5},
		},
		{
			// ... and only on the right: [1+2, 2+3, 3+0].
			name: "asymmetric pad right",
			g:    geom.Conv{N: 1, C: 1, H: 1, W: 3, M: 1, KH: 1, KW: 2, PadR: 1},
			x:    []float64{1, 2, 3}, w: []float64{1, 1},
			want: []float64{3, 5, 3},
		},
		{
			// Padding at the bottom only, vertically: [1+4, 4+7, 7+0] in the
			// first column.
			name: "asymmetric pad bottom",
			g:    geom.Conv{N: 1, C: 1, H: 3, W: 3, M: 1, KH: 2, KW: 1, PadB: 1},
			x:    grid3, w: []float64{1, 1},
			want: []float64{5, 7, 9, 11, 13, 15, 7, 8, 9},
		},
		{
			// Two groups of 1×1 convolutions scale each channel on its own.
			name: "groups 2",
			g:    geom.Conv{N: 1, C: 2, H: 1, W: 2, M: 2, KH: 1, KW: 1, G: 2},
			x:    []float64{1, 2, 3, 4}, w: []float64{2, 3},
			want: []float64{2, 4, 9, 12},
		},
		{
			// Depth multiplier 2: output channel c·2 + j reads input channel c.
			name: "depth multiplier 2",
			g:    geom.Conv{N: 1, C: 2, H: 1, W: 1, M: 4, KH: 1, KW: 1, G: 2},
			x:    []float64{1, 2}, w: []float64{1, 10, 100, 1000},
			want: []float64{1, 10, 200, 2000},
		},
		{
			// A dense 1×1 convolution is a matrix product per pixel:
			// y0 = x0 + 2·x1, y1 = 3·x0 + 4·x1.
			name: "pointwise dense",
			g:    geom.Conv{N: 1, C: 2, H: 1, W: 1, M: 2, KH: 1, KW: 1},
			x:    []float64{5, 7}, w: []float64{1, 2, 3, 4},
			want: []float64{19, 43},
		},
		{
			// A batch of two is two independent images.
			name: "batch 2",
			g:    geom.Conv{N: 2, C: 1, H: 1, W: 2, M: 1, KH: 1, KW: 2},
			x:    []float64{1, 2, 3, 4}, w: []float64{10, 1},
			want: []float64{12, 34},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := convGeom(t, tc.g)
			y := nanSlice(g.OutLen())
			ConvForward(g, tc.x, tc.w, tc.b, y)
			checkValues(t, "y", y, tc.want)
		})
	}
}

func TestShuffleHandComputed(t *testing.T) {
	cases := []struct {
		c, g int
		want []float64
	}{
		{6, 2, []float64{0, 3, 1, 4, 2, 5}}, // (2,3) → (3,2)
		{6, 3, []float64{0, 2, 4, 1, 3, 5}}, // (3,2) → (2,3)
		{6, 1, []float64{0, 1, 2, 3, 4, 5}}, // one group: identity
		{6, 6, []float64{0, 1, 2, 3, 4, 5}}, // C groups: identity
		{8, 2, []float64{0, 4, 1, 5, 2, 6, 3, 7}},
		{12, 4, []float64{0, 3, 6, 9, 1, 4, 7, 10, 2, 5, 8, 11}},
	}
	for _, tc := range cases {
		// Channel c holds the value c on a 1×1 map, so y lists the source
		// channel of each output channel.
		g := geom.Shuffle{N: 1, C: tc.c, H: 1, W: 1, G: tc.g}
		y := nanSlice(tc.c)
		ShuffleForward(g, seq(tc.c, 0), y)
		if !slices.Equal(y, tc.want) {
			t.Errorf("shuffle C=%d g=%d: got %v, want %v", tc.c, tc.g, y, tc.want)
		}
		for i := range tc.c {
			if float64(g.Src(i)) != tc.want[i] {
				t.Errorf("Src(%d) with C=%d g=%d = %d, want %v", i, tc.c, tc.g, g.Src(i), tc.want[i])
			}
		}
	}
}

func TestShuffleInverse(t *testing.T) {
	// The backward pass (inverse permutation) of a shuffle with g groups is
	// the forward shuffle with C/g groups, and undoes the forward shuffle.
	rng := rand.New(rand.NewPCG(1, 2))
	for _, c := range []int{1, 2, 6, 12, 30} {
		for g := 1; g <= c; g++ {
			if c%g != 0 {
				continue
			}
			sg := geom.Shuffle{N: 2, C: c, H: 2, W: 3, G: g}
			x := randSlice(rng, sg.Len())
			y, back, inv := nanSlice(sg.Len()), nanSlice(sg.Len()), nanSlice(sg.Len())
			ShuffleForward(sg, x, y)
			ShuffleBackward(sg, y, back)
			if !slices.Equal(back, x) {
				t.Errorf("C=%d g=%d: ShuffleBackward(ShuffleForward(x)) != x", c, g)
			}
			sg2 := sg
			sg2.G = c / g
			ShuffleForward(sg2, y, inv)
			if !slices.Equal(inv, x) {
				t.Errorf("C=%d g=%d: shuffle with C/g groups does not invert", c, g)
			}
		}
	}
}

func TestChanForwardHandComputed(t *testing.T) {
	cases := []struct {
		name string
		g    geom.Chan
		x, w []float64
		want []float64
	}{
		{
			// On a 1×1 map, channels are a vector: y[d] = x[d−1] − x[d+1]
			// with zeros outside (padding 1 at each end).
			name: "channel-wise pad 1",
			g:    geom.Chan{N: 1, C: 5, H: 1, W: 1, DC: 3, PadFront: 1, PadBack: 1},
			x:    []float64{1, 2, 3, 4, 5}, w: []float64{1, 0, -1},
			want: []float64{-2, -2, -2, -2, 4},
		},
		{
			// The same at stride 2 keeps every other output.
			name: "channel-wise pad 1 stride 2",
			g:    geom.Chan{N: 1, C: 5, H: 1, W: 1, DC: 3, SC: 2, PadFront: 1, PadBack: 1},
			x:    []float64{1, 2, 3, 4, 5}, w: []float64{1, 0, -1},
			want: []float64{-2, -2, 4},
		},
		{
			// Front padding 2, none at the back: y[d] = x[d−2] + 10·x[d−1] + 100·x[d].
			name: "channel-wise front pad",
			g:    geom.Chan{N: 1, C: 3, H: 1, W: 1, DC: 3, PadFront: 2},
			x:    []float64{1, 2, 3}, w: []float64{1, 10, 100},
			want: []float64{100, 210, 321},
		},
		{
			// The shared kernel is applied at every pixel: two pixels of two
			// channels, kernel [1, 2], no padding → one output channel.
			name: "channel-wise per pixel",
			g:    geom.Chan{N: 1, C: 2, H: 1, W: 2, DC: 2},
			x:    []float64{1, 2, 3, 4}, w: []float64{1, 2},
			want: []float64{1 + 2*3, 2 + 2*4},
		},
		{
			// Group channel-wise, g = 2: two kernels at stride 2, outputs
			// kernel-major: [w0·(x0,x1), w0·(x2,x3), w1·(x0,x1), w1·(x2,x3)].
			name: "group channel-wise g=2",
			g:    geom.Chan{N: 1, C: 4, H: 1, W: 1, F: 2, DC: 2, SC: 2},
			x:    []float64{1, 2, 3, 4}, w: []float64{1, 1, 1, -1},
			want: []float64{3, 7, -1, -1},
		},
		{
			// CCL: a 2×2×2 kernel of ones over a 3-channel 2×2 volume whose
			// channel c is filled with c+1 gives 4·(1+2) and 4·(2+3).
			name: "classification layer",
			g:    geom.Chan{N: 1, C: 3, H: 2, W: 2, DC: 2, KH: 2, KW: 2},
			x:    []float64{1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3},
			w:    []float64{1, 1, 1, 1, 1, 1, 1, 1},
			want: []float64{12, 20},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := chanGeom(t, tc.g)
			y := nanSlice(g.OutLen())
			ChanForward(g, tc.x, tc.w, y)
			checkValues(t, "y", y, tc.want)
		})
	}
}

// conv1D is an independent 1-D cross-correlation with zero padding:
// y[d] = Σ_k x[d·s − front + k]·w[k].
func conv1D(x, w []float64, s, front, back int) []float64 {
	var y []float64
	for start := -front; start+len(w) <= len(x)+back; start += s {
		var acc float64
		for k, wk := range w {
			if i := start + k; i >= 0 && i < len(x) {
				acc += x[i] * wk
			}
		}
		y = append(y, acc)
	}
	return y
}

func TestChanIs1DConvOnUnitMap(t *testing.T) {
	// On a 1×1 map a channel-wise convolution is a 1-D convolution of the
	// channel vector, for every kernel, stride and padding.
	rng := rand.New(rand.NewPCG(3, 4))
	for c := 1; c <= 9; c++ {
		for dc := 1; dc <= c+2; dc++ {
			for sc := 1; sc <= 3; sc++ {
				for _, pad := range [][2]int{{0, 0}, {1, 0}, {0, 1}, {1, 2}, {2, 2}} {
					if dc > c+pad[0]+pad[1] {
						continue
					}
					g := chanGeom(t, geom.Chan{N: 1, C: c, H: 1, W: 1, DC: dc, SC: sc, PadFront: pad[0], PadBack: pad[1]})
					x, w := randSlice(rng, c), randSlice(rng, dc)
					y := nanSlice(g.OutLen())
					ChanForward(g, x, w, y)
					want := conv1D(x, w, sc, pad[0], pad[1])
					if len(want) != g.D {
						t.Fatalf("C=%d dc=%d s=%d pad=%v: D = %d, the 1-D convolution has %d outputs", c, dc, sc, pad, g.D, len(want))
					}
					for i := range want {
						if !closeTo(y[i], want[i], 1e-12) {
							t.Fatalf("C=%d dc=%d s=%d pad=%v: y = %v, want %v", c, dc, sc, pad, y, want)
						}
					}
				}
			}
		}
	}
}

func TestGroupChanIsStackOfChannelWise(t *testing.T) {
	// Filter f of a group channel-wise convolution gives the same channels as
	// a channel-wise convolution (F = 1) with kernel f and the same stride
	// and padding, placed at output channels f·D … f·D + D − 1.
	rng := rand.New(rand.NewPCG(5, 6))
	gg := chanGeom(t, geom.Chan{N: 2, C: 8, H: 2, W: 3, F: 2, DC: 4, SC: 2, PadFront: 1, PadBack: 1})
	x, w := randSlice(rng, gg.InLen()), randSlice(rng, gg.WeightLen())
	y := nanSlice(gg.OutLen())
	ChanForward(gg, x, w, y)
	g1 := gg
	g1.F = 1
	hw := gg.OH * gg.OW
	for f := range gg.F {
		y1 := nanSlice(g1.OutLen())
		ChanForward(g1, x, w[f*gg.DC:(f+1)*gg.DC], y1)
		for n := range gg.N {
			for d := range gg.D {
				got := y[(n*gg.M()+f*gg.D+d)*hw : (n*gg.M()+f*gg.D+d+1)*hw]
				want := y1[(n*g1.M()+d)*hw : (n*g1.M()+d+1)*hw]
				if !slices.Equal(got, want) {
					t.Fatalf("filter %d, n=%d, d=%d: %v, want %v", f, n, d, got, want)
				}
			}
		}
	}
}

func TestChanFullDepthIsConv(t *testing.T) {
	// With DC = C, no padding and F filters, the channel-wise family is a
	// dense valid 2-D convolution to F output channels (D = 1), so the two
	// references must agree on forward and on every gradient.
	rng := rand.New(rand.NewPCG(7, 8))
	gc := chanGeom(t, geom.Chan{N: 2, C: 3, H: 4, W: 5, F: 2, DC: 3, KH: 2, KW: 3})
	gv := convGeom(t, geom.Conv{N: 2, C: 3, H: 4, W: 5, M: 2, KH: 2, KW: 3})
	if gc.OutLen() != gv.OutLen() || gc.WeightLen() != gv.WeightLen() {
		t.Fatalf("sizes differ: %+v vs %+v", gc, gv)
	}
	x, w, dy := randSlice(rng, gc.InLen()), randSlice(rng, gc.WeightLen()), randSlice(rng, gc.OutLen())
	yc, yv := nanSlice(gc.OutLen()), nanSlice(gv.OutLen())
	ChanForward(gc, x, w, yc)
	ConvForward(gv, x, w, nil, yv)
	checkValues(t, "forward", yc, yv)
	dxc, dwc := nanSlice(gc.InLen()), nanSlice(gc.WeightLen())
	dxv, dwv := nanSlice(gv.InLen()), nanSlice(gv.WeightLen())
	ChanBackward(gc, x, w, dy, dxc, dwc)
	ConvBackward(gv, x, w, dy, dxv, dwv, nil)
	checkValues(t, "dx", dxc, dxv)
	checkValues(t, "dw", dwc, dwv)
}

func TestFloat32MatchesFloat64(t *testing.T) {
	// The float32 instantiation accumulates in float64 too, so it equals the
	// float64 result rounded once to float32.
	rng := rand.New(rand.NewPCG(9, 10))
	g := convGeom(t, geom.Conv{N: 2, C: 4, H: 5, W: 6, M: 6, KH: 3, KW: 2, G: 2, PadT: 1, PadL: 1, SH: 2})
	x, w, b := randSlice(rng, g.InLen()), randSlice(rng, g.WeightLen()), randSlice(rng, g.M)
	// Round inputs to float32 first so both runs see the same values.
	for _, s := range [][]float64{x, w, b} {
		for i := range s {
			s[i] = float64(float32(s[i]))
		}
	}
	to32 := func(s []float64) []float32 {
		r := make([]float32, len(s))
		for i, v := range s {
			r[i] = float32(v)
		}
		return r
	}
	y64 := nanSlice(g.OutLen())
	ConvForward(g, x, w, b, y64)
	y32 := make([]float32, g.OutLen())
	ConvForward(g, to32(x), to32(w), to32(b), y32)
	for i := range y64 {
		if y32[i] != float32(y64[i]) {
			t.Fatalf("y32[%d] = %v, want float32(%v)", i, y32[i], y64[i])
		}
	}
	dy := randSlice(rng, g.OutLen())
	dy32 := to32(dy)
	for i := range dy {
		dy[i] = float64(dy32[i])
	}
	dx64, dw64, db64 := nanSlice(g.InLen()), nanSlice(g.WeightLen()), nanSlice(g.M)
	ConvBackward(g, x, w, dy, dx64, dw64, db64)
	dx32, dw32, db32 := make([]float32, g.InLen()), make([]float32, g.WeightLen()), make([]float32, g.M)
	ConvBackward(g, to32(x), to32(w), dy32, dx32, dw32, db32)
	for _, pair := range []struct {
		name string
		a    []float32
		b    []float64
	}{{"dx", dx32, dx64}, {"dw", dw32, dw64}, {"db", db32, db64}} {
		for i := range pair.a {
			if pair.a[i] != float32(pair.b[i]) {
				t.Fatalf("%s[%d] = %v, want float32(%v)", pair.name, i, pair.a[i], pair.b[i])
			}
		}
	}
}

func TestNilGradientsAreSkipped(t *testing.T) {
	// Each gradient can be requested alone and equals the one computed with
	// the others; outputs are overwritten (the NaN fill disappears), never
	// accumulated into.
	rng := rand.New(rand.NewPCG(11, 12))
	g := convGeom(t, geom.Conv{N: 2, C: 2, H: 4, W: 4, M: 4, KH: 3, KW: 3, G: 2, PadT: 1, PadB: 1, PadL: 1, PadR: 1})
	x, w, dy := randSlice(rng, g.InLen()), randSlice(rng, g.WeightLen()), randSlice(rng, g.OutLen())
	dx, dw, db := nanSlice(g.InLen()), nanSlice(g.WeightLen()), nanSlice(g.M)
	ConvBackward(g, x, w, dy, dx, dw, db)
	dx1, dw1, db1 := nanSlice(g.InLen()), nanSlice(g.WeightLen()), nanSlice(g.M)
	ConvBackward(g, x, w, dy, dx1, nil, nil)
	ConvBackward(g, x, w, dy, nil, dw1, nil)
	ConvBackward(g, x, w, dy, nil, nil, db1)
	checkValues(t, "dx", dx1, dx)
	checkValues(t, "dw", dw1, dw)
	checkValues(t, "db", db1, db)

	gc := chanGeom(t, geom.Chan{N: 2, C: 6, H: 2, W: 2, F: 2, DC: 3, SC: 2, PadFront: 1})
	x, w, dy = randSlice(rng, gc.InLen()), randSlice(rng, gc.WeightLen()), randSlice(rng, gc.OutLen())
	dx, dw = nanSlice(gc.InLen()), nanSlice(gc.WeightLen())
	ChanBackward(gc, x, w, dy, dx, dw)
	dx1, dw1 = nanSlice(gc.InLen()), nanSlice(gc.WeightLen())
	ChanBackward(gc, x, w, dy, dx1, nil)
	ChanBackward(gc, x, w, dy, nil, dw1)
	checkValues(t, "chan dx", dx1, dx)
	checkValues(t, "chan dw", dw1, dw)
	for _, s := range [][]float64{dx, dw} {
		for _, v := range s {
			if math.IsNaN(v) {
				t.Fatal("an output element was not written")
			}
		}
	}
}

// randConvGeom draws a small valid convolution geometry.
func randConvGeom(t testing.TB, rng *rand.Rand) geom.Conv {
	for {
		grp := 1 + rng.IntN(3)
		g := geom.Conv{
			N: 1 + rng.IntN(3), C: grp * (1 + rng.IntN(3)), M: grp * (1 + rng.IntN(3)), G: grp,
			H: 1 + rng.IntN(7), W: 1 + rng.IntN(7),
			KH: 1 + rng.IntN(4), KW: 1 + rng.IntN(4),
			SH: 1 + rng.IntN(3), SW: 1 + rng.IntN(3),
			DH: 1 + rng.IntN(2), DW: 1 + rng.IntN(2),
			PadT: rng.IntN(3), PadB: rng.IntN(3), PadL: rng.IntN(3), PadR: rng.IntN(3),
		}
		if g.DH*(g.KH-1)+1 <= g.H+g.PadT+g.PadB && g.DW*(g.KW-1)+1 <= g.W+g.PadL+g.PadR {
			return convGeom(t, g)
		}
	}
}

// randChanGeom draws a small valid channel-wise geometry.
func randChanGeom(t testing.TB, rng *rand.Rand) geom.Chan {
	for {
		g := geom.Chan{
			N: 1 + rng.IntN(3), C: 1 + rng.IntN(9), H: 1 + rng.IntN(4), W: 1 + rng.IntN(4),
			F: 1 + rng.IntN(3), DC: 1 + rng.IntN(5), SC: 1 + rng.IntN(3),
			PadFront: rng.IntN(3), PadBack: rng.IntN(3),
		}
		g.KH, g.KW = 1+rng.IntN(g.H), 1+rng.IntN(g.W)
		if g.DC <= g.C+g.PadFront+g.PadBack {
			return chanGeom(t, g)
		}
	}
}

func TestConvAdjoint(t *testing.T) {
	// The input gradient is the adjoint of the (bias-free) forward map:
	// ⟨conv(x), r⟩ = ⟨x, dx(r)⟩ for every x and r, and likewise
	// ⟨conv_x(w), r⟩ = ⟨w, dw(r)⟩. Both sides are sums of the same
	// products in a different order, so they agree to rounding.
	rng := rand.New(rand.NewPCG(13, 14))
	for range 200 {
		g := randConvGeom(t, rng)
		x, w, r := randSlice(rng, g.InLen()), randSlice(rng, g.WeightLen()), randSlice(rng, g.OutLen())
		y := nanSlice(g.OutLen())
		ConvForward(g, x, w, nil, y)
		dx, dw := nanSlice(g.InLen()), nanSlice(g.WeightLen())
		ConvBackward(g, x, w, r, dx, dw, nil)
		lhs := dot(y, r)
		if rhs := dot(x, dx); !closeTo(lhs, rhs, 1e-12) {
			t.Fatalf("%+v: <conv(x), r> = %v but <x, dx(r)> = %v", g, lhs, rhs)
		}
		if rhs := dot(w, dw); !closeTo(lhs, rhs, 1e-12) {
			t.Fatalf("%+v: <conv(x), r> = %v but <w, dw(r)> = %v", g, lhs, rhs)
		}
	}
}

func TestChanAdjoint(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	for range 200 {
		g := randChanGeom(t, rng)
		x, w, r := randSlice(rng, g.InLen()), randSlice(rng, g.WeightLen()), randSlice(rng, g.OutLen())
		y := nanSlice(g.OutLen())
		ChanForward(g, x, w, y)
		dx, dw := nanSlice(g.InLen()), nanSlice(g.WeightLen())
		ChanBackward(g, x, w, r, dx, dw)
		lhs := dot(y, r)
		if rhs := dot(x, dx); !closeTo(lhs, rhs, 1e-12) {
			t.Fatalf("%+v: <chan(x), r> = %v but <x, dx(r)> = %v", g, lhs, rhs)
		}
		if rhs := dot(w, dw); !closeTo(lhs, rhs, 1e-12) {
			t.Fatalf("%+v: <chan(x), r> = %v but <w, dw(r)> = %v", g, lhs, rhs)
		}
	}
}

func TestBiasGradientIsOutputSum(t *testing.T) {
	// db[m] is the sum of dy over batch and pixels of channel m, and the
	// bias adds b[m] to every output of channel m.
	rng := rand.New(rand.NewPCG(17, 18))
	g := convGeom(t, geom.Conv{N: 3, C: 2, H: 3, W: 4, M: 3, KH: 2, KW: 2})
	x, w, b := randSlice(rng, g.InLen()), randSlice(rng, g.WeightLen()), randSlice(rng, g.M)
	y0, y1 := nanSlice(g.OutLen()), nanSlice(g.OutLen())
	ConvForward(g, x, w, nil, y0)
	ConvForward(g, x, w, b, y1)
	hw := g.OH * g.OW
	for i := range y0 {
		m := i / hw % g.M
		if !closeTo(y1[i]-y0[i], b[m], 1e-12) {
			t.Fatalf("bias: y[%d] − y_nobias = %v, want b[%d] = %v", i, y1[i]-y0[i], m, b[m])
		}
	}
	dy := randSlice(rng, g.OutLen())
	db := nanSlice(g.M)
	ConvBackward(g, x, w, dy, nil, nil, db)
	for m := range g.M {
		var want float64
		for n := range g.N {
			for p := range hw {
				want += dy[(n*g.M+m)*hw+p]
			}
		}
		if !closeTo(db[m], want, 1e-12) {
			t.Errorf("db[%d] = %v, want %v", m, db[m], want)
		}
	}
}
