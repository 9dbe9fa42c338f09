package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/convkit/convkit/train"
)

func TestEvalErrors(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	mustRun(t, tinyTrain(dir, "--epochs", "1")...)
	latest := filepath.Join(dir, train.LatestFile)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"eval", "--run", dir, "--checkpoint", latest}, "not both"},
		{[]string{"eval", "--checkpoint", latest, "--best"}, "--best goes with --run"},
		{[]string{"eval", "--run", filepath.Join(dir, "nope")}, "no such file"},
		{[]string{"eval", "--checkpoint", filepath.Join(dir, configFile)}, "safetensors"},
		{[]string{"eval", "--run", dir, "--data", "/nonexistent"}, "neither"},
	} {
		if code, _, e := runCLI(t, c.args...); code == 0 || !strings.Contains(e, c.want) {
			t.Errorf("%v: status %d, stderr %q; want an error about %q", c.args, code, e, c.want)
		}
	}
	// --checkpoint evaluates on the data recorded in the file, by default the
	// whole test set; --limit-test takes a subset.
	out, _ := mustRun(t, "eval", "--checkpoint", latest, "--limit-test", "20")
	if !strings.Contains(out, "builtin test set (20 images)") {
		t.Errorf("eval --checkpoint:\n%s", out)
	}
}
