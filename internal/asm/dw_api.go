package asm

import "unsafe"

// Row kernels of the 3×3 depthwise convolution (dilation 1). All strides
// are in elements.

// DwConv3x3S1Pad computes rows×n outputs of a 3×3, stride-1 convolution
// whose three window rows are x0, x1, x2 (each advancing xs per output row)
// and whose rows may miss one zero column on the left (padL) and on the
// right (padR), so that no padded copy of the input is needed:
//
//	pl, pr := padL ? 1 : 0, padR ? 1 : 0
//	valid := n + 2 − pl − pr                    // columns read from each row
//	for r := 0; r < rows; r++ {
//		for j := 0; j < n; j++ {
//			s := bias
//			if acc { s = y[r*ys+j] }
//			for a := 0; a < 3; a++ {
//				for b := 0; b < 3; b++ {
//					if c := j − pl + b; 0 <= c && c < valid {
//						s += w[3*a+b] * x_a[r*xs + c]
//					}
//				}
//			}
//			y[r*ys+j] = s
//		}
//	}
//
// A missing top or bottom row is a zero row passed as x0 or x2 (with
// rows = 1). It panics on negative sizes or strides, n < pl + pr, or
// slices too short for the loop (each x_a must hold (rows−1)·xs + valid
// values, y (rows−1)·ys + n).
func DwConv3x3S1Pad(w, x0, x1, x2 []float32, xs int, y []float32, ys, rows, n int, padL, padR bool, bias float32, acc bool) {
	if !dwPadArgsOK(1, w, x0, x1, x2, xs, y, ys, rows, n, padL, padR) {
		panic("asm: DwConv3x3S1Pad: bad arguments")
	}
	if rows == 0 || n == 0 {
		return
	}
	if UsingAVX512() {
		dw3x3s1AVX512(&x0[0], byteDist(x0, x1), byteDist(x0, x2), 4*xs, &y[0], 4*ys, rows,
			n-b2i(padL)-b2i(padR), &w[0], bias, dwFlags(acc, padL, padR))
		return
	}
	if useAsm.Load() {
		dw3x3s1AVX2(&x0[0], byteDist(x0, x1), byteDist(x0, x2), 4*xs, &y[0], 4*ys, rows,
			n-b2i(padL)-b2i(padR), &w[0], bias, dwFlags(acc, padL, padR))
		return
	}
	dwPadGeneric(1, w, x0, x1, x2, xs, y, ys, rows, n, padL, padR, bias, acc)
}

// DwConv3x3S2Pad is DwConv3x3S1Pad for stride 2: the window rows advance
// 2·xs per output row and
//
//	valid := 2n + 1 − pl − pr
//	... if c := 2j − pl + b; 0 <= c && c < valid { s += w[3*a+b] * x_a[2*r*xs + c] }
//
// Each x_a must hold 2(rows−1)·xs + valid values.
func DwConv3x3S2Pad(w, x0, x1, x2 []float32, xs int, y []float32, ys, rows, n int, padL, padR bool, bias float32, acc bool) {
	if !dwPadArgsOK(2, w, x0, x1, x2, xs, y, ys, rows, n, padL, padR) {
		panic("asm: DwConv3x3S2Pad: bad arguments")
	}
	if rows == 0 || n == 0 {
		return
	}
	if !useAsm.Load() {
		dwPadGeneric(2, w, x0, x1, x2, xs, y, ys, rows, n, padL, padR, bias, acc)
		return
	}
	// Without a right pad the assembly loads one value past the last valid
	// column of each row. Only the last row of a slice can lack it: run
	// that output row in Go.
	if need := 2*(rows-1)*xs + dwValidCols(2, n, padL, padR) + 1; !padR &&
		(len(x0) < need || len(x1) < need || len(x2) < need) {
		if rows > 1 {
			DwConv3x3S2Pad(w, x0, x1, x2, xs, y, ys, rows-1, n, padL, padR, bias, acc)
		}
		o := 2 * (rows - 1) * xs
		dwPadGeneric(2, w, x0[o:], x1[o:], x2[o:], xs, y[(rows-1)*ys:], ys, 1, n, padL, padR, bias, acc)
		return
	}
	dw3x3s2AVX2(&x0[0], byteDist(x0, x1), byteDist(x0, x2), 8*xs, &y[0], 4*ys, rows,
		n-b2i(padL)-b2i(padR), &w[0], bias, dwFlags(acc, padL, padR))
}

// DwConv3x3S1 computes a block of a 3×3, stride-1 depthwise convolution
// whose taps are all inside the input (DwConv3x3S1Pad with x1 = x[xs:],
// x2 = x[2xs:] and no pads):
//
//	for r := 0; r < rows; r++ {
//		for i := 0; i < n; i++ {
//			s := bias
//			if acc { s = y[r*ys+i] }
//			for a := 0; a < 3; a++ {
//				for b := 0; b < 3; b++ {
//					s += w[3*a+b] * x[(r+a)*xs + i + b]
//				}
//			}
//			y[r*ys+i] = s
//		}
//	}
//
// It panics on negative sizes or strides, len(w) < 9, or slices too short
// for the loop (x must hold (rows+1)*xs + n+2 values, y (rows-1)*ys + n).
func DwConv3x3S1(w, x []float32, xs int, y []float32, ys, rows, n int, bias float32, acc bool) {
	if !dwS1ArgsOK(w, x, xs, y, ys, rows, n) {
		panic("asm: DwConv3x3S1: bad arguments")
	}
	if rows == 0 || n == 0 {
		return
	}
	if UsingAVX512() {
		dw3x3s1AVX512(&x[0], 4*xs, 8*xs, 4*xs, &y[0], 4*ys, rows, n, &w[0], bias, dwFlags(acc, false, false))
		return
	}
	if useAsm.Load() {
		dw3x3s1AVX2(&x[0], 4*xs, 8*xs, 4*xs, &y[0], 4*ys, rows, n, &w[0], bias, dwFlags(acc, false, false))
		return
	}
	DwConv3x3S1Generic(w, x, xs, y, ys, rows, n, bias, acc)
}

// DwConv3x3S2 computes a block of a 3×3, stride-2 depthwise convolution
// whose taps are all inside the input:
//
//	for r := 0; r < rows; r++ {
//		for i := 0; i < n; i++ {
//			s := bias
//			if acc { s = y[r*ys+i] }
//			for a := 0; a < 3; a++ {
//				for b := 0; b < 3; b++ {
//					s += w[3*a+b] * x[(2*r+a)*xs + 2*i + b]
//				}
//			}
//			y[r*ys+i] = s
//		}
//	}
//
// It panics on negative sizes or strides, len(w) < 9, or slices too short
// for the loop (x must hold 2*rows*xs + 2n+1 values, y (rows-1)*ys + n).
func DwConv3x3S2(w, x []float32, xs int, y []float32, ys, rows, n int, bias float32, acc bool) {
	if !dwS2ArgsOK(w, x, xs, y, ys, rows, n) {
		panic("asm: DwConv3x3S2: bad arguments")
	}
	if rows == 0 || n == 0 {
		return
	}
	if !useAsm.Load() {
		DwConv3x3S2Generic(w, x, xs, y, ys, rows, n, bias, acc)
		return
	}
	// The assembly reads one value past the last one it uses in each input
	// row (2n+2 values). Only the last row of x can lack it: run that row's
	// last output in Go.
	if 2*rows*xs+2*n+2 <= len(x) {
		dw3x3s2AVX2(&x[0], 4*xs, 8*xs, 8*xs, &y[0], 4*ys, rows, n, &w[0], bias, dwFlags(acc, false, false))
		return
	}
	if rows > 1 {
		dw3x3s2AVX2(&x[0], 4*xs, 8*xs, 8*xs, &y[0], 4*ys, rows-1, n, &w[0], bias, dwFlags(acc, false, false))
	}
	lx, ly := x[2*(rows-1)*xs:], y[(rows-1)*ys:]
	if n > 1 {
		dw3x3s2AVX2(&lx[0], 4*xs, 8*xs, 8*xs, &ly[0], 4*ys, 1, n-1, &w[0], bias, dwFlags(acc, false, false))
	}
	DwConv3x3S2Generic(w, lx[2*(n-1):], xs, ly[n-1:], ys, 1, 1, bias, acc)
}

// DwGrad3x3S1 accumulates the weight gradient of a block of a 3×3,
// stride-1, dilation-1 depthwise convolution:
//
//	for a := 0; a < 3; a++ {
//		for b := 0; b < 3; b++ {
//			s := float32(0)      // (summation order unspecified)
//			for r := 0; r < rows; r++ {
//				for i := 0; i < n; i++ {
//					s += dy[r*dys+i] * x[(r+a)*xs + i + b]
//				}
//			}
//			acc[3*a+b] += s
//		}
//	}
//
// It panics on negative sizes or strides or slices too short for the loop.
func DwGrad3x3S1(x []float32, xs int, dy []float32, dys, rows, n int, acc *[9]float32) {
	if !dwGradArgsOK(x, xs, dy, dys, rows, n) {
		panic("asm: DwGrad3x3S1: bad arguments")
	}
	if rows == 0 || n == 0 {
		return
	}
	if useAsm.Load() {
		dw3x3s1GradAVX2(&x[0], xs, &dy[0], dys, rows, n, &acc[0])
		return
	}
	DwGrad3x3S1Generic(x, xs, dy, dys, rows, n, acc)
}

// DwGrad3x3S1Pad accumulates the weight gradient of rows×n outputs of the
// 3×3 stride-1 convolution of DwConv3x3S1Pad (same window rows, strides and
// padding):
//
//	pl, pr := padL ? 1 : 0, padR ? 1 : 0
//	valid := n + 2 − pl − pr
//	for a := 0; a < 3; a++ {
//		for b := 0; b < 3; b++ {
//			s := float32(0)      // (summation order unspecified)
//			for r := 0; r < rows; r++ {
//				for j := 0; j < n; j++ {
//					if c := j − pl + b; 0 <= c && c < valid {
//						s += dy[r*dys+j] * x_a[r*xs + c]
//					}
//				}
//			}
//			acc[3*a+b] += s
//		}
//	}
//
// It panics as DwConv3x3S1Pad does.
func DwGrad3x3S1Pad(x0, x1, x2 []float32, xs int, dy []float32, dys, rows, n int, padL, padR bool, acc *[9]float32) {
	var w9 [9]float32 // the argument check wants a filter
	if !dwPadArgsOK(1, w9[:], x0, x1, x2, xs, dy, dys, rows, n, padL, padR) {
		panic("asm: DwGrad3x3S1Pad: bad arguments")
	}
	if rows == 0 || n == 0 {
		return
	}
	if !useAsm.Load() {
		DwGrad3x3S1PadGeneric(x0, x1, x2, xs, dy, dys, rows, n, padL, padR, acc)
		return
	}
	var e [16]float32
	dw3x3s1GradPadAVX2(&x0[0], byteDist(x0, x1), byteDist(x0, x2), 4*xs, &dy[0], 4*dys, rows,
		n-b2i(padL)-b2i(padR), &acc[0], &e[0], dwFlags(false, padL, padR))
	// Left edge lanes hold taps 1 2 4 5 7 8, right edge lanes taps 0 1 3 4 6 7.
	acc[1], acc[2], acc[4], acc[5], acc[7], acc[8] = acc[1]+e[0], acc[2]+e[1], acc[4]+e[2], acc[5]+e[3], acc[7]+e[4], acc[8]+e[5]
	acc[0], acc[1], acc[3], acc[4], acc[6], acc[7] = acc[0]+e[8], acc[1]+e[9], acc[3]+e[10], acc[4]+e[11], acc[6]+e[12], acc[7]+e[13]
}

// dwValidCols is the number of columns a padded row kernel reads from each
// window row.
func dwValidCols(s, n int, padL, padR bool) int { return s*(n-1) + 3 - b2i(padL) - b2i(padR) }

func dwFlags(acc, padL, padR bool) int { return b2i(acc) | b2i(padL)<<1 | b2i(padR)<<2 }

// byteDist is &b[0] − &a[0] in bytes (the slices may be different objects:
// the assembly only adds it back to a pointer into a).
func byteDist(a, b []float32) int {
	return int(uintptr(unsafe.Pointer(&b[0])) - uintptr(unsafe.Pointer(&a[0])))
}

func dwPadArgsOK(s int, w, x0, x1, x2 []float32, xs int, y []float32, ys, rows, n int, padL, padR bool) bool {
	if rows < 0 || n < 0 || xs < 0 || ys < 0 || len(w) < 9 {
		return false
	}
	if rows == 0 || n == 0 {
		return true
	}
	if n < b2i(padL)+b2i(padR) {
		return false
	}
	need := s*(rows-1)*xs + dwValidCols(s, n, padL, padR)
	return len(x0) >= need && len(x1) >= need && len(x2) >= need && len(y) >= (rows-1)*ys+n
}

func dwS1ArgsOK(w, x []float32, xs int, y []float32, ys, rows, n int) bool {
	if rows < 0 || n < 0 || xs < 0 || ys < 0 || len(w) < 9 {
		return false
	}
	return rows == 0 || n == 0 || (len(x) >= (rows+1)*xs+n+2 && len(y) >= (rows-1)*ys+n)
}

func dwS2ArgsOK(w, x []float32, xs int, y []float32, ys, rows, n int) bool {
	if rows < 0 || n < 0 || xs < 0 || ys < 0 || len(w) < 9 {
		return false
	}
	return rows == 0 || n == 0 || (len(x) >= 2*rows*xs+2*n+1 && len(y) >= (rows-1)*ys+n)
}

func dwGradArgsOK(x []float32, xs int, dy []float32, dys, rows, n int) bool {
	if rows < 0 || n < 0 || xs < 0 || dys < 0 {
		return false
	}
	return rows == 0 || n == 0 || (len(x) >= (rows+1)*xs+n+2 && len(dy) >= (rows-1)*dys+n)
}

// DwConv3x3S1Same computes a whole h×wd plane of a 3×3, stride-1
// convolution with one row and column of zero padding on every side (a
// 'same' convolution) for rows of at most 16 values:
//
//	for r < h, j < wd:
//		s := bias;  if acc { s = y[r*wd+j] }
//		for a, b < 3: s += w[3a+b] · X[r+a−1][j+b−1]   (X = x, zero outside the plane)
//		y[r*wd+j] = s
//
// With the AVX-512 kernels this is one pass over the plane, each row one
// masked 16-lane vector (dw3x3s1SameAVX512), bit-identical to the row
// kernels on a zero-padded copy; otherwise the Go twin runs, so callers
// use it only when UsingAVX512 (with AVX2 the padded flat layout is
// faster). It panics unless 1 ≤ wd ≤ 16, h ≥ 0, len(w) ≥ 9 and x, y hold
// h·wd values.
func DwConv3x3S1Same(w, x []float32, h, wd int, y []float32, bias float32, acc bool) {
	if wd < 1 || wd > 16 || h < 0 || len(w) < 9 || len(x) < h*wd || len(y) < h*wd {
		panic("asm: DwConv3x3S1Same: bad arguments")
	}
	if h == 0 {
		return
	}
	if UsingAVX512() {
		dw3x3s1SameAVX512(&w[0], &x[0], h, wd, &y[0], bias, b2i(acc))
		return
	}
	DwConv3x3S1SameGeneric(w, x, h, wd, y, bias, acc)
}

// DwConv3x3S1SameGeneric is the pure-Go twin of DwConv3x3S1Same.
func DwConv3x3S1SameGeneric(w, x []float32, h, wd int, y []float32, bias float32, acc bool) {
	for r := range h {
		for j := range wd {
			s := bias
			if acc {
				s = y[r*wd+j]
			}
			for a := range 3 {
				for b := range 3 {
					var v float32
					if i, c := r+a-1, j+b-1; i >= 0 && i < h && c >= 0 && c < wd {
						v = x[i*wd+c]
					}
					s += w[3*a+b] * v
				}
			}
			y[r*wd+j] = s
		}
	}
}
