package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/convkit/convkit/train"
)

func TestCompare(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cmp")
	out, errOut := mustRun(t, "compare", "--models", "mobile,channel", "--width", "0.25", "--epochs", "2", "--batch", "16",
		"--limit-train", "64", "--limit-test", "32", "--latency-time", "1ms", "--threads", "1", "--out", dir)
	for _, want := range []string{"MODEL", "mobile", "channel", "LATENCY B64", "MACs count"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "[2/2 channel] epoch 2/2:") {
		t.Errorf("progress:\n%s", errOut)
	}
	b, err := os.ReadFile(filepath.Join(dir, "compare.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep compareReport
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Results) != 2 || rep.TrainImages != 64 || rep.Recipe.Epochs != 2 {
		t.Fatalf("compare.json: %+v", rep)
	}
	for _, r := range rep.Results {
		if r.Params <= 0 || r.MACs <= 0 || !(r.LatencyB1 > 0) || !(r.LatencyB64 > 0) || len(r.Curve) != 2 || r.TestAcc != r.Curve[1] {
			t.Errorf("result %+v", r)
		}
		// Each model has a complete run directory.
		if _, err := train.ReadCheckpoint(filepath.Join(r.Run, train.LatestFile)); err != nil {
			t.Error(err)
		}
	}
	if rep.Results[1].MACs >= rep.Results[0].MACs*2 {
		t.Errorf("channel MACs %d vs mobile %d", rep.Results[1].MACs, rep.Results[0].MACs)
	}
	f, err := os.Open(filepath.Join(dir, "compare.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil || len(rows) != 3 || rows[2][0] != "channel" {
		t.Errorf("compare.csv: %v %v", rows, err)
	}
	for _, name := range []string{"accuracy_vs_macs", "curves"} {
		png, err := os.ReadFile(filepath.Join(dir, name+".png"))
		if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG")) {
			t.Errorf("%s.png: %v", name, err)
		}
		svg, err := os.ReadFile(filepath.Join(dir, name+".svg"))
		if err != nil || !bytes.Contains(svg, []byte("<svg")) {
			t.Errorf("%s.svg: %v", name, err)
		}
	}
	// The runs work with eval.
	mustRun(t, "eval", "--run", filepath.Join(dir, "channel"))
	if code, _, e := runCLI(t, "compare", "--models", "mobile,vgg", "--out", dir); code == 0 || !strings.Contains(e, "unknown model") {
		t.Errorf("bad --models: %d %s", code, e)
	}
}
