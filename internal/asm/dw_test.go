package asm

import (
	"math"
	"math/rand/v2"
	"testing"
)

// guarded returns a slice of n random values embedded between two guard
// bands of NaN sentinels, and a check that the bands are untouched. Reading
// a sentinel poisons a result with NaN; writing one is caught by check.
func guarded(r *rand.Rand, n int) (s []float32, check func(t *testing.T, what string)) {
	const band = 16
	buf := randSlice(r, n+2*band)
	for i := range band {
		buf[i] = float32(math.NaN())
		buf[n+band+i] = float32(math.NaN())
	}
	s = buf[band : band+n : band+n]
	return s, func(t *testing.T, what string) {
		t.Helper()
		for i := range band {
			if !math.IsNaN(float64(buf[i])) || !math.IsNaN(float64(buf[n+band+i])) {
				t.Fatalf("%s: guard band overwritten", what)
			}
		}
	}
}

func closeSlices(t *testing.T, what string, got, want []float32, mag float64, terms int) {
	t.Helper()
	for i := range want {
		g, w := float64(got[i]), float64(want[i])
		if math.IsNaN(g) || math.Abs(g-w) > tol(terms, mag) {
			t.Fatalf("%s: element %d: got %v, want %v", what, i, g, w)
		}
	}
}

func TestDwConv3x3(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, stride := range []int{1, 2} {
		for _, n := range []int{1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 40, 55, 64, 70} {
			for _, rows := range []int{1, 2, 3} {
				for _, acc := range []bool{false, true} {
					extra := r.IntN(3) // row padding beyond what the window needs
					xs := n + 2 + extra
					nx := (rows+1)*xs + n + 2
					if stride == 2 {
						xs = 2*n + 1 + extra
						nx = 2*rows*xs + 2*n + 1
					}
					ys := n + r.IntN(3)
					ny := (rows-1)*ys + n
					w := randSlice(r, 9)
					bias := float32(r.Float64())
					x, checkX := guarded(r, nx)
					y0 := randSlice(r, ny)
					want := append([]float32(nil), y0...)
					if stride == 1 {
						DwConv3x3S1Generic(w, x, xs, want, ys, rows, n, bias, acc)
					} else {
						DwConv3x3S2Generic(w, x, xs, want, ys, rows, n, bias, acc)
					}
					for _, useA := range []bool{false, true} {
						if useA && !HasAVX2FMA {
							continue
						}
						prev := SetUseAsm(useA)
						y, checkY := guarded(r, ny)
						copy(y, y0)
						if stride == 1 {
							DwConv3x3S1(w, x, xs, y, ys, rows, n, bias, acc)
						} else {
							DwConv3x3S2(w, x, xs, y, ys, rows, n, bias, acc)
						}
						SetUseAsm(prev)
						checkX(t, "x")
						checkY(t, "y")
						// Values are in [-1, 1): each output sums at most 11 terms
						// of magnitude ≤ 1.
						closeSlices(t, "dwconv", y, want, 11, 11)
						// Values between rows (the stride gap) must be untouched.
						for rr := range rows - 1 {
							for i := n; i < ys; i++ {
								if y[rr*ys+i] != y0[rr*ys+i] {
									t.Fatalf("stride %d n=%d: wrote outside the block", stride, n)
								}
							}
						}
					}
				}
			}
		}
	}
}

func TestDwGrad3x3S1(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{1, 3, 7, 8, 9, 16, 17, 30, 56} {
		for _, rows := range []int{1, 2, 5} {
			xs := n + 2 + r.IntN(2)
			dys := n + r.IntN(2)
			x, checkX := guarded(r, (rows+1)*xs+n+2)
			dy, checkDY := guarded(r, (rows-1)*dys+n)
			var want [9]float32
			for k := range want {
				want[k] = float32(k)
			}
			got0 := want
			DwGrad3x3S1Generic(x, xs, dy, dys, rows, n, &want)
			for _, useA := range []bool{false, true} {
				if useA && !HasAVX2FMA {
					continue
				}
				prev := SetUseAsm(useA)
				got := got0
				DwGrad3x3S1(x, xs, dy, dys, rows, n, &got)
				SetUseAsm(prev)
				checkX(t, "x")
				checkDY(t, "dy")
				closeSlices(t, "dwgrad", got[:], want[:], float64(rows*n+8), rows*n+1)
			}
		}
	}
}

func TestDwPanics(t *testing.T) {
	w := make([]float32, 9)
	mustPanic(t, "short x", func() { DwConv3x3S1(w, make([]float32, 10), 5, make([]float32, 3), 3, 1, 3, 0, false) })
	mustPanic(t, "short w", func() { DwConv3x3S2(w[:8], make([]float32, 100), 9, make([]float32, 4), 4, 1, 4, 0, false) })
	mustPanic(t, "short dy", func() { DwGrad3x3S1(make([]float32, 100), 9, make([]float32, 3), 4, 1, 4, new([9]float32)) })
}

func TestDwConv3x3Pad(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for _, s := range []int{1, 2} {
		for _, n := range []int{1, 2, 3, 8, 9, 10, 11, 17, 33, 34, 41, 56, 70} {
			for _, pads := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
				padL, padR := pads[0], pads[1]
				if n < b2i(padL)+b2i(padR) {
					continue
				}
				for _, rows := range []int{1, 2, 4} {
					for _, acc := range []bool{false, true} {
						valid := dwValidCols(s, n, padL, padR)
						xs := valid + r.IntN(3)
						need := s*(rows-1)*xs + valid
						// The three rows: slices of one plane, or (rows = 1) a
						// separate "zero row" buffer for the first or last.
						plane, checkP := guarded(r, need+2*xs)
						x0, x1, x2 := plane, plane[xs:], plane[2*xs:]
						if rows == 1 && r.IntN(2) == 0 {
							z, checkZ := guarded(r, valid)
							defer checkZ(t, "zero row")
							if r.IntN(2) == 0 {
								x0 = z
							} else {
								x2 = z
							}
						}
						ys := n + r.IntN(3)
						ny := (rows-1)*ys + n
						w := randSlice(r, 9)
						bias := float32(r.Float64())
						y0 := randSlice(r, ny)
						want := append([]float32(nil), y0...)
						if s == 1 {
							DwConv3x3S1PadGeneric(w, x0, x1, x2, xs, want, ys, rows, n, padL, padR, bias, acc)
						} else {
							DwConv3x3S2PadGeneric(w, x0, x1, x2, xs, want, ys, rows, n, padL, padR, bias, acc)
						}
						for _, useA := range []bool{false, true} {
							if useA && !HasAVX2FMA {
								continue
							}
							prev := SetUseAsm(useA)
							y, checkY := guarded(r, ny)
							copy(y, y0)
							if s == 1 {
								DwConv3x3S1Pad(w, x0, x1, x2, xs, y, ys, rows, n, padL, padR, bias, acc)
							} else {
								DwConv3x3S2Pad(w, x0, x1, x2, xs, y, ys, rows, n, padL, padR, bias, acc)
							}
							SetUseAsm(prev)
							checkP(t, "x")
							checkY(t, "y")
							what := "DwConv3x3Pad"
							closeSlices(t, what, y, want, 11, 11)
							for rr := range rows - 1 {
								for i := n; i < ys; i++ {
									if y[rr*ys+i] != y0[rr*ys+i] {
										t.Fatalf("s=%d n=%d: wrote outside the block", s, n)
									}
								}
							}
						}
					}
				}
			}
		}
	}
}

func TestDwGrad3x3S1Pad(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	for _, n := range []int{1, 2, 3, 8, 9, 10, 11, 17, 28, 33} {
		for _, pads := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
			padL, padR := pads[0], pads[1]
			if n < b2i(padL)+b2i(padR) {
				continue
			}
			for _, rows := range []int{1, 3} {
				valid := dwValidCols(1, n, padL, padR)
				xs := valid + r.IntN(3)
				plane, checkP := guarded(r, (rows-1)*xs+valid+2*xs)
				x0, x1, x2 := plane, plane[xs:], plane[2*xs:]
				if rows == 1 && r.IntN(2) == 0 {
					z, checkZ := guarded(r, valid)
					defer checkZ(t, "zero row")
					x2 = z
				}
				dys := n + r.IntN(2)
				dy, checkDY := guarded(r, (rows-1)*dys+n)
				var want [9]float32
				for k := range want {
					want[k] = float32(k)
				}
				got0 := want
				DwGrad3x3S1PadGeneric(x0, x1, x2, xs, dy, dys, rows, n, padL, padR, &want)
				for _, useA := range []bool{false, true} {
					if useA && !HasAVX2FMA {
						continue
					}
					prev := SetUseAsm(useA)
					got := got0
					DwGrad3x3S1Pad(x0, x1, x2, xs, dy, dys, rows, n, padL, padR, &got)
					SetUseAsm(prev)
					checkP(t, "x")
					checkDY(t, "dy")
					closeSlices(t, "DwGrad3x3S1Pad", got[:], want[:], float64(rows*n+8), rows*n+1)
				}
			}
		}
	}
}
