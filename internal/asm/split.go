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
