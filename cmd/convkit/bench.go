package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/convkit/convkit/conv"
	"github.com/convkit/convkit/internal/opbench"
)

func init() { register(newBenchCmd) }

func newBenchCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "bench",
		Short: "Time convkit's operators on this machine",
		Long: `Time convkit's operators on this machine.

See docs/performance.md for how to compare the numbers with PyTorch and ONNX
Runtime (scripts/bench_compare.sh).`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return fmt.Errorf("unknown command %q for %q", args[0], cmd.CommandPath())
			}
			return cmd.Help()
		},
	}
	c.AddCommand(newBenchOpsCmd())
	c.AddCommand(newBenchTrainCmd())
	return c
}

// benchArgs are the flags of "convkit bench ops".
type benchArgs struct {
	threads, batch   []int
	pass             string
	only             []string
	json             bool
	runs, warmup     int
	minTime, maxTime time.Duration
	quietWait        time.Duration
	tries            int
	peak             float64
	seed             uint64
	algorithm        string
	constW           bool // --constant-weights
}

// Limits of the list flags: more threads than this is a typo, and so is
// a batch whose anchor tensors could not be allocated (package tensor's
// limit is checked per operator as well).
const (
	maxBenchThreads = 1024
	maxBenchBatch   = 1 << 16
)

func newBenchOpsCmd() *cobra.Command { return benchOpsCmd(new(benchArgs)) }

// benchOpsCmd builds "convkit bench ops" with its flags bound to a.
func benchOpsCmd(a *benchArgs) *cobra.Command {
	c := &cobra.Command{
		Use:   "ops [flags]",
		Short: "Time each anchor operator forward (and forward+backward) through conv.Plan",
		Long: `Time each operator of the performance-anchor table (the shapes of the PyTorch
anchors' ops.py) through conv.Plan, as applications run them: plan once,
allocate every tensor once, warm up, then time at least --runs calls and at
least --min-time, and report the median, minimum and maximum.

Operators (--only):
  S1 S2 G1 G2          standard and group convolutions (GEMM-bound)
  DW1 DW2 DW3 DW4      depthwise 3×3 (memory-bound)
  PW1 PW2 PW3 PW4      pointwise 1×1 (GEMM-bound)
  CS                   channel shuffle (bandwidth: reported in GB/s)
  CW1 GCW1 GCW1u       ChannelNets channel-wise and group channel-wise
  CCL FC               conv classification layer, and the FC it replaces

Passes (--pass): fwd is one Plan.Forward; fwd+bwd is Plan.Forward then
Plan.Backward computing the input and weight gradients; "both" runs the two.
The forward pass is timed as inference with fixed weights
(conv.Options.ConstantWeights: the GEMM-based operators pack their weights
once, as ONNX Runtime prepacks its initializers); --constant-weights=false
repacks them on every call, as training must. fwd+bwd always repacks.
By default fwd+bwd runs the anchors' backward set (` + strings.Join(opbench.BackwardSet, ", ") + `)
at batch 8 with 2 threads; --only, --batch and --threads, when given, replace
the respective default.

GFLOP/s = 2·MACs/median, where fwd+bwd counts 3× the forward MACs (as the
anchors). CS reports GB/s = 2·4·N·C·H·W bytes (read + write) per pass/median.
% PEAK is GFLOP/s over --peak × min(threads, CPUs); the default 100 GFLOP/s
per thread is the FMA peak the anchors measured on one core of their machine
(AVX2/FMA, about 3.15 GHz): measure yours (docs/performance.md) and pass it.
--max-time keeps slow kernels from running --runs times.

LOAD is the number of cores other processes used while timing (Linux); above
0.3 a timing is suspect. --wait-quiet D waits up to D before each timing for
other processes to use under 0.15 cores, and retries a timing they disturbed
(up to --tries), keeping the least disturbed: the anchors' benchutil.py does
this with D = 4m.`,
		Example: `  convkit bench ops --only DW2,CW1 --batch 1
  convkit bench ops --pass fwd+bwd
  convkit bench ops --threads 1 --batch 8 --json > bench.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			jobs, err := a.jobs(cmd.Flags().Changed)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt)
			defer stop()
			results, err := runBench(ctx, jobs, a.options(), a.seed, newBenchProgress(cmd.ErrOrStderr()))
			if err != nil {
				return err
			}
			if a.json {
				return writeBenchJSON(cmd.OutOrStdout(), results)
			}
			return writeBenchText(cmd.OutOrStdout(), *a, results)
		},
	}
	def := opbench.DefaultOptions()
	f := c.Flags()
	f.IntSliceVar(&a.threads, "threads", []int{1, 2}, "thread counts, comma-separated")
	f.IntSliceVar(&a.batch, "batch", []int{1, 8}, "batch sizes, comma-separated")
	f.StringVar(&a.pass, "pass", "fwd", "fwd, fwd+bwd or both")
	f.StringSliceVar(&a.only, "only", nil, "operators to time, comma-separated (default all)")
	f.BoolVar(&a.json, "json", false, "print a JSON array instead of a table")
	f.IntVar(&a.runs, "runs", def.Runs, "least number of timed calls")
	f.IntVar(&a.warmup, "warmup", def.Warmup, "untimed calls before timing (at least 1)")
	f.DurationVar(&a.minTime, "min-time", def.MinTime, "least total time of the timed calls")
	f.DurationVar(&a.maxTime, "max-time", 10*time.Second,
		"stop timing a configuration after this long once it has min(runs, 3) calls; 0: no cap")
	f.DurationVar(&a.quietWait, "wait-quiet", 0,
		"before each timing wait up to this long for a quiet machine, and retry disturbed timings; 0: off")
	f.IntVar(&a.tries, "tries", def.Tries, "timed loops to try per configuration with --wait-quiet")
	f.Float64Var(&a.peak, "peak", opbench.DefaultPeak, "FMA peak of one thread in GFLOP/s, for % PEAK")
	f.Uint64Var(&a.seed, "seed", 1, "seed of the random inputs and weights")
	f.StringVar(&a.algorithm, "algorithm", "",
		"force this algorithm for every plan (e.g. reference, the naive baseline; see convkit explain)")
	f.BoolVar(&a.constW, "constant-weights", def.ConstantWeights,
		"time the forward pass as inference with fixed weights, packed once (false: repacked every call, as in training)")
	return c
}

func (a *benchArgs) options() opbench.Options {
	return opbench.Options{Runs: a.runs, Warmup: a.warmup, MinTime: a.minTime, MaxTime: a.maxTime,
		QuietWait: a.quietWait, Tries: a.tries, Peak: a.peak, Algorithm: conv.Algorithm(a.algorithm),
		ConstantWeights: a.constW}
}

// benchJob is one configuration to time.
type benchJob struct {
	op             opbench.Op
	batch, threads int
	pass           opbench.Pass
}

// jobs validates the flags and lists the configurations, operator-major
// (in table order), then batch, pass and threads, so that each operator's
// tensors for one batch are allocated once and freed before the next.
// changed reports whether a flag was given on the command line.
func (a benchArgs) jobs(changed func(string) bool) ([]benchJob, error) {
	if err := a.check(); err != nil {
		return nil, err
	}
	var passes []opbench.Pass
	switch a.pass {
	case "fwd":
		passes = []opbench.Pass{opbench.Forward}
	case "fwd+bwd":
		passes = []opbench.Pass{opbench.ForwardBackward}
	case "both":
		passes = []opbench.Pass{opbench.Forward, opbench.ForwardBackward}
	default:
		return nil, fmt.Errorf("--pass must be fwd, fwd+bwd or both, have %q", a.pass)
	}
	all := opbench.Names()
	if changed("only") {
		if len(a.only) == 0 {
			return nil, fmt.Errorf("--only names no operator (have %s)", strings.Join(all, ", "))
		}
		all = a.only
	}
	if _, err := opbench.Select(all); err != nil {
		return nil, fmt.Errorf("--only: %v", err)
	}
	// The operators, batches and thread counts of each pass.
	type set struct {
		ops              map[string]bool
		batches, threads []int
	}
	sets := map[opbench.Pass]set{}
	for _, p := range passes {
		s := set{ops: map[string]bool{}, batches: dedupe(a.batch), threads: dedupe(a.threads)}
		names := all
		if p == opbench.ForwardBackward {
			if !changed("only") {
				names = opbench.BackwardSet
			}
			if !changed("batch") {
				s.batches = []int{opbench.BackwardBatch}
			}
			if !changed("threads") {
				s.threads = []int{opbench.BackwardThreads}
			}
		}
		sel, _ := opbench.Select(names)
		for _, o := range sel {
			s.ops[o.Name] = true
		}
		sets[p] = s
	}
	var batches []int
	for _, p := range passes {
		batches = dedupe(append(batches, sets[p].batches...))
	}
	var jobs []benchJob
	for _, op := range opbench.Ops() {
		for _, b := range batches {
			for _, p := range passes {
				s := sets[p]
				if !s.ops[op.Name] || !slices.Contains(s.batches, b) {
					continue
				}
				for _, t := range s.threads {
					jobs = append(jobs, benchJob{op: op, batch: b, threads: t, pass: p})
				}
			}
		}
	}
	return jobs, nil
}

// checkThreadsBatch rejects --threads and --batch lists that are empty or
// hold a value out of range; "convkit bench ops" and "convkit bench train"
// share it.
func checkThreadsBatch(threads, batch []int) error {
	for _, f := range []struct {
		name string
		vs   []int
		max  int
	}{{"threads", threads, maxBenchThreads}, {"batch", batch, maxBenchBatch}} {
		if len(f.vs) == 0 {
			return fmt.Errorf("--%s needs at least one value", f.name)
		}
		for _, v := range f.vs {
			if v < 1 || v > f.max {
				return fmt.Errorf("--%s values must be in 1..%d, have %d", f.name, f.max, v)
			}
		}
	}
	return nil
}

// check rejects flag values out of range.
func (a benchArgs) check() error {
	if err := checkThreadsBatch(a.threads, a.batch); err != nil {
		return err
	}
	switch {
	case a.runs < 1:
		return fmt.Errorf("--runs must be a positive integer, have %d", a.runs)
	case a.warmup < 1:
		return fmt.Errorf("--warmup must be a positive integer, have %d", a.warmup)
	case a.minTime < 0:
		return fmt.Errorf("--min-time must not be negative, have %v", a.minTime)
	case a.maxTime < 0:
		return fmt.Errorf("--max-time must not be negative, have %v", a.maxTime)
	case a.quietWait < 0:
		return fmt.Errorf("--wait-quiet must not be negative, have %v", a.quietWait)
	case a.tries < 1:
		return fmt.Errorf("--tries must be a positive integer, have %d", a.tries)
	case !(a.peak > 0) || a.peak > 1e9: // also rejects NaN
		return fmt.Errorf("--peak must be a positive number of GFLOP/s, have %v", a.peak)
	}
	return nil
}

// dedupe returns the values of s in order, each once.
func dedupe(s []int) []int {
	var out []int
	for _, v := range s {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// runBench times the jobs in order, reusing one operator's tensors across
// consecutive jobs with the same operator and batch.
func runBench(ctx context.Context, jobs []benchJob, opt opbench.Options, seed uint64, prog *benchProgress) ([]opbench.Result, error) {
	defer prog.done()
	var (
		c       *opbench.Case
		results []opbench.Result
	)
	for i, j := range jobs {
		prog.show(i, len(jobs), j)
		if c == nil || c.Op.Name != j.op.Name || c.Batch != j.batch {
			c = nil // let the previous tensors go before allocating the next
			var err error
			if c, err = opbench.NewCase(j.op, j.batch, seed); err != nil {
				return nil, err
			}
		}
		r, err := c.Run(ctx, j.threads, j.pass, opt)
		if err != nil {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("interrupted at %s batch %d threads %d %s", j.op.Name, j.batch, j.threads, j.pass)
			}
			return nil, err
		}
		results = append(results, r)
	}
	return results, nil
}

// benchProgress shows which configuration runs, on one line of a
// terminal. It writes nothing when its writer is not a terminal, so that
// scripts and tests see only the results.
type benchProgress struct {
	w     io.Writer // nil: silent
	start time.Time
}

func newBenchProgress(w io.Writer) *benchProgress {
	if !isTerminal(w) {
		return &benchProgress{}
	}
	return &benchProgress{w: w, start: time.Now()}
}

func (p *benchProgress) show(i, n int, j benchJob) {
	if p.w == nil {
		return
	}
	fmt.Fprintf(p.w, "\r\033[K[%d/%d, %s] %s batch %d threads %d %s",
		i+1, n, fmtDuration(time.Since(p.start)), j.op.Name, j.batch, j.threads, j.pass)
}

func (p *benchProgress) done() {
	if p.w != nil {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

// writeBenchJSON writes the results as a JSON array, one object per line.
func writeBenchJSON(w io.Writer, results []opbench.Result) error {
	lines := make([]string, len(results))
	for i, r := range results {
		var b strings.Builder
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false) // keep the notes' "->" readable
		if err := enc.Encode(r); err != nil {
			return err
		}
		lines[i] = "  " + strings.TrimSuffix(b.String(), "\n")
	}
	_, err := fmt.Fprintf(w, "[\n%s\n]\n", strings.Join(lines, ",\n"))
	return err
}

// suspectLoad is the foreign load (cores) above which the anchors call a
// timing contaminated.
const suspectLoad = 0.3

func writeBenchText(w io.Writer, a benchArgs, results []opbench.Result) error {
	fmt.Fprintf(w, "convkit bench ops: median of ≥ %d calls and ≥ %v after %d warm-up calls (cap %v); peak %.4g GFLOP/s per thread; %s kernels\n\n",
		a.runs, a.minTime, a.warmup, a.maxTime, a.peak, conv.Kernels())
	table := [][]string{{"OP", "SHAPE", "BATCH", "THREADS", "PASS", "ALGORITHM", "MEDIAN MS", "MIN MS", "RUNS", "RATE", "% PEAK", "LOAD"}}
	suspect := false
	for _, r := range results {
		rate, peak := fmtNum(r.GFLOPS)+" GFLOP/s", fmt.Sprintf("%.0f%%", r.PeakPct)
		if r.GBPS > 0 {
			rate, peak = fmtNum(r.GBPS)+" GB/s", "-"
		}
		load, sus := fmtLoad(r.OtherLoad)
		suspect = suspect || sus
		table = append(table, []string{r.Op, r.Note, fmt.Sprint(r.Batch), fmt.Sprint(r.Threads), string(r.Pass),
			r.Algorithm, fmtNum(r.MedianMS), fmtNum(r.MinMS), fmt.Sprint(r.Runs), rate, peak, load})
	}
	if err := writeTable(w, table, map[int]bool{2: true, 3: true, 6: true, 7: true, 8: true, 9: true, 10: true, 11: true}); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nGFLOP/s = 2·MACs/median; fwd+bwd counts 3× the forward MACs. CS: GB/s = 2·4·N·C·H·W bytes per pass/median.")
	writeLoadNote(w, suspect)
	return nil
}

// fmtLoad formats the LOAD column: the cores other processes used, "-"
// when unknown, marked "*" and reported as suspect above suspectLoad.
func fmtLoad(load *float64) (s string, suspect bool) {
	if load == nil {
		return "-", false
	}
	s = fmt.Sprintf("%.2f", *load)
	if *load > suspectLoad {
		return s + "*", true
	}
	return s, false
}

// writeLoadNote writes the legend of the LOAD column, and the warning
// when some timing was suspect.
func writeLoadNote(w io.Writer, suspect bool) {
	fmt.Fprintln(w, "LOAD = cores used by other processes while timing.")
	if suspect {
		fmt.Fprintf(w, "* other processes used more than %.1f cores: those timings are suspect (try --wait-quiet).\n", suspectLoad)
	}
}

// fmtNum formats a positive measurement with three significant digits
// (more above 1000) and no exponent down to 0.0001.
func fmtNum(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	case v >= 1:
		return fmt.Sprintf("%.2f", v)
	case v >= 0.1:
		return fmt.Sprintf("%.3f", v)
	}
	return fmt.Sprintf("%.3g", v)
}
