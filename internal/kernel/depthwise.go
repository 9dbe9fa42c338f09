package kernel

import (
	"github.com/convkit/convkit/internal/asm"
	"github.com/convkit/convkit/internal/geom"
)

// DepthwiseMode selects the inner kernel of a Depthwise convolution.
type DepthwiseMode int

const (
	// DepthwiseDirect handles any kernel, stride, dilation and padding: one
	// axpy (stride 1) or strided loop per tap and output row.
	DepthwiseDirect DepthwiseMode = iota
	// Depthwise3x3S1 uses the AVX2 3×3 stride-1 row kernel on the interior
	// and scalar code on the borders. Needs KH = KW = 3, stride 1,
	// dilation 1 (any padding).
	Depthwise3x3S1
	// Depthwise3x3S2 is the same for stride 2.
	Depthwise3x3S2
)

// DepthwiseModeFor returns the fastest mode that handles g (a depthwise
// geometry: G = C).
func DepthwiseModeFor(g geom.Conv) DepthwiseMode {
	if g.KH != 3 || g.KW != 3 || g.DH != 1 || g.DW != 1 || g.SH != g.SW {
		return DepthwiseDirect
	}
	switch g.SH {
	case 1:
		return Depthwise3x3S1
	case 2:
		return Depthwise3x3S2
	}
	return DepthwiseDirect
}

// Depthwise is a direct depthwise convolution: G = C groups of one input
// channel each, output channel m reading input channel m/K for the depth
// multiplier K = M/C.
//
// Forward runs over the N·M output planes in parallel. Backward computes dX
// per (image, input channel) plane (a transposed depthwise convolution:
// for 3×3 stride 1 the forward kernel with the filter rotated by 180°,
// otherwise a scatter of axpys) and dW, db per output channel, summing the
// per-plane partial sums in float64.
type Depthwise struct {
	g    geom.Conv
	mode DepthwiseMode
	mult int
	team *Team
	accs [][]float64 // per part: the taps of one filter
	bufs [][]float32 // per part: a band of zero-padded input rows (3×3 modes)
	zero []float32   // a row of zeros standing for a padded top or bottom row
	zdy  []float32   // a zero dY plane: the odd values upsample2 interleaves
	des  [][]float32 // per part: one H×W plane with deinterleaved rows (backward, SW > 1)
	ups  [][]float32 // per part: dY upsampled to stride 1 (backward, 3×3 stride 2), see upsample2
	uh   int         // rows and columns of an upsampled plane
	uw   int
	gemm *Im2col // the forward pass of a large depth multiplier, see DepthwiseForwardGEMM

	// per-call arguments, read by the parallel loop bodies
	x, w, b, y, dy, dx, dw, db []float32
	fwdFn, dxFn, dwFn          func(part, lo, hi int)
}

// NewDepthwise prepares a depthwise convolution of geometry g (G = C,
// M a multiple of C) with the given mode (which must handle g, see
// DepthwiseModeFor) on up to threads goroutines.
func NewDepthwise(g geom.Conv, mode DepthwiseMode, threads int) *Depthwise {
	if g.G != g.C || g.M%g.C != 0 {
		panic("kernel: NewDepthwise: not a depthwise geometry")
	}
	if mode != DepthwiseDirect && (g.KH != 3 || g.KW != 3 || g.DH != 1 || g.DW != 1 ||
		g.SH != g.SW || (mode == Depthwise3x3S1) != (g.SH == 1) || (mode == Depthwise3x3S2) != (g.SH == 2)) {
		panic("kernel: NewDepthwise: mode does not fit the geometry")
	}
	k := &Depthwise{g: g, mode: mode, mult: g.M / g.C, team: NewTeam(threadsFor(threads, g.MACs()))}
	k.accs = make([][]float64, k.team.Parts(g.M))
	for i := range k.accs {
		k.accs[i] = make([]float64, g.KH*g.KW)
	}
	if mode != DepthwiseDirect {
		k.bufs = make([][]float32, k.team.Threads())
		for i := range k.bufs {
			k.bufs[i] = make([]float32, bandFloats(g))
		}
		k.zero = make([]float32, bandWidth(g.SH, max(g.OW, g.W)))
	}
	if mode == Depthwise3x3S2 {
		// Both gradients run the stride-1 kernels over dY upsampled to an
		// uh×uw plane. The plane is at least 2·(O−1)+1 (every dY value) and
		// H − 1 + PadT (resp. W − 1 + PadL), so that for the usual padding
		// of 1 the stride-1 passes take the native padded path: the extra
		// row and column are zeros and add nothing.
		k.uh = max(2*(g.OH-1)+1, g.H-1+g.PadT)
		k.uw = max(2*(g.OW-1)+1, g.W-1+g.PadL)
		k.ups = make([][]float32, k.team.Threads())
		for i := range k.ups {
			// Zero now, and the odd positions are never written: zeros stay.
			k.ups[i] = make([]float32, k.uh*k.uw)
			k.bufs[i] = make([]float32, max(len(k.bufs[i]), bandSize(1, g.W, g.H), bandSize(1, k.uw, k.uh)))
		}
		k.zero = make([]float32, max(len(k.zero), bandWidth(1, max(g.W, k.uw))))
		k.zdy = make([]float32, g.OH*g.OW)
	}
	if g.SW > 1 {
		k.des = make([][]float32, k.team.Threads())
		for i := range k.des {
			k.des[i] = make([]float32, g.H*g.W)
		}
	}
	k.fwdFn, k.dxFn, k.dwFn = k.forwardPlanes, k.dxPlanes, k.dwChannels
	if DepthwiseForwardGEMM(g, mode) {
		k.gemm = NewIm2col(g, threads)
	}
	return k
}

// DepthwiseForwardGEMM reports whether the forward pass of a 3×3 stride-1
// depthwise convolution with a large depth multiplier (a network's first
// layer on one input channel) runs as Im2col's GEMM — for each input
// channel, its M/C filters as 6-row weight panels against the padded rows
// read in place — instead of one row-kernel pass over the input per
// filter. Measured (batch 64 unless said; one thread / two; two or three
// runs each, time against the row kernel's): 1 channel × 32 at 28² −23–32 %
// / −21–27 %, at 14² −25–29 % / −8–15 %; 1 × 16 at 28² −27–30 % / +1 to
// −27 %; 8 × 16 at 28² (batch 16) −11–14 % / −26–29 %; 1 × 8 at 28²
// −8–10 % / −3–14 %, kept out; 3 × 16 at 56² (batch 8) +22–31 %, slower.
// Hence a multiplier of at least 16 on rows of at most 28. The
// backward pass stays on the row kernels (the first layer's weight
// gradient: 0.5–0.9 ms against 1.5–2.5 ms through Im2col).
func DepthwiseForwardGEMM(g geom.Conv, mode DepthwiseMode) bool {
	return mode == Depthwise3x3S1 && g.M/g.C >= 16 && g.OW <= 28 && asm.HasAVX2FMA
}

// SetConstantWeights is Im2col's, for the forward pass that runs through
// it (DepthwiseForwardGEMM); the row kernels pack nothing.
func (k *Depthwise) SetConstantWeights(on bool) {
	if k.gemm != nil {
		k.gemm.SetConstantWeights(on)
	}
}

// Forward computes y = conv(x, w) + b (b may be nil).
func (k *Depthwise) Forward(x, w, b, y []float32) {
	if k.gemm != nil {
		k.gemm.Forward(x, w, b, y)
		return
	}
	k.x, k.w, k.b, k.y = x, w, b, y
	k.team.For(k.g.N*k.g.M, k.fwdFn)
	k.x, k.w, k.b, k.y = nil, nil, nil, nil
}

// Backward computes dx, dw and db (each may be nil) from dy.
func (k *Depthwise) Backward(x, w, dy, dx, dw, db []float32) {
	k.x, k.w, k.dy, k.dx, k.dw, k.db = x, w, dy, dx, dw, db
	if dx != nil {
		k.team.For(k.g.N*k.g.C, k.dxFn)
	}
	if dw != nil || db != nil {
		k.team.For(k.g.M, k.dwFn)
	}
	k.x, k.w, k.dy, k.dx, k.dw, k.db = nil, nil, nil, nil, nil, nil
}

func (k *Depthwise) forwardPlanes(part, lo, hi int) {
	g := k.g
	khw, hw, ohw := g.KH*g.KW, g.H*g.W, g.OH*g.OW
	for p := lo; p < hi; p++ {
		n, m := p/g.M, p%g.M
		c := m / k.mult
		x := k.x[(n*g.C+c)*hw:] // the plane and what follows (see conv3x3Plane)
		y := k.y[p*ohw : (p+1)*ohw]
		w := k.w[m*khw : (m+1)*khw]
		var bias float32
		if k.b != nil {
			bias = k.b[m]
		}
		switch k.mode {
		case Depthwise3x3S1:
			conv3x3Plane(1, x, g.H, g.W, y, g.OH, g.OW, g.PadT, g.PadL, w, bias, false, k.bufs[part], k.zero)
		case Depthwise3x3S2:
			conv3x3Plane(2, x, g.H, g.W, y, g.OH, g.OW, g.PadT, g.PadL, w, bias, false, k.bufs[part], k.zero)
		default:
			directPlane(g, x, y, w, bias)
		}
	}
}

// dxPlanes computes dx for planes (n, c), p = n·C + c, in [lo, hi).
func (k *Depthwise) dxPlanes(part, lo, hi int) {
	g := k.g
	khw, hw, ohw := g.KH*g.KW, g.H*g.W, g.OH*g.OW
	for p := lo; p < hi; p++ {
		n, c := p/g.C, p%g.C
		dx := k.dx[p*hw : (p+1)*hw]
		for j := range k.mult {
			m := c*k.mult + j
			dy := k.dy[(n*g.M+m)*ohw:]
			w := k.w[m*khw : (m+1)*khw]
			if k.mode == Depthwise3x3S1 {
				// dx[ih, iw] = Σ_{a,b} dy[ih + PadT − a, iw + PadL − b]·w[a, b]: a
				// 3×3 stride-1 convolution of dy with the rotated filter and
				// padding 2 − PadT, 2 − PadL.
				var rot [9]float32
				for t := range 9 {
					rot[t] = w[8-t]
				}
				conv3x3Plane(1, dy, g.OH, g.OW, dx, g.H, g.W, 2-g.PadT, 2-g.PadL, rot[:], 0, j > 0, k.bufs[part], k.zero)
				continue
			}
			if k.mode == Depthwise3x3S2 && finite(w) {
				// The same over dY upsampled to stride 1 (zeros between its
				// values): a quarter of the multiply-adds are useful, but all
				// run in the vector row kernel instead of one short axpy per
				// output row and tap. The zeros meet only weights, so with
				// finite weights they add exact zeros; a NaN or ±Inf weight
				// takes the exact path below (0·Inf would be a NaN where the
				// true gradient has none).
				var rot [9]float32
				for t := range 9 {
					rot[t] = w[8-t]
				}
				up := k.ups[part]
				upsample2(dy[:ohw], g.OH, g.OW, up, k.uw, k.zdy)
				conv3x3Plane(1, up, k.uh, k.uw, dx, g.H, g.W, 2-g.PadT, 2-g.PadL, rot[:], 0, j > 0, k.bufs[part], k.zero)
				continue
			}
			if k.des != nil {
				// Accumulate in deinterleaved rows (contiguous axpys),
				// interleaved into dx after the last filter.
				if j == 0 {
					clear(k.des[part])
				}
				directPlaneDX(g, dy, k.des[part], w)
				if j == k.mult-1 {
					for ih := range g.H {
						interleave(dx[ih*g.W:(ih+1)*g.W], k.des[part][ih*g.W:(ih+1)*g.W], g.SW)
					}
				}
				continue
			}
			if j == 0 {
				clear(dx)
			}
			directPlaneDX(g, dy, dx, w)
		}
	}
}

// dwChannels computes dw and db for output channels [lo, hi).
func (k *Depthwise) dwChannels(part, lo, hi int) {
	g := k.g
	khw, ohw := g.KH*g.KW, g.OH*g.OW
	a := k.accs[part]
	for m := lo; m < hi; m++ {
		c := m / k.mult
		if k.db != nil {
			var s float64
			for n := range g.N {
				s += sum64(k.dy[(n*g.M+m)*ohw : (n*g.M+m+1)*ohw])
			}
			k.db[m] = float32(s)
		}
		if k.dw == nil {
			continue
		}
		k.dwChannel(part, m, c, k.mode == Depthwise3x3S2)
		if k.mode == Depthwise3x3S2 && !finite(a) {
			// The upsampled zeros also meet input values no tap reads in
			// the true sum: with a NaN or ±Inf there, the sums are NaN
			// where the true gradient may be finite. Redo the channel
			// exactly.
			k.dwChannel(part, m, c, false)
		}
		for t, v := range a {
			k.dw[m*khw+t] = float32(v)
		}
	}
}

// upsample2 writes the oh×ow plane dy at the even rows and columns of up
// (row length uw): up[2o·uw + 2p] = dy[o·ow + p], and zeros between them
// (up[2o·uw + 2p + 1], p < ow − 1), interleaving each row with a row of
// zeros from zdy (an oh×ow zero plane) in one asm call. The odd rows of up
// are left alone; they are zero from allocation on.
func upsample2(dy []float32, oh, ow int, up []float32, uw int, zdy []float32) {
	asm.Interleave2Rows(up, dy, zdy, ow, ow-1, oh, 2*uw, ow)
}

// dwChannel sets k.accs[part] to the weight gradient of output channel m
// (reading input channel c). For 3×3 stride 2, upsampled selects the
// stride-1 pass over the upsampled dY, otherwise the exact direct path.
func (k *Depthwise) dwChannel(part, m, c int, upsampled bool) {
	g := k.g
	hw, ohw := g.H*g.W, g.OH*g.OW
	a := k.accs[part]
	clear(a)
	for n := range g.N {
		x := k.x[(n*g.C+c)*hw : (n*g.C+c+1)*hw]
		dy := k.dy[(n*g.M+m)*ohw : (n*g.M+m+1)*ohw]
		switch {
		case upsampled:
			// dW[a, b] = Σ dY[o, p]·x[2o − PadT + a, 2p − PadL + b] is the
			// stride-1 weight gradient of the upsampled dY.
			up := k.ups[part]
			upsample2(dy, g.OH, g.OW, up, k.uw, k.zdy)
			grad3x3S1Plane(x, g.H, g.W, up, k.uh, k.uw, g.PadT, g.PadL, a, k.bufs[part], k.zero)
		case k.mode == Depthwise3x3S1:
			grad3x3S1Plane(x, g.H, g.W, dy, g.OH, g.OW, g.PadT, g.PadL, a, k.bufs[part], k.zero)
		case k.des != nil:
			xd := k.des[part]
			for ih := range g.H {
				deinterleave(xd[ih*g.W:(ih+1)*g.W], x[ih*g.W:(ih+1)*g.W], g.SW)
			}
			directPlaneDW(g, xd, dy, a)
		default:
			directPlaneDW(g, x, dy, a)
		}
	}
}

// finite reports whether every value of s is finite (not NaN or ±Inf).
func finite[T float32 | float64](s []T) bool {
	for _, v := range s {
		if v-v != 0 { // NaN − NaN and Inf − Inf are NaN
			return false
		}
	}
	return true
}

// sum64 returns Σ s[i] in float64.
func sum64(s []float32) float64 {
	var a0, a1, a2, a3 float64
	i := 0
	for ; i+4 <= len(s); i += 4 {
		a0 += float64(s[i])
		a1 += float64(s[i+1])
		a2 += float64(s[i+2])
		a3 += float64(s[i+3])
	}
	for ; i < len(s); i++ {
		a0 += float64(s[i])
	}
	return (a0 + a1) + (a2 + a3)
}

// bandTarget is the size, in floats, of the band buffer of zero-padded
// input rows: 16 KiB, half of L1d, so that the band, the output rows and the
// weights stay in L1 while the row kernel runs.
const bandTarget = 4096

// bandWidth is the row length of the band buffer for a 3×3 plane of stride
// s and ow outputs per row: the s·(ow−1)+3 input columns the row reads,
// plus one for the value the stride-2 kernel loads past the end.
func bandWidth(s, ow int) int { return s*(ow-1) + 4 }

// bandRows is the number of output rows per band.
func bandRows(s, ow int) int { return max(1, (bandTarget/bandWidth(s, ow)-3)/s+1) }

// bandFloats is the band buffer size a 3×3 depthwise geometry needs, for
// the forward pass and for both gradients (dX runs a stride-1 pass over dY
// with H×W outputs).
func bandFloats(g geom.Conv) int {
	n := bandSize(g.SH, g.OW, g.OH)
	if g.SH == 1 {
		n = max(n, bandSize(1, g.W, g.H))
		if g.OW <= flatMaxOW {
			n = max(n, flatFloats(g.OW, g.OH))
		}
		if g.W <= flatMaxOW { // dX: a stride-1 pass with H×W outputs
			n = max(n, flatFloats(g.W, g.H))
		}
	}
	return n
}

func bandSize(s, ow, oh int) int {
	rows := min(bandRows(s, ow), oh)
	return (s*(rows-1) + 3) * bandWidth(s, ow)
}

// fillBand copies the input rows r0 ≤ r < r0+nr (of an ih×iw plane) into
// buf, each as wb values starting at column c0, with zeros where the row or
// column falls outside the plane. The rows inside the plane are one
// asm.PadRows call (zeros, values, zeros in 8-value vectors), which may
// spill zeros into the next row of buf; the rows below the plane are
// cleared after it.
func fillBand(buf, x []float32, ih, iw, r0, nr, c0, wb int) {
	lo, hi := clamp(-c0, 0, wb), clamp(iw-c0, 0, wb)      // columns of buf that are inside
	first, last := clamp(-r0, 0, nr), clamp(ih-r0, 0, nr) // rows of buf that are inside (first ≤ last)
	if lo >= hi {
		first, last = nr, nr
	}
	if first < last {
		asm.PadRows(buf[first*wb:nr*wb], x[(r0+first)*iw+c0+lo:], last-first, hi-lo, iw, lo, wb)
	}
	clear(buf[:first*wb])
	clear(buf[last*wb : nr*wb])
}

// conv3x3Plane computes one plane of a 3×3 convolution with stride s (1 or
// 2) and dilation 1:
//
//	y[oh, ow] = (acc ? y[oh, ow] : bias) + Σ_{a,b<3} w[3a+b]·x[s·oh − pt + a, s·ow − pl + b]
//
// over an ih×iw input and oh×ow output, taps outside the input reading
// zero (pt and pl may be negative: a crop). x starts at the plane and may
// run on past it (the stride-2 kernel loads one value past the last one it
// uses). With at most one column of padding on each side and one row at
// the top and bottom (every 'same' 3×3 convolution), the assembly handles
// the padding itself (conv3x3Native); otherwise bands of input rows are
// copied with their padding into buf first.
func conv3x3Plane(s int, x []float32, ih, iw int, y []float32, oh, ow, pt, pl int, w []float32, bias float32, acc bool, buf, zero []float32) {
	if s == 1 && pt == 1 && pl == 1 && oh == ih && ow == iw && iw <= 16 && asm.UsingAVX512() {
		// A 'same' plane of rows ≤ 16 in one masked-vector pass: no padded
		// copy in, no cropped copy out. DW3 forward against the flat layout
		// with the AVX-512 row kernel, 3 interleaved rounds: batch 1
		// 0.063 → 0.045 ms at one thread, batch 8 0.456 → 0.383 (one
		// thread), 0.234 → 0.185 (two).
		asm.DwConv3x3S1Same(w, x[:ih*iw], ih, iw, y[:oh*ow], bias, acc)
		return
	}
	if s == 1 && !acc && conv3x3Flat(x, ih, iw, y, oh, ow, pt, pl, w, bias, buf) {
		return
	}
	if conv3x3Native(s, x, ih, iw, y, oh, ow, pt, pl, w, bias, acc, zero) {
		return
	}
	wb, rows := bandWidth(s, ow), bandRows(s, ow)
	for o0 := 0; o0 < oh; o0 += rows {
		nr := min(rows, oh-o0)
		in := s*(nr-1) + 3
		fillBand(buf, x, ih, iw, s*o0-pt, in, -pl, wb)
		if s == 1 {
			asm.DwConv3x3S1(w, buf[:in*wb], wb, y[o0*ow:], ow, nr, ow, bias, acc)
		} else {
			asm.DwConv3x3S2(w, buf[:in*wb], wb, y[o0*ow:], ow, nr, ow, bias, acc)
		}
	}
}

// flatMaxOW is the widest output row that conv3x3Plane computes in the
// flat layout (conv3x3Flat). Measured against the row kernel: 14-wide rows
// (DW3) 25–30 % faster at one thread; 28-wide rows (DW2) slower at batch 8
// (1.8–2.1 against 1.3 ms). Widths between were not measured.
const flatMaxOW = 16

// flatFloats is the buffer conv3x3Flat needs for an oh×ow output: the
// zero-padded plane ((oh+2) rows of ow+2), 8 values of slack for the
// vector spills of asm.PadRows, and the outputs in rows of ow+2.
func flatFloats(ow, oh int) int { return (oh+2)*(ow+2) + 8 + oh*(ow+2) }

// conv3x3Flat is conv3x3Plane (stride 1, not accumulating) for small
// planes: the input is copied zero padded into rows of wp = ow+2 values
// (asm.PadRows), where the whole output plane, garbage columns included,
// is one row of (oh−1)·wp + ow outputs for the row kernel (output (r, c)
// at r·wp + c reads the padded rows r..r+2, columns c..c+2, as a band of
// stride wp); the wp − ow garbage outputs per row are dropped when the
// rows are copied out. It reports false, doing nothing, for rows wider than
// flatMaxOW, negative paddings (crops), inputs wider or taller than the
// padded plane, or a buffer too small.
func conv3x3Flat(x []float32, ih, iw int, y []float32, oh, ow, pt, pl int, w []float32, bias float32, buf []float32) bool {
	wp, hp := ow+2, oh+2
	if ow > flatMaxOW || pt < 0 || pl < 0 || pl+iw > wp || pt+ih > hp || len(buf) < flatFloats(ow, oh) {
		return false
	}
	np := hp*wp + 8
	pb, ob := buf[:np], buf[np:][:oh*wp]
	clear(pb[:pt*wp])
	asm.PadRows(pb[pt*wp:], x, ih, iw, iw, pl, wp)
	clear(pb[(pt+ih)*wp : hp*wp])
	n := (oh-1)*wp + ow
	asm.DwConv3x3S1(w, pb[:hp*wp], wp, ob, n, 1, n, bias, false)
	asm.CopyRows(y[:oh*ow], ob, oh, ow, wp)
	return true
}

// conv3x3Native runs conv3x3Plane straight on x with the padded row
// kernels, when the padding is at most one column per side and one row at
// the top and bottom: a missing top or bottom row is the zero row, a missing
// column is handled by the kernel. It reports false, doing nothing, for
// other paddings.
func conv3x3Native(s int, x []float32, ih, iw int, y []float32, oh, ow, pt, pl int, w []float32, bias float32, acc bool, zero []float32) bool {
	last := s*(ow-1) - pl + 2 // the column tap b = 2 of the last output reads
	bottom := s*(oh-1) - pt + 2
	if pt < 0 || pt > 1 || pl < 0 || pl > 1 || last > iw || bottom > ih {
		return false
	}
	padL, padR := pl == 1, last == iw
	if ow < b2i(padL)+b2i(padR) {
		return false
	}
	lo := pt // rows [lo, hi) have all three window rows inside the input
	hi := clamp(floorDiv(ih-3+pt, s)+1, lo, oh)
	if lo >= hi {
		lo, hi = 0, 0
	}
	for o := 0; o < oh; o++ {
		if o == lo && hi > lo {
			x0 := x[(s*lo-pt)*iw:]
			padRows(s, w, x0, x0[iw:], x0[2*iw:], iw, y[lo*ow:], ow, hi-lo, ow, padL, padR, bias, acc)
			o = hi - 1 // the loop's o++ moves on to hi
			continue
		}
		r := s*o - pt
		padRows(s, w, planeRow(x, r, ih, iw, zero), planeRow(x, r+1, ih, iw, zero), planeRow(x, r+2, ih, iw, zero),
			iw, y[o*ow:], ow, 1, ow, padL, padR, bias, acc)
	}
	return true
}

// grad3x3S1Native is grad3x3S1Plane straight on x with the padded row
// kernel, under the conditions of conv3x3Native; the sums go to s. It
// reports false, doing nothing, for other paddings.
func grad3x3S1Native(x []float32, ih, iw int, dy []float32, oh, ow, pt, pl int, s *[9]float32, zero []float32) bool {
	last, bottom := ow-1-pl+2, oh-1-pt+2
	if pt < 0 || pt > 1 || pl < 0 || pl > 1 || last > iw || bottom > ih {
		return false
	}
	padL, padR := pl == 1, last == iw
	if ow < b2i(padL)+b2i(padR) {
		return false
	}
	lo := pt
	hi := clamp(ih-3+pt+1, lo, oh)
	if lo >= hi {
		lo, hi = 0, 0
	}
	for o := 0; o < oh; o++ {
		if o == lo && hi > lo {
			x0 := x[(lo-pt)*iw:]
			asm.DwGrad3x3S1Pad(x0, x0[iw:], x0[2*iw:], iw, dy[lo*ow:], ow, hi-lo, ow, padL, padR, s)
			o = hi - 1 // the loop's o++ moves on to hi
			continue
		}
		r := o - pt
		asm.DwGrad3x3S1Pad(planeRow(x, r, ih, iw, zero), planeRow(x, r+1, ih, iw, zero), planeRow(x, r+2, ih, iw, zero),
			iw, dy[o*ow:], ow, 1, ow, padL, padR, s)
	}
	return true
}

// planeRow returns row r of an ih×iw plane (and what follows it), or the
// zero row outside the plane.
func planeRow(x []float32, r, ih, iw int, zero []float32) []float32 {
	if r < 0 || r >= ih {
		return zero
	}
	return x[r*iw:]
}

// padRows calls the padded row kernel of stride s.
func padRows(s int, w, x0, x1, x2 []float32, xs int, y []float32, ys, rows, n int, padL, padR bool, bias float32, acc bool) {
	if s == 1 {
		asm.DwConv3x3S1Pad(w, x0, x1, x2, xs, y, ys, rows, n, padL, padR, bias, acc)
	} else {
		asm.DwConv3x3S2Pad(w, x0, x1, x2, xs, y, ys, rows, n, padL, padR, bias, acc)
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// grad3x3S1Plane adds to acc[3a+b] the weight gradient of one plane of a
// 3×3 stride-1 convolution: Σ_{oh,ow} dy[oh,ow]·x[oh − pt + a, ow − pl + b],
// over zero-padded bands of x as in conv3x3Plane.
func grad3x3S1Plane(x []float32, ih, iw int, dy []float32, oh, ow, pt, pl int, acc []float64, buf, zero []float32) {
	var s [9]float32
	if grad3x3S1Native(x, ih, iw, dy, oh, ow, pt, pl, &s, zero) {
		for t, v := range s {
			acc[t] += float64(v)
		}
		return
	}
	wb, rows := bandWidth(1, ow), bandRows(1, ow)
	for o0 := 0; o0 < oh; o0 += rows {
		nr := min(rows, oh-o0)
		in := nr + 2
		fillBand(buf, x, ih, iw, o0-pt, in, -pl, wb)
		clear(s[:])
		asm.DwGrad3x3S1(buf[:in*wb], wb, dy[o0*ow:], ow, nr, ow, &s)
		for t, v := range s {
			acc[t] += float64(v)
		}
	}
}

// tapRange returns the outputs [lo, hi) along one axis (of out outputs,
// stride s) whose tap at offset off = j·dilation − pad lies inside [0, in):
// 0 ≤ s·o + off < in.
func tapRange(s, off, in, out int) (lo, hi int) {
	lo = clamp(ceilDiv(-off, s), 0, out)
	hi = clamp(floorDiv(in-1-off, s)+1, lo, out)
	return lo, hi
}

// directPlane computes one output plane of a depthwise convolution of any
// kernel, stride and dilation: y = bias, then for each output row and tap an
// axpy of the input row segment the tap reads (a strided loop when SW > 1).
func directPlane(g geom.Conv, x, y, w []float32, bias float32) {
	for oh := range g.OH {
		yr := y[oh*g.OW : (oh+1)*g.OW]
		for i := range yr {
			yr[i] = bias
		}
		for i := range g.KH {
			ih := oh*g.SH - g.PadT + i*g.DH
			if ih < 0 || ih >= g.H {
				continue
			}
			xr := x[ih*g.W : (ih+1)*g.W]
			for j := range g.KW {
				off := j*g.DW - g.PadL
				lo, hi := tapRange(g.SW, off, g.W, g.OW)
				if lo >= hi {
					continue
				}
				wv := w[i*g.KW+j]
				if g.SW == 1 {
					asm.Axpy(wv, xr[lo+off:hi+off], yr[lo:hi])
					continue
				}
				for ow := lo; ow < hi; ow++ {
					yr[ow] += wv * xr[ow*g.SW+off]
				}
			}
		}
	}
}

// directPlaneDX adds to dxd the input gradient of one plane, the transpose
// of directPlane, with the rows of dxd deinterleaved into their SW phases
// (see deinterleave; at SW = 1 that is the plain plane): every tap of an
// output row adds to one contiguous run of a phase, one axpy.
func directPlaneDX(g geom.Conv, dy, dxd, w []float32) {
	for oh := range g.OH {
		dr := dy[oh*g.OW : (oh+1)*g.OW]
		for i := range g.KH {
			ih := oh*g.SH - g.PadT + i*g.DH
			if ih < 0 || ih >= g.H {
				continue
			}
			xr := dxd[ih*g.W : (ih+1)*g.W]
			for j := range g.KW {
				off := j*g.DW - g.PadL
				lo, hi := tapRange(g.SW, off, g.W, g.OW)
				if lo >= hi {
					continue
				}
				fl, ps := phaseShift(off, g.SW, g.W)
				asm.Axpy(w[i*g.KW+j], dr[lo:hi], xr[ps+lo+fl:ps+hi+fl])
			}
		}
	}
}

// directPlaneDW adds to acc[i·KW + j] the weight gradient of one plane:
// per output row and tap, the dot product of the dy row with the run of
// the input row it reads, on xd, the input plane with rows deinterleaved
// into their SW phases (the plain plane at SW = 1).
func directPlaneDW(g geom.Conv, xd, dy []float32, acc []float64) {
	for oh := range g.OH {
		dr := dy[oh*g.OW : (oh+1)*g.OW]
		for i := range g.KH {
			ih := oh*g.SH - g.PadT + i*g.DH
			if ih < 0 || ih >= g.H {
				continue
			}
			xr := xd[ih*g.W : (ih+1)*g.W]
			for j := range g.KW {
				off := j*g.DW - g.PadL
				lo, hi := tapRange(g.SW, off, g.W, g.OW)
				if lo >= hi {
					continue
				}
				fl, ps := phaseShift(off, g.SW, g.W)
				acc[i*g.KW+j] += float64(asm.Dot(dr[lo:hi], xr[ps+lo+fl:ps+hi+fl]))
			}
		}
	}
}
