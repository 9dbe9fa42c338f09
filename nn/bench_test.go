package nn

import (
	"math/rand/v2"
	"testing"

	"github.com/convkit/convkit/conv"
	"github.com/convkit/convkit/tensor"
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
func BenchmarkGlobalAvgPoolBackward(b *testing.B) {
	benchLayer(b, &GlobalAvgPool{}, true)
}

// BatchNorm2d followed by ReLU, as every conv → BN → ReLU block has them
// (Sequential fuses the pair).
func BenchmarkBatchNormReLUForward(b *testing.B) {
	benchLayer(b, NewSequential(MustBatchNorm2d(32), &ReLU{}), false)
}
func BenchmarkBatchNormReLUBackward(b *testing.B) {
	benchLayer(b, NewSequential(MustBatchNorm2d(32), &ReLU{}), true)
}

// Linear on a batch of 128 rows of 512 features.
func benchLinear(b *testing.B, backward bool) {
	rng := rand.New(rand.NewPCG(1, 1))
	l := MustLinear(512, 256, true, rng)
	x := randTensor(rng, 128, 512)
	y, err := l.Forward(x)
	if err != nil {
		b.Fatal(err)
	}
	dy := randTensor(rng, y.Shape...)
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

func BenchmarkLinearForward(b *testing.B)  { benchLinear(b, false) }
func BenchmarkLinearBackward(b *testing.B) { benchLinear(b, true) }

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

// BenchmarkAnchorNonConv is everything but the convolutions of one
// training step of the anchors' std and dws networks at batch 64 (see
// train_bench_test.go): each BatchNorm2d → ReLU pair forward and backward
// on its activation shape, then global average pooling, Linear 128→10 and
// the cross-entropy, forward and backward.
func BenchmarkAnchorNonConv(b *testing.B) {
	for _, c := range []struct {
		name   string
		shapes [][3]int // C, H, W of each BatchNorm2d → ReLU
	}{
		{"std", [][3]int{{32, 28, 28}, {64, 14, 14}, {128, 7, 7}}},
		{"dws", [][3]int{{32, 28, 28}, {32, 14, 14}, {64, 14, 14}, {64, 7, 7}, {128, 7, 7}}},
	} {
		b.Run(c.name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 1))
			const n = 64
			type pair struct {
				l     Layer
				x, dy *tensor.Tensor
			}
			var ps []pair
			for _, s := range c.shapes {
				ps = append(ps, pair{NewSequential(MustBatchNorm2d(s[0]), &ReLU{}), randTensor(rng, n, s[0], s[1], s[2]), randTensor(rng, n, s[0], s[1], s[2])})
			}
			head := NewSequential(&GlobalAvgPool{}, &Flatten{}, MustLinear(128, 10, true, rng))
			hx := randTensor(rng, n, 128, 7, 7)
			labels := make([]int, n)
			step := func() {
				for _, p := range ps {
					if _, err := p.l.Forward(p.x); err != nil {
						b.Fatal(err)
					}
				}
				y, err := head.Forward(hx)
				if err != nil {
					b.Fatal(err)
				}
				_, dl, err := CrossEntropy(y, labels, 0)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := head.Backward(dl); err != nil {
					b.Fatal(err)
				}
				for _, p := range ps {
					if _, err := p.l.Backward(p.dy); err != nil {
						b.Fatal(err)
					}
				}
			}
			step()
			for b.Loop() {
				step()
			}
		})
	}
}
