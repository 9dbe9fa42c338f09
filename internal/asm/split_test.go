package asm

import (
	"math"
	"testing"
)

// TestDeinterleave2 checks both split kernels, asm and Go, against the
// definition for every length up to 70 (odd and even, below and above the
// 8-pair vector step), with guard values after each destination.
func TestDeinterleave2(t *testing.T) {
	impls(t, func(t *testing.T) {
		for l := 0; l <= 70; l++ {
			ne, no := (l+1)/2, l/2
			src := make([]float32, l)
			for i := range src {
				src[i] = float32(i + 1)
			}
			even, odd := make([]float32, ne+1), make([]float32, no+1)
			even[ne], odd[no] = -7, -7
			Deinterleave2(even[:ne], odd[:no], src)
			for i := range ne {
				if even[i] != src[2*i] {
					t.Fatalf("len %d: even[%d] = %v, want %v", l, i, even[i], src[2*i])
				}
			}
			for i := range no {
				if odd[i] != src[2*i+1] {
					t.Fatalf("len %d: odd[%d] = %v, want %v", l, i, odd[i], src[2*i+1])
				}
			}
			if even[ne] != -7 || odd[no] != -7 {
				t.Fatalf("len %d: wrote past the end", l)
			}
			dst := make([]float32, l+1)
			dst[l] = -7
			Interleave2(dst[:l], even[:ne], odd[:no])
			for i := range src {
				if dst[i] != src[i] {
					t.Fatalf("len %d: interleaved[%d] = %v, want %v", l, i, dst[i], src[i])
				}
			}
			if dst[l] != -7 {
				t.Fatalf("len %d: Interleave2 wrote past the end", l)
			}
		}
	})
}

// TestCopyRows checks CopyRows against its definition for widths 1–40
// (masked, exact and overlapping vector tails) and a few strides, with
// guard values around the destination and the source read through a
// slice that ends exactly at the last value it may read.
func TestCopyRows(t *testing.T) {
	impls(t, func(t *testing.T) {
		for n := 1; n <= 40; n++ {
			for _, extra := range []int{0, 1, 3, 9} {
				for rows := 1; rows <= 5; rows++ {
					copyRowsCase(t, n, n+extra, rows)
				}
			}
		}
	})
}

// copyRowsCase is one CopyRows check: guard values around a destination
// of exactly rows·n values, a source slice ending at its last row's end.
func copyRowsCase(t *testing.T, n, stride, rows int) {
	t.Helper()
	src := make([]float32, (rows-1)*stride+n)
	for i := range src {
		src[i] = float32(i + 1)
	}
	buf := make([]float32, rows*n+16)
	for i := range buf {
		buf[i] = -7
	}
	CopyRows(buf[8:8+rows*n], src, rows, n, stride)
	for i, v := range buf {
		want := float32(-7)
		if j := i - 8; j >= 0 && j < rows*n {
			want = src[j/n*stride+j%n]
		}
		if v != want {
			t.Fatalf("n %d stride %d rows %d: buf[%d] = %v, want %v", n, stride, rows, i, v, want)
		}
	}
}

// TestDot3x4 checks Dot3x4 against float64 dot products for lengths 0–70
// (vector body and scalar tail) and padded row strides.
func TestDot3x4(t *testing.T) {
	impls(t, func(t *testing.T) {
		for k := 0; k <= 70; k++ {
			ldw, ldx := k+3, k+5
			w, x := make([]float32, 2*ldw+k), make([]float32, 3*ldx+k)
			for i := range w {
				w[i] = float32(i%13) - 6
			}
			for i := range x {
				x[i] = float32(i%7)*0.5 - 1
			}
			var out [12]float32
			Dot3x4(&out, w, ldw, x, ldx, k)
			for i := range 3 {
				for j := range 4 {
					var want float64
					for q := range k {
						want += float64(w[i*ldw+q]) * float64(x[j*ldx+q])
					}
					if float64(out[4*i+j]) != want { // small integers and halves: exact
						t.Fatalf("k %d: out[%d] = %v, want %v", k, 4*i+j, out[4*i+j], want)
					}
				}
			}
		}
	})
}

// TestDeinterleave2Rows checks the row-block forms against the definition
// for row widths 1–40, 1–4 rows and padded strides, with guard values in
// every gap between rows and after the last row.
func TestDeinterleave2Rows(t *testing.T) {
	const guard = -7
	impls(t, func(t *testing.T) {
		for w := 1; w <= 40; w++ {
			ne, no := (w+1)/2, w/2
			for rows := 1; rows <= 4; rows++ {
				for _, gap := range []int{0, 3} {
					ss, ds := w+gap, ne+gap
					src := make([]float32, (rows-1)*ss+w)
					for i := range src {
						src[i] = float32(i + 1)
					}
					even, odd := make([]float32, rows*ds+1), make([]float32, rows*ds+1)
					for i := range even {
						even[i], odd[i] = guard, guard
					}
					Deinterleave2Rows(even, odd, src, ne, no, rows, ss, ds)
					for i := range even {
						r, c := i/ds, i%ds
						want := float32(guard)
						if r < rows && c < ne {
							want = src[r*ss+2*c]
						}
						if even[i] != want {
							t.Fatalf("w %d rows %d gap %d: even[%d] = %v, want %v", w, rows, gap, i, even[i], want)
						}
						want = guard
						if r < rows && c < no {
							want = src[r*ss+2*c+1]
						}
						if odd[i] != want {
							t.Fatalf("w %d rows %d gap %d: odd[%d] = %v, want %v", w, rows, gap, i, odd[i], want)
						}
					}
					dst := make([]float32, rows*ss+1)
					for i := range dst {
						dst[i] = guard
					}
					Interleave2Rows(dst, even, odd, ne, no, rows, ss, ds)
					for i := range dst {
						want := float32(guard)
						if r, c := i/ss, i%ss; r < rows && c < w {
							want = src[i]
						}
						if dst[i] != want {
							t.Fatalf("w %d rows %d gap %d: interleaved[%d] = %v, want %v", w, rows, gap, i, dst[i], want)
						}
					}
				}
			}
		}
	})
}

// TestCopyRuns checks CopyRuns against its definition: runs anywhere in the
// source (the last one ending exactly at its end), guard values between
// the runs' destinations, widths 1–20 (masked and unmasked short rows).
func TestCopyRuns(t *testing.T) {
	const guard = -7
	impls(t, func(t *testing.T) {
		for n := 1; n <= 20; n++ {
			for _, extra := range []int{0, 1, 5} {
				stride := n + extra
				for rows := 1; rows <= 4; rows++ {
					span := (rows-1)*stride + n
					src := make([]float32, span+13)
					for i := range src {
						src[i] = float32(i + 1)
					}
					runs := []int{0, 13, 5, 1, 13}
					for _, gap := range []int{0, 3} {
						ld := rows*n + gap
						dst := make([]float32, len(runs)*ld+8)
						for i := range dst {
							dst[i] = guard
						}
						CopyRuns(dst, ld, src, NewRows(runs), rows, n, stride)
						for i, v := range dst {
							want := float32(guard)
							if tr, j := i/ld, i%ld; tr < len(runs) && j < rows*n {
								want = src[runs[tr]+j/n*stride+j%n]
							}
							if v != want {
								t.Fatalf("n %d stride %d rows %d gap %d: dst[%d] = %v, want %v", n, stride, rows, gap, i, v, want)
							}
						}
					}
				}
			}
		}
	})
}

// TestAddRuns checks AddRuns against its definition: overlapping runs, the
// last ending exactly at the end of dst, values between and after the runs
// left untouched bit for bit (−0 and NaN included, which a tail added with
// +0 would change), widths 1–20.
func TestAddRuns(t *testing.T) {
	impls(t, func(t *testing.T) {
		for n := 1; n <= 20; n++ {
			for _, extra := range []int{0, 1, 5} {
				stride := n + extra
				for rows := 1; rows <= 7; rows++ {
					span := (rows-1)*stride + n
					runs := []int{0, 13, 5, 1, 13}
					ld := rows*n + 2
					src := make([]float32, len(runs)*ld)
					for i := range src {
						src[i] = float32(i%11) + 0.5
					}
					dst := make([]float32, span+13)
					for i := range dst {
						switch i % 3 {
						case 0:
							dst[i] = float32(math.Copysign(0, -1))
						case 1:
							dst[i] = float32(math.NaN())
						default:
							dst[i] = float32(i)
						}
					}
					want := append([]float32(nil), dst...)
					for tr, r0 := range runs {
						for r := range rows {
							for j := range n {
								want[r0+r*stride+j] += src[tr*ld+r*n+j]
							}
						}
					}
					AddRuns(dst, NewRows(runs), src, ld, rows, n, stride)
					for i := range dst {
						if math.Float32bits(dst[i]) != math.Float32bits(want[i]) {
							t.Fatalf("n %d stride %d rows %d: dst[%d] = %v, want %v", n, stride, rows, i, dst[i], want[i])
						}
					}
				}
			}
		}
	})
}

// TestPadRows checks PadRows against its definition: every row rewritten
// completely (leading zeros, values, trailing zeros), nothing but zeros
// written past the last row (nothing at all when the destination ends
// there), for widths 0–20, pads 0–5 and slices with and without room for
// the vector spills.
func TestPadRows(t *testing.T) {
	const guard = -7
	impls(t, func(t *testing.T) {
		for w := 0; w <= 20; w++ {
			for lead := 0; lead <= 2; lead++ {
				for trail := 0; trail <= 5; trail++ {
					for rows := 1; rows <= 4; rows++ {
						for _, slack := range []int{0, 9} {
							ds, ss := lead+w+trail, w+3
							src := make([]float32, (rows-1)*ss+w+slack)
							for i := range src {
								src[i] = float32(i + 1)
							}
							dst := make([]float32, rows*ds+slack)
							for i := range dst {
								dst[i] = guard
							}
							PadRows(dst, src, rows, w, ss, lead, ds)
							for i := range rows * ds {
								r, c := i/ds, i%ds
								want := float32(0)
								if c >= lead && c < lead+w {
									want = src[r*ss+c-lead]
								}
								if dst[i] != want {
									t.Fatalf("w %d lead %d trail %d rows %d slack %d: dst[%d] = %v, want %v", w, lead, trail, rows, slack, i, dst[i], want)
								}
							}
							for i := rows * ds; i < len(dst); i++ {
								if dst[i] != guard && dst[i] != 0 {
									t.Fatalf("w %d lead %d trail %d rows %d: wrote %v past the last row", w, lead, trail, rows, dst[i])
								}
							}
						}
					}
				}
			}
		}
	})
}

// TestPackPanelNRCols checks PackPanelNRCols, asm and Go, against its
// definition on column maps of convolution shape (rows of w positions
// stride apart, images plane apart, the panels cutting rows and images
// anywhere), with a source that ends exactly where the bounds check says
// reads may go, and a guard past the panel's 16 values of slack.
func TestPackPanelNRCols(t *testing.T) {
	impls(t, func(t *testing.T) {
		for _, s := range []struct{ w, h, stride, plane, imgs int }{
			{1, 5, 2, 12, 7}, {7, 7, 8, 64, 5}, {14, 14, 15, 225, 2}, {16, 3, 16, 48, 3},
			{5, 4, 9, 40, 4}, {20, 2, 23, 50, 2},
		} {
			var off []int
			for i := range s.imgs {
				for r := range s.h {
					for c := range s.w {
						off = append(off, i*s.plane+r*s.stride+c)
					}
				}
			}
			cols := NewCols(off)
			const kc = 5
			starts := []int{3, 0, 17, 9, 30}
			rows := NewRows(starts)
			size := 30 + cols.hi // the greatest start plus the reach
			src := make([]float32, size)
			for i := range src {
				src[i] = float32(i + 1)
			}
			if !cols.Fit(rows, len(off), len(src)) || cols.Fit(rows, len(off), len(src)-1) {
				t.Fatalf("%+v: Fit does not bound the reads exactly", s)
			}
			for col := 0; col+NR <= len(off); col += NR {
				dst := make([]float32, NR*kc+NR+1)
				dst[len(dst)-1] = -7
				PackPanelNRCols(kc, dst[:NR*kc+NR], src, rows, 0, cols, col)
				for p := range kc {
					for j := range NR {
						if got, want := dst[p*NR+j], src[starts[p]+off[col+j]]; got != want {
							t.Fatalf("%+v col %d: dst[%d][%d] = %v, want %v", s, col, p, j, got, want)
						}
					}
				}
				if dst[len(dst)-1] != -7 {
					t.Fatalf("%+v col %d: wrote past the slack", s, col)
				}
			}
		}
	})
}

// TestPackPanelNRColsPanics: arguments that would read or write outside
// the slices, or a panel not on a 16-column boundary, are refused.
func TestPackPanelNRColsPanics(t *testing.T) {
	off := make([]int, 32)
	for j := range off {
		off[j] = j + j/10 // runs of 10
	}
	cols, rows := NewCols(off), NewRows([]int{0, 5})
	src, dst := make([]float32, 5+cols.hi), make([]float32, 3*NR)
	PackPanelNRCols(2, dst, src, rows, 0, cols, 16) // fits
	mustPanic(t, "short src", func() { PackPanelNRCols(2, dst, src[:len(src)-1], rows, 0, cols, 0) })
	mustPanic(t, "no slack in dst", func() { PackPanelNRCols(2, dst[:2*NR], src, rows, 0, cols, 0) })
	mustPanic(t, "column off a panel", func() { PackPanelNRCols(2, dst, src, rows, 0, cols, 8) })
	mustPanic(t, "columns past the map", func() { PackPanelNRCols(2, dst, src, rows, 0, cols, 32) })
	mustPanic(t, "rows past the table", func() { PackPanelNRCols(2, dst, src, rows, 1, cols, 0) })
	mustPanic(t, "negative offset", func() { NewCols([]int{0, -1}) })
}
