package asm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"testing"
)

const eps32 = 1.0 / (1 << 23) // float32 machine epsilon

// tol is the allowed |got-want| for a length-k dot product whose terms have
// absolute sum mag: 4·k·eps32·mag (the classical γ_k bound with slack for
// FMA-vs-separate rounding and different summation orders), plus a tiny
// absolute floor for exact-zero cases.
func tol(k int, mag float64) float64 { return 4*float64(k+1)*eps32*mag + 1e-30 }

func randSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.Float64()*2 - 1)
	}
	return s
}

func requireAsm(t testing.TB) {
	if !HasAVX2FMA {
		t.Skip("no AVX2+FMA assembly on this build/CPU")
	}
}

func TestEnvAndSwitch(t *testing.T) {
	if os.Getenv(EnvImpl) == "generic" && UsingAsm() {
		t.Fatal("CONVKIT_IMPL=generic but asm in use")
	}
	prev := SetUseAsm(false)
	if UsingAsm() {
		t.Fatal("SetUseAsm(false) did not switch")
	}
	SetUseAsm(true)
	if UsingAsm() != HasAVX2FMA {
		t.Fatal("SetUseAsm(true) must follow HasAVX2FMA")
	}
	SetUseAsm(prev)
}

func TestSgemm6x16(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, kc := range []int{0, 1, 2, 3, 4, 5, 7, 8, 9, 16, 31, 64, 255, 256, 513} {
		for _, ldc := range []int{16, 17, 40} {
			for _, ab := range [][2]float32{{1, 0}, {1, 1}, {-0.5, 2}, {2, float32(math.Copysign(0, -1))}, {0, 0.5}} {
				alpha, beta := ab[0], ab[1]
				a := randSlice(r, 6*kc)
				b := randSlice(r, 16*kc)
				clen := 5*ldc + 16 + 7 // guard tail
				c0 := randSlice(r, clen)
				if beta == 0 {
					for i := range c0 {
						c0[i] = float32(math.NaN())
					}
				}
				pf := randSlice(r, 64) // prefetch target; the hints run past its end
				for variant := range 4 {
					useA := variant&1 != 0
					if useA && !HasAVX2FMA {
						continue
					}
					prev := SetUseAsm(useA)
					got := make([]float32, clen)
					copy(got, c0)
					if variant < 2 {
						Sgemm6x16(kc, a, b, got, ldc, alpha, beta)
					} else {
						Sgemm6x16Prefetch(kc, a, b, got, ldc, alpha, beta, pf, 1000)
					}
					SetUseAsm(prev)
					checkTile(t, fmt.Sprintf("6x16 kc=%d ldc=%d alpha=%v beta=%v asm=%v variant=%d", kc, ldc, alpha, beta, useA, variant),
						got, c0, ldc, 6, 16, kc, a, b, 16, alpha, beta)
				}
			}
		}
	}
}

func TestSgemm6x16Panics(t *testing.T) {
	a, b, c := make([]float32, 6*4), make([]float32, 16*4), make([]float32, 5*16+16)
	mustPanic(t, "short a", func() { Sgemm6x16(5, a, make([]float32, 16*5), c, 16, 1, 0) })
	mustPanic(t, "short b", func() { Sgemm6x16(4, a, b[:63], c, 16, 1, 0) })
	mustPanic(t, "short c", func() { Sgemm6x16(4, a, b, c[:95], 16, 1, 0) })
	mustPanic(t, "ldc", func() { Sgemm6x16(4, a, b, c, 15, 1, 0) })
	mustPanic(t, "kc<0", func() { Sgemm6x16(-1, a, b, c, 16, 1, 0) })
}

var vecLens = []int{0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 1000, 1031}

func impls(t *testing.T, f func(t *testing.T)) {
	for _, impl := range []string{"generic", "avx2", "avx512"} {
		t.Run(impl, func(t *testing.T) {
			useA, use512 := impl != "generic", impl == "avx512"
			if useA {
				requireAsm(t)
			}
			if use512 && !HasAVX512 {
				t.Skip("no AVX-512 on this build/CPU")
			}
			prev, prev512 := SetUseAsm(useA), SetUseAVX512(use512)
			defer func() { SetUseAsm(prev); SetUseAVX512(prev512) }()
			f(t)
		})
	}
}

func TestAxpy(t *testing.T) {
	impls(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(3, 4))
		for _, n := range vecLens {
			x := randSlice(r, n)
			y0 := randSlice(r, n+5) // y longer than x: tail must stay
			y := append([]float32(nil), y0...)
			Axpy(0.75, x, y)
			for i := range y {
				if i >= n {
					if math.Float32bits(y[i]) != math.Float32bits(y0[i]) {
						t.Fatalf("n=%d: y[%d] beyond len(x) modified", n, i)
					}
					continue
				}
				want := float64(y0[i]) + 0.75*float64(x[i])
				if math.Abs(float64(y[i])-want) > 2*eps32*(math.Abs(float64(y0[i]))+math.Abs(float64(x[i]))) {
					t.Fatalf("n=%d i=%d got %v want %v", n, i, y[i], want)
				}
			}
		}
	})
}

func TestDot(t *testing.T) {
	impls(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(5, 6))
		for _, n := range vecLens {
			x, y := randSlice(r, n), randSlice(r, n+3)
			var s, mag float64
			for i := range n {
				s += float64(x[i]) * float64(y[i])
				mag += math.Abs(float64(x[i]) * float64(y[i]))
			}
			if got := Dot(x, y); math.Abs(float64(got)-s) > tol(n, mag) {
				t.Fatalf("n=%d got %v want %v", n, got, s)
			}
		}
	})
}

func TestElementwise(t *testing.T) {
	nan := float32(math.NaN())
	negz := float32(math.Copysign(0, -1))
	impls(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(7, 8))
		for _, n := range vecLens {
			x0 := randSlice(r, n+4)
			if n > 2 {
				x0[0], x0[1] = nan, negz
			}
			type op struct {
				name string
				f    func([]float32)
				ref  func(float32) float32
			}
			ops := []op{
				{"Scale", func(x []float32) { Scale(-1.5, x) }, func(v float32) float32 { return v * -1.5 }},
				{"AddBias", func(x []float32) { AddBias(0.25, x) }, func(v float32) float32 { return v + 0.25 }},
				{"AddBiasRelu", func(x []float32) { AddBiasRelu(0.1, x) }, func(v float32) float32 {
					v += 0.1
					if v < 0 {
						v = 0
					}
					return v
				}},
				{"Relu-negzero", func(x []float32) { AddBiasRelu(negz, x) }, func(v float32) float32 {
					v += negz
					if v < 0 {
						v = 0
					}
					return v
				}},
			}
			for _, o := range ops {
				x := append([]float32(nil), x0...)
				o.f(x[:n])
				for i := range x {
					want := x0[i]
					if i < n {
						want = o.ref(x0[i])
					}
					if math.Float32bits(x[i]) != math.Float32bits(want) {
						t.Fatalf("%s n=%d i=%d: got %v (%#x) want %v (%#x)", o.name, n, i, x[i], math.Float32bits(x[i]), want, math.Float32bits(want))
					}
				}
			}
		}
	})
}

// BenchmarkSgemm6x16 runs the micro-kernel on L1-resident panels (kc=256):
// an upper bound for what the blocked GEMM can reach.
func BenchmarkSgemm6x16(b *testing.B) {
	for _, useA := range []bool{true, false} {
		name := "generic"
		if useA {
			name = "asm"
		}
		b.Run(name, func(b *testing.B) {
			if useA {
				requireAsm(b)
			}
			prev := SetUseAsm(useA)
			defer SetUseAsm(prev)
			const kc = 256
			r := rand.New(rand.NewPCG(1, 1))
			a, bb, c := randSlice(r, 6*kc), randSlice(r, 16*kc), make([]float32, 6*16)
			for b.Loop() {
				Sgemm6x16(kc, a, bb, c, 16, 1, 1)
			}
			b.ReportMetric(float64(2*6*16*kc)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

func BenchmarkAxpy1024(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	x, y := randSlice(r, 1024), randSlice(r, 1024)
	for b.Loop() {
		Axpy(1e-3, x, y)
	}
	b.ReportMetric(2*1024*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

func BenchmarkDot1024(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	x, y := randSlice(r, 1024), randSlice(r, 1024)
	var s float32
	for b.Loop() {
		s += Dot(x, y)
	}
	_ = s
	b.ReportMetric(2*1024*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

func TestPackNR(t *testing.T) {
	impls(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(9, 9))
		for _, npan := range []int{0, 1, 2, 3, 7} {
			for _, stride := range []int{16, 20, 64} {
				src := randSlice(r, npan*16+3)
				n := max(0, (npan-1)*stride+16) + 5
				dst := make([]float32, n)
				for i := range dst {
					dst[i] = -7
				}
				PackNR(dst, stride, src, npan)
				for i, v := range dst {
					want := float32(-7)
					if jp, j := i/stride, i%stride; jp < npan && j < 16 {
						want = src[jp*16+j]
					}
					if v != want {
						t.Fatalf("npan=%d stride=%d: dst[%d]=%v want %v", npan, stride, i, v, want)
					}
				}
			}
		}
	})
}

func TestPackPanelNR(t *testing.T) {
	impls(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(10, 10))
		for _, kc := range []int{0, 1, 2, 5, 64} {
			for _, ld := range []int{16, 17, 40} {
				src := randSlice(r, max(0, (kc-1)*ld+16))
				dst := make([]float32, kc*16+4)
				for i := range dst {
					dst[i] = -7
				}
				PackPanelNR(kc, dst, src, ld)
				for i, v := range dst {
					want := float32(-7)
					if i < kc*16 {
						want = src[(i/16)*ld+i%16]
					}
					if v != want {
						t.Fatalf("kc=%d ld=%d: dst[%d]=%v want %v", kc, ld, i, v, want)
					}
				}
			}
		}
	})
}

func TestPackMR(t *testing.T) {
	impls(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(11, 11))
		for _, kc := range []int{0, 1, 2, 7, 8, 9, 10, 16, 17, 25, 256} {
			for _, ld := range []int{kc + 1, kc + 13} {
				src := randSlice(r, 5*ld+kc)
				dst := make([]float32, 6*kc+9)
				for i := range dst {
					dst[i] = -7
				}
				PackMR(kc, dst, src, ld)
				for i, v := range dst {
					want := float32(-7)
					if i < 6*kc {
						want = src[(i%6)*ld+i/6]
					}
					if v != want {
						t.Fatalf("kc=%d ld=%d: dst[%d]=%v want %v", kc, ld, i, v, want)
					}
				}
			}
		}
	})
}

// TestSgemm2x16: the two-row packed kernel against float64 sums for depths
// around the two-step loop, alpha/beta (beta = 0 must not read C, here
// NaN), a starting mid-panel, and guards around the two C rows.
func TestSgemm2x16(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 13))
	for _, kc := range []int{0, 1, 2, 3, 8, 31, 192} {
		for _, ldc := range []int{16, 21} {
			for _, ab := range [][2]float32{{1, 0}, {1, 1}, {-0.5, 2}} {
				alpha, beta := ab[0], ab[1]
				panel := randSlice(r, 6*kc+4)
				a := panel[2:] // rows 2 and 3 of each k step
				b := randSlice(r, 16*kc)
				c0 := randSlice(r, 2*ldc+5)
				if beta == 0 {
					for i := 0; i < 2; i++ {
						for j := range 16 {
							c0[i*ldc+j] = float32(math.NaN())
						}
					}
				}
				for _, useA := range []bool{false, true} {
					if useA && !HasAVX2FMA {
						continue
					}
					prev := SetUseAsm(useA)
					got := append([]float32(nil), c0...)
					Sgemm2x16(kc, a, b, got, ldc, alpha, beta)
					SetUseAsm(prev)
					checkTile(t, fmt.Sprintf("2x16 kc=%d ldc=%d asm=%v", kc, ldc, useA), got, c0, ldc, 2, 16, kc, a, b, 16, alpha, beta)
				}
			}
		}
	}
}

func TestSgemm6x8(t *testing.T) {
	r := rand.New(rand.NewPCG(12, 12))
	for _, kc := range []int{0, 1, 2, 3, 4, 5, 8, 31, 256, 257} {
		for _, ld := range [][2]int{{8, 8}, {16, 16}, {13, 21}} {
			ldb, ldc := ld[0], ld[1]
			for _, ab := range [][2]float32{{1, 0}, {1, 1}, {-0.5, 2}} {
				alpha, beta := ab[0], ab[1]
				a := randSlice(r, 6*kc)
				b := randSlice(r, max(0, (kc-1)*ldb+8))
				clen := 5*ldc + 8 + 5
				c0 := randSlice(r, clen)
				if beta == 0 {
					for i := range c0 {
						c0[i] = float32(math.NaN())
					}
				}
				for _, useA := range []bool{false, true} {
					if useA && !HasAVX2FMA {
						continue
					}
					prev := SetUseAsm(useA)
					got := append([]float32(nil), c0...)
					Sgemm6x8(kc, a, b, ldb, got, ldc, alpha, beta)
					SetUseAsm(prev)
					checkTile(t, fmt.Sprintf("6x8 kc=%d ldb=%d ldc=%d asm=%v", kc, ldb, ldc, useA), got, c0, ldc, 6, 8, kc, a, b, ldb, alpha, beta)
				}
			}
		}
	}
}

func TestPackPanelNRTrans(t *testing.T) {
	impls(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(13, 13))
		for _, kc := range []int{0, 1, 3, 7, 8, 9, 16, 23, 256} {
			for _, ld := range []int{kc + 1, kc + 9} {
				src := randSlice(r, 15*ld+kc)
				dst := make([]float32, 16*kc+5)
				for i := range dst {
					dst[i] = -7
				}
				PackPanelNRTrans(kc, dst, src, ld)
				for i, v := range dst {
					want := float32(-7)
					if i < 16*kc {
						want = src[(i%16)*ld+i/16]
					}
					if v != want {
						t.Fatalf("kc=%d ld=%d: dst[%d]=%v want %v", kc, ld, i, v, want)
					}
				}
			}
		}
	})
}

// TestSgemm6x16Rows checks the row-table micro-kernel against a float64
// sum: several tiles per call, B rows anywhere in b (the last one ending
// exactly at the end of the slice read), C rows with guard values between
// and after them that must stay untouched.
// TestSgemmRows checks the row-table kernels, 6 rows and 2 rows (a
// pointing into the middle of a 6-row panel), against float64 sums: odd
// and even depths (the 2-row kernel's even/odd chains), a source ending
// exactly at the last value read, and guards around the C rows.
func TestSgemmRows(t *testing.T) {
	const guard = -7
	for _, kern := range []struct {
		name   string
		r, row int // rows computed, first row of the panel
		f      func(a, b []float32, rows Rows, col, nb int, c []float32, ldc int)
	}{{"6x16", MR, 0, Sgemm6x16Rows}, {"2x16", 2, 4, Sgemm2x16Rows}} {
		impls(t, func(t *testing.T) {
			r := rand.New(rand.NewPCG(6, 6))
			for _, kc := range []int{1, 2, 3, 5, 8, 27, 64, 288} {
				for nb := 1; nb <= 4; nb++ {
					col := r.IntN(5)
					b := randSlice(r, NR*nb+col+40)
					off := make([]int, kc)
					for p := range off {
						off[p] = r.IntN(41)
					}
					off[kc-1] = 40 // reaches the end of b exactly
					a := randSlice(r, MR*kc)[kern.row:]
					ldc := NR*nb + 3
					c := make([]float32, kern.r*ldc+5)
					for i := range c {
						c[i] = guard
					}
					kern.f(a, b, NewRows(off), col, nb, c, ldc)
					for i, v := range c {
						row, x := i/ldc, i%ldc
						if row >= kern.r || x >= NR*nb {
							if v != guard {
								t.Fatalf("%s kc %d nb %d: c[%d] = %v, want the guard", kern.name, kc, nb, i, v)
							}
							continue
						}
						var want float64
						for p := range kc {
							want += float64(a[p*MR+row]) * float64(b[off[p]+col+x])
						}
						if math.Abs(float64(v)-want) > 1e-5*float64(kc+1) {
							t.Fatalf("%s kc %d nb %d: c[%d][%d] = %v, want %v", kern.name, kc, nb, row, x, v, want)
						}
					}
				}
			}
		})
	}
	mustPanic(t, "2x16 with a C of one row", func() {
		Sgemm2x16Rows(make([]float32, 6), make([]float32, 32), NewRows([]int{0}), 0, 1, make([]float32, 20), 16)
	})
}

// BenchmarkSgemmRows: the row-table kernels on L1-resident data (B rows
// in three 1,000-value planes), GFLOP/s: six rows at 27 taps (a first
// layer) and at S1's 576, four rows (the last rows of a 64-channel
// layer) at 576, two rows (G1's 32-channel groups) at 288.
func BenchmarkSgemmRows(b *testing.B) {
	requireAsm(b)
	for _, bm := range []struct {
		name      string
		r, kc, nb int
		f         func(a, b []float32, rows Rows, col, nb int, c []float32, ldc int)
	}{
		{"6x16/taps=27", MR, 27, 7, Sgemm6x16Rows},
		{"6x16/taps=576", MR, 576, 7, Sgemm6x16Rows},
		{"4x16/taps=576", 4, 576, 7, Sgemm4x16Rows},
		{"2x16/taps=288", 2, 288, 8, Sgemm2x16Rows},
	} {
		b.Run(bm.name, func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 1))
			src := randSlice(r, 3*1024)
			off := make([]int, bm.kc)
			for p := range off {
				off[p] = (p%3)*1000 + (p/3)*113%800
			}
			a, c := randSlice(r, MR*bm.kc), make([]float32, bm.r*bm.nb*NR)
			rows := NewRows(off)
			for b.Loop() {
				bm.f(a, src, rows, 0, bm.nb, c, bm.nb*NR)
			}
			b.ReportMetric(float64(2*bm.r*NR*bm.kc*bm.nb)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkDot3x4: the GEMV block of a linear layer on L1-resident rows.
func BenchmarkDot3x4(b *testing.B) {
	requireAsm(b)
	r := rand.New(rand.NewPCG(1, 1))
	const k = 256
	w, x := randSlice(r, 3*k), randSlice(r, 4*k)
	var out [12]float32
	for b.Loop() {
		Dot3x4(&out, w, k, x, k, k)
	}
	b.ReportMetric(float64(2*12*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// TestPackPanelNRTransRows: the transposing row-table packer against its
// definition, for depths around the 8-column transposes, rows out of
// order and overlapping, a source ending exactly at the last value read.
func TestPackPanelNRTransRows(t *testing.T) {
	impls(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(14, 14))
		for _, kc := range []int{1, 7, 8, 9, 16, 37} {
			for _, p0 := range []int{0, 3} {
				off := make([]int, 20)
				for j := range off {
					off[j] = r.IntN(50)
				}
				off[17] = 50 // the greatest start: the source ends at its last value
				src := randSlice(r, 50+p0+kc)
				dst := make([]float32, NR*kc+1)
				dst[NR*kc] = -7
				PackPanelNRTransRows(kc, dst[:NR*kc], src, NewRows(off), 2, p0)
				for p := range kc {
					for j := range NR {
						if got, want := dst[p*NR+j], src[off[2+j]+p0+p]; got != want {
							t.Fatalf("kc %d p0 %d: dst[%d][%d] = %v, want %v", kc, p0, p, j, got, want)
						}
					}
				}
				if dst[NR*kc] != -7 {
					t.Fatalf("kc %d: wrote past the panel", kc)
				}
			}
		}
		defer func() {
			if recover() == nil {
				t.Fatal("PackPanelNRTransRows accepted rows past the table")
			}
		}()
		PackPanelNRTransRows(1, make([]float32, 16), make([]float32, 100), NewRows(make([]int, 17)), 2, 0)
	})
}

// mustPanic fails the test unless f panics (a refused argument).
func mustPanic(t *testing.T, name string, f func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Errorf("%s: no panic", name)
		}
	}()
	f()
}

// checkTile checks got, C after a packed micro-kernel call on c0: the
// rows×cols tile against alpha·Σ_p a[p*6+i]·b[p*ldb+j] (+ beta·c0) in
// float64 within tol, and every value outside the tile unchanged.
func checkTile(t *testing.T, what string, got, c0 []float32, ldc, rows, cols, kc int, a, b []float32, ldb int, alpha, beta float32) {
	t.Helper()
	for idx := range got {
		i, j := idx/ldc, idx%ldc
		if i >= rows || j >= cols {
			if math.Float32bits(got[idx]) != math.Float32bits(c0[idx]) {
				t.Fatalf("%s: wrote outside the tile at %d", what, idx)
			}
			continue
		}
		var s, mag float64
		for p := range kc {
			v := float64(a[p*6+i]) * float64(b[p*ldb+j])
			s += v
			mag += math.Abs(v)
		}
		ref, m := float64(alpha)*s, math.Abs(float64(alpha))*mag
		if beta != 0 {
			ref += float64(beta) * float64(c0[idx])
			m += math.Abs(float64(beta) * float64(c0[idx]))
		}
		if d := math.Abs(float64(got[idx]) - ref); !(d <= tol(kc, m)) {
			t.Fatalf("%s (%d,%d): got %v want %v", what, i, j, got[idx], ref)
		}
	}
}

// TestSgemm6x1: the one-column kernel against float64 sums for depths
// around its four-step loop and a strided B column, asm and Go twin, with
// guards after the six outputs.
func TestSgemm6x1(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 17))
	for _, kc := range []int{0, 1, 2, 3, 4, 5, 7, 8, 31, 192} {
		for _, ldb := range []int{1, 16, 5} {
			a := randSlice(r, 6*kc)
			b := randSlice(r, max(0, (kc-1)*ldb+1))
			for _, useA := range []bool{false, true} {
				if useA && !HasAVX2FMA {
					continue
				}
				prev := SetUseAsm(useA)
				out := []float32{9, 9, 9, 9, 9, 9, 7, 7}
				Sgemm6x1(kc, a, b, ldb, out)
				SetUseAsm(prev)
				if out[6] != 7 || out[7] != 7 {
					t.Fatalf("kc=%d ldb=%d asm=%v: wrote past the six outputs", kc, ldb, useA)
				}
				for i := range 6 {
					var s, mag float64
					for p := range kc {
						v := float64(a[p*6+i]) * float64(b[p*ldb])
						s += v
						mag += math.Abs(v)
					}
					if d := math.Abs(float64(out[i]) - s); !(d <= tol(kc, mag)) {
						t.Fatalf("kc=%d ldb=%d asm=%v row %d: got %v want %v", kc, ldb, useA, i, out[i], s)
					}
				}
			}
		}
	}
	mustPanic(t, "6x1 with a short out", func() { Sgemm6x1(1, make([]float32, 6), make([]float32, 1), 1, make([]float32, 5)) })
	mustPanic(t, "6x1 with a short B", func() { Sgemm6x1(2, make([]float32, 12), make([]float32, 16), 16, make([]float32, 6)) })
}
