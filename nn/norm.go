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
// Statistics are accumulated in float64. Parameters: weight (γ, init 1) and
// bias (β, init 0); buffers: running_mean (init 0), running_var (init 1)
// and num_batches_tracked, a float32 scalar here (an int64 in PyTorch;
// exact up to 2²⁴ batches).
type BatchNorm2d struct {
	C        int
	Eps      float64 // added to the variance; 1e-5 by default
	Momentum float64 // weight of the new statistic; 0.1 by default

	weight, bias            *Param
	runMean, runVar, nTrack *Param
	eval                    bool

	// State of the last Forward.
	x, y, dx      *tensor.Tensor
	mean, istd    []float64 // per-channel statistics used: batch or running
	batchStats    bool      // whether the last Forward used batch statistics
	sum, sumSq    []float64 // scratch
	scale, bias32 []float32 // scratch: per-channel γ·istd and β of the forward
	coef          []float32 // scratch: three per-channel backward coefficients
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
		sum: make([]float64, c), sumSq: make([]float64, c),
		scale: make([]float32, c), bias32: make([]float32, c), coef: make([]float32, 3*c)}
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

// Forward normalises x; see the type's documentation.
func (b *BatchNorm2d) Forward(x *tensor.Tensor) (*tensor.Tensor, error) {
	if err := checkInput(b, x, 4); err != nil {
		return nil, err
	}
	if _, err := b.OutputShape(x.Shape); err != nil {
		return nil, err
	}
	if err := b.checkState(); err != nil {
		return nil, err
	}
	n, c, hw := x.Shape[0], b.C, x.Shape[2]*x.Shape[3]
	m := n * hw
	b.batchStats = !b.eval
	if b.batchStats {
		if m < 2 {
			return nil, fmt.Errorf("nn: %v: training needs more than one value per channel, input %v has %d", b, x.Shape, m)
		}
		b.batchMoments(x.Data, n, hw)
		mom := b.Momentum
		rm, rv := b.runMean.Value.Data, b.runVar.Value.Data
		for ch := range c {
			rm[ch] = float32((1-mom)*float64(rm[ch]) + mom*b.mean[ch])
			rv[ch] = float32((1-mom)*float64(rv[ch]) + mom*b.sumSq[ch]*float64(m)/float64(m-1))
		}
		b.nTrack.Value.Data[0]++
	} else {
		for ch := range c {
			b.mean[ch] = float64(b.runMean.Value.Data[ch])
			b.istd[ch] = 1 / math.Sqrt(float64(b.runVar.Value.Data[ch])+b.Eps)
		}
	}
	// y = (x − mean)·scale + β per channel. (PyTorch's CPU kernel folds
	// this into x·scale + (β − mean·scale), which loses digits when
	// |mean| ≫ std; centring first costs one subtraction.)
	for ch := range c {
		b.scale[ch] = float32(float64(b.weight.Value.Data[ch]) * b.istd[ch])
		b.bias32[ch] = b.bias.Value.Data[ch]
	}
	b.y = reuse(b.y, x.Shape)
	xd, yd := x.Data, b.y.Data
	for i := range n {
		for ch := range c {
			off := (i*c + ch) * hw
			xs, ys := xd[off:off+hw], yd[off:off+hw]
			mu, s, t := float32(b.mean[ch]), b.scale[ch], b.bias32[ch]
			for j, v := range xs {
				ys[j] = (v-mu)*s + t
			}
		}
	}
	b.x = x
	return b.y, nil
}

// batchMoments sets mean and istd to the batch statistics of x and leaves
// the biased variance in sumSq.
func (b *BatchNorm2d) batchMoments(x []float32, n, hw int) {
	c := b.C
	m := float64(n * hw)
	clear(b.sum)
	clear(b.sumSq)
	for i := range n {
		for ch := range c {
			off := (i*c + ch) * hw
			var s float64
			for _, v := range x[off : off+hw] {
				s += float64(v)
			}
			b.sum[ch] += s
		}
	}
	for ch := range c {
		b.mean[ch] = b.sum[ch] / m
	}
	// Two passes: the variance from centred values, which is exact enough
	// even when |mean| ≫ std.
	for i := range n {
		for ch := range c {
			off := (i*c + ch) * hw
			mu := b.mean[ch]
			var s float64
			for _, v := range x[off : off+hw] {
				d := float64(v) - mu
				s += d * d
			}
			b.sumSq[ch] += s
		}
	}
	for ch := range c {
		v := b.sumSq[ch] / m
		b.sumSq[ch] = v
		b.istd[ch] = 1 / math.Sqrt(v+b.Eps)
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
	var out []int
	if b.y != nil && b.x != nil {
		out = b.x.Shape
	}
	if err := checkGrad(b, dy, out); err != nil {
		return nil, err
	}
	x := b.x
	n, c, hw := x.Shape[0], b.C, x.Shape[2]*x.Shape[3]
	m := float64(n * hw)
	// Per channel: Σ dy (into sum) and Σ dy·x̂ (into sumSq).
	clear(b.sum)
	clear(b.sumSq)
	for i := range n {
		for ch := range c {
			off := (i*c + ch) * hw
			mu := b.mean[ch]
			var sd, sdx float64
			for j, g := range dy.Data[off : off+hw] {
				sd += float64(g)
				sdx += float64(g) * (float64(x.Data[off+j]) - mu)
			}
			b.sum[ch] += sd
			b.sumSq[ch] += sdx * b.istd[ch]
		}
	}
	gw, gb := b.weight.Grad.Data, b.bias.Grad.Data
	for ch := range c {
		gw[ch] += float32(b.sumSq[ch])
		gb[ch] += float32(b.sum[ch])
	}
	// dx = a·dy − c0 − k·(x − mean) per channel, where a = γ·istd and, with
	// batch statistics, c0 = a·mean(dy) and k = a·istd·mean(dy·x̂).
	b.dx = reuse(b.dx, x.Shape)
	for ch := range c {
		a := float64(b.weight.Value.Data[ch]) * b.istd[ch]
		b.coef[3*ch] = float32(a)
		if b.batchStats {
			b.coef[3*ch+1] = float32(a * b.sum[ch] / m)
			b.coef[3*ch+2] = float32(a * b.istd[ch] * b.sumSq[ch] / m)
		} else {
			b.coef[3*ch+1], b.coef[3*ch+2] = 0, 0
		}
	}
	for i := range n {
		for ch := range c {
			off := (i*c + ch) * hw
			a, c0, k := b.coef[3*ch], b.coef[3*ch+1], b.coef[3*ch+2]
			gs, ds := dy.Data[off:off+hw], b.dx.Data[off:off+hw]
			if !b.batchStats {
				for j, g := range gs {
					ds[j] = a * g
				}
				continue
			}
			mu := float32(b.mean[ch])
			xs := x.Data[off : off+hw]
			for j, g := range gs {
				ds[j] = a*g - c0 - k*(xs[j]-mu)
			}
		}
	}
	return b.dx, nil
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
