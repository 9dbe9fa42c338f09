//go:build amd64 && !purego

package asm

// sgemm32x7TAVX512 is the assembly body of Sgemm32x7T (bias may be nil).
//
//go:noescape
func sgemm32x7TAVX512(k int, a *float32, lda int, b, bias, c *float32, ldc, r int, pf *float32, pfn int)

// sgemm32x7TAVX2 is sgemm32x7TAVX512 with YMM registers and no prefetch;
// bit-identical results.
//
//go:noescape
func sgemm32x7TAVX2(k int, a *float32, lda int, b, bias, c *float32, ldc, r int)
