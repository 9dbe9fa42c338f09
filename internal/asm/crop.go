package asm

import "fmt"

// Crop is a store map for the row-table kernels (Sgemm6x16RowsCrop and its
// four- and two-row forms). A padded-width convolution computes rows
// output rows of wp columns each in one run of rows·wp columns, the last
// wp − ow of every row being garbage; with a Crop the kernels store only
// the ow real columns of each row, straight into an output of ow-wide rows:
// column t of the run (row t / wp, column t mod wp < ow) goes to element
// (t / wp)·ow + t mod wp of each C row. No garbage column and no cropping
// copy afterwards.
//
// A 16-column tile holds one row boundary at most (wp ≥ 16), so each
// vector goes out in two masked stores: the lanes of its first row at that
// row's shift, the lanes of the next row at the next shift. The table
// holds, per tile, the two element deltas (from the tile's place in the
// run) and the two lane masks.
type Crop struct {
	t    []int64 // 4 values per tile
	span int     // elements past C's row start that the stores reach
}

// NewCrop returns the store map of rows rows of wp columns, the first ow
// of which are kept. It panics unless 16 ≤ wp, 1 ≤ ow ≤ wp and rows ≥ 1.
func NewCrop(rows, wp, ow int) Crop {
	if wp < NR || ow < 1 || ow > wp || rows < 1 {
		panic("asm: NewCrop: bad arguments")
	}
	tiles := (rows*wp + NR - 1) / NR
	cr := Crop{t: make([]int64, 4*tiles)}
	g := wp - ow
	for j := range tiles {
		t0 := j * NR
		r := t0 / wp
		var m1, m2 int64
		for i := range NR {
			t := t0 + i
			rr, col := t/wp, t%wp
			if rr >= rows || col >= ow {
				continue
			}
			if rr == r {
				m1 |= 1 << i
			} else {
				m2 |= 1 << i
			}
			cr.span = max(cr.span, rr*ow+col+1)
		}
		cr.t[4*j] = int64(-r * g)
		cr.t[4*j+1] = int64(-(r + 1) * g)
		cr.t[4*j+2], cr.t[4*j+3] = m1, m2
	}
	return cr
}

// Tiles returns the number of 16-column tiles the map covers.
func (cr Crop) Tiles() int { return len(cr.t) / 4 }

// Span returns the number of elements of each C row the stores write:
// rows·ow.
func (cr Crop) Span() int { return cr.span }

// Sgemm6x16RowsCrop is Sgemm6x16Rows over cr's tiles (nb = cr.Tiles())
// with the stores going through cr: C row i (i < 6) at c[i·ldc:], each
// row receiving cr.Span() values. The values are those of Sgemm6x16Rows,
// bit for bit. It panics if len(a) < 6·kc, ldc < cr.Span(),
// len(c) < 5·ldc + cr.Span() or a row falls outside b.
func Sgemm6x16RowsCrop(a, b []float32, rows Rows, col int, c []float32, ldc int, cr Crop) {
	rowsCrop(MR, a, b, rows, col, c, ldc, cr)
}

// Sgemm4x16RowsCrop is Sgemm6x16RowsCrop for the first four rows of the A
// panel (Sgemm4x16Rows's values); C has four rows.
func Sgemm4x16RowsCrop(a, b []float32, rows Rows, col int, c []float32, ldc int, cr Crop) {
	rowsCrop(4, a, b, rows, col, c, ldc, cr)
}

// Sgemm2x16RowsCrop is Sgemm6x16RowsCrop for the first two rows of the A
// panel (Sgemm2x16Rows's values); C has two rows.
func Sgemm2x16RowsCrop(a, b []float32, rows Rows, col int, c []float32, ldc int, cr Crop) {
	rowsCrop(2, a, b, rows, col, c, ldc, cr)
}

// rowsCrop is the r-row (6, 4 or 2) cropping kernel: the AVX-512 kernels
// store through the table; otherwise each tile is computed into a scratch
// tile by the plain kernel and scattered.
func rowsCrop(r int, a, b []float32, rows Rows, col int, c []float32, ldc int, cr Crop) {
	kc, nb := rows.Len(), cr.Tiles()
	if nb == 0 {
		return
	}
	if (kc > 0 && len(a) < MR*(kc-1)+r) || ldc < cr.span || len(c) < (r-1)*ldc+cr.span || !rows.Within(col, NR*nb, len(b)) {
		panic(fmt.Sprintf("asm: Sgemm%dx16RowsCrop: bad arguments", r))
	}
	if UsingAVX512() && kc > 0 {
		switch r {
		case MR:
			sgemm6x16RowsAVX512(kc, &a[0], &b[col], &rows.off[0], nb, &c[0], ldc, &cr.t[0])
		case 4:
			sgemm4x16RowsAVX512(kc, &a[0], &b[col], &rows.off[0], nb, &c[0], ldc, &cr.t[0])
		default:
			sgemm2x16RowsAVX512(kc, &a[0], &b[col], &rows.off[0], nb, &c[0], ldc, &cr.t[0])
		}
		return
	}
	var tile [MR * NR]float32
	for j := range nb {
		switch r {
		case MR:
			Sgemm6x16Rows(a, b, rows, col+j*NR, 1, tile[:], NR)
		case 4:
			Sgemm4x16Rows(a, b, rows, col+j*NR, 1, tile[:], NR)
		default:
			Sgemm2x16Rows(a, b, rows, col+j*NR, 1, tile[:], NR)
		}
		d1, d2 := j*NR+int(cr.t[4*j]), j*NR+int(cr.t[4*j+1])
		m1, m2 := cr.t[4*j+2], cr.t[4*j+3]
		for i := range r {
			ci := c[i*ldc:]
			for l, v := range tile[i*NR : (i+1)*NR] {
				switch {
				case m1>>l&1 != 0:
					ci[d1+l] = v
				case m2>>l&1 != 0:
					ci[d2+l] = v
				}
			}
		}
	}
}
