package asm

// Kernels of the channel-wise convolutions (ChannelNets): weighted sums of
// whole planes, vectorised along the plane. All strides are in elements.

// ChanRows computes rows weighted sums of taps planes each:
//
//	for r := 0; r < rows; r++ {
//		for i := 0; i < n; i++ {
//			s := float32(0)
//			for t := 0; t < taps; t++ {
//				s += w[t*ws] * x[r*xs + t*ps + i]
//			}
//			if acc { y[r*ys+i] += s } else { y[r*ys+i] = s }
//		}
//	}
//
// A forward channel-wise convolution is one call per run of outputs whose
// taps are all inside the input (x at the first plane, ps = xs/SC = H·W,
// ws = 1). It panics on negative sizes or strides or slices too short for
// the loop.
func ChanRows(y []float32, ys int, x []float32, xs, ps int, w []float32, ws, taps, n, rows int, acc bool) {
	if !chanRowsArgsOK(y, ys, x, xs, ps, w, ws, taps, n, rows) {
		panic("asm: ChanRows: bad arguments")
	}
	if rows == 0 || n == 0 {
		return
	}
	if taps == 0 {
		if !acc {
			for r := range rows {
				clear(y[r*ys : r*ys+n])
			}
		}
		return
	}
	if useAsm.Load() {
		chanRowsAVX2(&y[0], 4*ys, &x[0], 4*xs, 4*ps, &w[0], 4*ws, taps, n, rows, acc)
		return
	}
	ChanRowsGeneric(y, ys, x, xs, ps, w, ws, taps, n, rows, acc)
}

// ChanRows4 computes four weighted sums of the same taps planes with four
// weight vectors (the filters of a group channel-wise convolution, which
// read the same input channels):
//
//	for f := 0; f < 4; f++ {
//		for i := 0; i < n; i++ {
//			s := float32(0)
//			for t := 0; t < taps; t++ {
//				s += w[f*wf + t] * x[t*ps + i]
//			}
//			if acc { y[f*yf + i] += s } else { y[f*yf + i] = s }
//		}
//	}
//
// Each tap reads another plane: callers with many taps should pass them in
// groups (of 8, say) with acc set after the first, so that the hardware
// prefetchers can follow the planes' streams.
//
// It panics on negative sizes or strides or slices too short for the loop.
func ChanRows4(y []float32, yf int, x []float32, ps int, w []float32, wf, taps, n int, acc bool) {
	if !chanRows4ArgsOK(y, yf, x, ps, w, wf, taps, n) {
		panic("asm: ChanRows4: bad arguments")
	}
	if n == 0 {
		return
	}
	if taps == 0 {
		if !acc {
			for f := range 4 {
				clear(y[f*yf : f*yf+n])
			}
		}
		return
	}
	if UsingAVX512() {
		chanRows4AVX512(&y[0], 4*yf, &x[0], 4*ps, &w[0], 4*wf, taps, n, acc)
		return
	}
	if useAsm.Load() {
		chanRows4AVX2(&y[0], 4*yf, &x[0], 4*ps, &w[0], 4*wf, taps, n, acc)
		return
	}
	ChanRows4Generic(y, yf, x, ps, w, wf, taps, n, acc)
}

// ChanDots computes taps dot products of dy with planes of x (the weight
// gradient of a channel-wise convolution):
//
//	for t := 0; t < taps; t++ {
//		out[t] = Σ_{i<n} dy[i] * x[t*ps + i]     (summation order unspecified)
//	}
//
// It panics on negative sizes or strides or slices too short for the loop.
func ChanDots(out, dy, x []float32, ps, taps, n int) {
	if !chanDotsArgsOK(out, dy, x, ps, taps, n) {
		panic("asm: ChanDots: bad arguments")
	}
	if taps == 0 {
		return
	}
	if n == 0 {
		clear(out[:taps])
		return
	}
	if useAsm.Load() {
		chanDotsAVX2(&out[0], &dy[0], &x[0], 4*ps, taps, n)
		return
	}
	ChanDotsGeneric(out, dy, x, ps, taps, n)
}

func chanRowsArgsOK(y []float32, ys int, x []float32, xs, ps int, w []float32, ws, taps, n, rows int) bool {
	if ys < 0 || xs < 0 || ps < 0 || ws < 0 || taps < 0 || n < 0 || rows < 0 {
		return false
	}
	if rows == 0 || n == 0 {
		return true
	}
	if len(y) < (rows-1)*ys+n {
		return false
	}
	return taps == 0 || (len(x) >= (rows-1)*xs+(taps-1)*ps+n && len(w) >= (taps-1)*ws+1)
}

func chanRows4ArgsOK(y []float32, yf int, x []float32, ps int, w []float32, wf, taps, n int) bool {
	if yf < 0 || ps < 0 || wf < 0 || taps < 0 || n < 0 {
		return false
	}
	if n == 0 {
		return true
	}
	if len(y) < 3*yf+n {
		return false
	}
	return taps == 0 || (len(x) >= (taps-1)*ps+n && len(w) >= 3*wf+taps)
}

func chanDotsArgsOK(out, dy, x []float32, ps, taps, n int) bool {
	if ps < 0 || taps < 0 || n < 0 {
		return false
	}
	if taps == 0 {
		return true
	}
	return len(out) >= taps && len(dy) >= n && (n == 0 || len(x) >= (taps-1)*ps+n)
}
