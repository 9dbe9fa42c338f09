package opbench

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"time"

	"github.com/convkit/convkit/conv"
	"github.com/convkit/convkit/tensor"
)

// Pass is what one timed call runs.
type Pass string

const (
	// Forward is one Plan.Forward.
	Forward Pass = "fwd"
	// ForwardBackward is one Plan.Forward followed by one Plan.Backward
	// computing the input gradient and every weight gradient, as the
	// anchors' m(x).sum().backward().
	ForwardBackward Pass = "fwd+bwd"
)

// DefaultPeak is the default FMA peak of one thread in GFLOP/s, for the
// "% of peak" column: the anchors measured 100.9 GFLOP/s on one core of
// their machine (AMD EPYC Zen 3, 12 independent chains of 8-wide FMA,
// 32 flop/cycle at about 3.15 GHz) and 197.7 on two.
const DefaultPeak = 100.0

// Options control the timing; DefaultOptions gives the anchors' settings.
type Options struct {
	// Runs is the least number of timed calls (at least 1).
	Runs int
	// Warmup is the number of untimed calls before timing. At least one
	// is always made, so that errors, first-touch page faults and lazily
	// built workspaces stay out of the timings.
	Warmup int
	// MinTime is the least total time of the timed calls.
	MinTime time.Duration
	// MaxTime, when positive, caps the warm-up and the timed loop: once
	// the warm-up has run that long it stops (after at least one call), and
	// once the timed loop has, it stops as soon as it has min(Runs, 3)
	// calls. It keeps slow kernels from taking minutes per configuration;
	// fast ones never hit it.
	MaxTime time.Duration
	// QuietWait, when positive, makes the harness quiet-gated like the
	// anchors' benchutil.timeit (which waits up to 240 s): before each
	// timed loop it waits up to QuietWait for other processes to use fewer
	// than 0.15 cores, and it retries a loop during which they used more,
	// up to Tries loops, keeping the least disturbed. Linux only; elsewhere
	// the load is unknown and nothing waits.
	QuietWait time.Duration
	// Tries bounds the timed loops of a quiet-gated timing (at least 1;
	// the anchors use 4).
	Tries int
	// Peak is the FMA peak of one thread in GFLOP/s for Result.PeakPct;
	// DefaultPeak when not positive.
	Peak float64
	// Algorithm, when set, forces the plans' algorithm
	// (conv.Options.Algorithm), e.g. conv.AlgoReference for the naive
	// baseline; planning fails for an operator it does not apply to.
	Algorithm conv.Algorithm
	// ConstantWeights plans the forward pass as inference with fixed
	// weights (conv.Options.ConstantWeights: weights packed once, as ONNX
	// Runtime prepacks its initializers). The forward+backward pass always
	// repacks, as training does.
	ConstantWeights bool
}

// DefaultOptions returns the settings of the anchors' forward timings
// (benchutil.timeit(runs=20, warmup=3, min_time=0.3), 4 tries), no time
// cap, no quiet-gating, DefaultPeak and constant weights in the forward
// pass.
func DefaultOptions() Options {
	return Options{Runs: 20, Warmup: 3, MinTime: 300 * time.Millisecond, Tries: maxTries, Peak: DefaultPeak,
		ConstantWeights: true}
}

// Result is one timed configuration. The JSON names are the interface of
// "convkit bench ops --json" and of scripts/bench_compare.sh.
type Result struct {
	Op        string `json:"op"`
	Note      string `json:"note"`
	Batch     int    `json:"batch"`
	Threads   int    `json:"threads"`
	Pass      Pass   `json:"pass"`
	Algorithm string `json:"algorithm"`
	Reason    string `json:"reason"`
	// Kernels is the assembly set that ran: "avx512", "avx2" or
	// "generic" (the pure-Go twins; conv.Kernels).
	Kernels string `json:"kernels"`
	// MACs are those of the whole batch and pass: 3× the forward MACs for
	// fwd+bwd (one forward and two backward products), as the anchors count.
	MACs int64 `json:"macs"`
	// Bytes is the tensor traffic of a Bandwidth operator (0 otherwise):
	// 2·N·C·H·W·4 per pass over the tensor, doubled for fwd+bwd.
	Bytes    int64   `json:"bytes,omitempty"`
	Runs     int     `json:"runs"`
	MedianMS float64 `json:"median_ms"`
	MinMS    float64 `json:"min_ms"`
	MaxMS    float64 `json:"max_ms"`
	// GFLOPS is 2·MACs / median (0 for a Bandwidth operator).
	GFLOPS float64 `json:"gflops"`
	// GBPS is Bytes / median, for a Bandwidth operator only.
	GBPS float64 `json:"gbps,omitempty"`
	// PeakPct is GFLOPS as a percentage of Peak × min(Threads, CPUs); 0
	// for a Bandwidth operator.
	PeakPct float64 `json:"peak_pct,omitempty"`
	// OtherLoad is the number of cores other processes used during the
	// timed loop (absent where it cannot be measured). Above about 0.3 the
	// timings are contaminated.
	OtherLoad *float64 `json:"other_load,omitempty"`
	// Attempts is the number of timed loops made (more than 1 only when
	// quiet-gated on a busy machine; the least disturbed one is kept).
	Attempts int `json:"attempts"`
}

// Case is one operator at one batch size with every tensor allocated once
// and filled with seeded random values.
type Case struct {
	Op    Op
	Batch int

	x, y   *tensor.Tensor
	params []*tensor.Tensor
	dy, dx *tensor.Tensor   // allocated by the first fwd+bwd run
	grads  []*tensor.Tensor // likewise
	rng    *rand.Rand
}

// NewCase allocates the input, output and parameters of op for a batch,
// filled with uniform random values in [−1, 1) from seed.
func NewCase(op Op, batch int, seed uint64) (*Case, error) {
	if batch < 1 {
		return nil, fmt.Errorf("opbench: batch %d must be ≥ 1", batch)
	}
	in := op.Input(batch)
	if _, err := tensor.NumElems(in); err != nil {
		return nil, fmt.Errorf("opbench: %s at batch %d: %v", op.Name, batch, err)
	}
	out, err := op.Spec.OutputShape(in)
	if err != nil {
		return nil, fmt.Errorf("opbench: %s: %w", op.Name, err)
	}
	c := &Case{Op: op, Batch: batch, rng: rand.New(rand.NewPCG(seed, uint64(batch)))}
	c.x = c.random(in)
	c.y = tensor.New(out...)
	for _, p := range op.Spec.Params() {
		c.params = append(c.params, c.random(p.Shape))
	}
	return c, nil
}

func (c *Case) random(shape []int) *tensor.Tensor {
	t := tensor.New(shape...)
	for i := range t.Data {
		t.Data[i] = 2*c.rng.Float32() - 1
	}
	return t
}

// allocBackward allocates the tensors of a backward pass once.
func (c *Case) allocBackward() {
	if c.dy != nil {
		return
	}
	c.dy = c.random(c.y.Shape)
	c.dx = tensor.New(c.x.Shape...)
	c.grads = make([]*tensor.Tensor, len(c.params))
	for i, p := range c.params {
		c.grads[i] = tensor.New(p.Shape...)
	}
}

// Run plans the operator for threads, then times pass. ctx cancels
// between calls (a call in progress finishes).
func (c *Case) Run(ctx context.Context, threads int, pass Pass, opt Options) (Result, error) {
	opt.Runs, opt.Warmup = max(opt.Runs, 1), max(opt.Warmup, 1)
	if opt.Peak <= 0 {
		opt.Peak = DefaultPeak
	}
	if threads < 1 {
		return Result{}, fmt.Errorf("opbench: threads %d must be ≥ 1", threads)
	}
	plan, err := conv.NewPlan(c.Op.Spec, c.x.Shape, conv.Options{Threads: threads, Algorithm: opt.Algorithm,
		ConstantWeights: opt.ConstantWeights && pass == Forward})
	if err != nil {
		return Result{}, fmt.Errorf("opbench: %s: %w", c.Op.Name, err)
	}
	var call func() error
	switch pass {
	case Forward:
		call = func() error { return plan.Forward(c.y, c.x, c.params...) }
	case ForwardBackward:
		c.allocBackward()
		call = func() error {
			if err := plan.Forward(c.y, c.x, c.params...); err != nil {
				return err
			}
			return plan.Backward(c.x, c.dy, c.dx, c.grads, c.params...)
		}
	default:
		return Result{}, fmt.Errorf("opbench: unknown pass %q (want %q or %q)", pass, Forward, ForwardBackward)
	}

	t, err := timeit(ctx, call, opt)
	if err != nil {
		return Result{}, fmt.Errorf("opbench: %s: %w", c.Op.Name, err)
	}
	algo, reason := plan.Algorithm()
	r := Result{Op: c.Op.Name, Note: c.Op.Note, Batch: c.Batch, Threads: threads, Pass: pass,
		Algorithm: string(algo), Reason: reason, Kernels: conv.Kernels(), MACs: c.Op.MACs * int64(c.Batch),
		Runs: t.Runs, MedianMS: t.Median, MinMS: t.Min, MaxMS: t.Max, Attempts: t.Attempts}
	if t.LoadOK {
		r.OtherLoad = &t.Load
	}
	passes := int64(1)
	if pass == ForwardBackward {
		r.MACs *= 3
		passes = 2
	}
	if c.Op.Bandwidth {
		r.Bytes = passes * c.Op.Bytes(c.Batch)
		r.GBPS = float64(r.Bytes) / r.MedianMS * 1e-6
	} else {
		r.GFLOPS = 2 * float64(r.MACs) / r.MedianMS * 1e-6
		r.PeakPct = 100 * r.GFLOPS / (opt.Peak * float64(min(threads, runtime.NumCPU())))
	}
	return r, nil
}

// Timing is the outcome of Measure or of a quiet-gated timing, in
// milliseconds. Load is the number of cores other processes used while
// timing, rounded to two decimals, and valid only where LoadOK. Attempts
// is the number of timed loops run; Measure leaves it 0 for its caller to
// set.
type Timing struct {
	Min, Median, Max float64
	Runs, Attempts   int
	Load             float64
	LoadOK           bool
}

// timeit warms up and times call like the anchors' benchutil.timeit:
// quiet-gated (opt.QuietWait > 0), up to opt.Tries timed loops, each after
// waiting for a quiet machine, keeping the least disturbed; otherwise one
// loop.
func timeit(ctx context.Context, call func() error, opt Options) (Timing, error) {
	tries := 1
	if opt.QuietWait > 0 {
		tries = max(opt.Tries, 1)
	}
	var best Timing
	for attempt := 1; attempt <= tries; attempt++ {
		if opt.QuietWait > 0 {
			if err := WaitQuiet(ctx, opt.QuietWait); err != nil {
				return Timing{}, err
			}
		}
		if err := ctx.Err(); err != nil {
			return Timing{}, err
		}
		warm := time.Now()
		for i := range opt.Warmup {
			if i > 0 && opt.MaxTime > 0 && time.Since(warm) >= opt.MaxTime {
				break
			}
			if err := call(); err != nil {
				return Timing{}, err
			}
		}
		t, err := Measure(ctx, call, opt)
		if err != nil {
			return Timing{}, err
		}
		t.Attempts = attempt
		if attempt == 1 || (t.LoadOK && t.Load < best.Load) {
			best = t
		}
		if !t.LoadOK || t.Load <= MaxOtherLoad {
			break
		}
	}
	return best, nil
}

// Measure runs the timed loop once: it calls call, timing each call,
// until it has made at least opt.Runs calls and opt.MinTime has passed,
// or, where opt.MaxTime > 0, once opt.MaxTime has passed and at least
// min(opt.Runs, 3) calls were made. It stops with an error when call
// fails or ctx is done. It also measures the cores other processes used
// meanwhile. Measure does no warm-up and no quiet gating; opt's other
// fields are ignored.
func Measure(ctx context.Context, call func() error, opt Options) (Timing, error) {
	least := min(opt.Runs, 3)
	ts := make([]float64, 0, max(opt.Runs, 64))
	probe := startProbe()
	start := time.Now()
	for {
		elapsed := time.Since(start)
		if len(ts) >= opt.Runs && elapsed >= opt.MinTime {
			break
		}
		if opt.MaxTime > 0 && elapsed >= opt.MaxTime && len(ts) >= least {
			break
		}
		if err := ctx.Err(); err != nil {
			return Timing{}, err
		}
		t0 := time.Now()
		if err := call(); err != nil {
			return Timing{}, err
		}
		ts = append(ts, float64(time.Since(t0).Nanoseconds())/1e6)
	}
	if len(ts) == 0 {
		return Timing{}, errors.New("no timed runs")
	}
	load, ok := probe.other()
	load = math.Round(load*100) / 100 // as benchutil.py: two decimals
	slices.Sort(ts)
	n := len(ts)
	med := ts[n/2]
	if n%2 == 0 {
		med = (ts[n/2-1] + ts[n/2]) / 2
	}
	return Timing{Min: ts[0], Median: med, Max: ts[n-1], Runs: n, Load: load, LoadOK: ok}, nil
}
