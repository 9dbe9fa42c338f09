package asm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// winoInRef is the input transform in float64 from its definition Bᵀ·d·B.
func winoInRef(d [4][4]float64) (v [4][4]float64) {
	bt := [4][4]float64{{1, 0, -1, 0}, {0, 1, 1, 0}, {0, -1, 1, 0}, {0, 1, 0, -1}}
	var t [4][4]float64
	for i := range 4 {
		for b := range 4 {
			for a := range 4 {
				t[i][b] += bt[i][a] * d[a][b]
			}
		}
	}
	for i := range 4 {
		for j := range 4 {
			for b := range 4 {
				v[i][j] += t[i][b] * bt[j][b]
			}
		}
	}
	return v
}

// TestWinoTransforms checks WinoIn and WinoOut against their matrix
// definitions (the inputs are small integers, so every sum is exact), on
// every kernel set, with guard values around what they may write, for
// tile counts that leave every lane count in a last group of 16.
func TestWinoTransforms(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 9))
	const guard = -77
	for _, set := range winoSets() {
		set.run(func() {
			for _, n := range []int{1, 2, 7, 15, 16, 17, 28, 31, 32, 33, 47} {
				for _, rows := range []int{1, 3} {
					name := fmt.Sprintf("%s/n=%d/rows=%d", set.name, n, rows)
					ldp := WinoInWidth(n) + 3
					p := make([]float32, (2*rows+2)*ldp)
					for i := range p {
						p[i] = float32(r.IntN(17) - 8)
					}
					vs := rows*n + 5
					v := make([]float32, 16*vs+WinoTileGroup)
					for i := range v {
						v[i] = guard
					}
					WinoIn(p, ldp, rows, n, v, vs)
					for ro := range rows {
						for tt := range n {
							var d [4][4]float64
							for a := range 4 {
								for b := range 4 {
									d[a][b] = float64(p[(2*ro+a)*ldp+2*tt+b])
								}
							}
							want := winoInRef(d)
							for xi := range 16 {
								if got := v[xi*vs+ro*n+tt]; float64(got) != want[xi/4][xi%4] {
									t.Fatalf("%s: WinoIn tile (%d,%d) ξ=%d = %v, want %v", name, ro, tt, xi, got, want[xi/4][xi%4])
								}
							}
						}
					}
					for xi := range 16 {
						for i := rows * n; i < vs; i++ {
							if v[xi*vs+i] != guard {
								t.Fatalf("%s: WinoIn wrote v[%d] past the tiles", name, xi*vs+i)
							}
						}
					}

					for _, ow := range []int{2 * n, 2*n - 1} {
						if ow == 0 {
							continue
						}
						m := make([]float32, 16*vs+WinoTileGroup)
						for i := range m {
							m[i] = float32(r.IntN(17) - 8)
						}
						ldy := ow + 4
						y := make([]float32, 2*rows*ldy)
						for i := range y {
							y[i] = guard
						}
						const bias = 0.5
						WinoOut(m, vs, rows, n, y, ldy, ow, bias)
						at := [2][4]float64{{1, 1, 1, 0}, {0, 1, -1, -1}}
						for i := range y {
							row, col := i/ldy, i%ldy
							if col >= ow {
								if y[i] != guard {
									t.Fatalf("%s ow=%d: WinoOut wrote column %d", name, ow, col)
								}
								continue
							}
							ro, a, tt, b := row/2, row%2, col/2, col%2
							want := float64(bias)
							for ii := range 4 {
								for j := range 4 {
									want += at[a][ii] * float64(m[(4*ii+j)*vs+ro*n+tt]) * at[b][j]
								}
							}
							if float64(y[i]) != want {
								t.Fatalf("%s ow=%d: WinoOut y[%d][%d] = %v, want %v", name, ow, row, col, y[i], want)
							}
						}
					}
				}
			}
		})
	}
}

// TestWinoBitIdentical checks that the AVX-512 transforms give the bits of
// the Go twins on random values (inexact sums), NaN and ±Inf included.
func TestWinoBitIdentical(t *testing.T) {
	requireAsm(t)
	if !HasAVX512 {
		t.Skip("no AVX-512 on this build/CPU")
	}
	r := rand.New(rand.NewPCG(4, 1))
	val := func() float32 {
		switch r.IntN(200) {
		case 0:
			return float32(math.NaN())
		case 1:
			return float32(math.Inf(1))
		case 2:
			return float32(math.Inf(-1))
		}
		return float32(r.NormFloat64())
	}
	for _, n := range []int{3, 16, 28, 45} {
		rows := 2
		ldp := WinoInWidth(n)
		p := make([]float32, (2*rows+2)*ldp)
		for i := range p {
			p[i] = val()
		}
		vs := rows * n
		slack := WinoTileGroup // WinoOut reads whole groups of tiles
		var got, want []float32
		for _, on := range []bool{true, false} {
			v := make([]float32, 16*vs)
			withAVX512(on, func() { WinoIn(p, ldp, rows, n, v, vs) })
			got, want = want, v
		}
		sameBits(t, fmt.Sprintf("WinoIn n=%d", n), got, want)
		m := make([]float32, 16*vs+slack)
		for i := range m {
			m[i] = val()
		}
		for _, ow := range []int{2 * n, 2*n - 1} {
			for _, on := range []bool{true, false} {
				y := make([]float32, 2*rows*ow)
				withAVX512(on, func() { WinoOut(m, vs, rows, n, y, ow, ow, 0.25) })
				got, want = want, y
			}
			sameBits(t, fmt.Sprintf("WinoOut n=%d ow=%d", n, ow), got, want)
		}
	}
}

type winoSet struct {
	name string
	run  func(func())
}

// winoSets lists the implementations of the transforms this binary has:
// the Go twins, and the AVX-512 kernels when the CPU has them.
func winoSets() []winoSet {
	sets := []winoSet{{"generic", func(f func()) {
		prev := SetUseAsm(false)
		defer SetUseAsm(prev)
		f()
	}}}
	if HasAVX512 {
		sets = append(sets, winoSet{"avx512", func(f func()) { withAVX512(true, f) }})
	}
	return sets
}
