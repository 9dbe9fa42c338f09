package asm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// withAVX512 runs f with the assembly on and the AVX-512 kernels on or
// off, restoring both switches afterwards.
func withAVX512(on bool, f func()) {
	prev, prev512 := SetUseAsm(true), SetUseAVX512(on)
	defer func() { SetUseAsm(prev); SetUseAVX512(prev512) }()
	f()
}

func sameBits(t *testing.T, what string, got, want []float32) {
	t.Helper()
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s: element %d = %v (%#x), want %v (%#x)", what, i, got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
		}
	}
}

// TestAVX512BitIdentical checks the promise of kernel512_amd64.s: every
// AVX-512 GEMM kernel gives the bits of its AVX2 twin — Sgemm6x32 and
// Sgemm2x32 those of two Sgemm6x16 / Sgemm2x16 calls, Sgemm6x49 those of
// Sgemm6x48 and Sgemm6x1, Sgemm6x36 those of Sgemm6x32 and Sgemm6x8, the
// row-table kernels those of the AVX2 row-table kernels for every tile count (pairs
// and a lone last tile) — including the beta paths, NaN in an unread C and
// the guard values around the tile.
func TestAVX512BitIdentical(t *testing.T) {
	requireAsm(t)
	if !HasAVX512 {
		t.Skip("no AVX-512 on this build/CPU")
	}
	r := rand.New(rand.NewPCG(5, 12))
	negZero := float32(math.Copysign(0, -1))
	for _, kc := range []int{0, 1, 2, 3, 5, 16, 63, 192, 256} {
		for _, ab := range [][2]float32{{1, 0}, {1, 1}, {-0.5, 2}, {2, negZero}} {
			alpha, beta := ab[0], ab[1]
			const ldc = 53
			a, b := randSlice(r, MR*kc+2), randSlice(r, 2*NR*kc)
			b3 := randSlice(r, 3*NR*kc)
			out36 := (MR-1)*ldc + 3*NR + 9 // Sgemm6x36's column sums (8 per column), guards past them
			c0 := randSlice(r, out36+MR*8+3)
			if beta == 0 {
				for i := range c0 {
					c0[i] = float32(math.NaN())
				}
			}
			pf := randSlice(r, 8)
			b1 := randSlice(r, NR*kc+1)
			out := (MR-1)*ldc + 3*NR + 1 // Sgemm6x49's column sums: past the tile, guards on both sides
			for _, cl := range []struct {
				name      string
				wide, ref func(c []float32)
			}{
				{"6x16", func(c []float32) { Sgemm6x16(kc, a, b, c, ldc, alpha, beta) }, nil},
				{"6x16pf", func(c []float32) { Sgemm6x16Prefetch(kc, a, b, c, ldc, alpha, beta, pf, 99) }, nil},
				{"6x32", func(c []float32) { Sgemm6x32(kc, a, b, c, ldc, alpha, beta, pf, 99) }, func(c []float32) {
					Sgemm6x16(kc, a, b, c, ldc, alpha, beta)
					Sgemm6x16(kc, a, b[NR*kc:], c[NR:], ldc, alpha, beta)
				}},
				{"6x48", func(c []float32) { Sgemm6x48(kc, a, b3, c, ldc, alpha, beta) }, func(c []float32) {
					for q := range 3 {
						Sgemm6x16(kc, a, b3[q*NR*kc:], c[q*NR:], ldc, alpha, beta)
					}
				}},
				{"6x49", func(c []float32) { Sgemm6x49(kc, a, b3, c, ldc, alpha, beta, b1, 1, c[out:]) }, func(c []float32) {
					Sgemm6x48(kc, a, b3, c, ldc, alpha, beta)
					Sgemm6x1(kc, a, b1, 1, c[out:])
				}},
				{"6x49/ldb1=16", func(c []float32) { Sgemm6x49(kc, a, b3, c, ldc, alpha, beta, b1, NR, c[out:]) }, func(c []float32) {
					Sgemm6x48(kc, a, b3, c, ldc, alpha, beta)
					Sgemm6x1(kc, a, b1, NR, c[out:])
				}},
				{"6x36", func(c []float32) { Sgemm6x36(kc, a, b, c, ldc, alpha, beta, b1, c[out36:]) }, func(c []float32) {
					Sgemm6x32(kc, a, b, c, ldc, alpha, beta, nil, 0)
					var t [MR * NR]float32
					Sgemm6x8(kc, a, b1, NR, t[:], NR, 1, 0)
					for j := range 4 {
						for i := range MR {
							c[out36+8*j+i] = t[NR*i+j]
						}
					}
				}},
				{"2x32", func(c []float32) { Sgemm2x32(kc, a[2:], b, c, ldc, alpha, beta) }, func(c []float32) {
					Sgemm2x16(kc, a[2:], b, c, ldc, alpha, beta)
					Sgemm2x16(kc, a[2:], b[NR*kc:], c[NR:], ldc, alpha, beta)
				}},
			} {
				ref := cl.ref
				if ref == nil {
					ref = cl.wide
				}
				got, want := append([]float32(nil), c0...), append([]float32(nil), c0...)
				withAVX512(true, func() { cl.wide(got) })
				withAVX512(false, func() { ref(want) })
				sameBits(t, fmt.Sprintf("%s kc=%d alpha=%v beta=%v", cl.name, kc, alpha, beta), got, want)
			}
		}
	}
	// Sgemm4x16Rows against two Sgemm2x16Rows calls (AVX2).
	for _, kc := range []int{1, 2, 3, 28, 288} {
		for nb := 1; nb <= 8; nb++ { // triples, a pair, a single tile
			b := randSlice(r, NR*nb+42)
			off := make([]int, kc)
			for p := range off {
				off[p] = r.IntN(40)
			}
			rows, a, ldc := NewRows(off), randSlice(r, MR*kc), NR*nb+3
			got, want := make([]float32, 4*ldc+3), make([]float32, 4*ldc+3)
			withAVX512(true, func() { Sgemm4x16Rows(a, b, rows, 2, nb, got, ldc) })
			withAVX512(false, func() {
				Sgemm2x16Rows(a, b, rows, 2, nb, want, ldc)
				Sgemm2x16Rows(a[2:], b, rows, 2, nb, want[2*ldc:], ldc)
			})
			sameBits(t, fmt.Sprintf("4x16Rows vs 2x 2x16Rows kc=%d nb=%d", kc, nb), got, want)
		}
	}
	for _, kc := range []int{1, 2, 3, 9, 27, 288} {
		for nb := 1; nb <= 7; nb++ { // quads, triples, pairs and single tiles
			b := randSlice(r, NR*nb+50)
			off := make([]int, kc)
			for p := range off {
				off[p] = r.IntN(45)
			}
			rows := NewRows(off)
			a := randSlice(r, MR*kc)
			ldc := NR*nb + 5
			for _, k := range []struct {
				name string
				f    func(a, b []float32, rows Rows, col, nb int, c []float32, ldc int)
				a    []float32
			}{{"6x16Rows", Sgemm6x16Rows, a}, {"2x16Rows", Sgemm2x16Rows, a[4:]}, {"4x16Rows", Sgemm4x16Rows, a[2:]}} {
				got, want := randSlice(r, MR*ldc), make([]float32, MR*ldc)
				copy(want, got)
				withAVX512(true, func() { k.f(k.a, b, rows, 3, nb, got, ldc) })
				withAVX512(false, func() { k.f(k.a, b, rows, 3, nb, want, ldc) })
				sameBits(t, fmt.Sprintf("%s kc=%d nb=%d", k.name, kc, nb), got, want)
			}
		}
	}
}

func TestSgemmWidePanics(t *testing.T) {
	a, b, c := make([]float32, 6*4), make([]float32, 32*4), make([]float32, 5*32+32)
	mustPanic(t, "6x32 short b", func() { Sgemm6x32(4, a, b[:127], c, 32, 1, 0, nil, 0) })
	mustPanic(t, "6x32 ldc", func() { Sgemm6x32(4, a, b, c, 31, 1, 0, nil, 0) })
	mustPanic(t, "6x32 short c", func() { Sgemm6x32(4, a, b, c[:191], 32, 1, 0, nil, 0) })
	mustPanic(t, "2x32 short c", func() { Sgemm2x32(4, a, b, c[:63], 32, 1, 0) })
	mustPanic(t, "2x32 kc<0", func() { Sgemm2x32(-1, a, b, c, 32, 1, 0) })
	b3, c3, out := make([]float32, 48*4), make([]float32, 5*48+48), make([]float32, 6)
	mustPanic(t, "6x49 short b1", func() { Sgemm6x49(4, a, b3, c3, 48, 1, 0, make([]float32, 3*16), 16, out) })
	mustPanic(t, "6x49 short out", func() { Sgemm6x49(4, a, b3, c3, 48, 1, 0, make([]float32, 4), 1, out[:5]) })
	mustPanic(t, "6x49 ldb1", func() { Sgemm6x49(4, a, b3, c3, 48, 1, 0, make([]float32, 4), 0, out) })
	mustPanic(t, "6x49 short c", func() { Sgemm6x49(4, a, b3, c3[:287], 48, 1, 0, make([]float32, 4), 1, out) })
}

// BenchmarkSgemmWide: the one-, two- and three-panel kernels (6×16, 6×32,
// 6×48) on L1-resident data (kc = 192, the depth block of a 576-deep
// GEMM), with each kernel set (with AVX2 the wider ones are 6×16 calls).
func BenchmarkSgemmWide(b *testing.B) {
	requireAsm(b)
	r := rand.New(rand.NewPCG(1, 1))
	const kc = 192
	a, bb, c := randSlice(r, MR*kc), randSlice(r, 3*NR*kc), make([]float32, MR*3*NR)
	kernels := []struct {
		panels int
		f      func()
	}{
		{1, func() { Sgemm6x16(kc, a, bb, c, 3*NR, 1, 0) }},
		{2, func() { Sgemm6x32(kc, a, bb, c, 3*NR, 1, 0, nil, 0) }},
		{3, func() { Sgemm6x48(kc, a, bb, c, 3*NR, 1, 0) }},
	}
	for _, impl := range []string{"avx2", "avx512"} {
		for _, k := range kernels {
			b.Run(fmt.Sprintf("%s/6x%d", impl, NR*k.panels), func(b *testing.B) {
				if impl == "avx512" && !HasAVX512 {
					b.Skip("no AVX-512")
				}
				withAVX512(impl == "avx512", func() {
					for b.Loop() {
						k.f()
					}
				})
				b.ReportMetric(float64(2*MR*NR*k.panels*kc)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}

// TestDwAVX512BitIdentical: the AVX-512 3×3 stride-1 depthwise row kernel
// gives the bits of the AVX2 one for every row length (64-, 16-wide and
// masked parts, the redone last vector), both pads, accumulating or not,
// with guard values after each output row.
func TestDwAVX512BitIdentical(t *testing.T) {
	requireAsm(t)
	if !HasAVX512 {
		t.Skip("no AVX-512 on this build/CPU")
	}
	r := rand.New(rand.NewPCG(8, 1))
	w := randSlice(r, 9)
	for n := 1; n <= 150; n++ {
		for _, rows := range []int{1, 3} {
			for flags := range 8 {
				acc, padL, padR := flags&1 != 0, flags&2 != 0, flags&4 != 0
				if n < b2i(padL)+b2i(padR) {
					continue
				}
				xs, ys := n+2+r.IntN(3), n+r.IntN(5)
				x := randSlice(r, (rows+2)*xs+n+2)
				y0 := randSlice(r, rows*ys+9)
				run := func(on bool) []float32 {
					y := append([]float32(nil), y0...)
					withAVX512(on, func() {
						if padL || padR {
							DwConv3x3S1Pad(w, x, x[xs:], x[2*xs:], xs, y, ys, rows, n, padL, padR, 0.25, acc)
						} else {
							DwConv3x3S1(w, x, xs, y, ys, rows, n, 0.25, acc)
						}
					})
					return y
				}
				sameBits(t, fmt.Sprintf("n=%d rows=%d acc=%v padL=%v padR=%v", n, rows, acc, padL, padR), run(true), run(false))
			}
		}
	}
}

// TestDwSameBitIdentical: DwConv3x3S1Same with AVX-512 gives the bits of
// the AVX2 row kernel on a zero-padded copy of the plane (the flat layout
// it replaces), for every width 1–16, heights 1–9, 14 and 17, bias or
// accumulation, with guard values after the plane; the Go twin agrees
// within rounding.
func TestDwSameBitIdentical(t *testing.T) {
	requireAsm(t)
	r := rand.New(rand.NewPCG(2, 4))
	w := randSlice(r, 9)
	for wd := 1; wd <= 16; wd++ {
		for _, h := range []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 14, 17} {
			for _, acc := range []bool{false, true} {
				x := randSlice(r, h*wd)
				y0 := randSlice(r, h*wd+5)
				// The reference: the plane zero padded, the row kernel with AVX2.
				wp := wd + 2
				pad := make([]float32, (h+2)*wp+2)
				for i := range h {
					copy(pad[(i+1)*wp+1:], x[i*wd:(i+1)*wd])
				}
				want := append([]float32(nil), y0...)
				withAVX512(false, func() { DwConv3x3S1(w, pad, wp, want, wd, h, wd, 0.5, acc) })
				what := fmt.Sprintf("wd=%d h=%d acc=%v", wd, h, acc)
				if HasAVX512 {
					got := append([]float32(nil), y0...)
					withAVX512(true, func() { DwConv3x3S1Same(w, x, h, wd, got, 0.5, acc) })
					sameBits(t, what, got, want)
				}
				gen := append([]float32(nil), y0...)
				DwConv3x3S1SameGeneric(w, x, h, wd, gen, 0.5, acc)
				for i := range gen {
					if math.Abs(float64(gen[i]-want[i])) > 1e-5 {
						t.Fatalf("%s generic: y[%d] = %v, want %v", what, i, gen[i], want[i])
					}
				}
			}
		}
	}
	mustPanic(t, "wd 17", func() { DwConv3x3S1Same(w, make([]float32, 17), 1, 17, make([]float32, 17), 0, false) })
}

// TestChanRows4AVX512BitIdentical: the AVX-512 form of ChanRows4 gives the
// AVX2 form's bits for row lengths 1–100 (32- and 16-wide steps, the
// redone last vector, masked tails), 1–9 taps, overwriting or
// accumulating, with guard values past each filter's row.
func TestChanRows4AVX512BitIdentical(t *testing.T) {
	requireAsm(t)
	if !HasAVX512 {
		t.Skip("no AVX-512 on this build/CPU")
	}
	r := rand.New(rand.NewPCG(4, 4))
	for n := 1; n <= 100; n++ {
		for _, taps := range []int{1, 2, 5, 9} {
			for _, acc := range []bool{false, true} {
				ps, yf, wf := n+3, n+5, taps+1
				x, w := randSlice(r, taps*ps+n), randSlice(r, 3*wf+taps)
				y0 := randSlice(r, 3*yf+n+7)
				got, want := append([]float32(nil), y0...), append([]float32(nil), y0...)
				withAVX512(true, func() { ChanRows4(got, yf, x, ps, w, wf, taps, n, acc) })
				withAVX512(false, func() { ChanRows4(want, yf, x, ps, w, wf, taps, n, acc) })
				sameBits(t, fmt.Sprintf("n=%d taps=%d acc=%v", n, taps, acc), got, want)
			}
		}
	}
}
