package train

import (
	"math"
	"testing"
)

func TestCosine(t *testing.T) {
	c := Cosine{Base: 0.1, Min: 0.001, Steps: 100}
	for _, tc := range []struct {
		step int
		want float64
	}{
		{0, 0.1},
		{50, 0.001 + 0.099/2}, // cos(π/2) = 0: halfway between the ends
		{100, 0.001},
		{150, 0.001}, // held at Min after the end
		// PyTorch's CosineAnnealingLR closed form at t = 25:
		// 0.001 + 0.099·(1 + cos(π/4))/2 = 0.08549...
		{25, 0.001 + 0.099*(1+math.Sqrt2/2)/2},
	} {
		if got := c.LR(tc.step); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("cosine LR(%d) = %.12g, want %.12g", tc.step, got, tc.want)
		}
	}
}

func TestStepDecay(t *testing.T) {
	s := StepDecay{Base: 0.1, Gamma: 0.1, Every: 30}
	for step, want := range map[int]float64{0: 0.1, 29: 0.1, 30: 0.01, 59: 0.01, 60: 0.001} {
		if got := s.LR(step); math.Abs(got-want) > 1e-15 {
			t.Errorf("step LR(%d) = %g, want %g", step, got, want)
		}
	}
}

func TestWarmup(t *testing.T) {
	// PyTorch: SequentialLR([LinearLR(start_factor=0.1, total_iters=10),
	// CosineAnnealingLR(T_max=90)], milestones=[10]) with lr 0.1.
	w := Warmup{Steps: 10, Start: 0.1, Then: Cosine{Base: 0.1, Steps: 90}}
	for step, want := range map[int]float64{
		0:   0.01,                     // 0.1·0.1
		5:   0.1 * (0.1 + 0.9*5/10.0), // 0.055
		9:   0.1 * (0.1 + 0.9*9/10.0), // 0.091
		10:  0.1,                      // the cosine starts at its base
		55:  0.05,                     // halfway through the cosine
		100: 0,
	} {
		if got := w.LR(step); math.Abs(got-want) > 1e-12 {
			t.Errorf("warm-up LR(%d) = %.12g, want %.12g", step, got, want)
		}
	}
}

func TestNewSchedule(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Epochs = 15 // 150 steps of 10: 10 of warm-up, 140 of cosine from 0.1
	s, err := NewSchedule(cfg, 10)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.LR(0); math.Abs(got-0.01) > 1e-12 {
		t.Errorf("first step LR %g, want 0.01", got)
	}
	if got := s.LR(10); got != 0.1 {
		t.Errorf("LR after warm-up %g, want 0.1", got)
	}
	// The last step, 139 of 140 cosine steps: 0.05·(1 + cos(139π/140)).
	if got, want := s.LR(149), 0.05*(1+math.Cos(139*math.Pi/140)); math.Abs(got-want) > 1e-15 || got <= 0 {
		t.Errorf("last step LR %g, want %g", got, want)
	}
	cfg.Schedule, cfg.WarmupEpochs, cfg.StepEpochs, cfg.Gamma = "step", 0, 5, 0.5
	if s, err = NewSchedule(cfg, 10); err != nil {
		t.Fatal(err)
	}
	if got := s.LR(50); got != 0.05 {
		t.Errorf("step schedule LR(50) = %g, want 0.05", got)
	}
	cfg.Schedule = "constant"
	if s, _ = NewSchedule(cfg, 10); s.LR(123) != 0.1 {
		t.Errorf("constant schedule LR %g", s.LR(123))
	}
	cfg.Schedule = "linear"
	if _, err := NewSchedule(cfg, 10); err == nil {
		t.Error("unknown schedule accepted")
	}
}
