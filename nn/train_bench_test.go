package nn_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/convkit/convkit/nn"
	"github.com/convkit/convkit/tensor"
	"github.com/convkit/convkit/train"
	"github.com/convkit/convkit/zoo"
)

// The training-throughput anchors of ../shared/anchors/train.py: one SGD
// step (ZeroGrad, forward, cross-entropy, backward, momentum update) on a
// batch of 1×28×28 images with 2 threads. "std" and "dws" are train.py's
// two networks; "channel" is zoo's ChannelNet. Profile one with
//
//	go test -run '^$' -bench 'TrainAnchor/std' -cpuprofile cpu.out ./nn/
//	go tool pprof -top nn.test cpu.out

// anchorNet builds train.py's networks (zoo.Anchor) or a zoo family.
func anchorNet(name string) nn.Layer {
	m, err := zoo.Anchor(name, 1)
	if err != nil {
		m, err = zoo.New(name, zoo.Config{Seed: 1})
	}
	if err != nil {
		panic(err)
	}
	return m
}

func benchTrainStep(b *testing.B, name string, batch, threads int) {
	rng := rand.New(rand.NewPCG(1, 1))
	m := anchorNet(name)
	nn.SetThreads(m, threads)
	nn.SetInputGrad(m, false)
	opt, err := train.NewSGD(nn.NamedParams(m), train.SGDConfig{Momentum: 0.9})
	if err != nil {
		b.Fatal(err)
	}
	x := tensor.New(batch, 1, 28, 28)
	for i := range x.Data {
		x.Data[i] = float32(rng.NormFloat64())
	}
	labels := make([]int, batch)
	for i := range labels {
		labels[i] = rng.IntN(10)
	}
	var ce nn.CrossEntropyLoss
	step := func() {
		nn.ZeroGrad(m)
		y, err := m.Forward(x)
		if err != nil {
			b.Fatal(err)
		}
		_, dl, err := ce.Loss(y, labels)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := m.Backward(dl); err != nil {
			b.Fatal(err)
		}
		opt.Step(0.01)
	}
	for range 3 {
		step()
	}
	// The fastest step is reported too: on a shared machine it is far less
	// disturbed by other processes than the mean.
	best := time.Duration(math.MaxInt64)
	b.ResetTimer()
	for b.Loop() {
		t := time.Now()
		step()
		best = min(best, time.Since(t))
	}
	b.ReportMetric(float64(batch)*float64(b.N)/b.Elapsed().Seconds(), "img/s")
	b.ReportMetric(float64(best.Nanoseconds())/1e6, "best-ms")
}

func BenchmarkTrainAnchor(b *testing.B) {
	for _, c := range []struct {
		net   string
		batch int
	}{{"std", 64}, {"dws", 64}, {"channel", 64}, {"channel", 128}} {
		b.Run(fmt.Sprintf("%s/batch=%d", c.net, c.batch), func(b *testing.B) { benchTrainStep(b, c.net, c.batch, 2) })
	}
}
