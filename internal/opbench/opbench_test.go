package opbench

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/convkit/convkit/cost"
)

// TestTable checks the anchor table against ops.py: the names in order,
// the output shapes ops.py's modules produce, and the MAC formulas, which
// must also agree with package cost.
func TestTable(t *testing.T) {
	want := []string{"S1", "S2", "G1", "G2", "DW1", "DW2", "DW3", "DW4", "PW1", "PW2", "PW3", "PW4",
		"CS", "CW1", "GCW1", "GCW1u", "CCL", "FC"}
	if got := Names(); !slices.Equal(got, want) {
		t.Fatalf("names %v, want %v", got, want)
	}
	// The output shapes PyTorch gives for ops.py's modules at batch 1.
	outputs := map[string][]int{
		"S1": {1, 64, 56, 56}, "S2": {1, 32, 112, 112}, "G1": {1, 128, 28, 28}, "G2": {1, 60, 28, 28},
		"DW1": {1, 32, 112, 112}, "DW2": {1, 256, 28, 28}, "DW3": {1, 512, 14, 14}, "DW4": {1, 64, 56, 56},
		"PW1": {1, 64, 112, 112}, "PW2": {1, 256, 28, 28}, "PW3": {1, 512, 14, 14}, "PW4": {1, 1024, 7, 7},
		"CS": {1, 240, 28, 28}, "CW1": {1, 512, 14, 14},
		"GCW1":  {1, 512, 14, 14}, // 4 kernels × (512+60−64)/4+1 = 128
		"GCW1u": {1, 452, 14, 14}, // 4 kernels × (512−64)/4+1 = 113
		"CCL":   {1, 1000, 1, 1}, "FC": {1, 1000, 1, 1},
	}
	for _, o := range Ops() {
		in := o.Input(1)
		out, err := o.Spec.OutputShape(in)
		if err != nil {
			t.Errorf("%s: %v", o.Name, err)
			continue
		}
		if !slices.Equal(out, outputs[o.Name]) {
			t.Errorf("%s: output %v, want %v", o.Name, out, outputs[o.Name])
		}
		c, err := cost.Of(o.Spec, in)
		if err != nil {
			t.Errorf("%s: cost: %v", o.Name, err)
			continue
		}
		if c.MACs != o.MACs {
			t.Errorf("%s: table MACs %d, package cost says %d", o.Name, o.MACs, c.MACs)
		}
		if o.Bandwidth != (o.MACs == 0) {
			t.Errorf("%s: Bandwidth %v with %d MACs", o.Name, o.Bandwidth, o.MACs)
		}
	}
	// Spot checks of the MACs against RESULTS.md's summary table.
	for name, m := range map[string]int64{"S1": 115_605_504, "GCW1": 6_422_528, "GCW1u": 5_669_888, "CCL": 25_000} {
		if o, _ := Lookup(name); o.MACs != m {
			t.Errorf("%s: %d MACs, want %d", name, o.MACs, m)
		}
	}
	for _, n := range BackwardSet {
		if _, ok := Lookup(n); !ok {
			t.Errorf("backward set names unknown operator %s", n)
		}
	}
}

func TestSelect(t *testing.T) {
	ops, err := Select([]string{"dw2", "S1", " CS", "S1"})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, o := range ops {
		names = append(names, o.Name)
	}
	if !slices.Equal(names, []string{"S1", "DW2", "CS"}) {
		t.Errorf("got %v, want table order without duplicates", names)
	}
	if _, err := Select([]string{"S1", "XX"}); err == nil || !strings.Contains(err.Error(), `"XX"`) {
		t.Errorf("unknown name: error %v", err)
	}
}

// TestRun times the two cheapest operators once in each pass and checks
// the derived numbers.
func TestRun(t *testing.T) {
	opt := Options{Runs: 1, Warmup: 1}
	for _, tc := range []struct {
		name string
		pass Pass
	}{{"CCL", Forward}, {"CCL", ForwardBackward}, {"CS", Forward}, {"CS", ForwardBackward}} {
		op, _ := Lookup(tc.name)
		c, err := NewCase(op, 2, 1)
		if err != nil {
			t.Fatal(err)
		}
		r, err := c.Run(context.Background(), 1, tc.pass, opt)
		if err != nil {
			t.Fatalf("%s %s: %v", tc.name, tc.pass, err)
		}
		if r.Runs < 1 || r.Attempts != 1 || r.MedianMS <= 0 || r.MinMS > r.MedianMS || r.MedianMS > r.MaxMS {
			t.Errorf("%s %s: timing %+v", tc.name, tc.pass, r)
		}
		if r.Algorithm == "" || r.Op != tc.name || r.Batch != 2 || r.Threads != 1 || r.Pass != tc.pass {
			t.Errorf("%s %s: labels %+v", tc.name, tc.pass, r)
		}
		passes := int64(1)
		if tc.pass == ForwardBackward {
			passes = 3 // MACs: forward + two backward products
		}
		if r.MACs != passes*2*op.MACs {
			t.Errorf("%s %s: MACs %d, want %d", tc.name, tc.pass, r.MACs, passes*2*op.MACs)
		}
		if op.Bandwidth {
			if r.GBPS <= 0 || r.GFLOPS != 0 || r.PeakPct != 0 || r.Bytes == 0 {
				t.Errorf("%s %s: bandwidth fields %+v", tc.name, tc.pass, r)
			}
		} else {
			want := 2 * float64(r.MACs) / r.MedianMS * 1e-6
			if math.Abs(r.GFLOPS-want) > 1e-9*want || r.GBPS != 0 {
				t.Errorf("%s %s: GFLOP/s %v, want %v", tc.name, tc.pass, r.GFLOPS, want)
			}
			if p := 100 * r.GFLOPS / DefaultPeak; math.Abs(r.PeakPct-p) > 1e-9*p {
				t.Errorf("%s %s: %% peak %v, want %v", tc.name, tc.pass, r.PeakPct, p)
			}
		}
	}
}

// TestBackwardWritesGradients checks that fwd+bwd really computes the
// input and weight gradients into the case's tensors.
func TestBackwardWritesGradients(t *testing.T) {
	op, _ := Lookup("CCL")
	c, err := NewCase(op, 1, 7)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Run(context.Background(), 1, ForwardBackward, Options{Runs: 1}); err != nil {
		t.Fatal(err)
	}
	nonzero := func(d []float32) bool { return slices.ContainsFunc(d, func(v float32) bool { return v != 0 }) }
	if !nonzero(c.y.Data) || !nonzero(c.dx.Data) || !nonzero(c.grads[0].Data) {
		t.Error("forward output, input gradient or weight gradient is all zero")
	}
}

func TestMaxTimeAndCancel(t *testing.T) {
	op, _ := Lookup("CCL")
	c, err := NewCase(op, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	// MaxTime stops the loop after min(Runs, 3) calls although Runs and
	// MinTime ask for far more.
	r, err := c.Run(context.Background(), 1, Forward, Options{Runs: 1 << 30, MinTime: time.Hour, MaxTime: time.Nanosecond})
	if err != nil || r.Runs != 3 {
		t.Errorf("max time: %d runs, error %v; want 3 runs", r.Runs, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Run(ctx, 1, Forward, DefaultOptions()); err == nil {
		t.Error("cancelled context: no error")
	}
}

func TestErrors(t *testing.T) {
	op, _ := Lookup("CCL")
	if _, err := NewCase(op, 0, 1); err == nil {
		t.Error("batch 0: no error")
	}
	c, err := NewCase(op, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Run(context.Background(), 0, Forward, Options{}); err == nil {
		t.Error("threads 0: no error")
	}
	if _, err := c.Run(context.Background(), 1, "bwd", Options{}); err == nil {
		t.Error("unknown pass: no error")
	}
}

// TestQuietGated runs one quiet-gated timing: it waits (here at most one
// 0.5 s probe window), times for at least minProbe so that the foreign
// load is measured, and reports it on Linux.
func TestQuietGated(t *testing.T) {
	op, _ := Lookup("CCL")
	c, err := NewCase(op, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	r, err := c.Run(context.Background(), 1, Forward,
		Options{Runs: 1, Warmup: 1, MinTime: minProbe + 20*time.Millisecond, QuietWait: time.Nanosecond, Tries: 1})
	if err != nil {
		t.Fatal(err)
	}
	if r.Attempts != 1 {
		t.Errorf("%d attempts with Tries 1", r.Attempts)
	}
	if _, ok := machineBusy(); ok && (r.OtherLoad == nil || *r.OtherLoad < 0) {
		t.Errorf("other load %v, want a measurement", r.OtherLoad)
	}
}
