package conv

import (
	"fmt"

	"github.com/convkit/convkit/internal/geom"
	"github.com/convkit/convkit/tensor"
)

// ChanPadding is the zero padding of a channel-wise convolution along the
// channel axis.
type ChanPadding struct {
	// Front and Back pad the start and the end of the channel axis.
	Front, Back int
	// Same, when set, ignores Front and Back and pads as TensorFlow's SAME
	// (the ChannelNets code): ⌈In/Stride⌉ outputs, a total padding of
	// max((out−1)·Stride + Kernel − In, 0), the odd element at the end.
	Same bool
}

// ChannelWise is ChannelNets' channel-wise convolution: a 1-D convolution
// with one kernel of length Kernel (d_c) sliding along the channel axis
// with stride Stride, the same kernel at every spatial position. It is
// PyTorch's Conv3d(1, 1, (d_c, 1, 1), stride=(s, 1, 1), bias=False) on the
// input viewed as [N, 1, In, H, W].
//
//	input  [N, In, H, W]
//	weight [1, Kernel, 1, 1] (the Conv3d weight with its input-channel axis dropped)
//	output [N, Out, H, W], Out = ⌊(In + Front + Back − Kernel)/Stride⌋ + 1
type ChannelWise struct {
	In, Kernel, Stride int
	Padding            ChanPadding
}

// NewChannelWise returns a stride-1 channel-wise convolution with SAME
// padding, which keeps the channel count, as ChannelNets uses it.
func NewChannelWise(in, dc int) ChannelWise {
	return ChannelWise{In: in, Kernel: dc, Stride: 1, Padding: ChanPadding{Same: true}}
}

func (s ChannelWise) String() string {
	p := "same"
	if !s.Padding.Same {
		p = fmt.Sprintf("(%d,%d)", s.Padding.Front, s.Padding.Back)
	}
	return fmt.Sprintf("ChannelWise(%d, d_c=%d, stride=%d, padding=%s)", s.In, s.Kernel, s.Stride, p)
}

// Validate checks the spec on its own.
func (s ChannelWise) Validate() error {
	if err := checkPositive("ChannelWise", "in channels", s.In, "kernel", s.Kernel, "stride", s.Stride); err != nil {
		return err
	}
	if !s.Padding.Same {
		if s.Padding.Front < 0 || s.Padding.Back < 0 || max(s.Padding.Front, s.Padding.Back) > maxDim {
			return fmt.Errorf("conv: %v: padding must be in 0..%d", s, maxDim)
		}
	}
	if _, _, err := s.chanPads(); err != nil {
		return err
	}
	return nil
}

// chanPads resolves the padding and checks the kernel fits.
func (s ChannelWise) chanPads() (front, back int, err error) {
	front, back = s.Padding.Front, s.Padding.Back
	if s.Padding.Same {
		out := (s.In + s.Stride - 1) / s.Stride
		total := max((out-1)*s.Stride+s.Kernel-s.In, 0)
		front, back = total/2, total-total/2
	}
	if s.Kernel > s.In+front+back {
		return 0, 0, fmt.Errorf("conv: %v: kernel %d is longer than the %d padded channels", s, s.Kernel, s.In+front+back)
	}
	return front, back, nil
}

// Out returns the number of output channels, or 0 for an invalid spec.
func (s ChannelWise) Out() int {
	if s.Validate() != nil {
		return 0
	}
	f, b, _ := s.chanPads()
	return (s.In+f+b-s.Kernel)/s.Stride + 1
}

// Params lists the single shared kernel.
func (s ChannelWise) Params() []Param { return []Param{{"weight", []int{1, s.Kernel, 1, 1}}} }

func (s ChannelWise) geometry(in []int) (geom.Chan, error) {
	if err := s.Validate(); err != nil {
		return geom.Chan{}, err
	}
	n, c, h, w, err := checkInput("ChannelWise", in, s.In)
	if err != nil {
		return geom.Chan{}, err
	}
	f, b, _ := s.chanPads()
	return checkChanOutput(s, geom.Chan{N: n, C: c, H: h, W: w, F: 1, DC: s.Kernel, SC: s.Stride, PadFront: f, PadBack: b,
		KH: 1, KW: 1, D: s.Out(), OH: h, OW: w})
}

// OutputShape returns [N, Out, H, W].
func (s ChannelWise) OutputShape(in []int) ([]int, error) { return chanOutputShape(s.geometry(in)) }

// Forward computes the channel-wise convolution of x with its kernel.
func (s ChannelWise) Forward(x *tensor.Tensor, params ...*tensor.Tensor) (*tensor.Tensor, error) {
	return chanForward(s, s.geometry, x, params)
}

// Backward returns the gradients with respect to x and the kernel.
func (s ChannelWise) Backward(x, dy *tensor.Tensor, params ...*tensor.Tensor) (*Grads, error) {
	return chanBackward(s, s.geometry, x, dy, params)
}

// GroupChannelWise is ChannelNets' group channel-wise convolution: Groups
// independent channel-wise kernels of length Kernel, each sliding over all
// In input channels with stride Groups and giving Out/Groups outputs; the
// outputs are concatenated kernel-major (output channel f·(Out/Groups) + j
// comes from kernel f). The channel padding is whatever makes each kernel
// give exactly Out/Groups outputs, (Out/Groups − 1)·Groups + Kernel − In in
// total, the odd element at the end — TensorFlow SAME when Out = In.
//
//	input  [N, In, H, W]
//	weight [Groups, Kernel, 1, 1]
//	output [N, Out, H, W]
type GroupChannelWise struct {
	In, Out, Groups, Kernel int
}

// NewGroupChannelWise returns the ChannelNets setting: Out = In.
func NewGroupChannelWise(in, groups, dc int) GroupChannelWise {
	return GroupChannelWise{In: in, Out: in, Groups: groups, Kernel: dc}
}

func (s GroupChannelWise) String() string {
	return fmt.Sprintf("GroupChannelWise(%d, %d, groups=%d, d_c=%d)", s.In, s.Out, s.Groups, s.Kernel)
}

// Validate checks the spec on its own.
func (s GroupChannelWise) Validate() error {
	if err := checkPositive("GroupChannelWise", "in channels", s.In, "out channels", s.Out,
		"groups", s.Groups, "kernel", s.Kernel); err != nil {
		return err
	}
	if s.Out%s.Groups != 0 {
		return fmt.Errorf("conv: %v: groups %d does not divide %d output channels", s, s.Groups, s.Out)
	}
	if err := checkSize(s, "weight", s.Params()[0].Shape); err != nil {
		return err
	}
	if total := s.totalPad(); total < 0 {
		return fmt.Errorf("conv: %v: %d kernels of length %d at stride %d giving %d outputs each cover only %d of %d input channels",
			s, s.Groups, s.Kernel, s.Groups, s.Out/s.Groups, s.In+total, s.In)
	}
	return nil
}

func (s GroupChannelWise) totalPad() int { return (s.Out/s.Groups-1)*s.Groups + s.Kernel - s.In }

// Params lists the Groups kernels.
func (s GroupChannelWise) Params() []Param {
	return []Param{{"weight", []int{s.Groups, s.Kernel, 1, 1}}}
}

func (s GroupChannelWise) geometry(in []int) (geom.Chan, error) {
	if err := s.Validate(); err != nil {
		return geom.Chan{}, err
	}
	n, c, h, w, err := checkInput("GroupChannelWise", in, s.In)
	if err != nil {
		return geom.Chan{}, err
	}
	t := s.totalPad()
	return checkChanOutput(s, geom.Chan{N: n, C: c, H: h, W: w, F: s.Groups, DC: s.Kernel, SC: s.Groups,
		PadFront: t / 2, PadBack: t - t/2, KH: 1, KW: 1, D: s.Out / s.Groups, OH: h, OW: w})
}

// OutputShape returns [N, Out, H, W].
func (s GroupChannelWise) OutputShape(in []int) ([]int, error) {
	return chanOutputShape(s.geometry(in))
}

// Forward computes the group channel-wise convolution.
func (s GroupChannelWise) Forward(x *tensor.Tensor, params ...*tensor.Tensor) (*tensor.Tensor, error) {
	return chanForward(s, s.geometry, x, params)
}

// Backward returns the gradients with respect to x and the kernels.
func (s GroupChannelWise) Backward(x, dy *tensor.Tensor, params ...*tensor.Tensor) (*Grads, error) {
	return chanBackward(s, s.geometry, x, dy, params)
}

// Classifier is ChannelNets' convolutional classification layer (CCL): one
// 3-D convolution of kernel Size×Size×d_c, VALID, stride 1, over the final
// [In, Size, Size] feature volume, with d_c = In − Classes + 1 so that it
// yields exactly Classes outputs. It replaces global average pooling and
// the fully connected layer.
//
//	input  [N, In, Size, Size]
//	weight [1, d_c, Size, Size]
//	output [N, Classes, 1, 1]
type Classifier struct {
	In, Classes, Size int
}

// Kernel returns d_c = In − Classes + 1.
func (s Classifier) Kernel() int { return s.In - s.Classes + 1 }

func (s Classifier) String() string {
	return fmt.Sprintf("Classifier(%d, classes=%d, size=%d, d_c=%d)", s.In, s.Classes, s.Size, s.Kernel())
}

// Validate checks the spec on its own.
func (s Classifier) Validate() error {
	if err := checkPositive("Classifier", "in channels", s.In, "classes", s.Classes, "size", s.Size); err != nil {
		return err
	}
	if s.Classes > s.In {
		return fmt.Errorf("conv: Classifier: %d classes need at least as many input channels, have %d", s.Classes, s.In)
	}
	return checkSize(s, "weight", s.Params()[0].Shape)
}

// Params lists the single 3-D kernel.
func (s Classifier) Params() []Param {
	return []Param{{"weight", []int{1, s.Kernel(), s.Size, s.Size}}}
}

func (s Classifier) geometry(in []int) (geom.Chan, error) {
	if err := s.Validate(); err != nil {
		return geom.Chan{}, err
	}
	n, c, h, w, err := checkInput("Classifier", in, s.In)
	if err != nil {
		return geom.Chan{}, err
	}
	if h != s.Size || w != s.Size {
		return geom.Chan{}, fmt.Errorf("conv: %v: input map is %dx%d, the layer covers exactly %dx%d", s, h, w, s.Size, s.Size)
	}
	return checkChanOutput(s, geom.Chan{N: n, C: c, H: h, W: w, F: 1, DC: s.Kernel(), SC: 1, KH: h, KW: w,
		D: s.Classes, OH: 1, OW: 1})
}

// OutputShape returns [N, Classes, 1, 1].
func (s Classifier) OutputShape(in []int) ([]int, error) { return chanOutputShape(s.geometry(in)) }

// Forward computes the class scores.
func (s Classifier) Forward(x *tensor.Tensor, params ...*tensor.Tensor) (*tensor.Tensor, error) {
	return chanForward(s, s.geometry, x, params)
}

// Backward returns the gradients with respect to x and the kernel.
func (s Classifier) Backward(x, dy *tensor.Tensor, params ...*tensor.Tensor) (*Grads, error) {
	return chanBackward(s, s.geometry, x, dy, params)
}

func chanOutputShape(g geom.Chan, err error) ([]int, error) {
	if err != nil {
		return nil, err
	}
	return []int{g.N, g.M(), g.OH, g.OW}, nil
}

// checkChanOutput bounds the output of a channel-wise geometry.
func checkChanOutput(op fmt.Stringer, g geom.Chan) (geom.Chan, error) {
	if err := checkSize(op, "output", []int{g.N, g.M(), g.OH, g.OW}); err != nil {
		return geom.Chan{}, err
	}
	return g, nil
}

func chanForward(op Op, _ func([]int) (geom.Chan, error), x *tensor.Tensor, params []*tensor.Tensor) (*tensor.Tensor, error) {
	out, err := checkTensors(op, x, params)
	if err != nil {
		return nil, err
	}
	return planForward(op, x, out, params)
}

func chanBackward(op Op, _ func([]int) (geom.Chan, error), x, dy *tensor.Tensor, params []*tensor.Tensor) (*Grads, error) {
	out, err := checkTensors(op, x, params)
	if err != nil {
		return nil, err
	}
	if err := checkGrad(op, dy, out); err != nil {
		return nil, err
	}
	return planBackward(op, x, dy, params)
}
