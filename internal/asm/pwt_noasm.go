//go:build !amd64 || purego

package asm

func sgemm32x7TAVX512(k int, a *float32, lda int, b, bias, c *float32, ldc, r int, pf *float32, pfn int) {
	panic("asm: no assembly in this build")
}

func sgemm32x7TAVX2(k int, a *float32, lda int, b, bias, c *float32, ldc, r int) {
	panic("asm: no assembly in this build")
}
