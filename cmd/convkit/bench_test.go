package main

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/convkit/convkit/internal/opbench"
)

// tinyBench is a configuration that takes milliseconds with the reference
// kernels: the two cheapest operators, one call each, no minimum time.
var tinyBench = []string{"bench", "ops", "--only", "CCL,CS", "--batch", "1", "--threads", "1",
	"--runs", "1", "--warmup", "1", "--min-time", "0"}

// TestBenchJSON checks the keys of "convkit bench ops --json", which
// scripts/bench_compare.sh reads.
func TestBenchJSON(t *testing.T) {
	code, out, errOut := runCLI(t, append(tinyBench, "--json", "--pass", "both")...)
	if code != 0 || errOut != "" {
		t.Fatalf("status %d, stderr %q", code, errOut)
	}
	var rows []map[string]any
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("output is not a JSON array: %v\n%s", err, out)
	}
	// Operator-major in table order (CS comes before CCL), fwd before fwd+bwd.
	want := [][2]string{{"CS", "fwd"}, {"CS", "fwd+bwd"}, {"CCL", "fwd"}, {"CCL", "fwd+bwd"}}
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d:\n%s", len(rows), len(want), out)
	}
	for i, r := range rows {
		if r["op"] != want[i][0] || r["pass"] != want[i][1] || r["batch"] != 1.0 || r["threads"] != 1.0 {
			t.Errorf("row %d: op %v pass %v batch %v threads %v, want %v batch 1 threads 1",
				i, r["op"], r["pass"], r["batch"], r["threads"], want[i])
		}
		for _, k := range []string{"median_ms", "min_ms", "max_ms", "gflops", "macs", "runs"} {
			if _, ok := r[k].(float64); !ok {
				t.Errorf("row %d (%v %v): %q is %v, want a number", i, r["op"], r["pass"], k, r[k])
			}
		}
		if a, _ := r["algorithm"].(string); a == "" {
			t.Errorf("row %d: no algorithm", i)
		}
		if ms, _ := r["median_ms"].(float64); !(ms > 0) {
			t.Errorf("row %d: median_ms %v", i, r["median_ms"])
		}
		// Only the shuffle is measured in GB/s.
		gbps, hasGBPS := r["gbps"].(float64)
		if isCS := r["op"] == "CS"; hasGBPS != isCS || (isCS && !(gbps > 0)) {
			t.Errorf("row %d (%v): gbps %v", i, r["op"], r["gbps"])
		}
	}
	// fwd+bwd counts 3× the forward MACs: CCL's 25,000 per image.
	if rows[2]["macs"] != 25000.0 || rows[3]["macs"] != 75000.0 {
		t.Errorf("CCL MACs fwd %v, fwd+bwd %v; want 25000 and 75000", rows[2]["macs"], rows[3]["macs"])
	}
}

// TestBenchAlgorithm forces the naive reference, and an algorithm that
// does not apply.
func TestBenchAlgorithm(t *testing.T) {
	code, out, errOut := runCLI(t, append(tinyBench, "--json", "--algorithm", "reference")...)
	if code != 0 || errOut != "" {
		t.Fatalf("status %d, stderr %q", code, errOut)
	}
	var rows []struct{ Algorithm string }
	if err := json.Unmarshal([]byte(out), &rows); err != nil || len(rows) != 2 {
		t.Fatalf("%d rows, error %v:\n%s", len(rows), err, out)
	}
	for _, r := range rows {
		if r.Algorithm != "reference" {
			t.Errorf("algorithm %q, want reference", r.Algorithm)
		}
	}
	code, out, errOut = runCLI(t, append(tinyBench, "--algorithm", "no-such-algorithm")...)
	if code != 1 || out != "" || !strings.Contains(errOut, "no-such-algorithm") {
		t.Errorf("unknown algorithm: status %d, stdout %q, stderr %q", code, out, errOut)
	}
}

func TestBenchText(t *testing.T) {
	code, out, errOut := runCLI(t, tinyBench...)
	if code != 0 || errOut != "" {
		t.Fatalf("status %d, stderr %q", code, errOut)
	}
	lines := strings.Split(out, "\n")
	var header, cs, ccl string
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, "OP "):
			header = l
		case strings.HasPrefix(l, "CS "):
			cs = l
		case strings.HasPrefix(l, "CCL "):
			ccl = l
		}
	}
	for _, col := range []string{"SHAPE", "BATCH", "THREADS", "PASS", "ALGORITHM", "MEDIAN MS", "RATE", "% PEAK"} {
		if !strings.Contains(header, col) {
			t.Errorf("header lacks %q: %q", col, header)
		}
	}
	if !strings.Contains(cs, " GB/s") || !strings.Contains(ccl, " GFLOP/s") || !strings.Contains(ccl, " fwd ") {
		t.Errorf("rows:\n%s\n%s", cs, ccl)
	}
}

// TestBenchJobs checks which configurations the flags select, without
// timing anything.
func TestBenchJobs(t *testing.T) {
	all := len(opbench.Names())
	for _, tc := range []struct {
		args []string
		want int      // number of jobs
		bwd  []string // the fwd+bwd jobs as "op/batch/threads"
		fwd0 string   // the first job as "op/batch/threads/pass"
		note string
	}{
		{args: nil, want: all * 4, fwd0: "S1/1/1/fwd", note: "default: every op, batch 1,8, threads 1,2"},
		{args: []string{"--pass", "both"}, want: all*4 + len(opbench.BackwardSet),
			bwd:  []string{"S1/8/2", "G1/8/2", "DW2/8/2", "PW2/8/2", "CW1/8/2"},
			fwd0: "S1/1/1/fwd", note: "both: anchors' backward set at batch 8, 2 threads"},
		{args: []string{"--pass", "fwd+bwd", "--only", "CS,S1"}, want: 2,
			bwd: []string{"S1/8/2", "CS/8/2"}, fwd0: "S1/8/2/fwd+bwd", note: "--only replaces the backward set"},
		{args: []string{"--pass", "fwd+bwd", "--batch", "1,2", "--threads", "1"}, want: 10,
			bwd:  []string{"S1/1/1", "S1/2/1", "G1/1/1", "G1/2/1", "DW2/1/1", "DW2/2/1", "PW2/1/1", "PW2/2/1", "CW1/1/1", "CW1/2/1"},
			fwd0: "S1/1/1/fwd+bwd", note: "--batch and --threads replace 8 and 2"},
		{args: []string{"--only", "dw2", "--batch", "8,1,8", "--threads", "2"}, want: 2,
			fwd0: "DW2/8/2/fwd", note: "case-insensitive names, duplicates dropped, order kept"},
	} {
		var a benchArgs
		c := benchOpsCmd(&a)
		if err := c.ParseFlags(tc.args); err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		jobs, err := a.jobs(c.Flags().Changed)
		if err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		name := func(j benchJob) string {
			return j.op.Name + "/" + strconv.Itoa(j.batch) + "/" + strconv.Itoa(j.threads)
		}
		var bwd []string
		for _, j := range jobs {
			if j.pass == opbench.ForwardBackward {
				bwd = append(bwd, name(j))
			}
		}
		if len(jobs) != tc.want || !slices.Equal(bwd, tc.bwd) || name(jobs[0])+"/"+string(jobs[0].pass) != tc.fwd0 {
			t.Errorf("%s (%v): %d jobs, first %s, fwd+bwd %v; want %d, %s, %v",
				tc.note, tc.args, len(jobs), name(jobs[0]), bwd, tc.want, tc.fwd0, tc.bwd)
		}
	}
}

func TestBenchFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--pass", "bwd"}, `--pass must be fwd, fwd+bwd or both, have "bwd"`},
		{[]string{"--only", "S1,XX"}, `unknown operator "XX"`},
		{[]string{"--only", ""}, "--only names no operator"},
		{[]string{"--threads", "0"}, "--threads values must be in 1..1024, have 0"},
		{[]string{"--threads", "two"}, `invalid argument "two" for "--threads"`},
		{[]string{"--batch", "-1"}, "--batch values must be in 1..65536, have -1"},
		{[]string{"--runs", "0"}, "--runs must be a positive integer"},
		{[]string{"--warmup", "0"}, "--warmup must be a positive integer"},
		{[]string{"--min-time", "-1s"}, "--min-time must not be negative"},
		{[]string{"--max-time", "-1s"}, "--max-time must not be negative"},
		{[]string{"--wait-quiet", "-1s"}, "--wait-quiet must not be negative"},
		{[]string{"--tries", "0"}, "--tries must be a positive integer"},
		{[]string{"--peak", "0"}, "--peak must be a positive number"},
		{[]string{"--peak", "NaN"}, "--peak must be a positive number"},
		{[]string{"extra"}, `unknown command "extra" for "convkit bench ops"`},
		{[]string{"--frob"}, "unknown flag: --frob"},
	} {
		code, out, errOut := runCLI(t, append([]string{"bench", "ops"}, tc.args...)...)
		if code != 1 || out != "" || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: status %d, stdout %q, stderr %q; want status 1 and %q", tc.args, code, out, errOut, tc.want)
		}
	}
	if code, _, errOut := runCLI(t, "bench", "frob"); code != 1 || !strings.Contains(errOut, `unknown command "frob"`) {
		t.Errorf("bench frob: status %d, stderr %q", code, errOut)
	}
}

func TestFmtNum(t *testing.T) {
	for v, want := range map[float64]string{1234.5: "1234", 22.43: "22.4", 1.5: "1.50", 0.8: "0.800", 0.0421: "0.0421", 0.001234: "0.00123"} {
		if got := fmtNum(v); got != want {
			t.Errorf("fmtNum(%v) = %q, want %q", v, got, want)
		}
	}
}
