package zoo

import (
	"fmt"

	"github.com/convkit/convkit/nn"
	"github.com/convkit/convkit/tensor"
)

// Scale multiplies its input by a constant Factor, element-wise; it has no
// parameters and no state-dict entries. The channel family puts one with
// Factor 1/d_f in front of its convolutional classification layer.
//
// Why: the CCL's single kernel covers the whole d_f×d_f×d_c feature volume
// (5,831 taps for 128 channels, 10 classes and a 7×7 map), so an SGD step
// moves its logits about d_f² times as much as the step of a fully
// connected layer over d_c pooled features would. At the learning rate
// that suits the rest of the network (0.1) the loss then climbs during
// warm-up instead of falling (measured on the built-in data: a mean loss
// of 2.9 after 30 steps of a 0.5-epoch warm-up, 51% test accuracy after
// one epoch and 73% after two). Scaling the input by 1/d_f makes the
// kernel's effective fan-in d_c, as for the classifier it replaces (69%
// and 80% after one and two epochs). Global average pooling, which the
// CCL replaces, divides by d_f² in the same place; 1/d_f² proved too
// small (52% after two epochs). A PyTorch port multiplies the input of
// head.1 by the same constant.
type Scale struct {
	Factor float32
	// Label shows the factor in String, e.g. "1/7".
	Label string

	y, dx *tensor.Tensor
}

// String returns "Scale(1/7)".
func (s *Scale) String() string {
	if s.Label != "" {
		return "Scale(" + s.Label + ")"
	}
	return fmt.Sprintf("Scale(%g)", s.Factor)
}

// Params returns nil: the factor is a constant.
func (*Scale) Params() []*nn.Param { return nil }

// OutputShape returns the input shape.
func (*Scale) OutputShape(in []int) ([]int, error) { return append([]int(nil), in...), nil }

// Forward returns Factor·x.
func (s *Scale) Forward(x *tensor.Tensor) (*tensor.Tensor, error) {
	if x == nil {
		return nil, fmt.Errorf("zoo: %v: nil input", s)
	}
	s.y = scaled(s.y, x, s.Factor)
	return s.y, nil
}

// Backward returns Factor·dy.
func (s *Scale) Backward(dy *tensor.Tensor) (*tensor.Tensor, error) {
	if dy == nil || s.y == nil || !tensor.SameShape(dy.Shape, s.y.Shape) {
		return nil, fmt.Errorf("zoo: %v: output gradient does not match the last Forward", s)
	}
	s.dx = scaled(s.dx, dy, s.Factor)
	return s.dx, nil
}

// scaled writes f·x into buf (reallocated when its shape differs).
func scaled(buf, x *tensor.Tensor, f float32) *tensor.Tensor {
	if buf == nil || !tensor.SameShape(buf.Shape, x.Shape) {
		buf = tensor.New(x.Shape...)
	}
	for i, v := range x.Data[:len(buf.Data)] {
		buf.Data[i] = v * f
	}
	return buf
}
