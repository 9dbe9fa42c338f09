package asm

// Dot3x4 computes twelve dot products of length k, three weight rows
// against four input vectors:
//
//	out[4i + j] = Σ_{t<k} w[i·ldw + t]·x[j·ldx + t]   for i < 3, j < 4
//
// (summation order unspecified; it differs between the AVX2 and AVX-512
// kernels, 8 and 16 lanes). It needs len(w) ≥ 2·ldw + k and
// len(x) ≥ 3·ldx + k, with ldw, ldx ≥ k. This is the inner block of a
// matrix–vector product over a small batch (a linear layer), where each
// weight value loaded serves four images and each input value three rows.
func Dot3x4(out *[12]float32, w []float32, ldw int, x []float32, ldx, k int) {
	if k < 0 || ldw < k || ldx < k || len(w) < 2*ldw+k || len(x) < 3*ldx+k {
		panic("asm: Dot3x4: bad arguments")
	}
	if !useAsm.Load() || k < 8 {
		dot3x4Generic(out, w, ldw, x, ldx, k)
		return
	}
	var v int
	if UsingAVX512() && k >= 16 {
		v = k &^ 15
		dot3x4AVX512(&w[0], ldw, &x[0], ldx, v, &out[0])
	} else {
		v = k &^ 7
		dot3x4AVX2(&w[0], ldw, &x[0], ldx, v, &out[0])
	}
	if v < k {
		var tail [12]float32
		dot3x4Generic(&tail, w[v:], ldw, x[v:], ldx, k-v)
		for i := range out {
			out[i] += tail[i]
		}
	}
}

// Dot3x4Generic is the pure-Go twin of Dot3x4.
func Dot3x4Generic(out *[12]float32, w []float32, ldw int, x []float32, ldx, k int) {
	if k < 0 || ldw < k || ldx < k || len(w) < 2*ldw+k || len(x) < 3*ldx+k {
		panic("asm: Dot3x4Generic: bad arguments")
	}
	dot3x4Generic(out, w, ldw, x, ldx, k)
}

func dot3x4Generic(out *[12]float32, w []float32, ldw int, x []float32, ldx, k int) {
	for i := range 3 {
		for j := range 4 {
			out[4*i+j] = DotGeneric(w[i*ldw:i*ldw+k], x[j*ldx:j*ldx+k])
		}
	}
}
