package asm

import (
	"math/rand/v2"
	"testing"
)

// The sizes below cross every block boundary of the kernels: 64, 32, 16 and
// 8 outputs, and masked tails of 1..7.
var chanSizes = []int{1, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 49, 63, 64, 65, 100, 196}

func TestChanRows(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, n := range chanSizes {
		for _, taps := range []int{0, 1, 2, 5, 8} {
			for _, rows := range []int{1, 3} {
				for _, acc := range []bool{false, true} {
					ps := n + r.IntN(3)
					xs := ps * (1 + r.IntN(2))
					ys := n + r.IntN(3)
					ws := 1 + r.IntN(2)
					x, checkX := guarded(r, (rows-1)*xs+max(taps-1, 0)*ps+n)
					w, checkW := guarded(r, max(taps-1, 0)*ws+1)
					ny := (rows-1)*ys + n
					y0 := randSlice(r, ny)
					want := append([]float32(nil), y0...)
					ChanRowsGeneric(want, ys, x, xs, ps, w, ws, taps, n, rows, acc)
					for _, useA := range []bool{false, true} {
						if useA && !HasAVX2FMA {
							continue
						}
						prev := SetUseAsm(useA)
						y, checkY := guarded(r, ny)
						copy(y, y0)
						ChanRows(y, ys, x, xs, ps, w, ws, taps, n, rows, acc)
						SetUseAsm(prev)
						checkX(t, "x")
						checkW(t, "w")
						checkY(t, "y")
						closeSlices(t, "ChanRows", y, want, float64(taps+1), taps+1)
						for rr := range rows - 1 {
							for i := n; i < ys; i++ {
								if y[rr*ys+i] != y0[rr*ys+i] {
									t.Fatalf("ChanRows n=%d: wrote between rows", n)
								}
							}
						}
					}
				}
			}
		}
	}
}

func TestChanRows4(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, n := range chanSizes {
		for _, taps := range []int{0, 1, 3, 16} {
			acc := r.IntN(2) == 0
			ps := n + r.IntN(3)
			yf := n + r.IntN(3)
			wf := taps + r.IntN(3)
			x, checkX := guarded(r, max(taps-1, 0)*ps+n)
			w, checkW := guarded(r, 3*wf+taps)
			ny := 3*yf + n
			y0 := randSlice(r, ny)
			want := append([]float32(nil), y0...)
			ChanRows4Generic(want, yf, x, ps, w, wf, taps, n, acc)
			for _, useA := range []bool{false, true} {
				if useA && !HasAVX2FMA {
					continue
				}
				prev := SetUseAsm(useA)
				y, checkY := guarded(r, ny)
				copy(y, y0)
				ChanRows4(y, yf, x, ps, w, wf, taps, n, acc)
				SetUseAsm(prev)
				checkX(t, "x")
				checkW(t, "w")
				checkY(t, "y")
				closeSlices(t, "ChanRows4", y, want, float64(taps), taps)
				for f := range 3 {
					for i := n; i < yf; i++ {
						if y[f*yf+i] != y0[f*yf+i] {
							t.Fatalf("ChanRows4 n=%d: wrote between filters", n)
						}
					}
				}
			}
		}
	}
}

func TestChanDots(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, n := range append([]int{0}, chanSizes...) {
		for _, taps := range []int{1, 2, 3, 4, 5, 8, 9, 25} {
			ps := n + r.IntN(3)
			x, checkX := guarded(r, (taps-1)*ps+n)
			dy, checkDY := guarded(r, n)
			want := make([]float32, taps)
			ChanDotsGeneric(want, dy, x, ps, taps, n)
			for _, useA := range []bool{false, true} {
				if useA && !HasAVX2FMA {
					continue
				}
				prev := SetUseAsm(useA)
				out, checkOut := guarded(r, taps)
				ChanDots(out, dy, x, ps, taps, n)
				SetUseAsm(prev)
				checkX(t, "x")
				checkDY(t, "dy")
				checkOut(t, "out")
				closeSlices(t, "ChanDots", out, want, float64(n), n)
			}
		}
	}
}

func TestChanPanics(t *testing.T) {
	s := make([]float32, 10)
	mustPanic(t, "rows short x", func() { ChanRows(s, 5, s, 5, 5, s, 1, 2, 5, 2, false) })
	mustPanic(t, "rows4 short y", func() { ChanRows4(s, 3, s, 1, s, 1, 1, 2, false) })
	mustPanic(t, "dots short out", func() { ChanDots(s[:1], s, s, 1, 2, 3) })
	mustPanic(t, "negative", func() { ChanRows(s, 5, s, 5, -1, s, 1, 2, 5, 1, false) })
}
