package train

import (
	"fmt"
	"math"
)

// Schedule gives the learning rate of each optimizer step. It is a pure
// function of the step number (0 for the first step), so a resumed run
// needs nothing but the number of steps taken to continue the schedule
// exactly.
type Schedule interface {
	LR(step int) float64
}

// Constant is a fixed learning rate.
type Constant float64

// LR returns the constant.
func (c Constant) LR(int) float64 { return float64(c) }

// Cosine is PyTorch's CosineAnnealingLR stepped once per optimizer step:
//
//	lr(t) = Min + (Base − Min)·(1 + cos(π·t/Steps))/2   for 0 ≤ t ≤ Steps
//
// and Min after Steps (where PyTorch's closed form would rise again).
type Cosine struct {
	Base, Min float64
	Steps     int
}

// LR returns the annealed learning rate of step t.
func (c Cosine) LR(t int) float64 {
	if c.Steps <= 0 || t >= c.Steps {
		if c.Steps <= 0 {
			return c.Base
		}
		return c.Min
	}
	t = max(t, 0)
	return c.Min + (c.Base-c.Min)*(1+math.Cos(math.Pi*float64(t)/float64(c.Steps)))/2
}

// StepDecay is PyTorch's StepLR: the rate is multiplied by Gamma every
// Every steps, lr(t) = Base·Gamma^⌊t/Every⌋.
type StepDecay struct {
	Base, Gamma float64
	Every       int
}

// LR returns the decayed learning rate of step t.
func (s StepDecay) LR(t int) float64 {
	if s.Every <= 0 {
		return s.Base
	}
	return s.Base * math.Pow(s.Gamma, float64(max(t, 0)/s.Every))
}

// Warmup ramps the learning rate linearly over the first Steps steps and
// then follows Then, shifted so that Then starts at step 0 when the ramp
// ends: PyTorch's SequentialLR of LinearLR(start_factor=Start,
// total_iters=Steps) and Then. With base = Then.LR(0),
//
//	lr(t) = base·(Start + (1 − Start)·t/Steps)   for t < Steps
//	lr(t) = Then.LR(t − Steps)                   afterwards
type Warmup struct {
	Steps int
	Start float64
	Then  Schedule
}

// LR returns the learning rate of step t.
func (w Warmup) LR(t int) float64 {
	if t < w.Steps {
		base := w.Then.LR(0)
		return base * (w.Start + (1-w.Start)*float64(max(t, 0))/float64(w.Steps))
	}
	return w.Then.LR(t - w.Steps)
}

// NewSchedule builds the schedule a Config asks for, given the number of
// optimizer steps in one epoch.
func NewSchedule(cfg Config, stepsPerEpoch int) (Schedule, error) {
	total := cfg.Epochs * stepsPerEpoch
	warm := int(math.Round(cfg.WarmupEpochs * float64(stepsPerEpoch)))
	if warm < 0 || warm > total {
		return nil, fmt.Errorf("train: warm-up of %g epochs does not fit in %d epochs", cfg.WarmupEpochs, cfg.Epochs)
	}
	var s Schedule
	switch cfg.Schedule {
	case "cosine":
		s = Cosine{Base: cfg.LR, Min: cfg.MinLR, Steps: total - warm}
	case "step":
		every := cfg.StepEpochs * stepsPerEpoch
		if every <= 0 {
			return nil, fmt.Errorf("train: step schedule needs step_epochs ≥ 1, have %d", cfg.StepEpochs)
		}
		s = StepDecay{Base: cfg.LR, Gamma: cfg.Gamma, Every: every}
	case "constant":
		s = Constant(cfg.LR)
	default:
		return nil, fmt.Errorf("train: unknown schedule %q (want cosine, step or constant)", cfg.Schedule)
	}
	if warm > 0 {
		s = Warmup{Steps: warm, Start: cfg.WarmupStart, Then: s}
	}
	return s, nil
}
