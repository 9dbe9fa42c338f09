//go:build amd64 && !purego

package asm

import "golang.org/x/sys/cpu"

const haveAsmImpl = true

func cpuHasAVX2FMA() bool { return cpu.X86.HasAVX2 && cpu.X86.HasFMA }

// sgemm6x16AVX2 is the assembly body of Sgemm6x16; see Sgemm6x16 for the
// loop. a holds 6*kc floats, b 16*kc floats, c a 6x16 tile with row stride
// ldc (in elements). When kc == 0, a and b are not read.
//
//go:noescape
func sgemm6x16AVX2(kc int, a, b, c *float32, ldc int, alpha, beta float32)

// axpyAVX2: y[i] += alpha*x[i] for i < n.
//
//go:noescape
func axpyAVX2(alpha float32, x, y *float32, n int)

// dotAVX2 returns Σ_{i<n} x[i]*y[i] (8-lane x 4 partial sums).
//
//go:noescape
func dotAVX2(x, y *float32, n int) float32

// scaleAVX2: x[i] *= alpha for i < n.
//
//go:noescape
func scaleAVX2(alpha float32, x *float32, n int)

// addBiasAVX2: x[i] += bias for i < n.
//
//go:noescape
func addBiasAVX2(bias float32, x *float32, n int)

// addBiasReluAVX2: x[i] = max(x[i]+bias, 0) for i < n (NaN propagates).
//
//go:noescape
func addBiasReluAVX2(bias float32, x *float32, n int)

// packNRAVX2: for jp < npan: dst[jp*stride : jp*stride+16] = src[jp*16 : jp*16+16].
//
//go:noescape
func packNRAVX2(dst *float32, stride int, src *float32, npan int)

// packPanelNRAVX2: for p < kc: dst[p*16 : p*16+16] = src[p*ld : p*ld+16],
// prefetching src[p*ld+16 : p*ld+32] (the next panel's row) into L1.
//
//go:noescape
func packPanelNRAVX2(kc int, dst, src *float32, ld int)

// sgemm6x16PFAVX2 is sgemm6x16AVX2 plus one prefetch per k step of the line
// at pf + p*pfld floats (p < kc).
//
//go:noescape
func sgemm6x16PFAVX2(kc int, a, b, c *float32, ldc int, alpha, beta float32, pf *float32, pfld int)

// packMRAVX2: for p < kc, i < 6: dst[p*6+i] = src[i*ld+p].
//
//go:noescape
func packMRAVX2(kc int, dst, src *float32, ld int)

// sgemm6x1AVX2 is the assembly body of Sgemm6x1: out[i] = Σ_p
// a[p*6+i]·b[p*ldb] for i < 6 (out holds 6 values).
//
//go:noescape
func sgemm6x1AVX2(kc int, a, b *float32, ldb int, out *float32)

// sgemm6x8AVX2 is the assembly body of Sgemm6x8.
//
//go:noescape
func sgemm6x8AVX2(kc int, a, b *float32, ldb int, c *float32, ldc int, alpha, beta float32)

// packPanelNRTransAVX2: for p < kc, j < 16: dst[p*16+j] = src[j*ld+p].
//
//go:noescape
func packPanelNRTransAVX2(kc int, dst, src *float32, ld int)

// deinterleave2RowsAVX2: for r < rows, i < n (n ≥ 4): even[r·ds+i] =
// src[r·ss+2i], odd[r·ds+i] = src[r·ss+2i+1], and even[r·ds+n] =
// src[r·ss+2n] when extra = 1.
//
//go:noescape
func deinterleave2RowsAVX2(even, odd, src *float32, n, extra, rows, sstride, dstride int)

// interleave2RowsAVX2: the inverse of deinterleave2RowsAVX2, dst[r·ds+2i] =
// even[r·ss+i], dst[r·ds+2i+1] = odd[r·ss+i] (and dst[r·ds+2n] = even[r·ss+n]
// when extra = 1).
//
//go:noescape
func interleave2RowsAVX2(dst, even, odd *float32, n, extra, rows, dstride, sstride int)

// copyRowsAVX2: dst[r·n + j] = src[r·stride + j] for r < rows, j < n (n ≥ 1);
// the first plain rows of n < 8 values as one unmasked vector each (see
// the assembly).
//
//go:noescape
func copyRowsAVX2(dst, src *float32, rows, n, stride, plain int)

// packPanelNRRowsAVX2: for p < kc: dst[p·16 : p·16+16] =
// src[off[p]+col : off[p]+col+16], prefetching the next 16 of each row.
//
//go:noescape
func packPanelNRRowsAVX2(kc int, dst, src *float32, off *int, col int)

// packPanelNRColsAVX2: for p < kc and each run (so, dp, len) of
// runs[0:3·nrun], dst[p·16+dp:][:16] = src[off[p]+so:][:16], runs in order
// of dp (each moves 16 values; see the assembly).
//
//go:noescape
func packPanelNRColsAVX2(kc int, dst, src *float32, off *int, runs *int, nrun int)

// packPanelNRTransRowsAVX2: for p < kc, j < 16: dst[p·16+j] = src[off[j]+p0+p].
//
//go:noescape
func packPanelNRTransRowsAVX2(kc int, dst, src *float32, off *int, p0 int)

// sgemm2x16AVX2: sgemm6x16AVX2 for the two rows a[p*6+0], a[p*6+1] of each
// k step (even and odd k summed separately): c rows 0 and 1.
//
//go:noescape
func sgemm2x16AVX2(kc int, a, b, c *float32, ldc int, alpha, beta float32)

// sgemm2x16RowsAVX2: sgemm6x16RowsAVX2 for the two rows a[p*6+0], a[p*6+1]
// of each k step: c[i·ldc + 16·blk + j] for i < 2.
//
//go:noescape
func sgemm2x16RowsAVX2(kc int, a, b *float32, off *int, nb int, c *float32, ldc int)

// sgemm6x16RowsAVX2: for blk < nb: c[i·ldc + 16·blk + j] = Σ_{p<kc}
// a[p·6+i]·b[off[p] + 16·blk + j] (i < 6, j < 16).
//
//go:noescape
func sgemm6x16RowsAVX2(kc int, a, b *float32, off *int, nb int, c *float32, ldc int)

// padRowsAVX2: for r < rows, dst[r·ds:][:ds] = lead zeros, src[r·ss:][:w],
// zeros; vectors spill up to 7 values past each row and read up to 7 past
// each source row (see the assembly).
//
//go:noescape
func padRowsAVX2(dst, src *float32, rows, w, sstride, lead, dstride int)

// addRowsAVX2: dst[r·stride + j] += src[r·sstride + j] for r < rows, j < n
// (n ≥ 1); the first plain rows' tails as one unmasked 8-lane add (see the
// assembly).
//
//go:noescape
func addRowsAVX2(dst, src *float32, rows, n, stride, sstride, plain int)

// dot3x4AVX2: out[4i+j] = Σ_{t<k} w[i·ldw+t]·x[j·ldx+t] for i < 3, j < 4 (k a
// multiple of 8).
//
//go:noescape
func dot3x4AVX2(w *float32, ldw int, x *float32, ldx int, k int, out *float32)

// prefetchLines prefetches lines consecutive 64-byte lines from p (no
// faults: a prefetch past mapped memory is dropped).
//
//go:noescape
func prefetchLines(p *float32, lines int)
