package asm

// Dot2x4 computes eight dot products of length k, two weight rows against
// four input vectors:
//
//	out[4i + j] = Σ_{t<k} w[i·ldw + t]·x[j·ldx + t]   for i < 2, j < 4
//
// (summation order unspecified). It needs len(w) ≥ ldw + k and
// len(x) ≥ 3·ldx + k, with ldw, ldx ≥ k. This is the inner block of a
// matrix–vector product over a small batch (a linear layer), where each
// weight value loaded serves four images.
func Dot2x4(out *[8]float32, w []float32, ldw int, x []float32, ldx, k int) {
	if k < 0 || ldw < k || ldx < k || len(w) < ldw+k || len(x) < 3*ldx+k {
		panic("asm: Dot2x4: bad arguments")
	}
	if !useAsm.Load() || k < 8 {
		dot2x4Generic(out, w, ldw, x, ldx, k)
		return
	}
	v := k &^ 7
	dot2x4AVX2(&w[0], ldw, &x[0], ldx, v, &out[0])
	if v < k {
		var tail [8]float32
		dot2x4Generic(&tail, w[v:], ldw, x[v:], ldx, k-v)
		for i := range out {
			out[i] += tail[i]
		}
	}
}

// Dot2x4Generic is the pure-Go twin of Dot2x4.
func Dot2x4Generic(out *[8]float32, w []float32, ldw int, x []float32, ldx, k int) {
	if k < 0 || ldw < k || ldx < k || len(w) < ldw+k || len(x) < 3*ldx+k {
		panic("asm: Dot2x4Generic: bad arguments")
	}
	dot2x4Generic(out, w, ldw, x, ldx, k)
}

func dot2x4Generic(out *[8]float32, w []float32, ldw int, x []float32, ldx, k int) {
	for i := range 2 {
		for j := range 4 {
			out[4*i+j] = DotGeneric(w[i*ldw:i*ldw+k], x[j*ldx:j*ldx+k])
		}
	}
}
