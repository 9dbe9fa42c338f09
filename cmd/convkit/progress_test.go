package main

import (
	"strings"
	"testing"
	"time"

	"github.com/convkit/convkit/train"
)

func TestStatusLine(t *testing.T) {
	pr := train.Progress{Phase: "train", Epoch: 2, Epochs: 15, Batch: 234, Batches: 468, Loss: 0.41234, Accuracy: 0.8521,
		LR: 0.0812, ImagesPerSec: 612.4, ETA: 12*time.Minute + 3*time.Second}
	got := statusLine(pr, 10)
	want := "epoch 2/15 [=====>    ] 234/468 loss 0.4123 acc 85.21% lr 0.0812 612 img/s ETA 12m03s"
	if got != want {
		t.Errorf("statusLine:\n got %q\nwant %q", got, want)
	}
	pr.Batch = pr.Batches
	if got := statusLine(pr, 4); !strings.HasPrefix(got, "epoch 2/15 [====] ") {
		t.Errorf("full bar: %q", got)
	}
	pr.Phase = "eval"
	if got := statusLine(pr, 0); !strings.Contains(got, "evaluating") {
		t.Errorf("eval line %q", got)
	}
	for d, want := range map[time.Duration]string{4200 * time.Millisecond: "4.2s", 123 * time.Second: "2m03s", 3723 * time.Second: "1h02m03s"} {
		if got := fmtDuration(d); got != want {
			t.Errorf("fmtDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

// TestPlainProgress checks the output for a log file: periodic lines and
// one line per epoch, no carriage returns.
func TestPlainProgress(t *testing.T) {
	old := plainEvery
	plainEvery = 0
	defer func() { plainEvery = old }()
	var b strings.Builder
	p := newProgress(&b, "[x] ")
	p.step(train.Progress{Phase: "train", Epoch: 1, Epochs: 2, Batch: 1, Batches: 2})
	p.step(train.Progress{Phase: "eval", Epoch: 1, Epochs: 2})
	p.epoch(train.EpochStats{Epoch: 1, TrainLoss: 1, TrainAcc: 0.5, TestLoss: 0.9, TestAcc: 0.6, LR: 0.1, ImagesPerSec: 100, Elapsed: 2}, 2)
	out := b.String()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if strings.Contains(out, "\r") || len(lines) != 2 || !strings.HasPrefix(lines[0], "[x] epoch 1/2 1/2 loss") ||
		lines[1] != "[x] epoch 1/2: train loss 1.0000 acc 50.00% | test loss 0.9000 acc 60.00% | lr 0.1 | 100 img/s | 2.0s" {
		t.Errorf("plain progress:\n%s", out)
	}
}

func TestSICount(t *testing.T) {
	for v, want := range map[float64]string{906730: "907K", 63215: "63.2K", 4.288774e6: "4.29M", 1e7: "10M", 999600: "1M", 512: "512"} {
		if got := siCount(v); got != want {
			t.Errorf("siCount(%g) = %q, want %q", v, got, want)
		}
	}
}
