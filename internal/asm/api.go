package asm

import "unsafe"

// Micro-kernel register block: the SGEMM micro-kernel computes an MR x NR
// tile of C (6 rows x 16 columns = 12 YMM accumulators of 8 floats).
const (
	MR = 6
	NR = 16
)

// Sgemm6x16 is the SGEMM micro-kernel. With a a packed A micro-panel
// (kc x 6, column of 6 per k) and b a packed B micro-panel (kc x 16, row of
// 16 per k) it computes, for i < 6 and j < 16,
//
//	s := Σ_{p<kc} a[p*6+i] * b[p*16+j]          (summed in increasing p)
//	if beta == 0 {
//		c[i*ldc+j] = alpha*s                    (c is not read: NaN/Inf in c are overwritten)
//	} else {
//		c[i*ldc+j] = alpha*s + beta*c[i*ldc+j]
//	}
//
// It panics if kc < 0, ldc < 16, len(a) < 6*kc, len(b) < 16*kc or
// len(c) < 5*ldc+16. Only the 6x16 tile of c is written.
func Sgemm6x16(kc int, a, b, c []float32, ldc int, alpha, beta float32) {
	if kc < 0 || ldc < NR || len(a) < MR*kc || len(b) < NR*kc || len(c) < (MR-1)*ldc+NR {
		panic("asm: Sgemm6x16: bad arguments")
	}
	switch {
	case UsingAVX512():
		sgemm6x16AVX512(kc, unsafe.SliceData(a), unsafe.SliceData(b), &c[0], ldc, alpha, beta, nil, 0)
	case useAsm.Load():
		sgemm6x16AVX2(kc, unsafe.SliceData(a), unsafe.SliceData(b), &c[0], ldc, alpha, beta)
	default:
		Sgemm6x16Generic(kc, a, b, c, ldc, alpha, beta)
	}
}

// Sgemm6x32 is Sgemm6x16 on two adjacent packed B micro-panels, b[:16*kc]
// and b[16*kc:32*kc], into C columns 0–15 and 16–31, with the prefetches
// of Sgemm6x16Prefetch (two lines per k step at &pf[0] + p*pfld floats:
// the rows of the next pair of panels; an empty pf disables them). With
// the AVX-512 kernels this is one call with twelve ZMM accumulators (on
// L1 data on Zen 5, 220 GFLOP/s against 151 for one-panel calls:
// BenchmarkSgemmWide); otherwise it is two Sgemm6x16 calls.
// Results are bit-identical to Sgemm6x16 on each panel. It panics if
// kc < 0, ldc < 32, len(a) < 6*kc, len(b) < 32*kc or len(c) < 5*ldc+32.
func Sgemm6x32(kc int, a, b, c []float32, ldc int, alpha, beta float32, pf []float32, pfld int) {
	if kc < 0 || ldc < 2*NR || len(a) < MR*kc || len(b) < 2*NR*kc || len(c) < (MR-1)*ldc+2*NR {
		panic("asm: Sgemm6x32: bad arguments")
	}
	if UsingAVX512() {
		sgemm6x32AVX512(kc, unsafe.SliceData(a), unsafe.SliceData(b), &c[0], ldc, alpha, beta, prefetchBase(pf), pfld)
		return
	}
	Sgemm6x16Prefetch(kc, a, b, c, ldc, alpha, beta, pf, pfld)
	Sgemm6x16(kc, a, b[NR*kc:], c[NR:], ldc, alpha, beta)
}

// prefetchBase is the kernels' prefetch pointer for pf: nil (no
// prefetches) when pf is empty.
func prefetchBase(pf []float32) *float32 {
	if len(pf) == 0 {
		return nil
	}
	return &pf[0]
}

// Sgemm6x48 is Sgemm6x16 on three adjacent packed B micro-panels,
// b[:16*kc], b[16*kc:32*kc] and b[32*kc:48*kc], into C columns 0–47 (one
// AVX-512 call with eighteen accumulators, or three Sgemm6x16 calls):
// bit-identical to Sgemm6x16 on each panel. It panics if kc < 0, ldc < 48,
// len(a) < 6*kc, len(b) < 48*kc or len(c) < 5*ldc+48.
func Sgemm6x48(kc int, a, b, c []float32, ldc int, alpha, beta float32) {
	if kc < 0 || ldc < 3*NR || len(a) < MR*kc || len(b) < 3*NR*kc || len(c) < (MR-1)*ldc+3*NR {
		panic("asm: Sgemm6x48: bad arguments")
	}
	if UsingAVX512() {
		sgemm6x48AVX512(kc, unsafe.SliceData(a), unsafe.SliceData(b), &c[0], ldc, alpha, beta)
		return
	}
	for q := range 3 {
		Sgemm6x16(kc, a, b[q*NR*kc:], c[q*NR:], ldc, alpha, beta)
	}
}

// Sgemm2x32 is Sgemm2x16 on two adjacent packed B micro-panels, b[:16*kc]
// and b[16*kc:32*kc], into C columns 0–15 and 16–31 (one AVX-512 call, or
// two Sgemm2x16 calls); bit-identical to Sgemm2x16 on each panel. It
// panics if kc < 0, ldc < 32, len(a) < 6*(kc-1)+2 (kc > 0),
// len(b) < 32*kc or len(c) < ldc+32.
func Sgemm2x32(kc int, a, b, c []float32, ldc int, alpha, beta float32) {
	if kc < 0 || ldc < 2*NR || (kc > 0 && len(a) < MR*(kc-1)+2) || len(b) < 2*NR*kc || len(c) < ldc+2*NR {
		panic("asm: Sgemm2x32: bad arguments")
	}
	if UsingAVX512() {
		sgemm2x32AVX512(kc, unsafe.SliceData(a), unsafe.SliceData(b), &c[0], ldc, alpha, beta)
		return
	}
	Sgemm2x16(kc, a, b, c, ldc, alpha, beta)
	Sgemm2x16(kc, a, b[NR*kc:], c[NR:], ldc, alpha, beta)
}

// Sgemm2x16 is Sgemm6x16 for two rows of the packed A micro-panel: a
// starts at the first of them (a[p*6] and a[p*6+1] are their k-th values),
// and C has two rows:
//
//	s := Σ_{p<kc} a[p*6+i] * b[p*16+j]    (even and odd p summed separately, then added)
//	c[i*ldc+j] = alpha*s                   if beta == 0 (c not read)
//	c[i*ldc+j] = alpha*s + beta*c[i*ldc+j] otherwise
//
// for i < 2, j < 16: the last 2 or 4 rows of a matrix whose rows are not a
// multiple of 6, at a third of a full panel's cost per two rows. It panics
// if kc < 0, ldc < 16, len(a) < 6*(kc-1)+2 (kc > 0), len(b) < 16*kc or
// len(c) < ldc+16.
func Sgemm2x16(kc int, a, b, c []float32, ldc int, alpha, beta float32) {
	if kc < 0 || ldc < NR || (kc > 0 && len(a) < MR*(kc-1)+2) || len(b) < NR*kc || len(c) < ldc+NR {
		panic("asm: Sgemm2x16: bad arguments")
	}
	if useAsm.Load() {
		sgemm2x16AVX2(kc, unsafe.SliceData(a), unsafe.SliceData(b), &c[0], ldc, alpha, beta)
		return
	}
	for i := range 2 {
		var even, odd [NR]float32
		for p := range kc {
			av, br := a[p*MR+i], b[p*NR:][:NR]
			acc := &even
			if p%2 == 1 {
				acc = &odd
			}
			for j := range acc {
				acc[j] += av * br[j]
			}
		}
		cr := c[i*ldc:][:NR]
		for j := range cr {
			s := even[j] + odd[j]
			if beta == 0 {
				cr[j] = alpha * s
			} else {
				cr[j] = alpha*s + beta*cr[j]
			}
		}
	}
}

// Sgemm6x8 is the narrow micro-kernel for a last column panel at most 8
// wide. With a a packed A micro-panel (kc x 6) and b holding kc rows of at
// least 8 floats with row stride ldb (a packed 16-wide B micro-panel has
// ldb = 16), it computes, for i < 6 and j < 8,
//
//	s := Σ_{p<kc} a[p*6+i] * b[p*ldb+j]    (even and odd p summed separately, then added)
//	if beta == 0 {
//		c[i*ldc+j] = alpha*s                (c not read)
//	} else {
//		c[i*ldc+j] = alpha*s + beta*c[i*ldc+j]
//	}
//
// It panics if kc < 0, ldb < 8, ldc < 8, len(a) < 6*kc,
// len(b) < (kc-1)*ldb+8 (kc > 0) or len(c) < 5*ldc+8.
func Sgemm6x8(kc int, a, b []float32, ldb int, c []float32, ldc int, alpha, beta float32) {
	if kc < 0 || ldb < 8 || ldc < 8 || len(a) < MR*kc || (kc > 0 && len(b) < (kc-1)*ldb+8) || len(c) < (MR-1)*ldc+8 {
		panic("asm: Sgemm6x8: bad arguments")
	}
	if useAsm.Load() {
		sgemm6x8AVX2(kc, unsafe.SliceData(a), unsafe.SliceData(b), ldb, &c[0], ldc, alpha, beta)
		return
	}
	Sgemm6x8Generic(kc, a, b, ldb, c, ldc, alpha, beta)
}

// Sgemm6x49 is Sgemm6x48 (C columns 0–47 from b) and Sgemm6x1 on the
// column b1 (stride ldb1, its six sums into out) in one pass over the A
// panel: bit-identical to the two calls. It is the last column step of a C
// whose width is 16·3·n + 1 (49: a 7×7 map at batch 1), where a separate
// Sgemm6x1 pass re-reads every A panel for one column. It panics if
// kc < 0, ldb1 < 1, ldc < 48, len(a) < 6*kc, len(b) < 48*kc,
// len(c) < 5*ldc+48, len(b1) < (kc-1)*ldb1+1 (kc > 0) or len(out) < 6.
func Sgemm6x49(kc int, a, b, c []float32, ldc int, alpha, beta float32, b1 []float32, ldb1 int, out []float32) {
	if kc < 0 || ldb1 < 1 || ldc < 3*NR || len(a) < MR*kc || len(b) < 3*NR*kc || len(c) < (MR-1)*ldc+3*NR ||
		(kc > 0 && len(b1) < (kc-1)*ldb1+1) || len(out) < MR {
		panic("asm: Sgemm6x49: bad arguments")
	}
	if UsingAVX512() && kc > 0 {
		sgemm6x49AVX512(kc, &a[0], &b[0], &c[0], ldc, alpha, beta, &b1[0], ldb1, &out[0])
		return
	}
	Sgemm6x48(kc, a, b, c, ldc, alpha, beta)
	Sgemm6x1(kc, a, b1, ldb1, out)
}

// Sgemm6x36 is Sgemm6x32 (C columns 0–31 from b, no prefetch) and the
// sums of the first four columns of the packed micro-panel b1 (b1[p*16+j],
// j < 4) in one pass over the A panel: out[8j+i] is row i of column j,
// the value Sgemm6x8(kc, a, b1, 16, t, 16, 1, 0) leaves in t[16i+j]
// (even and odd k steps summed apart, then added), so alpha·out merged
// into C is bit-identical to the 6×8 kernel's tile. It is the last column
// step of a C 32·n + 2…4 columns wide (196: a 14×14 map at batch 1), whose
// last columns otherwise take a second pass over every A panel. out[8j+6]
// and out[8j+7] are scratch. It panics if kc < 0, ldc < 32,
// len(a) < 6*kc, len(b) < 32*kc, len(c) < 5*ldc+32, len(b1) < 16*kc or
// len(out) < 48.
func Sgemm6x36(kc int, a, b, c []float32, ldc int, alpha, beta float32, b1, out []float32) {
	if kc < 0 || ldc < 2*NR || len(a) < MR*kc || len(b) < 2*NR*kc || len(c) < (MR-1)*ldc+2*NR ||
		len(b1) < NR*kc || len(out) < MR*8 {
		panic("asm: Sgemm6x36: bad arguments")
	}
	if UsingAVX512() && kc > 0 {
		sgemm6x36AVX512(kc, &a[0], &b[0], &c[0], ldc, alpha, beta, &b1[0], &out[0])
		return
	}
	Sgemm6x32(kc, a, b, c, ldc, alpha, beta, nil, 0)
	var t [MR * NR]float32
	Sgemm6x8(kc, a, b1, NR, t[:], NR, 1, 0)
	for j := range 4 {
		for i := range MR {
			out[8*j+i] = t[NR*i+j]
		}
	}
}

// Sgemm6x1 is the one-column kernel of a packed A micro-panel:
//
//	s[i] = Σ_{p<kc} a[p*6+i] * b[p*ldb]      i < 6
//
// with the k steps summed round-robin in four partial sums s0..s3 (p mod
// 4) and added as (s0 + s1) + (s2 + s3); out[i] = s[i]. It serves the last
// column of a C whose width is 1 more than a multiple of 16 (49, a 7×7
// map at batch 1), where the 6×8 kernel would cost most of a full tile.
// It panics if kc < 0, ldb < 1, len(a) < 6*kc, len(b) < (kc-1)*ldb+1
// (kc > 0) or len(out) < 6.
func Sgemm6x1(kc int, a, b []float32, ldb int, out []float32) {
	if kc < 0 || ldb < 1 || len(a) < MR*kc || (kc > 0 && len(b) < (kc-1)*ldb+1) || len(out) < MR {
		panic("asm: Sgemm6x1: bad arguments")
	}
	if useAsm.Load() {
		if kc == 0 {
			clear(out[:MR])
			return
		}
		sgemm6x1AVX2(kc, &a[0], &b[0], ldb, &out[0])
		return
	}
	for i := range MR {
		var s [4]float32
		for p := range kc {
			s[p%4] += a[p*MR+i] * b[p*ldb]
		}
		out[i] = (s[0] + s[1]) + (s[2] + s[3])
	}
}

// Sgemm6x16Prefetch is Sgemm6x16 that also issues, spread over its k loop,
// prefetches of the cache lines at &pf[0] + p*pfld floats for p < kc (for
// example the rows of the next B micro-panel of a row-major matrix, packed
// right after this call). Prefetches are hints: they never fault, may reach
// beyond len(pf), and do not change the result. An empty pf disables them.
func Sgemm6x16Prefetch(kc int, a, b, c []float32, ldc int, alpha, beta float32, pf []float32, pfld int) {
	if kc < 0 || ldc < NR || len(a) < MR*kc || len(b) < NR*kc || len(c) < (MR-1)*ldc+NR {
		panic("asm: Sgemm6x16Prefetch: bad arguments")
	}
	if UsingAVX512() {
		sgemm6x16AVX512(kc, unsafe.SliceData(a), unsafe.SliceData(b), &c[0], ldc, alpha, beta, prefetchBase(pf), pfld)
		return
	}
	if useAsm.Load() {
		if len(pf) == 0 {
			sgemm6x16AVX2(kc, unsafe.SliceData(a), unsafe.SliceData(b), &c[0], ldc, alpha, beta)
			return
		}
		sgemm6x16PFAVX2(kc, unsafe.SliceData(a), unsafe.SliceData(b), &c[0], ldc, alpha, beta, &pf[0], pfld)
		return
	}
	Sgemm6x16Generic(kc, a, b, c, ldc, alpha, beta)
}

// Axpy computes y[i] += alpha*x[i] for i < len(x). It panics if
// len(y) < len(x).
func Axpy(alpha float32, x, y []float32) {
	n := len(x)
	if len(y) < n {
		panic("asm: Axpy: len(y) < len(x)")
	}
	if n == 0 {
		return
	}
	if useAsm.Load() {
		axpyAVX2(alpha, &x[0], &y[0], n)
		return
	}
	AxpyGeneric(alpha, x, y[:n])
}

// Dot returns Σ_{i<len(x)} x[i]*y[i] (summation order unspecified). It panics
// if len(y) < len(x).
func Dot(x, y []float32) float32 {
	n := len(x)
	if len(y) < n {
		panic("asm: Dot: len(y) < len(x)")
	}
	if n == 0 {
		return 0
	}
	if useAsm.Load() {
		return dotAVX2(&x[0], &y[0], n)
	}
	return DotGeneric(x, y[:n])
}

// Scale computes x[i] *= alpha for i < len(x).
func Scale(alpha float32, x []float32) {
	if len(x) == 0 {
		return
	}
	if useAsm.Load() {
		scaleAVX2(alpha, &x[0], len(x))
		return
	}
	ScaleGeneric(alpha, x)
}

// AddBias computes x[i] += bias for i < len(x) (the per-channel bias epilogue
// of a convolution output row).
func AddBias(bias float32, x []float32) {
	if len(x) == 0 {
		return
	}
	if useAsm.Load() {
		addBiasAVX2(bias, &x[0], len(x))
		return
	}
	AddBiasGeneric(bias, x)
}

// AddBiasRelu computes, for i < len(x),
//
//	v := x[i] + bias
//	if v < 0 { v = 0 }
//	x[i] = v
//
// so NaN propagates and a -0 sum stays -0 (this is exactly VMAXPS(0, v)).
func AddBiasRelu(bias float32, x []float32) {
	if len(x) == 0 {
		return
	}
	if useAsm.Load() {
		addBiasReluAVX2(bias, &x[0], len(x))
		return
	}
	AddBiasReluGeneric(bias, x)
}

// PackNR scatters one row of B into npan consecutive NR-wide packed
// micro-panels (the inner loop of GEMM B packing):
//
//	for jp := 0; jp < npan; jp++ {
//		copy(dst[jp*stride:jp*stride+16], src[jp*16:jp*16+16])
//	}
//
// It panics if stride < 16, len(src) < 16*npan or
// len(dst) < (npan-1)*stride+16 (npan > 0).
func PackNR(dst []float32, stride int, src []float32, npan int) {
	if npan <= 0 {
		return
	}
	if stride < NR || len(src) < NR*npan || len(dst) < (npan-1)*stride+NR {
		panic("asm: PackNR: bad arguments")
	}
	if useAsm.Load() {
		packNRAVX2(&dst[0], stride, &src[0], npan)
		return
	}
	PackNRGeneric(dst, stride, src, npan)
}

// PackPanelNR packs one NR-wide micro-panel of a row-major matrix (the B
// operand of GEMM packed just before use):
//
//	for p := 0; p < kc; p++ {
//		copy(dst[p*16:p*16+16], src[p*ld:p*ld+16])
//	}
//
// The assembly also prefetches the 16 floats that follow each source row
// segment (the next micro-panel), which may lie beyond len(src); prefetches
// never fault. It panics if ld < 16, len(dst) < 16*kc or
// len(src) < (kc-1)*ld+16 (kc > 0).
func PackPanelNR(kc int, dst, src []float32, ld int) {
	if kc <= 0 {
		return
	}
	if ld < NR || len(dst) < NR*kc || len(src) < (kc-1)*ld+NR {
		panic("asm: PackPanelNR: bad arguments")
	}
	if useAsm.Load() {
		packPanelNRAVX2(kc, &dst[0], &src[0], ld)
		return
	}
	PackPanelNRGeneric(kc, dst, src, ld)
}

// Rows is a table of row starts: row p of a matrix stored in one slice
// begins at off[p], rows in any order, possibly overlapping. It is the B
// operand of an indirect GEMM, read straight from the padded input planes
// of a convolution (row (c, i, j) is plane c shifted by the tap), with no
// im2col copy. Build it with NewRows, which records the least and greatest
// start once, so that the packing routines check a whole call in O(1).
type Rows struct {
	off    []int
	lo, hi int
}

// NewRows returns the table of the row starts off (kept, not copied: the
// caller must not change off while the table is in use).
func NewRows(off []int) Rows {
	r := Rows{off: off}
	for i, o := range off {
		if i == 0 || o < r.lo {
			r.lo = o
		}
		if i == 0 || o > r.hi {
			r.hi = o
		}
	}
	return r
}

// Len returns the number of rows.
func (r Rows) Len() int { return len(r.off) }

// Start returns where row p starts.
func (r Rows) Start(p int) int { return r.off[p] }

// Within reports whether every row has n values from column col on inside
// a slice of length size.
func (r Rows) Within(col, n, size int) bool {
	return len(r.off) == 0 || (col >= 0 && r.lo+col >= 0 && r.hi+col+n <= size)
}

// PackPanelNRRows is PackPanelNR for the rows [p0, p0+kc) of a row table:
//
//	for p := 0; p < kc; p++ {
//		copy(dst[p*16:p*16+16], src[rows.Start(p0+p)+col:][:16])
//	}
//
// It panics unless those rows and len(dst) ≥ 16·kc fit.
func PackPanelNRRows(kc int, dst, src []float32, rows Rows, p0, col int) {
	if kc <= 0 {
		return
	}
	if p0 < 0 || p0+kc > rows.Len() || len(dst) < NR*kc || !rows.Within(col, NR, len(src)) {
		panic("asm: PackPanelNRRows: bad arguments")
	}
	if useAsm.Load() {
		packPanelNRRowsAVX2(kc, &dst[0], &src[0], &rows.off[p0], col)
		return
	}
	for p := range kc {
		o := rows.off[p0+p] + col
		copy(dst[p*NR:(p+1)*NR], src[o:o+NR])
	}
}

// PackPanelNRTransRows is PackPanelNRTrans with the 16 source rows taken
// from a row table: it packs rows [j0, j0+16) of rows, transposed, from
// column p0 on:
//
//	for p := 0; p < kc; p++ {
//		for j := 0; j < 16; j++ {
//			dst[p*16+j] = src[rows.Start(j0+j)+p0+p]
//		}
//	}
//
// It is the B panel of a weight-gradient GEMM whose im2col rows are runs
// of the padded input (read in place, not copied). It panics unless the
// arguments fit.
func PackPanelNRTransRows(kc int, dst, src []float32, rows Rows, j0, p0 int) {
	if kc <= 0 {
		return
	}
	if j0 < 0 || j0+NR > rows.Len() || len(dst) < NR*kc || !rows.Within(p0, kc, len(src)) {
		panic("asm: PackPanelNRTransRows: bad arguments")
	}
	if useAsm.Load() {
		packPanelNRTransRowsAVX2(kc, &dst[0], unsafe.SliceData(src), &rows.off[j0], p0)
		return
	}
	for j := range NR {
		o := rows.off[j0+j] + p0
		for p, v := range src[o : o+kc] {
			dst[p*NR+j] = v
		}
	}
}

// Cols is a column map of an indirect B operand: column j of every row of
// a Rows table is Off(j) values past the row's start. With a convolution's
// phase planes as the rows' slice, it lists the output positions of whole
// images side by side (offset image·plane + oh·wq + ow), so that the GEMM
// packs im2col's B panels straight from the planes, without the garbage
// columns of the phase domain and without an im2col copy. NewCols records,
// for every micro-panel of NR columns, the runs of consecutive offsets it
// is made of (a few per panel: output rows, images), which PackPanelNRCols
// moves as whole vectors.
type Cols struct {
	off    []int
	runs   []int // (source offset, position in the panel, length) triples, panel after panel
	first  []int // the runs of panel q are triples first[q] to first[q+1]
	lo, hi int   // least offset, greatest offset + NR: the reach of a packed panel past a row start
}

// NewCols returns the column map of the offsets off (kept, not copied: the
// caller must not change off while the map is in use). Offsets must not
// be negative.
func NewCols(off []int) Cols {
	c := Cols{off: off}
	for i, o := range off {
		if o < 0 {
			panic("asm: NewCols: negative offset")
		}
		if i == 0 || o < c.lo {
			c.lo = o
		}
		c.hi = max(c.hi, o+NR)
	}
	for q := 0; q+NR <= len(off); q += NR {
		c.first = append(c.first, len(c.runs)/3)
		for j := q; j < q+NR; {
			e := j + 1
			for e < q+NR && off[e] == off[e-1]+1 {
				e++
			}
			c.runs = append(c.runs, off[j], j-q, e-j)
			j = e
		}
	}
	c.first = append(c.first, len(c.runs)/3)
	return c
}

// Len returns the number of columns.
func (c Cols) Len() int { return len(c.off) }

// Off returns the offset of column j.
func (c Cols) Off(j int) int { return c.off[j] }

// Reach returns the length a slice must have for every row of r to hold
// all its columns as PackPanelNRCols reads them (its vector moves go up to
// NR − 1 values past the greatest offset).
func (c Cols) Reach(r Rows) int { return r.hi + c.hi }

// Fit reports whether columns [0, n) of every row of r, as PackPanelNRCols
// and a column-by-column copy read them, lie inside a slice of length
// size.
func (c Cols) Fit(r Rows, n, size int) bool {
	return n <= len(c.off) && (n == 0 || r.Len() == 0 || (r.lo+c.lo >= 0 && c.Reach(r) <= size))
}

// PackPanelNRCols is PackPanelNRRows with a column map: it packs the
// micro-panel of columns [col, col+16) (col a multiple of 16) of rows
// [p0, p0+kc):
//
//	for p := 0; p < kc; p++ {
//		for jj := 0; jj < 16; jj++ {
//			dst[p*16+jj] = src[rows.Start(p0+p)+cols.Off(col+jj)]
//		}
//	}
//
// dst needs 16 values of slack past the panel (16·kc + 16 in all), which
// the vector moves may overwrite. It panics unless the arguments fit.
func PackPanelNRCols(kc int, dst, src []float32, rows Rows, p0 int, cols Cols, col int) {
	if kc <= 0 {
		return
	}
	if p0 < 0 || p0+kc > rows.Len() || col < 0 || col%NR != 0 || col+NR > cols.Len() ||
		len(dst) < NR*kc+NR || !cols.Fit(rows, col+NR, len(src)) {
		panic("asm: PackPanelNRCols: bad arguments")
	}
	runs := cols.runs[3*cols.first[col/NR] : 3*cols.first[col/NR+1]]
	if useAsm.Load() {
		packPanelNRColsAVX2(kc, &dst[0], &src[0], &rows.off[p0], &runs[0], len(runs)/3)
		return
	}
	for p := range kc {
		o := rows.off[p0+p]
		row := dst[p*NR : p*NR+NR]
		for r := 0; r < len(runs); r += 3 {
			so, dp, n := o+runs[r], runs[r+1], runs[r+2]
			copy(row[dp:dp+n], src[so:so+n])
		}
	}
}

// Sgemm6x16Rows computes nb adjacent 6×16 tiles of C from one packed A
// micro-panel a (kc×6, as PackMR writes it) and a B given by a row table
// of kc rows (kc = rows.Len()):
//
//	c[i*ldc + 16*blk + j] = Σ_{p<kc} a[p*6+i] · b[rows.Start(p) + col + 16*blk + j]
//
// for blk < nb, i < 6, j < 16; C is written, not read. It is the kernel
// of a direct convolution with a short reduction (a first layer's 3
// channels × 9 taps): B, the taps' runs in the input's phase planes, is
// read in place, not packed, and the reduction stays in registers. It
// panics unless every row has 16·nb values from col on inside b and the
// six C rows of 16·nb values fit c.
func Sgemm6x16Rows(a, b []float32, rows Rows, col, nb int, c []float32, ldc int) {
	kc := rows.Len()
	if nb <= 0 {
		return
	}
	if len(a) < MR*kc || ldc < NR*nb || len(c) < (MR-1)*ldc+NR*nb || !rows.Within(col, NR*nb, len(b)) {
		panic("asm: Sgemm6x16Rows: bad arguments")
	}
	if UsingAVX512() && kc > 0 {
		sgemm6x16RowsAVX512(kc, &a[0], &b[col], &rows.off[0], nb, &c[0], ldc, nil)
		return
	}
	if useAsm.Load() && kc > 0 {
		sgemm6x16RowsAVX2(kc, &a[0], &b[col], &rows.off[0], nb, &c[0], ldc)
		return
	}
	rowsGeneric(MR, a, b, rows, col, nb, c, ldc)
}

// rowsGeneric is the Go twin of the row-table kernels: the first r rows of
// Sgemm6x16Rows's tiles.
func rowsGeneric(r int, a, b []float32, rows Rows, col, nb int, c []float32, ldc int) {
	for blk := range nb {
		for i := range r {
			cr := c[i*ldc+NR*blk:][:NR]
			var acc [NR]float32
			for p := range rows.Len() {
				av := a[p*MR+i]
				br := b[rows.off[p]+col+NR*blk:][:NR]
				for j := range acc {
					acc[j] += av * br[j]
				}
			}
			copy(cr, acc[:])
		}
	}
}

// Sgemm2x16Rows is Sgemm6x16Rows for two rows of the packed A panel: a
// starts at the first of them (a[p*6] and a[p*6+1] are the two rows' k-th
// values), and C has two rows:
//
//	c[i*ldc + 16*blk + j] = Σ_{p<kc} a[p*6+i] · b[rows.Start(p) + col + 16*blk + j]
//
// for blk < nb, i < 2, j < 16. It computes the last panel of a matrix
// whose rows are not a multiple of 6 (2 or 4 rows left: 32, 64 or 128
// output channels) at a third of the cost of a full panel per two rows.
// It panics unless the arguments fit.
func Sgemm2x16Rows(a, b []float32, rows Rows, col, nb int, c []float32, ldc int) {
	kc := rows.Len()
	if nb <= 0 {
		return
	}
	if (kc > 0 && len(a) < MR*(kc-1)+2) || ldc < NR*nb || len(c) < ldc+NR*nb || !rows.Within(col, NR*nb, len(b)) {
		panic("asm: Sgemm2x16Rows: bad arguments")
	}
	if UsingAVX512() && kc > 0 {
		sgemm2x16RowsAVX512(kc, &a[0], &b[col], &rows.off[0], nb, &c[0], ldc, nil)
		return
	}
	if useAsm.Load() && kc > 0 {
		sgemm2x16RowsAVX2(kc, &a[0], &b[col], &rows.off[0], nb, &c[0], ldc)
		return
	}
	rowsGeneric(2, a, b, rows, col, nb, c, ldc)
}

// Sgemm4x16Rows is Sgemm2x16Rows for four rows of the 6-row A panel (a at
// the first of them; C has four rows): the last four rows of a matrix of
// 6k + 4 rows. With the AVX-512 kernels one pass reads each B vector once
// for the four rows; otherwise it is two Sgemm2x16Rows calls. Each row is
// bit-identical to Sgemm2x16Rows's. It panics if len(a) < 6*(kc-1)+4
// (kc > 0), ldc < 16*nb, len(c) < 3*ldc+16*nb or a row falls outside b.
func Sgemm4x16Rows(a, b []float32, rows Rows, col, nb int, c []float32, ldc int) {
	kc := rows.Len()
	if nb <= 0 {
		return
	}
	if (kc > 0 && len(a) < MR*(kc-1)+4) || ldc < NR*nb || len(c) < 3*ldc+NR*nb || !rows.Within(col, NR*nb, len(b)) {
		panic("asm: Sgemm4x16Rows: bad arguments")
	}
	if UsingAVX512() && kc > 0 {
		sgemm4x16RowsAVX512(kc, &a[0], &b[col], &rows.off[0], nb, &c[0], ldc, nil)
		return
	}
	Sgemm2x16Rows(a, b, rows, col, nb, c, ldc)
	Sgemm2x16Rows(a[2:], b, rows, col, nb, c[2*ldc:], ldc)
}

// PackMR packs one MR-row micro-panel of a row-major matrix (the A operand
// of GEMM): it interleaves 6 rows of kc elements,
//
//	for p := 0; p < kc; p++ {
//		for i := 0; i < 6; i++ {
//			dst[p*6+i] = src[i*ld+p]
//		}
//	}
//
// It panics if ld < 1, len(dst) < 6*kc or len(src) < 5*ld+kc (kc > 0).
func PackMR(kc int, dst, src []float32, ld int) {
	if kc <= 0 {
		return
	}
	if ld < 1 || len(dst) < MR*kc || len(src) < (MR-1)*ld+kc {
		panic("asm: PackMR: bad arguments")
	}
	if useAsm.Load() {
		packMRAVX2(kc, &dst[0], &src[0], ld)
		return
	}
	PackMRGeneric(kc, dst, src, ld)
}

// PackPanelNRTrans packs one NR-wide micro-panel of the transpose of a
// row-major matrix (the B operand of GEMM when B is stored n×k): 16 source
// rows of kc elements become kc packed rows of 16,
//
//	for p := 0; p < kc; p++ {
//		for j := 0; j < 16; j++ {
//			dst[p*16+j] = src[j*ld+p]
//		}
//	}
//
// It panics if ld < 1, len(dst) < 16*kc or len(src) < 15*ld+kc (kc > 0).
func PackPanelNRTrans(kc int, dst, src []float32, ld int) {
	if kc <= 0 {
		return
	}
	if ld < 1 || len(dst) < NR*kc || len(src) < (NR-1)*ld+kc {
		panic("asm: PackPanelNRTrans: bad arguments")
	}
	if useAsm.Load() {
		packPanelNRTransAVX2(kc, &dst[0], &src[0], ld)
		return
	}
	PackPanelNRTransGeneric(kc, dst, src, ld)
}
