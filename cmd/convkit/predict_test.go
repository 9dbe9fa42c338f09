package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPredictInvertAndErrors(t *testing.T) {
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "run")
	mustRun(t, tinyTrain(dir, "--epochs", "1")...)
	img := filepath.Join(tmp, "x.png")
	writeTestPNG(t, img)
	plain, _ := mustRun(t, "predict", "--run", dir, "--top", "10", img)
	inverted, _ := mustRun(t, "predict", "--run", dir, "--top", "10", "--invert", img)
	if plain == inverted || strings.Count(inverted, "%") != 10 {
		t.Errorf("--invert changed nothing or lost classes:\n%s\n%s", plain, inverted)
	}
	bad := filepath.Join(tmp, "bad.png")
	if err := os.WriteFile(bad, []byte("not a png"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, e := runCLI(t, "predict", "--run", dir, bad); code == 0 || !strings.Contains(e, "bad.png") {
		t.Errorf("undecodable image: status %d, %q", code, e)
	}
	if code, _, e := runCLI(t, "predict", "--run", dir); code == 0 || !strings.Contains(e, "arg") {
		t.Errorf("no images: status %d, %q", code, e)
	}
}
