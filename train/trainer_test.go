package train

import (
	"context"
	"encoding/csv"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/convkit/convkit/conv"
	"github.com/convkit/convkit/data"
	"github.com/convkit/convkit/nn"
	"github.com/convkit/convkit/safetensors"
)

// toyData returns n 1×8×8 images of three classes (a bright square in the
// top-left, the top-right or the bottom half) with noise.
func toyData(n int, seed uint64) *data.Dataset {
	rng := rand.New(rand.NewPCG(seed, 3))
	d := &data.Dataset{N: n, C: 1, H: 8, W: 8, Images: make([]float32, n*64), Labels: make([]int, n),
		Classes: []string{"left", "right", "bottom"}}
	for i := range n {
		c := i % 3
		d.Labels[i] = c
		img := d.Image(i)
		for y := range 8 {
			for x := range 8 {
				v := 0.2 * rng.Float32()
				if c == 0 && y < 4 && x < 4 || c == 1 && y < 4 && x >= 4 || c == 2 && y >= 4 {
					v += 0.6
				}
				img[y*8+x] = v
			}
		}
	}
	return d
}

// toyModel is a small network with every kind of state a checkpoint must
// carry: convolutions, BatchNorm statistics and a linear layer.
func toyModel(seed uint64) nn.Layer {
	rng := rand.New(rand.NewPCG(seed, 9))
	return nn.NewSequential(
		nn.MustConv(conv.New2D(1, 4, 3).WithPadding(conv.Pad(1)), rng), nn.MustBatchNorm2d(4), &nn.ReLU{},
		nn.MustConv(conv.Depthwise(4, 3, 1).WithStride(2), rng),
		nn.MustConv(conv.Pointwise(4, 8), rng), nn.MustBatchNorm2d(8), &nn.ReLU{},
		&nn.GlobalAvgPool{}, &nn.Flatten{}, nn.MustLinear(8, 3, true, rng),
	)
}

func toyConfig() Config {
	cfg := DefaultConfig()
	cfg.Epochs, cfg.BatchSize, cfg.LR = 3, 8, 0.05
	return cfg
}

func newToy(t *testing.T, cfg Config, modelSeed uint64, dir string) *Trainer {
	t.Helper()
	tr, err := New(toyModel(modelSeed), cfg, toyData(44, 1), toyData(12, 2))
	if err != nil {
		t.Fatal(err)
	}
	tr.Dir = dir
	return tr
}

// stateBits returns every parameter, buffer and optimizer state value of
// a trainer as raw bits.
func stateBits(tr *Trainer) map[string][]uint32 {
	out := map[string][]uint32{}
	for _, p := range nn.NamedState(tr.Model) {
		for _, v := range p.Value.Data {
			out[p.Name] = append(out[p.Name], math.Float32bits(v))
		}
	}
	for name, v := range tr.Optimizer().State() {
		for _, x := range v.Data {
			out["optimizer."+name] = append(out["optimizer."+name], math.Float32bits(x))
		}
	}
	return out
}

func sameBits(t *testing.T, what string, a, b map[string][]uint32) {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("%s: %d tensors vs %d", what, len(a), len(b))
	}
	for name, va := range a {
		vb := b[name]
		if len(va) != len(vb) {
			t.Fatalf("%s: %s has %d values vs %d", what, name, len(va), len(vb))
		}
		for i := range va {
			if va[i] != vb[i] {
				t.Fatalf("%s: %s[%d] differs: %08x vs %08x", what, name, i, va[i], vb[i])
			}
		}
	}
}

// TestResumeBitIdentical trains the toy model for 3 epochs of 5 steps
// without interruption, then again stopping after k steps (cancelling the
// context, which checkpoints), resuming into a freshly built model with
// different initial weights and a fresh optimizer, and finishing. The
// final weights, BatchNorm statistics, optimizer state and metrics must
// be bitwise equal for stops mid-epoch, at an epoch's end, and for both
// optimizers.
func TestResumeBitIdentical(t *testing.T) {
	for _, opt := range []string{"sgd", "adamw"} {
		cfg := toyConfig()
		cfg.Optimizer = opt
		if opt == "adamw" {
			cfg.LR, cfg.WeightDecay = 0.01, 0.05
		}
		ref := newToy(t, cfg, 1, "")
		if err := ref.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		want := stateBits(ref)
		if ref.State().Step != 15 || len(ref.State().History) != 3 {
			t.Fatalf("%s: %d steps, %d epochs; want 15 and 3", opt, ref.State().Step, len(ref.State().History))
		}
		for _, k := range []int{3, 5, 12} { // mid-epoch, end of epoch 1, mid-epoch 3
			dir := t.TempDir()
			first := newToy(t, cfg, 1, dir)
			ctx, cancel := context.WithCancel(context.Background())
			first.OnStep = func(p Progress) {
				if p.Phase == "train" && p.Step == k {
					cancel()
				}
			}
			if err := first.Run(ctx); !errors.Is(err, context.Canceled) {
				t.Fatalf("%s: stop after %d steps: Run returned %v", opt, k, err)
			}
			cancel()
			second := newToy(t, cfg, 99, dir) // other initial weights: all must come from the checkpoint
			if err := second.Resume(filepath.Join(dir, LatestFile)); err != nil {
				t.Fatal(err)
			}
			if got := second.State().Step; got != k {
				t.Fatalf("%s: resumed at step %d, want %d", opt, got, k)
			}
			if err := second.Run(context.Background()); err != nil {
				t.Fatal(err)
			}
			sameBits(t, opt+" resumed after "+string(rune('0'+k)), want, stateBits(second))
			h1, h2 := ref.State().History, second.State().History
			for i := range h1 {
				if h1[i].TrainLoss != h2[i].TrainLoss || h1[i].TestAcc != h2[i].TestAcc || h1[i].TestLoss != h2[i].TestLoss {
					t.Errorf("%s, stop at %d: epoch %d metrics differ: %+v vs %+v", opt, k, i+1, h1[i], h2[i])
				}
			}
		}
	}
}

func TestCheckpointFiles(t *testing.T) {
	dir := t.TempDir()
	tr := newToy(t, toyConfig(), 1, dir)
	tr.Meta = map[string]string{"convkit.model": `{"name":"toy"}`}
	var epochs []EpochStats
	tr.OnEpoch = func(s EpochStats) { epochs = append(epochs, s) }
	if err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(epochs) != 3 || epochs[2].Step != 15 || !(epochs[2].TestAcc >= 0) {
		t.Fatalf("epoch callbacks %+v", epochs)
	}
	// The latest checkpoint: PyTorch names and dtypes, optimizer state,
	// metadata.
	f, err := safetensors.ReadFile(filepath.Join(dir, LatestFile))
	if err != nil {
		t.Fatal(err)
	}
	if nbt, ok := f.Get("1.num_batches_tracked"); !ok || nbt.DType != safetensors.I64 {
		t.Errorf("num_batches_tracked: %+v", nbt)
	}
	for _, name := range []string{"0.weight", "1.running_var", "9.bias", "optimizer.0.weight.momentum_buffer"} {
		if _, ok := f.Get(name); !ok {
			t.Errorf("checkpoint lacks %s; has %v", name, f.Names())
		}
	}
	if f.Metadata["format"] != "pt" || f.Metadata["convkit.model"] == "" || f.Metadata[MetaState] == "" {
		t.Errorf("metadata %v", f.Metadata)
	}
	c, err := ReadCheckpoint(filepath.Join(dir, LatestFile))
	if err != nil {
		t.Fatal(err)
	}
	if c.State.Epoch != 3 || c.Steps != 15 || c.Data.Channels != 1 || len(c.Data.Classes) != 3 || c.Config.BatchSize != 8 {
		t.Errorf("decoded checkpoint: state %+v, steps %d, data %+v", c.State, c.Steps, c.Data)
	}
	if c.Model["1.num_batches_tracked"].Data[0] != 15 {
		t.Errorf("num_batches_tracked = %v, want 15", c.Model["1.num_batches_tracked"].Data)
	}
	// The best model: weights only, loadable into a fresh model.
	b, err := ReadCheckpoint(filepath.Join(dir, BestFile))
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Optimizer) != 0 || b.State != nil || b.Data == nil {
		t.Errorf("best file: %d optimizer tensors, state %v, data %v", len(b.Optimizer), b.State, b.Data)
	}
	if err := b.LoadModel(toyModel(5)); err != nil {
		t.Error(err)
	}
	// metrics.csv: a header and one row per epoch.
	mf, err := os.Open(filepath.Join(dir, MetricsFile))
	if err != nil {
		t.Fatal(err)
	}
	defer mf.Close()
	rows, err := csv.NewReader(mf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 || strings.Join(rows[0], ",") != strings.Join(MetricsHeader, ",") || rows[3][1] != "15" {
		t.Errorf("metrics.csv: %v", rows)
	}
	// Resuming a finished run does nothing.
	again := newToy(t, toyConfig(), 1, dir)
	if err := again.Resume(filepath.Join(dir, LatestFile)); err != nil {
		t.Fatal(err)
	}
	if !again.Done() {
		t.Error("a finished run is not Done")
	}
	// A different recipe is refused.
	cfg := toyConfig()
	cfg.LR = 0.5
	other := newToy(t, cfg, 1, "")
	if err := other.Resume(filepath.Join(dir, LatestFile)); err == nil || !strings.Contains(err.Error(), "different recipe") {
		t.Errorf("resume with another recipe: %v", err)
	}
	// A model file is not a checkpoint.
	if err := other.Resume(filepath.Join(dir, BestFile)); err == nil {
		t.Error("resumed from a model file")
	}
}

func TestTrainingLearns(t *testing.T) {
	cfg := toyConfig()
	// Flips would turn the left class into the right one.
	cfg.Epochs, cfg.LR, cfg.Flip, cfg.CropPad = 8, 0.1, false, 1
	tr, err := New(toyModel(1), cfg, toyData(96, 1), toyData(30, 2))
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	h := tr.State().History
	// The toy classes are separable by a glance at the image; after 96
	// steps the test set (30 images) should be mostly right, and the
	// training loss should have fallen from about ln 3 = 1.1.
	t.Logf("%+v", h[len(h)-1])
	if last := h[len(h)-1]; last.TestAcc < 0.75 || last.TrainLoss > h[0].TrainLoss {
		t.Errorf("history %+v", h)
	}
}

func TestNewErrors(t *testing.T) {
	cfg := toyConfig()
	cfg.BatchSize = 100
	if _, err := New(toyModel(1), cfg, toyData(10, 1), nil); err == nil {
		t.Error("batch larger than the data set accepted")
	}
	for _, mod := range []func(*Config){
		func(c *Config) { c.Optimizer = "rmsprop" },
		func(c *Config) { c.LR = 0 },
		func(c *Config) { c.Epochs = 0 },
		func(c *Config) { c.Schedule = "poly" },
		func(c *Config) { c.LabelSmoothing = 1 },
		func(c *Config) { c.WarmupEpochs = 10 },
	} {
		c := toyConfig()
		mod(&c)
		if _, err := New(toyModel(1), c, toyData(20, 1), nil); err == nil {
			t.Errorf("config %+v accepted", c)
		}
	}
}
