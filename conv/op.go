package conv

import (
	"fmt"

	"github.com/convkit/convkit/tensor"
)

// Op is one operator of the convkit family: a validated spec that knows
// its output shape, its parameters, and how to run forward and backward.
// Conv2D, Shuffle, ChannelWise, GroupChannelWise, DWSChannelWise and
// Classifier implement it.
type Op interface {
	fmt.Stringer
	// Validate reports whether the spec itself is well formed, independently
	// of any input shape.
	Validate() error
	// OutputShape returns the NCHW output shape for an NCHW input shape, or
	// an error if the spec is invalid or does not fit the input.
	OutputShape(in []int) ([]int, error)
	// Params lists the operator's parameters in the order Forward and
	// Backward take them.
	Params() []Param
	// Forward computes the output for input x and parameters params.
	Forward(x *tensor.Tensor, params ...*tensor.Tensor) (*tensor.Tensor, error)
	// Backward computes the gradients with respect to the input and to every
	// parameter, given the output gradient dy.
	Backward(x, dy *tensor.Tensor, params ...*tensor.Tensor) (*Grads, error)
}

// Param describes one parameter tensor of an operator, named as in
// PyTorch's state_dict ("weight", "bias").
type Param struct {
	Name  string
	Shape []int
}

// Grads holds the result of a backward pass: the input gradient and one
// gradient per parameter, in the order of Op.Params.
type Grads struct {
	X      *tensor.Tensor
	Params []*tensor.Tensor
}

// maxDim bounds every size in a spec. It keeps all products of a few
// dimensions far from int overflow on 64-bit platforms and rejects typos
// such as a kernel of 3e9 with a clear message; 1<<24 is larger than any
// real channel count or image side.
const maxDim = 1 << 24

// checkPositive returns an error naming the first field that is not in
// [1, maxDim].
func checkPositive(op string, fields ...any) error {
	for i := 0; i+1 < len(fields); i += 2 {
		name, v := fields[i].(string), fields[i+1].(int)
		if v < 1 {
			return fmt.Errorf("conv: %s: %s must be ≥ 1, have %d", op, name, v)
		}
		if v > maxDim {
			return fmt.Errorf("conv: %s: %s %d exceeds the limit %d", op, name, v, maxDim)
		}
	}
	return nil
}

// checkInput validates an NCHW input shape against the expected channel
// count and returns its dimensions.
func checkInput(op string, in []int, channels int) (n, c, h, w int, err error) {
	if len(in) != 4 {
		return 0, 0, 0, 0, fmt.Errorf("conv: %s: input must be 4-D NCHW, have shape %v", op, in)
	}
	n, c, h, w = in[0], in[1], in[2], in[3]
	for i, d := range in {
		if d < 1 || d > maxDim {
			return 0, 0, 0, 0, fmt.Errorf("conv: %s: input dimension %d is %d, want 1..%d (shape %v)", op, i, d, maxDim, in)
		}
	}
	if channels > 0 && c != channels {
		return 0, 0, 0, 0, fmt.Errorf("conv: %s: input has %d channels, spec expects %d", op, c, channels)
	}
	if _, err := tensor.NumElems(in); err != nil {
		return 0, 0, 0, 0, fmt.Errorf("conv: %s: input %w", op, err)
	}
	return n, c, h, w, nil
}

// checkTensors verifies x against the op's output-shape rules and every
// parameter against Params, returning the output shape.
func checkTensors(op Op, x *tensor.Tensor, params []*tensor.Tensor) ([]int, error) {
	if x == nil {
		return nil, fmt.Errorf("conv: %v: nil input", op)
	}
	if len(x.Data) != product(x.Shape) {
		return nil, fmt.Errorf("conv: %v: input shape %v does not match its %d values", op, x.Shape, len(x.Data))
	}
	out, err := op.OutputShape(x.Shape)
	if err != nil {
		return nil, err
	}
	want := op.Params()
	if len(params) != len(want) {
		return nil, fmt.Errorf("conv: %v: takes %d parameter tensors, got %d", op, len(want), len(params))
	}
	for i, p := range want {
		if params[i] == nil {
			return nil, fmt.Errorf("conv: %v: %s is nil", op, p.Name)
		}
		if !tensor.SameShape(params[i].Shape, p.Shape) || len(params[i].Data) != product(p.Shape) {
			return nil, fmt.Errorf("conv: %v: %s has shape %v, want %v", op, p.Name, params[i].Shape, p.Shape)
		}
	}
	return out, nil
}

// checkGrad verifies that dy has the output shape.
func checkGrad(op Op, dy *tensor.Tensor, out []int) error {
	if dy == nil {
		return fmt.Errorf("conv: %v: nil output gradient", op)
	}
	if !tensor.SameShape(dy.Shape, out) || len(dy.Data) != product(out) {
		return fmt.Errorf("conv: %v: output gradient has shape %v, want %v", op, dy.Shape, out)
	}
	return nil
}

// checkSize returns an error naming what of op is too large when shape has
// more than tensor.MaxElems elements (overflow included).
func checkSize(op fmt.Stringer, what string, shape []int) error {
	if _, err := tensor.NumElems(shape); err != nil {
		return fmt.Errorf("conv: %v: %s %v is too large", op, what, shape)
	}
	return nil
}

func product(s []int) int {
	n, err := tensor.NumElems(s)
	if err != nil {
		return -1
	}
	return n
}
