package conv

import (
	"fmt"

	"github.com/convkit/convkit/tensor"
)

// DWSChannelWise is ChannelNets' depth-wise separable channel-wise
// convolution: a Kernel×Kernel depthwise convolution (stride Stride,
// padding Padding) followed by a stride-1 SAME channel-wise convolution of
// length ChanKernel in place of MobileNets' 1×1 pointwise convolution. The
// channel count is kept.
//
//	input   [N, In, H, W]
//	params  depthwise.weight [In, 1, Kernel, Kernel], channelwise.weight [1, ChanKernel, 1, 1]
//	output  [N, In, OH, OW]
type DWSChannelWise struct {
	In, Kernel, Stride int
	Padding            Padding
	ChanKernel         int
}

// NewDWSChannelWise returns the module with stride 1 and size-keeping
// padding (Kernel−1)/2.
func NewDWSChannelWise(in, k, dc int) DWSChannelWise {
	return DWSChannelWise{In: in, Kernel: k, Stride: 1, Padding: Pad((k - 1) / 2), ChanKernel: dc}
}

// Depthwise returns the first stage.
func (s DWSChannelWise) Depthwise() Conv2D {
	return Depthwise(s.In, s.Kernel, 1).WithStride(s.Stride).WithPadding(s.Padding)
}

// ChannelWise returns the second stage.
func (s DWSChannelWise) ChannelWise() ChannelWise { return NewChannelWise(s.In, s.ChanKernel) }

func (s DWSChannelWise) String() string {
	return fmt.Sprintf("DWSChannelWise(%d, k=%d, stride=%d, padding=%v, d_c=%d)", s.In, s.Kernel, s.Stride, s.Padding, s.ChanKernel)
}

// Validate checks both stages.
func (s DWSChannelWise) Validate() error {
	if err := s.Depthwise().Validate(); err != nil {
		return fmt.Errorf("conv: %v: depthwise stage: %w", s, err)
	}
	if err := s.ChannelWise().Validate(); err != nil {
		return fmt.Errorf("conv: %v: channel-wise stage: %w", s, err)
	}
	return nil
}

// Params lists the depthwise then the channel-wise weight.
func (s DWSChannelWise) Params() []Param {
	d, c := s.Depthwise().Params()[0], s.ChannelWise().Params()[0]
	return []Param{{"depthwise." + d.Name, d.Shape}, {"channelwise." + c.Name, c.Shape}}
}

// OutputShape returns [N, In, OH, OW].
func (s DWSChannelWise) OutputShape(in []int) ([]int, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	mid, err := s.Depthwise().OutputShape(in)
	if err != nil {
		return nil, err
	}
	return s.ChannelWise().OutputShape(mid)
}

// Forward runs the depthwise then the channel-wise stage.
func (s DWSChannelWise) Forward(x *tensor.Tensor, params ...*tensor.Tensor) (*tensor.Tensor, error) {
	if _, err := checkTensors(s, x, params); err != nil {
		return nil, err
	}
	mid, err := s.Depthwise().Forward(x, params[0])
	if err != nil {
		return nil, err
	}
	return s.ChannelWise().Forward(mid, params[1])
}

// Backward recomputes the depthwise output, then back-propagates through
// both stages.
func (s DWSChannelWise) Backward(x, dy *tensor.Tensor, params ...*tensor.Tensor) (*Grads, error) {
	out, err := checkTensors(s, x, params)
	if err != nil {
		return nil, err
	}
	if err := checkGrad(s, dy, out); err != nil {
		return nil, err
	}
	mid, err := s.Depthwise().Forward(x, params[0])
	if err != nil {
		return nil, err
	}
	gc, err := s.ChannelWise().Backward(mid, dy, params[1])
	if err != nil {
		return nil, err
	}
	gd, err := s.Depthwise().Backward(x, gc.X, params[0])
	if err != nil {
		return nil, err
	}
	return &Grads{X: gd.X, Params: []*tensor.Tensor{gd.Params[0], gc.Params[0]}}, nil
}
