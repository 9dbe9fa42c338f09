package kernel

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/convkit/convkit/internal/geom"
)

// TestIm2colDeinterleaved checks im2col, with and without deinterleaved
// rows (SW > 1), against its definition, and col2im (plain and
// deinterleaved) as its transpose, for chunks that start and end mid-row,
// whole planes, strides 1–4, dilations, odd widths and asymmetric padding.
func TestIm2colDeinterleaved(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, tc := range []struct{ c, h, w, k, s, d, pt, pb, pl, pr int }{
		{3, 17, 17, 3, 2, 1, 1, 1, 1, 1},
		{3, 16, 16, 3, 2, 1, 1, 1, 1, 1},
		{2, 13, 11, 5, 3, 1, 2, 1, 0, 2},
		{4, 9, 12, 3, 2, 2, 2, 2, 2, 2},
		{1, 7, 7, 7, 2, 1, 0, 3, 3, 0},
		{2, 10, 23, 2, 4, 1, 0, 0, 1, 0},
		{2, 9, 8, 3, 1, 2, 2, 1, 0, 3},
		{3, 5, 6, 3, 1, 1, 1, 1, 1, 1},
	} {
		g := geom.Conv{N: 1, C: tc.c, H: tc.h, W: tc.w, M: 1, KH: tc.k, KW: tc.k, SH: tc.s, SW: tc.s,
			PadT: tc.pt, PadB: tc.pb, PadL: tc.pl, PadR: tc.pr, DH: tc.d, DW: tc.d, G: 1}
		eff := (tc.k-1)*tc.d + 1
		g.OH, g.OW = (tc.h+tc.pt+tc.pb-eff)/tc.s+1, (tc.w+tc.pl+tc.pr-eff)/tc.s+1
		x := make([]float32, g.C*g.H*g.W)
		for i := range x {
			x[i] = float32(r.IntN(1000) + 1)
		}
		kk, p := g.C*g.KH*g.KW, g.OH*g.OW
		de := make([]float32, len(x))
		for _, pc := range []int{1, 5, g.OW + 3, p} {
			for p0 := 0; p0 < p; p0 += pc {
				pn := min(pc, p-p0)
				want, got := make([]float32, kk*pn), make([]float32, kk*pn)
				for i := range got {
					got[i] = -1
				}
				for q := range pn {
					oh, ow := (p0+q)/g.OW, (p0+q)%g.OW
					for c := range g.C {
						for i := range g.KH {
							for j := range g.KW {
								ih, iw := oh*g.SH-g.PadT+i*g.DH, ow*g.SW-g.PadL+j*g.DW
								if ih >= 0 && ih < g.H && iw >= 0 && iw < g.W {
									want[((c*g.KH+i)*g.KW+j)*pn+q] = x[(c*g.H+ih)*g.W+iw]
								}
							}
						}
					}
				}
				im2col(g, x, got, pn, p0, pn, nil)
				checkCol(t, tc, p0, pn, got, want)
				im2col(g, x, got, pn, p0, pn, de)
				checkCol(t, tc, p0, pn, got, want)
				// col2im is the transpose: <im2col(x), y> = <x, col2im(y)>.
				yv := make([]float32, kk*pn)
				for i := range yv {
					yv[i] = float32(r.IntN(7) - 3)
				}
				var lhs, rhs float64
				for i := range yv {
					lhs += float64(yv[i]) * float64(want[i])
				}
				for _, deMode := range []bool{false, true} {
					dx := make([]float32, len(x))
					col2im(g, yv, pn, dx, p0, pn, deMode)
					if deMode && g.SW > 1 {
						back := make([]float32, len(dx))
						for r := 0; r < len(dx); r += g.W {
							interleave(back[r:r+g.W], dx[r:r+g.W], g.SW)
						}
						dx = back
					}
					rhs = 0
					for i := range x {
						rhs += float64(dx[i]) * float64(x[i])
					}
					if lhs != rhs {
						t.Fatalf("%+v chunk [%d,+%d) de %v: <col, y> = %v, <x, col2im(y)> = %v", tc, p0, pn, deMode, lhs, rhs)
					}
				}
			}
		}
	}
}

func checkCol(t *testing.T, tc any, p0, pn int, got, want []float32) {
	t.Helper()
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("%+v chunk [%d,+%d): col[%d] = %v, want %v", tc, p0, pn, i, got[i], want[i])
		}
		got[i] = -1
	}
}

// TestDeinterleaveRoundTrip checks deinterleave, interleave and phaseShift
// against the definition for strides 1–5 and widths 1–12.
func TestDeinterleaveRoundTrip(t *testing.T) {
	for s := 1; s <= 5; s++ {
		for w := 1; w <= 12; w++ {
			src := make([]float32, w)
			for i := range src {
				src[i] = float32(i + 1)
			}
			d, back := make([]float32, w), make([]float32, w)
			deinterleave(d, src, s)
			interleave(back, d, s)
			for i := range src {
				if back[i] != src[i] {
					t.Fatalf("s=%d w=%d: round trip %v -> %v -> %v", s, w, src, d, back)
				}
			}
			for off := -3; off <= 6; off++ {
				fl, ps := phaseShift(off, s, w)
				for o := 0; o*s+off < w; o++ {
					if o*s+off < 0 {
						continue
					}
					if got := d[ps+o+fl]; got != src[o*s+off] {
						t.Fatalf("s=%d w=%d off=%d o=%d: %v, want %v", s, w, off, o, got, src[o*s+off])
					}
				}
			}
		}
	}
}

// TestPhasedModeBounds checks that the phase-split mode stays off where its
// phase planes would dwarf the input (FuzzSpec found a 1×1 convolution
// with stride 2^20 on a 4×4 map asking for 2^40 planes), and on for the
// strides real layers use.
func TestPhasedModeBounds(t *testing.T) {
	conv := func(h, k, s, pad int) geom.Conv {
		o := (h+2*pad-k)/s + 1
		return geom.Conv{N: 2, C: 2, H: h, W: h, M: 3, KH: k, KW: k, SH: s, SW: s, PadT: pad, PadB: pad, PadL: pad, PadR: pad,
			DH: 1, DW: 1, G: 1, OH: o, OW: o}
	}
	for _, tc := range []struct {
		g      geom.Conv
		phased bool
	}{
		{conv(4, 1, 1<<20, 0), false},
		{conv(9, 3, 9, 0), false},
		{conv(28, 3, 2, 1), true},
		{conv(17, 5, 4, 2), true},
		{conv(7, 3, 1, 1), true}, // small stride-1 plane
	} {
		k := NewIm2col(tc.g, 1)
		if got := k.ipc > 0; got != tc.phased {
			t.Errorf("stride %d on %d×%d: phase mode %v, want %v", tc.g.SH, tc.g.H, tc.g.W, got, tc.phased)
		}
	}
}

// TestBackwardDeterministic checks that the GEMM-based backward passes,
// whose work items go to the team's parts dynamically, give the same bits
// on every call, in each mode (phase split, padded width, classic im2col,
// pointwise): each item's weight gradient has a slot of its own, summed in
// item order. Accumulating per part instead would make dW depend on which
// part claimed which item, and the repeated calls (with a worker slowed on
// some of them) would then disagree in the last bits.
func TestBackwardDeterministic(t *testing.T) {
	conv := func(n, c, h, m, k, s, pad int) geom.Conv {
		o := (h+2*pad-k)/s + 1
		return geom.Conv{N: n, C: c, H: h, W: h, M: m, KH: k, KW: k, SH: s, SW: s,
			PadT: pad, PadB: pad, PadL: pad, PadR: pad, DH: 1, DW: 1, G: 1, OH: o, OW: o}
	}
	defer SetParallelThreshold(SetParallelThreshold(0))
	for _, tc := range []struct {
		name string
		g    geom.Conv
		mode func(k *Im2col) bool
	}{
		{"phased", conv(16, 5, 14, 7, 3, 2, 1), func(k *Im2col) bool { return k.ipc > 0 }},
		{"padded", conv(8, 5, 20, 7, 3, 1, 1), func(k *Im2col) bool { return k.padded }},
		{"classic", conv(8, 3, 5, 4, 3, 1, 12), func(k *Im2col) bool { return !k.padded && k.ipc == 0 }},
		{"pointwise", conv(8, 6, 30, 5, 1, 1, 0), nil},
	} {
		t.Run(tc.name, func(t *testing.T) { checkDeterministic(t, tc.g, tc.mode) })
	}
}

// checkDeterministic runs the backward pass of g 50 times (pointwise when
// mode is nil, else Im2col, which mode must accept) and checks that dW and
// dX keep the bits of the first call.
func checkDeterministic(t *testing.T, g geom.Conv, mode func(k *Im2col) bool) {
	var k interface {
		Backward(x, w, dy, dx, dw, db []float32)
	}
	items := 0
	if mode == nil {
		pk := NewPointwise(g, 3)
		if pk.batched {
			t.Fatal("pointwise geometry batched")
		}
		k, items = pk, pk.items()
	} else {
		ik := NewIm2col(g, 3)
		if !mode(ik) {
			t.Fatal("geometry not in its mode")
		}
		k, items = ik, ik.items()
	}
	if items < 6 {
		t.Fatalf("%d items, want ≥ 6", items)
	}
	r := rand.New(rand.NewPCG(3, 4))
	x, w, dy := random(r, g.InLen()), random(r, g.WeightLen()), random(r, g.OutLen())
	want, wantDX := make([]float32, g.WeightLen()), make([]float32, g.InLen())
	k.Backward(x, w, dy, wantDX, want, nil)
	dw, dx := make([]float32, g.WeightLen()), make([]float32, g.InLen())
	for i := range 50 {
		if i%5 == 0 {
			// Keep a core busy for a while so that the parts claim
			// different items than before.
			go func() {
				end := time.Now().Add(200 * time.Microsecond)
				for time.Now().Before(end) {
				}
			}()
		}
		k.Backward(x, w, dy, dx, dw, nil)
		for j := range dw {
			if math.Float32bits(dw[j]) != math.Float32bits(want[j]) {
				t.Fatalf("call %d: dw[%d] = %v, first call %v", i, j, dw[j], want[j])
			}
		}
		for j := range dx {
			if math.Float32bits(dx[j]) != math.Float32bits(wantDX[j]) {
				t.Fatalf("call %d: dx[%d] = %v, first call %v", i, j, dx[j], wantDX[j])
			}
		}
	}
}
