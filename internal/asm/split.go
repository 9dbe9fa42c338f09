package asm

// Deinterleave2 splits src into its even and odd elements:
// even[i] = src[2i], odd[i] = src[2i+1]. It needs len(src) =
// len(even) + len(odd) and len(odd) ≤ len(even) ≤ len(odd) + 1.
func Deinterleave2(even, odd, src []float32) {
	n := len(odd)
	if len(even) < n || len(even) > n+1 || len(src) != len(even)+n {
		panic("asm: Deinterleave2: bad lengths")
	}
	if useAsm.Load() && n >= 4 {
		deinterleave2AVX2(&even[0], &odd[0], &src[0], n)
		if len(even) > n {
			even[n] = src[2*n]
		}
		return
	}
	deinterleave2Generic(even, odd, src)
}

// Interleave2 is the inverse of Deinterleave2: dst[2i] = even[i],
// dst[2i+1] = odd[i], with the same length rules.
func Interleave2(dst, even, odd []float32) {
	n := len(odd)
	if len(even) < n || len(even) > n+1 || len(dst) != len(even)+n {
		panic("asm: Interleave2: bad lengths")
	}
	if useAsm.Load() && n >= 4 {
		interleave2AVX2(&dst[0], &even[0], &odd[0], n)
		if len(even) > n {
			dst[2*n] = even[n]
		}
		return
	}
	interleave2Generic(dst, even, odd)
}

// Deinterleave2Generic is the pure-Go twin of Deinterleave2.
func Deinterleave2Generic(even, odd, src []float32) {
	if len(even) < len(odd) || len(even) > len(odd)+1 || len(src) != len(even)+len(odd) {
		panic("asm: Deinterleave2Generic: bad lengths")
	}
	deinterleave2Generic(even, odd, src)
}

// Interleave2Generic is the pure-Go twin of Interleave2.
func Interleave2Generic(dst, even, odd []float32) {
	if len(even) < len(odd) || len(even) > len(odd)+1 || len(dst) != len(even)+len(odd) {
		panic("asm: Interleave2Generic: bad lengths")
	}
	interleave2Generic(dst, even, odd)
}

func deinterleave2Generic(even, odd, src []float32) {
	odd = odd[:len(src)/2]
	for i := range odd {
		even[i] = src[2*i]
		odd[i] = src[2*i+1]
	}
	if len(src)%2 == 1 {
		even[len(odd)] = src[len(src)-1]
	}
}

func interleave2Generic(dst, even, odd []float32) {
	odd = odd[:len(dst)/2]
	for i := range odd {
		dst[2*i] = even[i]
		dst[2*i+1] = odd[i]
	}
	if len(dst)%2 == 1 {
		dst[len(dst)-1] = even[len(odd)]
	}
}

// CopyRows gathers rows runs of n values lying stride apart in src into dst,
// back to back: dst[r·n + j] = src[r·stride + j] for r < rows, j < n. It
// needs len(dst) ≥ rows·n and len(src) ≥ (rows−1)·stride + n (rows ≥ 1).
// It writes nothing past rows·n values of dst, but with rows shorter than
// 8 values it may read values of src between and after the rows, and
// write scratch values into dst between rows that later rows overwrite, as
// far as the slices reach. This is the im2col of an output plane whose
// input rows are wider than its output rows.
func CopyRows(dst, src []float32, rows, n, stride int) {
	if rows <= 0 || n <= 0 {
		return
	}
	if stride < n || len(dst) < rows*n || len(src) < (rows-1)*stride+n {
		panic("asm: CopyRows: bad arguments")
	}
	dst = dst[:rows*n]
	if useAsm.Load() {
		// Rows r that may be copied as one full vector when n < 8: the 8
		// values written from r·n and read from r·stride lie inside dst
		// and src.
		plain := 0
		if n < 8 && len(dst) >= 8 && len(src) >= 8 {
			// Row r qualifies when r·n + 8 ≤ len(dst) and r·stride + 8 ≤ len(src).
			plain = min(rows, (len(dst)-8)/n+1, (len(src)-8)/stride+1)
		}
		copyRowsAVX2(&dst[0], &src[0], rows, n, stride, plain)
		return
	}
	copyRowsGeneric(dst, src, rows, n, stride)
}

// CopyRowsGeneric is the pure-Go twin of CopyRows.
func CopyRowsGeneric(dst, src []float32, rows, n, stride int) {
	if rows <= 0 || n <= 0 {
		return
	}
	if stride < n || len(dst) < rows*n || len(src) < (rows-1)*stride+n {
		panic("asm: CopyRowsGeneric: bad arguments")
	}
	copyRowsGeneric(dst, src, rows, n, stride)
}

func copyRowsGeneric(dst, src []float32, rows, n, stride int) {
	for r := range rows {
		copy(dst[r*n:(r+1)*n], src[r*stride:r*stride+n])
	}
}
