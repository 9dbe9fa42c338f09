package asm

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestSgemm32x7T checks every kernel (Go, AVX2, AVX-512) against a float64
// sum for every r, with and without bias and prefetch, odd k and lda, guard
// values around each C row; the two assembly kernels must agree bit for
// bit.
func TestSgemm32x7T(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	type set struct {
		name        string
		asm, avx512 bool
	}
	sets := []set{{"go", false, false}}
	if HasAVX2FMA {
		sets = append(sets, set{"avx2", true, false})
	}
	if HasAVX512 {
		sets = append(sets, set{"avx512", true, true})
	}
	defer SetUseAsm(SetUseAsm(true))
	defer SetUseAVX512(SetUseAVX512(true))
	for _, k := range []int{1, 2, 3, 17, 64, 301} {
		for rr := 1; rr <= 7; rr++ {
			for _, withBias := range []bool{false, true} {
				lda, ldc := 11, rr+3
				a := randSlice(r, (k-1)*lda+7)
				b := randSlice(r, 32*k)
				var bias []float32
				if withBias {
					bias = randSlice(r, 32)
				}
				pf := randSlice(r, 1000) // prefetched: 0, 100 or 200 floats (k%3), never read
				const guard = -7.5
				var first []float32
				for _, s := range sets {
					SetUseAsm(s.asm)
					SetUseAVX512(s.avx512)
					c := make([]float32, 31*ldc+rr+2)
					for i := range c {
						c[i] = guard
					}
					Sgemm32x7T(k, a, lda, b, bias, c, ldc, rr, pf[:k%3*100])
					for i := range 32 {
						for j := range ldc {
							o := i*ldc + j
							if o >= len(c) {
								break
							}
							if j >= rr {
								if c[o] != guard {
									t.Fatalf("%s k=%d r=%d: guard at row %d col %d overwritten: %v", s.name, k, rr, i, j, c[o])
								}
								continue
							}
							var sum, mag float64
							if withBias {
								sum, mag = float64(bias[i]), math.Abs(float64(bias[i]))
							}
							for p := range k {
								v := float64(b[p*32+i]) * float64(a[p*lda+j])
								sum += v
								mag += math.Abs(v)
							}
							// k+1 roundings of partial sums of magnitude ≤ mag
							if d := math.Abs(float64(c[o]) - sum); d > float64(k+2)*mag*0x1p-24 {
								t.Fatalf("%s k=%d r=%d bias=%v: c[%d][%d] = %v, want %v", s.name, k, rr, withBias, i, j, c[o], sum)
							}
						}
					}
					if !s.asm {
						continue
					}
					if first == nil {
						first = c
						continue
					}
					for i := range c {
						if math.Float32bits(c[i]) != math.Float32bits(first[i]) {
							t.Fatalf("k=%d r=%d: avx512 and avx2 differ at %d: %v vs %v", k, rr, i, c[i], first[i])
						}
					}
				}
			}
		}
	}
}

func TestSgemm32x7TPanics(t *testing.T) {
	a, b, c := make([]float32, 7*4), make([]float32, 32*4), make([]float32, 32*7)
	for name, f := range map[string]func(){
		"k=0":        func() { Sgemm32x7T(0, a, 7, b, nil, c, 7, 7, nil) },
		"r=0":        func() { Sgemm32x7T(4, a, 7, b, nil, c, 7, 0, nil) },
		"r=8":        func() { Sgemm32x7T(4, a, 7, b, nil, c, 8, 8, nil) },
		"lda=6":      func() { Sgemm32x7T(4, a, 6, b, nil, c, 7, 6, nil) },
		"ldc<r":      func() { Sgemm32x7T(4, a, 7, b, nil, c, 6, 7, nil) },
		"short a":    func() { Sgemm32x7T(4, a[:27], 7, b, nil, c, 7, 7, nil) },
		"short b":    func() { Sgemm32x7T(4, a, 7, b[:127], nil, c, 7, 7, nil) },
		"short bias": func() { Sgemm32x7T(4, a, 7, b, make([]float32, 31), c, 7, 7, nil) },
		"short c":    func() { Sgemm32x7T(4, a, 7, b, nil, c[:31*7+6], 7, 7, nil) },
	} {
		mustPanic(t, name, f)
	}
}
