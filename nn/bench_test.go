package nn

import (
	"math/rand/v2"
	"testing"

	"github.com/convkit/convkit/conv"
)

// Element-wise layers on a MobileNet-sized activation of a Fashion-MNIST
// batch: 128 images × 32 channels × 14×14 (3.2 MB of float32). b.SetBytes
// counts the input and output of the forward, or dy, x and dx of the
// backward, so the MB/s figure is memory traffic.
func benchLayer(b *testing.B, l Layer, backward bool) {
	rng := rand.New(rand.NewPCG(1, 1))
	x := randTensor(rng, 128, 32, 14, 14)
	y, err := l.Forward(x)
	if err != nil {
		b.Fatal(err)
	}
	dy := randTensor(rng, y.Shape...)
	if backward {
		b.SetBytes(int64(4 * (2*len(y.Data) + len(x.Data))))
	} else {
		b.SetBytes(int64(4 * (len(x.Data) + len(y.Data))))
	}
	b.ResetTimer()
	for b.Loop() {
		if backward {
			_, err = l.Backward(dy)
		} else {
			_, err = l.Forward(x)
		}
		if err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBatchNormForward(b *testing.B)  { benchLayer(b, MustBatchNorm2d(32), false) }
func BenchmarkBatchNormBackward(b *testing.B) { benchLayer(b, MustBatchNorm2d(32), true) }
func BenchmarkReLUForward(b *testing.B)       { benchLayer(b, &ReLU{}, false) }
func BenchmarkReLUBackward(b *testing.B)      { benchLayer(b, &ReLU{}, true) }
func BenchmarkMaxPoolForward(b *testing.B)    { benchLayer(b, NewMaxPool2d(3, 2, 1), false) }
func BenchmarkMaxPoolBackward(b *testing.B)   { benchLayer(b, NewMaxPool2d(3, 2, 1), true) }
func BenchmarkAvgPoolForward(b *testing.B)    { benchLayer(b, NewAvgPool2d(3, 2, 1), false) }
func BenchmarkGlobalAvgPool(b *testing.B)     { benchLayer(b, &GlobalAvgPool{}, false) }

// BenchmarkTrainStep is one forward and backward pass of a small
// ChannelNet-like model on a Fashion-MNIST-shaped batch of 32; it is
// dominated by the convolutions behind conv.Plan.
func BenchmarkTrainStep(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	m := NewSequential(
		convBNReLU(conv.New2D(1, 16, 3).WithStride(2).WithPadding(conv.Pad(1)), rng),
		gcwm(16, 8, rng),
		&GlobalAvgPool{}, &Flatten{}, MustLinear(16, 10, true, rng),
	)
	x := randTensor(rng, 32, 1, 28, 28)
	labels := make([]int, 32)
	for b.Loop() {
		ZeroGrad(m)
		y, err := m.Forward(x)
		if err != nil {
			b.Fatal(err)
		}
		_, dl, err := CrossEntropy(y, labels, 0)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := m.Backward(dl); err != nil {
			b.Fatal(err)
		}
	}
}
