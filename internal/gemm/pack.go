package gemm

import (
	"runtime"

	"github.com/convkit/convkit/internal/asm"
)

// PackedA is an m×k matrix A packed for the micro-kernel: k is split into
// blocks of kc (the last may be shorter), each block holds ceil(m/MR)
// micro-panels of kcb×MR floats (for each p, the MR values of column p),
// rows beyond m zero padded. Block starting at depth pc begins at
// data[pc·panels·MR]; panel ir of that block at +ir·kcb·MR.
//
// The zero value is an empty 0×0 matrix; build one with PackA or Pack.
type PackedA struct {
	m, k   int
	kc     int // depth block used at pack time
	panels int // ceil(m/MR)
	data   []float32
}

// PackA packs op(A) (m×k; A stored m×k with lda ≥ k, or k×m with lda ≥ m
// when transA) for SgemmPackedA.
func PackA(transA bool, m, k int, a []float32, lda int) *PackedA {
	pa := new(PackedA)
	pa.Pack(transA, m, k, a, lda)
	return pa
}

// Pack (re)packs op(A) into pa, reusing its storage when it is large enough.
func (pa *PackedA) Pack(transA bool, m, k int, a []float32, lda int) {
	if m < 0 || k < 0 {
		panic("gemm: negative dimension")
	}
	checkMat("A", transA, m, k, a, lda)
	pa.reset(m, k)
	packAPanels(pa, transA, a, lda, 0, pa.panels)
}

// PackParallel is Pack with up to threads goroutines (the calling one and
// pool workers) when A is large enough to be worth splitting: a 1024×1024
// weight matrix is 4 MiB to pack on every call of a convolution whose
// weights may have changed.
func (pa *PackedA) PackParallel(threads int, transA bool, m, k int, a []float32, lda int) {
	if m < 0 || k < 0 {
		panic("gemm: negative dimension")
	}
	checkMat("A", transA, m, k, a, lda)
	pa.reset(m, k)
	packAParallel(min(threads, runtime.GOMAXPROCS(0)), pa, transA, a, lda)
}

// PackOneBlock is PackParallel with the whole depth K() in one block, so
// that Panel may be used whatever K() is (for a kernel that keeps the
// whole reduction in registers, asm.Sgemm6x16Rows). SgemmPackedA accepts
// the result too, with its B panels K() deep.
func (pa *PackedA) PackOneBlock(threads int, transA bool, m, k int, a []float32, lda int) {
	if m < 0 || k < 0 {
		panic("gemm: negative dimension")
	}
	checkMat("A", transA, m, k, a, lda)
	pa.reset(m, k)
	pa.kc = max(k, 1)
	packAParallel(min(threads, runtime.GOMAXPROCS(0)), pa, transA, a, lda)
}

// Panel returns micro-panel ir (rows [ir·MR, ir·MR+MR), zero padded past
// M()) of a matrix packed in one depth block: K()×MR floats, column p's MR
// values at p·MR, as asm.PackMR writes them — the A operand of the
// row-table micro-kernel asm.Sgemm6x16Rows. It panics if K() exceeds the
// depth block (SingleBlock is false).
func (pa *PackedA) Panel(ir int) []float32 {
	if !pa.SingleBlock() {
		panic("gemm: PackedA.Panel: several depth blocks")
	}
	return pa.data[ir*pa.k*MR : (ir+1)*pa.k*MR]
}

// SingleBlock reports whether the packed matrix is one depth block (K() at
// most the blocking depth, 256), so that Panel may be used.
func (pa *PackedA) SingleBlock() bool { return pa.kc >= pa.k }

// Panels returns the number of micro-panels: ⌈M()/MR⌉.
func (pa *PackedA) Panels() int { return pa.panels }

// M returns the number of rows of the packed matrix.
func (pa *PackedA) M() int { return pa.m }

// K returns the number of columns (the inner dimension) of the packed matrix.
func (pa *PackedA) K() int { return pa.k }

// reset sizes pa for an m×k matrix (contents undefined).
func (pa *PackedA) reset(m, k int) {
	pa.m, pa.k = m, k
	pa.kc = blockSize(k, kcMax, 1)
	pa.panels = (m + MR - 1) / MR
	need := pa.panels * MR * k
	if cap(pa.data) < need {
		pa.data = make([]float32, need)
	}
	pa.data = pa.data[:need]
}

// packAPanels packs micro-panels [ir0, ir1) of every depth block of op(A).
func packAPanels(pa *PackedA, transA bool, a []float32, lda, ir0, ir1 int) {
	for pc := 0; pc < pa.k; pc += pa.kc {
		kcb := min(pa.kc, pa.k-pc)
		blk := pa.data[pc*pa.panels*MR:]
		for ir := ir0; ir < ir1; ir++ {
			dst := blk[ir*kcb*MR : (ir+1)*kcb*MR]
			row := ir * MR
			rows := min(MR, pa.m-row)
			if transA {
				packAPanelT(dst, a, lda, row, rows, pc, kcb)
			} else {
				packAPanelN(dst, a, lda, row, rows, pc, kcb)
			}
		}
	}
}

// packAPanelN: A stored m×k. dst[p*MR+i] = A[row+i][pc+p].
func packAPanelN(dst, a []float32, lda, row, rows, pc, kcb int) {
	if rows == MR {
		asm.PackMR(kcb, dst, a[row*lda+pc:], lda)
		return
	}
	clear(dst)
	for i := range rows {
		base := (row+i)*lda + pc
		for p, v := range a[base : base+kcb] {
			dst[p*MR+i] = v
		}
	}
}

// packAPanelT: A stored k×m. dst[p*MR+i] = A[pc+p][row+i].
func packAPanelT(dst, a []float32, lda, row, rows, pc, kcb int) {
	if rows == MR {
		for p := range kcb {
			off := (pc+p)*lda + row
			*(*[MR]float32)(dst[p*MR:]) = [MR]float32(a[off : off+MR])
		}
		return
	}
	for p := range kcb {
		off := (pc+p)*lda + row
		d := dst[p*MR : p*MR+MR]
		copy(d, a[off:off+rows])
		clear(d[rows:])
	}
}

// packB packs the kcb×ncb block of op(B) at (pc, jc) into ceil(ncb/NR)
// micro-panels of kcb×NR floats (dst[jp*kcb*NR + p*NR + j] =
// op(B)[pc+p][jc+jp*NR+j]), zero padding the last panel.
func packB(dst []float32, transB bool, b []float32, ldb, pc, kcb, jc, ncb int) {
	if !transB {
		packBN(dst, b, ldb, pc, kcb, jc, ncb)
		return
	}
	for jp := 0; jp*NR < ncb; jp++ {
		packBPanelT(dst[jp*kcb*NR:(jp+1)*kcb*NR], b, ldb, pc, kcb, jc+jp*NR, min(NR, ncb-jp*NR))
	}
}

// packBN: B stored k×n. Walks B row by row (contiguous reads the hardware
// prefetcher can follow; walking one 64-byte panel column at a time instead
// touches a new page per row and was 35% of the S1 run time) and scatters
// each row into the micro-panels.
func packBN(dst, b []float32, ldb, pc, kcb, jc, ncb int) {
	full := ncb / NR
	rem := ncb - full*NR
	stride := kcb * NR
	for p := range kcb {
		off := (pc+p)*ldb + jc
		src := b[off : off+ncb]
		asm.PackNR(dst[p*NR:], stride, src, full)
		if rem > 0 {
			d := dst[full*stride+p*NR : full*stride+p*NR+NR]
			copy(d, src[full*NR:])
			clear(d[rem:])
		}
	}
}

// packBPanelN packs one micro-panel of B stored k×n, w ≤ NR columns wide:
// d[p*NR+j] = B[pc+p][col+j], zero padded to NR columns.
func packBPanelN(d, b []float32, ldb, pc, kcb, col, w int) {
	off := pc*ldb + col
	for p := range kcb {
		row := d[p*NR : p*NR+NR]
		copy(row, b[off:off+w])
		clear(row[w:])
		off += ldb
	}
}

// packBPanelT: B stored n×k. d[p*NR+j] = B[col+j][pc+p], zero padded to NR
// columns.
func packBPanelT(d, b []float32, ldb, pc, kcb, col, w int) {
	if w == NR {
		asm.PackPanelNRTrans(kcb, d, b[col*ldb+pc:], ldb)
		return
	}
	for j := range w {
		base := (col+j)*ldb + pc
		for p, v := range b[base : base+kcb] {
			d[p*NR+j] = v
		}
	}
	for p := range kcb {
		clear(d[p*NR+w : p*NR+NR])
	}
}

// packBPanelRows packs one micro-panel, w ≤ NR columns wide, of a B given
// as a row table: d[p*NR+j] = b[rows.Start(pc+p)+col+j], zero padded to NR
// columns.
func packBPanelRows(d, b []float32, rows asm.Rows, pc, kcb, col, w int) {
	for p := range kcb {
		row := d[p*NR : p*NR+NR]
		o := rows.Start(pc+p) + col
		copy(row, b[o:o+w])
		clear(row[w:])
	}
}

// packBPanelCols packs one micro-panel, w ≤ NR columns wide, of a B given
// as a row table with a column map: d[p*NR+j] = b[rows.Start(pc+p) +
// cols.Off(col+j)], zero padded to NR columns.
func packBPanelCols(d, b []float32, rows asm.Rows, cols asm.Cols, pc, kcb, col, w int) {
	for p := range kcb {
		row := d[p*NR : p*NR+NR]
		o := rows.Start(pc + p)
		for j := range w {
			row[j] = b[o+cols.Off(col+j)]
		}
		clear(row[w:])
	}
}

// packBPanelTransRows packs one micro-panel, w ≤ NR columns wide, of a B
// whose columns are rows of a table: d[p*NR+j] = b[rows.Start(col+j)+pc+p],
// zero padded to NR columns.
func packBPanelTransRows(d, b []float32, rows asm.Rows, pc, kcb, col, w int) {
	for j := range w {
		o := rows.Start(col+j) + pc
		for p, v := range b[o : o+kcb] {
			d[p*NR+j] = v
		}
	}
	for p := range kcb {
		clear(d[p*NR+w : p*NR+NR])
	}
}
