package gemm

import "github.com/convkit/convkit/internal/asm"

// workspace is one worker's scratch: the packed B block and the edge tile.
type workspace struct {
	b    []float32
	tile [MR * NR]float32
}

var wsPool freeList[workspace]

func (ws *workspace) bufB(n int) []float32 {
	if cap(ws.b) < n {
		ws.b = make([]float32, n)
	}
	return ws.b[:n]
}

// job is one parallel call: either packing A (packing set) or the
// multiplication of a packed A by B over a tm×tn grid of C rectangles.
type job struct {
	team

	pa *PackedA

	// packing phase
	packing bool
	transA  bool
	a       []float32
	lda     int
	perPack int // micro-panels per part

	// multiply phase
	b           bOperand
	n           int
	alpha, beta float32
	c           []float32
	ldc         int
	tn          int // grid columns
	mPer, nPer  int // micro-panels (rows of MR / columns of NR) per part

	helpFn func(part, lo, hi int) // j.help, made once per job (see newJob)
}

var jobPool freeList[job]

// getJob takes a job from the free list, making its help method value the
// first time (so that handing it to the pool allocates nothing later).
func getJob() *job {
	j := jobPool.get()
	if j.helpFn == nil {
		j.helpFn = j.help
	}
	return j
}

func (j *job) runPart(part int) {
	if j.packing {
		ir0 := part * j.perPack
		packAPanels(j.pa, j.transA, j.a, j.lda, ir0, min(ir0+j.perPack, j.pa.panels))
		return
	}
	pm, pn := part/j.tn, part%j.tn
	ir0, c0 := pm*j.mPer, pn*j.nPer*NR
	ir1, c1 := min(ir0+j.mPer, j.pa.panels), min(c0+j.nPer*NR, j.n)
	if ir0 >= ir1 || c0 >= c1 {
		return
	}
	ws := wsPool.get()
	macroKernel(ws, j.pa, ir0, ir1, c0, c1, j.b, j.alpha, j.beta, j.c, j.ldc)
	wsPool.put(ws)
}

// release clears references (so pooled jobs do not pin user memory) and
// returns j to the free list; called by the job's last participant.
func (j *job) release() {
	j.pa, j.a, j.b, j.c = nil, nil, bOperand{}, nil
	jobPool.put(j)
}

// packAParallel fills pa (already reset) from op(A), splitting the
// micro-panels across up to threads goroutines when A is large enough.
func packAParallel(threads int, pa *PackedA, transA bool, a []float32, lda int) {
	if threads <= 1 || pa.panels*MR*pa.k < 1<<16 {
		packAPanels(pa, transA, a, lda, 0, pa.panels)
		return
	}
	j := getJob()
	j.pa, j.packing, j.transA, j.a, j.lda = pa, true, transA, a, lda
	parts := min(pa.panels, 4*threads)
	j.perPack = (pa.panels + parts - 1) / parts
	j.run((pa.panels+j.perPack-1)/j.perPack, threads-1)
}

// multiply computes C = alpha·A·op(B) + beta·C for packed A with up to
// threads goroutines. The thread grid tm×tn comes from partition; the n
// split is then cut into 4 parts per thread for dynamic load balancing
// (parts cost nothing extra there), keeping parts of at least
// minFlopsPerThread/2. The m split stays at one part per thread: every
// m-part packs its own copy of B, about 4.4 ns per 64-byte line on Zen 5
// (packBN over 1024×392, B in L3; 3.5 ns from L2) — a sixth of the A
// panels' FMA time per line for a 43-panel part. Two m-parts per thread
// instead of one measured +7 % on PW4 at batch 8 and +8 % at batch 1 (two
// threads, benchstat 6 rounds), the other pointwise anchors n.s.
func multiply(threads int, pa *PackedA, b bOperand, n int, alpha, beta float32, c []float32, ldc int) {
	tm, tn := partition(threads, pa.panels, n)
	multiplyGrid(tm, tn, pa, b, n, alpha, beta, c, ldc)
}

// multiplyGrid is multiply on the tm×tn thread grid.
func multiplyGrid(tm, tn int, pa *PackedA, b bOperand, n int, alpha, beta float32, c []float32, ldc int) {
	np := (n + NR - 1) / NR
	if tm*tn == 1 {
		ws := wsPool.get()
		macroKernel(ws, pa, 0, pa.panels, 0, n, b, alpha, beta, c, ldc)
		wsPool.put(ws)
		return
	}
	flops := 2 * float64(pa.m) * float64(n) * float64(pa.k)
	maxParts := max(tm*tn, int(flops/float64(minFlopsPerThread/2)))
	cm, cn := tm, tn
	if tn > 1 {
		cn = min(np, 4*tn)
	}
	for cm*cn > maxParts && cn > tn {
		cn--
	}
	j := getJob()
	j.pa, j.packing = pa, false
	j.b, j.n, j.alpha, j.beta = b, n, alpha, beta
	j.c, j.ldc = c, ldc
	j.mPer = (pa.panels + cm - 1) / cm
	j.nPer = (np + cn - 1) / cn
	cm = (pa.panels + j.mPer - 1) / j.mPer // drop empty parts
	cn = (np + j.nPer - 1) / j.nPer
	j.tn = cn
	j.run(cm*cn, tm*tn-1)
}

// partition picks a tm×tn grid (tm·tn ≤ threads) of C rectangles, aligned to
// micro-tiles, for mp A micro-panels and n columns, minimising the estimated
// time of the busiest part. Per k step a 6×16 tile costs ~6 cycles and a
// column panel of at most 8 (6×8 kernel) ~3; packing a B micro-panel costs
// ~1.5 cycles, and an m-split packs all of B in every part while an n-split
// packs only its own columns. Ties go to fewer threads, then to splitting n.
func partition(threads, mp, n int) (tm, tn int) {
	np := (n + NR - 1) / NR
	// cost of a part with r A micro-panels and columns [c0, c1), in half
	// cycles per k step
	cost := func(r, c0, c1 int) int {
		w := c1 - c0
		half := 2 * (w / NR) // half-width units of tile work per A panel
		switch rem := w % NR; {
		case rem > 8:
			half += 2
		case rem > 0:
			half++
		}
		return 6*r*half + 3*((w+NR-1)/NR)
	}
	tm, tn = 1, 1
	best := cost(mp, 0, n)
	for t := 2; t <= threads; t++ {
		for r := 1; r <= t; r++ {
			if t%r != 0 {
				continue
			}
			q := t / r
			if r > mp || q > np {
				continue
			}
			mpp := (mp + r - 1) / r
			npp := (np + q - 1) / q
			worst := 0
			for pn := range q { // parts differ only in their columns
				c0, c1 := pn*npp*NR, min((pn+1)*npp*NR, n)
				if c0 < c1 {
					worst = max(worst, cost(mpp, c0, c1))
				}
			}
			if worst < best {
				best, tm, tn = worst, r, q
			}
		}
	}
	return tm, tn
}

// macroKernel computes the C rectangle rows [ir0·MR, min(ir1·MR, m)) ×
// columns [c0, c1) (c0 a multiple of NR).
//
// When the part's A rows fit one mc block, or all its packed A panels fit in
// L2, or B is a row table, B is packed one micro-panel at a time right
// before use (macroKernelSmallM); otherwise the BLIS loop nest jc (nc) → pc
// (kc, pack B block) → ic (mc) → jr (NR) → ir (MR) → micro-kernel is used.
func macroKernel(ws *workspace, pa *PackedA, ir0, ir1, c0, c1 int, bo bOperand, alpha, beta float32, c []float32, ldc int) {
	if bo.indirect || ir1-ir0 <= mcMax/MR || (ir1-ir0)*MR*pa.k <= aResidentMaxFloats {
		macroKernelSmallM(ws, pa, ir0, ir1, c0, c1, bo, alpha, beta, c, ldc)
		return
	}
	transB, b, ldb := bo.trans, bo.data, bo.ld
	k, kc := pa.k, pa.kc
	nc := blockSize(c1-c0, ncMax, NR)
	mcp := blockSize(ir1-ir0, mcMax/MR, 1) // micro-panels per ic block
	for jc := c0; jc < c1; jc += nc {
		ncb := min(nc, c1-jc)
		npan := (ncb + NR - 1) / NR
		cs := newColSteps(jc, jc+ncb)
		for pc := 0; pc < k; pc += kc {
			kcb := min(kc, k-pc)
			betaEff := beta // the first depth block applies beta, later ones accumulate
			if pc > 0 {
				betaEff = 1
			}
			bbuf := ws.bufB(npan * kcb * NR)
			packB(bbuf, transB, b, ldb, pc, kcb, jc, ncb)
			ablk := pa.data[pc*pa.panels*MR:]
			for ic := ir0; ic < ir1; ic += mcp {
				icEnd := min(ic+mcp, ir1)
				for i := range cs.n {
					col, w := cs.step(i)
					jp := (col - jc) / NR
					if w > NR {
						tileGroup(ws, pa.m, ablk, bbuf[jp*kcb*NR:(jp+(w+NR-1)/NR)*kcb*NR], kcb, ic, icEnd, col, w, alpha, betaEff, c, ldc, nil, 0)
						continue
					}
					tileColumn(ws, pa.m, ablk, bbuf[jp*kcb*NR:(jp+1)*kcb*NR], kcb, ic, icEnd, col, w, alpha, betaEff, c, ldc, nil, 0)
				}
			}
		}
	}
}

// macroKernelSmallM is the loop nest for a short A (at most one mc block of
// rows): every B micro-panel (kc×NR) is packed into an L1-resident buffer
// right before the part's MR-panels use it, and the first micro-kernel call
// on it prefetches the rows of the next micro-panel, so the B stream from
// memory overlaps the FMAs. Compared with packing a whole kc×nc block first,
// this never writes a multi-MiB packed block out to L3 and reads it back,
// which matters when each B element is used by few rows of A (im2col and
// pointwise convolutions with few output channels).
//
// If all depth blocks of the part's A fit in L2 (aResidentMaxFloats) the
// order is column panel → depth block, so each C tile stays in L1 across
// the depth blocks; otherwise depth block → column panel, so only one A
// depth block (≤ mc×kc) needs to stay resident and C is revisited once per
// depth block.
func macroKernelSmallM(ws *workspace, pa *PackedA, ir0, ir1, c0, c1 int, bo bOperand, alpha, beta float32, c []float32, ldc int) {
	transB, b, ldb := bo.trans, bo.data, bo.ld
	k, kc := pa.k, pa.kc
	cs := newColSteps(c0, c1)
	nPC := (k + kc - 1) / kc // depth blocks
	nCol := cs.n             // column steps
	colOuter := (ir1-ir0)*MR*k <= aResidentMaxFloats
	step := func(s int) (col, w, pc int) { // s-th (column step, depth block) visited
		if colOuter {
			col, w = cs.step(s / nPC)
			return col, w, s % nPC * kc
		}
		col, w = cs.step(s % nCol)
		return col, w, s / nCol * kc
	}
	panels := ws.bufB(4*kc*NR + NR) // up to four micro-panels (three and a column), NR of slack for PackPanelNRCols
	for s, steps := 0, nPC*nCol; s < steps; s++ {
		col, w, pc := step(s)
		kcb := min(kc, k-pc)
		betaEff := beta // the first depth block applies beta, later ones accumulate
		if pc > 0 {
			betaEff = 1
		}
		for h := 0; h*NR < w; h++ {
			packPanel(panels[h*kcb*NR:], bo, kcb, pc, col+h*NR, min(NR, w-h*NR))
		}
		// Rows of the next step's micro-panels to pack (B stored k×n
		// only: there they are kcb lines ldb apart; a row table prefetches
		// in its packing routine).
		var pf []float32
		if !transB && !bo.indirect && s+1 < steps {
			nextCol, _, nextPc := step(s + 1)
			pf = b[nextPc*ldb+nextCol:]
		}
		ablk := pa.data[pc*pa.panels*MR:]
		if w > NR {
			tileGroup(ws, pa.m, ablk, panels[:(w+NR-1)/NR*kcb*NR], kcb, ir0, ir1, col, w, alpha, betaEff, c, ldc, pf, ldb)
			continue
		}
		tileColumn(ws, pa.m, ablk, panels[:kcb*NR], kcb, ir0, ir1, col, w, alpha, betaEff, c, ldc, pf, ldb)
	}
}

// colSteps cuts the columns [c0, c1) into the steps of the loop nests: one
// micro-panel per step (the last possibly partial), or, with the AVX-512
// kernels, two full micro-panels per step (asm.Sgemm6x32: one broadcast
// of A feeding two 16-wide FMAs), three for the last full ones when their
// count is odd (asm.Sgemm6x48), and a partial last panel alone. On L1 data
// on Zen 5 (go test ./internal/asm -bench SgemmWide) the one-panel ZMM
// kernel, whose six accumulator chains cannot hide the FMA latency, runs
// at 151 GFLOP/s, the two- and three-panel ones at 218–222. The results
// do not depend on the steps: the kernels for several panels are
// bit-identical to one call per panel. A lone last column after three
// panels (n = 49: a 7×7 map at batch 1) joins their step (asm.Sgemm6x49):
// run as a step of its own it re-read every A panel for one column, 14 %
// of PW4's time at batch 1. Likewise 2–4 last columns after an even
// number of panels (n = 196: a 14×14 map) join the last pair
// (asm.Sgemm6x36): as a 6×8 pass of their own they took 11 % of PW3's
// time at batch 8.
type colSteps struct {
	c0, nFull, rem int
	wide           bool
	pairs          int  // two-panel steps, first (wide)
	last           int  // panels of the step after them: 0, 1 or 3 (wide)
	fused          bool // the rem columns join the last step: three panels and one column, or two and 2–4
	n              int  // steps
}

func newColSteps(c0, c1 int) colSteps { return colStepsOf(c0, c1, asm.UsingAVX512()) }

// colStepsOf is newColSteps for the AVX-512 kernels (wide) or the AVX2 ones.
func colStepsOf(c0, c1 int, wide bool) colSteps {
	cs := colSteps{c0: c0, nFull: (c1 - c0) / NR, rem: (c1 - c0) % NR, wide: wide}
	if !cs.wide {
		cs.n = (c1 - c0 + NR - 1) / NR
		return cs
	}
	cs.pairs = cs.nFull / 2
	switch {
	case cs.nFull%2 == 0:
	case cs.nFull == 1:
		cs.last = 1
	default:
		cs.pairs--
		cs.last = 3
	}
	cs.n = cs.pairs
	if cs.last > 0 {
		cs.n++
	}
	if cs.last == 3 && cs.rem == 1 || cs.last == 0 && cs.pairs > 0 && cs.rem >= 2 && cs.rem <= 4 {
		// the lone last column rides with the triple (asm.Sgemm6x49), the
		// last 2–4 with the last pair (asm.Sgemm6x36)
		cs.fused = true
		return cs
	}
	if cs.rem > 0 {
		cs.n++
	}
	return cs
}

// WholeSteps reports whether a C n columns wide runs as whole steps of
// the AVX-512 kernels: pairs and triples of 16-column panels (and a triple
// with one more column, asm.Sgemm6x49), never a lone panel (six
// accumulator chains) or a partial one. The answer does not depend on the
// kernel set that runs, so that a caller choosing its loop by it computes
// the same bits with either set.
//
// A last pair with 2–4 more columns (asm.Sgemm6x36) does not count: its
// step runs at about 0.85 of a pair's rate per column (36 columns in 1.32×
// a pair's time, pprof of PW3 at batch 8), so the small maps that end so (6×6:
// 36 columns) keep the gathered forward of pointwise convolutions they
// had before that step existed (per image against gathered not measured
// for them).
func WholeSteps(n int) bool {
	cs := colStepsOf(0, n, true)
	return n > 0 && cs.last != 1 && (cs.rem == 0 || cs.fused && cs.last == 3)
}

// step returns the first column and the width of step i.
func (cs colSteps) step(i int) (col, w int) {
	switch {
	case !cs.wide:
		col = cs.c0 + i*NR
		return col, min(NR, cs.c0+cs.nFull*NR+cs.rem-col)
	case i < cs.pairs:
		if i == cs.pairs-1 && cs.fused && cs.last == 0 {
			return cs.c0 + 2*i*NR, 2*NR + cs.rem
		}
		return cs.c0 + 2*i*NR, 2 * NR
	case i == cs.pairs && cs.fused:
		return cs.c0 + 2*cs.pairs*NR, 3*NR + 1
	case i == cs.pairs && cs.last > 0:
		return cs.c0 + 2*cs.pairs*NR, cs.last * NR
	}
	return cs.c0 + cs.nFull*NR, cs.rem
}

// packPanel packs the B micro-panel of columns [col, col+nr) and depth
// block [pc, pc+kcb) of bo into dst (kcb×NR, zero padded past nr; dst
// holds NR values of slack past kcb·NR for PackPanelNRCols).
func packPanel(dst []float32, bo bOperand, kcb, pc, col, nr int) {
	b, ldb := bo.data, bo.ld
	bp := dst[:kcb*NR]
	switch {
	case bo.indirect && bo.trans && nr == NR:
		asm.PackPanelNRTransRows(kcb, bp, b, bo.rows, col, pc)
	case bo.indirect && bo.trans:
		packBPanelTransRows(bp, b, bo.rows, pc, kcb, col, nr)
	case bo.mapped && nr == NR:
		asm.PackPanelNRCols(kcb, dst, b, bo.rows, pc, bo.cols, col)
	case bo.mapped:
		packBPanelCols(bp, b, bo.rows, bo.cols, pc, kcb, col, nr)
	case bo.indirect && nr == NR:
		asm.PackPanelNRRows(kcb, bp, b, bo.rows, pc, col)
	case bo.indirect:
		packBPanelRows(bp, b, bo.rows, pc, kcb, col, nr)
	case bo.trans:
		packBPanelT(bp, b, ldb, pc, kcb, col, nr)
	case nr == NR:
		asm.PackPanelNR(kcb, bp, b[pc*ldb+col:], ldb)
	default:
		packBPanelN(bp, b, ldb, pc, kcb, col, nr)
	}
}

// tileGroup is tileColumn for C columns [col, col+w) of np = w/NR (2 or
// 3) full adjacent packed B micro-panels (bp: each kcb·NR values after the
// previous) and, when w = 3·NR + 1 or 2·NR + 2…4, a last micro-panel of
// w − np·NR columns: six-row A panels by asm.Sgemm6x32, asm.Sgemm6x48,
// asm.Sgemm6x49 or asm.Sgemm6x36, pairs
// of rows by asm.Sgemm2x32 (and asm.Sgemm2x16 for a third panel), other
// edge panels through tileColumn per micro-panel. Bit-identical to
// tileColumn on each micro-panel.
func tileGroup(ws *workspace, m int, ablk, bp []float32, kcb, ir0, ir1, col, w int, alpha, beta float32, c []float32, ldc int, pf []float32, pfld int) {
	np, extra := w/NR, w%NR
	for ir := ir0; ir < ir1; ir++ {
		ap := ablk[ir*kcb*MR : (ir+1)*kcb*MR]
		row := ir * MR
		mr := min(MR, m-row)
		switch {
		case np == 3 && extra == 1 && mr == MR:
			asm.Sgemm6x49(kcb, ap, bp, c[row*ldc+col:], ldc, alpha, beta, bp[np*kcb*NR:], NR, ws.tile[:MR])
			mergeColumn(c[row*ldc+col+np*NR:], ldc, ws.tile[:mr], alpha, beta)
			continue
		case np == 2 && extra > 0 && mr == MR:
			asm.Sgemm6x36(kcb, ap, bp, c[row*ldc+col:], ldc, alpha, beta, bp[np*kcb*NR:], ws.tile[:MR*8])
			for j := range extra {
				mergeColumn(c[row*ldc+col+np*NR+j:], ldc, ws.tile[8*j:8*j+mr], alpha, beta)
			}
			continue
		case extra > 0:
			tileColumn(ws, m, ablk, bp[np*kcb*NR:], kcb, ir, ir+1, col+np*NR, extra, alpha, beta, c, ldc, nil, 0)
		}
		switch {
		case mr == MR && np == 2:
			asm.Sgemm6x32(kcb, ap, bp, c[row*ldc+col:], ldc, alpha, beta, pf, pfld)
		case mr == MR:
			asm.Sgemm6x48(kcb, ap, bp, c[row*ldc+col:], ldc, alpha, beta)
		case mr%2 == 0:
			for i := 0; i < mr; i += 2 {
				asm.Sgemm2x32(kcb, ap[i:], bp, c[(row+i)*ldc+col:], ldc, alpha, beta)
				if np == 3 {
					asm.Sgemm2x16(kcb, ap[i:], bp[2*kcb*NR:], c[(row+i)*ldc+col+2*NR:], ldc, alpha, beta)
				}
			}
		default:
			for q := range np {
				tileColumn(ws, m, ablk, bp[q*kcb*NR:(q+1)*kcb*NR], kcb, ir, ir+1, col+q*NR, NR, alpha, beta, c, ldc, nil, 0)
			}
		}
		pf = nil
	}
}

// tileColumn runs the micro-kernel for A micro-panels [ir0, ir1) of the
// depth block ablk against one packed B micro-panel bp (kcb deep), updating
// C columns [col, col+nr). Full tiles go straight to C; edge tiles go
// through the scratch tile and mergeTile. A panel at most 8 wide (the last
// one) uses the 6×8 kernel, halving the work wasted on zero padding, and
// a panel 1 wide the 6×1 kernel (n = 49: 49 computed columns instead of
// 56 or 64). If pf is not empty, the
// first micro-kernel call also prefetches kcb lines at pf[p*pfld].
func tileColumn(ws *workspace, m int, ablk, bp []float32, kcb, ir0, ir1, col, nr int, alpha, beta float32, c []float32, ldc int, pf []float32, pfld int) {
	for ir := ir0; ir < ir1; ir++ {
		ap := ablk[ir*kcb*MR : (ir+1)*kcb*MR]
		row := ir * MR
		mr := min(MR, m-row)
		switch {
		case nr == 1:
			// The last column of n = 16·k + 1.
			asm.Sgemm6x1(kcb, ap, bp, NR, ws.tile[:MR])
			mergeColumn(c[row*ldc+col:], ldc, ws.tile[:mr], alpha, beta)
		case nr <= 8 && mr == MR && nr == 8:
			asm.Sgemm6x8(kcb, ap, bp, NR, c[row*ldc+col:], ldc, alpha, beta)
		case nr <= 8:
			asm.Sgemm6x8(kcb, ap, bp, NR, ws.tile[:], NR, alpha, 0)
			mergeTile(c[row*ldc+col:], ldc, ws.tile[:], mr, nr, beta)
		case mr == MR && nr == NR:
			asm.Sgemm6x16Prefetch(kcb, ap, bp, c[row*ldc+col:], ldc, alpha, beta, pf, pfld)
		case mr%2 == 0 && nr == NR:
			// 2 or 4 rows left (M = 32, 64, 128, …): two rows per call at
			// a third of a full panel's cost. (A part made of this panel
			// alone skips pf's prefetch: the kernel has none, and the
			// choice must not depend on pf, or B given as rows and as a
			// matrix would round differently.)
			for i := 0; i < mr; i += 2 {
				asm.Sgemm2x16(kcb, ap[i:], bp, c[(row+i)*ldc+col:], ldc, alpha, beta)
			}
		default:
			asm.Sgemm6x16Prefetch(kcb, ap, bp, ws.tile[:], NR, alpha, 0, pf, pfld)
			mergeTile(c[row*ldc+col:], ldc, ws.tile[:], mr, nr, beta)
		}
		pf = nil
	}
}

// mergeColumn writes the column sums s (one per row, ldc apart in c) into
// C: c = alpha·s if beta == 0, else alpha·s + beta·c, each product
// rounded as mergeTile merges the other kernels' alpha·A·B.
func mergeColumn(c []float32, ldc int, s []float32, alpha, beta float32) {
	for i, v := range s {
		ci := &c[i*ldc]
		t := alpha * v
		if beta != 0 {
			t += beta * *ci
		}
		*ci = t
	}
}

// mergeTile writes the mr×nr corner of the scratch tile t (= alpha·A·B) into
// C: c = t if beta == 0, else c = t + beta·c.
func mergeTile(c []float32, ldc int, t []float32, mr, nr int, beta float32) {
	for i := range mr {
		cr := c[i*ldc : i*ldc+nr]
		tr := t[i*NR : i*NR+nr]
		if beta == 0 {
			copy(cr, tr)
			continue
		}
		for j := range cr {
			cr[j] = tr[j] + beta*cr[j]
		}
	}
}
