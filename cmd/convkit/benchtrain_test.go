package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/convkit/convkit/nn"
)

// tinyBenchTrain is a "bench train" configuration that takes milliseconds: a
// batch of 2, one warm-up and one timed step.
var tinyBenchTrain = []string{"bench", "train", "--batch", "2", "--threads", "1", "--runs", "1", "--warmup", "1", "--min-time", "0"}

// TestBenchTrainJSON checks the keys of "convkit bench train --json",
// which scripts/bench_train.sh reads.
func TestBenchTrainJSON(t *testing.T) {
	code, out, errOut := runCLI(t, append(tinyBenchTrain, "--json", "--net", "std,dws,mobile", "--threads", "1,2")...)
	if code != 0 || errOut != "" {
		t.Fatalf("status %d, stderr %q", code, errOut)
	}
	var rows []map[string]any
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("output is not a JSON array: %v\n%s", err, out)
	}
	want := [][2]any{{"std", 1.0}, {"std", 2.0}, {"dws", 1.0}, {"dws", 2.0}, {"mobile", 1.0}, {"mobile", 2.0}}
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d:\n%s", len(rows), len(want), out)
	}
	// The anchors' train.py MACS.
	macs := map[string]float64{
		"std": 32*9*784 + 32*64*9*196 + 64*128*9*49 + 1280,
		"dws": 32*9*784 + (32*9*196 + 32*64*196) + (64*9*49 + 64*128*49) + 1280,
	}
	for i, r := range rows {
		if r["net"] != want[i][0] || r["threads"] != want[i][1] || r["batch"] != 2.0 {
			t.Errorf("row %d: net %v threads %v batch %v, want %v", i, r["net"], r["threads"], r["batch"], want[i])
		}
		for _, k := range []string{"median_ms", "img_per_s", "img_per_s_best", "train_gflops", "fwd_macs_per_img", "runs"} {
			if v, ok := r[k].(float64); !ok || !(v > 0) {
				t.Errorf("row %d (%v): %q is %v, want a positive number", i, r["net"], k, r[k])
			}
		}
		med, _ := r["median_ms"].(float64)
		if ips, _ := r["img_per_s"].(float64); med > 0 && abs(ips-2/med*1e3) > 1e-6*ips {
			t.Errorf("row %d: img_per_s %v for a median of %v ms at batch 2", i, ips, med)
		}
		if m, ok := macs[r["net"].(string)]; ok && r["fwd_macs_per_img"] != m {
			t.Errorf("%v: %v MACs per image, want train.py's %v", r["net"], r["fwd_macs_per_img"], m)
		}
		if _, ok := r["layers"]; ok {
			t.Errorf("row %d has layers without --layers", i)
		}
	}
}

func abs(v float64) float64 { return max(v, -v) }

// TestBenchTrainLayers checks the per-layer breakdown: every convolution
// and the linear layer, the first one without its input gradient.
func TestBenchTrainLayers(t *testing.T) {
	code, out, errOut := runCLI(t, append(tinyBenchTrain, "--net", "dws", "--layers")...)
	if code != 0 || errOut != "" {
		t.Fatalf("status %d, stderr %q", code, errOut)
	}
	for _, s := range []string{"IMG/S", "TRAIN GFLOP/S", "Conv2d(1, 32, k=3, padding=1) (no dx)", "depthwise-3x3s2",
		"Conv2d(64, 128, k=1)", "pointwise-gemm", "Linear(in_features=128, out_features=10, bias=true)", "(rest)"} {
		if !strings.Contains(out, s) {
			t.Errorf("output lacks %q:\n%s", s, out)
		}
	}
	if strings.Count(out, "(no dx)") != 1 {
		t.Errorf("want exactly one layer without input gradient:\n%s", out)
	}
	code, out, _ = runCLI(t, append(tinyBenchTrain, "--net", "std", "--layers", "--input-grad", "--json")...)
	var rows []trainResult
	if code != 0 || json.Unmarshal([]byte(out), &rows) != nil || len(rows) != 1 {
		t.Fatalf("status %d, output %s", code, out)
	}
	if ls := rows[0].Layers; len(ls) != 4 || !ls[0].InputGrad || ls[0].MACs != 2*32*9*784 || ls[3].Algorithm != "gemm" {
		t.Errorf("--input-grad --layers: %+v", ls)
	}
}

func TestBenchTrainErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"--net", "vgg"}, `unknown network "vgg"`},
		{[]string{"--threads", "0"}, "--threads values must be in"},
		{[]string{"--batch", "0"}, "--batch values must be in"},
		{[]string{"--runs", "0"}, "--runs must be"},
		{[]string{"--warmup", "0"}, "--warmup must be"},
		{[]string{"--min-time", "-1s"}, "must not be negative"},
		{[]string{"extra"}, "unknown command"},
	} {
		code, _, errOut := runCLI(t, append(tinyBenchTrain, c.args...)...)
		if code != 1 || !strings.Contains(errOut, c.msg) {
			t.Errorf("%v: status %d, stderr %q; want 1 and %q", c.args, code, errOut, c.msg)
		}
	}
}

// TestTrainNetsMatchAnchors checks the std and dws networks layer by layer
// against train.py: PyTorch's names for the layers and parameter counts.
func TestTrainNetsMatchAnchors(t *testing.T) {
	for _, c := range []struct {
		net    string
		params int
		layers []string
	}{
		{"std", 32*9 + 2*32 + 64*32*9 + 2*64 + 128*64*9 + 2*128 + 128*10 + 10, []string{
			"Conv2d(1, 32, k=3, padding=1)", "BatchNorm2d(32", "ReLU()",
			"Conv2d(32, 64, k=3, stride=2, padding=1)", "BatchNorm2d(64", "ReLU()",
			"Conv2d(64, 128, k=3, stride=2, padding=1)", "BatchNorm2d(128", "ReLU()",
			"AdaptiveAvgPool2d(output_size=1)", "Flatten()", "Linear(in_features=128, out_features=10, bias=true)"}},
		{"dws", 32*9 + 2*32 + 32*9 + 2*32 + 64*32 + 2*64 + 64*9 + 2*64 + 128*64 + 2*128 + 128*10 + 10, []string{
			"Conv2d(1, 32, k=3, padding=1)", "BatchNorm2d(32", "ReLU()",
			"Conv2d(32, 32, k=3, stride=2, padding=1, groups=32)", "BatchNorm2d(32", "ReLU()",
			"Conv2d(32, 64, k=1)", "BatchNorm2d(64", "ReLU()",
			"Conv2d(64, 64, k=3, stride=2, padding=1, groups=64)", "BatchNorm2d(64", "ReLU()",
			"Conv2d(64, 128, k=1)", "BatchNorm2d(128", "ReLU()",
			"AdaptiveAvgPool2d(output_size=1)", "Flatten()", "Linear(in_features=128, out_features=10, bias=true)"}},
	} {
		m, err := buildTrainNet(c.net, 1)
		if err != nil {
			t.Fatal(err)
		}
		s := m.(*nn.Sequential)
		if len(s.Layers) != len(c.layers) {
			t.Fatalf("%s: %d layers, want %d", c.net, len(s.Layers), len(c.layers))
		}
		for i, l := range s.Layers {
			if d := l.Layer.(interface{ String() string }).String(); !strings.HasPrefix(d, c.layers[i]) {
				t.Errorf("%s layer %d: %s, want %s", c.net, i, d, c.layers[i])
			}
		}
		if n := nn.NumParams(m); n != c.params {
			t.Errorf("%s: %d parameters, want %d", c.net, n, c.params)
		}
		out, err := m.OutputShape([]int{64, 1, 28, 28})
		if err != nil || len(out) != 2 || out[0] != 64 || out[1] != 10 {
			t.Errorf("%s: output shape %v, %v", c.net, out, err)
		}
	}
}
