package kernel

import (
	"github.com/convkit/convkit/internal/asm"
	"github.com/convkit/convkit/internal/gemm"
)

// phased is the state of Im2col's phase-split mode, for strided
// convolutions and small stride-1 planes: the padded-width trick of
// forwardPadded generalised to any stride, with whole images side by side.
//
// The zero-padded input plane xp (xp[r][c] = x[r − PadT][c − PadL]) of
// each channel is split into SH·SW phase planes of hq × wq values,
//
//	Q[c][ρ][σ][u][v] = xp[SH·u + ρ][SW·v + σ],
//
// so that the tap (i, j) of output (oh, ow) reads
// Q[c][ρ][σ][oh + du][ow + dv] with i·DH = SH·du + ρ and j·DW = SW·dv + σ.
// In the phase domain — output (oh, ow) at column oh·wq + ow, the wq − OW
// columns past OW of each row being garbage — the im2col row of tap
// (c, i, j) is one contiguous run of OH·wq values of Q starting at
// du·wq + dv: im2col is C/G·KH·KW long copies per image, however small the
// plane or large the stride. For stride 1 there is one phase and Q is
// xp. A work item is ipc whole images of one group side by side, so that
// the GEMMs of small planes have enough columns and the weight-gradient
// GEMM enough depth; the GEMMs have P = OH·OW columns per image, without
// the garbage columns:
//
//   - the forward pass splits the item's images into their own phase
//     planes, qImg apart, and its GEMM packs B straight from them through
//     the tap table and a column map (gemm.SgemmPackedACols; column
//     i·P + oh·OW + ow at i·qImg + oh·wq + ow): no im2col copy;
//   - the weight gradient gathers each run (OH rows of OW values;
//     asm.CopyRuns) into an im2col buffer, whose transpose the GEMM packs;
//   - the input gradient is added back into phase planes, OH rows of OW
//     values per tap (asm.AddRuns).
type phased struct {
	ipc    int         // images per work item; 0 when the mode is off
	hq, wq int         // phase plane
	xqs    [][]float32 // per part: the phase planes of one image (C/G·SH·SW·hq·wq + slack), or of ipc images qImg apart
	qImg   int         // the phase planes of one image: C/G·SH·SW·hq·wq
	cols   asm.Cols    // the forward GEMM's column map (ipc images)
	gqs    [][]float32 // per part: the input gradient in phase planes (same size)
	pcols  [][]float32 // per part: C/G·KH·KW × ipc·P columns (P = OH·OW)
	pys    [][]float32 // per part: M/G × ipc·P outputs, or the gathered dY
	// Per column phase σ: the phase-row columns [lo, hi) that lie inside
	// the input, and where they start in a deinterleaved input row.
	sigLo, sigHi, sigSrc []int
	// Per row phase ρ: its input rows (see phaseRows), computed once.
	rhoRows []phaseRow
	// Per im2col row (tap): where its run starts in the phase planes
	// (tapRun), as a row table for CopyRuns, AddRuns and Sgemm6x16Rows.
	tapRows asm.Rows

	// Direct forward (short reductions, see setupDirect): per part a
	// scratch of MR output rows.
	direct   bool
	dscratch [][]float32
	dBlock   int // output rows per block of directRows
	dRowsFn  func(part, lo, hi int)
	dn, dgi  int // per-call arguments of dRowsFn (with fx)

	// Per-call arguments of the team loops of forwardPhased (fillLoop,
	// outLoop), made once as method values.
	fillFn, outFn func(part, lo, hi int)
	fq, fy, fx    []float32
	fld, fgi, fn0 int
}

// Phased mode limits. phasedCols is the number of GEMM columns a work item
// aims for (64 panels of 16; the GEMM stays near its peak from about 500
// columns, see im2colFloats, and the value is not tuned further);
// phasedFloats bounds the column buffer at 4 MiB, which with the L3 of
// this class of machine (≥ 16 MiB) still streams from cache;
// phasedMaxStride bounds the number of phases (see setupPhased).
const (
	phasedCols      = 1024
	phasedFloats    = 1 << 20
	phasedMaxStride = 8
)

// setupPhased switches k to phase-split mode when it fits: strides above
// 1, or stride-1 planes too small to fill a GEMM on their own, with modest
// padding (see NewIm2col) and a column buffer of at most phasedFloats for
// one image.
func (k *Im2col) setupPhased(modestPad bool) {
	g := k.g
	strided := g.SH > 1 || g.SW > 1
	if !modestPad || (!strided && g.OH*g.OW > 256) {
		return
	}
	// The phase planes hold SH·hq × SW·wq values per channel, under twice
	// the padded plane each way while the stride is at most the padded
	// size; real strides are 1–4, and the classic path takes the others
	// (a stride of 2^20 on a 4×4 map would ask for 2^40 phase planes).
	if g.SH > phasedMaxStride || g.SW > phasedMaxStride || g.SH > g.H+g.PadT+g.PadB || g.SW > g.W+g.PadL+g.PadR {
		return
	}
	hq := ceilDiv(g.H+g.PadT+g.PadB, g.SH)
	wq := ceilDiv(g.W+g.PadL+g.PadR, g.SW)
	if k.kk*k.p > phasedFloats {
		return
	}
	ph := &k.phased
	ph.hq, ph.wq = hq, wq
	want := clamp(ceilDiv(phasedCols, k.p), 1, g.N)
	if t := k.team.Threads(); t > 1 {
		// At least 4 items per thread, so that the dynamic schedule
		// (Team.ForDynamic) has something to balance.
		want = min(want, max(1, g.N/(4*t)))
	}
	ph.ipc = k.balancedIPC(want, max(1, phasedFloats/(k.kk*k.p)))
	for sig := range g.SW {
		off := sig - g.PadL
		lo, hi := tapRange(g.SW, off, g.W, wq)
		fl, ps := phaseShift(off, g.SW, g.W)
		ph.sigLo, ph.sigHi, ph.sigSrc = append(ph.sigLo, lo), append(ph.sigHi, hi), append(ph.sigSrc, ps+fl)
	}
	for rho := range g.SH {
		ph.rhoRows = append(ph.rhoRows, k.phaseRows(rho))
	}
	ph.tapRows = asm.NewRows(k.tapRuns())
	parts := k.team.Parts(k.items())
	// The last tap's run goes dv = ⌊(KW−1)·DW/SW⌋ values past its plane,
	// and the direct forward's last tile of a row up to NR − 1 more.
	qlen := g.CG()*g.SH*g.SW*hq*wq + (g.KW-1)*g.DW/g.SW + gemm.NR
	for range parts {
		ph.xqs = append(ph.xqs, make([]float32, qlen))
		ph.gqs = append(ph.gqs, make([]float32, qlen))
		ph.pcols = append(ph.pcols, make([]float32, k.kk*ph.ipc*k.p))
		ph.pys = append(ph.pys, make([]float32, k.mg*ph.ipc*k.p))
	}
	k.fwdFn, k.bwdFn = k.forwardPhased, k.backwardPhased
	ph.fillFn, ph.outFn = k.fillLoop, k.outLoop
	// The team loops of a threaded GEMM use one deinterleave row per part.
	for len(k.des) < k.team.Threads() {
		k.des = append(k.des, make([]float32, g.W))
	}
	ph.qImg = g.CG() * g.SH * g.SW * hq * wq
	k.setupDirect()
	if !ph.direct {
		k.setupCols()
	}
}

// setupCols builds the column map of forwardPhased's GEMM and makes each
// part's phase buffer hold ipc images, qImg apart, and the reach of the
// packed panels past the last one.
func (k *Im2col) setupCols() {
	g, ph := k.g, &k.phased
	off := make([]int, 0, ph.ipc*k.p)
	for i := range ph.ipc {
		for oh := range g.OH {
			for ow := range g.OW {
				off = append(off, i*ph.qImg+oh*ph.wq+ow)
			}
		}
	}
	ph.cols = asm.NewCols(off)
	need := max(ph.cols.Reach(ph.tapRows), (ph.ipc-1)*ph.qImg+len(ph.xqs[0]))
	for i, q := range ph.xqs {
		if len(q) < need {
			ph.xqs[i] = make([]float32, need)
		}
	}
}

// directMaxK is the longest reduction (C/G·KH·KW) the direct forward takes.
// The bound is a judgement, not tuned: with up to 64 taps the B rows of
// one output row (64 runs of 16 values, 2 cache lines each) and the packed
// weights fit L1 across all the weight panels, while the GEMM path copies
// every tap's run (im2col), packs it, and loads and stores each C tile
// once per ≤ 64 rank-1 updates. Measured only at 27 taps (S2, a first
// layer: 3 channels × 3×3), where it took S2 from 1.3–2.4× slower than
// PyTorch to par at batch 8.
const directMaxK = 64

// setupDirect switches the forward pass of a phase-mode convolution with a
// short reduction and output rows of at least one tile (NR values) to the
// direct kernel (forwardDirect).
func (k *Im2col) setupDirect() {
	g, ph := k.g, &k.phased
	if k.kk > directMaxK || g.OW < gemm.NR || !asm.HasAVX2FMA {
		return
	}
	ph.direct = true
	// Work items are single images, or output rows of one image on the team:
	// a phase buffer per part.
	parts := max(k.team.Parts(g.N*g.G), k.team.Parts(g.OH))
	for len(ph.xqs) < parts {
		ph.xqs = append(ph.xqs, make([]float32, len(ph.xqs[0])))
	}
	for len(k.des) < parts {
		k.des = append(k.des, make([]float32, len(k.des[0])))
	}
	for range max(parts, k.team.Threads()) {
		ph.dscratch = append(ph.dscratch, make([]float32, gemm.MR*ceilDiv(g.OW, gemm.NR)*gemm.NR))
	}
	ph.dRowsFn = k.directRowsLoop
	// A block's phase rows: C/G·SH·SW planes of wq values, and the
	// (KH−1)·DH/SH rows below it that the taps reach.
	ph.dBlock = blockRows(g.OH, 4*g.CG()*g.SH*g.SW*ph.wq, (g.KH-1)*g.DH/g.SH)
	k.fwdFn = k.forwardDirect
}

// forwardDirect is the forward pass of the direct mode, per image and
// group: the phase planes, then every output row computed straight from
// them by asm.Sgemm6x16Rows, a weight panel (6 output channels) and a row
// of OW outputs at a time, the taps' runs read in place (the phase domain
// has wq ≥ OW columns per row; the values past OW that the last tile reads
// land in a scratch tile and are dropped). With fewer images than threads
// the rows run on the whole team, each part on its own phase planes.
func (k *Im2col) forwardDirect(part, lo, hi int) {
	g, ph := k.g, &k.phased
	teamed := !k.outer(k.fwdItems())
	for it := lo; it < hi; it++ {
		n, gi := it/g.G, it%g.G
		q := ph.xqs[part]
		if !teamed {
			k.fillPhases(q, k.xg(k.x, n, gi), k.des[part])
			k.directRows(part, q, n, gi, 0, g.OH)
			continue
		}
		ph.fx, ph.dn, ph.dgi = k.xg(k.x, n, gi), n, gi
		k.team.For(g.OH, ph.dRowsFn)
		ph.fx = nil
	}
}

// directRowsLoop is a part of forwardDirect's team loop over output rows:
// it splits the image into its own phase planes first (the whole image,
// a few percent of the work: cheaper than sharing planes half filled by
// another core) and computes its rows.
func (k *Im2col) directRowsLoop(part, lo, hi int) {
	ph := &k.phased
	q := ph.xqs[part]
	k.fillPhases(q, ph.fx, k.des[part])
	k.directRows(part, q, ph.dn, ph.dgi, lo, hi)
}

// directRows computes output rows [oh0, oh1) of image n, group gi from
// the phase planes q, in blocks of ph.dBlock rows: each weight panel runs
// over the block's rows before the next panel, so that the output is
// written MR planes at a time, each a run of whole rows. Row by row, all
// panels at once, the stores went to M/G planes in turn (32 for S2), more
// write streams than the hardware prefetcher follows, and each output line
// cost a read for ownership from memory: the order measured −24 % (one
// thread) and −43 % (two) on S2 batch 8 (Zen 5, benchstat, 6 rounds).
func (k *Im2col) directRows(part int, q []float32, n, gi, oh0, oh1 int) {
	g, ph := k.g, &k.phased
	yg := k.y[(n*g.M+gi*k.mg)*k.p:]
	for b0 := oh0; b0 < oh1; b0 += ph.dBlock {
		b1 := min(b0+ph.dBlock, oh1)
		rowsGEMMBlock(k.pa[gi], q, ph.tapRows, b0*ph.wq, ph.wq, yg[b0*g.OW:], k.p, g.OW, g.OW, b1-b0, ph.dscratch[part])
		if k.b != nil {
			for m := range k.mg {
				asm.AddBias(k.b[gi*k.mg+m], yg[m*k.p+b0*g.OW:][:(b1-b0)*g.OW])
			}
		}
	}
}

// balancedIPC returns the images per work item, near want and at most
// most, that balances the team best: Team.For hands each part a contiguous
// range of items, so with 2 threads and 64 images, 13 items of 5 images
// would give the parts 30 and 34 images, 4 items of 19 give 38 and 26; 4
// or 16 images per item split evenly. It minimises the largest part's
// images over [⌈want/2⌉, 2·want], preferring the candidate closest to want.
func (k *Im2col) balancedIPC(want, most int) int {
	g := k.g
	best, bestLoad := 0, 0
	for c := max(1, (want+1)/2); c <= min(2*want, most, g.N); c++ {
		items := g.G * ceilDiv(g.N, c)
		parts := k.team.Parts(items)
		load := 0 // images of the busiest part
		for p := range parts {
			imgs := 0
			for it := p * items / parts; it < (p+1)*items/parts; it++ {
				imgs += min(c, g.N-it/g.G*c)
			}
			load = max(load, imgs)
		}
		if best == 0 || load < bestLoad || (load == bestLoad && abs(c-want) < abs(best-want)) {
			best, bestLoad = c, load
		}
	}
	return max(best, 1)
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// phasedItem decodes a phase-mode work item into its group and images
// [n0, n0+cnt).
func (k *Im2col) phasedItem(it int) (gi, n0, cnt int) {
	gi, n0 = it%k.g.G, it/k.g.G*k.ipc
	return gi, n0, min(k.ipc, k.g.N-n0)
}

// fillPhases writes the phase planes of the C/G input planes x into q.
// Only the values that come from x are written: the positions of the
// padding are the same for every image and stay zero from allocation on.
// Rows of stride 2 are split by asm.Deinterleave2Rows, other strides
// through de (W values).
func (k *Im2col) fillPhases(q, x, de []float32) { k.fillPhaseRange(q, x, de, 0, k.g.CG()) }

// phaseRow is the input rows of a row phase ρ: the first r0 (−1 when
// there is none), how many there are (every SH-th row from r0) and their
// phase row u0 = (r0 + PadT)/SH.
type phaseRow struct{ r0, count, u0 int }

// phaseRows returns the input rows of row phase ρ.
func (k *Im2col) phaseRows(rho int) phaseRow {
	g := k.g
	r0 := ((rho-g.PadT)%g.SH + g.SH) % g.SH
	if r0 >= g.H {
		return phaseRow{r0: -1}
	}
	return phaseRow{r0, (g.H - r0 + g.SH - 1) / g.SH, (r0 + g.PadT) / g.SH}
}

// fillPhaseRange is fillPhases for input channels [c0, c1). It reads the
// input rows in order (each to its row phase): phase by phase, every
// SH-th row, the split of S2's batch read its input from memory more
// slowly — the whole forward pass −5 % in row order (one thread, batch 8,
// benchstat 5 rounds), although the split alone, on input already in
// cache, takes a fifth longer for the call per row.
func (k *Im2col) fillPhaseRange(q, x, de []float32, c0, c1 int) {
	g, ph := k.g, &k.phased
	hw, qn := g.H*g.W, ph.hq*ph.wq
	se := g.PadL % g.SW // the column phase of input column 0
	ne := (g.W + 1) / 2 // stride 2: the values of the phase of column 0
	for c := c0; c < c1; c++ {
		for r := range g.H {
			row := x[c*hw+r*g.W:][:g.W]
			rho, u := (r+g.PadT)%g.SH, (r+g.PadT)/g.SH
			b := (c*g.SH+rho)*g.SW*qn + u*ph.wq // phase row u of (c, ρ, σ = 0)
			switch g.SW {
			case 1:
				copy(q[b+g.PadL:][:g.W], row)
			case 2:
				asm.Deinterleave2Rows(q[b+se*qn+ph.sigLo[se]:], q[b+(1-se)*qn+ph.sigLo[1-se]:], row, ne, g.W-ne, 1, g.W, ph.wq)
			default:
				deinterleave(de[:g.W], row, g.SW)
				for sig, lo := range ph.sigLo {
					// Columns v with 0 ≤ SW·v + σ − PadL < W, which are
					// de[src + v] of the deinterleaved row.
					hi, src := ph.sigHi[sig], ph.sigSrc[sig]
					if lo < hi {
						copy(q[b+sig*qn+lo:b+sig*qn+hi], de[src+lo:src+hi])
					}
				}
			}
		}
	}
}

// tapRun returns the start, in the phase planes, of the contiguous run of
// tap (c, i, j).
func (k *Im2col) tapRun(c, i, j int) int {
	g, ph := k.g, &k.phased
	du, rho := i*g.DH/g.SH, i*g.DH%g.SH
	dv, sig := j*g.DW/g.SW, j*g.DW%g.SW
	return ((c*g.SH+rho)*g.SW+sig)*ph.hq*ph.wq + du*ph.wq + dv
}

// tapRuns returns tapRun of every im2col row, (c·KH + i)·KW + j.
func (k *Im2col) tapRuns() []int {
	g := k.g
	runs := make([]int, 0, k.kk)
	for c := range g.CG() {
		for i := range g.KH {
			for j := range g.KW {
				runs = append(runs, k.tapRun(c, i, j))
			}
		}
	}
	return runs
}

// phaseCols writes the im2col rows of one image to col (row stride ld)
// from its phase planes q: the run of each tap without its garbage
// columns, OH rows of OW values wq apart, so that the weight gradient's
// GEMM computes no garbage columns.
func (k *Im2col) phaseCols(col []float32, ld int, q []float32) {
	g, ph := k.g, &k.phased
	asm.CopyRuns(col, ld, q, ph.tapRows, g.OH, g.OW, ph.wq)
}

// forwardPhased is the forward pass of phase-mode work items: the phase
// planes of cnt images side by side, one GEMM packing its B from them
// through the column map (P = OH·OW columns per image), and the outputs
// copied out with the bias.
func (k *Im2col) forwardPhased(part, lo, hi int) {
	g, ph := k.g, &k.phased
	th := k.innerThreads(k.items())
	yb, q := ph.pys[part], ph.xqs[part]
	for it := lo; it < hi; it++ {
		gi, n0, cnt := k.phasedItem(it)
		ld := cnt * k.p
		if th > 1 {
			// Fewer items than threads: the GEMM runs on the whole team,
			// and so do the copies around it, which would otherwise run
			// on the caller alone while the other threads wait.
			ph.fld, ph.fy, ph.fgi, ph.fn0 = ld, yb, gi, n0
			for i := range cnt {
				ph.fq, ph.fx = q[i*ph.qImg:], k.xg(k.x, n0+i, gi)
				k.team.For(g.CG(), ph.fillFn)
			}
			gemm.SgemmPackedACols(th, k.pa[gi], ld, 1, q, ph.tapRows, ph.cols, 0, yb, ld)
			k.team.For(cnt*k.mg, ph.outFn)
			ph.fq, ph.fy, ph.fx = nil, nil, nil
			continue
		}
		for i := range cnt {
			k.fillPhases(q[i*ph.qImg:], k.xg(k.x, n0+i, gi), k.des[part])
		}
		gemm.SgemmPackedACols(th, k.pa[gi], ld, 1, q, ph.tapRows, ph.cols, 0, yb, ld)
		k.copyOut(yb, ld, gi, n0, 0, cnt*k.mg)
	}
}

// copyOut copies the GEMM outputs yb (M/G × ld, images side by side) of
// group gi, images from n0, to y with the bias, for the (image, channel)
// rows [r0, r1) (row r is image r/(M/G), channel r%(M/G)).
func (k *Im2col) copyOut(yb []float32, ld, gi, n0, r0, r1 int) {
	g := k.g
	for r := r0; r < r1; r++ {
		i, m := r/k.mg, r%k.mg
		mo := gi*k.mg + m
		dst := k.y[((n0+i)*g.M+mo)*k.p:][:k.p]
		copy(dst, yb[m*ld+i*k.p:])
		if k.b != nil {
			asm.AddBias(k.b[mo], dst)
		}
	}
}

// The team loops of forwardPhased with a threaded GEMM, over the per-call
// arguments in ph.f*.
func (k *Im2col) fillLoop(part, lo, hi int) {
	ph := &k.phased
	k.fillPhaseRange(ph.fq, ph.fx, k.des[part], lo, hi)
}

func (k *Im2col) outLoop(_, lo, hi int) {
	ph := &k.phased
	k.copyOut(ph.fy, ph.fld, ph.fgi, ph.fn0, lo, hi)
}

// backwardPhased computes dW and dX for phase-mode work items, the dY of
// the item's cnt images gathered side by side (M/G × cnt·P) once for both:
//
//	dW_g += dY · colᵀ, col as in forwardPhased
//	dcol  = W_gᵀ · dY (in col's buffer, after the weight gradient used it),
//	        added tap by tap into the phase planes of dX (asm.AddRuns: OH
//	        rows of OW values per tap, the transpose of the im2col gather)
func (k *Im2col) backwardPhased(part, lo, hi int) {
	g, ph := k.g, &k.phased
	th := k.innerThreads(k.items())
	col, dyq, q, gq := ph.pcols[part], ph.pys[part], ph.xqs[part], ph.gqs[part]
	for it := lo; it < hi; it++ {
		gi, n0, cnt := k.phasedItem(it)
		ld := cnt * k.p
		for i := range cnt {
			for m := range k.mg {
				copy(dyq[m*ld+i*k.p:][:k.p], k.dy[((n0+i)*g.M+gi*k.mg+m)*k.p:])
			}
		}
		if k.dw != nil {
			for i := range cnt {
				k.fillPhases(q, k.xg(k.x, n0+i, gi), k.des[part])
				k.phaseCols(col[i*k.p:], ld, q)
			}
			k.dwGemm(part, th, dyq, ld, col, ld, ld, k.dwAcc(part, it, gi))
		}
		if k.dx != nil {
			gemm.SgemmPackedA(th, k.paT[gi], false, ld, 1, dyq, ld, 0, col, ld)
			for i := range cnt {
				clear(gq)
				asm.AddRuns(gq, ph.tapRows, col[i*k.p:], ld, g.OH, g.OW, ph.wq)
				k.drainPhases(k.xg(k.dx, n0+i, gi), gq, k.des[part])
			}
		}
	}
}

// drainPhases writes dx, the C/G input-gradient planes of one image, from
// their phase planes gq (the inverse of fillPhases; padding dropped):
// stride-2 rows by one Interleave2Rows call per channel and row phase,
// other strides row by row, assembling each strided row deinterleaved in
// de first.
func (k *Im2col) drainPhases(dx, gq, de []float32) {
	g, ph := k.g, &k.phased
	hw, qn := g.H*g.W, ph.hq*ph.wq
	se := g.PadL % g.SW
	for c := range g.CG() {
		dc := dx[c*hw : (c+1)*hw]
		for rho := range g.SH {
			pr := ph.rhoRows[rho]
			r0, count, u0 := pr.r0, pr.count, pr.u0
			if count == 0 {
				continue
			}
			base := (c*g.SH+rho)*g.SW*qn + u0*ph.wq
			if g.SW == 2 {
				ne, le, lo := (g.W+1)/2, ph.sigLo[se], ph.sigLo[1-se]
				asm.Interleave2Rows(dc[r0*g.W:], gq[base+se*qn+le:], gq[base+(1-se)*qn+lo:], ne, g.W-ne, count, g.SH*g.W, ph.wq)
				continue
			}
			for r := range count {
				dr := dc[(r0+r*g.SH)*g.W:][:g.W]
				dst := dr
				if g.SW > 1 {
					dst = de[:g.W]
				}
				b := base + r*ph.wq
				for sig, lo := range ph.sigLo {
					hi, s := ph.sigHi[sig], ph.sigSrc[sig]
					copy(dst[s+lo:s+hi], gq[b+sig*qn+lo:b+sig*qn+hi])
				}
				if g.SW > 1 {
					interleave(dr, dst, g.SW)
				}
			}
		}
	}
}
