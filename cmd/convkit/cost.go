package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/convkit/convkit/conv"
	"github.com/convkit/convkit/cost"
	"github.com/convkit/convkit/tensor"
)

func init() { register(newCostCmd) }

func newCostCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "cost",
		Short: "Count the parameters, MACs and FLOPs of convolutions",
		Long: `Count the parameters, multiply-accumulates (MACs) and FLOPs of convolutions.

` + cost.Convention,
		// A bare "convkit cost" prints help; "convkit cost typo" is an error.
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return fmt.Errorf("unknown command %q for %q", args[0], cmd.CommandPath())
			}
			return cmd.Help()
		},
	}
	c.AddCommand(newCostLayerCmd())
	return c
}

// layerArgs are the flags of "convkit cost layer".
type layerArgs struct {
	in, out, kernel, size, stride, groups, dc, batch int
	json                                             bool
}

func newCostLayerCmd() *cobra.Command {
	var a layerArgs
	c := &cobra.Command{
		Use:   "layer --in N --out M --kernel K --size S [flags]",
		Short: "Compare the cost of one layer built with each kind of convolution",
		Long: `Compare the cost of one layer on an input [batch, in, size, size] built with each
kind of convolution: params, MACs, FLOPs and the ratio of MACs to the standard
convolution's. Spatial convolutions use padding (kernel−1)/2 and --stride.

Methods:
  standard                          Conv2d k×k, in → out
  group                             Conv2d k×k, in → out, --groups groups
  depthwise                         one k×k filter per channel; out must be a
                                    multiple of in (the depth multiplier)
  pointwise                         Conv2d 1×1, in → out (ignores --kernel)
  depthwise-separable               depthwise k×k (stride) + pointwise in → out
  channel-wise                      ChannelNets channel-wise conv, kernel --dc,
                                    SAME padding, channel stride --stride, so
                                    out must be ⌈in/stride⌉; the map keeps its size
  group-channel-wise                --groups channel-wise kernels of length --dc,
                                    in → out; --stride must be 1
  depthwise-separable-channel-wise  depthwise k×k (stride) + channel-wise --dc;
                                    out must equal in

A method whose constraints the arguments do not meet is listed with the reason
instead of numbers. The defaults --groups 2 and --dc 8 are ChannelNets'
setting (g = 2, d_c = 4g).

` + cost.Convention,
		Example: `  # MobileNets' Table 3 layer
  convkit cost layer --in 512 --out 512 --kernel 3 --size 14
  convkit cost layer --in 512 --out 512 --kernel 3 --size 14 --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.check(); err != nil {
				return err
			}
			rows := compareLayer(a)
			if a.json {
				return writeLayerJSON(cmd.OutOrStdout(), rows)
			}
			return writeLayerText(cmd.OutOrStdout(), a, rows)
		},
	}
	addLayerFlags(c, &a)
	return c
}

// addLayerFlags defines the flags of layerArgs on c (--in --out --kernel
// --size --stride --groups --dc --batch --json), marking the sizes
// required; "convkit cost layer" and "convkit explain" share them, and
// layerArgs.check validates them.
func addLayerFlags(c *cobra.Command, a *layerArgs) {
	f := c.Flags()
	f.IntVar(&a.in, "in", 0, "input channels (required)")
	f.IntVar(&a.out, "out", 0, "output channels (required)")
	f.IntVar(&a.kernel, "kernel", 0, "spatial kernel size k, a k×k kernel (required)")
	f.IntVar(&a.size, "size", 0, "input height and width (required)")
	f.IntVar(&a.stride, "stride", 1, "spatial stride; the channel stride of channel-wise")
	f.IntVar(&a.groups, "groups", 2, "groups of the group and group-channel-wise methods")
	f.IntVar(&a.dc, "dc", 8, "channel-wise kernel length d_c")
	f.IntVar(&a.batch, "batch", 1, "batch size")
	f.BoolVar(&a.json, "json", false, "print a JSON array instead of a table")
	for _, name := range []string{"in", "out", "kernel", "size"} {
		if err := c.MarkFlagRequired(name); err != nil {
			panic(err) // the flag is defined just above
		}
	}
}

// maxSize bounds every flag. It is package conv's limit on any size in a
// spec (2^24, larger than any real channel count or image side), checked
// here so that a typo gives one clear error rather than one per method.
const maxSize = 1 << 24

// check rejects sizes that no method could use.
func (a layerArgs) check() error {
	for _, f := range []struct {
		name string
		v    int
	}{{"in", a.in}, {"out", a.out}, {"kernel", a.kernel}, {"size", a.size},
		{"stride", a.stride}, {"groups", a.groups}, {"dc", a.dc}, {"batch", a.batch}} {
		if f.v < 1 {
			return fmt.Errorf("--%s must be a positive integer, have %d", f.name, f.v)
		}
		if f.v > maxSize {
			return fmt.Errorf("--%s %d exceeds the limit %d", f.name, f.v, maxSize)
		}
	}
	if _, err := tensor.NumElems(a.input()); err != nil {
		return fmt.Errorf("input too large: %v", err)
	}
	return nil
}

// input is the NCHW input shape.
func (a layerArgs) input() []int { return []int{a.batch, a.in, a.size, a.size} }

// layerRow is one method of the comparison: its cost, or why the
// arguments do not allow it.
type layerRow struct {
	method string
	ops    []conv.Op // the chain of operators, for the JSON "op" field
	note   string
	cost   cost.Cost
	ratio  float64 // MACs / standard MACs; 0 if the standard method failed
	err    error
}

// layerMethod builds the operators of one method, or says why the
// arguments do not allow it.
type layerMethod struct {
	name  string
	build func(a layerArgs) (ops []conv.Op, note string, err error)
}

// spatial returns a k×k convolution with stride and padding (k−1)/2.
func spatial(a layerArgs, in, out int) conv.Conv2D {
	return conv.New2D(in, out, a.kernel).WithStride(a.stride).WithPadding(conv.Pad((a.kernel - 1) / 2))
}

// layerMethods lists the methods in output order; standard comes first
// because the ratios are relative to it.
var layerMethods = []layerMethod{
	{"standard", func(a layerArgs) ([]conv.Op, string, error) {
		return []conv.Op{spatial(a, a.in, a.out)}, fmt.Sprintf("%d×%d, padding %d", a.kernel, a.kernel, (a.kernel-1)/2), nil
	}},
	{"group", func(a layerArgs) ([]conv.Op, string, error) {
		if a.in%a.groups != 0 || a.out%a.groups != 0 {
			return nil, "", fmt.Errorf("--groups %d must divide both in (%d) and out (%d)", a.groups, a.in, a.out)
		}
		return []conv.Op{spatial(a, a.in, a.out).WithGroups(a.groups)}, fmt.Sprintf("%d groups", a.groups), nil
	}},
	{"depthwise", func(a layerArgs) ([]conv.Op, string, error) {
		if a.out%a.in != 0 {
			return nil, "", fmt.Errorf("out (%d) must be a multiple of in (%d): the depth multiplier", a.out, a.in)
		}
		mult := a.out / a.in
		note := "one filter per channel"
		if mult > 1 {
			note = fmt.Sprintf("depth multiplier %d", mult)
		}
		return []conv.Op{spatial(a, a.in, a.out).WithGroups(a.in)}, note, nil
	}},
	{"pointwise", func(a layerArgs) ([]conv.Op, string, error) {
		return []conv.Op{conv.Pointwise(a.in, a.out).WithStride(a.stride)}, "1×1, ignores --kernel", nil
	}},
	{"depthwise-separable", func(a layerArgs) ([]conv.Op, string, error) {
		return []conv.Op{spatial(a, a.in, a.in).WithGroups(a.in), conv.Pointwise(a.in, a.out)},
			fmt.Sprintf("%d×%d depthwise + 1×1", a.kernel, a.kernel), nil
	}},
	{"channel-wise", func(a layerArgs) ([]conv.Op, string, error) {
		s := conv.ChannelWise{In: a.in, Kernel: a.dc, Stride: a.stride, Padding: conv.ChanPadding{Same: true}}
		if err := s.Validate(); err != nil {
			return nil, "", err
		}
		if got := s.Out(); got != a.out {
			return nil, "", fmt.Errorf("gives ⌈in/stride⌉ = ⌈%d/%d⌉ = %d output channels, not out (%d)", a.in, a.stride, got, a.out)
		}
		note := fmt.Sprintf("d_c %d, map kept", a.dc)
		if a.stride > 1 {
			note = fmt.Sprintf("d_c %d, channel stride %d, map kept", a.dc, a.stride)
		}
		return []conv.Op{s}, note, nil
	}},
	{"group-channel-wise", func(a layerArgs) ([]conv.Op, string, error) {
		if a.stride != 1 {
			return nil, "", errors.New("has no stride of its own (its channel stride is --groups); needs --stride 1")
		}
		return []conv.Op{conv.GroupChannelWise{In: a.in, Out: a.out, Groups: a.groups, Kernel: a.dc}},
			fmt.Sprintf("%d groups, d_c %d", a.groups, a.dc), nil
	}},
	{"depthwise-separable-channel-wise", func(a layerArgs) ([]conv.Op, string, error) {
		if a.out != a.in {
			return nil, "", fmt.Errorf("keeps the channel count: out (%d) must equal in (%d)", a.out, a.in)
		}
		s := conv.DWSChannelWise{In: a.in, Kernel: a.kernel, Stride: a.stride,
			Padding: conv.Pad((a.kernel - 1) / 2), ChanKernel: a.dc}
		return []conv.Op{s}, fmt.Sprintf("%d×%d depthwise + channel-wise d_c %d", a.kernel, a.kernel, a.dc), nil
	}},
}

// compareLayer costs every method for the arguments.
func compareLayer(a layerArgs) []layerRow {
	rows := make([]layerRow, len(layerMethods))
	for i, m := range layerMethods {
		r := layerRow{method: m.name}
		r.ops, r.note, r.err = m.build(a)
		if r.err == nil {
			r.cost, r.err = chainCost(r.ops, a.input())
		}
		if r.err != nil {
			// The package prefix of conv's errors says nothing here.
			r.err = errors.New(strings.ReplaceAll(r.err.Error(), "conv: ", ""))
		}
		rows[i] = r
	}
	if std := rows[0]; std.err == nil && std.cost.MACs > 0 {
		for i := range rows {
			if rows[i].err == nil {
				rows[i].ratio = float64(rows[i].cost.MACs) / float64(std.cost.MACs)
			}
		}
	}
	return rows
}

// chainCost costs operators applied one after the other.
func chainCost(ops []conv.Op, in []int) (cost.Cost, error) {
	cs := make([]cost.Cost, len(ops))
	for i, op := range ops {
		c, err := cost.Of(op, in)
		if err != nil {
			return cost.Cost{}, err
		}
		cs[i], in = c, c.Output
	}
	return cost.Sum(cs...)
}

// layerJSON is one element of the --json output. A method the arguments do
// not allow has only Method and Error.
type layerJSON struct {
	Method string   `json:"method"`
	Op     string   `json:"op,omitempty"`
	Params *int64   `json:"params,omitempty"`
	MACs   *int64   `json:"macs,omitempty"`
	FLOPs  *int64   `json:"flops,omitempty"`
	Ratio  *float64 `json:"ratio,omitempty"` // absent if the standard method failed
	Output []int    `json:"output,omitempty"`
	Note   string   `json:"note,omitempty"`
	Error  string   `json:"error,omitempty"`
}

func writeLayerJSON(w io.Writer, rows []layerRow) error {
	out := make([]layerJSON, len(rows))
	for i, r := range rows {
		if r.err != nil {
			out[i] = layerJSON{Method: r.method, Error: r.err.Error()}
			continue
		}
		c := r.cost
		names := make([]string, len(r.ops))
		for j, op := range r.ops {
			names[j] = op.String()
		}
		j := layerJSON{Method: r.method, Op: strings.Join(names, " + "),
			Params: &c.Params, MACs: &c.MACs, FLOPs: &c.FLOPs, Output: c.Output, Note: r.note}
		if r.ratio > 0 {
			j.Ratio = &r.ratio
		}
		out[i] = j
	}
	// One object per line: readable, and still one JSON array.
	lines := make([]string, len(out))
	for i, o := range out {
		b, err := json.Marshal(o)
		if err != nil {
			return err
		}
		lines[i] = "  " + string(b)
	}
	_, err := fmt.Fprintf(w, "[\n%s\n]\n", strings.Join(lines, ",\n"))
	return err
}

func writeLayerText(w io.Writer, a layerArgs, rows []layerRow) error {
	fmt.Fprintf(w, "One layer on input %s: %d → %d channels, %d×%d kernel, stride %d (--groups %d, --dc %d)\n\n",
		shape(a.input()), a.in, a.out, a.kernel, a.kernel, a.stride, a.groups, a.dc)
	table := [][]string{{"METHOD", "PARAMS", "MACS", "FLOPS", "RATIO", "OUTPUT", "NOTE"}}
	for _, r := range rows {
		if r.err != nil {
			table = append(table, []string{r.method, "-", "-", "-", "-", "-", "n/a: " + r.err.Error()})
			continue
		}
		ratio := "-"
		if r.ratio > 0 {
			ratio = fmt.Sprintf("%.4g", r.ratio)
		}
		table = append(table, []string{r.method, cost.Group(r.cost.Params), cost.Group(r.cost.MACs),
			cost.Group(r.cost.FLOPs), ratio, shape(r.cost.Output), r.note})
	}
	if err := writeTable(w, table, map[int]bool{1: true, 2: true, 3: true, 4: true}); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\nRATIO is MACs relative to standard.\n%s\n", cost.Convention)
	return err
}

// writeTable writes rows as an aligned table (cost.WriteColumns),
// right-aligning the columns marked in right (numbers).
func writeTable(w io.Writer, rows [][]string, right map[int]bool) error {
	return cost.WriteColumns(w, rows, func(col int) bool { return right[col] })
}

// shape formats a tensor shape as [1 512 14 14].
func shape(s []int) string { return strings.ReplaceAll(fmt.Sprint(s), ",", "") }
