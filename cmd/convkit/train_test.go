package main

import (
	"encoding/csv"
	"encoding/json"
	"image"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/convkit/convkit/data"
	"github.com/convkit/convkit/train"
)

// tinyTrain is a training command line small enough for tests: the
// channel model at width 0.25 (8, 16, 32 channels) on 96 built-in
// training images (6 steps of 16 per epoch) and 48 test images, 3 epochs.
func tinyTrain(out string, extra ...string) []string {
	return append([]string{"train", "--model", "channel", "--data", "builtin", "--width", "0.25",
		"--limit-train", "96", "--limit-test", "48", "--batch", "16", "--epochs", "3", "--warmup", "0.5",
		"--threads", "2", "--out", out}, extra...)
}

func mustRun(t *testing.T, args ...string) (stdout, stderr string) {
	t.Helper()
	code, out, errOut := runCLI(t, args...)
	if code != 0 {
		t.Fatalf("convkit %s: status %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, out, errOut)
	}
	return out, errOut
}

// readMetrics returns metrics.csv's rows without the header.
func readMetrics(t *testing.T, dir string) [][]string {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, train.MetricsFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rows[0], ",") != "epoch,step,lr,train_loss,train_acc,test_loss,test_acc,images_per_sec,elapsed_s" {
		t.Fatalf("metrics.csv header %v", rows[0])
	}
	return rows[1:]
}

// checkpointBits returns every tensor of a checkpoint as raw float32 bits.
func checkpointBits(t *testing.T, path string) map[string][]uint32 {
	t.Helper()
	c, err := train.ReadCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]uint32{}
	for name, v := range c.Model {
		for _, x := range v.Data {
			out[name] = append(out[name], math.Float32bits(x))
		}
	}
	for name, v := range c.Optimizer {
		for _, x := range v.Data {
			out[train.OptimizerPrefix+name] = append(out[train.OptimizerPrefix+name], math.Float32bits(x))
		}
	}
	return out
}

func requireSameBits(t *testing.T, a, b map[string][]uint32) {
	t.Helper()
	if len(a) != len(b) || len(a) == 0 {
		t.Fatalf("%d tensors vs %d", len(a), len(b))
	}
	for name, va := range a {
		vb, ok := b[name]
		if !ok || len(va) != len(vb) {
			t.Fatalf("%s: %d values vs %d", name, len(va), len(vb))
		}
		for i := range va {
			if va[i] != vb[i] {
				t.Fatalf("%s[%d]: %08x vs %08x", name, i, va[i], vb[i])
			}
		}
	}
}

func TestTrainEvalPredict(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	out, errOut := mustRun(t, tinyTrain(dir)...)
	if !strings.Contains(out, "final test accuracy") || !strings.Contains(errOut, "epoch 3/3:") {
		t.Errorf("train output:\n%s\nstderr:\n%s", out, errOut)
	}
	for _, f := range []string{configFile, train.MetricsFile, train.LatestFile, train.BestFile} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	if rows := readMetrics(t, dir); len(rows) != 3 || rows[2][1] != "18" {
		t.Errorf("metrics rows %v, want 3 epochs ending at step 18", rows)
	}
	rc, err := readRunConfig(dir)
	if err != nil {
		t.Fatal(err)
	}
	if rc.Model.Name != "channel" || rc.Model.Config.Width != 0.25 || rc.Model.Config.Size != 28 || rc.Train.BatchSize != 16 || rc.Threads != 2 {
		t.Errorf("config.json %+v", rc)
	}

	// A second run into the same directory is refused; so are recipe
	// changes on resume. Resuming a finished run does nothing.
	if code, _, e := runCLI(t, tinyTrain(dir)...); code == 0 || !strings.Contains(e, "--resume") {
		t.Errorf("training over an existing run: status %d, %s", code, e)
	}
	if code, _, e := runCLI(t, "train", "--resume", dir, "--lr", "0.5"); code == 0 || !strings.Contains(e, "--lr cannot be changed") {
		t.Errorf("resume with --lr: status %d, %s", code, e)
	}
	if _, e := mustRun(t, "train", "--resume", dir); !strings.Contains(e, "all 3 epochs are done") {
		t.Errorf("resume of a finished run: %s", e)
	}

	// eval: text and JSON agree with the last epoch's test accuracy.
	out, _ = mustRun(t, "eval", "--run", dir)
	for _, want := range []string{"accuracy", "per-class accuracy", "Ankle boot", "confusion matrix", "true \\ predicted"} {
		if !strings.Contains(out, want) {
			t.Errorf("eval output lacks %q:\n%s", want, out)
		}
	}
	out, _ = mustRun(t, "eval", "--run", dir, "--json")
	var ej evalJSON
	if err := json.Unmarshal([]byte(out), &ej); err != nil {
		t.Fatalf("eval --json: %v\n%s", err, out)
	}
	rows := readMetrics(t, dir)
	if ej.N != 48 || len(ej.Confusion) != 10 || len(ej.PerClass) != 10 || strconv.FormatFloat(ej.Accuracy, 'f', 5, 64) != rows[2][6] {
		t.Errorf("eval --json: n %d, accuracy %v (metrics.csv %s), %d×? confusion", ej.N, ej.Accuracy, rows[2][6], len(ej.Confusion))
	}
	mustRun(t, "eval", "--run", dir, "--best")
	if code, _, e := runCLI(t, "eval"); code == 0 || !strings.Contains(e, "--run") {
		t.Errorf("eval without a model: %d %s", code, e)
	}

	// predict: a test image written as a PNG.
	png := filepath.Join(t.TempDir(), "item.png")
	writeTestPNG(t, png)
	out, _ = mustRun(t, "predict", "--run", dir, "--top", "2", png)
	if !strings.Contains(out, "item.png:") || !strings.Contains(out, "  1. ") || !strings.Contains(out, "  2. ") || strings.Contains(out, "  3. ") {
		t.Errorf("predict output:\n%s", out)
	}
	out, _ = mustRun(t, "predict", "--checkpoint", filepath.Join(dir, train.BestFile), "--json", png, png)
	var pj []predictJSON
	if err := json.Unmarshal([]byte(out), &pj); err != nil || len(pj) != 2 || len(pj[0].Top) != 3 || pj[0].Top[0].Name == "" {
		t.Errorf("predict --json: %v\n%s", err, out)
	}
}

// writeTestPNG writes the first built-in test image as a grey PNG.
func writeTestPNG(t *testing.T, path string) {
	t.Helper()
	_, test, err := data.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	img := image.NewGray(image.Rect(0, 0, test.W, test.H))
	for i, v := range test.Image(0) {
		img.Pix[i] = uint8(math.Round(255 * float64(v)))
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestTrainHelperProcess is not a test: TestKillResume runs the test
// binary again with GO_WANT_HELPER_PROCESS=1 to train in a child process
// that it can kill.
func TestTrainHelperProcess(t *testing.T) {
	if os.Getenv("GO_WANT_HELPER_PROCESS") != "1" {
		t.Skip("helper process")
	}
	// Slow the child down so that the parent sees a checkpoint and kills
	// it well before the end.
	trainStepHook = func() { time.Sleep(25 * time.Millisecond) }
	args := strings.Split(os.Getenv("CONVKIT_HELPER_ARGS"), "\x1f")
	os.Exit(run(args, os.Stdout, os.Stderr))
}

// TestKillResume trains in a child process, kills it with SIGKILL once
// its first checkpoint (after 2 of 18 steps) is on disk, resumes the run
// with "train --resume" and checks that the final weights, BatchNorm
// statistics and optimizer state are bit for bit those of an
// uninterrupted run, and so are the per-epoch metrics.
func TestKillResume(t *testing.T) {
	tmp := t.TempDir()
	ref, killed := filepath.Join(tmp, "ref"), filepath.Join(tmp, "killed")
	mustRun(t, tinyTrain(ref)...)

	cmd := exec.Command(os.Args[0], "-test.run=^TestTrainHelperProcess$")
	cmd.Env = append(os.Environ(), "GO_WANT_HELPER_PROCESS=1",
		"CONVKIT_HELPER_ARGS="+strings.Join(tinyTrain(killed, "--save-every", "2"), "\x1f"))
	var childErr strings.Builder
	cmd.Stderr = &childErr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	latest := filepath.Join(killed, train.LatestFile)
	deadline := time.Now().Add(60 * time.Second)
	for {
		if _, err := os.Stat(latest); err == nil {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("no checkpoint after 60 s; child stderr:\n%s", childErr.String())
		}
		time.Sleep(2 * time.Millisecond)
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL on Unix
		t.Fatal(err)
	}
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.Success() {
		t.Fatalf("child was not killed: %v", err)
	}
	c, err := train.ReadCheckpoint(latest)
	if err != nil {
		t.Fatalf("checkpoint after SIGKILL: %v", err)
	}
	if c.State.Step >= 18 {
		t.Fatalf("the child finished (step %d) before it was killed", c.State.Step)
	}
	t.Logf("killed after the checkpoint at step %d (epoch %d, batch %d)", c.State.Step, c.State.Epoch+1, c.State.Batch)

	_, errOut := mustRun(t, "train", "--resume", killed)
	if !strings.Contains(errOut, "resuming") {
		t.Errorf("resume stderr:\n%s", errOut)
	}
	requireSameBits(t, checkpointBits(t, filepath.Join(ref, train.LatestFile)), checkpointBits(t, latest))
	a, b := readMetrics(t, ref), readMetrics(t, killed)
	if len(a) != 3 || len(b) != 3 {
		t.Fatalf("metrics: %d and %d epochs", len(a), len(b))
	}
	for i := range a {
		// Columns epoch … test_acc; throughput and time differ.
		if strings.Join(a[i][:7], ",") != strings.Join(b[i][:7], ",") {
			t.Errorf("epoch %d metrics differ:\n%v\n%v", i+1, a[i], b[i])
		}
	}
}
