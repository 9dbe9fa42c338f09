package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/convkit/convkit/cost"
	"github.com/convkit/convkit/data"
	"github.com/convkit/convkit/nn"
	"github.com/convkit/convkit/tensor"
	"github.com/convkit/convkit/train"
	"github.com/convkit/convkit/zoo"
)

func init() { register(newCompareCmd) }

// compareOrder is the default order of the families: from the full
// convolution to the most factorized.
var compareOrder = []string{"standard", "mobile", "shuffle", "channel"}

// Defaults of compare: short enough that the four families train on the
// built-in data (3500 images) in a few minutes on two cores.
const (
	compareEpochs = 4
	compareBatch  = 64
)

type compareArgs struct {
	data, out, models     string
	width                 float64
	threads               int
	limitTrain, limitTest int
	latencyTime           time.Duration
	cfg                   train.Config
}

func newCompareCmd() *cobra.Command {
	a := compareArgs{cfg: train.DefaultConfig()}
	a.cfg.Epochs, a.cfg.BatchSize, a.cfg.WarmupEpochs = compareEpochs, compareBatch, 0.5
	c := &cobra.Command{
		Use:   "compare [--data DATA] [--out DIR] [--epochs N] [--threads N]",
		Short: "Train the four model families side by side and compare cost, speed and accuracy",
		Long: `Train the zoo's four families (standard, mobile, shuffle, channel), which share
one topology and differ only in how its convolutions are factorized, with the
same recipe on the same data, and print one table: parameters, MACs per
image, measured inference latency per image (batch 1, and batch 64 amortised
per image), test accuracy after the last epoch, training wall time (per-epoch
test evaluation included) and training throughput.

--out receives compare.json, compare.csv, accuracy_vs_macs.{png,svg} (test
accuracy against MACs per image, log scale), curves.{png,svg} (test accuracy
per epoch per model) and one run directory per model (usable with
"convkit eval --run DIR/MODEL").

` + countConvention + `

The defaults (` + strconv.Itoa(compareEpochs) + ` epochs of batch ` + strconv.Itoa(compareBatch) + `, width 1, the built-in 3500 + 1000 images) take
a few minutes on two cores; the accuracies of such short runs rank the
families but are far from converged. For the full comparison use
--data fashion-mnist --epochs 12 --batch 128 (the train command's recipe).`,
		Example: `  convkit compare
  convkit compare --data fashion-mnist --epochs 12 --batch 128 --warmup 1 --out results`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			adjustRecipe(cmd.Flags(), &a.cfg)
			return runCompare(cmd, a)
		},
	}
	f := c.Flags()
	f.StringVar(&a.data, "data", "builtin", "data set: builtin, fashion-mnist or a directory")
	f.StringVar(&a.out, "out", filepath.Join("runs", "compare"), "output directory")
	f.StringVar(&a.models, "models", strings.Join(compareOrder, ","), "comma-separated models to compare")
	f.Float64Var(&a.width, "width", 1, "width multiplier of every model")
	f.IntVar(&a.threads, "threads", 0, "worker threads of the convolution kernels (0: all CPUs)")
	f.IntVar(&a.limitTrain, "limit-train", 0, "use a fixed random subset of this many training images (0: all)")
	f.IntVar(&a.limitTest, "limit-test", 0, "use a fixed random subset of this many test images (0: all)")
	f.DurationVar(&a.latencyTime, "latency-time", 500*time.Millisecond, "minimum measuring time of each latency")
	addRecipeFlags(f, &a.cfg)
	return c
}

// compareResult is one model's row of the comparison.
type compareResult struct {
	Model string `json:"model"`
	// Params counts every trainable value (BatchNorm γ/β and biases
	// included); MACs is per image (convkit's convention).
	Params int64 `json:"params"`
	MACs   int64 `json:"macs"`
	// LatencyB1 and LatencyB64 are inference milliseconds per image at
	// batch 1 and, amortised, at batch 64 (medians).
	LatencyB1  float64 `json:"latency_b1_ms"`
	LatencyB64 float64 `json:"latency_b64_ms"`
	// TestAcc is the accuracy after the last epoch, BestAcc the best over
	// the epochs (selected on the test set: optimistic).
	TestAcc float64 `json:"test_acc"`
	BestAcc float64 `json:"best_test_acc"`
	// TrainSeconds is the training wall time, per-epoch evaluation
	// included; ImagesPerSec the mean training throughput.
	TrainSeconds float64 `json:"train_seconds"`
	ImagesPerSec float64 `json:"train_images_per_sec"`
	// Curve is the test accuracy after each epoch.
	Curve []float64 `json:"test_acc_per_epoch"`
	// Run is the model's run directory.
	Run string `json:"run"`
}

// compareReport is compare.json.
type compareReport struct {
	Data         string          `json:"data"`
	TrainImages  int             `json:"train_images"`
	TestImages   int             `json:"test_images"`
	Width        float64         `json:"width"`
	Threads      int             `json:"threads"`
	GOMAXPROCS   int             `json:"gomaxprocs"`
	Recipe       train.Config    `json:"recipe"`
	Results      []compareResult `json:"results"`
	TotalSeconds float64         `json:"total_seconds"`
	Convention   string          `json:"convention"`
	Version      string          `json:"convkit_version"`
}

func runCompare(cmd *cobra.Command, a compareArgs) error {
	start := time.Now()
	stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
	if err := a.cfg.Validate(); err != nil {
		return err
	}
	var models []string
	for _, m := range strings.Split(a.models, ",") {
		m = strings.TrimSpace(m)
		if zoo.Describe(m) == "" {
			return fmt.Errorf("unknown model %q in --models (have %s)", m, strings.Join(zoo.Names(), ", "))
		}
		if slices.Contains(models, m) {
			return fmt.Errorf("model %q appears twice in --models", m)
		}
		models = append(models, m)
	}
	threads := a.threads
	if threads <= 0 {
		threads = runtime.GOMAXPROCS(0)
	}
	trainSet, testSet, err := loadData(a.data, a.limitTrain, a.limitTest)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(a.out, 0o755); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep := compareReport{Data: a.data, TrainImages: trainSet.Len(), TestImages: testSet.Len(), Width: a.width,
		Threads: threads, GOMAXPROCS: runtime.GOMAXPROCS(0), Recipe: a.cfg, Convention: countConvention, Version: versionString()}
	fmt.Fprintf(stderr, "comparing %s on %s (%d training, %d test images): %d epochs of batch %d, %d threads\n",
		strings.Join(models, ", "), a.data, trainSet.Len(), testSet.Len(), a.cfg.Epochs, a.cfg.BatchSize, threads)
	for i, name := range models {
		r, err := compareOne(ctx, a, name, threads, trainSet, testSet, fmt.Sprintf("[%d/%d %s] ", i+1, len(models), name), stderr)
		if err != nil {
			if errors.Is(err, context.Canceled) {
				return errors.New("interrupted")
			}
			return fmt.Errorf("%s: %w", name, err)
		}
		rep.Results = append(rep.Results, r)
	}
	rep.TotalSeconds = time.Since(start).Seconds()
	if err := writeCompareFiles(a.out, &rep); err != nil {
		return err
	}
	if err := writeCompareTable(stdout, &rep); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nwrote compare.json, compare.csv, accuracy_vs_macs.{png,svg}, curves.{png,svg} and the runs to %s (total %s)\n",
		a.out, fmtDuration(time.Since(start)))
	return nil
}

// compareOne costs, trains and times one model.
func compareOne(ctx context.Context, a compareArgs, name string, threads int, trainSet, testSet *data.Dataset, prefix string, stderr io.Writer) (compareResult, error) {
	spec := modelSpec{Name: name, Config: modelConfigFor(zoo.Config{Width: a.width, Seed: a.cfg.Seed}, trainSet), Data: a.data}
	m, err := zoo.New(spec.Name, spec.Config)
	if err != nil {
		return compareResult{}, err
	}
	s, err := summarize(m, 1)
	if err != nil {
		return compareResult{}, err
	}
	nn.SetThreads(m, threads)
	dir := filepath.Join(a.out, name)
	if err := os.RemoveAll(dir); err != nil {
		return compareResult{}, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return compareResult{}, err
	}
	rc := runConfig{Model: spec, Data: a.data, LimitTrain: a.limitTrain, LimitTest: a.limitTest, Threads: threads, Train: a.cfg, Version: versionString()}
	b, err := json.MarshalIndent(rc, "", "  ")
	if err != nil {
		return compareResult{}, err
	}
	if err := os.WriteFile(filepath.Join(dir, configFile), append(b, '\n'), 0o644); err != nil {
		return compareResult{}, err
	}
	tr, err := train.New(m, a.cfg, trainSet, testSet)
	if err != nil {
		return compareResult{}, err
	}
	tr.Dir = dir
	sb, _ := json.Marshal(spec)
	tr.Meta = map[string]string{metaModel: string(sb)}
	fmt.Fprintf(stderr, "%s%d parameters, %s MACs per image\n", prefix, s.Params, cost.Millions(s.MACs))
	t0 := time.Now()
	if err := runWithProgress(ctx, tr, stderr, prefix); err != nil {
		return compareResult{}, err
	}
	r := compareResult{Model: name, Params: s.Params, MACs: s.MACs, TrainSeconds: time.Since(t0).Seconds(), Run: dir}
	st := tr.State()
	var ips float64
	for _, h := range st.History {
		r.Curve = append(r.Curve, h.TestAcc)
		ips += h.ImagesPerSec
	}
	r.ImagesPerSec = ips / float64(len(st.History))
	r.TestAcc, r.BestAcc = st.History[len(st.History)-1].TestAcc, st.BestAcc
	fmt.Fprintf(stderr, "%smeasuring inference latency…\n", prefix)
	if r.LatencyB1, err = latency(ctx, m, 1, a.latencyTime); err != nil {
		return compareResult{}, err
	}
	if r.LatencyB64, err = latency(ctx, m, 64, a.latencyTime); err != nil {
		return compareResult{}, err
	}
	nn.SetTraining(m, true)
	return r, nil
}

// latency returns the median inference time per image, in milliseconds,
// of forward passes over batches of n random images, measured for at
// least minTime and 5 passes after one warm-up pass (which plans the
// kernels for the shape).
func latency(ctx context.Context, m *zoo.Model, n int, minTime time.Duration) (float64, error) {
	nn.SetTraining(m, false)
	x := tensor.New(m.InputShape(n)...)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range x.Data {
		x.Data[i] = float32(rng.NormFloat64())
	}
	if _, err := m.Forward(x); err != nil {
		return 0, err
	}
	var times []time.Duration
	start := time.Now()
	for len(times) < 5 || time.Since(start) < minTime {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		t := time.Now()
		if _, err := m.Forward(x); err != nil {
			return 0, err
		}
		times = append(times, time.Since(t))
	}
	slices.Sort(times)
	return times[len(times)/2].Seconds() * 1e3 / float64(n), nil
}

func writeCompareTable(w io.Writer, rep *compareReport) error {
	fmt.Fprintf(w, "%s, %d training / %d test images, %d epochs of batch %d, width %g, %d threads:\n\n",
		rep.Data, rep.TrainImages, rep.TestImages, rep.Recipe.Epochs, rep.Recipe.BatchSize, rep.Width, rep.Threads)
	rows := [][]string{{"MODEL", "PARAMS", "MACS/IMAGE", "LATENCY B1", "LATENCY B64", "TEST ACC", "TRAIN TIME", "TRAIN IMG/S"}}
	for _, r := range rep.Results {
		rows = append(rows, []string{r.Model, cost.Group(r.Params), cost.Millions(r.MACs),
			fmt.Sprintf("%.3f ms", r.LatencyB1), fmt.Sprintf("%.3f ms", r.LatencyB64),
			fmt.Sprintf("%.2f%%", 100*r.TestAcc), fmtDuration(time.Duration(r.TrainSeconds * float64(time.Second))),
			fmt.Sprintf("%.0f", r.ImagesPerSec)})
	}
	if err := writeTable(w, rows, map[int]bool{1: true, 2: true, 3: true, 4: true, 5: true, 6: true, 7: true}); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\nLATENCY: inference per image, median; B64 amortised over a batch of 64. TEST ACC: after the\n"+
		"last epoch. TRAIN TIME includes the per-epoch test evaluation.\n%s\n", countConvention)
	return err
}

func writeCompareFiles(dir string, rep *compareReport) error {
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "compare.json"), append(b, '\n'), 0o644); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(dir, "compare.csv"))
	if err != nil {
		return err
	}
	cw := csv.NewWriter(f)
	cw.Write([]string{"model", "params", "macs", "latency_b1_ms", "latency_b64_ms", "test_acc", "best_test_acc", "train_seconds", "train_images_per_sec"})
	for _, r := range rep.Results {
		cw.Write([]string{r.Model, fmt.Sprint(r.Params), fmt.Sprint(r.MACs),
			fmt.Sprintf("%.4f", r.LatencyB1), fmt.Sprintf("%.4f", r.LatencyB64),
			fmt.Sprintf("%.4f", r.TestAcc), fmt.Sprintf("%.4f", r.BestAcc),
			fmt.Sprintf("%.1f", r.TrainSeconds), fmt.Sprintf("%.1f", r.ImagesPerSec)})
	}
	cw.Flush()
	if err := errors.Join(cw.Error(), f.Close()); err != nil {
		return err
	}
	for _, plotFn := range []func(string, *compareReport) error{plotAccuracyVsMACs, plotCurves} {
		if err := plotFn(dir, rep); err != nil {
			return err
		}
	}
	return nil
}

// plotColors tells the models apart (colour-blind-safe Okabe–Ito hues).
var plotColors = []color.RGBA{
	{0, 114, 178, 255}, {213, 94, 0, 255}, {0, 158, 115, 255}, {204, 121, 167, 255},
	{230, 159, 0, 255}, {86, 180, 233, 255},
}

// savePlot writes p as name.png and name.svg.
func savePlot(p *plot.Plot, dir, name string) error {
	for _, ext := range []string{".png", ".svg"} {
		if err := p.Save(6*vg.Inch, 4*vg.Inch, filepath.Join(dir, name+ext)); err != nil {
			return fmt.Errorf("plot %s%s: %w", name, ext, err)
		}
	}
	return nil
}

func plotAccuracyVsMACs(dir string, rep *compareReport) error {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("Test accuracy vs. cost (%s, %d epochs)", rep.Data, rep.Recipe.Epochs)
	p.X.Label.Text = "MACs per image (log scale)"
	p.Y.Label.Text = "test accuracy (%)"
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = macTicks{}
	p.Add(plotter.NewGrid())
	lo, hi := math.Inf(1), math.Inf(-1)
	for i, r := range rep.Results {
		xy := plotter.XYs{{X: float64(r.MACs), Y: 100 * r.TestAcc}}
		s, err := plotter.NewScatter(xy)
		if err != nil {
			return err
		}
		s.GlyphStyle.Color = plotColors[i%len(plotColors)]
		s.GlyphStyle.Radius = vg.Points(4)
		s.GlyphStyle.Shape = draw.CircleGlyph{}
		l, err := plotter.NewLabels(plotter.XYLabels{XYs: xy, Labels: []string{fmt.Sprintf(" %s (%s params)", r.Model, siCount(float64(r.Params)))}})
		if err != nil {
			return err
		}
		p.Add(s, l)
		lo, hi = min(lo, float64(r.MACs)), max(hi, float64(r.MACs))
	}
	// A margin of a factor 2 each side (and room for the labels on the right).
	p.X.Min, p.X.Max = lo/2, hi*4
	return savePlot(p, dir, "accuracy_vs_macs")
}

func plotCurves(dir string, rep *compareReport) error {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("Test accuracy per epoch (%s)", rep.Data)
	p.X.Label.Text = "epoch"
	p.Y.Label.Text = "test accuracy (%)"
	p.Add(plotter.NewGrid())
	p.Legend.Top = false
	p.Legend.Left = false
	for i, r := range rep.Results {
		xy := make(plotter.XYs, len(r.Curve))
		for e, acc := range r.Curve {
			xy[e] = plotter.XY{X: float64(e + 1), Y: 100 * acc}
		}
		line, points, err := plotter.NewLinePoints(xy)
		if err != nil {
			return err
		}
		c := plotColors[i%len(plotColors)]
		line.Color, points.Color = c, c
		line.Width = vg.Points(1.5)
		points.Shape = draw.CircleGlyph{}
		p.Add(line, points)
		p.Legend.Add(r.Model, line, points)
	}
	p.X.Min = 1
	p.X.Tick.Marker = integerTicks{}
	return savePlot(p, dir, "curves")
}

// macTicks marks powers of ten with labels such as "10M" and their
// multiples 2…9 with unlabelled minor ticks, for a logarithmic axis.
type macTicks struct{}

func (macTicks) Ticks(lo, hi float64) []plot.Tick {
	var ts []plot.Tick
	for p := math.Pow(10, math.Floor(math.Log10(lo))); p <= hi; p *= 10 {
		for m := 1.0; m < 10; m++ {
			v := m * p
			if v < lo || v > hi {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 {
				t.Label = siCount(v)
			}
			ts = append(ts, t)
		}
	}
	return ts
}

// siCount formats a count with three significant digits and an SI suffix:
// 906730 → "907K", 63215 → "63.2K", 4.29e6 → "4.29M", 1e7 → "10M".
func siCount(v float64) string {
	for _, u := range []struct {
		scale  float64
		suffix string
	}{{1e9, "G"}, {1e6, "M"}, {1e3, "K"}} {
		if v >= 0.9995*u.scale { // 999,600 rounds to 1.00M, not 1e+03K
			return strconv.FormatFloat(v/u.scale, 'g', 3, 64) + u.suffix
		}
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

// integerTicks puts ticks on whole epochs only.
type integerTicks struct{}

func (integerTicks) Ticks(lo, hi float64) []plot.Tick {
	step := max(1, int(math.Ceil((hi-lo)/10)))
	var ts []plot.Tick
	for v := int(math.Ceil(lo)); float64(v) <= hi; v += step {
		ts = append(ts, plot.Tick{Value: float64(v), Label: strconv.Itoa(v)})
	}
	return ts
}
