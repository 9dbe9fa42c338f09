// Package gemm implements single-precision general matrix multiplication
// (SGEMM) for convkit's convolution kernels.
//
// All matrices are dense row-major slices with an explicit leading dimension
// (row stride, in elements), as in CBLAS with CblasRowMajor:
//
//	C = alpha·op(A)·op(B) + beta·C
//
// where op(A) is m×k, op(B) is k×n and C is m×n; op(X) = Xᵀ when the
// corresponding trans flag is set, in which case X is stored k×m (A) or n×k
// (B). When beta == 0, C is not read (NaN/Inf in C are overwritten); when
// alpha == 0 or k == 0, A and B are not read.
//
// The implementation follows the BLIS/GotoBLAS design: A is packed into
// MR=6-row micro-panels, B into NR=16-column micro-panels, both zero padded
// to full micro-tiles, and the loops are blocked (kc, mc, nc) for the cache
// hierarchy so that the 6×16 AVX2/FMA micro-kernel (internal/asm) streams
// its operands from L1/L2. Edge tiles are computed into a scratch tile and
// merged, so the assembly only ever sees full tiles; a last column panel at
// most 8 wide uses a 6×8 kernel instead of wasting half of a 6×16 one.
// When A is short (≤ mc rows, the usual case for convolution weights per
// group), B is packed one micro-panel at a time right before use while the
// micro-kernel prefetches the next one, instead of packing a whole kc×nc
// block up front (see macroKernelSmallM).
//
// Multi-threading picks a grid of at most `threads` rectangles of C (along
// n, m or both, per shape), cuts it into a few parts per thread and lets the
// calling goroutine and a bounded, process-wide pool of worker goroutines
// claim parts dynamically. Packing buffers and job descriptors come from
// free lists, so steady-state calls do not allocate.
package gemm

import (
	"runtime"

	"github.com/convkit/convkit/internal/asm"
)

// Micro-tile shape (fixed by the assembly micro-kernel asm.Sgemm6x16).
const (
	MR = asm.MR // rows of C per micro-tile (6 broadcast A values)
	NR = asm.NR // columns of C per micro-tile (2 YMM registers of 8 floats)
)

// Cache blocking. The target is AMD Zen 4 (EPYC 9xx4) as measured on the
// dev box: L1d 32 KiB/core (8-way), L2 1 MiB/core, L3 32 MiB shared; the
// same numbers are sensible for any recent x86 core (L1d ≥ 32 KiB,
// L2 ≥ 1 MiB). They are variables only so tests can shrink them to exercise
// every blocking path with small matrices.
var (
	// kcMax bounds the depth of one packed block. The B micro-panel
	// (kc×NR floats = 256·16·4 B = 16 KiB) must stay resident in L1 while
	// the micro-kernel walks over all A micro-panels of the block: 16 KiB is
	// half of L1d, leaving room for the streaming A micro-panel
	// (kc×MR = 6 KiB) and the C tile. Each extra depth block costs one more
	// read+write of the C tile, so kc should not be much smaller either
	// (192..512 measured within noise of each other). k is split into equal
	// blocks of at most kcMax (e.g. k=576 → 3×192, not 256+256+64).
	kcMax = 256

	// mcMax bounds the rows of the A block (mc×kc) reused from L2 across all
	// B micro-panels of a B block in the blocked loop nest: 192·256·4 B =
	// 192 KiB, a fifth of the 1 MiB L2, leaving room for the B micro-panel
	// stream and C. Multiple of MR. (96..384 measured equal within noise.)
	mcMax = 192

	// ncMax bounds the columns of the packed B block (kc×nc) that is reused
	// across all of m in the blocked loop nest: 2048·256·4 B = 2 MiB per
	// worker, streamed from L3 (32 MiB shared) one 16 KiB micro-panel at a
	// time. Multiple of NR. Measured flat between 768 and 4096 on
	// 1024×1024×1024, 512×3136×512 and 1024×784×1024 (all ≈ 100 GFLOP/s).
	ncMax = 2048

	// aResidentMaxFloats: when the packed A panels of a part (all rows, all
	// depth blocks) take at most this many floats (128 Ki floats = 512 KiB,
	// half the L2), A stays in L2 for the whole call and B is packed one
	// micro-panel at a time right before use instead of one kc×nc block at a
	// time (e.g. 256×256 weights: 258·256 = 66 Ki floats).
	aResidentMaxFloats = 128 << 10

	// packAMaxFloats caps the packed-A scratch of Sgemm (which packs all of
	// A before multiplying): 4 Mi floats = 16 MiB. Taller A is processed in
	// row chunks.
	packAMaxFloats = 4 << 20

	// minFlopsPerThread is the work (2·m·n·k) below which an extra thread
	// is not worth its hand-off latency (a few µs): 2 MFLOP ≈ 25 µs at
	// 80 GFLOP/s.
	minFlopsPerThread = 2 << 20
)

// blockSize splits total into ceil(total/max) near-equal blocks and returns
// the block size rounded up to a multiple of align (align ≤ max, max a
// multiple of align).
func blockSize(total, max, align int) int {
	if total <= 0 {
		return align
	}
	nb := (total + max - 1) / max
	bs := (total + nb - 1) / nb
	return (bs + align - 1) / align * align
}

// Sgemm computes C = alpha·op(A)·op(B) + beta·C on the calling goroutine.
//
// op(A) is m×k: A is stored m×k with lda ≥ max(1,k) if !transA, or k×m with
// lda ≥ max(1,m) if transA. op(B) is k×n: B is stored k×n with ldb ≥ max(1,n)
// if !transB, or n×k with ldb ≥ max(1,k) if transB. C is m×n with
// ldc ≥ max(1,n). Only the m×n elements of C are written. It panics on
// negative sizes, too-small leading dimensions or too-short slices.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	SgemmParallel(1, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// SgemmParallel is Sgemm using up to threads goroutines (threads ≤ 0 means
// runtime.GOMAXPROCS(0); the count is also capped by GOMAXPROCS and by the
// amount of work). The result is identical for every thread count (each C
// element is always computed by the same sequence of operations).
func SgemmParallel(threads int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panic("gemm: negative dimension")
	}
	checkMat("A", transA, m, k, a, lda)
	checkMat("B", transB, k, n, b, ldb)
	checkMat("C", false, m, n, c, ldc)
	if m == 0 || n == 0 {
		return
	}
	if k == 0 || alpha == 0 {
		scaleC(m, n, beta, c, ldc)
		return
	}
	threads = effectiveThreads(threads, m, n, k)

	pa := paPool.get()
	rows := max(MR, packAMaxFloats/k/MR*MR) // rows of A packed at a time
	for r0 := 0; r0 < m; r0 += rows {
		mc := min(rows, m-r0)
		aOff := r0 * lda // first row of op(A) chunk
		if transA {
			aOff = r0
		}
		pa.reset(mc, k)
		packAParallel(threads, pa, transA, a[aOff:], lda)
		multiply(threads, pa, bOperand{data: b, ld: ldb, trans: transB}, n, alpha, beta, c[r0*ldc:], ldc)
	}
	paPool.put(pa)
}

// SgemmPackedA computes C = alpha·A·op(B) + beta·C with A pre-packed by
// PackA (m = pa.M(), k = pa.K()); the other arguments are as in
// SgemmParallel. This is the path for convolution weights, packed once at
// plan time. pa is only read, so one PackedA may be shared by concurrent
// calls. The result is bit-identical to Sgemm with the same A.
func SgemmPackedA(threads int, pa *PackedA, transB bool, n int, alpha float32, b []float32, ldb int, beta float32, c []float32, ldc int) {
	multiplyPacked(threads, pa, bOperand{data: b, ld: ldb, trans: transB}, n, alpha, beta, c, ldc)
}

// SgemmPackedARows computes C = alpha·A·B + beta·C with A pre-packed by
// PackA (m = pa.M(), k = pa.K()) and B given by a row table: B[p][j] =
// b[rows.Start(p) + j] for p < k, j < n. This is an indirect GEMM: the B
// operand of a convolution read straight from its zero-padded input planes
// (row (c, i, j) is plane c shifted by the tap) instead of an im2col copy.
// It panics unless rows has k rows of n values inside b. The other
// arguments are as in SgemmPackedA, and the result is bit-identical to
// SgemmPackedA on the gathered B.
func SgemmPackedARows(threads int, pa *PackedA, n int, alpha float32, b []float32, rows asm.Rows, beta float32, c []float32, ldc int) {
	multiplyPacked(threads, pa, bOperand{data: b, rows: rows, indirect: true}, n, alpha, beta, c, ldc)
}

// SgemmPackedACols is SgemmPackedARows with a column map: B[p][j] =
// b[rows.Start(p) + cols.Off(j)]. With a convolution's phase planes it is
// the im2col matrix of several images side by side, packed straight from
// the planes (no im2col copy, no garbage columns). It panics unless
// rows has k rows, cols at least n columns, and both fit b (cols.Fit).
// The result is bit-identical to SgemmPackedA on the gathered B.
func SgemmPackedACols(threads int, pa *PackedA, n int, alpha float32, b []float32, rows asm.Rows, cols asm.Cols, beta float32, c []float32, ldc int) {
	multiplyPacked(threads, pa, bOperand{data: b, rows: rows, cols: cols, indirect: true, mapped: true}, n, alpha, beta, c, ldc)
}

// SgemmPackedATransRows computes C = alpha·A·Bᵀ + beta·C with A pre-packed
// by PackA (m = pa.M(), k = pa.K()) and the n rows of B (k values each)
// given by a row table: op(B)[p][j] = b[rows.Start(j) + p]. It is the
// weight gradient dY·colᵀ with col's rows read in place from the padded
// input (a tap's run each) instead of an im2col copy. It panics unless
// rows has n rows of k values inside b. The result is bit-identical to
// SgemmPackedA with transB on the gathered B.
func SgemmPackedATransRows(threads int, pa *PackedA, n int, alpha float32, b []float32, rows asm.Rows, beta float32, c []float32, ldc int) {
	multiplyPacked(threads, pa, bOperand{data: b, rows: rows, indirect: true, trans: true}, n, alpha, beta, c, ldc)
}

// multiplyPacked is SgemmPackedA and its row-table forms: argument checks,
// the trivial cases, then multiply.
func multiplyPacked(threads int, pa *PackedA, b bOperand, n int, alpha, beta float32, c []float32, ldc int) {
	m, k := pa.m, pa.k
	if n < 0 {
		panic("gemm: negative dimension")
	}
	b.check(k, n)
	checkMat("C", false, m, n, c, ldc)
	if m == 0 || n == 0 {
		return
	}
	if k == 0 || alpha == 0 {
		scaleC(m, n, beta, c, ldc)
		return
	}
	multiply(effectiveThreads(threads, m, n, k), pa, b, n, alpha, beta, c, ldc)
}

// bOperand is the B operand of a multiplication: a dense matrix (data,
// leading dimension ld, transposed when trans) or, when indirect, a row
// table into data — the rows of op(B), with a column map when mapped, or
// with trans the rows of B (the columns of op(B)).
type bOperand struct {
	data     []float32
	ld       int
	trans    bool
	indirect bool
	rows     asm.Rows
	mapped   bool
	cols     asm.Cols
}

// check panics unless b holds op(B) of k rows and n columns.
func (b bOperand) check(k, n int) {
	switch {
	case !b.indirect:
		checkMat("B", b.trans, k, n, b.data, b.ld)
	case b.trans:
		if b.rows.Len() != n || (k > 0 && !b.rows.Within(0, k, len(b.data))) {
			panic("gemm: row table of B does not fit")
		}
	case b.rows.Len() != k:
		panic("gemm: row table of B does not fit")
	case b.mapped && !b.cols.Fit(b.rows, n, len(b.data)):
		panic("gemm: column map of B does not fit")
	case !b.mapped && n > 0 && !b.rows.Within(0, n, len(b.data)):
		panic("gemm: row table of B does not fit")
	}
}

// checkMat panics unless s can hold the rows×cols matrix op(X) stored
// row-major (transposed when trans) with leading dimension ld.
func checkMat(name string, trans bool, rows, cols int, s []float32, ld int) {
	sr, sc := rows, cols // stored shape
	if trans {
		sr, sc = cols, rows
	}
	if ld < max(1, sc) {
		panic("gemm: leading dimension of " + name + " too small")
	}
	if sr > 0 && sc > 0 && len(s) < (sr-1)*ld+sc {
		panic("gemm: slice " + name + " too short")
	}
}

// scaleC sets C = beta·C (C = 0 when beta == 0, without reading C).
func scaleC(m, n int, beta float32, c []float32, ldc int) {
	for i := range m {
		row := c[i*ldc : i*ldc+n]
		switch beta {
		case 0:
			clear(row)
		case 1:
		default:
			asm.Scale(beta, row)
		}
	}
}

func effectiveThreads(threads, m, n, k int) int {
	procs := runtime.GOMAXPROCS(0)
	if threads <= 0 || threads > procs {
		threads = procs
	}
	if w := 2 * float64(m) * float64(n) * float64(k) / float64(minFlopsPerThread); float64(threads) > w {
		threads = max(1, int(w))
	}
	return threads
}

var paPool freeList[PackedA]
