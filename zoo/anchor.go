package zoo

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/convkit/convkit/conv"
	"github.com/convkit/convkit/nn"
)

// AnchorNames are the networks of the PyTorch training-throughput anchors
// (../shared/anchors/train.py), which Anchor builds.
var AnchorNames = []string{"std", "dws"}

// Anchor builds one of the two small networks the training-throughput
// anchors time, for 1×28×28 input and 10 classes, with PyTorch's default
// initialisation drawn from seed:
//
//	std  conv3x3 1→32, conv3x3/2 32→64, conv3x3/2 64→128 (each + BatchNorm +
//	     ReLU), global average pooling, Linear 128→10
//	dws  the same with the last two convolutions replaced by depthwise
//	     separable blocks (dw3x3/2 + BN + ReLU, pw1x1 + BN + ReLU)
//
// Unlike New's families they are plain sequences, named by position as
// PyTorch's nn.Sequential names them.
func Anchor(name string, seed uint64) (nn.Layer, error) {
	rng := rand.New(rand.NewPCG(seed, 0x7a1))
	cbr := func(op conv.Conv2D) []nn.Layer {
		return []nn.Layer{nn.MustConv(op, rng), nn.MustBatchNorm2d(op.Out), &nn.ReLU{}}
	}
	c3 := func(in, out, stride int) conv.Conv2D {
		return conv.New2D(in, out, 3).WithStride(stride).WithPadding(conv.Pad(1))
	}
	dws := func(in, out, stride int) []nn.Layer {
		return append(cbr(conv.Depthwise(in, 3, 1).WithStride(stride)), cbr(conv.Pointwise(in, out))...)
	}
	var ls []nn.Layer
	switch name {
	case "std":
		ls = slices.Concat(cbr(c3(1, 32, 1)), cbr(c3(32, 64, 2)), cbr(c3(64, 128, 2)))
	case "dws":
		ls = slices.Concat(cbr(c3(1, 32, 1)), dws(32, 64, 2), dws(64, 128, 2))
	default:
		return nil, fmt.Errorf("zoo: unknown anchor network %q (have std, dws)", name)
	}
	ls = append(ls, &nn.GlobalAvgPool{}, &nn.Flatten{}, nn.MustLinear(128, 10, true, rng))
	return nn.NewSequential(ls...), nil
}
