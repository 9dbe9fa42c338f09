//go:build !amd64 || purego

package asm

import "unsafe"

// Without assembly (other architectures, or -tags purego) the asm entry
// points exist only so that the dispatching wrappers compile; HasAVX2FMA is
// false, so they are never selected, and if they were they would compute the
// same results through the Go twins.

const haveAsmImpl = false

func cpuHasAVX2FMA() bool { return false }

func sgemm6x16AVX2(kc int, a, b, c *float32, ldc int, alpha, beta float32) {
	Sgemm6x16Generic(kc, unsafe.Slice(a, 6*kc), unsafe.Slice(b, 16*kc),
		unsafe.Slice(c, 5*ldc+16), ldc, alpha, beta)
}

func axpyAVX2(alpha float32, x, y *float32, n int) {
	AxpyGeneric(alpha, unsafe.Slice(x, n), unsafe.Slice(y, n))
}

func dotAVX2(x, y *float32, n int) float32 {
	return DotGeneric(unsafe.Slice(x, n), unsafe.Slice(y, n))
}

func scaleAVX2(alpha float32, x *float32, n int) { ScaleGeneric(alpha, unsafe.Slice(x, n)) }

func addBiasAVX2(bias float32, x *float32, n int) { AddBiasGeneric(bias, unsafe.Slice(x, n)) }

func addBiasReluAVX2(bias float32, x *float32, n int) {
	AddBiasReluGeneric(bias, unsafe.Slice(x, n))
}

func packNRAVX2(dst *float32, stride int, src *float32, npan int) {
	if npan > 0 {
		PackNRGeneric(unsafe.Slice(dst, (npan-1)*stride+NR), stride, unsafe.Slice(src, npan*NR), npan)
	}
}

func packPanelNRAVX2(kc int, dst, src *float32, ld int) {
	if kc > 0 {
		PackPanelNRGeneric(kc, unsafe.Slice(dst, kc*NR), unsafe.Slice(src, (kc-1)*ld+NR), ld)
	}
}

func sgemm6x16PFAVX2(kc int, a, b, c *float32, ldc int, alpha, beta float32, pf *float32, pfld int) {
	sgemm6x16AVX2(kc, a, b, c, ldc, alpha, beta)
}

func packMRAVX2(kc int, dst, src *float32, ld int) {
	if kc > 0 {
		PackMRGeneric(kc, unsafe.Slice(dst, kc*MR), unsafe.Slice(src, (MR-1)*ld+kc), ld)
	}
}

func sgemm6x8AVX2(kc int, a, b *float32, ldb int, c *float32, ldc int, alpha, beta float32) {
	nb := 0
	if kc > 0 {
		nb = (kc-1)*ldb + 8
	}
	Sgemm6x8Generic(kc, unsafe.Slice(a, 6*kc), unsafe.Slice(b, nb), ldb, unsafe.Slice(c, 5*ldc+8), ldc, alpha, beta)
}

func packPanelNRTransAVX2(kc int, dst, src *float32, ld int) {
	if kc > 0 {
		PackPanelNRTransGeneric(kc, unsafe.Slice(dst, kc*NR), unsafe.Slice(src, (NR-1)*ld+kc), ld)
	}
}

func deinterleave2RowsAVX2(even, odd, src *float32, n, extra, rows, sstride, dstride int) {
	w := 2*n + extra
	deinterleave2RowsGeneric(unsafe.Slice(even, (rows-1)*dstride+n+extra), unsafe.Slice(odd, (rows-1)*dstride+n),
		unsafe.Slice(src, (rows-1)*sstride+w), n+extra, n, rows, sstride, dstride)
}

func interleave2RowsAVX2(dst, even, odd *float32, n, extra, rows, dstride, sstride int) {
	w := 2*n + extra
	interleave2RowsGeneric(unsafe.Slice(dst, (rows-1)*dstride+w), unsafe.Slice(even, (rows-1)*sstride+n+extra),
		unsafe.Slice(odd, (rows-1)*sstride+n), n+extra, n, rows, dstride, sstride)
}

func copyRowsAVX2(dst, src *float32, rows, n, stride, _ int) {
	copyRowsGeneric(unsafe.Slice(dst, rows*n), unsafe.Slice(src, (rows-1)*stride+n), rows, n, stride)
}

func dot3x4AVX2(w *float32, ldw int, x *float32, ldx int, k int, out *float32) {
	dot3x4Generic((*[12]float32)(unsafe.Slice(out, 12)), unsafe.Slice(w, 2*ldw+k), ldw, unsafe.Slice(x, 3*ldx+k), ldx, k)
}

func addRowsAVX2(dst, src *float32, rows, n, stride, sstride, _ int) {
	panic("asm: addRowsAVX2 without assembly")
}

func packPanelNRRowsAVX2(kc int, dst, src *float32, off *int, col int) {
	offs := unsafe.Slice(off, kc)
	d := unsafe.Slice(dst, kc*NR)
	for p, o := range offs {
		copy(d[p*NR:(p+1)*NR], unsafe.Slice((*float32)(unsafe.Add(unsafe.Pointer(src), 4*(o+col))), NR))
	}
}

func packPanelNRColsAVX2(kc int, dst, src *float32, off *int, runs *int, nrun int) {
	panic("asm: packPanelNRColsAVX2 without assembly")
}

func packPanelNRTransRowsAVX2(kc int, dst, src *float32, off *int, p0 int) {
	panic("asm: packPanelNRTransRowsAVX2 without assembly")
}

func sgemm2x16AVX2(kc int, a, b, c *float32, ldc int, alpha, beta float32) {
	panic("asm: sgemm2x16AVX2 without assembly")
}

func sgemm2x16RowsAVX2(kc int, a, b *float32, off *int, nb int, c *float32, ldc int) {
	panic("asm: sgemm2x16RowsAVX2 without assembly")
}

func sgemm6x16RowsAVX2(kc int, a, b *float32, off *int, nb int, c *float32, ldc int) {
	panic("asm: sgemm6x16RowsAVX2 without assembly")
}

func padRowsAVX2(dst, src *float32, rows, w, sstride, lead, dstride int) {
	padRowsGeneric(unsafe.Slice(dst, (rows-1)*dstride+dstride), unsafe.Slice(src, (rows-1)*sstride+w), rows, w, sstride, lead, dstride)
}

func sgemm6x1AVX2(kc int, a, b *float32, ldb int, out *float32) {
	panic("asm: sgemm6x1AVX2 without assembly")
}

func cpuHasAVX512() bool { return false }

func sgemm6x16AVX512(kc int, a, b, c *float32, ldc int, alpha, beta float32, _ *float32, _ int) {
	sgemm6x16AVX2(kc, a, b, c, ldc, alpha, beta)
}

func sgemm6x32AVX512(kc int, a, b, c *float32, ldc int, alpha, beta float32, _ *float32, _ int) {
	for q := range 2 {
		sgemm6x16AVX2(kc, a, (*float32)(unsafe.Add(unsafe.Pointer(b), 64*kc*q)), (*float32)(unsafe.Add(unsafe.Pointer(c), 64*q)), ldc, alpha, beta)
	}
}

func sgemm2x32AVX512(kc int, a, b, c *float32, ldc int, alpha, beta float32) {
	sgemm2x16AVX2(kc, a, b, c, ldc, alpha, beta)
	sgemm2x16AVX2(kc, a, (*float32)(unsafe.Add(unsafe.Pointer(b), 64*kc)), (*float32)(unsafe.Add(unsafe.Pointer(c), 64)), ldc, alpha, beta)
}

func sgemm6x16RowsAVX512(kc int, a, b *float32, off *int, nb int, c *float32, ldc int, crop *int64) {
	panic("asm: sgemm6x16RowsAVX512 without assembly")
}

func sgemm2x16RowsAVX512(kc int, a, b *float32, off *int, nb int, c *float32, ldc int, crop *int64) {
	panic("asm: sgemm2x16RowsAVX512 without assembly")
}

func dot3x4AVX512(w *float32, ldw int, x *float32, ldx int, k int, out *float32) {
	dot3x4AVX2(w, ldw, x, ldx, k, out)
}

func dw3x3s1AVX512(x0 *float32, d1, d2, xstep int, y *float32, ystep, rows, nv int, w *float32, bias float32, flags int) {
	dw3x3s1AVX2(x0, d1, d2, xstep, y, ystep, rows, nv, w, bias, flags)
}

func dw3x3s1SameAVX512(w, x *float32, h, wd int, y *float32, bias float32, acc int) {
	DwConv3x3S1SameGeneric(unsafe.Slice(w, 9), unsafe.Slice(x, h*wd), h, wd, unsafe.Slice(y, h*wd), bias, acc != 0)
}

func sgemm6x48AVX512(kc int, a, b, c *float32, ldc int, alpha, beta float32) {
	for q := range 3 {
		sgemm6x16AVX2(kc, a, (*float32)(unsafe.Add(unsafe.Pointer(b), 64*kc*q)), (*float32)(unsafe.Add(unsafe.Pointer(c), 64*q)), ldc, alpha, beta)
	}
}

func sgemm6x49AVX512(kc int, a, b, c *float32, ldc int, alpha, beta float32, b1 *float32, ldb1 int, out *float32) {
	panic("asm: sgemm6x49AVX512 without assembly")
}

func sgemm6x36AVX512(kc int, a, b, c *float32, ldc int, alpha, beta float32, b1 *float32, out *float32) {
	panic("asm: sgemm6x36AVX512 without assembly")
}

func sgemm4x16RowsAVX512(kc int, a, b *float32, off *int, nb int, c *float32, ldc int, crop *int64) {
	panic("asm: sgemm4x16RowsAVX512 without assembly")
}

func chanRows4AVX512(y *float32, yf int, x *float32, ps int, w *float32, wf, taps, n int, acc bool) {
	chanRows4AVX2(y, yf, x, ps, w, wf, taps, n, acc)
}

func prefetchLines(p *float32, lines int) {}
