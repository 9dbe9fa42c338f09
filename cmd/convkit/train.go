package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/convkit/convkit/data"
	"github.com/convkit/convkit/nn"
	"github.com/convkit/convkit/train"
	"github.com/convkit/convkit/zoo"
)

func init() { register(newTrainCmd) }

// configFile is the run's configuration inside a run directory; together
// with the data it determines the run.
const configFile = "config.json"

// metaModel is the checkpoint metadata key holding the modelSpec, so that
// a checkpoint alone is enough to rebuild its model.
const metaModel = "convkit.model"

// modelSpec names a zoo model, its configuration and the data it is
// trained on.
type modelSpec struct {
	Name   string     `json:"name"`
	Config zoo.Config `json:"config"`
	// Data is the --data argument of the training run.
	Data string `json:"data,omitempty"`
}

// runConfig is config.json.
type runConfig struct {
	Model      modelSpec    `json:"model"`
	Data       string       `json:"data"`
	LimitTrain int          `json:"limit_train,omitempty"`
	LimitTest  int          `json:"limit_test,omitempty"`
	Threads    int          `json:"threads"`
	Train      train.Config `json:"train"`
	Version    string       `json:"convkit_version"`
}

// trainStepHook, when set (by tests), runs after every training step.
var trainStepHook func()

type trainArgs struct {
	model, data, out, resume string
	width                    float64
	threads                  int
	limitTrain, limitTest    int
	cfg                      train.Config
}

func newTrainCmd() *cobra.Command {
	a := trainArgs{cfg: train.DefaultConfig()}
	c := &cobra.Command{
		Use:   "train --model NAME --data DATA [flags]",
		Short: "Train a zoo model; resume an interrupted run",
		Long: `Train one of the zoo models (` + strings.Join(zoo.Names(), ", ") + `) on an image
classification data set:

  builtin         the Fashion-MNIST subset built into convkit (3500 + 1000 images)
  fashion-mnist   the full Fashion-MNIST of Debian's dataset-fashion-mnist package
  DIR             a directory of MNIST-style IDX files or CIFAR-10 binary batches

The run directory (--out) receives config.json, metrics.csv (one row per
epoch), latest.safetensors (model, optimizer and training state, written at
every epoch's end, every --save-every steps and on Ctrl-C) and
best.safetensors (the weights of the epoch with the best test accuracy, in
PyTorch's state_dict names). "convkit train --resume RUN" continues an
interrupted run exactly where it stopped: with the same --threads, the final
weights are bit for bit those of an uninterrupted run.

The defaults are the recipe the zoo was designed for: SGD with Nesterov
momentum 0.9, learning rate 0.1 with one epoch of linear warm-up and cosine
decay, weight decay 5e-4 (not on biases and BatchNorm), label smoothing 0.1,
random crops with 2 pixels of padding and horizontal flips, batch 128, 12
epochs. With --optimizer adamw the learning rate defaults to 2e-3 and the
weight decay to 0.05.`,
		Example: `  # the ChannelNet-style model on full Fashion-MNIST
  convkit train --model channel --data fashion-mnist --out runs/channel
  # continue after an interruption
  convkit train --resume runs/channel
  # a quick try on the built-in subset
  convkit train --model mobile --data builtin --epochs 3 --out runs/try`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if a.resume != "" {
				return resumeRun(cmd, a)
			}
			return newRun(cmd, a)
		},
	}
	f := c.Flags()
	f.StringVar(&a.model, "model", "", "zoo model: "+strings.Join(zoo.Names(), ", "))
	f.StringVar(&a.data, "data", "builtin", "data set: builtin, fashion-mnist or a directory")
	f.StringVar(&a.out, "out", "", "run directory (default runs/MODEL)")
	f.StringVar(&a.resume, "resume", "", "continue the run in this directory")
	f.Float64Var(&a.width, "width", 1, "width multiplier")
	f.IntVar(&a.threads, "threads", 0, "worker threads of the convolution kernels (0: all CPUs)")
	f.IntVar(&a.limitTrain, "limit-train", 0, "use a fixed random subset of this many training images (0: all)")
	f.IntVar(&a.limitTest, "limit-test", 0, "use a fixed random subset of this many test images (0: all)")
	addRecipeFlags(f, &a.cfg)
	return c
}

// addRecipeFlags defines the flags of a training recipe.
func addRecipeFlags(f *pflag.FlagSet, cfg *train.Config) {
	f.IntVar(&cfg.Epochs, "epochs", cfg.Epochs, "epochs")
	f.IntVar(&cfg.BatchSize, "batch", cfg.BatchSize, "batch size")
	f.StringVar(&cfg.Optimizer, "optimizer", cfg.Optimizer, "sgd or adamw")
	f.Float64Var(&cfg.LR, "lr", cfg.LR, "peak learning rate")
	f.Float64Var(&cfg.Momentum, "momentum", cfg.Momentum, "SGD momentum")
	f.BoolVar(&cfg.Nesterov, "nesterov", cfg.Nesterov, "Nesterov momentum")
	f.Float64Var(&cfg.WeightDecay, "wd", cfg.WeightDecay, "weight decay")
	f.BoolVar(&cfg.DecayBiasNorm, "wd-all", cfg.DecayBiasNorm, "apply weight decay to biases and BatchNorm parameters too")
	f.StringVar(&cfg.Schedule, "schedule", cfg.Schedule, "learning-rate schedule: cosine, step or constant")
	f.Float64Var(&cfg.MinLR, "min-lr", cfg.MinLR, "final learning rate of the cosine schedule")
	f.IntVar(&cfg.StepEpochs, "step-epochs", cfg.StepEpochs, "step schedule: epochs between decays")
	f.Float64Var(&cfg.Gamma, "gamma", cfg.Gamma, "step schedule: decay factor")
	f.Float64Var(&cfg.WarmupEpochs, "warmup", cfg.WarmupEpochs, "epochs of linear warm-up")
	f.Float64Var(&cfg.LabelSmoothing, "label-smoothing", cfg.LabelSmoothing, "label smoothing ε")
	f.IntVar(&cfg.CropPad, "crop-pad", cfg.CropPad, "random-crop padding in pixels (0: no crops)")
	f.BoolVar(&cfg.Flip, "flip", cfg.Flip, "random horizontal flips")
	f.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "seed of the initial weights, shuffling and augmentation")
	f.IntVar(&cfg.SaveEvery, "save-every", cfg.SaveEvery, "also checkpoint every N steps (0: at epoch ends only)")
}

// adjustRecipe applies the defaults that depend on other flags.
func adjustRecipe(f *pflag.FlagSet, cfg *train.Config) {
	if cfg.Optimizer == "adamw" {
		if !f.Changed("lr") {
			cfg.LR = 2e-3
		}
		if !f.Changed("wd") {
			cfg.WeightDecay = 0.05
		}
	}
}

// recipeFlags are the flags a resumed run may not change.
var recipeFlags = []string{"model", "data", "out", "width", "limit-train", "limit-test", "epochs", "batch", "optimizer",
	"lr", "momentum", "nesterov", "wd", "wd-all", "schedule", "min-lr", "step-epochs", "gamma", "warmup",
	"label-smoothing", "crop-pad", "flip", "seed"}

func newRun(cmd *cobra.Command, a trainArgs) error {
	if a.model == "" {
		return fmt.Errorf("--model is required (one of %s), or --resume RUN", strings.Join(zoo.Names(), ", "))
	}
	if zoo.Describe(a.model) == "" {
		return fmt.Errorf("unknown model %q (have %s)", a.model, strings.Join(zoo.Names(), ", "))
	}
	adjustRecipe(cmd.Flags(), &a.cfg)
	if err := a.cfg.Validate(); err != nil {
		return err
	}
	out := a.out
	if out == "" {
		out = filepath.Join("runs", a.model)
	}
	if _, err := os.Stat(filepath.Join(out, train.LatestFile)); err == nil {
		return fmt.Errorf("%s already holds a run: continue it with --resume %s, or choose another --out", out, out)
	}
	threads := a.threads
	if threads <= 0 {
		threads = runtime.GOMAXPROCS(0)
	}
	rc := runConfig{
		Data: a.data, LimitTrain: a.limitTrain, LimitTest: a.limitTest, Threads: threads,
		Train: a.cfg, Version: versionString(),
		Model: modelSpec{Name: a.model, Config: zoo.Config{Width: a.width, Seed: a.cfg.Seed}, Data: a.data},
	}
	return execRun(cmd, out, rc, false)
}

func resumeRun(cmd *cobra.Command, a trainArgs) error {
	for _, name := range recipeFlags {
		if cmd.Flags().Changed(name) {
			return fmt.Errorf("--%s cannot be changed when resuming: the run continues with the settings in %s", name, filepath.Join(a.resume, configFile))
		}
	}
	rc, err := readRunConfig(a.resume)
	if err != nil {
		return err
	}
	if cmd.Flags().Changed("threads") {
		threads := a.threads
		if threads <= 0 {
			threads = runtime.GOMAXPROCS(0)
		}
		if threads != rc.Threads {
			fmt.Fprintf(cmd.ErrOrStderr(), "note: the run used --threads %d; with %d the kernels sum in another order, so the result will not be bit-identical to an uninterrupted run\n", rc.Threads, threads)
			rc.Threads = threads
		}
	}
	return execRun(cmd, a.resume, rc, true)
}

// readRunConfig reads RUN/config.json.
func readRunConfig(dir string) (runConfig, error) {
	var rc runConfig
	b, err := os.ReadFile(filepath.Join(dir, configFile))
	if err != nil {
		return rc, fmt.Errorf("%s is not a run directory: %w", dir, err)
	}
	if err := json.Unmarshal(b, &rc); err != nil {
		return rc, fmt.Errorf("%s: %w", filepath.Join(dir, configFile), err)
	}
	return rc, nil
}

// loadData resolves a data set and takes the requested subsets.
func loadData(spec string, limitTrain, limitTest int) (trainSet, testSet *data.Dataset, err error) {
	trainSet, testSet, err = data.Resolve(spec)
	if err != nil {
		return nil, nil, err
	}
	if trainSet.H != trainSet.W {
		return nil, nil, fmt.Errorf("the zoo models take square images; %s has %d×%d", spec, trainSet.H, trainSet.W)
	}
	return subset(trainSet, limitTrain, 1), subset(testSet, limitTest, 2), nil
}

// subset returns a fixed random subset of n images of d (d itself when n
// is 0 or at least its size), the same in every run.
func subset(d *data.Dataset, n int, seed uint64) *data.Dataset {
	if n <= 0 || n >= d.Len() {
		return d
	}
	return d.Subset(data.Shuffle(d.Len(), 0, seed)[:n])
}

// modelConfigFor completes a model's configuration from the data.
func modelConfigFor(c zoo.Config, d *data.Dataset) zoo.Config {
	c.InChannels, c.Size, c.Classes = d.C, d.H, len(d.Classes)
	return c
}

// execRun trains (or resumes) the run in dir.
func execRun(cmd *cobra.Command, dir string, rc runConfig, resume bool) error {
	stderr := cmd.ErrOrStderr()
	trainSet, testSet, err := loadData(rc.Data, rc.LimitTrain, rc.LimitTest)
	if err != nil {
		return err
	}
	rc.Model.Config = modelConfigFor(rc.Model.Config, trainSet)
	model, err := zoo.New(rc.Model.Name, rc.Model.Config)
	if err != nil {
		return err
	}
	nn.SetThreads(model, rc.Threads)
	tr, err := train.New(model, rc.Train, trainSet, testSet)
	if err != nil {
		return err
	}
	tr.Dir = dir
	spec, err := json.Marshal(rc.Model)
	if err != nil {
		return err
	}
	tr.Meta = map[string]string{metaModel: string(spec)}
	if resume {
		if _, err := os.Stat(filepath.Join(dir, train.LatestFile)); errors.Is(err, os.ErrNotExist) {
			// Stopped before its first checkpoint: starting over is resuming
			// at step 0.
			fmt.Fprintf(stderr, "%s has no checkpoint yet: starting the run from the beginning\n", dir)
			resume = false
		}
	}
	if resume {
		if err := tr.Resume(filepath.Join(dir, train.LatestFile)); err != nil {
			return err
		}
		st := tr.State()
		if tr.Done() {
			fmt.Fprintf(stderr, "%s: all %d epochs are done\n", dir, rc.Train.Epochs)
			return nil
		}
		fmt.Fprintf(stderr, "resuming %s at epoch %d, batch %d/%d (step %d)\n", dir, st.Epoch+1, st.Batch, tr.StepsPerEpoch(), st.Step)
	} else {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		b, err := json.MarshalIndent(rc, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, configFile), append(b, '\n'), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "training %v on %s (%d training, %d test images), %d parameters, %d steps of %d, %d threads → %s\n",
			model, rc.Data, trainSet.Len(), testSet.Len(), nn.NumParams(model), rc.Train.Epochs*tr.StepsPerEpoch(), rc.Train.BatchSize, rc.Threads, dir)
	}
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err = runWithProgress(ctx, tr, stderr, "")
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("interrupted; the checkpoint %s is saved: continue with 'convkit train --resume %s'", filepath.Join(dir, train.LatestFile), dir)
	}
	if err != nil {
		return err
	}
	return printRunSummary(cmd.OutOrStdout(), dir, tr)
}

// runWithProgress runs a trainer with a progress display on w.
func runWithProgress(ctx context.Context, tr *train.Trainer, w io.Writer, prefix string) error {
	p := newProgress(w, prefix)
	tr.OnStep = func(pr train.Progress) {
		p.step(pr)
		if trainStepHook != nil {
			trainStepHook()
		}
	}
	tr.OnEpoch = func(st train.EpochStats) { p.epoch(st, tr.Config.Epochs) }
	err := tr.Run(ctx)
	p.clear()
	return err
}

// printRunSummary prints the outcome of a finished run.
func printRunSummary(w io.Writer, dir string, tr *train.Trainer) error {
	st := tr.State()
	if len(st.History) == 0 {
		return nil
	}
	last := st.History[len(st.History)-1]
	fmt.Fprintf(w, "final test accuracy %.2f%% (loss %.4f) after %d epochs; best %.2f%% after epoch %d\n",
		100*last.TestAcc, last.TestLoss, last.Epoch, 100*st.BestAcc, st.BestEpoch)
	fmt.Fprintf(w, "wall time %s; files in %s: %s, %s, %s, %s\n", fmtDuration(time.Duration(st.Elapsed*float64(time.Second))),
		dir, configFile, train.MetricsFile, train.LatestFile, train.BestFile)
	return nil
}
