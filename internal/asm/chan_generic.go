package asm

// ChanRowsGeneric is the pure-Go twin of ChanRows.
func ChanRowsGeneric(y []float32, ys int, x []float32, xs, ps int, w []float32, ws, taps, n, rows int, acc bool) {
	if !chanRowsArgsOK(y, ys, x, xs, ps, w, ws, taps, n, rows) {
		panic("asm: ChanRowsGeneric: bad arguments")
	}
	for r := range rows {
		yr := y[r*ys : r*ys+n]
		if !acc {
			clear(yr)
		}
		for t := range taps {
			AxpyGeneric(w[t*ws], x[r*xs+t*ps:r*xs+t*ps+n], yr)
		}
	}
}

// ChanRows4Generic is the pure-Go twin of ChanRows4.
func ChanRows4Generic(y []float32, yf int, x []float32, ps int, w []float32, wf, taps, n int, acc bool) {
	if !chanRows4ArgsOK(y, yf, x, ps, w, wf, taps, n) {
		panic("asm: ChanRows4Generic: bad arguments")
	}
	for f := range 4 {
		yr := y[f*yf : f*yf+n]
		if !acc {
			clear(yr)
		}
		for t := range taps {
			AxpyGeneric(w[f*wf+t], x[t*ps:t*ps+n], yr)
		}
	}
}

// ChanDotsGeneric is the pure-Go twin of ChanDots.
func ChanDotsGeneric(out, dy, x []float32, ps, taps, n int) {
	if !chanDotsArgsOK(out, dy, x, ps, taps, n) {
		panic("asm: ChanDotsGeneric: bad arguments")
	}
	for t := range taps {
		out[t] = DotGeneric(dy[:n], x[t*ps:t*ps+n])
	}
}
