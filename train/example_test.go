package train_test

import (
	"context"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/convkit/convkit/conv"
	"github.com/convkit/convkit/data"
	"github.com/convkit/convkit/nn"
	"github.com/convkit/convkit/train"
)

// Train a small network on 256 built-in Fashion-MNIST images for two
// epochs, checkpointing into a run directory, then resume the finished
// run from its checkpoint.
func Example() {
	trainSet, testSet, err := data.Builtin()
	if err != nil {
		log.Fatal(err)
	}
	trainSet = trainSet.Subset(data.Shuffle(trainSet.Len(), 0, 1)[:256])
	testSet = testSet.Subset(data.Shuffle(testSet.Len(), 0, 2)[:100])

	rng := rand.New(rand.NewPCG(1, 1))
	model := nn.NewSequential(
		nn.MustConv(conv.New2D(1, 8, 3).WithStride(2).WithPadding(conv.Pad(1)), rng), nn.MustBatchNorm2d(8), &nn.ReLU{},
		nn.MustConv(conv.Depthwise(8, 3, 1).WithStride(2), rng), nn.MustConv(conv.Pointwise(8, 16), rng), nn.MustBatchNorm2d(16), &nn.ReLU{},
		&nn.GlobalAvgPool{}, &nn.Flatten{}, nn.MustLinear(16, 10, true, rng),
	)
	cfg := train.DefaultConfig()
	cfg.Epochs, cfg.BatchSize = 2, 32
	tr, err := train.New(model, cfg, trainSet, testSet)
	if err != nil {
		log.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "run")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	tr.Dir = dir
	tr.OnEpoch = func(s train.EpochStats) { fmt.Printf("epoch %d: %d steps\n", s.Epoch, s.Step) }
	if err := tr.Run(context.Background()); err != nil {
		log.Fatal(err)
	}

	ck, err := train.ReadCheckpoint(filepath.Join(dir, train.LatestFile))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("checkpoint at epoch", ck.State.Epoch, "step", ck.State.Step, "classes", ck.Data.Classes[:2])
	fmt.Println(ck.Model["1.running_mean"].Shape, ck.Optimizer["0.weight.momentum_buffer"].Shape)
	// Output:
	// epoch 1: 8 steps
	// epoch 2: 16 steps
	// checkpoint at epoch 2 step 16 classes [T-shirt/top Trouser]
	// [8] [8 1 3 3]
}

func ExampleConfusion() {
	c := train.NewConfusion(3)
	for _, p := range [][2]int{{0, 0}, {0, 0}, {1, 1}, {1, 2}, {2, 2}, {2, 0}} {
		c.Add(p[0], p[1])
	}
	fmt.Printf("accuracy %.3f, per class %.2f\n", c.Accuracy(), c.PerClass())
	if err := c.WriteTo(os.Stdout, []string{"shirt", "bag", "boot"}); err != nil {
		log.Fatal(err)
	}
	// Output:
	// accuracy 0.667, per class [1.00 0.50 0.50]
	//  true \ predicted 0 1 2 accuracy
	//           0 shirt 2 0 0   100.0%
	//             1 bag 0 1 1    50.0%
	//            2 boot 1 0 1    50.0%
}

func ExampleWarmup() {
	// Five steps of warm-up from a tenth of the rate, then cosine decay
	// over ten steps: PyTorch's SequentialLR(LinearLR, CosineAnnealingLR).
	s := train.Warmup{Steps: 5, Start: 0.1, Then: train.Cosine{Base: 0.1, Steps: 10}}
	for _, step := range []int{0, 4, 5, 10, 15} {
		fmt.Printf("step %2d: lr %.4f\n", step, s.LR(step))
	}
	// Output:
	// step  0: lr 0.0100
	// step  4: lr 0.0820
	// step  5: lr 0.1000
	// step 10: lr 0.0500
	// step 15: lr 0.0000
}
