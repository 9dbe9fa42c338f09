package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/convkit/convkit/nn"
	"github.com/convkit/convkit/train"
	"github.com/convkit/convkit/zoo"
)

func init() { register(newEvalCmd) }

// checkpointArgs select a model file: --run RUN [--best] or --checkpoint F.
type checkpointArgs struct {
	run, checkpoint string
	best            bool
}

func (a *checkpointArgs) flags(c *cobra.Command) {
	f := c.Flags()
	f.StringVar(&a.run, "run", "", "run directory (its final weights, "+train.LatestFile+")")
	f.BoolVar(&a.best, "best", false, "with --run: the weights of the best epoch ("+train.BestFile+")")
	f.StringVar(&a.checkpoint, "checkpoint", "", "a checkpoint or model file written by convkit train")
}

// path returns the file the arguments select.
func (a *checkpointArgs) path() (string, error) {
	switch {
	case a.run != "" && a.checkpoint != "":
		return "", errors.New("give --run or --checkpoint, not both")
	case a.checkpoint != "":
		if a.best {
			return "", errors.New("--best goes with --run")
		}
		return a.checkpoint, nil
	case a.run != "":
		if a.best {
			return filepath.Join(a.run, train.BestFile), nil
		}
		return filepath.Join(a.run, train.LatestFile), nil
	}
	return "", errors.New("give --run RUN or --checkpoint FILE")
}

// loadModel rebuilds the zoo model of a checkpoint and loads its weights.
func loadModel(path string) (*zoo.Model, *train.Checkpoint, modelSpec, error) {
	var spec modelSpec
	ck, err := train.ReadCheckpoint(path)
	if err != nil {
		return nil, nil, spec, err
	}
	s, ok := ck.Meta[metaModel]
	if !ok {
		return nil, nil, spec, fmt.Errorf("%s has no %q metadata: it was not written by convkit train", path, metaModel)
	}
	if err := json.Unmarshal([]byte(s), &spec); err != nil {
		return nil, nil, spec, fmt.Errorf("%s: metadata %s: %w", path, metaModel, err)
	}
	m, err := zoo.New(spec.Name, spec.Config)
	if err != nil {
		return nil, nil, spec, fmt.Errorf("%s: %w", path, err)
	}
	if err := ck.LoadModel(m); err != nil {
		return nil, nil, spec, fmt.Errorf("%s: %w", path, err)
	}
	if ck.Data == nil {
		return nil, nil, spec, fmt.Errorf("%s has no %q metadata (normalization and class names)", path, train.MetaData)
	}
	nn.SetTraining(m, false)
	return m, ck, spec, nil
}

type evalArgs struct {
	checkpointArgs
	data      string
	batch     int
	threads   int
	limitTest int
	json      bool
}

func newEvalCmd() *cobra.Command {
	var a evalArgs
	c := &cobra.Command{
		Use:   "eval (--run RUN [--best] | --checkpoint FILE) [--data DATA]",
		Short: "Evaluate a trained model: accuracy, per-class accuracy, confusion matrix",
		Long: `Evaluate a trained model on the test set of a data set (by default the one it
was trained on): the mean cross-entropy, the accuracy, each class's accuracy
and the confusion matrix (rows: true class, columns: predicted class).`,
		Example: `  convkit eval --run runs/channel
  convkit eval --checkpoint runs/channel/best.safetensors --data fashion-mnist`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			path, err := a.path()
			if err != nil {
				return err
			}
			m, ck, spec, err := loadModel(path)
			if err != nil {
				return err
			}
			ds := a.data
			if ds == "" {
				ds = spec.Data
			}
			if ds == "" {
				return fmt.Errorf("%s does not say which data it was trained on: give --data", path)
			}
			limit := a.limitTest
			if a.run != "" && !cmd.Flags().Changed("limit-test") && a.data == "" {
				// The run's own test subset, as in its metrics.
				if rc, err := readRunConfig(a.run); err == nil {
					limit = rc.LimitTest
				}
			}
			_, testSet, err := loadData(ds, 0, limit)
			if err != nil {
				return err
			}
			if testSet.C != m.Config.InChannels || testSet.H != m.Config.Size || len(testSet.Classes) != m.Config.Classes {
				return fmt.Errorf("%s takes %d×%d×%d images of %d classes; %s has %d×%d×%d images of %d classes", path,
					m.Config.InChannels, m.Config.Size, m.Config.Size, m.Config.Classes, ds, testSet.C, testSet.H, testSet.W, len(testSet.Classes))
			}
			nn.SetThreads(m, a.threads)
			r, err := train.Evaluate(cmd.Context(), m, testSet, a.batch, ck.Data.Mean, ck.Data.Std)
			if err != nil {
				return err
			}
			if a.json {
				return writeEvalJSON(cmd.OutOrStdout(), path, ds, r)
			}
			return writeEvalText(cmd.OutOrStdout(), path, ds, m, r)
		},
	}
	a.flags(c)
	f := c.Flags()
	f.StringVar(&a.data, "data", "", "data set (default: the one the model was trained on)")
	f.IntVar(&a.batch, "batch", 100, "evaluation batch size")
	f.IntVar(&a.threads, "threads", 0, "worker threads (0: all CPUs)")
	f.IntVar(&a.limitTest, "limit-test", 0, "evaluate a fixed random subset of this many test images (0: all; with --run, the run's own setting)")
	f.BoolVar(&a.json, "json", false, "print JSON")
	return c
}

func writeEvalText(w io.Writer, path, ds string, m *zoo.Model, r *train.Result) error {
	fmt.Fprintf(w, "%s: %v on the %s test set (%d images)\n", path, m, ds, r.N)
	fmt.Fprintf(w, "accuracy %.2f%%, loss %.4f\n\nper-class accuracy:\n", 100*r.Accuracy, r.Loss)
	rows := [][]string{{"CLASS", "NAME", "IMAGES", "ACCURACY"}}
	per := r.PerClass()
	for k, acc := range per {
		n := 0
		for p := range r.Confusion.K {
			n += r.Confusion.At(k, p)
		}
		name := ""
		if k < len(r.Classes) {
			name = r.Classes[k]
		}
		rows = append(rows, []string{fmt.Sprint(k), name, fmt.Sprint(n), fmt.Sprintf("%.2f%%", 100*acc)})
	}
	if err := writeTable(w, rows, map[int]bool{0: true, 2: true, 3: true}); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nconfusion matrix (rows: true class, columns: predicted class):")
	return r.Confusion.WriteTo(w, r.Classes)
}

// evalJSON is the --json output of eval; a class without test images has
// a null accuracy.
type evalJSON struct {
	Checkpoint string     `json:"checkpoint"`
	Data       string     `json:"data"`
	N          int        `json:"n"`
	Loss       float64    `json:"loss"`
	Accuracy   float64    `json:"accuracy"`
	Classes    []string   `json:"classes"`
	PerClass   []*float64 `json:"per_class_accuracy"`
	Confusion  [][]int    `json:"confusion"`
}

func writeEvalJSON(w io.Writer, path, ds string, r *train.Result) error {
	j := evalJSON{Checkpoint: path, Data: ds, N: r.N, Loss: r.Loss, Accuracy: r.Accuracy, Classes: r.Classes}
	for _, v := range r.PerClass() {
		if math.IsNaN(v) {
			j.PerClass = append(j.PerClass, nil)
		} else {
			j.PerClass = append(j.PerClass, &v)
		}
	}
	k := r.Confusion.K
	for t := range k {
		j.Confusion = append(j.Confusion, r.Confusion.Counts[t*k:(t+1)*k])
	}
	b, err := json.MarshalIndent(j, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}
