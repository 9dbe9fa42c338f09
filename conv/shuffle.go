package conv

import (
	"fmt"

	"github.com/convkit/convkit/internal/geom"
	"github.com/convkit/convkit/tensor"
)

// Shuffle is ShuffleNet's channel shuffle in the paper's and PyTorch's
// order (nn.ChannelShuffle): the C channels viewed as (Groups, C/Groups)
// are transposed to (C/Groups, Groups) and flattened, so output channel i
// is input channel (i mod Groups)·(C/Groups) + ⌊i/Groups⌋. C=6, Groups=2
// gives [0 3 1 4 2 5].
//
// With Inverse it undoes that permutation (equal to a shuffle with C/Groups
// groups). The official ShuffleNet v1 code's shuffle(g) is this package's
// shuffle with C/g groups.
type Shuffle struct {
	Groups  int
	Inverse bool
}

func (s Shuffle) String() string {
	if s.Inverse {
		return fmt.Sprintf("ChannelUnshuffle(groups=%d)", s.Groups)
	}
	return fmt.Sprintf("ChannelShuffle(groups=%d)", s.Groups)
}

// Validate checks the spec on its own.
func (s Shuffle) Validate() error { return checkPositive("ChannelShuffle", "groups", s.Groups) }

// Params is empty: a shuffle has no parameters.
func (s Shuffle) Params() []Param { return nil }

func (s Shuffle) geometry(in []int) (geom.Shuffle, error) {
	if err := s.Validate(); err != nil {
		return geom.Shuffle{}, err
	}
	n, c, h, w, err := checkInput("ChannelShuffle", in, 0)
	if err != nil {
		return geom.Shuffle{}, err
	}
	if c%s.Groups != 0 {
		return geom.Shuffle{}, fmt.Errorf("conv: %v: groups %d does not divide %d channels", s, s.Groups, c)
	}
	g := geom.Shuffle{N: n, C: c, H: h, W: w, G: s.Groups}
	if s.Inverse {
		g.G = c / s.Groups
	}
	return g, nil
}

// OutputShape returns the input shape.
func (s Shuffle) OutputShape(in []int) ([]int, error) {
	if _, err := s.geometry(in); err != nil {
		return nil, err
	}
	return append([]int(nil), in...), nil
}

// Forward permutes the channels of x.
func (s Shuffle) Forward(x *tensor.Tensor, params ...*tensor.Tensor) (*tensor.Tensor, error) {
	out, err := checkTensors(s, x, params)
	if err != nil {
		return nil, err
	}
	return planForward(s, x, out, params)
}

// Backward applies the inverse permutation to dy.
func (s Shuffle) Backward(x, dy *tensor.Tensor, params ...*tensor.Tensor) (*Grads, error) {
	out, err := checkTensors(s, x, params)
	if err != nil {
		return nil, err
	}
	if err := checkGrad(s, dy, out); err != nil {
		return nil, err
	}
	return planBackward(s, x, dy, params)
}
