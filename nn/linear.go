package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/convkit/convkit/conv"
	"github.com/convkit/convkit/tensor"
)

// Linear is PyTorch's fully connected layer y = x·Wᵀ + b over the last
// dimension of x: weight [Out, In], bias [Out]; an input [..., In] gives an
// output [..., Out]. It runs as a 1×1 convolution on [rows, In, 1, 1]
// through conv.Plan (the weight layouts coincide), so it shares the
// convolution kernels and thread setting.
type Linear struct {
	In, Out int

	weight, bias *Param
	params       []*Param
	plans        planCache
	w4, dy4      *tensor.Tensor // 4-D views of the weight and the output gradient
	scratch      []*tensor.Tensor
	vals         []*tensor.Tensor // plan parameters, see planParams
	x, x4        *tensor.Tensor
	y, dx        *tensor.Tensor // views of the current plan state's buffers
	cur          *planState
}

// NewLinear returns a Linear layer with PyTorch's default initialisation
// from rng: weight and bias uniform in ±1/√In.
func NewLinear(in, out int, bias bool, rng *rand.Rand) (*Linear, error) {
	op := conv.Pointwise(in, out)
	if bias {
		op = op.WithBias()
	}
	if err := op.Validate(); err != nil {
		return nil, fmt.Errorf("nn: Linear(%d, %d): %w", in, out, err)
	}
	if rng == nil {
		return nil, fmt.Errorf("nn: Linear(%d, %d): nil rng", in, out)
	}
	l := &Linear{In: in, Out: out, plans: planCache{op: op}}
	l.weight = newParam("weight", out, in)
	l.params = []*Param{l.weight}
	l.scratch = []*tensor.Tensor{tensor.New(out, in, 1, 1)}
	if bias {
		l.bias = newParam("bias", out)
		l.params = append(l.params, l.bias)
		l.scratch = append(l.scratch, tensor.New(out))
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

// SetThreads sets the kernels' worker goroutines (≤ 0: GOMAXPROCS).
func (l *Linear) SetThreads(n int) { l.plans.setThreads(n); l.cur = nil }

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
	st, err := l.plans.get([]int{rows, l.In, 1, 1})
	if err != nil {
		return nil, fmt.Errorf("nn: %w", err)
	}
	l.x4 = view(l.x4, x.Data, st.in)
	params := l.planParams()
	if err := st.run.Forward(st.y, l.x4, params...); err != nil {
		return nil, fmt.Errorf("nn: %w", err)
	}
	l.x, l.cur = x, st
	l.y = view(l.y, st.y.Data, out)
	return l.y, nil
}

// Backward returns dy·W and adds dyᵀ·x to the weight gradient and the sum
// of dy over rows to the bias gradient.
func (l *Linear) Backward(dy *tensor.Tensor) (*tensor.Tensor, error) {
	var out []int
	if l.cur != nil {
		out = l.y.Shape
	}
	if err := checkGrad(l, dy, out); err != nil {
		return nil, err
	}
	st := l.cur
	if st.dx == nil {
		st.dx = tensor.New(st.in...)
	}
	// Re-derive the view: a Forward on another shape may have rebound it.
	l.x4 = view(l.x4, l.x.Data, st.in)
	l.dy4 = view(l.dy4, dy.Data, st.y.Shape)
	params := l.planParams()
	if err := st.run.Backward(l.x4, l.dy4, st.dx, l.scratch, params...); err != nil {
		return nil, fmt.Errorf("nn: %w", err)
	}
	for i, p := range l.params {
		addTo(p.Grad.Data, l.scratch[i].Data)
	}
	l.dx = view(l.dx, st.dx.Data, l.x.Shape)
	return l.dx, nil
}

// planParams returns the parameters as the pointwise plan takes them: the
// weight viewed as [Out, In, 1, 1], then the bias.
func (l *Linear) planParams() []*tensor.Tensor {
	l.w4 = view(l.w4, l.weight.Value.Data, []int{l.Out, l.In, 1, 1})
	l.vals = append(l.vals[:0], l.w4)
	if l.bias != nil {
		l.vals = append(l.vals, l.bias.Value)
	}
	return l.vals
}
