package main

import (
	"bytes"
	"strings"
	"testing"
)

// runCLI runs the command line in-process and returns its exit status,
// standard output and standard error.
func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestHelpListsCommands(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"--help"}, {}} {
		code, out, errOut := runCLI(t, args...)
		if code != 0 || errOut != "" {
			t.Fatalf("%q: status %d, stderr %q", args, code, errOut)
		}
		for _, cmd := range []string{"cost", "version", "help"} {
			if !strings.Contains(out, "\n  "+cmd+" ") {
				t.Errorf("%q does not list %q:\n%s", args, cmd, out)
			}
		}
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := runCLI(t, "version")
	if code != 0 || !strings.HasPrefix(out, "convkit ") || !strings.Contains(out, "go1.") {
		t.Errorf("version: status %d, output %q", code, out)
	}
	code, out, _ = runCLI(t, "--version")
	if code != 0 || out != "convkit "+versionString()+"\n" {
		t.Errorf("--version: status %d, output %q", code, out)
	}
	old := version
	defer func() { version = old }()
	version = "v9.8.7"
	if _, out, _ = runCLI(t, "--version"); out != "convkit v9.8.7\n" {
		t.Errorf("-ldflags version: output %q", out)
	}
}

func TestUnknownCommand(t *testing.T) {
	code, out, errOut := runCLI(t, "frobnicate")
	if code == 0 || out != "" || !strings.Contains(errOut, `unknown command "frobnicate"`) {
		t.Errorf("status %d, stdout %q, stderr %q", code, out, errOut)
	}
}

// TestFreshTree checks that each run starts from default flag values: a
// shared command tree would keep --json from the previous run.
func TestFreshTree(t *testing.T) {
	if code, _, _ := runCLI(t, "cost", "layer", "--in", "4", "--out", "4", "--kernel", "3", "--size", "5", "--json"); code != 0 {
		t.Fatal("first run failed")
	}
	_, out, _ := runCLI(t, "cost", "layer", "--in", "4", "--out", "4", "--kernel", "3", "--size", "5")
	if strings.HasPrefix(out, "[") {
		t.Errorf("--json leaked into the next run:\n%s", out)
	}
}
