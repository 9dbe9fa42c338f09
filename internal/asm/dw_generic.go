package asm

// DwConv3x3S1PadGeneric is the pure-Go twin of DwConv3x3S1Pad (same loop,
// same argument checks).
func DwConv3x3S1PadGeneric(w, x0, x1, x2 []float32, xs int, y []float32, ys, rows, n int, padL, padR bool, bias float32, acc bool) {
	if !dwPadArgsOK(1, w, x0, x1, x2, xs, y, ys, rows, n, padL, padR) {
		panic("asm: DwConv3x3S1PadGeneric: bad arguments")
	}
	dwPadGeneric(1, w, x0, x1, x2, xs, y, ys, rows, n, padL, padR, bias, acc)
}

// DwConv3x3S2PadGeneric is the pure-Go twin of DwConv3x3S2Pad.
func DwConv3x3S2PadGeneric(w, x0, x1, x2 []float32, xs int, y []float32, ys, rows, n int, padL, padR bool, bias float32, acc bool) {
	if !dwPadArgsOK(2, w, x0, x1, x2, xs, y, ys, rows, n, padL, padR) {
		panic("asm: DwConv3x3S2PadGeneric: bad arguments")
	}
	dwPadGeneric(2, w, x0, x1, x2, xs, y, ys, rows, n, padL, padR, bias, acc)
}

func dwPadGeneric(s int, w, x0, x1, x2 []float32, xs int, y []float32, ys, rows, n int, padL, padR bool, bias float32, acc bool) {
	pl := b2i(padL)
	valid := dwValidCols(s, n, padL, padR)
	w0, w1, w2, w3, w4, w5, w6, w7, w8 := w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8]
	// Outputs [j0, j1) have all three taps inside the valid columns.
	j0, j1 := pl, n-b2i(padR)
	for r := range rows {
		r0 := x0[s*r*xs : s*r*xs+valid]
		r1 := x1[s*r*xs : s*r*xs+valid]
		r2 := x2[s*r*xs : s*r*xs+valid]
		yr := y[r*ys : r*ys+n]
		edge := func(j int) {
			v := bias
			if acc {
				v = yr[j]
			}
			for b := range 3 {
				if c := s*j - pl + b; c >= 0 && c < valid {
					v += w[b]*r0[c] + w[3+b]*r1[c] + w[6+b]*r2[c]
				}
			}
			yr[j] = v
		}
		for j := 0; j < j0; j++ {
			edge(j)
		}
		for j := j0; j < j1; j++ {
			c := s*j - pl
			v := bias
			if acc {
				v = yr[j]
			}
			a, b, d := r0[c:c+3], r1[c:c+3], r2[c:c+3]
			v += w0*a[0] + w1*a[1] + w2*a[2] +
				w3*b[0] + w4*b[1] + w5*b[2] +
				w6*d[0] + w7*d[1] + w8*d[2]
			yr[j] = v
		}
		for j := max(j1, j0); j < n; j++ {
			edge(j)
		}
	}
}

// DwConv3x3S1Generic is the pure-Go twin of DwConv3x3S1.
func DwConv3x3S1Generic(w, x []float32, xs int, y []float32, ys, rows, n int, bias float32, acc bool) {
	if !dwS1ArgsOK(w, x, xs, y, ys, rows, n) {
		panic("asm: DwConv3x3S1Generic: bad arguments")
	}
	w0, w1, w2, w3, w4, w5, w6, w7, w8 := w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8]
	for r := range rows {
		r0 := x[r*xs : r*xs+n+2]
		r1 := x[(r+1)*xs : (r+1)*xs+n+2]
		r2 := x[(r+2)*xs : (r+2)*xs+n+2]
		yr := y[r*ys : r*ys+n]
		for i := range yr {
			s := bias
			if acc {
				s = yr[i]
			}
			s += w0*r0[i] + w1*r0[i+1] + w2*r0[i+2] +
				w3*r1[i] + w4*r1[i+1] + w5*r1[i+2] +
				w6*r2[i] + w7*r2[i+1] + w8*r2[i+2]
			yr[i] = s
		}
	}
}

// DwConv3x3S2Generic is the pure-Go twin of DwConv3x3S2.
func DwConv3x3S2Generic(w, x []float32, xs int, y []float32, ys, rows, n int, bias float32, acc bool) {
	if !dwS2ArgsOK(w, x, xs, y, ys, rows, n) {
		panic("asm: DwConv3x3S2Generic: bad arguments")
	}
	w0, w1, w2, w3, w4, w5, w6, w7, w8 := w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8]
	for r := range rows {
		r0 := x[2*r*xs : 2*r*xs+2*n+1]
		r1 := x[(2*r+1)*xs : (2*r+1)*xs+2*n+1]
		r2 := x[(2*r+2)*xs : (2*r+2)*xs+2*n+1]
		yr := y[r*ys : r*ys+n]
		for i := range yr {
			s := bias
			if acc {
				s = yr[i]
			}
			j := 2 * i
			s += w0*r0[j] + w1*r0[j+1] + w2*r0[j+2] +
				w3*r1[j] + w4*r1[j+1] + w5*r1[j+2] +
				w6*r2[j] + w7*r2[j+1] + w8*r2[j+2]
			yr[i] = s
		}
	}
}

// DwGrad3x3S1Generic is the pure-Go twin of DwGrad3x3S1 (one float32
// partial sum per tap over the whole call, added to acc at the end).
func DwGrad3x3S1Generic(x []float32, xs int, dy []float32, dys, rows, n int, acc *[9]float32) {
	if !dwGradArgsOK(x, xs, dy, dys, rows, n) {
		panic("asm: DwGrad3x3S1Generic: bad arguments")
	}
	var s [9]float32
	for r := range rows {
		d := dy[r*dys : r*dys+n]
		for a := range 3 {
			xr := x[(r+a)*xs : (r+a)*xs+n+2]
			for b := range 3 {
				t := s[3*a+b]
				for i, v := range d {
					t += v * xr[i+b]
				}
				s[3*a+b] = t
			}
		}
	}
	for k := range s {
		acc[k] += s[k]
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// DwGrad3x3S1PadGeneric is the pure-Go twin of DwGrad3x3S1Pad (one float32
// partial sum per tap over the whole call, added to acc at the end).
func DwGrad3x3S1PadGeneric(x0, x1, x2 []float32, xs int, dy []float32, dys, rows, n int, padL, padR bool, acc *[9]float32) {
	var w9 [9]float32 // the argument check wants a filter
	if !dwPadArgsOK(1, w9[:], x0, x1, x2, xs, dy, dys, rows, n, padL, padR) {
		panic("asm: DwGrad3x3S1PadGeneric: bad arguments")
	}
	pl := b2i(padL)
	valid := dwValidCols(1, n, padL, padR)
	j0, j1 := pl, n-b2i(padR) // outputs whose three taps are all valid
	var s [9]float32
	for r := range rows {
		d := dy[r*dys : r*dys+n]
		for a, xa := range [3][]float32{x0, x1, x2} {
			row := xa[r*xs : r*xs+valid]
			s0, s1, s2 := s[3*a], s[3*a+1], s[3*a+2]
			for j := j0; j < j1; j++ {
				v, t := d[j], row[j-pl:j-pl+3]
				s0 += v * t[0]
				s1 += v * t[1]
				s2 += v * t[2]
			}
			s[3*a], s[3*a+1], s[3*a+2] = s0, s1, s2
			for j := range n {
				if j >= j0 && j < j1 {
					continue
				}
				for b := range 3 {
					if c := j - pl + b; c >= 0 && c < valid {
						s[3*a+b] += d[j] * row[c]
					}
				}
			}
		}
	}
	for k := range s {
		acc[k] += s[k]
	}
}
