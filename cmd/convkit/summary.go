package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/convkit/convkit/conv"
	"github.com/convkit/convkit/cost"
	"github.com/convkit/convkit/nn"
	"github.com/convkit/convkit/zoo"
)

func init() { register(newSummaryCmd) }

// countConvention states how summary and compare count, for their output.
const countConvention = "MACs count multiply-accumulates of conv, channel-wise and linear weights only " +
	"(no bias, BN, activation or pooling; padded taps included); FLOPs = 2·MACs. " +
	"Params count every trainable value: weights, biases and BatchNorm γ/β."

type summaryArgs struct {
	model                           string
	width                           float64
	size, channels, classes, groups int
	batch                           int
	json                            bool
}

func newSummaryCmd() *cobra.Command {
	var a summaryArgs
	c := &cobra.Command{
		Use:   "summary --model NAME [--width W]",
		Short: "Print a zoo model layer by layer: output shapes, parameters, MACs",
		Long: `Print a zoo model as a tree of layers in the style of torchinfo: each layer's
state-dict name, output shape, parameters and multiply-accumulates, then the
totals.

Columns: WEIGHTS are convolution, channel-wise and linear weights; BIAS the
biases; BN BatchNorm's γ and β (its running statistics are buffers, not
parameters). ` + countConvention + `
torchinfo's "Mult-Adds" also counts BatchNorm and biases, so it is a little
higher. Models: ` + strings.Join(zoo.Names(), ", ") + `.`,
		Example: `  convkit summary --model channel
  convkit summary --model shuffle --width 0.5 --size 32 --channels 3`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			m, err := zoo.New(a.model, zoo.Config{Width: a.width, Size: a.size, InChannels: a.channels, Classes: a.classes, Groups: a.groups})
			if err != nil {
				return err
			}
			if a.batch < 1 || a.batch > 1<<16 {
				return fmt.Errorf("--batch %d, want 1..65536", a.batch)
			}
			s, err := summarize(m, a.batch)
			if err != nil {
				return err
			}
			if a.json {
				b, err := json.MarshalIndent(s, "", "  ")
				if err != nil {
					return err
				}
				_, err = fmt.Fprintf(cmd.OutOrStdout(), "%s\n", b)
				return err
			}
			return s.write(cmd.OutOrStdout())
		},
	}
	f := c.Flags()
	f.StringVar(&a.model, "model", "", "zoo model: "+strings.Join(zoo.Names(), ", "))
	f.Float64Var(&a.width, "width", 1, "width multiplier")
	f.IntVar(&a.size, "size", 28, "input height and width")
	f.IntVar(&a.channels, "channels", 1, "input channels")
	f.IntVar(&a.classes, "classes", 10, "classes")
	f.IntVar(&a.groups, "groups", 2, "groups of the shuffle model")
	f.IntVar(&a.batch, "batch", 1, "batch size of the input")
	f.BoolVar(&a.json, "json", false, "print JSON")
	if err := c.MarkFlagRequired("model"); err != nil {
		panic(err) // defined just above
	}
	return c
}

// summaryRow is one layer of a summary.
type summaryRow struct {
	Depth   int    `json:"depth"`
	Name    string `json:"name"` // state-dict path
	Layer   string `json:"layer"`
	Output  []int  `json:"output"`
	Weights int64  `json:"weights"`
	Bias    int64  `json:"bias"`
	BN      int64  `json:"bn"`
	MACs    int64  `json:"macs"`
	Leaf    bool   `json:"leaf"`
	tree    string // the tree-drawing prefix
}

// modelSummary is a model's layers and totals.
type modelSummary struct {
	Model       string       `json:"model"`
	Input       []int        `json:"input"`
	Output      []int        `json:"output"`
	Weights     int64        `json:"weights"`
	Bias        int64        `json:"bias"`
	BN          int64        `json:"bn"`
	Params      int64        `json:"params"` // Weights + Bias + BN: every trainable value
	MACs        int64        `json:"macs"`
	FLOPs       int64        `json:"flops"`
	Activations int64        `json:"activation_elements"` // outputs of the leaf layers
	Layers      []summaryRow `json:"layers"`
}

// summarize walks a zoo model with a batch of n images.
func summarize(m *zoo.Model, n int) (*modelSummary, error) {
	s := &modelSummary{Model: m.String(), Input: m.InputShape(n)}
	out, err := s.visit(m.Sequential, m.Name, "", 0, "", s.Input)
	if err != nil {
		return nil, err
	}
	s.Layers[0].Name = ""
	s.Output = out
	for _, r := range s.Layers {
		if r.Leaf {
			s.Weights += r.Weights
			s.Bias += r.Bias
			s.BN += r.BN
			s.MACs += r.MACs
			s.Activations += int64(numElems(r.Output))
		}
	}
	s.Params = s.Weights + s.Bias + s.BN
	s.FLOPs = 2 * s.MACs
	if got := int64(nn.NumParams(m)); got != s.Params {
		return nil, fmt.Errorf("summary: counted %d parameters, the model has %d", s.Params, got)
	}
	return s, nil
}

func numElems(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// visit adds the rows of layer l (at path, drawn with tree) for input in
// and returns its output shape.
func (s *modelSummary) visit(l nn.Layer, desc, path string, depth int, tree string, in []int) ([]int, error) {
	idx := len(s.Layers)
	s.Layers = append(s.Layers, summaryRow{Depth: depth, Name: path, Layer: desc, tree: tree})
	fromInput := func(_, input []int) []int { return input }
	var children []childSpec
	switch c := l.(type) {
	case *nn.Sequential:
		for _, ch := range c.Layers {
			children = append(children, childSpec{ch.Name, ch.Layer, func(prev, _ []int) []int { return prev }})
		}
	case *nn.Residual:
		children = residualChildren(c)
	case *nn.Concat:
		for _, ch := range c.Children() {
			children = append(children, childSpec{ch.Name, ch.Layer, fromInput})
		}
	default:
		return s.leaf(idx, l, in)
	}
	return s.visitChildren(idx, l, path, depth, tree, in, children)
}

// childSpec is a child of a container and the shape it receives, a
// function of the previous sibling's output and the container's input.
type childSpec struct {
	name  string
	layer nn.Layer
	in    func(prev, input []int) []int
}

// residualChildren lists body, shortcut (both fed the input) and post
// (fed the body's output shape, which the sum keeps).
func residualChildren(r *nn.Residual) []childSpec {
	var cs []childSpec
	var bodyOut []int
	for _, ch := range r.Children() {
		switch ch.Layer {
		case r.Post:
			cs = append(cs, childSpec{ch.Name, ch.Layer, func(_, _ []int) []int { return bodyOut }})
		case r.Body:
			cs = append(cs, childSpec{ch.Name, ch.Layer, func(_, input []int) []int {
				bodyOut, _ = r.Body.OutputShape(input)
				return input
			}})
		default:
			cs = append(cs, childSpec{ch.Name, ch.Layer, func(_, input []int) []int { return input }})
		}
	}
	return cs
}

// visitChildren adds the rows of a container's children and returns the
// container's output shape.
func (s *modelSummary) visitChildren(idx int, l nn.Layer, path string, depth int, tree string, in []int, children []childSpec) ([]int, error) {
	prev := in
	// The prefix under this node: a bar continues while it has later
	// siblings, which the caller encoded by the last rune of tree.
	under := strings.TrimSuffix(strings.TrimSuffix(tree, "├─"), "└─")
	if strings.HasSuffix(tree, "├─") {
		under += "│ "
	} else if tree != "" {
		under += "  "
	}
	for i, ch := range children {
		mark := "├─"
		if i == len(children)-1 {
			mark = "└─"
		}
		out, err := s.visit(ch.layer, layerDesc(ch.layer), joinPath(path, ch.name), depth+1, under+mark, ch.in(prev, in))
		if err != nil {
			return nil, err
		}
		prev = out
	}
	out, err := l.OutputShape(in)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	s.Layers[idx].Output = out
	return out, nil
}

func joinPath(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

// leaf costs a layer without children.
func (s *modelSummary) leaf(idx int, l nn.Layer, in []int) ([]int, error) {
	r := &s.Layers[idx]
	r.Leaf = true
	out, err := l.OutputShape(in)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", r.Name, err)
	}
	r.Output = out
	switch v := l.(type) {
	case *nn.Conv:
		c, err := cost.Of(v.Op(), in)
		if err != nil {
			return nil, err
		}
		r.Weights, r.Bias, r.MACs = c.Params, c.BiasParams, c.MACs
	case *nn.Linear:
		c, err := cost.Linear(v.In, v.Out)
		if err != nil {
			return nil, err
		}
		if c, err = c.Scale(numElems(in) / v.In); err != nil {
			return nil, err
		}
		r.Weights, r.Bias, r.MACs = c.Params, c.BiasParams, c.MACs
	case *nn.BatchNorm2d:
		r.BN = int64(2 * v.C)
	default:
		if n := nn.NumParams(l); n != 0 {
			return nil, fmt.Errorf("summary: %s: no cost rule for %T with %d parameters", r.Name, l, n)
		}
	}
	return out, nil
}

// layerDesc describes a layer briefly, in PyTorch's terms.
func layerDesc(l nn.Layer) string {
	switch v := l.(type) {
	case *nn.Sequential:
		return "Sequential"
	case *nn.Residual:
		return "Residual"
	case *nn.Concat:
		return "Concat"
	case *nn.Conv:
		if s, ok := v.Op().(conv.Conv2D); ok && s.Groups == s.In && s.Groups > 1 {
			return strings.Replace(s.String(), "Conv2d(", "Conv2d depthwise(", 1)
		}
		return v.String()
	case *nn.BatchNorm2d:
		return fmt.Sprintf("BatchNorm2d(%d)", v.C)
	case *nn.Linear:
		return fmt.Sprintf("Linear(%d, %d)", v.In, v.Out)
	case *nn.AvgPool2d:
		return fmt.Sprintf("AvgPool2d(%d, stride=%d, padding=%d)", v.Kernel, v.Stride, v.Padding)
	case *nn.GlobalAvgPool:
		return "AdaptiveAvgPool2d(1)"
	case *nn.ReLU:
		return "ReLU"
	case *nn.ReLU6:
		return "ReLU6"
	case *nn.Flatten:
		return "Flatten"
	case fmt.Stringer:
		return v.String()
	}
	return fmt.Sprintf("%T", l)
}

func (s *modelSummary) write(w io.Writer) error {
	rows := [][]string{{"LAYER (NAME)", "OUTPUT", "WEIGHTS", "BIAS", "BN", "MACS"}}
	num := func(v int64, leaf bool) string {
		if !leaf || v == 0 {
			return "--"
		}
		return cost.Group(v)
	}
	for i, r := range s.Layers {
		name := r.tree + r.Layer
		if i > 0 {
			name += ": " + r.Name
		}
		rows = append(rows, []string{name, shape(r.Output), num(r.Weights, r.Leaf), num(r.Bias, r.Leaf), num(r.BN, r.Leaf), num(r.MACs, r.Leaf)})
	}
	rule := strings.Repeat("=", 100)
	fmt.Fprintf(w, "%s\n%s, input %s\n%s\n", rule, s.Model, shape(s.Input), rule)
	if err := writeTable(w, rows, map[int]bool{2: true, 3: true, 4: true, 5: true}); err != nil {
		return err
	}
	mb := func(elems int64) string { return fmt.Sprintf("%.2f MB", float64(4*elems)/1e6) }
	fmt.Fprintf(w, "%s\n", rule)
	fmt.Fprintf(w, "Params: %s = %s weights + %s biases + %s BatchNorm γ/β\n", cost.Group(s.Params), cost.Group(s.Weights), cost.Group(s.Bias), cost.Group(s.BN))
	fmt.Fprintf(w, "MACs: %s (%s), FLOPs: %s, for a batch of %d\n", cost.Group(s.MACs), cost.Millions(s.MACs), cost.Group(s.FLOPs), s.Input[0])
	fmt.Fprintf(w, "Input size: %s, forward/backward pass size: %s, params size: %s\n",
		mb(int64(numElems(s.Input))), mb(2*s.Activations), mb(s.Params))
	fmt.Fprintf(w, "%s\n%s\n", rule, countConvention)
	return nil
}
