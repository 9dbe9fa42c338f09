//go:build !amd64 || purego

package asm

// Without assembly the depthwise entry points exist only so that the
// dispatching wrappers compile; HasAVX2FMA is false, so they are never
// called.

func dw3x3s1AVX2(x0 *float32, d1, d2, xstep int, y *float32, ystep, rows, nv int, w *float32, bias float32, flags int) {
	panic("asm: no assembly in this build")
}

func dw3x3s2AVX2(x0 *float32, d1, d2, xstep int, y *float32, ystep, rows, nv int, w *float32, bias float32, flags int) {
	panic("asm: no assembly in this build")
}

func dw3x3s1GradAVX2(x *float32, xs int, dy *float32, dys, rows, n int, acc *float32) {
	panic("asm: no assembly in this build")
}

func dw3x3s1GradPadAVX2(x0 *float32, d1, d2, xstep int, dy *float32, dystep, rows, nv int, acc, edge *float32, flags int) {
	panic("asm: no assembly in this build")
}
