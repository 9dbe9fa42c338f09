package asm

// Transforms of the Winograd convolution F(2×2, 3×3) (Lavin & Gray 2016):
// a 3×3, stride-1 convolution computes each 2×2 block of outputs (a tile)
// from the 4×4 input window under it as
//
//	Y = Aᵀ·[(G·g·Gᵀ) ⊙ (Bᵀ·d·B)]·A
//
// with the 4×4 elementwise product summed over input channels (16 GEMMs,
// one per position ξ = 4i+j of the 4×4 transformed tile). The input and
// output transforms below involve additions only, so the AVX-512 kernels
// and the pure-Go twins, which perform the same additions in the same
// order, give bit-identical results.
//
//	Bᵀ = | 1  0 −1  0 |      Aᵀ = | 1  1  1  0 |
//	     | 0  1  1  0 |           | 0  1 −1 −1 |
//	     | 0 −1  1  0 |
//	     | 0  1  0 −1 |

// WinoTileGroup is the number of tiles the AVX-512 kernels transform per
// step (one ZMM register of 16 lanes, one tile per lane).
const WinoTileGroup = 16

// WinoInWidth returns the row length the input transform reads for a tile
// row of n tiles: 2n+2 columns cover the windows; the vector kernel reads
// whole groups of 16 tiles (32 columns) plus the 2-column overlap. Values
// beyond column 2n+1 are read but do not reach any output.
func WinoInWidth(n int) int { return 2*WinoTileGroup*((n+WinoTileGroup-1)/WinoTileGroup) + 2 }

// WinoIn computes Bᵀ·d·B for rows tile rows of n tiles of one channel.
// Tile t of tile row r reads the window d[a][b] = p[(2r+a)·ldp + 2t + b]
// (a, b < 4) and writes its 16 values to v[ξ·vs + r·n + t], ξ = 4i+j:
//
//	u0 = d0 − d2, u1 = d1 + d2, u2 = d2 − d1, u3 = d1 − d3   (rows, per column)
//	v[i][0] = ui0 − ui2, v[i][1] = ui1 + ui2, v[i][2] = ui2 − ui1, v[i][3] = ui1 − ui3
//
// It panics unless ldp ≥ WinoInWidth(n) and p and v are long enough
// ((2·rows+1)·ldp + WinoInWidth(n) values of p are read).
func WinoIn(p []float32, ldp, rows, n int, v []float32, vs int) {
	if rows < 0 || n < 0 || vs < 0 {
		panic("asm: WinoIn: negative size")
	}
	if rows == 0 || n == 0 {
		return
	}
	w := WinoInWidth(n)
	if ldp < w || len(p) < (2*rows+1)*ldp+w || vs < rows*n || len(v) < 15*vs+rows*n {
		panic("asm: WinoIn: bad arguments")
	}
	if UsingAVX512() {
		winoInAVX512(&p[0], 4*ldp, rows, n, &v[0], 4*vs)
		return
	}
	winoInGeneric(p, ldp, rows, n, v, vs)
}

func winoInGeneric(p []float32, ldp, rows, n int, v []float32, vs int) {
	var u [4][4]float32
	for r := range rows {
		for t := range n {
			d := p[2*r*ldp+2*t:]
			for b := range 4 {
				d0, d1, d2, d3 := d[b], d[ldp+b], d[2*ldp+b], d[3*ldp+b]
				u[0][b], u[1][b], u[2][b], u[3][b] = d0-d2, d1+d2, d2-d1, d1-d3
			}
			o := r*n + t
			for i := range 4 {
				ui := &u[i]
				v[(4*i)*vs+o] = ui[0] - ui[2]
				v[(4*i+1)*vs+o] = ui[1] + ui[2]
				v[(4*i+2)*vs+o] = ui[2] - ui[1]
				v[(4*i+3)*vs+o] = ui[1] - ui[3]
			}
		}
	}
}

// WinoOut computes Aᵀ·m·A + bias for rows tile rows of n tiles of one
// output channel: tile t of tile row r reads m[i][j] = m[(4i+j)·ms + r·n + t]
// and writes the 2×2 outputs y[(2r+a)·ldy + 2t + b] (a, b < 2) whose column
// 2t+b is below ow (ow is 2n or 2n−1: an odd output width leaves the last
// tile's second column out):
//
//	s0 = (m0 + m1) + m2, s1 = (m1 − m2) − m3              (rows, per column)
//	y[a][0] = ((sa0 + sa1) + sa2) + bias, y[a][1] = ((sa1 − sa2) − sa3) + bias
//
// The vector kernel reads m in whole groups of 16 tiles: it panics unless
// m holds 15·ms + (rows−1)·n + 16·⌈n/16⌉ values and y what the loop writes.
func WinoOut(m []float32, ms, rows, n int, y []float32, ldy, ow int, bias float32) {
	if rows < 0 || n < 0 || ms < 0 || ldy < 0 {
		panic("asm: WinoOut: negative size")
	}
	if rows == 0 || n == 0 {
		return
	}
	groups := WinoTileGroup * ((n + WinoTileGroup - 1) / WinoTileGroup)
	if ow != 2*n && ow != 2*n-1 || ldy < ow || ms < rows*n || len(m) < 15*ms+(rows-1)*n+groups || len(y) < (2*rows-1)*ldy+ow {
		panic("asm: WinoOut: bad arguments")
	}
	if UsingAVX512() {
		winoOutAVX512(&m[0], 4*ms, rows, n, &y[0], 4*ldy, ow, bias)
		return
	}
	winoOutGeneric(m, ms, rows, n, y, ldy, ow, bias)
}

func winoOutGeneric(m []float32, ms, rows, n int, y []float32, ldy, ow int, bias float32) {
	var s [2][4]float32
	for r := range rows {
		for t := range n {
			o := r*n + t
			for j := range 4 {
				m0, m1, m2, m3 := m[j*ms+o], m[(4+j)*ms+o], m[(8+j)*ms+o], m[(12+j)*ms+o]
				s[0][j], s[1][j] = (m0+m1)+m2, (m1-m2)-m3
			}
			for a := range 2 {
				sa := &s[a]
				row := y[(2*r+a)*ldy+2*t:]
				row[0] = ((sa[0] + sa[1]) + sa[2]) + bias
				if 2*t+1 < ow {
					row[1] = ((sa[1] - sa[2]) - sa[3]) + bias
				}
			}
		}
	}
}
