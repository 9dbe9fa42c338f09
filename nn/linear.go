package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/convkit/convkit/conv"
	"github.com/convkit/convkit/internal/gemm"
	"github.com/convkit/convkit/tensor"
)

// Linear is PyTorch's fully connected layer y = x·Wᵀ + b over the last
// dimension of x: weight [Out, In], bias [Out]; an input [..., In] gives an
// output [..., Out]. All rows (the batch) go through one matrix product
// each way: Y = X·Wᵀ forward, dX = dY·W and dW += dYᵀ·X backward, with
// convkit's SGEMM (the one behind the convolutions).
type Linear struct {
	In, Out int

	weight, bias *Param
	params       []*Param
	threads      int
	noDX         bool
	colSum       []float64 // scratch: the bias gradient in float64
	x, y, dx     *tensor.Tensor
	out          []int // output shape of the last Forward
}

// NewLinear returns a Linear layer with PyTorch's default initialisation
// from rng: weight and bias uniform in ±1/√In.
func NewLinear(in, out int, bias bool, rng *rand.Rand) (*Linear, error) {
	op := conv.Pointwise(in, out) // the same size limits as a 1×1 convolution
	if err := op.Validate(); err != nil {
		return nil, fmt.Errorf("nn: Linear(%d, %d): %w", in, out, err)
	}
	if rng == nil {
		return nil, fmt.Errorf("nn: Linear(%d, %d): nil rng", in, out)
	}
	l := &Linear{In: in, Out: out}
	l.weight = newParam("weight", out, in)
	l.params = []*Param{l.weight}
	if bias {
		l.bias = newParam("bias", out)
		l.params = append(l.params, l.bias)
	}
	initParams(l.params, rng)
	return l, nil
}

// MustLinear is NewLinear for model definitions written in code; it panics
// on invalid sizes.
func MustLinear(in, out int, bias bool, rng *rand.Rand) *Linear {
	l, err := NewLinear(in, out, bias, rng)
	if err != nil {
		panic(err)
	}
	return l
}

// String describes the layer as PyTorch does.
func (l *Linear) String() string {
	return fmt.Sprintf("Linear(in_features=%d, out_features=%d, bias=%t)", l.In, l.Out, l.bias != nil)
}

// Params returns the weight and, with a bias, the bias.
func (l *Linear) Params() []*Param { return l.params }

// SetThreads sets the goroutines of the matrix products (≤ 0:
// GOMAXPROCS). Results do not depend on it.
func (l *Linear) SetThreads(n int) { l.threads = n }

// SetInputGrad sets whether Backward computes the input gradient (by
// default it does); see the function SetInputGrad.
func (l *Linear) SetInputGrad(need bool) { l.noDX = !need }

// OutputShape replaces the last dimension, which must be In, by Out.
func (l *Linear) OutputShape(in []int) ([]int, error) {
	if len(in) == 0 || in[len(in)-1] != l.In {
		return nil, fmt.Errorf("nn: %v: input shape %v does not end in %d features", l, in, l.In)
	}
	if _, err := tensor.NumElems(in); err != nil {
		return nil, fmt.Errorf("nn: %v: %w", l, err)
	}
	out := append([]int(nil), in...)
	out[len(out)-1] = l.Out
	return out, nil
}

// checkParams verifies that the weight and bias still have their sizes (a
// caller may replace a Value).
func (l *Linear) checkParams() error {
	for _, p := range l.params {
		want := l.Out
		if p == l.weight {
			want *= l.In
		}
		if len(p.Value.Data) != want || len(p.Grad.Data) != want {
			return fmt.Errorf("nn: %v: %s has %d values and %d gradients, want %d", l, p.Name, len(p.Value.Data), len(p.Grad.Data), want)
		}
	}
	return nil
}

// Forward computes x·Wᵀ + b.
func (l *Linear) Forward(x *tensor.Tensor) (*tensor.Tensor, error) {
	if err := checkInput(l, x, 0); err != nil {
		return nil, err
	}
	out, err := l.OutputShape(x.Shape)
	if err != nil {
		return nil, err
	}
	rows := len(x.Data) / l.In
	if rows == 0 {
		return nil, fmt.Errorf("nn: %v: empty input %v", l, x.Shape)
	}
	if err := l.checkParams(); err != nil {
		return nil, err
	}
	l.y = reuse(l.y, out)
	y := l.y.Data
	if l.bias != nil {
		for r := range rows {
			copy(y[r*l.Out:(r+1)*l.Out], l.bias.Value.Data)
		}
	}
	beta := float32(0)
	if l.bias != nil {
		beta = 1
	}
	gemm.SgemmParallel(l.threads, false, true, rows, l.Out, l.In, 1, x.Data, l.In, l.weight.Value.Data, l.In, beta, y, l.Out)
	l.x, l.out = x, l.y.Shape
	return l.y, nil
}

// Backward returns dy·W (nil after SetInputGrad(false)) and adds dyᵀ·x to
// the weight gradient and the sum of dy over rows to the bias gradient.
func (l *Linear) Backward(dy *tensor.Tensor) (*tensor.Tensor, error) {
	if err := checkGrad(l, dy, l.out); err != nil {
		return nil, err
	}
	if err := l.checkParams(); err != nil {
		return nil, err
	}
	rows := len(dy.Data) / l.Out
	g := dy.Data
	gemm.SgemmParallel(l.threads, true, false, l.Out, l.In, rows, 1, g, l.Out, l.x.Data, l.In, 1, l.weight.Grad.Data, l.In)
	if l.bias != nil {
		if len(l.colSum) != l.Out {
			l.colSum = make([]float64, l.Out)
		}
		cs := l.colSum
		clear(cs)
		for r := range rows {
			for j, v := range g[r*l.Out : (r+1)*l.Out] {
				cs[j] += float64(v)
			}
		}
		gb := l.bias.Grad.Data[:l.Out]
		for j, v := range cs {
			gb[j] += float32(v)
		}
	}
	if l.noDX {
		return nil, nil
	}
	l.dx = reuse(l.dx, l.x.Shape)
	gemm.SgemmParallel(l.threads, false, false, rows, l.In, l.Out, 1, g, l.Out, l.weight.Value.Data, l.In, 0, l.dx.Data, l.In)
	return l.dx, nil
}
