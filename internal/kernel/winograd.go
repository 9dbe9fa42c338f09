package kernel

import (
	"github.com/convkit/convkit/internal/asm"
	"github.com/convkit/convkit/internal/gemm"
	"github.com/convkit/convkit/internal/geom"
)

// Winograd is a 3×3, stride-1, dilation-1 convolution (any padding and
// groups) whose forward pass is Winograd's minimal filtering algorithm
// F(2×2, 3×3) (Lavin & Gray, "Fast Algorithms for Convolutional Neural
// Networks", 2016): each 2×2 block of outputs (a tile) is
//
//	Y = Aᵀ·[Σ_c (G·g_c·Gᵀ) ⊙ (Bᵀ·d_c·B)]·A
//
// over the 4×4 input windows d_c, so the 36 multiply-adds per output
// channel, input channel and tile of a direct 3×3 convolution become 16 —
// 2.25 times fewer — carried out as 16 GEMMs (one per position ξ of the
// 4×4 transformed tile) of the transformed weights U_ξ (M/G × C/G) by the
// transformed inputs V_ξ (C/G × tiles). The transforms are additions only
// (internal/asm: WinoIn, WinoOut, vectorised over 16 tiles with AVX-512);
// the weight transform G·g·Gᵀ (halves and sums) is computed in float64 and
// rounded once. The extra rounding of the transformed values makes the
// result differ from a direct convolution by a few units in the last place
// of the larger partial sums (the conformance tolerance covers it).
//
// Work items are bands of whole tile rows of one group, taken from the
// sequence of all images' tile rows (winoTiles tiles, so that a batch of
// small maps still gives long GEMMs); the GEMMs read V in place through a
// row table (rowsGEMM). The weight gradient is the im2col kernel's; the
// input gradient too, or a second Winograd convolution of dY
// (WinogradInputGradient).
type Winograd struct {
	g        geom.Conv
	team     *Team
	bwd      *Im2col
	cg, mg   int
	tpr, tph int // tiles per output row, tile rows: ⌈OW/2⌉, ⌈OH/2⌉
	rb       int // tile rows per band (the last band may have fewer)
	bands    int // bands per group (of the N·tph tile rows of all images)
	brows    int // rows per channel of the band buffer
	wp       int // row length of the padded input band (asm.WinoInWidth)
	tmax     int // tiles of a full band, rb·tpr: the row stride of V and M
	pa       []*gemm.PackedA
	vrows    asm.Rows    // the rows of one V_ξ (C/G rows tmax apart)
	u        []float32   // 16 · M/G · C/G transformed weights of one group (scratch of packWeights)
	xbands   [][]float32 // per part: C/G channels × brows rows × wp
	vs, ms   [][]float32 // per part: V (16 × C/G × tmax), M (16 × M/G × tmax), plus slack
	scratch  [][]float32 // per part: the GEMMs' partial tiles (rowsGEMM)
	lastRow  [][]float32 // per part: two output rows for an odd OH's last tile row

	constW  bool
	packedW *float32
	packedN int

	x, b, y []float32
	fwdFn   func(part, lo, hi int)

	dx  *Winograd // the input gradient's convolution, or nil (im2col's)
	wdx []float32 // its weights: w transposed per group and rotated
}

// winoTiles is the number of tiles a band aims at: the GEMMs' N. Longer
// bands amortise each GEMM's fixed costs (per-call setup, partial tiles)
// although their V and M (16·64·4 B = 4 KiB per tile each for S1) then
// overflow L2. With the GEMMs reading V in place, S1 at batch 8, one
// thread, took 8.2–9.8, 7.2–7.4, 6.7–6.9, 6.3–6.5 and 7.1–8.0 ms with
// bands of 56, 112, 196, 392 and 784 tiles, G1 2.9–3.2, 2.1–2.2, 2.1–2.2,
// 2.2 and 2.2–2.6 (2 runs each; with packed GEMMs before, S1 8.2 ms at
// 112 tiles against 6.4–6.7 at 392).
const winoTiles = 400

// winoBandFloats caps a band's V and M (16·(C/G + M/G) floats per tile)
// at 8 MiB per part: S1's bands of 392 tiles take 0.8 Mi floats; with 256
// channels per group bands shrink to 256 tiles instead of taking 25 MiB.
const winoBandFloats = 2 << 20

// WinogradTiles is the number of 2×2 output tiles per group of g: the
// columns of the transformed input.
func WinogradTiles(g geom.Conv) int { return g.N * ceilDiv(g.OH, 2) * ceilDiv(g.OW, 2) }

// WinogradInputGradient reports whether the Winograd kernel of g computes
// the input gradient by Winograd too (else by im2col).
//
// The input gradient by Winograd needs 2 − pad ≥ 0, and pays off with
// 64 or more output channels per group (its reduction): S1's fwd+bwd
// at batch 8 went from 18.1 to 15.6 ms on 2 threads (31.8 to 24.8 on
// one); G1's (32 per group) from 4.60 to 4.73–4.99 (2 runs; then
// 4.51–4.63 against 4.60–4.73 in 4 alternating runs), as im2col
// computes dX and dW of an image in one pass over dY and x and the
// separate passes lose that.
func WinogradInputGradient(g geom.Conv) bool {
	return max(g.PadT, g.PadB, g.PadL, g.PadR) <= 2 && g.MG() >= 64
}

// InputGradient3x3 returns the geometry of the input gradient of the 3×3,
// stride-1, dilation-1 convolution g as a convolution of the same kind:
// dX (N×C×H×W) is dY (N×M×OH×OW) convolved, per group, with the filters
// of InputGradientFilters3x3 and padding 2 − pad on each side (which must
// not be negative for Winograd: WinogradInputGradient).
func InputGradient3x3(g geom.Conv) geom.Conv {
	return geom.Conv{N: g.N, C: g.M, H: g.OH, W: g.OW, M: g.C, KH: 3, KW: 3, SH: 1, SW: 1,
		PadT: 2 - g.PadT, PadB: 2 - g.PadB, PadL: 2 - g.PadL, PadR: 2 - g.PadR, DH: 1, DW: 1,
		G: g.G, OH: g.H, OW: g.W}
}

// InputGradientFilters3x3 writes into dst (g.WeightLen() values) the
// filters of InputGradient3x3(g): per group, w's filters with input and
// output channels swapped ([c][o] instead of [o][c]) and rotated by 180°.
func InputGradientFilters3x3(g geom.Conv, w, dst []float32) {
	cg, mg := g.CG(), g.MG()
	for gi := range g.G {
		for o := range mg {
			for c := range cg {
				src := w[((gi*mg+o)*cg+c)*9:][:9]
				d := dst[((gi*cg+c)*mg+o)*9:][:9]
				for i := range 9 {
					d[i] = src[8-i]
				}
			}
		}
	}
}

// WinogradApplies reports whether g can run as Winograd F(2×2, 3×3): a
// 3×3 kernel, stride 1 and dilation 1.
func WinogradApplies(g geom.Conv) bool {
	return g.KH == 3 && g.KW == 3 && g.SH == 1 && g.SW == 1 && g.DH == 1 && g.DW == 1
}

// NewWinograd prepares g (WinogradApplies(g) must hold) for threads.
func NewWinograd(g geom.Conv, threads int) *Winograd { return newWinograd(g, threads, winoTiles, true) }

// newWinograd is NewWinograd with bands of about tiles tiles, and a
// Winograd input gradient when dxOK.
func newWinograd(g geom.Conv, threads, tiles int, dxOK bool) *Winograd {
	if !WinogradApplies(g) {
		panic("kernel: NewWinograd: not a 3×3 stride-1 dilation-1 convolution")
	}
	k := &Winograd{g: g, team: NewTeam(threadsFor(threads, g.MACs())),
		cg: g.CG(), mg: g.MG(), tpr: ceilDiv(g.OW, 2), tph: ceilDiv(g.OH, 2)}
	rows := g.N * k.tph
	tiles = min(tiles, max(asm.WinoTileGroup, winoBandFloats/(16*(k.cg+k.mg))))
	k.rb = clamp((tiles+k.tpr/2)/k.tpr, 1, rows)
	k.bands = ceilDiv(rows, k.rb)
	k.rb = ceilDiv(rows, k.bands)
	k.wp = asm.WinoInWidth(k.tpr)
	// A band spans at most ⌈rb/tph⌉ + 1 images, each segment with two
	// more padded rows than twice its tile rows.
	k.brows = 2*k.rb + 2*(ceilDiv(k.rb, k.tph)+1)
	k.pa = make([]*gemm.PackedA, 16*g.G)
	for i := range k.pa {
		k.pa[i] = new(gemm.PackedA)
	}
	k.u = make([]float32, 16*k.mg*k.cg)
	k.tmax = k.rb * k.tpr
	off := make([]int, k.cg)
	for c := range off {
		off[c] = c * k.tmax
	}
	k.vrows = asm.NewRows(off)
	// Slack: the GEMM's last partial tile reads B rows to a multiple of
	// NR, WinoOut reads M in whole groups of asm.WinoTileGroup tiles.
	for range k.team.Parts(k.items()) {
		k.xbands = append(k.xbands, make([]float32, k.cg*k.brows*k.wp))
		k.vs = append(k.vs, make([]float32, 16*k.cg*k.tmax+gemm.NR))
		k.ms = append(k.ms, make([]float32, 16*k.mg*k.tmax+asm.WinoTileGroup))
		k.scratch = append(k.scratch, make([]float32, gemm.MR*ceilDiv(k.tmax, gemm.NR)*gemm.NR))
		k.lastRow = append(k.lastRow, make([]float32, 2*g.OW))
	}
	k.fwdFn = k.forwardItem
	if !dxOK {
		return k // the input gradient's kernel: forward only
	}
	k.bwd = NewIm2col(g, threads)
	if WinogradInputGradient(g) {
		k.dx = newWinograd(InputGradient3x3(g), threads, tiles, false)
		k.wdx = make([]float32, g.WeightLen())
	}
	return k
}

// SetConstantWeights is as for the GEMM kernels (gemmConv): with on, the
// forward transforms and packs the weights on the first call and again
// only when given a different weight slice.
func (k *Winograd) SetConstantWeights(on bool) {
	k.constW, k.packedW, k.packedN = on, nil, 0
}

func (k *Winograd) items() int { return k.g.G * k.bands }

// Forward computes y = conv(x, w) + b (b may be nil).
func (k *Winograd) Forward(x, w, b, y []float32) {
	if !k.constW || len(w) == 0 || k.packedW != &w[0] || k.packedN != len(w) {
		k.packWeights(w)
		if k.constW && len(w) > 0 {
			k.packedW, k.packedN = &w[0], len(w)
		}
	}
	k.x, k.b, k.y = x, b, y
	k.team.ForDynamic(k.items(), k.fwdFn)
	k.x, k.b, k.y = nil, nil, nil
}

// packWeights transforms each group's filters, U_ξ[o][c] = (G·g·Gᵀ)[i][j]
// with ξ = 4i+j and
//
//	G = |  1    0    0  |
//	    | 1/2  1/2  1/2 |
//	    | 1/2 −1/2  1/2 |
//	    |  0    0    1  |
//
// and packs the 16 matrices for the GEMM.
func (k *Winograd) packWeights(w []float32) {
	mg, cg := k.mg, k.cg
	for gi := range k.g.G {
		for o := range mg {
			for c := range cg {
				f := w[((gi*mg+o)*cg+c)*9:]
				var t [3][4]float64 // (G·g)ᵀ: column b of g times G
				for b := range 3 {
					t[b] = winoG(float64(f[b]), float64(f[3+b]), float64(f[6+b]))
				}
				for i := range 4 {
					u := winoG(t[0][i], t[1][i], t[2][i]) // row i of G·g, times G
					for j := range 4 {
						k.u[(4*i+j)*mg*cg+o*cg+c] = float32(u[j])
					}
				}
			}
		}
		for xi := range 16 {
			k.pa[gi*16+xi].PackOneBlock(1, false, mg, cg, k.u[xi*mg*cg:], cg)
		}
	}
}

// winoG returns G·(g0, g1, g2): g0, (g0+g1+g2)/2, (g0−g1+g2)/2, g2.
func winoG(g0, g1, g2 float64) [4]float64 {
	return [4]float64{g0, (g0 + g1 + g2) / 2, (g0 - g1 + g2) / 2, g2}
}

// forwardItem computes band it: group gi, tile rows [r0, r1) of the
// sequence of all images' tile rows (a band may span images; each image's
// part of it is a segment with its own padded rows in the band buffer).
func (k *Winograd) forwardItem(part, it, _ int) {
	g := k.g
	gi, band := it/k.bands, it%k.bands
	r0 := band * k.rb
	r1 := min(r0+k.rb, g.N*k.tph)
	tiles := (r1 - r0) * k.tpr
	xb, v, m := k.xbands[part], k.vs[part], k.ms[part]

	// Each segment's input rows 2·tr0 − PadT … + 2nr+1, zero padded, then
	// Bᵀ·d·B into V (tile columns from the segment's first tile on). Every
	// buffer row has its image columns at [lo, lo+cn) and zeros around
	// them, whichever band and segment last used it: rows in the image
	// rewrite only those columns, rows outside it are cleared whole.
	hw, need := g.H*g.W, 2*k.tpr+2
	lo := min(g.PadL, need)
	cn := clamp(need-g.PadL, 0, g.W)
	for c := range k.cg {
		xbc := xb[c*k.brows*k.wp:]
		so := 0 // first buffer row of the segment
		for r := r0; r < r1; {
			n, tr0 := r/k.tph, r%k.tph
			nr := min(r1-r, k.tph-tr0)
			xc := k.x[(n*g.C+gi*k.cg+c)*hw:][:hw]
			for i := range 2*nr + 2 {
				row := xbc[(so+i)*k.wp:][:need]
				iy := 2*tr0 - g.PadT + i
				if iy < 0 || iy >= g.H {
					clear(row)
					continue
				}
				copy(row[lo:lo+cn], xc[iy*g.W:])
			}
			asm.WinoIn(xbc[so*k.wp:], k.wp, nr, k.tpr, v[c*k.tmax+(r-r0)*k.tpr:], k.cg*k.tmax)
			so += 2*nr + 2
			r += nr
		}
	}

	// M_ξ = U_ξ · V_ξ, V read in place (no B packing; the whole
	// reduction of C/G stays in registers).
	for xi := range 16 {
		rowsGEMM(k.pa[gi*16+xi], v[xi*k.cg*k.tmax:], k.vrows, 0, m[xi*k.mg*k.tmax:], k.tmax, tiles, k.scratch[part])
	}

	// Y = Aᵀ·M·A + bias per segment; an odd OH's last tile row has one
	// output row (computed into lastRow).
	ohw := g.OH * g.OW
	last := k.lastRow[part]
	for r := r0; r < r1; {
		n, tr0 := r/k.tph, r%k.tph
		nr := min(r1-r, k.tph-tr0)
		full := nr
		if 2*(tr0+nr) > g.OH {
			full--
		}
		mo := (r - r0) * k.tpr
		for o := range k.mg {
			oc := gi*k.mg + o
			var bias float32
			if k.b != nil {
				bias = k.b[oc]
			}
			yo := k.y[(n*g.M+oc)*ohw+2*tr0*g.OW : (n*g.M+oc+1)*ohw]
			mt := m[o*k.tmax+mo:]
			asm.WinoOut(mt, k.mg*k.tmax, full, k.tpr, yo, g.OW, g.OW, bias)
			if full < nr {
				asm.WinoOut(mt[full*k.tpr:], k.mg*k.tmax, 1, k.tpr, last, g.OW, g.OW, bias)
				copy(yo[2*full*g.OW:], last[:g.OW])
			}
		}
		r += nr
	}
}

// Backward computes the weight and bias gradients as the im2col kernel
// does, and the input gradient — a 3×3 stride-1 convolution of dY with
// the filters transposed and rotated by 180°, padded by 2 − pad — with a
// second Winograd kernel when every pad is at most 2.
func (k *Winograd) Backward(x, w, dy, dx, dw, db []float32) {
	if dx == nil || k.dx == nil {
		k.bwd.Backward(x, w, dy, dx, dw, db)
		return
	}
	if dw != nil || db != nil {
		k.bwd.Backward(x, w, dy, nil, dw, db)
	}
	InputGradientFilters3x3(k.g, w, k.wdx)
	k.dx.Forward(dy, k.wdx, nil, dx)
}
