package asm

// Sgemm32x7T computes a 32 × r tile (r ≤ 7) of a product C = W·X with the
// 32 rows of C (output channels) in vector lanes: for i < 32 and j < r,
//
//	c[i*ldc+j] = bias[i] + Σ_{p<k} b[p*32+i] · a[p*lda+j]
//
// summed in order of p from bias[i] (0 when bias is nil), one fused
// multiply-add per step (Sgemm32x7TGeneric rounds products and sums
// apart). b is a packed panel of Wᵀ (32 output channels per k step); a
// holds 7 values (positions) per k step, lda apart, all 7 read even when
// r < 7. It is the pointwise convolution's tile when the output plane is
// narrow: 32 channels fill two vectors exactly, where a position-vectorised
// tile wastes lanes on a plane such as 7×7 = 3·16 + 1. The AVX-512 and
// AVX2 kernels give bit-identical results. With the AVX-512 kernel, pf
// (may be empty) is prefetched into L2, one 64-byte line per two k steps,
// up to len(pf)/16 lines. It panics if k < 1, r < 1, r > 7, lda < 7,
// ldc < r, len(b) < 32*k, len(a) < (k-1)*lda+7, len(bias) < 32
// (bias != nil) or len(c) < 31*ldc+r.
func Sgemm32x7T(k int, a []float32, lda int, b, bias, c []float32, ldc, r int, pf []float32) {
	if k < 1 || r < 1 || r > 7 || lda < 7 || ldc < r || len(b) < 32*k || len(a) < (k-1)*lda+7 ||
		(bias != nil && len(bias) < 32) || len(c) < 31*ldc+r {
		panic("asm: Sgemm32x7T: bad arguments")
	}
	if !useAsm.Load() {
		Sgemm32x7TGeneric(k, a, lda, b, bias, c, ldc, r)
		return
	}
	var bp *float32
	if bias != nil {
		bp = &bias[0]
	}
	if !UsingAVX512() {
		sgemm32x7TAVX2(k, &a[0], lda, &b[0], bp, &c[0], ldc, r)
		return
	}
	var pp *float32
	if len(pf) > 0 {
		pp = &pf[0]
	}
	sgemm32x7TAVX512(k, &a[0], lda, &b[0], bp, &c[0], ldc, r, pp, min(len(pf)/16, k/2))
}

// Sgemm32x7TGeneric is the pure-Go twin of Sgemm32x7T (products and sums
// rounded separately unless the compiler fuses them).
func Sgemm32x7TGeneric(k int, a []float32, lda int, b, bias, c []float32, ldc, r int) {
	if k < 1 || r < 1 || r > 7 || lda < 7 || ldc < r || len(b) < 32*k || len(a) < (k-1)*lda+7 ||
		(bias != nil && len(bias) < 32) || len(c) < 31*ldc+r {
		panic("asm: Sgemm32x7TGeneric: bad arguments")
	}
	var acc [7][32]float32
	if bias != nil {
		for j := range acc {
			acc[j] = [32]float32(bias)
		}
	}
	for p := range k {
		bv := (*[32]float32)(b[p*32:])
		av := (*[7]float32)(a[p*lda:])
		for j := range r {
			aj := av[j]
			s := &acc[j]
			for i := range s {
				s[i] += bv[i] * aj
			}
		}
	}
	for i := range 32 {
		for j := range r {
			c[i*ldc+j] = acc[j][i]
		}
	}
}
