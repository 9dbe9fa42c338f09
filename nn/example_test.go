package nn_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/convkit/convkit/conv"
	"github.com/convkit/convkit/nn"
	"github.com/convkit/convkit/tensor"
)

// A small ChannelNets-style classifier for 28×28 grey images, trained for
// a few steps of plain gradient descent on one batch.
func Example() {
	rng := rand.New(rand.NewPCG(1, 2)) // the seed fixes the initial weights

	// A GCWM-like module: depthwise 3×3 → 1×1 group conv (g = 2) → BN →
	// ReLU → group channel-wise conv (g = 2, d_c = 8), plus the input.
	gcwm := nn.NewResidual(nn.NewSequential(
		nn.MustConv(conv.Depthwise(16, 3, 1), rng),
		nn.MustConv(conv.Pointwise(16, 16).WithGroups(2), rng),
		nn.MustBatchNorm2d(16),
		&nn.ReLU{},
		nn.MustConv(conv.NewGroupChannelWise(16, 2, 8), rng),
	), nil, nil)

	model := (&nn.Sequential{}).
		AppendNamed("features", nn.NewSequential(
			nn.MustConv(conv.New2D(1, 16, 3).WithStride(2).WithPadding(conv.Pad(1)), rng),
			nn.MustBatchNorm2d(16),
			&nn.ReLU{},
			gcwm,
			&nn.GlobalAvgPool{},
			&nn.Flatten{},
		)).
		AppendNamed("classifier", nn.MustLinear(16, 10, true, rng))

	x := tensor.New(4, 1, 28, 28)
	for i := range x.Data {
		x.Data[i] = rng.Float32()
	}
	labels := []int{0, 1, 2, 3}

	var first, last float64
	for step := range 20 {
		nn.ZeroGrad(model)
		logits, err := model.Forward(x)
		if err != nil {
			panic(err)
		}
		loss, dlogits, err := nn.CrossEntropy(logits, labels, 0)
		if err != nil {
			panic(err)
		}
		if _, err := model.Backward(dlogits); err != nil {
			panic(err)
		}
		for _, p := range nn.NamedParams(model) {
			for i, g := range p.Grad.Data {
				p.Value.Data[i] -= 0.1 * g
			}
		}
		if step == 0 {
			first = loss
		}
		last = loss
	}

	fmt.Println("parameters:", nn.NumParams(model))
	for _, p := range nn.NamedState(model)[6:12] {
		fmt.Println(p.Name, p.Value.Shape)
	}
	fmt.Println("loss went down:", last < first)
	// Output:
	// parameters: 666
	// features.3.body.0.weight [16 1 3 3]
	// features.3.body.1.weight [16 8 1 1]
	// features.3.body.2.weight [16]
	// features.3.body.2.bias [16]
	// features.3.body.2.running_mean [16]
	// features.3.body.2.running_var [16]
	// loss went down: true
}
