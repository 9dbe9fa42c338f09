package nn

import (
	"fmt"
	"math"

	"github.com/convkit/convkit/tensor"
)

// BatchNorm2d is PyTorch's BatchNorm2d with affine parameters and running
// statistics, over NCHW input with C channels:
//
//	y = (x − mean) / √(var + Eps) · weight + bias     (per channel)
//
// In training mode mean and var are the batch's, over N·H·W values, var
// biased (divided by M = N·H·W); each Forward then updates the buffers
//
//	running_mean = (1 − Momentum)·running_mean + Momentum·mean
//	running_var  = (1 − Momentum)·running_var  + Momentum·var·M/(M − 1)
//	num_batches_tracked += 1
//
// In evaluation mode mean and var are running_mean and running_var.
// Statistics are accumulated per channel in float64 (with the AVX2
// kernels, each plane of H·W values is summed in float32 first).
// Parameters: weight (γ, init 1) and bias (β, init 0); buffers:
// running_mean (init 0), running_var (init 1) and num_batches_tracked, a
// float32 scalar here (an int64 in PyTorch; exact up to 2²⁴ batches).
type BatchNorm2d struct {
	C        int
	Eps      float64 // added to the variance; 1e-5 by default
	Momentum float64 // weight of the new statistic; 0.1 by default

	weight, bias            *Param
	runMean, runVar, nTrack *Param
	eval                    bool
	par                     par

	// State of the last Forward.
	x, y, dx   *tensor.Tensor
	relu       *ReLU     // the ReLU fused into the last Forward, or nil
	mean, istd []float64 // per-channel statistics used: batch or running
	batchStats bool      // whether the last Forward used batch statistics

	// Per-call arguments of the channel loops, and the loops as method
	// values made once (so that a parallel loop allocates nothing).
	n, hw         int
	in, out, grad []float32 // x, then y or dx, and dy
	bwdReLU       bool      // whether the backward is fused with a ReLU
	scale, shift  []float32 // per channel: the s and t of the last Forward, y = (x − mean)·s + t
	fwdFn, bwdFn  func(part, lo, hi int)
	gradW, gradB  []float64 // backward: Σ dy·x̂ and Σ dy per channel
}

// NewBatchNorm2d returns a BatchNorm2d over c channels with PyTorch's
// defaults: Eps 1e-5, Momentum 0.1, γ = 1, β = 0, running mean 0 and
// running variance 1, in training mode.
func NewBatchNorm2d(c int) (*BatchNorm2d, error) {
	if c < 1 || c > tensor.MaxElems {
		return nil, fmt.Errorf("nn: BatchNorm2d: %d channels, want ≥ 1", c)
	}
	b := &BatchNorm2d{C: c, Eps: 1e-5, Momentum: 0.1,
		weight: newParam("weight", c), bias: newParam("bias", c),
		runMean: newBuffer("running_mean", c), runVar: newBuffer("running_var", c),
		nTrack: newBuffer("num_batches_tracked"),
		mean:   make([]float64, c), istd: make([]float64, c),
		gradW: make([]float64, c), gradB: make([]float64, c),
		scale: make([]float32, c), shift: make([]float32, c)}
	b.fwdFn, b.bwdFn = b.forwardChannels, b.backwardChannels
	for i := range c {
		b.weight.Value.Data[i] = 1
		b.runVar.Value.Data[i] = 1
	}
	return b, nil
}

// MustBatchNorm2d is NewBatchNorm2d for model definitions written in code;
// it panics when c < 1.
func MustBatchNorm2d(c int) *BatchNorm2d {
	b, err := NewBatchNorm2d(c)
	if err != nil {
		panic(err)
	}
	return b
}

// String describes the layer as PyTorch does.
func (b *BatchNorm2d) String() string {
	return fmt.Sprintf("BatchNorm2d(%d, eps=%g, momentum=%g)", b.C, b.Eps, b.Momentum)
}

// Params returns weight (γ) and bias (β).
func (b *BatchNorm2d) Params() []*Param { return []*Param{b.weight, b.bias} }

// Buffers returns running_mean, running_var and num_batches_tracked.
func (b *BatchNorm2d) Buffers() []*Param { return []*Param{b.runMean, b.runVar, b.nTrack} }

// SetTraining selects batch statistics (true) or running statistics.
func (b *BatchNorm2d) SetTraining(training bool) { b.eval = !training }

// OutputShape returns the input shape, which must be NCHW with C channels.
func (b *BatchNorm2d) OutputShape(in []int) ([]int, error) {
	if len(in) != 4 || in[1] != b.C {
		return nil, fmt.Errorf("nn: %v: want input [N, %d, H, W], have %v", b, b.C, in)
	}
	return append([]int(nil), in...), nil
}

// SetThreads sets the goroutines of the channel loops (≤ 0: GOMAXPROCS).
// Results do not depend on it.
func (b *BatchNorm2d) SetThreads(n int) { b.par.threads = n }

// Forward normalises x; see the type's documentation.
func (b *BatchNorm2d) Forward(x *tensor.Tensor) (*tensor.Tensor, error) {
	return b.forward(x, nil)
}

// forward is Forward, fused with the ReLU r when r is not nil: it then
// writes ReLU(BN(x)) into r's output buffer, sets r's state as r.Forward
// would, and returns r's output. The two layers' Backward calls (or
// backward with r) then work as after two separate Forward calls. Sequential
// fuses a BatchNorm2d followed by a ReLU this way, saving a pass over the
// activation and its memory.
//
// Each channel is one item of a parallel loop: its statistics, the update
// of its running statistics and its normalisation are computed together
// while its values are in cache.
func (b *BatchNorm2d) forward(x *tensor.Tensor, r *ReLU) (*tensor.Tensor, error) {
	if err := checkInput(b, x, 4); err != nil {
		return nil, err
	}
	if _, err := b.OutputShape(x.Shape); err != nil {
		return nil, err
	}
	if err := b.checkState(); err != nil {
		return nil, err
	}
	n, hw := x.Shape[0], x.Shape[2]*x.Shape[3]
	b.batchStats = !b.eval
	if b.batchStats && n*hw < 2 {
		return nil, fmt.Errorf("nn: %v: training needs more than one value per channel, input %v has %d", b, x.Shape, n*hw)
	}
	var y *tensor.Tensor
	if r != nil {
		r.y = reuse(r.y, x.Shape)
		y = r.y
	} else {
		b.y = reuse(b.y, x.Shape)
		y = b.y
	}
	b.relu = r
	b.n, b.hw, b.in, b.out = n, hw, x.Data, y.Data
	b.par.run(b.C, 2*len(x.Data), b.fwdFn)
	b.in, b.out = nil, nil
	if b.batchStats {
		b.nTrack.Value.Data[0]++
	}
	b.x = x
	return y, nil
}

// forwardChannels normalises channels [lo, hi) of b.in into b.out.
//
// With batch statistics, mean and variance come from one pass over the
// channel's planes: sums of x − k in float64 with k the mean of the first
// plane, which is near the batch mean, so that Σ(x − k)²/M − (Σ(x − k)/M)²
// keeps its digits even when |mean| ≫ std.
//
// y = (x − mean)·scale + β per channel. (PyTorch's CPU kernel folds this
// into x·scale + (β − mean·scale), which loses digits when |mean| ≫ std;
// centring first costs one subtraction.)
func (b *BatchNorm2d) forwardChannels(_, lo, hi int) {
	c, n, hw := b.C, b.n, b.hw
	m := float64(n * hw)
	relu := b.relu != nil
	for ch := lo; ch < hi; ch++ {
		if b.batchStats {
			s0, _ := planeMoments(b.in[ch*hw:(ch+1)*hw], 0)
			k := float32(s0 / float64(hw))
			var s, sq float64
			for i := range n {
				off := (i*c + ch) * hw
				ds, dsq := planeMoments(b.in[off:off+hw], k)
				s += ds
				sq += dsq
			}
			d := s / m
			v := max(0, sq/m-d*d) // biased variance
			b.mean[ch] = float64(k) + d
			b.istd[ch] = 1 / math.Sqrt(v+b.Eps)
			mom := b.Momentum
			rm, rv := b.runMean.Value.Data, b.runVar.Value.Data
			rm[ch] = float32((1-mom)*float64(rm[ch]) + mom*b.mean[ch])
			rv[ch] = float32((1-mom)*float64(rv[ch]) + mom*v*m/(m-1))
		} else {
			b.mean[ch] = float64(b.runMean.Value.Data[ch])
			b.istd[ch] = 1 / math.Sqrt(float64(b.runVar.Value.Data[ch])+b.Eps)
		}
		mu := float32(b.mean[ch])
		s := float32(float64(b.weight.Value.Data[ch]) * b.istd[ch])
		t := b.bias.Value.Data[ch]
		b.scale[ch], b.shift[ch] = s, t
		for i := range n {
			off := (i*c + ch) * hw
			planeNormalize(b.out[off:off+hw], b.in[off:off+hw], mu, s, t, relu)
		}
	}
}

// Backward returns the input gradient and adds Σ dy·x̂ to the weight
// gradient and Σ dy to the bias gradient, x̂ = (x − mean)·istd. With batch
// statistics the input gradient includes their dependence on x:
//
//	dx = γ·istd·(dy − mean(dy) − x̂·mean(dy·x̂))
//
// and with running statistics dx = γ·istd·dy.
func (b *BatchNorm2d) Backward(dy *tensor.Tensor) (*tensor.Tensor, error) {
	return b.backward(dy, nil)
}

// backward is Backward, fused with the ReLU r that follows the layer when
// r is not nil (and the last Forward was fused with it): dy is then the
// gradient of r's output, masked on the fly where r passed. The mask is
// recomputed from x — the ReLU passed where the forward's (x − mean)·s + t
// is not ≤ 0, and recomputing that expression gives the same bits — so the
// pass reads dy and x but not r's output. As in forwardChannels, each
// channel is one item of a parallel loop: its two sums and its input
// gradient are computed together, while its planes are in cache.
func (b *BatchNorm2d) backward(dy *tensor.Tensor, r *ReLU) (*tensor.Tensor, error) {
	var out []int
	if b.x != nil {
		out = b.x.Shape
	}
	var name fmt.Stringer = b
	if r != nil {
		if r.y == nil || b.relu != r {
			out = nil
		}
		name = label(b.String() + " + ReLU()")
	}
	if err := checkGrad(name, dy, out); err != nil {
		return nil, err
	}
	b.dx = reuse(b.dx, b.x.Shape)
	b.n, b.hw = b.x.Shape[0], b.x.Shape[2]*b.x.Shape[3]
	b.grad, b.in, b.out = dy.Data, b.x.Data, b.dx.Data
	b.bwdReLU = r != nil
	b.par.run(b.C, 3*len(dy.Data), b.bwdFn)
	b.grad, b.in, b.out = nil, nil, nil
	gw, gb := b.weight.Grad.Data, b.bias.Grad.Data
	for ch := range b.C {
		gw[ch] += float32(b.gradW[ch])
		gb[ch] += float32(b.gradB[ch])
	}
	return b.dx, nil
}

// backwardChannels computes the parameter and input gradients of channels
// [lo, hi): dx = a·dy − c0 − k·(x − mean) per channel, where a = γ·istd
// and, with batch statistics, c0 = a·mean(dy) and k = a·istd·mean(dy·x̂).
func (b *BatchNorm2d) backwardChannels(_, lo, hi int) {
	c, n, hw := b.C, b.n, b.hw
	m := float64(n * hw)
	relu := b.bwdReLU
	for ch := lo; ch < hi; ch++ {
		mu32, s, t := float32(b.mean[ch]), b.scale[ch], b.shift[ch]
		var sg, sgx float64
		for i := range n {
			off := (i*c + ch) * hw
			a, bx := planeGradSums(b.grad[off:off+hw], b.in[off:off+hw], mu32, s, t, relu)
			sg += a
			sgx += bx
		}
		istd := b.istd[ch]
		b.gradB[ch] = sg
		b.gradW[ch] = sgx * istd
		a := float64(b.weight.Value.Data[ch]) * istd
		if !b.batchStats {
			for i := range n {
				off := (i*c + ch) * hw
				scaleGrad(b.out[off:off+hw], b.grad[off:off+hw], b.in[off:off+hw], float32(a), mu32, s, t, relu)
			}
			continue
		}
		a32, c0, k := float32(a), float32(a*sg/m), float32(a*istd*sgx*istd/m)
		for i := range n {
			off := (i*c + ch) * hw
			planeGradInput(b.out[off:off+hw], b.grad[off:off+hw], b.in[off:off+hw], a32, c0, k, mu32, s, t, relu)
		}
	}
}

// checkState verifies that the parameters and buffers still have C
// elements (LoadStateDict checks shapes, but a caller may replace a Value).
func (b *BatchNorm2d) checkState() error {
	for _, p := range []*Param{b.weight, b.bias, b.runMean, b.runVar} {
		if len(p.Value.Data) != b.C {
			return fmt.Errorf("nn: %v: %s has %d values, want %d", b, p.Name, len(p.Value.Data), b.C)
		}
	}
	if len(b.nTrack.Value.Data) != 1 {
		return fmt.Errorf("nn: %v: num_batches_tracked must be a scalar", b)
	}
	return nil
}
