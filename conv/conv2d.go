package conv

import (
	"fmt"

	"github.com/convkit/convkit/internal/geom"
	"github.com/convkit/convkit/tensor"
)

// PadMode says how a Padding is interpreted.
type PadMode int

const (
	// Explicit pads by the Top, Bottom, Left and Right fields.
	Explicit PadMode = iota
	// Same pads so that the output has the input's size at stride 1: a total
	// of dilation·(k−1) per axis, the odd element at the end (bottom/right),
	// as PyTorch padding='same', TensorFlow SAME and ONNX SAME_UPPER do.
	// Like PyTorch, convkit rejects 'same' with a stride above 1.
	Same
	// Valid pads nothing.
	Valid
)

// Padding is the zero padding of a 2-D convolution.
type Padding struct {
	Mode                     PadMode
	Top, Bottom, Left, Right int // used when Mode is Explicit
}

// Pad returns symmetric explicit padding of p on every side, PyTorch's
// padding=p.
func Pad(p int) Padding { return Padding{Top: p, Bottom: p, Left: p, Right: p} }

// String formats the padding as PyTorch would accept it where possible.
func (p Padding) String() string {
	switch p.Mode {
	case Same:
		return "same"
	case Valid:
		return "valid"
	}
	if p.Top == p.Bottom && p.Left == p.Right {
		if p.Top == p.Left {
			return fmt.Sprint(p.Top)
		}
		return fmt.Sprintf("(%d,%d)", p.Top, p.Left)
	}
	return fmt.Sprintf("(t%d,b%d,l%d,r%d)", p.Top, p.Bottom, p.Left, p.Right)
}

// Conv2D is a 2-D convolution with PyTorch's Conv2d semantics. Standard,
// group, depthwise (with a depth multiplier) and pointwise convolutions are
// all cases of it:
//
//	input  [N, In, H, W]
//	weight [Out, In/Groups, KernelH, KernelW]
//	bias   [Out] (when Bias)
//	output [N, Out, OH, OW],
//	OH = ⌊(H + pad_top + pad_bottom − DilationH·(KernelH − 1) − 1) / StrideH⌋ + 1
//
// Groups must divide In and Out. Groups = In is depthwise; then
// Out = K·In is a depth multiplier K, output channel c·K + j reading input
// channel c.
type Conv2D struct {
	In, Out              int // channels
	KernelH, KernelW     int
	StrideH, StrideW     int
	DilationH, DilationW int
	Padding              Padding
	Groups               int
	Bias                 bool
}

// New2D returns a standard k×k convolution from in to out channels with
// stride 1, dilation 1, no padding, one group and no bias. Adjust it with
// the With methods.
func New2D(in, out, k int) Conv2D {
	return Conv2D{In: in, Out: out, KernelH: k, KernelW: k, StrideH: 1, StrideW: 1,
		DilationH: 1, DilationW: 1, Groups: 1}
}

// Depthwise returns a k×k depthwise convolution over c channels with depth
// multiplier mult (Out = mult·c, Groups = c) and symmetric padding
// (k−1)/2, which keeps the size at stride 1 for odd k.
func Depthwise(c, k, mult int) Conv2D {
	return New2D(c, mult*c, k).WithGroups(c).WithPadding(Pad((k - 1) / 2))
}

// Pointwise returns a 1×1 convolution from in to out channels.
func Pointwise(in, out int) Conv2D { return New2D(in, out, 1) }

// WithStride returns s with stride st on both axes.
func (s Conv2D) WithStride(st int) Conv2D { s.StrideH, s.StrideW = st, st; return s }

// WithDilation returns s with dilation d on both axes.
func (s Conv2D) WithDilation(d int) Conv2D { s.DilationH, s.DilationW = d, d; return s }

// WithPadding returns s with padding p.
func (s Conv2D) WithPadding(p Padding) Conv2D { s.Padding = p; return s }

// WithGroups returns s with g groups.
func (s Conv2D) WithGroups(g int) Conv2D { s.Groups = g; return s }

// WithBias returns s with a bias term.
func (s Conv2D) WithBias() Conv2D { s.Bias = true; return s }

// String describes the spec in PyTorch's terms.
func (s Conv2D) String() string {
	k := fmt.Sprint(s.KernelH)
	if s.KernelW != s.KernelH {
		k = fmt.Sprintf("%dx%d", s.KernelH, s.KernelW)
	}
	str := fmt.Sprintf("Conv2d(%d, %d, k=%s", s.In, s.Out, k)
	if s.StrideH != 1 || s.StrideW != 1 {
		str += fmt.Sprintf(", stride=%d", s.StrideH)
		if s.StrideW != s.StrideH {
			str += fmt.Sprintf("x%d", s.StrideW)
		}
	}
	if s.Padding != (Padding{}) {
		str += ", padding=" + s.Padding.String()
	}
	if s.DilationH != 1 || s.DilationW != 1 {
		str += fmt.Sprintf(", dilation=%d", s.DilationH)
		if s.DilationW != s.DilationH {
			str += fmt.Sprintf("x%d", s.DilationW)
		}
	}
	if s.Groups != 1 {
		str += fmt.Sprintf(", groups=%d", s.Groups)
	}
	if s.Bias {
		str += ", bias"
	}
	return str + ")"
}

// Validate checks the spec on its own: positive sizes, groups dividing both
// channel counts, non-negative explicit padding and no 'same' with a stride
// above 1.
func (s Conv2D) Validate() error {
	if err := checkPositive("Conv2d", "in channels", s.In, "out channels", s.Out,
		"kernel height", s.KernelH, "kernel width", s.KernelW,
		"stride height", s.StrideH, "stride width", s.StrideW,
		"dilation height", s.DilationH, "dilation width", s.DilationW, "groups", s.Groups); err != nil {
		return err
	}
	if s.In%s.Groups != 0 {
		return fmt.Errorf("conv: Conv2d: groups %d does not divide %d input channels", s.Groups, s.In)
	}
	if s.Out%s.Groups != 0 {
		return fmt.Errorf("conv: Conv2d: groups %d does not divide %d output channels", s.Groups, s.Out)
	}
	switch s.Padding.Mode {
	case Explicit:
		p := s.Padding
		if p.Top < 0 || p.Bottom < 0 || p.Left < 0 || p.Right < 0 {
			return fmt.Errorf("conv: Conv2d: negative padding %v", p)
		}
		if max(p.Top, p.Bottom, p.Left, p.Right) > maxDim {
			return fmt.Errorf("conv: Conv2d: padding %v exceeds the limit %d", p, maxDim)
		}
	case Same:
		if s.StrideH != 1 || s.StrideW != 1 {
			return fmt.Errorf("conv: Conv2d: padding 'same' needs stride 1, have %dx%d (as in PyTorch); use explicit padding", s.StrideH, s.StrideW)
		}
	case Valid:
	default:
		return fmt.Errorf("conv: Conv2d: unknown padding mode %d", s.Padding.Mode)
	}
	return checkSize(s, "weight", s.Params()[0].Shape)
}

// Pads returns the explicit padding (top, bottom, left, right) the spec
// resolves to.
func (s Conv2D) Pads() (top, bottom, left, right int) {
	switch s.Padding.Mode {
	case Same:
		th, tw := s.DilationH*(s.KernelH-1), s.DilationW*(s.KernelW-1)
		return th / 2, th - th/2, tw / 2, tw - tw/2
	case Valid:
		return 0, 0, 0, 0
	}
	return s.Padding.Top, s.Padding.Bottom, s.Padding.Left, s.Padding.Right
}

// Params lists the weight and, with Bias, the bias.
func (s Conv2D) Params() []Param {
	ps := []Param{{"weight", []int{s.Out, s.In / max(s.Groups, 1), s.KernelH, s.KernelW}}}
	if s.Bias {
		ps = append(ps, Param{"bias", []int{s.Out}})
	}
	return ps
}

// OutputShape returns [N, Out, OH, OW] for input [N, In, H, W].
func (s Conv2D) OutputShape(in []int) ([]int, error) {
	g, err := s.geometry(in)
	if err != nil {
		return nil, err
	}
	return []int{g.N, g.M, g.OH, g.OW}, nil
}

// geometry resolves the spec against an input shape into the flat
// geometry the kernels consume.
func (s Conv2D) geometry(in []int) (geom.Conv, error) {
	if err := s.Validate(); err != nil {
		return geom.Conv{}, err
	}
	n, c, h, w, err := checkInput("Conv2d", in, s.In)
	if err != nil {
		return geom.Conv{}, err
	}
	pt, pb, pl, pr := s.Pads()
	effH, effW := s.DilationH*(s.KernelH-1)+1, s.DilationW*(s.KernelW-1)+1
	if effH > h+pt+pb || effW > w+pl+pr {
		return geom.Conv{}, fmt.Errorf("conv: %v: kernel extent %dx%d (dilation included) is larger than the padded input %dx%d",
			s, effH, effW, h+pt+pb, w+pl+pr)
	}
	g := geom.Conv{N: n, C: c, H: h, W: w, M: s.Out, KH: s.KernelH, KW: s.KernelW,
		SH: s.StrideH, SW: s.StrideW, PadT: pt, PadB: pb, PadL: pl, PadR: pr,
		DH: s.DilationH, DW: s.DilationW, G: s.Groups,
		OH: (h+pt+pb-effH)/s.StrideH + 1, OW: (w+pl+pr-effW)/s.StrideW + 1}
	if err := checkSize(s, "output", []int{g.N, g.M, g.OH, g.OW}); err != nil {
		return geom.Conv{}, err
	}
	return g, nil
}

// Forward computes the convolution of x with params (weight, then bias if
// the spec has one).
func (s Conv2D) Forward(x *tensor.Tensor, params ...*tensor.Tensor) (*tensor.Tensor, error) {
	out, err := checkTensors(s, x, params)
	if err != nil {
		return nil, err
	}
	return planForward(s, x, out, params)
}

// Backward returns the gradients with respect to x, the weight and (with
// Bias) the bias, given the output gradient dy.
func (s Conv2D) Backward(x, dy *tensor.Tensor, params ...*tensor.Tensor) (*Grads, error) {
	out, err := checkTensors(s, x, params)
	if err != nil {
		return nil, err
	}
	if err := checkGrad(s, dy, out); err != nil {
		return nil, err
	}
	return planBackward(s, x, dy, params)
}
