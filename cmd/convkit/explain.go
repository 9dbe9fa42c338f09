package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"

	"github.com/spf13/cobra"

	"github.com/convkit/convkit/conv"
)

func init() { register(newExplainCmd) }

// explainArgs are the flags of "convkit explain": those of "convkit cost
// layer" plus the plan's thread count.
type explainArgs struct {
	layerArgs
	threads int
	constW  bool
}

func newExplainCmd() *cobra.Command {
	var a explainArgs
	c := &cobra.Command{
		Use:   "explain --in N --out M --kernel K --size S [flags]",
		Short: "Show which algorithm convkit runs for each way of building a layer",
		Long: `Plan one layer on an input [batch, in, size, size] built with each kind of
convolution (the methods of "convkit cost layer", with the same flags) and
print, for every stage of every method, the algorithm the plan chose and why.
A method made of several operators (depthwise-separable: depthwise then
pointwise) gets one line per stage; so does an operator whose plan runs its
stages one after the other (depthwise-separable-channel-wise).

The choice depends on the operator, the input shape, the thread count
(--threads, 0 = GOMAXPROCS) and, for some forward passes, on whether the
weights are constant (--constant-weights: inference, weights packed once,
as "convkit bench ops" plans its forward passes); "convkit bench ops"
times the result.`,
		Example: `  # MobileNets' Table 3 layer
  convkit explain --in 512 --out 512 --kernel 3 --size 14
  convkit explain --in 512 --out 512 --kernel 3 --size 14 --batch 8 --threads 2 --json
  # MobileNet's last pointwise layer at inference
  convkit explain --in 1024 --out 1024 --kernel 1 --size 7 --batch 8 --threads 1 --constant-weights`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.check(); err != nil {
				return err
			}
			if a.threads < 0 || a.threads > maxBenchThreads {
				return fmt.Errorf("--threads must be in 0..%d (0 = GOMAXPROCS), have %d", maxBenchThreads, a.threads)
			}
			rows := explainLayer(a)
			if a.json {
				return writeExplainJSON(cmd.OutOrStdout(), rows)
			}
			return writeExplainText(cmd.OutOrStdout(), a, rows)
		},
	}
	addLayerFlags(c, &a.layerArgs)
	c.Flags().IntVar(&a.threads, "threads", 0, "threads the plans may use; 0 means GOMAXPROCS")
	c.Flags().BoolVar(&a.constW, "constant-weights", false, "plan for inference: the weights never change (packed once)")
	return c
}

// explainRow is one method: the plan of each stage, or why the arguments
// do not allow the method.
type explainRow struct {
	method string
	note   string
	stages []stagePlan
	err    error
}

// stagePlan is the plan of one operator of a method.
type stagePlan struct {
	op        conv.Op
	in, out   []int
	algorithm conv.Algorithm
	reason    string
}

// explainLayer plans every method of "convkit cost layer" for the
// arguments.
func explainLayer(a explainArgs) []explainRow {
	costRows := compareLayer(a.layerArgs)
	rows := make([]explainRow, len(costRows))
	for i, cr := range costRows {
		r := explainRow{method: cr.method, note: cr.note, err: cr.err}
		if r.err == nil {
			in := a.input()
			for _, op := range cr.ops {
				st, err := planStages(op, in, conv.Options{Threads: a.threads, ConstantWeights: a.constW})
				if err != nil {
					r.err = errors.New(strings.ReplaceAll(err.Error(), "conv: ", ""))
					r.stages = nil
					break
				}
				r.stages = append(r.stages, st...)
				in = st[len(st)-1].out
			}
		}
		rows[i] = r
	}
	return rows
}

// planStages plans op on an input shape. An operator that is a chain of
// simpler ones (a DWSChannelWise) is shown stage by stage when that is
// what its plan runs: when conv.NewPlan cannot plan it whole, or when the
// whole plan's algorithm is the stages' algorithms joined by "+". A plan
// that does something else (a fused kernel) is shown as one line.
func planStages(op conv.Op, in []int, opt conv.Options) ([]stagePlan, error) {
	p, err := conv.NewPlan(op, in, opt)
	var whole []stagePlan
	if err == nil {
		algo, reason := p.Algorithm()
		whole = []stagePlan{{op: op, in: in, out: p.OutShape(), algorithm: algo, reason: reason}}
	}
	var parts []conv.Op
	switch s := op.(type) {
	case conv.DWSChannelWise:
		parts = []conv.Op{s.Depthwise(), s.ChannelWise()}
	case *conv.DWSChannelWise:
		parts = []conv.Op{s.Depthwise(), s.ChannelWise()}
	default:
		return whole, err
	}
	var (
		stages []stagePlan
		names  []string
	)
	for _, part := range parts {
		st, serr := planStages(part, in, opt)
		if serr != nil {
			if err == nil {
				return whole, nil
			}
			return nil, serr
		}
		for _, s := range st {
			names = append(names, string(s.algorithm))
		}
		stages = append(stages, st...)
		in = st[len(st)-1].out
	}
	if err == nil && string(whole[0].algorithm) != strings.Join(names, "+") {
		return whole, nil
	}
	return stages, nil
}

// explainJSON is one element of the --json output. A method the arguments
// do not allow has only Method and Error.
type explainJSON struct {
	Method string      `json:"method"`
	Note   string      `json:"note,omitempty"`
	Stages []stageJSON `json:"stages,omitempty"`
	Error  string      `json:"error,omitempty"`
}

type stageJSON struct {
	Op        string `json:"op"`
	Input     []int  `json:"input"`
	Output    []int  `json:"output"`
	Algorithm string `json:"algorithm"`
	Reason    string `json:"reason"`
}

func writeExplainJSON(w io.Writer, rows []explainRow) error {
	lines := make([]string, len(rows))
	for i, r := range rows {
		j := explainJSON{Method: r.method}
		if r.err != nil {
			j.Error = r.err.Error()
		} else {
			j.Note = r.note
			for _, s := range r.stages {
				j.Stages = append(j.Stages, stageJSON{Op: s.op.String(), Input: s.in, Output: s.out,
					Algorithm: string(s.algorithm), Reason: s.reason})
			}
		}
		b, err := json.Marshal(j)
		if err != nil {
			return err
		}
		lines[i] = "  " + string(b)
	}
	_, err := fmt.Fprintf(w, "[\n%s\n]\n", strings.Join(lines, ",\n"))
	return err
}

func writeExplainText(w io.Writer, a explainArgs, rows []explainRow) error {
	threads := a.threads
	if threads == 0 {
		threads = runtime.GOMAXPROCS(0)
	}
	plural := "s"
	if threads == 1 {
		plural = ""
	}
	fmt.Fprintf(w, "Plans for one layer on input %s: %d → %d channels, %d×%d kernel, stride %d (--groups %d, --dc %d), %d thread%s\n\n",
		shape(a.input()), a.in, a.out, a.kernel, a.kernel, a.stride, a.groups, a.dc, threads, plural)
	table := [][]string{{"METHOD", "STAGE", "OPERATOR", "INPUT", "ALGORITHM", "REASON"}}
	for _, r := range rows {
		if r.err != nil {
			table = append(table, []string{r.method, "-", "-", "-", "n/a", r.err.Error()})
			continue
		}
		for i, s := range r.stages {
			method := ""
			if i == 0 {
				method = r.method
			}
			table = append(table, []string{method, fmt.Sprintf("%d/%d", i+1, len(r.stages)), s.op.String(),
				shape(s.in), string(s.algorithm), s.reason})
		}
	}
	return writeTable(w, table, nil)
}
