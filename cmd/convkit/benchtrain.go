package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/signal"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/convkit/convkit/cost"
	"github.com/convkit/convkit/internal/opbench"
	"github.com/convkit/convkit/nn"
	"github.com/convkit/convkit/tensor"
	"github.com/convkit/convkit/train"
	"github.com/convkit/convkit/zoo"
)

// benchTrainArgs are the flags of "convkit bench train".
type benchTrainArgs struct {
	nets             []string
	threads, batch   []int
	json, layers     bool
	inputGrad        bool
	runs, warmup     int
	minTime, maxTime time.Duration
	quietWait        time.Duration
	tries            int
	seed             uint64
}

// anchorNets are the networks of the anchors' train.py, in its order.
var anchorNets = []string{"std", "dws"}

func newBenchTrainCmd() *cobra.Command {
	a := &benchTrainArgs{}
	c := &cobra.Command{
		Use:   "train [flags]",
		Short: "Time training steps (forward, loss, backward, SGD) of small networks",
		Long: `Time whole training steps — zero the gradients, forward, softmax cross-entropy,
backward, SGD update (lr 0.01, momentum 0.9) — on a batch of random 1×28×28
images with random labels, as the PyTorch anchors' train.py does.

Networks (--net):
  std      conv3x3 1→32, conv3x3/2 32→64, conv3x3/2 64→128, each followed by
           BatchNorm and ReLU; global average pooling; Linear 128→10
  dws      the same with the last two convolutions replaced by depthwise
           separable blocks (dw3x3/2 + BN + ReLU, pw1x1 + BN + ReLU)
  ` + strings.Join(zoo.Names(), ", ") + `
           the convkit zoo models at width 1 (see convkit summary)

Weights use PyTorch's default initialisation. Like train.py's input, which
does not require a gradient, the first layer skips its input gradient
(--input-grad computes it). Timing follows benchutil.timeit: --warmup
untimed steps, then at least --runs steps and --min-time; images/s is
batch/median (and batch/min for "best"), train GFLOP/s is
3·2·MACs·batch/median with MACs the forward multiply-accumulates of one
image (conv and linear weights only, the anchors' count). --layers adds
the time of each convolution and linear layer, forward and backward, with
the algorithm conv.Plan chose; the rest of the step (BatchNorm, ReLU,
pooling, loss, SGD) is one line.

LOAD is the number of cores other processes used while timing (Linux);
above 0.3 a timing is suspect. --wait-quiet D waits up to D for a quiet
machine before each timing and retries disturbed ones (up to --tries),
keeping the least disturbed, as benchutil.timeit does with D = 4m.`,
		Example: `  convkit bench train
  convkit bench train --net std --threads 1,2 --json
  convkit bench train --net dws,channel --layers`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.check(); err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt)
			defer stop()
			var results []trainResult
			for _, net := range dedupeStrings(a.nets) {
				for _, batch := range dedupe(a.batch) {
					for _, threads := range dedupe(a.threads) {
						r, err := benchTrainOne(ctx, *a, net, batch, threads)
						if err != nil {
							return err
						}
						results = append(results, r)
					}
				}
			}
			if a.json {
				return writeTrainJSON(cmd.OutOrStdout(), results)
			}
			return writeTrainText(cmd.OutOrStdout(), *a, results)
		},
	}
	f := c.Flags()
	f.StringSliceVar(&a.nets, "net", anchorNets, "networks, comma-separated: std, dws or zoo model names")
	f.IntSliceVar(&a.threads, "threads", []int{2}, "thread counts, comma-separated")
	f.IntSliceVar(&a.batch, "batch", []int{64}, "batch sizes, comma-separated")
	f.BoolVar(&a.json, "json", false, "print a JSON array instead of a table")
	f.BoolVar(&a.layers, "layers", false, "also time each convolution and linear layer")
	f.BoolVar(&a.inputGrad, "input-grad", false, "compute the input gradient of the first layer too")
	f.IntVar(&a.runs, "runs", 30, "least number of timed steps")
	f.IntVar(&a.warmup, "warmup", 5, "untimed steps before timing (at least 1)")
	f.DurationVar(&a.minTime, "min-time", time.Second, "least total time of the timed steps")
	f.DurationVar(&a.maxTime, "max-time", time.Minute,
		"stop timing a configuration after this long once it has 3 steps; 0: no cap")
	f.DurationVar(&a.quietWait, "wait-quiet", 0,
		"before each timing wait up to this long for a quiet machine, and retry disturbed timings; 0: off")
	f.IntVar(&a.tries, "tries", 4, "timed loops to try per configuration with --wait-quiet")
	f.Uint64Var(&a.seed, "seed", 1, "seed of the weights, images and labels")
	return c
}

// check rejects flag values out of range.
func (a benchTrainArgs) check() error {
	if len(a.nets) == 0 {
		return fmt.Errorf("--net names no network")
	}
	for _, n := range a.nets {
		if !slices.Contains(anchorNets, n) && !slices.Contains(zoo.Names(), n) {
			return fmt.Errorf("--net: unknown network %q (have %s)", n, strings.Join(append(slices.Clone(anchorNets), zoo.Names()...), ", "))
		}
	}
	if err := checkThreadsBatch(a.threads, a.batch); err != nil {
		return err
	}
	switch {
	case a.runs < 1:
		return fmt.Errorf("--runs must be a positive integer, have %d", a.runs)
	case a.warmup < 1:
		return fmt.Errorf("--warmup must be a positive integer, have %d", a.warmup)
	case a.minTime < 0 || a.maxTime < 0 || a.quietWait < 0:
		return fmt.Errorf("--min-time, --max-time and --wait-quiet must not be negative")
	case a.tries < 1:
		return fmt.Errorf("--tries must be a positive integer, have %d", a.tries)
	}
	return nil
}

// dedupeStrings returns the values of s in order, each once.
func dedupeStrings(s []string) []string {
	var out []string
	for _, v := range s {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// trainResult is one timed configuration; the JSON names are the
// interface of "convkit bench train --json" and scripts/bench_train.sh.
type trainResult struct {
	Net     string `json:"net"`
	Batch   int    `json:"batch"`
	Threads int    `json:"threads"`
	// FwdMACsPerImg are the forward multiply-accumulates of one image.
	FwdMACsPerImg int64   `json:"fwd_macs_per_img"`
	Params        int     `json:"params"`
	Runs          int     `json:"runs"`
	MedianMS      float64 `json:"median_ms"`
	MinMS         float64 `json:"min_ms"`
	MaxMS         float64 `json:"max_ms"`
	// ImgPerS is batch/median, ImgPerSBest batch/min.
	ImgPerS     float64 `json:"img_per_s"`
	ImgPerSBest float64 `json:"img_per_s_best"`
	// TrainGFLOPS is 3·2·MACs·batch/median, as train.py counts it.
	TrainGFLOPS float64  `json:"train_gflops"`
	OtherLoad   *float64 `json:"other_load,omitempty"`
	Attempts    int      `json:"attempts"`
	// Layers is the per-layer breakdown of --layers.
	Layers []layerTime `json:"layers,omitempty"`
}

// layerTime is the mean time per step of one convolution or linear layer.
type layerTime struct {
	Name      string  `json:"name"`
	Op        string  `json:"op"`
	Algorithm string  `json:"algorithm,omitempty"`
	MACs      int64   `json:"macs"` // forward, whole batch
	FwdMS     float64 `json:"fwd_ms"`
	BwdMS     float64 `json:"bwd_ms"`
	// InputGrad reports whether the backward computed the input gradient
	// (its work is then 2× the forward MACs, else 1×).
	InputGrad bool `json:"input_grad"`
}

// buildTrainNet returns network name (an anchor network or a zoo family)
// with weights drawn from seed.
func buildTrainNet(name string, seed uint64) (nn.Layer, error) {
	if slices.Contains(zoo.AnchorNames, name) {
		return zoo.Anchor(name, seed)
	}
	return zoo.New(name, zoo.Config{Seed: seed})
}

// benchTrainOne times training steps of one network, batch and thread
// count.
func benchTrainOne(ctx context.Context, a benchTrainArgs, name string, batch, threads int) (trainResult, error) {
	m, err := buildTrainNet(name, a.seed)
	if err != nil {
		return trainResult{}, err
	}
	in := []int{batch, 1, 28, 28}
	macs, err := modelMACs(m, []int{1, 1, 28, 28})
	if err != nil {
		return trainResult{}, fmt.Errorf("%s: %w", name, err)
	}
	nn.SetThreads(m, threads)
	nn.SetInputGrad(m, a.inputGrad)
	var timers []*timedLayer
	if a.layers {
		timers = instrument(m, "")
	}
	opt, err := train.NewSGD(nn.NamedParams(m), train.SGDConfig{Momentum: 0.9})
	if err != nil {
		return trainResult{}, err
	}
	rng := rand.New(rand.NewPCG(a.seed, uint64(batch)))
	x := tensor.New(in...)
	for i := range x.Data {
		x.Data[i] = float32(rng.NormFloat64())
	}
	labels := make([]int, batch)
	for i := range labels {
		labels[i] = rng.IntN(10)
	}
	var loss nn.CrossEntropyLoss
	step := func() error {
		nn.ZeroGrad(m)
		y, err := m.Forward(x)
		if err != nil {
			return err
		}
		_, dl, err := loss.Loss(y, labels)
		if err != nil {
			return err
		}
		if _, err := m.Backward(dl); err != nil {
			return err
		}
		opt.Step(0.01)
		return nil
	}
	opts := trainTimeOpts{runs: a.runs, warmup: a.warmup, minTime: a.minTime, maxTime: a.maxTime,
		quietWait: a.quietWait, tries: a.tries}
	if a.layers {
		opts.reset = func() {
			for _, t := range timers {
				t.fwd, t.bwd = 0, 0
			}
		}
	}
	t, err := timeSteps(ctx, step, opts)
	if err != nil {
		return trainResult{}, fmt.Errorf("%s batch %d threads %d: %w", name, batch, threads, err)
	}
	r := trainResult{Net: name, Batch: batch, Threads: threads, FwdMACsPerImg: macs, Params: nn.NumParams(m),
		Runs: t.Runs, MedianMS: t.Median, MinMS: t.Min, MaxMS: t.Max, Attempts: t.Attempts,
		ImgPerS: float64(batch) / t.Median * 1e3, ImgPerSBest: float64(batch) / t.Min * 1e3,
		TrainGFLOPS: 3 * 2 * float64(macs) * float64(batch) / t.Median * 1e-6}
	if t.LoadOK {
		r.OtherLoad = &t.Load
	}
	for _, l := range timers {
		lt := layerTime{Name: l.name, Op: fmt.Sprint(l.Layer), MACs: l.macs,
			FwdMS: l.fwd.Seconds() * 1e3 / float64(t.Runs), BwdMS: l.bwd.Seconds() * 1e3 / float64(t.Runs), InputGrad: !l.noDX}
		if c, ok := l.Layer.(*nn.Conv); ok {
			algo, _ := c.Algorithm()
			lt.Algorithm = string(algo)
		} else {
			lt.Algorithm = "gemm"
		}
		r.Layers = append(r.Layers, lt)
	}
	return r, nil
}

// modelMACs returns the forward multiply-accumulates of m on an input of
// shape in, counting convolution and linear weights as package cost does.
func modelMACs(l nn.Layer, in []int) (int64, error) {
	var total int64
	var visit func(l nn.Layer, in []int) ([]int, error)
	visit = func(l nn.Layer, in []int) ([]int, error) {
		switch v := l.(type) {
		case nil:
			return in, nil
		case *zoo.Model:
			return visit(v.Sequential, in)
		case *nn.Sequential:
			for _, c := range v.Layers {
				var err error
				if in, err = visit(c.Layer, in); err != nil {
					return nil, err
				}
			}
			return in, nil
		case *nn.Residual:
			out, err := visit(v.Body, in)
			if err != nil {
				return nil, err
			}
			if _, err := visit(v.Shortcut, in); err != nil {
				return nil, err
			}
			return visit(v.Post, out)
		case *nn.Concat:
			for _, b := range v.Branches {
				if _, err := visit(b.Layer, in); err != nil {
					return nil, err
				}
			}
			return v.OutputShape(in)
		case *nn.Conv:
			c, err := cost.Of(v.Op(), in)
			if err != nil {
				return nil, err
			}
			total += c.MACs
			return c.Output, nil
		case *nn.Linear:
			total += int64(numElems(in) / v.In * v.In * v.Out)
		}
		return l.OutputShape(in)
	}
	if _, err := visit(l, in); err != nil {
		return 0, err
	}
	return total, nil
}

// timedLayer wraps a convolution or linear layer to time its calls.
type timedLayer struct {
	nn.Layer
	name     string
	macs     int64
	noDX     bool
	fwd, bwd time.Duration
}

func (t *timedLayer) Forward(x *tensor.Tensor) (*tensor.Tensor, error) {
	start := time.Now()
	y, err := t.Layer.Forward(x)
	t.fwd += time.Since(start)
	if t.macs == 0 && err == nil {
		t.macs, _ = modelMACs(t.Layer, x.Shape)
	}
	return y, err
}

func (t *timedLayer) Backward(dy *tensor.Tensor) (*tensor.Tensor, error) {
	start := time.Now()
	dx, err := t.Layer.Backward(dy)
	t.bwd += time.Since(start)
	t.noDX = dx == nil
	return dx, err
}

// instrument replaces every Conv and Linear in the tree below l by a
// timedLayer and returns them in forward order. Other layers stay as they
// are, so Sequential still fuses BatchNorm2d and ReLU.
func instrument(l nn.Layer, path string) []*timedLayer {
	var out []*timedLayer
	wrap := func(child *nn.Layer, name string) {
		switch (*child).(type) {
		case *nn.Conv, *nn.Linear:
			t := &timedLayer{Layer: *child, name: name}
			*child = t
			out = append(out, t)
		default:
			out = append(out, instrument(*child, name)...)
		}
	}
	join := func(name string) string {
		if path == "" {
			return name
		}
		return path + "." + name
	}
	switch v := l.(type) {
	case *zoo.Model:
		return instrument(v.Sequential, path)
	case *nn.Sequential:
		for i := range v.Layers {
			wrap(&v.Layers[i].Layer, join(v.Layers[i].Name))
		}
	case *nn.Residual:
		for _, c := range v.Children() {
			switch c.Layer {
			case v.Body:
				wrap(&v.Body, join(c.Name))
			case v.Shortcut:
				wrap(&v.Shortcut, join(c.Name))
			case v.Post:
				wrap(&v.Post, join(c.Name))
			}
		}
	case *nn.Concat:
		for i := range v.Branches {
			if v.Branches[i].Layer != nil {
				wrap(&v.Branches[i].Layer, join(v.Branches[i].Name))
			}
		}
	}
	return out
}

// trainTimeOpts configure timeSteps.
type trainTimeOpts struct {
	runs, warmup     int
	minTime, maxTime time.Duration
	quietWait        time.Duration
	tries            int
	reset            func() // called before each timed loop, if set
}

// timeSteps warms up and times step like the anchors' benchutil.timeit,
// with package opbench's timed loop, load probe and quiet gating.
func timeSteps(ctx context.Context, step func() error, o trainTimeOpts) (opbench.Timing, error) {
	tries := 1
	if o.quietWait > 0 {
		tries = o.tries
	}
	var best opbench.Timing
	for attempt := 1; attempt <= tries; attempt++ {
		if o.quietWait > 0 {
			if err := opbench.WaitQuiet(ctx, o.quietWait); err != nil {
				return opbench.Timing{}, err
			}
		}
		for range o.warmup {
			if err := step(); err != nil {
				return opbench.Timing{}, err
			}
		}
		if o.reset != nil {
			o.reset()
		}
		t, err := opbench.Measure(ctx, step, opbench.Options{Runs: o.runs, MinTime: o.minTime, MaxTime: o.maxTime})
		if err != nil {
			return opbench.Timing{}, err
		}
		t.Attempts = attempt
		if attempt == 1 || (t.LoadOK && t.Load < best.Load) {
			best = t
		}
		if !t.LoadOK || t.Load <= opbench.MaxOtherLoad {
			break
		}
	}
	return best, nil
}

// writeTrainJSON writes the results as a JSON array, one object per line.
func writeTrainJSON(w io.Writer, results []trainResult) error {
	lines := make([]string, len(results))
	for i, r := range results {
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		lines[i] = "  " + string(b)
	}
	_, err := fmt.Fprintf(w, "[\n%s\n]\n", strings.Join(lines, ",\n"))
	return err
}

func writeTrainText(w io.Writer, a benchTrainArgs, results []trainResult) error {
	fmt.Fprintf(w, "convkit bench train: SGD steps on random 1×28×28 images; median of ≥ %d steps and ≥ %v after %d warm-up steps\n\n",
		a.runs, a.minTime, a.warmup)
	table := [][]string{{"NET", "BATCH", "THREADS", "MEDIAN MS", "MIN MS", "RUNS", "IMG/S", "BEST IMG/S", "TRAIN GFLOP/S", "LOAD"}}
	suspect := false
	for _, r := range results {
		load, sus := fmtLoad(r.OtherLoad)
		suspect = suspect || sus
		table = append(table, []string{r.Net, fmt.Sprint(r.Batch), fmt.Sprint(r.Threads), fmtNum(r.MedianMS), fmtNum(r.MinMS),
			fmt.Sprint(r.Runs), fmtNum(r.ImgPerS), fmtNum(r.ImgPerSBest), fmtNum(r.TrainGFLOPS), load})
	}
	if err := writeTable(w, table, map[int]bool{1: true, 2: true, 3: true, 4: true, 5: true, 6: true, 7: true, 8: true, 9: true}); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nIMG/S = batch/median (BEST: batch/min); TRAIN GFLOP/S = 3·2·forward MACs·batch/median.")
	writeLoadNote(w, suspect)
	for _, r := range results {
		if len(r.Layers) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s, batch %d, %d threads: mean ms per step\n\n", r.Net, r.Batch, r.Threads)
		rows := [][]string{{"LAYER", "OP", "ALGORITHM", "FWD MS", "BWD MS", "TOTAL MS", "FWD GFLOP/S", "BWD GFLOP/S"}}
		var sum float64
		for _, l := range r.Layers {
			bwdMACs := 2 * l.MACs
			op := l.Op
			if !l.InputGrad {
				bwdMACs = l.MACs
				op += " (no dx)"
			}
			rows = append(rows, []string{l.Name, op, l.Algorithm, fmtNum(l.FwdMS), fmtNum(l.BwdMS), fmtNum(l.FwdMS + l.BwdMS),
				fmtRate(2*float64(l.MACs), l.FwdMS), fmtRate(2*float64(bwdMACs), l.BwdMS)})
			sum += l.FwdMS + l.BwdMS
		}
		// Layer times are means over the timed steps, the rest is taken
		// against the median step.
		rows = append(rows,
			[]string{"(conv + linear)", "", "", "", "", fmtNum(sum), "", ""},
			[]string{"(rest)", "BatchNorm, ReLU, pooling, loss, SGD", "", "", "", fmtNum(max(0, r.MedianMS-sum)), "", ""})
		if err := writeTable(w, rows, map[int]bool{3: true, 4: true, 5: true, 6: true, 7: true}); err != nil {
			return err
		}
	}
	return nil
}

// fmtRate formats flops/ms as GFLOP/s, "-" when unknown.
func fmtRate(flops, ms float64) string {
	if !(ms > 0) || flops == 0 {
		return "-"
	}
	return fmtNum(flops / ms * 1e-6)
}
