package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/convkit/convkit/nn"
	"github.com/convkit/convkit/zoo"
)

// TestSummaryChannel checks the totals of the channel model at width 1
// on 1×28×28 against a count by hand (doc.go's topology):
//
//	MACs: stem 28²·32·9 = 225,792; DWS/2 14²·32·9 + 14²·32·64 = 457,856;
//	GCWM 64: 2·(14²·64·9 + 14²·64·32) + 14²·64·8 = 1,128,960;
//	DWS/2 7²·64·9 + 7²·64·128 = 429,632; GCWM 128: 2·(7²·128·9 +
//	7²·128·64) + 7²·128·8 = 965,888; GM 128: 915,712; DWSCW 7²·128·9 +
//	7²·128·8 = 106,624; CCL 10·119·7² = 58,310. Total 4,288,774.
//	Params 63,215 (zoo's TestParamCounts), of which BatchNorm γ/β
//	2·(32 + 32 + 64 + 64 + 64 + 128 + 128 + 128 + 128 + 128 + 128 + 128) = 2,176.
func TestSummaryChannel(t *testing.T) {
	out, _ := mustRun(t, "summary", "--model", "channel")
	for _, want := range []string{
		"Params: 63,215 = 61,039 weights + 0 biases + 2,176 BatchNorm γ/β",
		"MACs: 4,288,774 (4.29M)",
		"├─Sequential: stem", "│ ├─Conv2d(1, 32, k=3, padding=1): stem.0",
		"GroupChannelWise(64, 64, groups=2, d_c=8): layer1.1.body.2",
		"Classifier(128, classes=10, size=7, d_c=119): head.1",
		"[1 10]", "no bias, BN",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
}

func TestSummaryJSON(t *testing.T) {
	for _, name := range zoo.Names() {
		out, _ := mustRun(t, "summary", "--model", name, "--width", "0.5", "--size", "32", "--channels", "3", "--batch", "2", "--json")
		var s modelSummary
		if err := json.Unmarshal([]byte(out), &s); err != nil {
			t.Fatalf("%s: %v\n%s", name, err, out)
		}
		m, err := zoo.New(name, zoo.Config{Width: 0.5, Size: 32, InChannels: 3})
		if err != nil {
			t.Fatal(err)
		}
		if s.Params != int64(nn.NumParams(m)) || s.Weights+s.Bias+s.BN != s.Params || s.FLOPs != 2*s.MACs {
			t.Errorf("%s: totals %+v", name, s)
		}
		// The leaf MACs add up to the total, and a batch of 2 doubles them.
		var macs int64
		for _, r := range s.Layers {
			if r.Leaf {
				macs += r.MACs
			}
		}
		one, err := summarize(m, 1)
		if err != nil {
			t.Fatal(err)
		}
		if macs != s.MACs || s.MACs != 2*one.MACs || s.Layers[0].Output[1] != 10 {
			t.Errorf("%s: leaf MACs %d, total %d, batch-1 total %d", name, macs, s.MACs, one.MACs)
		}
	}
	if code, _, e := runCLI(t, "summary", "--model", "vgg"); code == 0 || !strings.Contains(e, "unknown model") {
		t.Errorf("unknown model: %d %s", code, e)
	}
}
