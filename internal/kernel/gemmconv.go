package kernel

import (
	"github.com/convkit/convkit/internal/asm"
	"github.com/convkit/convkit/internal/gemm"
	"github.com/convkit/convkit/internal/geom"
)

// gemmConv holds what the GEMM-based convolutions share: the weights of
// every group packed for the GEMM micro-kernel (W_g for the forward pass,
// W_gᵀ for dX, repacked on each call since training changes them; packing
// is O(M·C·KH·KW), negligible next to the GEMMs), per-part weight-gradient
// buffers and the choice between parallelising over work items (each GEMM
// single-threaded) and parallelising inside each GEMM.
type gemmConv struct {
	g      geom.Conv
	team   *Team
	kk     int // GEMM depth: C/G·KH·KW
	p      int // output plane: OH·OW
	mg     int // output channels per group
	pa     []*gemm.PackedA
	paT    []*gemm.PackedA
	dwPriv [][]float32     // per part: a weight-gradient accumulator
	dwPA   []*gemm.PackedA // per part: the packed dY of a weight-gradient GEMM

	// Per-item weight gradients (see accumulateDW): one mg·kk slot per
	// work item, made on the first call that uses them; whether this call
	// does, the divisor that maps an item to its group ((it/slotDiv) mod
	// G), and the slot sum's destination and loop (a method value made on
	// first use).
	slots    [][]float32
	useSlots bool
	slotDiv  int
	sumDst   []float32
	sumFn    func(part, lo, hi int)

	// Constant weights (SetConstantWeights): the forward packs are kept
	// while Forward gets the same weight slice.
	constW  bool
	packedW *float32 // &w[0] of the weights the forward packs hold; nil: none
	packedN int
}

// SetConstantWeights tells the kernel whether the weights passed to
// Forward keep their values between calls (inference). When on, the
// forward packs the weights on the first call and again only when it is
// given a different weight slice; calling it again (on or off) drops the
// packs, so the next Forward repacks.
func (c *gemmConv) SetConstantWeights(on bool) { c.constW, c.packedW, c.packedN = on, nil, 0 }

// forwardPacked reports whether the forward packs already hold w (constant
// weights, same slice as last time), and otherwise records w as what the
// caller is about to pack.
func (c *gemmConv) forwardPacked(w []float32) bool {
	if !c.constW || len(w) == 0 {
		return false
	}
	if c.packedW == &w[0] && c.packedN == len(w) {
		return true
	}
	c.packedW, c.packedN = &w[0], len(w)
	return false
}

func newGemmConv(g geom.Conv, threads, items int) gemmConv {
	c := gemmConv{g: g, team: NewTeam(threadsFor(threads, g.MACs())), kk: g.CG() * g.KH * g.KW, p: g.OH * g.OW, mg: g.MG()}
	c.pa = make([]*gemm.PackedA, g.G)
	c.paT = make([]*gemm.PackedA, g.G)
	zero := make([]float32, c.mg*c.kk)
	for i := range g.G {
		// Pack zeros once so that the storage exists before the first call.
		c.pa[i] = gemm.PackA(false, c.mg, c.kk, zero, c.kk)
		c.paT[i] = gemm.PackA(true, c.kk, c.mg, zero, c.kk)
	}
	c.dwPriv = make([][]float32, c.team.Parts(items))
	c.dwPA = make([]*gemm.PackedA, len(c.dwPriv))
	for i := range c.dwPriv {
		c.dwPriv[i] = make([]float32, g.WeightLen())
		c.dwPA[i] = new(gemm.PackedA)
	}
	return c
}

// dwGemm adds dY_g · Bᵀ to the weight gradient acc (mg × kk, row stride kk):
// dy is mg × depth with row stride ldy, b is kk × depth with row stride ldb.
// dY is packed into the part's own PackedA (storage reused across calls),
// so the steady state allocates nothing.
func (c *gemmConv) dwGemm(part, threads int, dy []float32, ldy int, b []float32, ldb, depth int, acc []float32) {
	pa := c.dwPA[part]
	pa.Pack(false, c.mg, depth, dy, ldy)
	gemm.SgemmPackedA(threads, pa, true, c.kk, 1, b, ldb, 1, acc, c.kk)
}

// dwGemmRows is dwGemm with col's rows read in place through a row table
// (depth values from each start in b) instead of copied.
func (c *gemmConv) dwGemmRows(part, threads int, dy []float32, ldy int, b []float32, rows asm.Rows, depth int, acc []float32) {
	pa := c.dwPA[part]
	pa.Pack(false, c.mg, depth, dy, ldy)
	gemm.SgemmPackedATransRows(threads, pa, c.kk, 1, b, rows, 1, acc, c.kk)
}

// outer reports whether items work items are enough to keep every thread
// busy with single-threaded GEMMs.
func (c *gemmConv) outer(items int) bool { return c.team.Threads() == 1 || items >= c.team.Threads() }

// innerThreads is the GEMM thread count for a work item.
func (c *gemmConv) innerThreads(items int) int {
	if c.outer(items) {
		return 1
	}
	return c.team.Threads()
}

// run calls fn over items: split over the team (each GEMM single-threaded)
// when there are enough items, else on the caller (GEMMs threaded inside).
func (c *gemmConv) run(items int, fn func(part, lo, hi int)) {
	if c.outer(items) {
		c.team.For(items, fn)
	} else {
		fn(0, 0, items)
	}
}

// runDynamic is run with the team's parts claiming items one at a time
// (Team.ForDynamic): for loops whose items write disjoint results.
func (c *gemmConv) runDynamic(items int, fn func(part, lo, hi int)) {
	if c.outer(items) {
		c.team.ForDynamic(items, fn)
	} else {
		fn(0, 0, items)
	}
}

// dwSlotsMaxFloats bounds the per-item weight-gradient slots of
// accumulateDW (4 MiB): the slots are written by the GEMMs and read once
// by the sum, so they cost memory traffic in proportion; layers whose
// slots would take more accumulate per part. The std training net's
// strided convolutions need 294,912 floats (16 items × 64·288 weights) and
// 589,824 (8 × 128·576); S1 and G1 at batch 8 294,912.
const dwSlotsMaxFloats = 1 << 20

// sumChunks is the number of pieces the slot sum is cut into for the team
// (each a contiguous range of weights summed over all slots).
const sumChunks = 16

// accumulateDW runs fn over items, fn adding the weight gradient of each
// item to the accumulator dwAcc returns for it, and sums the accumulators
// into dw (when dw is not nil). Item it belongs to group (it/div) mod G.
//
// With enough items for the team, the parts claim items one at a time
// (Team.ForDynamic): on a shared machine the cores' speeds drift apart by
// 10–20 % from one moment to the next, and a static split makes every call
// wait for the slower part (in the std training step 1.3–5.8 ms per step
// of idle time in the strided convolutions' backward alone). Each item's
// weight gradient then goes to a slot of its own, and the slots are summed
// in item order, so that dW does not depend on which part ran which item
// (per-part accumulators would make it depend on timing). Layers whose
// slots would exceed dwSlotsMaxFloats, and calls with fewer items than
// threads (whose GEMMs run on the whole team instead), split the items
// statically and accumulate per part.
func (c *gemmConv) accumulateDW(items, div int, fn func(part, lo, hi int), dw []float32) {
	if dw == nil {
		c.runDynamic(items, fn)
		return
	}
	if c.outer(items) && c.team.Threads() > 1 && items*c.mg*c.kk <= dwSlotsMaxFloats {
		if len(c.slots) != items {
			c.slots = make([][]float32, items)
			for i := range c.slots {
				c.slots[i] = make([]float32, c.mg*c.kk)
			}
		}
		if c.sumFn == nil {
			c.sumFn = c.sumLoop
		}
		c.useSlots, c.slotDiv = true, div
		c.team.ForDynamic(items, fn)
		c.useSlots = false
		c.sumDst = dw
		c.team.For(sumChunks, c.sumFn)
		c.sumDst = nil
		return
	}
	parts := 1
	if c.outer(items) {
		parts = c.team.Parts(items)
	}
	for _, p := range c.dwPriv[:parts] {
		clear(p)
	}
	c.run(items, fn)
	c.reduceDW(dw, parts)
}

// dwAcc returns the weight-gradient accumulator for item it of group gi
// run by part: the item's slot, cleared, when accumulateDW uses slots,
// else the part's accumulator from group gi's weights on.
func (c *gemmConv) dwAcc(part, it, gi int) []float32 {
	if c.useSlots {
		s := c.slots[it]
		clear(s)
		return s
	}
	return c.dwPriv[part][gi*c.mg*c.kk:]
}

// sumLoop is a part of accumulateDW's slot sum: weights [lo, hi) of
// sumChunks equal pieces of dw, each the sum of its group's slots in item
// order (every group has items: they cover all images and groups).
func (c *gemmConv) sumLoop(_, lo, hi int) {
	g := c.g
	wg := c.mg * c.kk
	total := g.G * wg
	chunk := ceilDiv(total, sumChunks)
	for a, b := min(lo*chunk, total), min(hi*chunk, total); a < b; {
		gi, o := a/wg, a%wg
		e := min(b, (gi+1)*wg)
		dst := c.sumDst[a:e]
		first := true
		for it, sl := range c.slots {
			switch {
			case it/c.slotDiv%g.G != gi:
			case first:
				copy(dst, sl[o:])
				first = false
			default:
				asm.Axpy(1, sl[o:o+len(dst)], dst)
			}
		}
		a = e
	}
}

func (c *gemmConv) packForward(w []float32) {
	for i := range c.g.G {
		c.pa[i].PackParallel(c.team.Threads(), false, c.mg, c.kk, w[i*c.mg*c.kk:], c.kk)
	}
}

func (c *gemmConv) packTransposed(w []float32) {
	for i := range c.g.G {
		c.paT[i].PackParallel(c.team.Threads(), true, c.kk, c.mg, w[i*c.mg*c.kk:], c.kk)
	}
}

// addBias adds b[m] to the columns [p0, p0+pn) of output rows m of image n.
func (c *gemmConv) addBias(y, b []float32, n, m0, m1, p0, pn int) {
	for m := m0; m < m1; m++ {
		o := (n*c.g.M+m)*c.p + p0
		asm.AddBias(b[m], y[o:o+pn])
	}
}

// reduceDW sums the per-part accumulators into dw.
func (c *gemmConv) reduceDW(dw []float32, parts int) {
	copy(dw, c.dwPriv[0])
	for _, p := range c.dwPriv[1:parts] {
		asm.Axpy(1, p, dw)
	}
}

// biasGrad sets db[m] = Σ_{n, p} dy[n, m, p] in float64.
func (c *gemmConv) biasGrad(dy, db []float32) {
	for m := range c.g.M {
		var s float64
		for n := range c.g.N {
			s += sum64(dy[(n*c.g.M+m)*c.p : (n*c.g.M+m+1)*c.p])
		}
		db[m] = float32(s)
	}
}

// Pointwise is a 1×1, stride-1, unpadded convolution straight on NCHW: for
// each image n and group g, one GEMM
//
//	Y[n, g] (M/G × HW) = W_g (M/G × C/G) · X[n, g] (C/G × HW),
//
// with the bias added per output row. Backward: dX[n, g] = W_gᵀ · dY[n, g]
// and dW_g = Σ_n dY[n, g] · X[n, g]ᵀ.
type Pointwise struct {
	gemmConv
	x, w, b, y, dy, dx, dw []float32
	fwdFn, dxFn, dwFn      func(part, lo, hi int)

	// Batched mode (small maps): the batch gathered into one C × N·HW
	// matrix so that each GEMM has N·HW columns instead of HW. The
	// forward pass runs per image instead (batchedFwd false) when HW
	// columns already make whole kernel steps (gemm.WholeSteps).
	batched, batchedFwd bool
	xb, yb, tb          []float32 // C × N·HW, M × N·HW, C × N·HW
	gatherFn            func(part, lo, hi int)
	gsrc, gdst          []float32 // per-call arguments of gatherFn
	grows               int       // channels of the gathered tensor
	gToBatch, gAdd      bool      // direction; add the bias on the way out

	// GEMV mode (a 1×1 map, few images, one group: a fully connected
	// layer): the forward pass is one dot product of a weight row with an
	// input vector per output, straight from the unpacked weights.
	gemv   bool
	gemvFn func(part, lo, hi int)

	// Channel-vectorised forward (PointwiseChannelVectorised, constant
	// weights only; see pointwise_cv.go): the weights as 32-channel panels
	// of Wᵀ, per part a buffer for one image's tiles of X, and whether the
	// forward packs that forwardPacked vouches for are these (the team
	// size, on which the mode depends, may change between calls).
	cvW      []float32
	cvX      [][]float32
	cvFn     func(part, lo, hi int)
	packedCV bool
}

// gemvMaxN is the largest batch of a 1×1 map that the forward pass runs as
// dot products: each weight row is read from memory once and then from L1
// for the other images, while the GEMM path repacks the whole weight
// matrix on every call (training may change it) and pads N to a 16-wide
// panel. Measured on the FC anchor (1024→1000): batch 1 0.475 → 0.051 ms,
// batch 8 0.39 → 0.24 ms. The bound itself is not tuned: it is one GEMM
// panel, past which the batched GEMM uses every packed column.
const gemvMaxN = 16

// PointwiseGEMV reports whether NewPointwise runs the forward pass of the
// pointwise geometry g in GEMV mode (a 1×1 map, one group, at most
// gemvMaxN images).
func PointwiseGEMV(g geom.Conv) bool { return g.H*g.W == 1 && g.G == 1 && g.N <= gemvMaxN }

// batchedMaxHW is the map size below which a pointwise convolution of a
// batch runs as one GEMM per group over the gathered batch: a GEMM per
// image of a small map has few columns, often not a whole number of
// kernel steps (HW = 36: two panels and a 4-wide tail). The forward pass
// of a map whose HW columns are whole steps (gemm.WholeSteps; 7×7 with the
// AVX-512 kernels: three panels and a column in one asm.Sgemm6x49 pass)
// still runs per image: PW4 at batch 8 −7 and −10 % at one thread, −19
// and −14 % at two (two benchstat runs of 6 rounds): no gathers, no 8-wide tail of 392 columns, and
// images, not GEMM tiles, split over the threads. The backward pass stays
// batched (the weight gradient's depth is N·HW).
const batchedMaxHW = 128

// NewPointwise prepares a pointwise convolution (KH = KW = 1, stride 1, no
// padding; any groups).
func NewPointwise(g geom.Conv, threads int) *Pointwise {
	if g.KH != 1 || g.KW != 1 || g.SH != 1 || g.SW != 1 || g.PadT+g.PadB+g.PadL+g.PadR != 0 {
		panic("kernel: NewPointwise: not a 1×1 stride-1 unpadded convolution")
	}
	k := &Pointwise{gemmConv: newGemmConv(g, threads, g.N*g.G)}
	k.fwdFn, k.dxFn, k.dwFn = k.forwardItems, k.dxItems, k.dwItems
	if PointwiseGEMV(g) {
		k.gemv, k.gemvFn = true, k.forwardGemv
	}
	k.cvFn = k.forwardCV
	if g.N > 1 && g.H*g.W < batchedMaxHW {
		k.batched, k.batchedFwd = true, !gemm.WholeSteps(g.H*g.W)
		nhw := g.N * g.H * g.W
		k.xb, k.yb, k.tb = make([]float32, g.C*nhw), make([]float32, g.M*nhw), make([]float32, g.C*nhw)
		k.gatherFn = k.gatherRows
	}
	return k
}

// gather copies the N×rows×HW tensor src into the rows × N·HW matrix dst
// (toBatch) or back (adding the bias per row when add), in parallel.
func (k *Pointwise) gather(dst, src []float32, rows int, toBatch, add bool) {
	k.gdst, k.gsrc, k.grows, k.gToBatch, k.gAdd = dst, src, rows, toBatch, add
	k.team.For(k.g.N*rows, k.gatherFn)
	k.gdst, k.gsrc = nil, nil
}

func (k *Pointwise) gatherRows(_, lo, hi int) {
	hw := k.p
	nhw := k.g.N * hw
	for it := lo; it < hi; it++ {
		n, r := it/k.grows, it%k.grows // tensor row it = (n, r); batch row r, columns n·HW…
		if k.gToBatch {
			copy(k.gdst[r*nhw+n*hw:r*nhw+(n+1)*hw], k.gsrc[it*hw:(it+1)*hw])
			continue
		}
		t := k.gdst[it*hw : (it+1)*hw]
		copy(t, k.gsrc[r*nhw+n*hw:r*nhw+(n+1)*hw])
		if k.gAdd {
			asm.AddBias(k.b[r], t)
		}
	}
}

// forwardBatched is Forward on the gathered batch: one GEMM per group.
func (k *Pointwise) forwardBatched() {
	g := k.g
	nhw := g.N * k.p
	k.gather(k.xb, k.x, g.C, true, false)
	for gi := range g.G {
		gemm.SgemmPackedA(k.team.Threads(), k.pa[gi], false, nhw, 1, k.xb[gi*k.kk*nhw:], nhw, 0, k.yb[gi*k.mg*nhw:], nhw)
	}
	k.gather(k.y, k.yb, g.M, false, k.b != nil)
}

// backwardBatched is Backward on the gathered batch: per group one GEMM
// for dX and one (of depth N·HW) for dW.
func (k *Pointwise) backwardBatched() {
	g := k.g
	nhw := g.N * k.p
	th := k.team.Threads()
	k.gather(k.yb, k.dy, g.M, true, false)
	if k.dx != nil {
		k.packTransposed(k.w)
		for gi := range g.G {
			gemm.SgemmPackedA(th, k.paT[gi], false, nhw, 1, k.yb[gi*k.mg*nhw:], nhw, 0, k.tb[gi*k.kk*nhw:], nhw)
		}
		k.gather(k.dx, k.tb, g.C, false, false)
	}
	if k.dw != nil {
		k.gather(k.xb, k.x, g.C, true, false)
		clear(k.dw)
		for gi := range g.G {
			k.dwGemm(0, th, k.yb[gi*k.mg*nhw:], nhw, k.xb[gi*k.kk*nhw:], nhw, nhw, k.dw[gi*k.mg*k.kk:])
		}
	}
}

func (k *Pointwise) items() int { return k.g.N * k.g.G }

// Forward computes y = conv(x, w) + b (b may be nil).
func (k *Pointwise) Forward(x, w, b, y []float32) {
	k.x, k.w, k.b, k.y = x, w, b, y
	switch {
	case k.gemv:
		k.team.For(k.g.M, k.gemvFn)
	case k.constW && PointwiseChannelVectorised(k.g, k.team.Threads()):
		if !k.forwardPacked(w) || !k.packedCV {
			k.packCV(w)
			k.packedCV = true
		}
		k.team.For(k.items(), k.cvFn)
	default:
		if !k.forwardPacked(w) || k.packedCV {
			k.packForward(w)
			k.packedCV = false
		}
		if k.batchedFwd {
			k.forwardBatched()
			break
		}
		k.runDynamic(k.items()*k.fwdChunks(), k.fwdFn)
	}
	k.x, k.w, k.b, k.y = nil, nil, nil, nil
}

// forwardGemv computes the outputs of channels [lo, hi) of every image in
// GEMV mode: y[n, m] = W[m]·x[n] + b[m], three weight rows against four
// images at a time (asm.Dot3x4), single dot products for the rest.
func (k *Pointwise) forwardGemv(_, lo, hi int) {
	g := k.g
	c := g.C
	var blk [12]float32
	m := lo
	for ; m+3 <= hi && g.N >= 4; m += 3 {
		n := 0
		for ; n+4 <= g.N; n += 4 {
			asm.Dot3x4(&blk, k.w[m*c:], c, k.x[n*c:], c, c)
			for i := range 3 {
				for j := range 4 {
					k.y[(n+j)*g.M+m+i] = blk[4*i+j] + k.bias(m+i)
				}
			}
		}
		for ; n < g.N; n++ {
			for i := range 3 {
				k.y[n*g.M+m+i] = asm.Dot(k.w[(m+i)*c:(m+i+1)*c], k.x[n*c:(n+1)*c]) + k.bias(m+i)
			}
		}
	}
	for ; m < hi; m++ {
		for n := range g.N {
			k.y[n*g.M+m] = asm.Dot(k.w[m*c:(m+1)*c], k.x[n*c:(n+1)*c]) + k.bias(m)
		}
	}
}

// bias returns b[m], or 0 without a bias.
func (k *Pointwise) bias(m int) float32 {
	if k.b == nil {
		return 0
	}
	return k.b[m]
}

// fwdChunks is the number of column chunks each (image, group) GEMM of
// the forward pass is cut into: 1, or the team size when the images and
// groups alone would leave parts unequal (G2 at batch 1: 3 groups on 2
// threads ran one part with two GEMMs and took 0.105–0.12 ms, no faster
// than one thread; cut into chunks, 0.065–0.071). The bounds (fewer than
// 4 GEMMs per thread, at least two 16-column panels per chunk) are
// judgements.
func (k *Pointwise) fwdChunks() int {
	t, ng := k.team.Threads(), k.g.N*k.g.G
	if t > 1 && ng%t != 0 && ng < 4*t && k.p >= 2*t*16 {
		return t
	}
	return 1
}

func (k *Pointwise) forwardItems(_, lo, hi int) {
	g, hw := k.g, k.p
	chunks := k.fwdChunks()
	cw := (ceilDiv(hw, chunks) + 15) / 16 * 16 // columns per chunk, whole 16-wide panels
	th := k.innerThreads(k.items() * chunks)
	for it := lo; it < hi; it++ {
		ng, ch := it/chunks, it%chunks
		n, gi := ng/g.G, ng%g.G
		c0 := ch * cw
		pn := min(cw, hw-c0)
		if pn <= 0 {
			continue
		}
		yo := (n*g.M+gi*k.mg)*hw + c0
		gemm.SgemmPackedA(th, k.pa[gi], false, pn, 1, k.x[(n*g.C+gi*k.kk)*hw+c0:], hw, 0, k.y[yo:], hw)
		if k.b != nil {
			k.addBias(k.y, k.b, n, gi*k.mg, (gi+1)*k.mg, c0, pn)
		}
	}
}

// Backward computes dx, dw and db (each may be nil) from dy.
func (k *Pointwise) Backward(x, w, dy, dx, dw, db []float32) {
	k.x, k.w, k.dy, k.dx, k.dw = x, w, dy, dx, dw
	if k.batched && (dx != nil || dw != nil) {
		k.backwardBatched()
		dx, dw = nil, nil // done
	}
	if dx != nil {
		k.packTransposed(w)
		k.runDynamic(k.items(), k.dxFn)
	}
	if dw != nil {
		k.accumulateDW(k.items(), 1, k.dwFn, dw)
	}
	if db != nil {
		k.biasGrad(dy, db)
	}
	k.x, k.w, k.dy, k.dx, k.dw = nil, nil, nil, nil, nil
}

func (k *Pointwise) dxItems(_, lo, hi int) {
	g, hw := k.g, k.p
	th := k.innerThreads(k.items())
	for it := lo; it < hi; it++ {
		n, gi := it/g.G, it%g.G
		gemm.SgemmPackedA(th, k.paT[gi], false, hw, 1, k.dy[(n*g.M+gi*k.mg)*hw:], hw, 0,
			k.dx[(n*g.C+gi*k.kk)*hw:], hw)
	}
}

func (k *Pointwise) dwItems(part, lo, hi int) {
	g, hw := k.g, k.p
	th := k.innerThreads(k.items())
	for it := lo; it < hi; it++ {
		n, gi := it/g.G, it%g.G
		// dW_g += dY[n, g] (mg × hw) · X[n, g]ᵀ (hw × cg)
		k.dwGemm(part, th, k.dy[(n*g.M+gi*k.mg)*hw:], hw, k.x[(n*g.C+gi*k.kk)*hw:], hw, hw, k.dwAcc(part, it, gi))
	}
}

// Im2col is a general convolution (any kernel, stride, dilation, padding,
// groups) as im2col + GEMM. The output plane is cut into chunks of pc
// columns so that the column buffer (C/G·KH·KW × pc) stays cache-resident
// and small: per image n, group g and chunk,
//
//	col = im2col(X[n, g])[:, chunk];  Y[n, g][:, chunk] = W_g · col.
//
// Backward: dW_g += dY[n, g][:, chunk] · colᵀ, and per (n, g) dX[n, g] =
// Σ_chunks col2im(W_gᵀ · dY[n, g][:, chunk]).
type Im2col struct {
	gemmConv
	pc, chunks int
	cols       [][]float32 // per part: kk × pc (backward), kk × rows·wp (padded forward)
	des        [][]float32 // per part: C/G·H·W deinterleaved input rows (SW > 1), else nil

	// Stride-1 forward: im2col in the padded-width domain (see forwardPadded).
	padded      bool
	hp, wp      int         // padded input plane
	rowsC, rchk int         // output rows per chunk, chunks per image and group
	xpads       [][]float32 // per part: C/G padded planes of the chunk's rows
	padRuns     [2]asm.Rows // where each im2col row starts in xpads: chunks of rowsC rows, and the last chunk
	padDirect   bool        // forward by asm.Sgemm6x16Rows on xpads (see forwardPadded)
	paOne       []*gemm.PackedA
	padScratch  [][]float32
	crops       [2]asm.Crop // padDirect stores straight into y through these (chunks of rowsC rows, the last chunk), when cropped
	cropped     bool        // see cropMinWidth
	ybufs       [][]float32 // per part: M/G × rows·wp outputs before cropping (dY in backward)
	gxs         [][]float32 // per part: C/G·H·wp, the input gradient with its padding columns
	dyps        [][]float32 // per part: M/G planes of dY, wp wide with zero margins (dypLen each)
	dypLead     int         // zeros before each dY plane in dyps
	dypLen      int         // length of one dY plane in dyps
	dxRows      asm.Rows    // the dY rows shifted by each tap: B of the input gradient
	wDX         []float32   // the weights of one group regrouped by input channel
	paDX        []*gemm.PackedA
	dxDirect    bool        // dX by rowsGEMM on dyps (B read in place) instead of the packed GEMM
	dxScratch   [][]float32 // per part: rowsGEMM's scratch tiles for dX
	dxCols      int         // columns of dX per rowsGEMM call (see setupPaddedDX)
	dwExact     bool        // the padded weight gradient copies col with its garbage columns zeroed (see Backward)
	bwdFn       func(part, lo, hi int)

	phased // whole images in the phase-split padded domain (phased.go)

	x, w, b, y, dy, dx, dw []float32
	fwdFn, dxFn, dwFn      func(part, lo, hi int)
}

// im2colFloats bounds the column buffer: 256 Ki floats = 1 MiB. The GEMM
// packs its B operand from it in cache-sized blocks anyway; long rows
// (n ≥ 500 or so) keep the GEMM near its peak (about 75 GFLOP/s for the G1
// anchor's 32×288×784 against 58 in 208-column chunks).
const im2colFloats = 256 << 10

// paddedChunkFloats sizes the padded-width mode's chunks of output rows:
// the im2col matrix a chunk stands for (KK × rows·wp, never built: B is
// read in place) is at most 512 Ki floats. The chunk's padded input rows
// (xpads: for S1, 64 channels × 16 rows × 58 = 237 KiB) stay in L2, and
// longer chunks copy fewer overlapping rows: 14 output rows read 16 input
// rows where 7 read 9. Against 256 Ki floats (7 rows for S1): S1 forward
// batch 8 −4.5 % (p = 0.002), G1 −1.2 % (p = 0.041), batch 1 n.s.
// (benchstat, 6 rounds, AVX-512 kernels); 1 Mi floats was no better.
const paddedChunkFloats = 2 * im2colFloats

// NewIm2col prepares a convolution of any geometry as im2col + GEMM.
func NewIm2col(g geom.Conv, threads int) *Im2col {
	kk, p := g.CG()*g.KH*g.KW, g.OH*g.OW
	pc := min(max(im2colFloats/kk/16*16, 64), (p+15)/16*16)
	chunks := ceilDiv(p, pc)
	pc = min(pc, (ceilDiv(p, chunks)+15)/16*16)
	k := &Im2col{gemmConv: newGemmConv(g, threads, g.N*g.G*chunks), pc: pc, chunks: chunks}
	k.cols = make([][]float32, k.team.Parts(g.N*g.G*chunks))
	for i := range k.cols {
		k.cols[i] = make([]float32, kk*pc)
	}
	k.fwdFn, k.dxFn, k.dwFn = k.forwardItems, k.dxItems, k.dwItems
	k.des = make([][]float32, len(k.cols))
	if g.SW > 1 {
		for i := range k.des {
			k.des[i] = make([]float32, g.CG()*g.H*g.W)
		}
	}
	// The padded-width domain costs memory and work in proportion to the
	// padded plane; use it only when padding at most roughly doubles the
	// plane (real layers pad by a few pixels), so that a spec with a huge
	// dilation or padding falls back to classic im2col instead of
	// allocating gigabytes of zeros.
	modestPad := g.PadL+g.PadR <= g.W+16 && g.PadT+g.PadB <= g.H+16
	k.setupPhased(modestPad)
	if g.SH == 1 && g.SW == 1 && modestPad && k.ipc == 0 {
		k.padded = true
		k.hp, k.wp = g.H+g.PadT+g.PadB, g.W+g.PadL+g.PadR
		k.rowsC = clamp(paddedChunkFloats/(kk*k.wp), 1, g.OH)
		k.rchk = ceilDiv(g.OH, k.rowsC)
		k.rowsC = ceilDiv(g.OH, k.rchk)
		parts := k.team.Parts(g.N * g.G * k.rchk)
		for len(k.cols) < parts {
			k.cols = append(k.cols, nil)
		}
		k.xpads = make([][]float32, parts)
		k.ybufs = make([][]float32, parts)
		for i := range parts {
			k.cols[i] = make([]float32, max(len(k.cols[i]), kk*k.rowsC*k.wp))
			// The chunk's padded rows, plus the values the last tap's
			// contiguous copy runs past the last plane (garbage columns),
			// and the NR − 1 more that rowsGEMM's last tile reads.
			k.xpads[i] = make([]float32, g.CG()*(k.rowsC+(g.KH-1)*g.DH)*k.wp+(g.KW-1)*g.DW+gemm.NR)
			k.ybufs[i] = make([]float32, k.mg*k.rowsC*k.wp)
		}
		k.padRuns[0] = asm.NewRows(k.paddedRuns(k.rowsC))
		k.padRuns[1] = asm.NewRows(k.paddedRuns(g.OH - (k.rchk-1)*k.rowsC))
		k.fwdFn = k.forwardPadded
		k.bwdFn = k.backwardPadded
		if k.mg <= padDirectMaxM && asm.HasAVX2FMA {
			k.padDirect = true
			k.paOne = make([]*gemm.PackedA, g.G)
			for i := range k.paOne {
				k.paOne[i] = new(gemm.PackedA)
			}
			for range parts {
				k.padScratch = append(k.padScratch, make([]float32, gemm.MR*ceilDiv(k.rowsC*k.wp, gemm.NR)*gemm.NR))
			}
			if k.wp >= cropMinWidth && k.mg%2 == 0 && asm.UsingAVX512() {
				k.cropped = true
				k.crops[0] = asm.NewCrop(k.rowsC, k.wp, g.OW)
				k.crops[1] = asm.NewCrop(g.OH-(k.rchk-1)*k.rowsC, k.wp, g.OW)
			}
		}
		k.gxs = make([][]float32, k.team.Parts(g.N*g.G))
		for i := range k.gxs {
			k.gxs[i] = make([]float32, g.CG()*g.H*k.wp)
		}
		k.setupPaddedDX()
	}
	return k
}

func (k *Im2col) items() int {
	if k.ipc > 0 {
		return k.g.G * ceilDiv(k.g.N, k.ipc)
	}
	return k.g.N * k.g.G * k.chunks
}

// fwdItems is the number of forward work items.
func (k *Im2col) fwdItems() int {
	if k.padded {
		return k.g.N * k.g.G * k.rchk
	}
	if k.direct {
		return k.g.N * k.g.G
	}
	return k.items()
}

// Forward computes y = conv(x, w) + b (b may be nil).
func (k *Im2col) Forward(x, w, b, y []float32) {
	k.x, k.w, k.b, k.y = x, w, b, y
	switch {
	case k.forwardPacked(w):
	case k.padDirect:
		for i := range k.g.G {
			k.paOne[i].PackOneBlock(k.team.Threads(), false, k.mg, k.kk, w[i*k.mg*k.kk:], k.kk)
		}
	default:
		k.packForward(w)
	}
	k.runDynamic(k.fwdItems(), k.fwdFn)
	k.x, k.w, k.b, k.y = nil, nil, nil, nil
}

// forwardPadded is the stride-1 forward pass. For a chunk of output rows
// [o0, o1) of image n, group g, the input rows it reads are copied once,
// zero padded, into xp (C/G planes of wp-wide rows). In the padded-width
// domain — output (oh, ow) at column (oh − o0)·wp + ow, for ow < wp, the
// wp − OW columns past OW being garbage — the im2col row of tap (c, i, j)
// is then one contiguous run of xp:
//
//	col[(c·KH + i)·KW + j][t] = xp[c][(i·DH)·wp + j·DW + t],  t < (o1 − o0)·wp,
//
// so the GEMM reads its B operand straight from xp through a table of
// those run starts (gemm.SgemmPackedARows, an indirect GEMM: no im2col
// copy). It gives the chunk's outputs with the garbage columns, which are
// dropped when the rows are copied out (with the bias) — or, with AVX-512,
// never stored: the kernels write the real columns straight into y through
// an asm.Crop (cropMinWidth).
func (k *Im2col) forwardPadded(part, lo, hi int) {
	g := k.g
	th := k.innerThreads(k.fwdItems())
	xp, yb := k.xpads[part], k.ybufs[part]
	wp := k.wp
	for it := lo; it < hi; it++ {
		n, rest := it/(g.G*k.rchk), it%(g.G*k.rchk)
		gi, ch := rest/k.rchk, rest%k.rchk
		o0 := ch * k.rowsC
		nr := min(k.rowsC, g.OH-o0)
		runs := k.fillChunk(xp, k.xg(k.x, n, gi), o0, nr)
		nn := nr * wp
		if k.cropped {
			cr := k.crops[0]
			if nr < k.rowsC {
				cr = k.crops[1]
			}
			y0 := (n*g.M + gi*k.mg) * k.p
			cropGEMM(k.paOne[gi], xp, runs, k.y[y0+o0*g.OW:], k.p, cr)
			if k.b != nil {
				for m := range k.mg {
					yo := y0 + m*k.p + o0*g.OW
					asm.AddBias(k.b[gi*k.mg+m], k.y[yo:yo+nr*g.OW])
				}
			}
			continue
		}
		if k.padDirect {
			rowsGEMM(k.paOne[gi], xp, runs, 0, yb, nn, nn, k.padScratch[part])
		} else {
			gemm.SgemmPackedARows(th, k.pa[gi], nn, 1, xp, runs, 0, yb, nn)
		}
		for m := range k.mg {
			mo := gi*k.mg + m
			yo := (n*g.M+mo)*k.p + o0*g.OW
			dst := k.y[yo : yo+nr*g.OW]
			asm.CopyRows(dst, yb[m*nn:], nr, g.OW, wp)
			if k.b != nil {
				asm.AddBias(k.b[mo], dst)
			}
		}
	}
}

// padDirectMaxM bounds the output channels per group for which the
// padded-width forward skips B packing (rowsGEMM): with few weight
// panels a packed B panel is reused too few times to pay for its packing.
// Measured with the AVX2 kernels (benchstat, 6 interleaved rounds, one
// thread): G1 (32 per group) batch 8 −20 % (p = 0.026), batch 1 −8 %
// (n.s.), S1 (64) within noise either way. With the AVX-512 kernels,
// whose FMAs take half the time, the packing weighs more: S1 (64) direct
// instead of packed −5.8 % at batch 1 and −7.0 % at batch 8 (Zen 5,
// p = 0.002, 6 rounds), so 64 is in.
const padDirectMaxM = 64

// cropMinWidth is the least padded row width for which the padded-width
// forward stores its outputs straight into y through an asm.Crop (a
// 16-wide tile must hold at most one row end) instead of computing the
// garbage columns into a buffer and copying the rows out: on S1 at batch 8
// (64 channels, rows of 58) that copy took 0.5–0.8 ms of 10.7 (its stores
// go to memory with a read for ownership each, in a pass of their own; in
// the kernel they overlap the FMAs). Only with AVX-512 (masked stores) and
// an even number of output channels per group (weight panels of 6, 4 or 2
// rows).
const cropMinWidth = gemm.NR

// cropGEMM computes C = A·B with pa packed in one depth block, B's rows
// given by rows into b, straight into the cropped rows of C (row stride
// ldc): the padded-width domain of cr, every panel of pa 6, 4 or 2 rows.
func cropGEMM(pa *gemm.PackedA, b []float32, rows asm.Rows, c []float32, ldc int, cr asm.Crop) {
	for ir := range pa.Panels() {
		a, cc := pa.Panel(ir), c[ir*gemm.MR*ldc:]
		switch min(gemm.MR, pa.M()-ir*gemm.MR) {
		case gemm.MR:
			asm.Sgemm6x16RowsCrop(a, b, rows, 0, cc, ldc, cr)
		case 4:
			asm.Sgemm4x16RowsCrop(a, b, rows, 0, cc, ldc, cr)
		default:
			asm.Sgemm2x16RowsCrop(a, b, rows, 0, cc, ldc, cr)
		}
	}
}

// rowsGEMM computes C (pa.M() × n, row stride ldc) = A · B with pa packed
// in one depth block (PackOneBlock, or K() ≤ 256) and B's rows given by
// rows into b from column col on, by asm.Sgemm6x16Rows: B read in place,
// the whole reduction of each 6×16 tile in registers. b must hold NR − 1
// values past every row's n (the last tile of a row reads them; its extra
// columns are dropped), and sc MR·⌈n/NR⌉·NR floats for the tiles that do
// not fit C.
func rowsGEMM(pa *gemm.PackedA, b []float32, rows asm.Rows, col int, c []float32, ldc, n int, sc []float32) {
	rowsGEMMBlock(pa, b, rows, col, 0, c, ldc, 0, n, 1, sc)
}

// rowsGEMMBlock is rowsGEMM for nr rows of n outputs: row r reads B from
// column col + r·colStep on and writes C from c[r·cStep] on (row stride
// ldc between output channels). Each weight panel runs over all nr rows
// before the next, so that the stores go to MR channels at a time.
func rowsGEMMBlock(pa *gemm.PackedA, b []float32, rows asm.Rows, col, colStep int, c []float32, ldc, cStep, n, nr int, sc []float32) {
	for ir := range pa.Panels() {
		r := min(gemm.MR, pa.M()-ir*gemm.MR)
		for row := range nr {
			rowsPanel(pa.Panel(ir), r, b, rows, col+row*colStep, c[ir*gemm.MR*ldc+row*cStep:], ldc, n, sc)
		}
	}
}

// rowsPanel computes the r ≤ MR rows of one packed weight panel a for n
// outputs: C rows at c (stride ldc), B from column col on.
func rowsPanel(a []float32, r int, b []float32, rows asm.Rows, col int, c []float32, ldc, n int, sc []float32) {
	full, rem := n/gemm.NR, n%gemm.NR
	if r%2 == 0 && r < gemm.MR {
		// 2 or 4 rows left (32, 64, 128 output channels): two rows per
		// call at a third of a full panel's cost; four rows' full tiles
		// in one pass (asm.Sgemm4x16Rows: with AVX-512 each B vector read
		// once for the four, bit-identical to two two-row passes), their
		// partial tile two rows at a time.
		done := 0 // columns computed
		if r == 4 {
			asm.Sgemm4x16Rows(a, b, rows, col, full, c, ldc)
			done = full * gemm.NR
		}
		for i := 0; i < r; i += 2 {
			rowsGEMM2(a[i:], b, rows, col+done, c[i*ldc+done:], ldc, n-done, sc)
		}
		return
	}
	if r == gemm.MR && full > 0 {
		asm.Sgemm6x16Rows(a, b, rows, col, full, c, ldc)
		if rem > 0 {
			asm.Sgemm6x16Rows(a, b, rows, col+full*gemm.NR, 1, sc, gemm.NR)
			for i := range r {
				copy(c[i*ldc+full*gemm.NR:][:rem], sc[i*gemm.NR:])
			}
		}
		return
	}
	// Fewer than MR rows (odd), or no full tile: every tile into sc.
	tiles := ceilDiv(n, gemm.NR)
	ldS := tiles * gemm.NR
	asm.Sgemm6x16Rows(a, b, rows, col, tiles, sc, ldS)
	for i := range r {
		copy(c[i*ldc:][:n], sc[i*ldS:])
	}
}

// rowsBlockBytes bounds the B rows that one block of rowsGEMMBlock (the
// direct phase-mode forward) or one column block of rowsGEMM (the padded
// input gradient) reads — every weight panel reads them again: 256 KiB,
// half the smallest L2 of the x86 cores this targets (512 KiB on Zen 3),
// so that they stay in L2 across the panels. On S2 (5.3 KiB per phase
// row: 3 channels × 4 phases × 113 values) that is blocks of 38 output
// rows. Measured there (go test ./internal/kernel -bench S2Direct/fwd,
// 3 runs each, Zen 5, L2 1 MiB): 32-row blocks and whole images within
// 3 % of each other, 16-row blocks ~7 % slower, 8 ~10 %, 4 ~25 %.
const rowsBlockBytes = 256 << 10

// blockRows returns the rows per block for total rows of rowBytes each
// when a block, with the halo rows below it that it also reads, should
// take at most rowsBlockBytes: the total split into equal blocks.
func blockRows(total, rowBytes, halo int) int {
	r := max(1, rowsBlockBytes/rowBytes-halo)
	return ceilDiv(total, ceilDiv(total, r))
}

// rowsGEMM2 is rowsGEMM for two rows of a packed A panel (a at the first
// of them) into the two C rows at c.
func rowsGEMM2(a, b []float32, rows asm.Rows, col int, c []float32, ldc, n int, sc []float32) {
	full, rem := n/gemm.NR, n%gemm.NR
	if full > 0 {
		asm.Sgemm2x16Rows(a, b, rows, col, full, c, ldc)
	}
	if rem > 0 {
		asm.Sgemm2x16Rows(a, b, rows, col+full*gemm.NR, 1, sc, gemm.NR)
		copy(c[full*gemm.NR:][:rem], sc[:rem])
		copy(c[ldc+full*gemm.NR:][:rem], sc[gemm.NR:][:rem])
	}
}

// fillChunk copies the input rows that output rows [o0, o0+nr) of one
// image and group read (xg, C/G planes) into xp, zero padded, and returns
// where each tap's im2col row starts in them.
func (k *Im2col) fillChunk(xp, xg []float32, o0, nr int) asm.Rows {
	g := k.g
	pr, hw := nr+(g.KH-1)*g.DH, g.H*g.W                             // padded input rows the chunk reads
	r0, r1 := clamp(o0-g.PadT, 0, g.H), clamp(o0-g.PadT+pr, 0, g.H) // input rows read
	for c := range min(padPrefetchPlanes, g.CG()) {
		asm.Prefetch(xg[c*hw+r0*g.W : c*hw+r1*g.W])
	}
	for c := range g.CG() {
		if d := c + padPrefetchPlanes; d < g.CG() {
			asm.Prefetch(xg[d*hw+r0*g.W : d*hw+r1*g.W])
		}
		fillBand(xp[c*pr*k.wp:], xg[c*hw:], g.H, g.W, o0-g.PadT, pr, -g.PadL, k.wp)
	}
	if nr < k.rowsC {
		return k.padRuns[1]
	}
	return k.padRuns[0]
}

// padPrefetchPlanes is how many planes ahead fillChunk prefetches the input
// rows it copies. The input of a layer at batch 8 (S1: 6.4 MB) comes from
// memory, a band of 16 rows of 56 (3.5 KiB) per plane, too short a run for
// the hardware prefetcher to reach full speed: the copy took 0.8 ms of
// S1's 10.7 ms, and 0.23 ms when done a second time on the same band
// (timers around fillChunk, one thread). Four planes ahead keeps 14 KiB of reads
// in flight: S1 forward batch 8 −3.9 % one thread, −6.0 % two (p = 0.002,
// benchstat 6 rounds), G1 n.s.; 2 and 8 planes within 1 % of 4.
const padPrefetchPlanes = 4

// paddedRuns returns where the im2col row of tap (c, i, j) starts in a
// chunk's padded rows (xpads) for chunks of nr output rows: plane c holds
// nr + (KH−1)·DH rows of wp values.
func (k *Im2col) paddedRuns(nr int) []int {
	g := k.g
	pr := nr + (g.KH-1)*g.DH
	runs := make([]int, 0, k.kk)
	for c := range g.CG() {
		for i := range g.KH {
			for j := range g.KW {
				runs = append(runs, c*pr*k.wp+i*g.DH*k.wp+j*g.DW)
			}
		}
	}
	return runs
}

// chunk decodes a work item into image, group, first column and width.
func (k *Im2col) chunk(it int) (n, gi, p0, pn int) {
	n, rest := it/(k.g.G*k.chunks), it%(k.g.G*k.chunks)
	gi, ch := rest/k.chunks, rest%k.chunks
	p0 = ch * k.pc
	return n, gi, p0, min(k.pc, k.p-p0)
}

// xg returns the input planes of image n, group gi.
func (k *Im2col) xg(x []float32, n, gi int) []float32 {
	hw := k.g.H * k.g.W
	o := (n*k.g.C + gi*k.g.CG()) * hw
	return x[o : o+k.g.CG()*hw]
}

func (k *Im2col) forwardItems(part, lo, hi int) {
	g := k.g
	th := k.innerThreads(k.items())
	col := k.cols[part]
	for it := lo; it < hi; it++ {
		n, gi, p0, pn := k.chunk(it)
		im2col(g, k.xg(k.x, n, gi), col, pn, p0, pn, k.des[part])
		yo := (n*g.M+gi*k.mg)*k.p + p0
		gemm.SgemmPackedA(th, k.pa[gi], false, pn, 1, col, pn, 0, k.y[yo:], k.p)
		if k.b != nil {
			k.addBias(k.y, k.b, n, gi*k.mg, (gi+1)*k.mg, p0, pn)
		}
	}
}

// Backward computes dx, dw and db (each may be nil) from dy.
func (k *Im2col) Backward(x, w, dy, dx, dw, db []float32) {
	k.x, k.w, k.dy, k.dx, k.dw = x, w, dy, dx, dw
	if (k.padded || k.ipc > 0) && (dx != nil || dw != nil) {
		switch {
		case dx != nil && k.padded:
			k.packPaddedDX(w)
		case dx != nil:
			k.packTransposed(w)
		}
		ng := k.g.N * k.g.G // padded: (image, group) items
		if k.ipc > 0 {
			ng = k.items()
		}
		k.accumulateDW(ng, 1, k.bwdFn, dw)
		if k.padded && dw != nil && !finite(dw) {
			// The fast weight gradient multiplied dY's zero garbage
			// columns by input values, and 0·Inf is NaN: a non-finite
			// input may have spoiled a finite result. Redo dW with the
			// garbage columns zeroed (dX is done).
			k.dx, k.dwExact = nil, true
			k.accumulateDW(ng, 1, k.bwdFn, dw)
			k.dwExact = false
		}
		dx, dw = nil, nil // done
	}
	if dx != nil {
		// dX is accumulated chunk by chunk, so one (image, group) belongs to
		// one goroutine.
		k.packTransposed(w)
		k.runDynamic(k.g.N*k.g.G, k.dxFn)
	}
	if dw != nil {
		k.accumulateDW(k.items(), k.chunks, k.dwFn, dw)
	}
	if db != nil {
		k.biasGrad(dy, db)
	}
	k.x, k.w, k.dy, k.dx, k.dw = nil, nil, nil, nil, nil
}

// dxTarget returns where col2im accumulates the input gradient of one
// image and group: the part's deinterleaved buffer when SW > 1 (contiguous
// axpys; dxDone interleaves it into dxg), else dxg itself.
func (k *Im2col) dxTarget(part int, dxg []float32) []float32 {
	if k.g.SW > 1 {
		return k.des[part][:len(dxg)]
	}
	return dxg
}

// dxDone finishes the input gradient of one image and group: it
// interleaves the rows accumulated by col2im into dxg when SW > 1.
func (k *Im2col) dxDone(part int, dxg []float32) {
	if k.g.SW == 1 {
		return
	}
	de := k.des[part]
	for r := 0; r < len(dxg); r += k.g.W {
		interleave(dxg[r:r+k.g.W], de[r:r+k.g.W], k.g.SW)
	}
}

// backwardPadded is the stride-1 backward pass for images and groups
// [lo, hi), in the padded-width domain of forwardPadded. dY of the image is
// laid out once in dyp, rows wp wide with zeros in the garbage columns and
// zero margins (lead values before the plane, trail after), for both
// gradients:
//
//   - dX is a correlation of dY with the flipped kernel: in the padded
//     domain gx[c][q] = Σ_{m,i,j} W[m][c][i][j]·dyp[m][q − i·DH·wp − j·DW],
//     one indirect GEMM (C/G × H·wp) = W'_g (C/G × M/G·KH·KW, the weights
//     regrouped by input channel) · B, row (m, i, j) of B being dyp[m]
//     shifted by the tap (a row table, no copy); the margins and garbage
//     zeros stand for the taps that fall outside dY. dx is gx without its
//     padding columns.
//   - dW_g += dyp · colᵀ chunk by chunk, col as in forwardPadded with its
//     garbage columns zeroed (they would multiply dY's zeros by input
//     values, and 0·Inf is NaN).
func (k *Im2col) backwardPadded(part, lo, hi int) {
	g := k.g
	th := k.innerThreads(g.N * g.G)
	col, xp, dyp, gx := k.cols[part], k.xpads[part], k.dyps[part], k.gxs[part]
	hw, wp := g.H*g.W, k.wp
	for it := lo; it < hi; it++ {
		n, gi := it/g.G, it%g.G
		for m := range k.mg {
			src := k.dy[(n*g.M+gi*k.mg+m)*k.p:]
			dst := dyp[m*k.dypLen+k.dypLead:]
			for r := range g.OH {
				copy(dst[r*wp:r*wp+g.OW], src[r*g.OW:(r+1)*g.OW])
			}
		}
		if k.dx != nil {
			nq := g.H * wp
			if k.dxDirect {
				for c0 := 0; c0 < nq; c0 += k.dxCols {
					rowsGEMM(k.paDX[gi], dyp, k.dxRows, c0, gx[c0:], nq, min(k.dxCols, nq-c0), k.dxScratch[part])
				}
			} else {
				gemm.SgemmPackedARows(th, k.paDX[gi], nq, 1, dyp, k.dxRows, 0, gx, nq)
			}
			dxg := k.xg(k.dx, n, gi)
			for c := range g.CG() {
				asm.CopyRows(dxg[c*hw:(c+1)*hw], gx[c*nq+g.PadL:], g.H, g.W, wp)
			}
		}
		if k.dw == nil {
			continue
		}
		acc := k.dwAcc(part, it, gi)
		for ch := range k.rchk {
			o0 := ch * k.rowsC
			nr := min(k.rowsC, g.OH-o0)
			nn := nr * wp
			runs := k.fillChunk(xp, k.xg(k.x, n, gi), o0, nr)
			if !k.dwExact {
				// col's rows are the taps' runs of xp, garbage columns and
				// all: dY's zeros there add nothing while the input is
				// finite (Backward checks dW and redoes it exactly if not).
				k.dwGemmRows(part, th, dyp[k.dypLead+o0*wp:], k.dypLen, xp, runs, nn, acc)
				continue
			}
			for t := range k.kk {
				src := runs.Start(t)
				row := col[t*nn:][:nn]
				copy(row, xp[src:src+nn])
				// wp − OW values per row (KW − 1 for a "same" convolution):
				// plain stores, not clear (or the range-loop idiom the
				// compiler turns into it), whose runtime call per row costs
				// more than the stores.
				for r := range nr {
					for j := r*wp + g.OW; j < (r+1)*wp; j++ {
						row[j] = 0
					}
				}
			}
			k.dwGemm(part, th, dyp[k.dypLead+o0*wp:], k.dypLen, col, nn, nn, acc)
		}
	}
}

// setupPaddedDX prepares the input gradient of the padded-width mode (see
// backwardPadded): the dY buffers with their margins, the row table of the
// shifted dY rows, and storage for the regrouped weights.
func (k *Im2col) setupPaddedDX() {
	g := k.g
	taps := g.KH * g.KW
	// The shifted rows read from q − (KH−1)·DH·wp − (KW−1)·DW (q ≥ PadT·wp ≥ 0)
	// to H·wp + PadT·wp, at most OH·wp + ((KH−1)·DH − PadB)·wp: margins of
	// that many zeros keep every read inside the image's own zeros or the
	// neighbouring channel's.
	k.dypLead = (g.KH-1)*g.DH*k.wp + (g.KW-1)*g.DW
	k.dypLen = k.dypLead + g.OH*k.wp + max(0, (g.KH-1)*g.DH-g.PadB)*k.wp
	parts := k.team.Parts(g.N * g.G)
	// dX straight from the dY rows (rowsGEMM) under the forward's rule
	// (padDirectMaxM, here for the C/G rows of dX) when every item's GEMM
	// runs on one thread; rowsGEMM reads up to NR − 1 values past a row's
	// end, hence the slack after the last dY plane. Measured fwd+bwd at
	// batch 8 with the AVX-512 kernels (benchstat, 6 interleaved rounds):
	// G1 (32 rows) −7.4 % at one thread, −8.4 % at two (p = 0.002); S1
	// (64) within noise.
	k.dxDirect = g.CG() <= padDirectMaxM && asm.HasAVX2FMA && k.outer(g.N*g.G)
	k.dyps = make([][]float32, parts)
	for i := range k.dyps {
		k.dyps[i] = make([]float32, k.mg*k.dypLen+gemm.NR)
	}
	if k.dxDirect {
		nq := g.H * k.wp
		// Column blocks of whole rows whose dY rows (M/G planes of wp
		// values, and the (KH−1)·DH rows the taps reach) stay in L2 while
		// every weight panel runs over them (S1 fwd+bwd −1.0 % at two
		// threads, p = 0.002; one thread and G1 n.s.).
		rows := blockRows(g.H, 4*k.mg*k.wp, (g.KH-1)*g.DH)
		k.dxCols = min(nq, ceilDiv(rows*k.wp, gemm.NR)*gemm.NR)
		k.dxScratch = make([][]float32, parts)
		for i := range k.dxScratch {
			k.dxScratch[i] = make([]float32, gemm.MR*ceilDiv(nq, gemm.NR)*gemm.NR)
		}
	}
	runs := make([]int, 0, k.mg*taps)
	for m := range k.mg {
		for i := range g.KH {
			for j := range g.KW {
				runs = append(runs, m*k.dypLen+k.dypLead+g.PadT*k.wp-i*g.DH*k.wp-j*g.DW)
			}
		}
	}
	k.dxRows = asm.NewRows(runs)
	k.wDX = make([]float32, g.CG()*k.mg*taps)
	k.paDX = make([]*gemm.PackedA, g.G)
	for i := range k.paDX {
		k.paDX[i] = new(gemm.PackedA)
	}
}

// packPaddedDX packs W'_g of every group: row c holds W[m][c][i][j] for
// (m, i, j) in order, the A operand of backwardPadded's input gradient.
func (k *Im2col) packPaddedDX(w []float32) {
	g := k.g
	cg, taps := g.CG(), g.KH*g.KW
	kd := k.mg * taps
	for gi := range g.G {
		wg := w[gi*k.mg*cg*taps:]
		for m := range k.mg {
			for c := range cg {
				copy(k.wDX[c*kd+m*taps:][:taps], wg[(m*cg+c)*taps:])
			}
		}
		if k.dxDirect {
			k.paDX[gi].PackOneBlock(k.team.Threads(), false, cg, kd, k.wDX, kd)
			continue
		}
		k.paDX[gi].PackParallel(k.team.Threads(), false, cg, kd, k.wDX, kd)
	}
}

func (k *Im2col) dxItems(part, lo, hi int) {
	g := k.g
	ng := g.N * g.G
	th := k.innerThreads(ng)
	col := k.cols[part]
	for it := lo; it < hi; it++ {
		n, gi := it/g.G, it%g.G
		dxg := k.xg(k.dx, n, gi)
		clear(k.dxTarget(part, dxg))
		for ch := range k.chunks {
			p0 := ch * k.pc
			pn := min(k.pc, k.p-p0)
			// col (kk × pn) = W_gᵀ (kk × mg) · dY[n, g][:, p0:p0+pn]
			gemm.SgemmPackedA(th, k.paT[gi], false, pn, 1, k.dy[(n*g.M+gi*k.mg)*k.p+p0:], k.p, 0, col, pn)
			col2im(g, col, pn, k.dxTarget(part, dxg), p0, pn, true)
		}
		k.dxDone(part, dxg)
	}
}

func (k *Im2col) dwItems(part, lo, hi int) {
	g := k.g
	th := k.innerThreads(k.items())
	col := k.cols[part]
	for it := lo; it < hi; it++ {
		n, gi, p0, pn := k.chunk(it)
		im2col(g, k.xg(k.x, n, gi), col, pn, p0, pn, k.des[part])
		// dW_g += dY[n, g][:, chunk] (mg × pn) · colᵀ (pn × kk)
		k.dwGemm(part, th, k.dy[(n*g.M+gi*k.mg)*k.p+p0:], k.p, col, pn, pn, k.dwAcc(part, it, gi))
	}
}

// im2col fills col (C/G·KH·KW rows of pn values, row stride ld) with the
// output columns [p0, p0+pn) of the im2col matrix of the planes x of one
// image and group:
//
//	col[(c·KH + i)·KW + j][p − p0] = x[c, oh·SH − PadT + i·DH, ow·SW − PadL + j·DW]
//
// for p = oh·OW + ow, zero where the tap falls outside the input.
//
// With SW > 1 and de non-nil (C/G·H·W floats), the input rows the chunk
// reads are first deinterleaved into de (see deinterleave), so that every
// tap's run of a row is one contiguous copy instead of a strided gather.
func im2col(g geom.Conv, x, col []float32, ld, p0, pn int, de []float32) {
	hw := g.H * g.W
	if g.SW == 1 || pn == 0 {
		de = nil
	}
	if p0 == 0 && pn == g.OH*g.OW {
		im2colPlane(g, x, col, ld, de)
		return
	}
	if de != nil {
		oh0, oh1 := p0/g.OW, (p0+pn-1)/g.OW
		r0 := max(0, oh0*g.SH-g.PadT)
		r1 := min(g.H, oh1*g.SH-g.PadT+(g.KH-1)*g.DH+1)
		for c := range g.CG() {
			for ih := r0; ih < r1; ih++ {
				o := (c*g.H + ih) * g.W
				deinterleave(de[o:o+g.W], x[c*hw+ih*g.W:c*hw+(ih+1)*g.W], g.SW)
			}
		}
	}
	for c := range g.CG() {
		xc := x[c*hw : (c+1)*hw]
		for i := range g.KH {
			for j := range g.KW {
				row := col[((c*g.KH+i)*g.KW+j)*ld:][:pn]
				off := j*g.DW - g.PadL
				lo, hi := tapRange(g.SW, off, g.W, g.OW)
				// Phase of the tap in a deinterleaved row, its start ps and
				// the shift fl: x[o·SW + off] = de[ps + o + fl].
				fl, ps := phaseShift(off, g.SW, g.W)
				for q, p := 0, p0; q < pn; {
					oh, ow := p/g.OW, p%g.OW
					seg := min(g.OW-ow, pn-q) // outputs left in this output row
					ih := oh*g.SH - g.PadT + i*g.DH
					r := row[q : q+seg]
					a, b := clamp(lo, ow, ow+seg), clamp(hi, ow, ow+seg)
					if ih < 0 || ih >= g.H || a >= b {
						clear(r)
					} else {
						xr := xc[ih*g.W : (ih+1)*g.W]
						clear(r[:a-ow])
						switch {
						case g.SW == 1:
							copy(r[a-ow:b-ow], xr[a+off:b+off])
						case de != nil:
							// x[ih][o·SW + off] = phase ph of the deinterleaved row at o + fl.
							d := de[(c*g.H+ih)*g.W+ps:]
							copy(r[a-ow:b-ow], d[a+fl:b+fl])
						default:
							for o := a; o < b; o++ {
								r[o-ow] = xr[o*g.SW+off]
							}
						}
						clear(r[b-ow:])
					}
					q += seg
					p += seg
				}
			}
		}
	}
}

// im2colPlane is im2col of the whole output plane (p0 = 0, pn = OH·OW),
// with the per-tap work hoisted out of the loop over output rows: each
// output row of a tap is a zero margin, one contiguous copy and a zero
// margin (the rows of small planes are a few values long, so the
// per-segment bookkeeping of the general loop would dominate).
func im2colPlane(g geom.Conv, x, col []float32, ld int, de []float32) {
	hw := g.H * g.W
	if de != nil {
		for r := 0; r < g.CG()*g.H; r++ {
			deinterleave(de[r*g.W:(r+1)*g.W], x[r*g.W:(r+1)*g.W], g.SW)
		}
		x = de
	}
	for c := range g.CG() {
		xc := x[c*hw : (c+1)*hw]
		for i := range g.KH {
			for j := range g.KW {
				row := col[((c*g.KH+i)*g.KW+j)*ld:][:g.OH*g.OW]
				off := j*g.DW - g.PadL
				lo, hi := tapRange(g.SW, off, g.W, g.OW)
				// Source of output column o: x[o·SW + off], or in a
				// deinterleaved row de[ps + fl + o].
				src := off
				if de != nil {
					fl, ps := phaseShift(off, g.SW, g.W)
					src = ps + fl
				}
				for oh := range g.OH {
					r := row[oh*g.OW : (oh+1)*g.OW]
					ih := oh*g.SH - g.PadT + i*g.DH
					if ih < 0 || ih >= g.H || lo >= hi {
						clear(r)
						continue
					}
					for o := range r[:lo] {
						r[o] = 0
					}
					xr := xc[ih*g.W : (ih+1)*g.W]
					switch {
					case g.SW == 1 || de != nil:
						copy(r[lo:hi], xr[lo+src:hi+src])
					default:
						for o := lo; o < hi; o++ {
							r[o] = xr[o*g.SW+off]
						}
					}
					for o := hi; o < len(r); o++ {
						r[o] = 0
					}
				}
			}
		}
	}
}

// deinterleave writes the s phases of src one after the other into dst
// (same length): phase ph, the values src[ph], src[ph+s], …, starts at
// Σ_{q<ph} ⌈(len−q)/s⌉.
func deinterleave(dst, src []float32, s int) {
	if s == 2 {
		n := len(src) / 2
		asm.Deinterleave2(dst[:len(src)-n], dst[len(src)-n:len(src)], src)
		return
	}
	k := 0
	for ph := range min(s, len(src)) {
		for i := ph; i < len(src); i += s {
			dst[k] = src[i]
			k++
		}
	}
}

// interleave is the inverse of deinterleave: dst[ph + s·q] = phase ph's q-th value.
func interleave(dst, src []float32, s int) {
	if s == 2 {
		n := len(dst) / 2
		asm.Interleave2(dst, src[:len(dst)-n], src[len(dst)-n:len(dst)])
		return
	}
	k := 0
	for ph := range min(s, len(dst)) {
		for i := ph; i < len(dst); i += s {
			dst[i] = src[k]
			k++
		}
	}
}

// phaseShift locates the values x[o·s + off] (o ≥ 0) of a row of width w in
// its deinterleaved form: they are the run starting at ps + fl + o, ps the
// start of their phase and fl = ⌊off/s⌋.
func phaseShift(off, s, w int) (fl, ps int) {
	if s == 2 {
		return off >> 1, (off & 1) * ((w + 1) >> 1)
	}
	fl = floorDiv(off, s)
	for q := range min(off-fl*s, w) { // phases q ≥ w are empty
		ps += ceilDiv(w-q, s)
	}
	return fl, ps
}

// col2im adds the columns [p0, p0+pn) of col (row stride ld) back into the
// planes dx of one image and group: the transpose of im2col. With SW > 1
// and de true, dx holds the planes with deinterleaved rows (see
// deinterleave), where every tap's run of a row is one contiguous axpy;
// the caller interleaves the rows afterwards.
func col2im(g geom.Conv, col []float32, ld int, dx []float32, p0, pn int, de bool) {
	hw := g.H * g.W
	de = de && g.SW > 1
	for c := range g.CG() {
		xc := dx[c*hw : (c+1)*hw]
		for i := range g.KH {
			for j := range g.KW {
				row := col[((c*g.KH+i)*g.KW+j)*ld:][:pn]
				off := j*g.DW - g.PadL
				lo, hi := tapRange(g.SW, off, g.W, g.OW)
				fl, ps := phaseShift(off, g.SW, g.W)
				for q, p := 0, p0; q < pn; {
					oh, ow := p/g.OW, p%g.OW
					seg := min(g.OW-ow, pn-q)
					ih := oh*g.SH - g.PadT + i*g.DH
					a, b := clamp(lo, ow, ow+seg), clamp(hi, ow, ow+seg)
					if ih >= 0 && ih < g.H && a < b {
						xr := xc[ih*g.W : (ih+1)*g.W]
						r := row[q : q+seg]
						switch {
						case g.SW == 1:
							asm.Axpy(1, r[a-ow:b-ow], xr[a+off:b+off])
						case de:
							asm.Axpy(1, r[a-ow:b-ow], xr[ps+a+fl:ps+b+fl])
						default:
							for o := a; o < b; o++ {
								xr[o*g.SW+off] += r[o-ow]
							}
						}
					}
					q += seg
					p += seg
				}
			}
		}
	}
}
