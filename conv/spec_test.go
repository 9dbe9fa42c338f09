package conv

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/convkit/convkit/tensor"
)

// smallTensors is the largest element count the tests allocate for a
// tensor built from a spec's shapes; bigger (or invalid) shapes get a
// placeholder tensor with that shape and no data, which every op must
// reject with an error.
const smallTensors = 1 << 16

// tensorFor returns a tensor of the given shape filled with values from rng
// in [−1, 1), or a data-less placeholder when the shape is invalid or large.
func tensorFor(rng *rand.Rand, shape []int) *tensor.Tensor {
	n, err := tensor.NumElems(shape)
	if err != nil || n > smallTensors {
		return &tensor.Tensor{Shape: append([]int(nil), shape...)}
	}
	t := tensor.New(shape...)
	for i := range t.Data {
		t.Data[i] = float32(2*rng.Float64() - 1)
	}
	return t
}

// paramsFor builds one tensor per Params entry.
func paramsFor(rng *rand.Rand, op Op) []*tensor.Tensor {
	var ps []*tensor.Tensor
	for _, p := range op.Params() {
		ps = append(ps, tensorFor(rng, p.Shape))
	}
	return ps
}

// noPanic runs f and turns a panic into a test error.
func noPanic(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s panicked: %v", what, r)
		}
	}()
	f()
}

// checkErr fails unless err is a "conv:" error containing want.
func checkErr(t *testing.T, what string, err error, want string) {
	t.Helper()
	switch {
	case err == nil:
		t.Errorf("%s: no error, want one containing %q", what, want)
	case !strings.HasPrefix(err.Error(), "conv: "):
		t.Errorf("%s: error %q lacks the \"conv: \" prefix", what, err)
	case !strings.Contains(err.Error(), want):
		t.Errorf("%s: error %q does not contain %q", what, err, want)
	}
}

// explicit builds an explicit padding (top, bottom, left, right).
func explicit(t, b, l, r int) Padding { return Padding{Top: t, Bottom: b, Left: l, Right: r} }

var samePad = Padding{Mode: Same}

func TestInvalidSpecs(t *testing.T) {
	conv448 := []int{1, 4, 8, 8}
	cases := []struct {
		name string
		op   Op
		in   []int
		want string // a substring of the error message
		// shapeOnly: the spec is valid on its own (Validate passes); the
		// error comes from the input shape.
		shapeOnly bool
	}{
		// Conv2D.
		{name: "conv groups do not divide in", op: New2D(6, 4, 3).WithGroups(4), in: []int{1, 6, 8, 8}, want: "groups 4 does not divide 6 input channels"},
		{name: "conv groups do not divide out", op: New2D(4, 6, 3).WithGroups(4), in: conv448, want: "groups 4 does not divide 6 output channels"},
		{name: "conv zero in", op: New2D(0, 4, 3), in: conv448, want: "in channels must be ≥ 1, have 0"},
		{name: "conv negative out", op: New2D(4, -8, 3), in: conv448, want: "out channels must be ≥ 1, have -8"},
		{name: "conv zero kernel", op: New2D(4, 8, 0), in: conv448, want: "kernel height must be ≥ 1, have 0"},
		{name: "conv negative kernel width", op: Conv2D{In: 4, Out: 8, KernelH: 3, KernelW: -3, StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, Groups: 1}, in: conv448, want: "kernel width must be ≥ 1, have -3"},
		{name: "conv zero stride", op: New2D(4, 8, 3).WithStride(0), in: conv448, want: "stride height must be ≥ 1, have 0"},
		{name: "conv negative stride width", op: Conv2D{In: 4, Out: 8, KernelH: 3, KernelW: 3, StrideH: 1, StrideW: -2, DilationH: 1, DilationW: 1, Groups: 1}, in: conv448, want: "stride width must be ≥ 1, have -2"},
		{name: "conv zero dilation", op: New2D(4, 8, 3).WithDilation(0), in: conv448, want: "dilation height must be ≥ 1, have 0"},
		{name: "conv negative dilation width", op: Conv2D{In: 4, Out: 8, KernelH: 3, KernelW: 3, StrideH: 1, StrideW: 1, DilationH: 1, DilationW: -1, Groups: 1}, in: conv448, want: "dilation width must be ≥ 1, have -1"},
		{name: "conv zero groups", op: New2D(4, 8, 3).WithGroups(0), in: conv448, want: "groups must be ≥ 1, have 0"},
		{name: "conv negative groups", op: New2D(4, 8, 3).WithGroups(-2), in: conv448, want: "groups must be ≥ 1, have -2"},
		{name: "conv zero-value spec", op: Conv2D{}, in: conv448, want: "in channels must be ≥ 1"},
		{name: "conv negative padding", op: New2D(4, 8, 3).WithPadding(explicit(0, 0, -1, 0)), in: conv448, want: "negative padding"},
		{name: "conv huge padding", op: New2D(4, 8, 3).WithPadding(Pad(maxDim + 1)), in: conv448, want: "exceeds the limit"},
		{name: "conv kernel larger than input", op: New2D(4, 8, 5), in: []int{1, 4, 3, 3}, want: "larger than the padded input", shapeOnly: true},
		{name: "conv kernel larger than padded input", op: New2D(4, 8, 6).WithPadding(Pad(1)), in: []int{1, 4, 3, 3}, want: "kernel extent 6x6 (dilation included) is larger than the padded input 5x5", shapeOnly: true},
		{name: "conv dilated kernel larger than input", op: New2D(4, 8, 3).WithDilation(3), in: []int{1, 4, 6, 6}, want: "kernel extent 7x7", shapeOnly: true},
		{name: "conv wide kernel larger than input", op: Conv2D{In: 4, Out: 8, KernelH: 1, KernelW: 9, StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, Groups: 1}, in: conv448, want: "larger than the padded input 8x8", shapeOnly: true},
		{name: "conv same with stride 2", op: New2D(4, 8, 3).WithPadding(samePad).WithStride(2), in: conv448, want: "padding 'same' needs stride 1, have 2x2"},
		{name: "conv same with stride width 2", op: Conv2D{In: 4, Out: 8, KernelH: 3, KernelW: 3, StrideH: 1, StrideW: 2, DilationH: 1, DilationW: 1, Groups: 1, Padding: samePad}, in: conv448, want: "padding 'same' needs stride 1, have 1x2"},
		{name: "conv unknown pad mode", op: New2D(4, 8, 3).WithPadding(Padding{Mode: 7}), in: conv448, want: "unknown padding mode 7"},
		{name: "conv negative pad mode", op: New2D(4, 8, 3).WithPadding(Padding{Mode: -1}), in: conv448, want: "unknown padding mode -1"},
		{name: "conv rank 3 input", op: New2D(4, 8, 3), in: []int{4, 8, 8}, want: "input must be 4-D NCHW, have shape [4 8 8]", shapeOnly: true},
		{name: "conv rank 5 input", op: New2D(4, 8, 3), in: []int{1, 4, 8, 8, 1}, want: "input must be 4-D NCHW", shapeOnly: true},
		{name: "conv nil input shape", op: New2D(4, 8, 3), in: nil, want: "input must be 4-D NCHW", shapeOnly: true},
		{name: "conv wrong channels", op: New2D(4, 8, 3), in: []int{1, 3, 8, 8}, want: "input has 3 channels, spec expects 4", shapeOnly: true},
		{name: "conv zero batch", op: New2D(4, 8, 3), in: []int{0, 4, 8, 8}, want: "input dimension 0 is 0", shapeOnly: true},
		{name: "conv negative height", op: New2D(4, 8, 3), in: []int{1, 4, -8, 8}, want: "input dimension 2 is -8", shapeOnly: true},
		{name: "conv huge width", op: New2D(4, 8, 3), in: []int{1, 4, 8, maxDim + 1}, want: "input dimension 3 is 16777217", shapeOnly: true},
		{name: "conv huge in", op: New2D(maxDim+1, 1, 1), in: []int{1, maxDim + 1, 1, 1}, want: "in channels 16777217 exceeds the limit 16777216"},
		{name: "conv max-int kernel", op: New2D(4, 8, math.MaxInt), in: conv448, want: "kernel height 9223372036854775807 exceeds the limit"},
		{name: "conv min-int stride", op: New2D(4, 8, 3).WithStride(math.MinInt), in: conv448, want: "stride height must be ≥ 1"},
		{name: "conv huge weight", op: New2D(1<<16, 1<<16, 1), in: []int{1, 1 << 16, 1, 1}, want: "weight [65536 65536 1 1] is too large"},
		{name: "conv huge input", op: New2D(4, 8, 1), in: []int{1 << 12, 4, 1 << 12, 1 << 12}, want: "has more than 2147483648 elements", shapeOnly: true},
		{name: "conv huge output", op: New2D(1, 8, 1), in: []int{1 << 10, 1, 1 << 10, 1 << 10}, want: "output [1024 8 1024 1024] is too large", shapeOnly: true},
		{
			// Out·(In/G)·KH·KW = 2^88 wraps to 0 in the int64 product of
			// Conv2D.Validate, so a weight of 2^88 elements passes.
			name: "conv weight size overflow",
			op:   Conv2D{In: 1 << 24, Out: 1 << 24, KernelH: 1 << 24, KernelW: 1 << 16, StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, Groups: 1},
			in:   []int{1, 1 << 24, 1, 1}, want: "is too large",
		},
		{
			// N·M·OH·OW = 2^13·(2^25+1)^2 > 2^63 wraps negative in the int64
			// product of Conv2D.geometry, passes the MaxElems check, and
			// Forward then panics in tensor.New.
			name: "conv output size overflow",
			op:   New2D(1, 1, 1).WithPadding(Pad(1 << 24)),
			in:   []int{1 << 13, 1, 1, 1}, want: "is too large", shapeOnly: true,
		},

		// Shuffle.
		{name: "shuffle zero groups", op: Shuffle{}, in: []int{1, 6, 2, 2}, want: "groups must be ≥ 1, have 0"},
		{name: "shuffle negative groups", op: Shuffle{Groups: -3}, in: []int{1, 6, 2, 2}, want: "groups must be ≥ 1, have -3"},
		{name: "shuffle huge groups", op: Shuffle{Groups: maxDim + 1}, in: []int{1, 6, 2, 2}, want: "exceeds the limit"},
		{name: "shuffle groups do not divide C", op: Shuffle{Groups: 4}, in: []int{1, 6, 2, 2}, want: "groups 4 does not divide 6 channels", shapeOnly: true},
		{name: "unshuffle groups do not divide C", op: Shuffle{Groups: 4, Inverse: true}, in: []int{2, 6, 1, 1}, want: "groups 4 does not divide 6 channels", shapeOnly: true},
		{name: "shuffle groups above C", op: Shuffle{Groups: 12}, in: []int{1, 6, 2, 2}, want: "groups 12 does not divide 6 channels", shapeOnly: true},
		{name: "shuffle rank 2", op: Shuffle{Groups: 2}, in: []int{6, 4}, want: "input must be 4-D NCHW", shapeOnly: true},
		{name: "shuffle zero channels", op: Shuffle{Groups: 2}, in: []int{1, 0, 2, 2}, want: "input dimension 1 is 0", shapeOnly: true},

		// ChannelWise.
		{name: "cw zero in", op: ChannelWise{Kernel: 3, Stride: 1}, in: []int{1, 4, 2, 2}, want: "in channels must be ≥ 1, have 0"},
		{name: "cw zero kernel", op: ChannelWise{In: 4, Stride: 1}, in: []int{1, 4, 2, 2}, want: "kernel must be ≥ 1, have 0"},
		{name: "cw negative stride", op: ChannelWise{In: 4, Kernel: 3, Stride: -1}, in: []int{1, 4, 2, 2}, want: "stride must be ≥ 1, have -1"},
		{name: "cw negative padding", op: ChannelWise{In: 4, Kernel: 3, Stride: 1, Padding: ChanPadding{Front: -1}}, in: []int{1, 4, 2, 2}, want: "padding must be in 0..16777216"},
		{name: "cw huge padding", op: ChannelWise{In: 4, Kernel: 3, Stride: 1, Padding: ChanPadding{Back: maxDim + 1}}, in: []int{1, 4, 2, 2}, want: "padding must be in 0..16777216"},
		{name: "cw kernel longer than padded channels", op: ChannelWise{In: 3, Kernel: 5, Stride: 1, Padding: ChanPadding{Back: 1}}, in: []int{1, 3, 2, 2}, want: "kernel 5 is longer than the 4 padded channels"},
		{name: "cw wrong channels", op: NewChannelWise(8, 3), in: []int{1, 6, 2, 2}, want: "input has 6 channels, spec expects 8", shapeOnly: true},
		{name: "cw rank 3", op: NewChannelWise(8, 3), in: []int{8, 2, 2}, want: "input must be 4-D NCHW", shapeOnly: true},
		{
			// Out = 2^25 + 1 channels on an 8×8 map: 2^31 + 64 > MaxElems
			// output elements from a 64-element input, and ChannelWise never
			// checks the output size.
			name: "cw huge output",
			op:   ChannelWise{In: 1, Kernel: 1, Stride: 1, Padding: ChanPadding{Front: maxDim, Back: maxDim}},
			in:   []int{1, 1, 8, 8}, want: "too large", shapeOnly: true,
		},

		// GroupChannelWise.
		{name: "gcw groups do not divide out", op: GroupChannelWise{In: 8, Out: 8, Groups: 3, Kernel: 3}, in: []int{1, 8, 2, 2}, want: "groups 3 does not divide 8 output channels"},
		{name: "gcw kernels cannot cover input", op: GroupChannelWise{In: 16, Out: 4, Groups: 2, Kernel: 3}, in: []int{1, 16, 2, 2}, want: "cover only 5 of 16 input channels"},
		{name: "gcw zero groups", op: GroupChannelWise{In: 8, Out: 8, Kernel: 3}, in: []int{1, 8, 2, 2}, want: "groups must be ≥ 1, have 0"},
		{name: "gcw zero kernel", op: GroupChannelWise{In: 8, Out: 8, Groups: 2}, in: []int{1, 8, 2, 2}, want: "kernel must be ≥ 1, have 0"},
		{name: "gcw negative out", op: GroupChannelWise{In: 8, Out: -8, Groups: 2, Kernel: 3}, in: []int{1, 8, 2, 2}, want: "out channels must be ≥ 1, have -8"},
		{name: "gcw wrong channels", op: NewGroupChannelWise(8, 2, 4), in: []int{1, 9, 2, 2}, want: "input has 9 channels, spec expects 8", shapeOnly: true},
		{
			name: "gcw huge weight",
			op:   GroupChannelWise{In: 1, Out: maxDim, Groups: maxDim, Kernel: maxDim},
			in:   []int{1, 1, 1, 1}, want: "too large",
		},
		{
			name: "gcw huge output",
			op:   GroupChannelWise{In: 1, Out: maxDim, Groups: 1, Kernel: 1},
			in:   []int{1, 1, 8, 32}, want: "too large", shapeOnly: true,
		},

		// Classifier.
		{name: "ccl more classes than channels", op: Classifier{In: 8, Classes: 10, Size: 7}, in: []int{1, 8, 7, 7}, want: "10 classes need at least as many input channels, have 8"},
		{name: "ccl zero classes", op: Classifier{In: 8, Size: 7}, in: []int{1, 8, 7, 7}, want: "classes must be ≥ 1, have 0"},
		{name: "ccl zero size", op: Classifier{In: 8, Classes: 4}, in: []int{1, 8, 7, 7}, want: "size must be ≥ 1, have 0"},
		{name: "ccl negative in", op: Classifier{In: -1, Classes: 4, Size: 7}, in: []int{1, 8, 7, 7}, want: "in channels must be ≥ 1, have -1"},
		{name: "ccl map smaller", op: Classifier{In: 8, Classes: 4, Size: 7}, in: []int{1, 8, 5, 5}, want: "input map is 5x5, the layer covers exactly 7x7", shapeOnly: true},
		{name: "ccl map larger", op: Classifier{In: 8, Classes: 4, Size: 7}, in: []int{1, 8, 9, 9}, want: "input map is 9x9", shapeOnly: true},
		{name: "ccl map not square", op: Classifier{In: 8, Classes: 4, Size: 7}, in: []int{1, 8, 7, 6}, want: "input map is 7x6", shapeOnly: true},
		{name: "ccl wrong channels", op: Classifier{In: 8, Classes: 4, Size: 7}, in: []int{1, 7, 7, 7}, want: "input has 7 channels, spec expects 8", shapeOnly: true},
		{name: "ccl huge kernel", op: Classifier{In: maxDim, Classes: 1, Size: 1 << 4}, in: []int{1, maxDim, 16, 16}, want: "weight [1 "},
		{
			// Kernel·Size² = 2^16·2^48 = 2^64 wraps to 0 in Classifier.Validate.
			name: "ccl kernel size overflow",
			op:   Classifier{In: 1 << 16, Classes: 1, Size: maxDim},
			in:   []int{1, 1 << 16, 1, 1}, want: "weight [1 ",
		},

		// DWSChannelWise.
		{name: "dws zero stride", op: DWSChannelWise{In: 4, Kernel: 3, Stride: 0, Padding: Pad(1), ChanKernel: 3}, in: []int{1, 4, 6, 6}, want: "depthwise stage: conv: Conv2d: stride height must be ≥ 1, have 0"},
		{name: "dws zero chan kernel", op: NewDWSChannelWise(4, 3, 0), in: []int{1, 4, 6, 6}, want: "channel-wise stage: conv: ChannelWise: kernel must be ≥ 1, have 0"},
		{name: "dws zero in", op: NewDWSChannelWise(0, 3, 3), in: []int{1, 4, 6, 6}, want: "depthwise stage"},
		{name: "dws same with stride 2", op: DWSChannelWise{In: 4, Kernel: 3, Stride: 2, Padding: samePad, ChanKernel: 3}, in: []int{1, 4, 6, 6}, want: "padding 'same' needs stride 1"},
		{name: "dws kernel larger than input", op: DWSChannelWise{In: 4, Kernel: 5, Stride: 1, Padding: Padding{Mode: Valid}, ChanKernel: 3}, in: []int{1, 4, 3, 3}, want: "larger than the padded input", shapeOnly: true},
		{name: "dws wrong channels", op: NewDWSChannelWise(4, 3, 3), in: []int{1, 5, 6, 6}, want: "input has 5 channels, spec expects 4", shapeOnly: true},
	}
	rng := rand.New(rand.NewPCG(1, 1))
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var verr, serr error
			noPanic(t, "Validate", func() { verr = tc.op.Validate() })
			noPanic(t, "OutputShape", func() { _, serr = tc.op.OutputShape(tc.in) })
			noPanic(t, "String", func() { _ = tc.op.String() })
			if tc.shapeOnly {
				if verr != nil {
					t.Errorf("Validate: %v, want nil (the spec is fine on its own)", verr)
				}
			} else {
				checkErr(t, "Validate", verr, tc.want)
			}
			checkErr(t, "OutputShape", serr, tc.want)
			// Forward and Backward must fail the same way and not panic,
			// whatever parameter tensors they get.
			x := tensorFor(rng, tc.in)
			ps := paramsFor(rng, tc.op)
			dy := tensor.New(1, 1, 1, 1)
			want := tc.want
			if n, err := tensor.NumElems(tc.in); err != nil || n != len(x.Data) {
				// A placeholder input (too large to allocate) is first
				// rejected for lacking data; any "conv:" error will do.
				want = ""
			}
			noPanic(t, "Forward", func() {
				_, err := tc.op.Forward(x, ps...)
				checkErr(t, "Forward", err, want)
			})
			noPanic(t, "Backward", func() {
				_, err := tc.op.Backward(x, dy, ps...)
				checkErr(t, "Backward", err, want)
			})
		})
	}
}

func TestOutputShapes(t *testing.T) {
	cases := []struct {
		op     Op
		in     []int
		out    []int
		params [][]int
	}{
		// Conv2D, PyTorch's H_out = ⌊(H + pads − d·(k−1) − 1)/s⌋ + 1.
		{New2D(3, 8, 3), []int{2, 3, 32, 32}, []int{2, 8, 30, 30}, [][]int{{8, 3, 3, 3}}},
		{New2D(3, 32, 3).WithStride(2).WithPadding(Pad(1)), []int{1, 3, 224, 224}, []int{1, 32, 112, 112}, [][]int{{32, 3, 3, 3}}},
		{New2D(2, 2, 3).WithStride(2).WithPadding(Pad(1)), []int{1, 2, 7, 7}, []int{1, 2, 4, 4}, nil},                   // (7+2−3)/2+1 = 4
		{New2D(2, 2, 3).WithStride(2), []int{1, 2, 8, 8}, []int{1, 2, 3, 3}, nil},                                       // (8−3)/2+1 = 3, last row dropped
		{New2D(2, 2, 2).WithStride(2), []int{1, 2, 7, 6}, []int{1, 2, 3, 3}, nil},                                       // floor division
		{New2D(2, 2, 3).WithStride(3), []int{1, 2, 3, 3}, []int{1, 2, 1, 1}, nil},                                       // stride larger than the rest
		{New2D(2, 3, 3).WithDilation(2), []int{1, 2, 10, 10}, []int{1, 3, 6, 6}, nil},                                   // extent 5
		{New2D(2, 3, 3).WithDilation(3).WithPadding(Pad(1)).WithStride(2), []int{1, 2, 15, 15}, []int{1, 3, 6, 6}, nil}, // (15+2−7)/2+1
		{New2D(2, 2, 3).WithPadding(Padding{Mode: Valid}), []int{1, 2, 5, 5}, []int{1, 2, 3, 3}, nil},
		{New2D(1, 1, 2).WithPadding(explicit(1, 0, 0, 2)), []int{1, 1, 4, 4}, []int{1, 1, 4, 5}, nil}, // asymmetric
		{Conv2D{In: 2, Out: 4, KernelH: 1, KernelW: 7, StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, Groups: 1, Padding: explicit(0, 0, 3, 3)},
			[]int{1, 2, 5, 9}, []int{1, 4, 5, 9}, [][]int{{4, 2, 1, 7}}},
		{Conv2D{In: 2, Out: 4, KernelH: 3, KernelW: 3, StrideH: 2, StrideW: 1, DilationH: 1, DilationW: 2, Groups: 1},
			[]int{1, 2, 9, 9}, []int{1, 4, 4, 5}, nil}, // H (9−3)/2+1 = 4, W 9−5+1 = 5
		// 'same': the size is kept for odd and even kernels and dilations.
		{New2D(4, 4, 3).WithPadding(samePad), []int{1, 4, 17, 9}, []int{1, 4, 17, 9}, nil},
		{New2D(4, 4, 4).WithPadding(samePad), []int{1, 4, 10, 7}, []int{1, 4, 10, 7}, nil},
		{New2D(4, 4, 3).WithPadding(samePad).WithDilation(2), []int{1, 4, 5, 6}, []int{1, 4, 5, 6}, nil},
		{New2D(4, 4, 2).WithPadding(samePad).WithDilation(3), []int{1, 4, 5, 6}, []int{1, 4, 5, 6}, nil},
		{Conv2D{In: 1, Out: 1, KernelH: 1, KernelW: 4, StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, Groups: 1, Padding: samePad},
			[]int{1, 1, 3, 3}, []int{1, 1, 3, 3}, nil},
		// Depthwise with depth multiplier, groups, pointwise, bias.
		{Depthwise(4, 3, 2), []int{2, 4, 6, 6}, []int{2, 8, 6, 6}, [][]int{{8, 1, 3, 3}}},
		{Depthwise(32, 3, 1).WithStride(2), []int{1, 32, 112, 112}, []int{1, 32, 56, 56}, [][]int{{32, 1, 3, 3}}},
		{Depthwise(3, 5, 1), []int{1, 3, 5, 5}, []int{1, 3, 5, 5}, [][]int{{3, 1, 5, 5}}},
		{New2D(6, 9, 3).WithGroups(3), []int{1, 6, 5, 5}, []int{1, 9, 3, 3}, [][]int{{9, 2, 3, 3}}},
		{New2D(2, 5, 1).WithBias(), []int{3, 2, 4, 4}, []int{3, 5, 4, 4}, [][]int{{5, 2, 1, 1}, {5}}},
		{Pointwise(16, 32), []int{1, 16, 7, 7}, []int{1, 32, 7, 7}, [][]int{{32, 16, 1, 1}}},
		// Shuffle keeps the shape.
		{Shuffle{Groups: 3}, []int{2, 6, 4, 5}, []int{2, 6, 4, 5}, [][]int{}},
		{Shuffle{Groups: 2, Inverse: true}, []int{1, 8, 1, 1}, []int{1, 8, 1, 1}, [][]int{}},
		{Shuffle{Groups: 1}, []int{1, 1, 1, 1}, []int{1, 1, 1, 1}, [][]int{}},
		// ChannelWise: 'same' gives ⌈In/Stride⌉ channels, explicit the 1-D formula.
		{ChannelWise{In: 7, Kernel: 3, Stride: 2, Padding: ChanPadding{Same: true}}, []int{1, 7, 3, 3}, []int{1, 4, 3, 3}, [][]int{{1, 3, 1, 1}}},
		{ChannelWise{In: 8, Kernel: 3, Stride: 2, Padding: ChanPadding{Same: true}}, []int{1, 8, 3, 3}, []int{1, 4, 3, 3}, nil},
		{ChannelWise{In: 9, Kernel: 5, Stride: 3, Padding: ChanPadding{Same: true}}, []int{1, 9, 1, 2}, []int{1, 3, 1, 2}, nil},
		{ChannelWise{In: 10, Kernel: 2, Stride: 4, Padding: ChanPadding{Same: true}}, []int{1, 10, 1, 1}, []int{1, 3, 1, 1}, nil},
		{ChannelWise{In: 5, Kernel: 3, Stride: 2, Padding: ChanPadding{Front: 9, Back: 9, Same: true}}, []int{1, 5, 1, 1}, []int{1, 3, 1, 1}, nil}, // Same ignores Front/Back
		{NewChannelWise(64, 8), []int{2, 64, 7, 7}, []int{2, 64, 7, 7}, [][]int{{1, 8, 1, 1}}},
		{NewChannelWise(5, 7), []int{1, 5, 2, 2}, []int{1, 5, 2, 2}, nil}, // kernel longer than In: SAME pads 3+3
		{ChannelWise{In: 10, Kernel: 3, Stride: 1, Padding: ChanPadding{Front: 1, Back: 1}}, []int{1, 10, 2, 2}, []int{1, 10, 2, 2}, nil},
		{ChannelWise{In: 10, Kernel: 3, Stride: 2, Padding: ChanPadding{Front: 1, Back: 1}}, []int{1, 10, 2, 2}, []int{1, 5, 2, 2}, nil},
		{ChannelWise{In: 10, Kernel: 3, Stride: 2}, []int{1, 10, 2, 2}, []int{1, 4, 2, 2}, nil},
		{ChannelWise{In: 10, Kernel: 3, Stride: 3, Padding: ChanPadding{Front: 2}}, []int{1, 10, 2, 2}, []int{1, 4, 2, 2}, nil},
		{ChannelWise{In: 4, Kernel: 4, Stride: 1}, []int{3, 4, 1, 1}, []int{3, 1, 1, 1}, nil},
		// GroupChannelWise.
		{NewGroupChannelWise(512, 2, 8), []int{1, 512, 14, 14}, []int{1, 512, 14, 14}, [][]int{{2, 8, 1, 1}}},
		{GroupChannelWise{In: 8, Out: 4, Groups: 2, Kernel: 6}, []int{2, 8, 3, 3}, []int{2, 4, 3, 3}, [][]int{{2, 6, 1, 1}}},
		{GroupChannelWise{In: 6, Out: 9, Groups: 3, Kernel: 2}, []int{1, 6, 2, 2}, []int{1, 9, 2, 2}, [][]int{{3, 2, 1, 1}}},
		{GroupChannelWise{In: 5, Out: 5, Groups: 5, Kernel: 5}, []int{1, 5, 2, 1}, []int{1, 5, 2, 1}, nil},
		// Classifier: d_c = In − Classes + 1.
		{Classifier{In: 1024, Classes: 1000, Size: 7}, []int{2, 1024, 7, 7}, []int{2, 1000, 1, 1}, [][]int{{1, 25, 7, 7}}},
		{Classifier{In: 10, Classes: 10, Size: 1}, []int{1, 10, 1, 1}, []int{1, 10, 1, 1}, [][]int{{1, 1, 1, 1}}},
		{Classifier{In: 6, Classes: 1, Size: 3}, []int{4, 6, 3, 3}, []int{4, 1, 1, 1}, [][]int{{1, 6, 3, 3}}},
		// DWSChannelWise keeps the channels.
		{NewDWSChannelWise(1024, 3, 64), []int{1, 1024, 7, 7}, []int{1, 1024, 7, 7}, [][]int{{1024, 1, 3, 3}, {1, 64, 1, 1}}},
		{DWSChannelWise{In: 8, Kernel: 3, Stride: 2, Padding: Pad(1), ChanKernel: 3}, []int{1, 8, 14, 14}, []int{1, 8, 7, 7}, nil},
		{DWSChannelWise{In: 8, Kernel: 3, Stride: 1, Padding: samePad, ChanKernel: 4}, []int{2, 8, 5, 6}, []int{2, 8, 5, 6}, nil},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%v/%v", tc.op, tc.in), func(t *testing.T) {
			if err := tc.op.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			in := slices.Clone(tc.in)
			got, err := tc.op.OutputShape(in)
			if err != nil {
				t.Fatalf("OutputShape: %v", err)
			}
			if !slices.Equal(got, tc.out) {
				t.Errorf("OutputShape(%v) = %v, want %v", tc.in, got, tc.out)
			}
			got[0] = -1
			if !slices.Equal(in, tc.in) {
				t.Errorf("OutputShape's result aliases its argument")
			}
			if tc.params != nil {
				var shapes [][]int
				for _, p := range tc.op.Params() {
					shapes = append(shapes, p.Shape)
				}
				if len(shapes) != len(tc.params) {
					t.Fatalf("Params = %v, want shapes %v", tc.op.Params(), tc.params)
				}
				for i := range shapes {
					if !slices.Equal(shapes[i], tc.params[i]) {
						t.Errorf("Params = %v, want shapes %v", tc.op.Params(), tc.params)
					}
				}
			}
		})
	}
}

func TestPads(t *testing.T) {
	cases := []struct {
		s          Conv2D
		t, b, l, r int
	}{
		{New2D(1, 1, 3).WithPadding(samePad), 1, 1, 1, 1},
		// Even kernels: total k−1 is odd, the extra element at the end.
		{New2D(1, 1, 4).WithPadding(samePad), 1, 2, 1, 2},
		{New2D(1, 1, 2).WithPadding(samePad), 0, 1, 0, 1},
		{New2D(1, 1, 3).WithPadding(samePad).WithDilation(2), 2, 2, 2, 2},
		{New2D(1, 1, 2).WithPadding(samePad).WithDilation(3), 1, 2, 1, 2},
		{Conv2D{In: 1, Out: 1, KernelH: 1, KernelW: 6, StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, Groups: 1, Padding: samePad}, 0, 0, 2, 3},
		{New2D(1, 1, 3).WithPadding(Padding{Mode: Valid}), 0, 0, 0, 0},
		{New2D(1, 1, 3).WithPadding(explicit(1, 2, 3, 4)), 1, 2, 3, 4},
		{Depthwise(3, 5, 1), 2, 2, 2, 2},
	}
	for _, tc := range cases {
		tt, b, l, r := tc.s.Pads()
		if tt != tc.t || b != tc.b || l != tc.l || r != tc.r {
			t.Errorf("%v.Pads() = %d, %d, %d, %d, want %d, %d, %d, %d", tc.s, tt, b, l, r, tc.t, tc.b, tc.l, tc.r)
		}
	}
}

func TestParamNames(t *testing.T) {
	names := func(op Op) []string {
		var n []string
		for _, p := range op.Params() {
			n = append(n, p.Name)
		}
		return n
	}
	for _, tc := range []struct {
		op   Op
		want []string
	}{
		{New2D(1, 2, 3), []string{"weight"}},
		{New2D(1, 2, 3).WithBias(), []string{"weight", "bias"}},
		{Shuffle{Groups: 2}, nil},
		{NewChannelWise(4, 3), []string{"weight"}},
		{NewGroupChannelWise(4, 2, 3), []string{"weight"}},
		{Classifier{In: 4, Classes: 2, Size: 3}, []string{"weight"}},
		{NewDWSChannelWise(4, 3, 3), []string{"depthwise.weight", "channelwise.weight"}},
	} {
		if got := names(tc.op); !slices.Equal(got, tc.want) {
			t.Errorf("%v: param names %q, want %q", tc.op, got, tc.want)
		}
	}
}

func TestDerivedSizes(t *testing.T) {
	for _, tc := range []struct {
		s    ChannelWise
		want int
	}{
		{NewChannelWise(64, 8), 64},
		{ChannelWise{In: 7, Kernel: 3, Stride: 2, Padding: ChanPadding{Same: true}}, 4},
		{ChannelWise{In: 10, Kernel: 3, Stride: 2}, 4},
		{ChannelWise{In: 3, Kernel: 5, Stride: 1}, 0}, // invalid
		{ChannelWise{}, 0},
	} {
		if got := tc.s.Out(); got != tc.want {
			t.Errorf("%v.Out() = %d, want %d", tc.s, got, tc.want)
		}
	}
	if k := (Classifier{In: 1024, Classes: 1000, Size: 7}).Kernel(); k != 25 {
		t.Errorf("Classifier(1024 → 1000).Kernel() = %d, want 25", k)
	}
}

// validOps is one valid spec of every kind with an input shape and, for
// Conv2D, the variants whose wiring differs (bias, groups).
func validOps() []struct {
	op Op
	in []int
} {
	return []struct {
		op Op
		in []int
	}{
		{New2D(3, 4, 3).WithPadding(Pad(1)), []int{2, 3, 5, 4}},
		{New2D(4, 6, 3).WithGroups(2).WithStride(2).WithBias(), []int{1, 4, 7, 6}},
		{Depthwise(3, 3, 2).WithDilation(2).WithPadding(Padding{Mode: Same}), []int{2, 3, 5, 5}},
		{Shuffle{Groups: 3}, []int{2, 6, 2, 3}},
		{Shuffle{Groups: 2, Inverse: true}, []int{1, 6, 2, 1}},
		{ChannelWise{In: 7, Kernel: 3, Stride: 2, Padding: ChanPadding{Same: true}}, []int{2, 7, 3, 2}},
		{ChannelWise{In: 6, Kernel: 4, Stride: 1, Padding: ChanPadding{Front: 2}}, []int{1, 6, 2, 2}},
		{NewGroupChannelWise(8, 2, 4), []int{2, 8, 2, 3}},
		{Classifier{In: 6, Classes: 4, Size: 3}, []int{2, 6, 3, 3}},
		{NewDWSChannelWise(4, 3, 3), []int{2, 4, 5, 5}},
		{DWSChannelWise{In: 4, Kernel: 3, Stride: 2, Padding: Pad(1), ChanKernel: 2}, []int{1, 4, 6, 5}},
	}
}

func TestForwardBackwardErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	for _, tc := range validOps() {
		t.Run(tc.op.String(), func(t *testing.T) {
			op := tc.op
			x := tensorFor(rng, tc.in)
			ps := paramsFor(rng, op)
			out, err := op.OutputShape(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			dy := tensorFor(rng, out)
			fwd := func(what, want string, x *tensor.Tensor, ps ...*tensor.Tensor) {
				t.Helper()
				noPanic(t, what, func() {
					y, err := op.Forward(x, ps...)
					checkErr(t, "Forward with "+what, err, want)
					if y != nil {
						t.Errorf("Forward with %s returned a tensor with its error", what)
					}
				})
			}
			bwd := func(what, want string, x, dy *tensor.Tensor, ps ...*tensor.Tensor) {
				t.Helper()
				noPanic(t, what, func() {
					g, err := op.Backward(x, dy, ps...)
					checkErr(t, "Backward with "+what, err, want)
					if g != nil {
						t.Errorf("Backward with %s returned gradients with its error", what)
					}
				})
			}
			both := func(what, want string, x *tensor.Tensor, ps ...*tensor.Tensor) {
				t.Helper()
				fwd(what, want, x, ps...)
				bwd(what, want, x, dy, ps...)
			}

			both("a nil input", "nil input", nil, ps...)
			both("input data shorter than its shape", "does not match its",
				&tensor.Tensor{Shape: tc.in, Data: x.Data[:len(x.Data)-1]}, ps...)
			both("input data longer than its shape", "does not match its",
				&tensor.Tensor{Shape: tc.in, Data: append(slices.Clone(x.Data), 0)}, ps...)
			both("a negative input dimension", "does not match its",
				&tensor.Tensor{Shape: []int{tc.in[0], tc.in[1], -tc.in[2], tc.in[3]}, Data: x.Data}, ps...)
			flat, _ := x.Reshape(len(x.Data))
			both("a flat input", "input must be 4-D", flat, ps...)
			wide := tensorFor(rng, []int{tc.in[0], tc.in[1] + 1, tc.in[2], tc.in[3]})
			if _, isShuffle := op.(Shuffle); !isShuffle {
				both("an input with one channel too many", "input has", wide, ps...)
			}
			both("one parameter too many", "parameter tensors, got", x, append(slices.Clone(ps), x)...)
			if len(ps) > 0 {
				name := op.Params()[0].Name
				both("no parameters", fmt.Sprintf("takes %d parameter tensors, got 0", len(ps)), x)
				nilFirst := slices.Clone(ps)
				nilFirst[0] = nil
				both("a nil parameter", name+" is nil", x, nilFirst...)
				for i, p := range ps {
					bad := slices.Clone(ps)
					shape := slices.Clone(p.Shape)
					shape[0]++
					bad[i] = tensorFor(rng, shape)
					pname := op.Params()[i].Name
					both("a parameter of the wrong shape", fmt.Sprintf("%s has shape %v, want %v", pname, shape, p.Shape), x, bad...)
					bad[i] = &tensor.Tensor{Shape: p.Shape, Data: p.Data[1:]}
					both("parameter data shorter than its shape", pname+" has shape", x, bad...)
					if len(p.Shape) > 1 {
						bad[i], _ = p.Reshape(len(p.Data))
						both("a flattened parameter", pname+" has shape", x, bad...)
					}
				}
			}
			bwd("a nil output gradient", "nil output gradient", x, nil, ps...)
			bwdShape := slices.Clone(out)
			bwdShape[1]++
			bwd("an output gradient of the wrong shape", fmt.Sprintf("output gradient has shape %v, want %v", bwdShape, out), x, tensorFor(rng, bwdShape), ps...)
			// Same number of values, different shape: the last two axes swapped
			// (or a flat gradient when they are equal).
			swapped := []int{out[0], out[1], out[3], out[2]}
			if out[2] == out[3] {
				swapped = []int{len(dy.Data)}
			}
			bwd("an output gradient of another shape with as many values", "output gradient has shape",
				x, &tensor.Tensor{Shape: swapped, Data: dy.Data}, ps...)
			bwd("output gradient data shorter than its shape", "output gradient has shape",
				x, &tensor.Tensor{Shape: out, Data: dy.Data[1:]}, ps...)
			if !tensor.SameShape(tc.in, out) {
				bwd("an input-shaped output gradient", "output gradient has shape", x, x, ps...)
			}

			// The valid call works, and nothing above modified x or the params.
			x0 := x.Clone()
			var p0 []*tensor.Tensor
			for _, p := range ps {
				p0 = append(p0, p.Clone())
			}
			y, err := op.Forward(x, ps...)
			if err != nil {
				t.Fatalf("valid Forward: %v", err)
			}
			if !slices.Equal(y.Shape, out) || len(y.Data) != len(dy.Data) {
				t.Errorf("Forward output shape %v with %d values, want %v", y.Shape, len(y.Data), out)
			}
			g, err := op.Backward(x, dy, ps...)
			if err != nil {
				t.Fatalf("valid Backward: %v", err)
			}
			checkGradShapes(t, op, x, ps, g)
			if !slices.Equal(x.Data, x0.Data) {
				t.Error("Forward or Backward modified the input")
			}
			for i := range ps {
				if !slices.Equal(ps[i].Data, p0[i].Data) {
					t.Errorf("Forward or Backward modified parameter %d", i)
				}
			}
		})
	}
}

// checkGradShapes checks that g has one gradient per input and parameter,
// each of the right shape and size.
func checkGradShapes(t testing.TB, op Op, x *tensor.Tensor, ps []*tensor.Tensor, g *Grads) {
	t.Helper()
	if g == nil || g.X == nil {
		t.Fatalf("%v: Backward returned no input gradient", op)
	}
	if !slices.Equal(g.X.Shape, x.Shape) || len(g.X.Data) != len(x.Data) {
		t.Errorf("%v: input gradient shape %v (%d values), want %v", op, g.X.Shape, len(g.X.Data), x.Shape)
	}
	if len(g.Params) != len(ps) {
		t.Fatalf("%v: %d parameter gradients, want %d", op, len(g.Params), len(ps))
	}
	for i, p := range ps {
		if gp := g.Params[i]; gp == nil || !slices.Equal(gp.Shape, p.Shape) || len(gp.Data) != len(p.Data) {
			t.Errorf("%v: gradient of parameter %d is %v, want shape %v", op, i, gp, p.Shape)
		}
	}
}

// dot32 is Σ a·b in float64 and Σ |a·b|.
func dot32(a, b []float32) (sum, abs float64) {
	for i := range a {
		p := float64(a[i]) * float64(b[i])
		sum += p
		abs += math.Abs(p)
	}
	return sum, abs
}

// checkEuler checks the backward pass of op against its forward pass
// without finite differences. Every op is y = A(x, w₁, …) + b where A is
// linear in x and in each weight separately (b the optional bias), so by
// Euler's theorem for homogeneous functions, with L = ⟨y, r⟩ and g the
// gradients for dy = r:
//
//	⟨y, r⟩ = ⟨x, g_x⟩ + ⟨b, g_b⟩ = ⟨wᵢ, g_wᵢ⟩ + ⟨b, g_b⟩ for every weight wᵢ.
//
// A gradient with a wrong index, sign or scale breaks one of these. Values
// are float32 (relative rounding 6e-8 per stored value) summed in float64,
// so the sides agree to about 1e-7 of Σ|terms|; the tolerance 1e-5 of it
// leaves a factor of 100.
func checkEuler(t testing.TB, op Op, x *tensor.Tensor, ps []*tensor.Tensor, y, r *tensor.Tensor, g *Grads) {
	t.Helper()
	lhs, scale := dot32(y.Data, r.Data)
	var bias, biasAbs float64
	for i, p := range op.Params() {
		if p.Name == "bias" {
			bias, biasAbs = dot32(ps[i].Data, g.Params[i].Data)
		}
	}
	check := func(name string, a, ga []float32) {
		t.Helper()
		rhs, abs := dot32(a, ga)
		tol := 1e-5 * (scale + abs + biasAbs + 1e-3)
		if math.Abs(lhs-(rhs+bias)) > tol {
			t.Errorf("%v: ⟨y, r⟩ = %.9g but ⟨%s, grad⟩ + bias term = %.9g (tolerance %.3g)", op, lhs, name, rhs+bias, tol)
		}
	}
	check("x", x.Data, g.X.Data)
	for i, p := range op.Params() {
		if p.Name != "bias" {
			check(p.Name, ps[i].Data, g.Params[i].Data)
		}
	}
}

func TestBackwardConsistentWithForward(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	for _, tc := range validOps() {
		x := tensorFor(rng, tc.in)
		ps := paramsFor(rng, tc.op)
		y, err := tc.op.Forward(x, ps...)
		if err != nil {
			t.Fatalf("%v: %v", tc.op, err)
		}
		r := tensorFor(rng, y.Shape)
		g, err := tc.op.Backward(x, r, ps...)
		if err != nil {
			t.Fatalf("%v: %v", tc.op, err)
		}
		checkGradShapes(t, tc.op, x, ps, g)
		checkEuler(t, tc.op, x, ps, y, r, g)
	}
}

func TestForwardSemantics(t *testing.T) {
	// Spot checks that the public ops wire the reference the documented way.
	rng := rand.New(rand.NewPCG(4, 4))
	seq := func(shape ...int) *tensor.Tensor {
		t := tensor.New(shape...)
		for i := range t.Data {
			t.Data[i] = float32(i)
		}
		return t
	}
	ones := func(shape ...int) *tensor.Tensor {
		t := tensor.New(shape...)
		for i := range t.Data {
			t.Data[i] = 1
		}
		return t
	}
	must := func(y *tensor.Tensor, err error) []float32 {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return y.Data
	}

	// Depth multiplier 2: output channel c·2 + j reads input channel c.
	if got := must(Depthwise(2, 1, 2).Forward(seq(1, 2, 1, 1), seq(4, 1, 1, 1))); !slices.Equal(got, []float32{0, 0, 2, 3}) {
		t.Errorf("depth multiplier: got %v, want [0·0 0·1 1·2 1·3] = [0 0 2 3]", got)
	}
	// Shuffle: C=6, g=2 gives [0 3 1 4 2 5]; the inverse undoes it.
	sh := Shuffle{Groups: 2}
	y := must(sh.Forward(seq(1, 6, 1, 1)))
	if !slices.Equal(y, []float32{0, 3, 1, 4, 2, 5}) {
		t.Errorf("shuffle g=2: %v", y)
	}
	yt, _ := tensor.FromData(y, 1, 6, 1, 1)
	if back := must(Shuffle{Groups: 2, Inverse: true}.Forward(yt)); !slices.Equal(back, []float32{0, 1, 2, 3, 4, 5}) {
		t.Errorf("unshuffle g=2 of %v: %v", y, back)
	}
	if g3 := must(Shuffle{Groups: 3}.Forward(seq(1, 6, 1, 1))); !slices.Equal(g3, []float32{0, 2, 4, 1, 3, 5}) {
		t.Errorf("shuffle g=3: %v", g3)
	}
	// Bias: Forward with bias equals Forward without plus b per channel.
	x := tensorFor(rng, []int{2, 3, 4, 4})
	w := tensorFor(rng, []int{2, 3, 3, 3})
	b, _ := tensor.FromData([]float32{10, -20}, 2)
	nb := must(New2D(3, 2, 3).Forward(x, w))
	wb := must(New2D(3, 2, 3).WithBias().Forward(x, w, b))
	for i := range nb {
		if c := i / 4 % 2; math.Abs(float64(wb[i]-nb[i]-b.Data[c])) > 1e-5 {
			t.Fatalf("bias: output %d is %v without bias and %v with bias %v", i, nb[i], wb[i], b.Data[c])
		}
	}
	// SAME channel-wise on a 1×1 map with kernel [1 1 1]: a 3-tap moving sum.
	if got := must(NewChannelWise(5, 3).Forward(seq(1, 5, 1, 1), ones(1, 3, 1, 1))); !slices.Equal(got, []float32{1, 3, 6, 9, 7}) {
		t.Errorf("channel-wise same: %v, want [1 3 6 9 7]", got)
	}
	// Even SAME channel-wise kernel: total pad 1, at the end: y[d] = x[d] + x[d+1].
	if got := must(NewChannelWise(4, 2).Forward(seq(1, 4, 1, 1), ones(1, 2, 1, 1))); !slices.Equal(got, []float32{1, 3, 5, 3}) {
		t.Errorf("channel-wise same even kernel: %v, want [1 3 5 3]", got)
	}
	// Group channel-wise with Out = In = 4, g = 2, d_c = 2: no padding,
	// kernel 0 sums pairs, kernel 1 takes differences, kernel-major.
	gw, _ := tensor.FromData([]float32{1, 1, 1, -1}, 2, 2, 1, 1)
	if got := must(NewGroupChannelWise(4, 2, 2).Forward(seq(1, 4, 1, 1), gw)); !slices.Equal(got, []float32{1, 5, -1, -1}) {
		t.Errorf("group channel-wise: %v, want [1 5 -1 -1]", got)
	}
	// Group channel-wise with an odd total padding: In = 5, Out = 4, g = 2,
	// d_c = 4 pads (2−1)·2 + 4 − 5 = 1 channel, at the end, so output d of
	// kernel f reads channels 2d … 2d+3 (channel 5 reads zero): kernel
	// [1 1 1 1] gives 0+1+2+3 and 2+3+4, kernel [1 0 0 0] gives x0 and x2.
	gw2, _ := tensor.FromData([]float32{1, 1, 1, 1, 1, 0, 0, 0}, 2, 4, 1, 1)
	if got := must(GroupChannelWise{In: 5, Out: 4, Groups: 2, Kernel: 4}.Forward(seq(1, 5, 1, 1), gw2)); !slices.Equal(got, []float32{0 + 1 + 2 + 3, 2 + 3 + 4, 0, 2}) {
		t.Errorf("group channel-wise, odd padding: %v, want [6 9 0 2]", got)
	}
	// Classifier with weights of ones: class k sums channels k … k+d_c−1 over the map.
	if got := must(Classifier{In: 3, Classes: 2, Size: 2}.Forward(seq(1, 3, 2, 2), ones(1, 2, 2, 2))); !slices.Equal(got, []float32{0 + 1 + 2 + 3 + 4 + 5 + 6 + 7, 4 + 5 + 6 + 7 + 8 + 9 + 10 + 11}) {
		t.Errorf("classifier: %v", got)
	}
	// DWSChannelWise is its depthwise stage then its channel-wise stage.
	dws := NewDWSChannelWise(4, 3, 3)
	x = tensorFor(rng, []int{2, 4, 5, 5})
	ps := paramsFor(rng, dws)
	mid := must(dws.Depthwise().Forward(x, ps[0]))
	midT, _ := tensor.FromData(mid, 2, 4, 5, 5)
	want := must(dws.ChannelWise().Forward(midT, ps[1]))
	if got := must(dws.Forward(x, ps...)); !slices.Equal(got, want) {
		t.Error("DWSChannelWise.Forward differs from its two stages")
	}
}
