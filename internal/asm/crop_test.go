package asm

import (
	"math/rand/v2"
	"testing"
)

// TestSgemmRowsCrop: each cropping kernel stores exactly the plain
// kernel's values of the kept columns, bit for bit, at their cropped
// places, and nothing else (guards between and after the C rows), for run
// lengths that end anywhere in a tile, rows at and just past the tile
// width, and every implementation.
func TestSgemmRowsCrop(t *testing.T) {
	const guard = -7
	for _, kern := range []struct {
		name  string
		r     int
		plain func(a, b []float32, rows Rows, col, nb int, c []float32, ldc int)
		crop  func(a, b []float32, rows Rows, col int, c []float32, ldc int, cr Crop)
	}{
		{"6x16", MR, Sgemm6x16Rows, Sgemm6x16RowsCrop},
		{"4x16", 4, Sgemm4x16Rows, Sgemm4x16RowsCrop},
		{"2x16", 2, Sgemm2x16Rows, Sgemm2x16RowsCrop},
	} {
		impls(t, func(t *testing.T) {
			r := rand.New(rand.NewPCG(7, 7))
			for _, kc := range []int{1, 2, 3, 27} {
				for _, wp := range []int{16, 17, 20, 33, 58} {
					for _, ow := range []int{1, wp - 2, wp - 1, wp} {
						if ow < 1 {
							continue
						}
						for nrows := 1; nrows <= 5; nrows++ {
							cr := NewCrop(nrows, wp, ow)
							nb := cr.Tiles()
							if cr.Span() != nrows*ow {
								t.Fatalf("span %d, want %d", cr.Span(), nrows*ow)
							}
							col := r.IntN(3)
							b := randSlice(r, NR*nb+col+30)
							off := make([]int, kc)
							for p := range off {
								off[p] = r.IntN(31)
							}
							a := randSlice(r, MR*kc)
							want := make([]float32, kern.r*NR*nb)
							kern.plain(a, b, NewRows(off), col, nb, want, NR*nb)
							ldc := cr.Span() + 3
							c := make([]float32, kern.r*ldc+5)
							for i := range c {
								c[i] = guard
							}
							kern.crop(a, b, NewRows(off), col, c, ldc, cr)
							for i, v := range c {
								row, x := i/ldc, i%ldc
								if row >= kern.r || x >= cr.Span() {
									if v != guard {
										t.Fatalf("%s kc %d wp %d ow %d rows %d: c[%d] = %v, want the guard", kern.name, kc, wp, ow, nrows, i, v)
									}
									continue
								}
								w := want[row*NR*nb+x/ow*wp+x%ow]
								if v != w {
									t.Fatalf("%s kc %d wp %d ow %d rows %d: c[%d][%d] = %v, want %v", kern.name, kc, wp, ow, nrows, row, x, v, w)
								}
							}
						}
					}
				}
			}
		})
	}
	mustPanic(t, "crop with rows of 15", func() { NewCrop(2, 15, 15) })
	mustPanic(t, "crop into a short C", func() {
		cr := NewCrop(1, 16, 16)
		Sgemm2x16RowsCrop(make([]float32, 6), make([]float32, 32), NewRows([]int{0}), 0, make([]float32, 31), 16, cr)
	})
}
