package kernel

import (
	"github.com/convkit/convkit/internal/asm"
	"github.com/convkit/convkit/internal/geom"
)

// The channel-vectorised forward pass of a pointwise convolution: output
// channels in vector lanes (asm.Sgemm32x7T: 32 channels × 7 positions per
// tile) instead of output positions. It is for planes whose width in
// positions wastes lanes of the position-vectorised GEMM (7×7 = 49 = 3·16 +
// 1: the last column costs an FMA instruction for 6 of its 16 lanes, 3 % of
// the kernel's time, and the packed B panel is padded to 64 columns): 32
// channels fill two vectors exactly, and a plane cut into tiles of 7
// positions wastes nothing when 7 divides it (7×7, 14×14). The bias is the
// accumulators' starting value, so there is no bias pass over Y either.
//
// Per image and group, X (C/G × HW) is copied into tiles of 7 positions
// (7 consecutive floats per input channel),
// which each kernel call reads as a 7-wide A; the weights are packed as
// 32-channel panels of Wᵀ (32 floats per input channel) — a transposition,
// so the mode is used only with constant weights (SetConstantWeights), where
// it is done once.

// cvTile is the tile width in output positions (asm.Sgemm32x7T's 7), cvPanel
// the output channels per weight panel (its 32).
const (
	cvTile  = 7
	cvPanel = 32
)

// cvMinDepth is the shortest reduction (C/G) the mode is used for. Each
// tile ends with a transposition of its 14 accumulators and 32 masked
// stores (about 150 instructions), amortised over 7 cycles per input
// channel, and X is copied into tiles once per image. Measured against the
// position-vectorised GEMM (alternating runs of BenchmarkAnchors): PW4
// (1024 channels, 7×7) at batch 8 on one thread −3.0 % (benchstat,
// p=0.000, 8 rounds); PW3 (512 channels, 14×14) at batch 8 on one thread
// slower in all 5 rounds (+2.6 … +8.5 %), so the bound sits between the
// two.
const cvMinDepth = 1024

// PointwiseChannelVectorised reports whether the forward pass of the
// pointwise geometry g on threads threads runs channel-vectorised when its
// weights are constant: output channels per group a multiple of 32, a
// reduction of at least cvMinDepth input channels per group, a plane whose
// positions the 16-wide position vectors do not fill (HW mod 16 ≠ 0) while
// tiles of 7 positions do (HW mod 7 = 0), and whole images and groups for
// every thread (N·G a multiple of threads, or at least 4 per thread):
// splitting an image's channels between threads would pack its X once per
// thread (PW4 at batch 1 on two threads: 0.35–0.47 against 0.30–0.36 ms).
func PointwiseChannelVectorised(g geom.Conv, threads int) bool {
	hw, ng := g.H*g.W, g.N*g.G
	return g.MG()%cvPanel == 0 && g.CG() >= cvMinDepth && hw%16 != 0 && hw%cvTile == 0 &&
		(ng%threads == 0 || ng >= 4*threads)
}

// packCV packs the forward weights of every group as 32-channel panels of
// Wᵀ: panel q of group gi holds wt[p*32+i] = W[gi·mg + 32q + i][p].
func (k *Pointwise) packCV(w []float32) {
	g, kk := k.g, k.kk
	if len(k.cvW) != g.M*kk {
		k.cvW = make([]float32, g.M*kk)
	}
	for ch0 := 0; ch0 < g.M; ch0 += cvPanel {
		dst := k.cvW[ch0*kk : (ch0+cvPanel)*kk]
		for i := range cvPanel {
			row := w[(ch0+i)*kk : (ch0+i+1)*kk]
			for p, v := range row {
				dst[p*cvPanel+i] = v
			}
		}
	}
}

// cvStride is the distance between two tiles of X in floats: kk rows of 7
// and one float of slack, which packTiles' 8-float row copies overwrite.
func cvStride(kk int) int { return cvTile*kk + 1 }

// cvBuf returns part's buffer for the tiles of one image and group.
func (k *Pointwise) cvBuf(part int) []float32 {
	for len(k.cvX) <= part {
		k.cvX = append(k.cvX, nil)
	}
	n := k.p / cvTile * cvStride(k.kk)
	if len(k.cvX[part]) != n {
		k.cvX[part] = make([]float32, n)
	}
	return k.cvX[part]
}

// packTiles copies X[n, g] (kk × HW, HW a multiple of 7) into xp as
// tiles of 7 positions: xp[t·s + p·7 + j] = X[p][7t + j] (s =
// cvStride(kk)). Rows are copied 8 floats at a time as two [4]float32
// (16-byte moves; a 7- or 8-float array copy compiles to a memmove call):
// the eighth lands on the next row's first float, written right after, or
// on the tile's float of slack. The last tile of a row has no eighth float
// to read and takes its last three one by one.
func packTiles(xp, x []float32, kk, hw int) {
	tiles, s := hw/cvTile, cvStride(kk)
	for p := range kk {
		row := x[p*hw : (p+1)*hw]
		for t := range tiles - 1 {
			*(*[4]float32)(xp[t*s+p*cvTile:]) = *(*[4]float32)(row[t*cvTile:])
			*(*[4]float32)(xp[t*s+p*cvTile+4:]) = *(*[4]float32)(row[t*cvTile+4:])
		}
		t := tiles - 1
		d, r := xp[t*s+p*cvTile:t*s+(p+1)*cvTile], row[t*cvTile:t*cvTile+cvTile]
		*(*[4]float32)(d) = *(*[4]float32)(r)
		d[4], d[5], d[6] = r[4], r[5], r[6]
	}
}

// forwardCV computes the (image, group) items [lo, hi).
//
// Each kernel call can prefetch kk/2 lines into L2 (asm.Sgemm32x7T's pf):
// the first four tiles of a panel fetch a quarter each of the next panel's
// weights. Measured only in a kernel benchmark of PW4's shape at batch 8
// (X read in place, 6 alternating rounds, no benchstat): median 4.55
// against 4.66 ms without. Fetching the next image's X with the other
// tiles, for packTiles, measured no different: PW4 at batch 8 −2.98
// against −2.87 % of the position-vectorised GEMM (benchstat, 8 rounds).
func (k *Pointwise) forwardCV(part, lo, hi int) {
	g, hw, kk := k.g, k.p, k.kk
	npan := k.mg / cvPanel
	tiles, stride := hw/cvTile, cvStride(kk)
	xp := k.cvBuf(part)
	for it := lo; it < hi; it++ {
		n, gi := it/g.G, it%g.G
		packTiles(xp, k.x[(n*g.C+gi*kk)*hw:], kk, hw)
		for q := range npan {
			ch0 := gi*k.mg + q*cvPanel
			wt := k.cvW[ch0*kk : (ch0+cvPanel)*kk]
			var bias []float32
			if k.b != nil {
				bias = k.b[ch0 : ch0+cvPanel]
			}
			y := k.y[(n*g.M+ch0)*hw:]
			var next []float32 // the next panel's weights, prefetched
			if q+1 < npan {
				next = k.cvW[(ch0+cvPanel)*kk : (ch0+2*cvPanel)*kk]
			}
			for t := range tiles {
				var pf []float32
				if t < 4 && next != nil {
					pf = next[t*len(next)/4 : (t+1)*len(next)/4]
				}
				asm.Sgemm32x7T(kk, xp[t*stride:], cvTile, wt, bias, y[t*cvTile:], hw, cvTile, pf)
			}
		}
	}
}
