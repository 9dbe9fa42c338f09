package conv

import (
	"fmt"
	"os"
	"runtime"

	"github.com/convkit/convkit/internal/asm"
	"github.com/convkit/convkit/internal/geom"
	"github.com/convkit/convkit/internal/kernel"
	"github.com/convkit/convkit/internal/ref"
	"github.com/convkit/convkit/tensor"
)

// Kernels names the SIMD kernel set the fast algorithms run on in this
// process: "avx512" (the GEMM micro-kernels in their AVX-512 version, the
// other kernels AVX2), "avx2", or "generic" (pure Go: -tags purego, a CPU
// without AVX2+FMA, or CONVKIT_IMPL=generic; CONVKIT_IMPL=avx2 keeps the
// AVX2 set on an AVX-512 CPU). Every algorithm gives bit-identical results
// with "avx512" and "avx2" (TestKernelSetsBitIdentical) except the forward
// pass of a linear layer (pointwise on a 1×1 map, GEMV mode) on four or
// more images; "generic" rounds differently.
func Kernels() string { return asm.KernelSet() }

// Algorithm names the method a Plan runs.
type Algorithm string

// The algorithms a plan can choose (docs/kernels.md has the dispatch table
// and measured speeds). A DWSChannelWise plan runs two of them, named
// "first+second".
const (
	// AlgoReference runs internal/ref: naive loops accumulating in float64.
	AlgoReference Algorithm = "reference"
	// AlgoPointwise is a 1×1, stride-1, unpadded convolution as one GEMM per
	// image on NCHW, Y[n] = W·X[n], with no im2col.
	AlgoPointwise Algorithm = "pointwise-gemm"
	// AlgoGroupPointwise is AlgoPointwise with groups: one GEMM per image
	// and group on slices of W, X and Y.
	AlgoGroupPointwise Algorithm = "group-pointwise-gemm"
	// AlgoIm2col is any convolution as im2col (per image, group and column
	// chunk) + GEMM; backward dW = dY·colᵀ, dX = col2im(Wᵀ·dY).
	AlgoIm2col Algorithm = "im2col-gemm"
	// AlgoWinograd is a 3×3, stride-1, dilation-1 convolution whose forward
	// pass is Winograd F(2×2, 3×3): input and output transforms around 16
	// GEMMs with 2.25 times fewer multiply-adds than im2col. Backward: dW
	// as AlgoIm2col; dX a second Winograd convolution (of dY with the
	// filters transposed and rotated) when the pads are at most 2 and there
	// are at least 64 output channels per group, else as AlgoIm2col
	// (kernel.WinogradInputGradient).
	AlgoWinograd Algorithm = "winograd-2x2-3x3"
	// AlgoDepthwise3x3S1 is a direct 3×3 stride-1 depthwise convolution:
	// an AVX2 row kernel (9 FMAs per 8 outputs) on the interior, scalar
	// borders; dX is the same kernel with the filter rotated.
	AlgoDepthwise3x3S1 Algorithm = "depthwise-3x3s1"
	// AlgoDepthwise3x3S2 is the stride-2 variant (even/odd deinterleave in
	// registers).
	AlgoDepthwise3x3S2 Algorithm = "depthwise-3x3s2"
	// AlgoDepthwiseDirect is a direct depthwise convolution of any kernel,
	// stride and dilation: one axpy per tap and output row.
	AlgoDepthwiseDirect Algorithm = "depthwise-direct"
	// AlgoChannelWise is the channel-wise family with a 1×1 spatial kernel
	// (ChannelWise, GroupChannelWise) as weighted sums of whole planes.
	AlgoChannelWise Algorithm = "channelwise-direct"
	// AlgoCCL is the channel-wise family with a kernel covering the whole
	// map (Classifier) as dot products of contiguous segments.
	AlgoCCL Algorithm = "ccl-dot"
	// AlgoShuffle is a channel shuffle as plane-sized copies.
	AlgoShuffle Algorithm = "shuffle-copy"
)

// EnvImpl is the environment variable NewPlan reads: CONVKIT_IMPL=ref
// forces the reference implementation for every plan (CONVKIT_IMPL=generic,
// read by the kernels, keeps the fast algorithms but turns the assembly
// off).
const EnvImpl = "CONVKIT_IMPL"

// Options tune planning.
type Options struct {
	// Threads bounds the worker goroutines; 0 means GOMAXPROCS.
	Threads int
	// Reference forces the reference implementation (for debugging and
	// tests); the CONVKIT_IMPL=ref environment variable does the same.
	Reference bool
	// Algorithm, when set, forces that algorithm; NewPlan fails if it does
	// not apply to the operator and shape. Meant for benchmarks and tests.
	Algorithm Algorithm
	// ConstantWeights promises that the weights given to Forward keep their
	// values from call to call (inference with fixed weights): the
	// GEMM-based algorithms then pack them for the micro-kernel on the
	// first Forward only (a 1024×1024 weight is 4 MiB to repack per call),
	// and again when Forward is given a different weight tensor or after
	// Plan.WeightsChanged. Changing the values in place without calling
	// WeightsChanged makes Forward compute with the old values. Training
	// must leave it off. Other algorithms ignore it.
	ConstantWeights bool
}

func (o Options) threads() int {
	if o.Threads > 0 {
		return o.Threads
	}
	return runtime.GOMAXPROCS(0)
}

// forced returns the algorithm the options and environment force, with the
// reason, or "" when the planner chooses.
func (o Options) forced() (Algorithm, string) {
	switch {
	case o.Reference:
		return AlgoReference, "forced by Options.Reference"
	case os.Getenv(EnvImpl) == "ref":
		return AlgoReference, "forced by " + EnvImpl + "=ref"
	case o.Algorithm != "":
		return o.Algorithm, "forced by Options.Algorithm"
	}
	return "", ""
}

// choose is the planner: a pure function of the geometry (geom.Conv,
// geom.Chan or geom.Shuffle), the thread count and whether the weights
// are constant (Options.ConstantWeights; it changes how some kernels run,
// so the reason, not the algorithm), returning the algorithm and why.
func choose(g any, threads int, constW bool) (Algorithm, string) {
	switch g := g.(type) {
	case geom.Conv:
		if g.G == g.C {
			switch kernel.DepthwiseModeFor(g) {
			case kernel.Depthwise3x3S1:
				if kernel.DepthwiseForwardGEMM(g, kernel.Depthwise3x3S1) {
					return AlgoDepthwise3x3S1, fmt.Sprintf("depthwise 3×3 stride 1, depth multiplier %d: forward as a GEMM per input channel (M=%d K=9, padded rows read in place), backward by the direct AVX2 row kernel",
						g.M/g.C, g.M/g.C)
				}
				return AlgoDepthwise3x3S1, "depthwise 3×3 stride 1: direct AVX2 row kernel, over N·M planes"
			case kernel.Depthwise3x3S2:
				return AlgoDepthwise3x3S2, "depthwise 3×3 stride 2: direct AVX2 row kernel (even/odd split), over N·M planes"
			}
			return AlgoDepthwiseDirect, fmt.Sprintf("depthwise %dx%d stride %dx%d dilation %dx%d: direct, one axpy per tap and row",
				g.KH, g.KW, g.SH, g.SW, g.DH, g.DW)
		}
		if pointwise(g) {
			split := "images"
			if threads > 1 && g.N < threads {
				split = "GEMM tiles"
			}
			if kernel.PointwiseGEMV(g) {
				return AlgoPointwise, fmt.Sprintf("1×1 on a 1×1 map (a linear layer), batch %d: one dot product of %d weights per output straight from the weight rows (GEMV, no packing), threads over output channels",
					g.N, g.C)
			}
			cv := ""
			if constW && kernel.PointwiseChannelVectorised(g, threads) {
				cv = fmt.Sprintf("; with constant weights the forward vectorises over output channels instead: tiles of 32 channels × 7 positions (%d positions fill no whole 16-wide vectors), X copied into tiles per image, the bias in the accumulators",
					g.H*g.W)
			}
			if g.G == 1 {
				return AlgoPointwise, fmt.Sprintf("1×1 stride 1 unpadded: GEMM per image on NCHW (M=%d K=%d N=%d), threads over %s%s",
					g.M, g.C, g.H*g.W, split, cv)
			}
			return AlgoGroupPointwise, fmt.Sprintf("grouped 1×1 (groups %d): GEMM per image and group (M=%d K=%d N=%d), threads over %s%s",
				g.G, g.MG(), g.CG(), g.H*g.W, split, cv)
		}
		if winograd(g) {
			dx := "im2col"
			if kernel.WinogradInputGradient(g) {
				dx = "Winograd"
			}
			return AlgoWinograd, fmt.Sprintf("3×3 stride 1 (groups %d) on %d tiles of 2×2 outputs per group: Winograd F(2×2, 3×3), 16 GEMMs per band of tiles (M=%d K=%d), 2.25× fewer multiply-adds than im2col; backward: dX by %s, dW by im2col",
				g.G, kernel.WinogradTiles(g), g.MG(), g.CG(), dx)
		}
		return AlgoIm2col, fmt.Sprintf("general %dx%d conv (groups %d): im2col + GEMM (M=%d K=%d N=%d per image and group)",
			g.KH, g.KW, g.G, g.MG(), g.CG()*g.KH*g.KW, g.OH*g.OW)
	case geom.Chan:
		if chanFull(g) {
			return AlgoCCL, fmt.Sprintf("kernel covers the %dx%d map: one dot product of %d values per output",
				g.H, g.W, g.DC*g.H*g.W)
		}
		if g.KH == 1 && g.KW == 1 {
			how := "weighted sums of planes"
			if g.F >= 4 {
				how = "weighted sums of planes, 4 filters per pass"
			}
			return AlgoChannelWise, fmt.Sprintf("channel-wise d_c=%d stride %d: %s (%d values each)", g.DC, g.SC, how, g.H*g.W)
		}
		return AlgoReference, "no fast kernel for a spatial channel-wise kernel smaller than the map"
	case geom.Shuffle:
		return AlgoShuffle, fmt.Sprintf("channel permutation: %d plane copies of %d values", g.N*g.C, g.H*g.W)
	}
	return AlgoReference, "no fast kernel for this operator"
}

// winograd reports whether the planner runs g as Winograd F(2×2, 3×3)
// rather than im2col. Measured on the dev box (BenchmarkWinograd in
// internal/kernel, one thread): Winograd is 1.4–1.7× faster with 64 to 256
// channels per group on maps of 14×14 to 56×56 at batch 8 (S1: 276 against
// 169 GFLOP/s im2col-equivalent), 1.1–1.2× with 32 (G1); it loses with 16
// channels per group (its transforms cost per channel, its GEMMs have
// K = C/G) and when few tiles share the transformed weights, which are 16/9
// times the weights: 512 channels on 7×7 at batch 1 (16 tiles) runs at a
// third of im2col's speed, 64 channels on 14×14 (49 tiles) at 70 %. Hence
// at least 32 input and output channels per group and 196 tiles (a 28×28
// map) per call.
func winograd(g geom.Conv) bool {
	return applies(AlgoWinograd, g) && g.CG() >= 32 && g.MG() >= 32 && kernel.WinogradTiles(g) >= 196
}

func pointwise(g geom.Conv) bool {
	return g.KH == 1 && g.KW == 1 && g.SH == 1 && g.SW == 1 && g.PadT+g.PadB+g.PadL+g.PadR == 0
}

func chanFull(g geom.Chan) bool { return g.KH == g.H && g.KW == g.W && g.OH == 1 && g.OW == 1 }

// applies reports whether algorithm a can run geometry g.
func applies(a Algorithm, g any) bool {
	if a == AlgoReference {
		return true
	}
	switch g := g.(type) {
	case geom.Conv:
		switch a {
		case AlgoIm2col:
			return true
		case AlgoWinograd:
			return g.G < g.C && kernel.WinogradApplies(g)
		case AlgoPointwise:
			return pointwise(g) && g.G == 1
		case AlgoGroupPointwise:
			return pointwise(g)
		case AlgoDepthwiseDirect:
			return g.G == g.C
		case AlgoDepthwise3x3S1:
			return g.G == g.C && kernel.DepthwiseModeFor(g) == kernel.Depthwise3x3S1
		case AlgoDepthwise3x3S2:
			return g.G == g.C && kernel.DepthwiseModeFor(g) == kernel.Depthwise3x3S2
		}
	case geom.Chan:
		switch a {
		case AlgoCCL:
			return chanFull(g)
		case AlgoChannelWise:
			return g.KH == 1 && g.KW == 1
		}
	case geom.Shuffle:
		return a == AlgoShuffle
	}
	return false
}

// algorithms lists every algorithm that can run geometry g, for tests and
// benchmarks.
func algorithms(g any) []Algorithm {
	var as []Algorithm
	for _, a := range []Algorithm{AlgoReference, AlgoPointwise, AlgoGroupPointwise, AlgoIm2col, AlgoWinograd,
		AlgoDepthwise3x3S1, AlgoDepthwise3x3S2, AlgoDepthwiseDirect, AlgoChannelWise, AlgoCCL, AlgoShuffle} {
		if applies(a, g) {
			as = append(as, a)
		}
	}
	return as
}

// geometryOf resolves op against the input shape into its flat geometry.
func geometryOf(op Op, in []int) (any, error) {
	switch s := op.(type) {
	case Conv2D:
		return s.geometry(in)
	case ChannelWise:
		return s.geometry(in)
	case GroupChannelWise:
		return s.geometry(in)
	case Classifier:
		return s.geometry(in)
	case Shuffle:
		return s.geometry(in)
	}
	return nil, fmt.Errorf("conv: %v: no plan for this operator; run its Forward and Backward directly", op)
}

// Explain returns the algorithm NewPlan would choose for op on an input of
// shape in, and why, without preparing anything. It is what `convkit
// explain` prints.
func Explain(op Op, in []int, opt Options) (Algorithm, string, error) {
	if s, ok := op.(DWSChannelWise); ok {
		if _, err := s.OutputShape(in); err != nil {
			return "", "", err
		}
		mid, _ := s.Depthwise().OutputShape(in)
		a1, r1, err := Explain(s.Depthwise(), in, opt)
		if err != nil {
			return "", "", err
		}
		a2, r2, err := Explain(s.ChannelWise(), mid, opt)
		if err != nil {
			return "", "", err
		}
		return a1 + "+" + a2, r1 + "; then " + r2, nil
	}
	g, err := geometryOf(op, in)
	if err != nil {
		return "", "", err
	}
	if a, why := opt.forced(); a != "" {
		if !applies(a, g) {
			return "", "", fmt.Errorf("conv: %v: algorithm %q does not apply to input %v", op, a, in)
		}
		return a, why, nil
	}
	a, why := choose(g, opt.threads(), opt.ConstantWeights)
	return a, why, nil
}

// maxParams is the most parameter tensors an operator has.
const maxParams = 2

// A Plan is an operator bound to one input shape: the algorithm is chosen
// once, its workspaces are allocated once, and Forward and Backward write
// into caller-owned tensors, so a steady-state loop allocates nothing. A
// Plan may be used by one goroutine at a time.
type Plan struct {
	op      Op
	in, out []int
	params  []Param
	plens   []int
	algo    Algorithm
	reason  string
	threads int
	constW  bool // Options.ConstantWeights
	impl    planImpl
	ps, gs  [maxParams][]float32 // argument scratch, so calls do not allocate
}

// planImpl runs one algorithm on raw slices. Forward writes y; Backward
// writes dx and each non-nil gs[i] (dx may be nil).
type planImpl interface {
	forward(y, x []float32, ps [][]float32)
	backward(x, dy, dx []float32, ps, gs [][]float32)
}

// NewPlan validates op against the NCHW input shape in, chooses an
// algorithm and prepares its workspaces.
func NewPlan(op Op, in []int, opt Options) (*Plan, error) {
	algo, reason, err := Explain(op, in, opt)
	if err != nil {
		return nil, err
	}
	out, err := op.OutputShape(in)
	if err != nil {
		return nil, err
	}
	p := &Plan{op: op, in: append([]int(nil), in...), out: out, params: op.Params(),
		algo: algo, reason: reason, threads: opt.threads(), constW: opt.ConstantWeights}
	for _, q := range p.params {
		p.plens = append(p.plens, product(q.Shape))
	}
	if s, ok := op.(DWSChannelWise); ok {
		p.impl, err = newDWSImpl(s, in, opt)
		if err != nil {
			return nil, err
		}
		return p, nil
	}
	g, _ := geometryOf(op, in)
	p.impl = newImpl(algo, g, p.threads)
	if opt.ConstantWeights {
		p.setConstantWeights(true)
	}
	return p, nil
}

// constantWeighter is a kernel that can keep its packed weights.
type constantWeighter interface{ SetConstantWeights(on bool) }

func (p *Plan) setConstantWeights(on bool) {
	if c, ok := p.impl.(convImpl); ok {
		if k, ok := c.k.(constantWeighter); ok {
			k.SetConstantWeights(on)
		}
	}
}

// WeightsChanged tells a plan made with Options.ConstantWeights that the
// values of its weights changed in place: the next Forward packs them
// again. Without ConstantWeights it does nothing (every Forward packs).
func (p *Plan) WeightsChanged() {
	if p.constW {
		p.setConstantWeights(true)
	}
}

// newImpl builds the runner of algorithm a (which applies to g).
func newImpl(a Algorithm, g any, threads int) planImpl {
	switch g := g.(type) {
	case geom.Conv:
		switch a {
		case AlgoReference:
			return refConv{g}
		case AlgoPointwise, AlgoGroupPointwise:
			return convImpl{kernel.NewPointwise(g, threads)}
		case AlgoIm2col:
			return convImpl{kernel.NewIm2col(g, threads)}
		case AlgoWinograd:
			return convImpl{kernel.NewWinograd(g, threads)}
		case AlgoDepthwise3x3S1:
			return convImpl{kernel.NewDepthwise(g, kernel.Depthwise3x3S1, threads)}
		case AlgoDepthwise3x3S2:
			return convImpl{kernel.NewDepthwise(g, kernel.Depthwise3x3S2, threads)}
		case AlgoDepthwiseDirect:
			return convImpl{kernel.NewDepthwise(g, kernel.DepthwiseDirect, threads)}
		}
	case geom.Chan:
		switch a {
		case AlgoReference:
			return refChan{g}
		case AlgoChannelWise:
			return chanImpl{kernel.NewChan(g, threads)}
		case AlgoCCL:
			return chanImpl{kernel.NewChanFull(g, threads)}
		}
	case geom.Shuffle:
		switch a {
		case AlgoReference:
			return refShuffle{g}
		case AlgoShuffle:
			return shuffleImpl{kernel.NewShuffle(g, threads)}
		}
	}
	panic(fmt.Sprintf("conv: internal error: algorithm %q for %T", a, g))
}

// optional returns s[i], or nil when s is too short.
func optional(s [][]float32, i int) []float32 {
	if i < len(s) {
		return s[i]
	}
	return nil
}

type convKernel interface {
	Forward(x, w, b, y []float32)
	Backward(x, w, dy, dx, dw, db []float32)
}

type convImpl struct{ k convKernel }

func (c convImpl) forward(y, x []float32, ps [][]float32) { c.k.Forward(x, ps[0], optional(ps, 1), y) }
func (c convImpl) backward(x, dy, dx []float32, ps, gs [][]float32) {
	c.k.Backward(x, ps[0], dy, dx, optional(gs, 0), optional(gs, 1))
}

type chanKernel interface {
	Forward(x, w, y []float32)
	Backward(x, w, dy, dx, dw []float32)
}

type chanImpl struct{ k chanKernel }

func (c chanImpl) forward(y, x []float32, ps [][]float32) { c.k.Forward(x, ps[0], y) }
func (c chanImpl) backward(x, dy, dx []float32, ps, gs [][]float32) {
	c.k.Backward(x, ps[0], dy, dx, optional(gs, 0))
}

type shuffleImpl struct{ k *kernel.Shuffle }

func (s shuffleImpl) forward(y, x []float32, _ [][]float32) { s.k.Forward(x, y) }
func (s shuffleImpl) backward(_, dy, dx []float32, _, _ [][]float32) {
	if dx != nil {
		s.k.Backward(dy, dx)
	}
}

type refConv struct{ g geom.Conv }

func (r refConv) forward(y, x []float32, ps [][]float32) {
	ref.ConvForward(r.g, x, ps[0], optional(ps, 1), y)
}
func (r refConv) backward(x, dy, dx []float32, ps, gs [][]float32) {
	ref.ConvBackward(r.g, x, ps[0], dy, dx, optional(gs, 0), optional(gs, 1))
}

type refChan struct{ g geom.Chan }

func (r refChan) forward(y, x []float32, ps [][]float32) { ref.ChanForward(r.g, x, ps[0], y) }
func (r refChan) backward(x, dy, dx []float32, ps, gs [][]float32) {
	ref.ChanBackward(r.g, x, ps[0], dy, dx, optional(gs, 0))
}

type refShuffle struct{ g geom.Shuffle }

func (r refShuffle) forward(y, x []float32, _ [][]float32) { ref.ShuffleForward(r.g, x, y) }
func (r refShuffle) backward(_, dy, dx []float32, _, _ [][]float32) {
	if dx != nil {
		ref.ShuffleBackward(r.g, dy, dx)
	}
}

// dwsImpl runs DWSChannelWise as its two stages with a preallocated
// intermediate (and its gradient); backward recomputes the intermediate.
type dwsImpl struct {
	dw, cw    planImpl
	mid, dmid []float32
	g0, g1    [1][]float32 // gradient argument scratch
}

func newDWSImpl(s DWSChannelWise, in []int, opt Options) (*dwsImpl, error) {
	mid, err := s.Depthwise().OutputShape(in)
	if err != nil {
		return nil, err
	}
	p1, err := NewPlan(s.Depthwise(), in, opt)
	if err != nil {
		return nil, err
	}
	p2, err := NewPlan(s.ChannelWise(), mid, opt)
	if err != nil {
		return nil, err
	}
	n := product(mid)
	return &dwsImpl{dw: p1.impl, cw: p2.impl, mid: make([]float32, n), dmid: make([]float32, n)}, nil
}

func (d *dwsImpl) forward(y, x []float32, ps [][]float32) {
	d.dw.forward(d.mid, x, ps[0:1])
	d.cw.forward(y, d.mid, ps[1:2])
}

func (d *dwsImpl) backward(x, dy, dx []float32, ps, gs [][]float32) {
	g0, g1 := optional(gs, 0), optional(gs, 1)
	d.dw.forward(d.mid, x, ps[0:1])
	var dmid []float32
	if dx != nil || g0 != nil {
		dmid = d.dmid
	}
	d.g0[0], d.g1[0] = g0, g1
	d.cw.backward(d.mid, dy, dmid, ps[1:2], d.g1[:])
	if dmid != nil {
		d.dw.backward(x, dmid, dx, ps[0:1], d.g0[:])
	}
	d.g0[0], d.g1[0] = nil, nil
}

// Op returns the planned operator.
func (p *Plan) Op() Op { return p.op }

// InShape returns the input shape the plan was made for.
func (p *Plan) InShape() []int { return p.in }

// OutShape returns the output shape.
func (p *Plan) OutShape() []int { return p.out }

// Threads returns the most goroutines the plan uses.
func (p *Plan) Threads() int { return p.threads }

// Algorithm returns the chosen algorithm and why it was chosen.
func (p *Plan) Algorithm() (Algorithm, string) { return p.algo, p.reason }

// Forward writes op(x, params) into y, which must have OutShape.
func (p *Plan) Forward(y, x *tensor.Tensor, params ...*tensor.Tensor) error {
	if err := p.check(x, params); err != nil {
		return err
	}
	if err := checkShape(p.op, "output", y, p.out); err != nil {
		return err
	}
	ps := p.ps[:len(params)]
	for i, t := range params {
		ps[i] = t.Data
	}
	p.impl.forward(y.Data, x.Data, ps)
	clear(p.ps[:])
	return nil
}

// Backward writes the gradient of the loss with respect to x into dx and
// with respect to each parameter into grads (same order and shapes as
// params), given the output gradient dy. dx, or any element of grads, may be
// nil to skip that gradient; grads may be shorter than params. Gradients
// overwrite, they do not accumulate.
func (p *Plan) Backward(x, dy, dx *tensor.Tensor, grads []*tensor.Tensor, params ...*tensor.Tensor) error {
	if err := p.check(x, params); err != nil {
		return err
	}
	if err := checkShape(p.op, "output gradient", dy, p.out); err != nil {
		return err
	}
	var dxd []float32
	if dx != nil {
		if err := checkShape(p.op, "input gradient", dx, p.in); err != nil {
			return err
		}
		dxd = dx.Data
	}
	if len(grads) > len(params) {
		return fmt.Errorf("conv: %v: %d gradients for %d parameters", p.op, len(grads), len(params))
	}
	gs := p.gs[:len(params)]
	for i := range gs {
		gs[i] = nil
		if i >= len(grads) || grads[i] == nil {
			continue
		}
		if g := grads[i]; !tensor.SameShape(g.Shape, p.params[i].Shape) || len(g.Data) != p.plens[i] {
			return fmt.Errorf("conv: %v: %s gradient has shape %v, want %v", p.op, p.params[i].Name, g.Shape, p.params[i].Shape)
		}
		gs[i] = grads[i].Data
	}
	ps := p.ps[:len(params)]
	for i, t := range params {
		ps[i] = t.Data
	}
	p.impl.backward(x.Data, dy.Data, dxd, ps, gs)
	clear(p.ps[:])
	clear(p.gs[:])
	return nil
}

// check validates the input and the parameters against the plan without
// allocating.
func (p *Plan) check(x *tensor.Tensor, params []*tensor.Tensor) error {
	if err := checkShape(p.op, "input", x, p.in); err != nil {
		return err
	}
	if len(params) != len(p.params) {
		return fmt.Errorf("conv: %v: takes %d parameter tensors, got %d", p.op, len(p.params), len(params))
	}
	for i, q := range p.params {
		t := params[i]
		if t == nil {
			return fmt.Errorf("conv: %v: %s is nil", p.op, q.Name)
		}
		if !tensor.SameShape(t.Shape, q.Shape) || len(t.Data) != p.plens[i] {
			return fmt.Errorf("conv: %v: %s has shape %v, want %v", p.op, q.Name, t.Shape, q.Shape)
		}
	}
	return nil
}

func checkShape(op Op, what string, t *tensor.Tensor, want []int) error {
	if t == nil {
		return fmt.Errorf("conv: %v: nil %s", op, what)
	}
	if !tensor.SameShape(t.Shape, want) || len(t.Data) != product(want) {
		return fmt.Errorf("conv: %v: %s has shape %v, the plan wants %v", op, what, t.Shape, want)
	}
	return nil
}

// planForward is Op.Forward: x and params already checked against op, out
// the output shape. It plans with the default options and allocates y.
func planForward(op Op, x *tensor.Tensor, out []int, params []*tensor.Tensor) (*tensor.Tensor, error) {
	p, err := NewPlan(op, x.Shape, Options{})
	if err != nil {
		return nil, err
	}
	y := tensor.New(out...)
	if err := p.Forward(y, x, params...); err != nil {
		return nil, err
	}
	return y, nil
}

// planBackward is Op.Backward: x, dy and params already checked against op.
// It allocates every gradient.
func planBackward(op Op, x, dy *tensor.Tensor, params []*tensor.Tensor) (*Grads, error) {
	p, err := NewPlan(op, x.Shape, Options{})
	if err != nil {
		return nil, err
	}
	gr := &Grads{X: tensor.New(x.Shape...)}
	for _, q := range p.params {
		gr.Params = append(gr.Params, tensor.New(q.Shape...))
	}
	if err := p.Backward(x, dy, gr.X, gr.Params, params...); err != nil {
		return nil, err
	}
	return gr, nil
}
