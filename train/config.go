package train

import (
	"fmt"
	"math"

	"github.com/convkit/convkit/nn"
)

// Config is a training recipe. DefaultConfig gives the recipe the zoo
// models were designed for; the JSON names are those of config.json and
// of checkpoints.
type Config struct {
	// Epochs is the number of passes over the training set.
	Epochs int `json:"epochs"`
	// BatchSize is the number of images per optimizer step. Each epoch
	// takes ⌊N/BatchSize⌋ steps: the images left over after the last full
	// batch (a different set every epoch) are skipped, which keeps one
	// input shape and BatchNorm statistics over full batches.
	BatchSize int `json:"batch_size"`

	// Optimizer is "sgd" or "adamw".
	Optimizer string `json:"optimizer"`
	// LR is the peak learning rate.
	LR float64 `json:"lr"`
	// Momentum and Nesterov configure SGD.
	Momentum float64 `json:"momentum"`
	Nesterov bool    `json:"nesterov"`
	// Beta1, Beta2 and Eps configure AdamW (0 selects PyTorch's defaults).
	Beta1 float64 `json:"beta1,omitempty"`
	Beta2 float64 `json:"beta2,omitempty"`
	Eps   float64 `json:"eps,omitempty"`
	// WeightDecay is SGD's L2 penalty or AdamW's decoupled decay.
	WeightDecay float64 `json:"weight_decay"`
	// DecayBiasNorm applies weight decay to biases and BatchNorm γ and β
	// too (PyTorch's default); when false they are exempt.
	DecayBiasNorm bool `json:"decay_bias_norm"`

	// Schedule is "cosine", "step" or "constant".
	Schedule string `json:"schedule"`
	// MinLR is where the cosine schedule ends.
	MinLR float64 `json:"min_lr"`
	// StepEpochs and Gamma configure the step schedule: the rate is
	// multiplied by Gamma every StepEpochs epochs.
	StepEpochs int     `json:"step_epochs,omitempty"`
	Gamma      float64 `json:"gamma,omitempty"`
	// WarmupEpochs ramps the rate up linearly from WarmupStart·LR over
	// that many epochs (fractions allowed) before the schedule starts.
	WarmupEpochs float64 `json:"warmup_epochs"`
	WarmupStart  float64 `json:"warmup_start"`

	// LabelSmoothing is the ε of the cross-entropy's smoothed targets.
	LabelSmoothing float64 `json:"label_smoothing"`
	// CropPad is the padding of the random crop (0: no crop).
	CropPad int `json:"crop_pad"`
	// Flip mirrors half of the training images left to right.
	Flip bool `json:"flip"`

	// Seed selects the shuffling and augmentation (and, in the command
	// line tool, the initial weights).
	Seed uint64 `json:"seed"`
	// SaveEvery, if positive, also checkpoints every that many steps;
	// checkpoints are always written at the end of each epoch and when
	// training is cancelled.
	SaveEvery int `json:"save_every,omitempty"`
}

// DefaultConfig returns the recipe of the zoo models on Fashion-MNIST:
// 12 epochs of batch 128 (sized so that the channel model trains on the
// full 60,000 images in under 30 minutes on two cores), SGD with Nesterov momentum 0.9, peak rate 0.1
// with one epoch of linear warm-up from 0.01 and cosine decay to zero,
// weight decay 5e-4 on convolution and linear weights, label smoothing
// 0.1, and random crops with 2 pixels of padding and horizontal flips
// (a reasonable symmetry of clothes).
func DefaultConfig() Config {
	return Config{
		Epochs:         12,
		BatchSize:      128,
		Optimizer:      "sgd",
		LR:             0.1,
		Momentum:       0.9,
		Nesterov:       true,
		WeightDecay:    5e-4,
		Schedule:       "cosine",
		WarmupEpochs:   1,
		WarmupStart:    0.1,
		StepEpochs:     5,
		Gamma:          0.1,
		LabelSmoothing: 0.1,
		CropPad:        2,
		Flip:           true,
		Seed:           1,
	}
}

// Validate checks the recipe.
func (c Config) Validate() error {
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	switch {
	case c.Epochs < 1 || c.Epochs > 100000:
		return fmt.Errorf("train: epochs %d, want 1..100000", c.Epochs)
	case c.BatchSize < 1 || c.BatchSize > 1<<16:
		return fmt.Errorf("train: batch size %d, want 1..65536", c.BatchSize)
	case c.Optimizer != "sgd" && c.Optimizer != "adamw":
		return fmt.Errorf("train: unknown optimizer %q (want sgd or adamw)", c.Optimizer)
	case !(c.LR > 0) || !finite(c.LR):
		return fmt.Errorf("train: learning rate %g, want a positive number", c.LR)
	case !(c.MinLR >= 0) || !finite(c.MinLR):
		return fmt.Errorf("train: minimum learning rate %g, want ≥ 0", c.MinLR)
	case !(c.WeightDecay >= 0) || !finite(c.WeightDecay):
		return fmt.Errorf("train: weight decay %g, want ≥ 0", c.WeightDecay)
	case !(c.WarmupEpochs >= 0) || c.WarmupEpochs > float64(c.Epochs):
		return fmt.Errorf("train: warm-up of %g epochs, want 0..%d", c.WarmupEpochs, c.Epochs)
	case !(c.WarmupStart >= 0 && c.WarmupStart <= 1):
		return fmt.Errorf("train: warm-up start factor %g, want 0..1", c.WarmupStart)
	case !(c.LabelSmoothing >= 0 && c.LabelSmoothing < 1):
		return fmt.Errorf("train: label smoothing %g, want [0, 1)", c.LabelSmoothing)
	case c.CropPad < 0 || c.CropPad > 64:
		return fmt.Errorf("train: crop padding %d, want 0..64", c.CropPad)
	case c.SaveEvery < 0:
		return fmt.Errorf("train: save_every %d, want ≥ 0", c.SaveEvery)
	case c.Schedule == "step" && (c.StepEpochs < 1 || !(c.Gamma > 0) || !finite(c.Gamma)):
		return fmt.Errorf("train: step schedule needs step_epochs ≥ 1 and gamma > 0, have %d and %g", c.StepEpochs, c.Gamma)
	}
	switch c.Schedule {
	case "cosine", "step", "constant":
	default:
		return fmt.Errorf("train: unknown schedule %q (want cosine, step or constant)", c.Schedule)
	}
	return nil
}

// NewOptimizer returns the optimizer the recipe asks for over params.
func NewOptimizer(c Config, params []nn.NamedParam) (Optimizer, error) {
	var exclude func(nn.NamedParam) bool
	if !c.DecayBiasNorm {
		exclude = NoDecayBiasNorm
	}
	switch c.Optimizer {
	case "sgd":
		return NewSGD(params, SGDConfig{Momentum: c.Momentum, WeightDecay: c.WeightDecay, Nesterov: c.Nesterov, Exclude: exclude})
	case "adamw":
		return NewAdamW(params, AdamWConfig{Beta1: c.Beta1, Beta2: c.Beta2, Eps: c.Eps, WeightDecay: c.WeightDecay, Exclude: exclude})
	}
	return nil, fmt.Errorf("train: unknown optimizer %q (want sgd or adamw)", c.Optimizer)
}
