package cost

import (
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	"github.com/convkit/convkit/conv"
)

// Layer is one named row of a Table.
type Layer struct {
	// Name identifies the layer, e.g. a state_dict prefix ("features.3").
	Name string
	// Op describes the operator, e.g. its String form.
	Op string
	Cost
}

// Table is the per-layer cost of a model, in execution order, with totals.
// Build it with Add (from an operator) or AddCost (from a precomputed Cost,
// e.g. Linear); the zero Table is empty and ready to use.
type Table struct {
	Layers []Layer
}

// Add costs op on an input of shape in, appends it under name and returns
// the output shape, so that the layers of a chain can be added in turn:
//
//	shape, err = t.Add("conv1", conv1, shape)
func (t *Table) Add(name string, op conv.Op, in []int) ([]int, error) {
	c, err := Of(op, in)
	if err != nil {
		return nil, fmt.Errorf("cost: layer %q: %w", name, err)
	}
	t.Layers = append(t.Layers, Layer{Name: name, Op: op.String(), Cost: c})
	return append([]int(nil), c.Output...), nil
}

// AddCost appends a precomputed cost under name, with op as its
// description.
func (t *Table) AddCost(name, op string, c Cost) {
	t.Layers = append(t.Layers, Layer{Name: name, Op: op, Cost: c})
}

// Total returns the Sum of all layers.
func (t *Table) Total() (Cost, error) {
	cs := make([]Cost, len(t.Layers))
	for i, l := range t.Layers {
		cs[i] = l.Cost
	}
	return Sum(cs...)
}

// WriteTo writes the table as aligned text: one row per layer with its
// output shape, weights, biases, MACs and shares of the total MACs and
// weights, then a total row and the counting convention. It implements
// io.WriterTo.
func (t *Table) WriteTo(w io.Writer) (int64, error) {
	total, err := t.Total()
	if err != nil {
		return 0, err
	}
	rows := [][]string{{"LAYER", "OP", "OUTPUT", "PARAMS", "BIAS", "MACS", "MACS %", "PARAMS %"}}
	for _, l := range t.Layers {
		rows = append(rows, []string{l.Name, l.Op, shapeString(l.Output),
			Group(l.Params), Group(l.BiasParams), Group(l.MACs),
			percent(l.MACs, total.MACs), percent(l.Params, total.Params)})
	}
	rows = append(rows, []string{"total", "", "", Group(total.Params), Group(total.BiasParams), Group(total.MACs), "", ""})
	var b strings.Builder
	if err := WriteColumns(&b, rows, func(col int) bool { return col >= 3 }); err != nil {
		return 0, err
	}
	fmt.Fprintf(&b, "%s params (%s with bias), %s MACs, %s FLOPs.\n%s\n",
		Millions(total.Params), Millions(total.TotalParams()), Millions(total.MACs), Millions(total.FLOPs), Convention)
	n, err := io.WriteString(w, b.String())
	return int64(n), err
}

// WriteColumns writes rows as an aligned text table (tabwriter, two
// spaces between columns, trailing blanks trimmed), right-aligning the
// columns for which right returns true (numbers) and left-aligning the
// others. right may be nil.
func WriteColumns(w io.Writer, rows [][]string, right func(col int) bool) error {
	width := map[int]int{}
	for _, r := range rows {
		for i, c := range r {
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, r := range rows {
		cells := make([]string, len(r))
		for i, c := range r {
			if right != nil && right(i) {
				c = strings.Repeat(" ", width[i]-utf8.RuneCountInString(c)) + c
			}
			cells[i] = c
		}
		fmt.Fprintln(tw, strings.TrimRight(strings.Join(cells, "\t"), " \t"))
	}
	return tw.Flush()
}

// Group formats n with a comma between groups of three digits:
// 462422016 → "462,422,016".
func Group(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Millions formats n in millions with three significant digits (no
// fewer digits before the point than needed), as the papers' tables print
// them: 462422016 → "462M", 52283392 → "52.3M", 2359296 → "2.36M",
// 266752 → "0.267M", 1234567890 → "1235M".
func Millions(n int64) string {
	m := float64(n) / 1e6
	switch a := math.Abs(m); {
	case a >= 100:
		return fmt.Sprintf("%.0fM", m)
	case a >= 10:
		return fmt.Sprintf("%.1fM", m)
	case a >= 1:
		return fmt.Sprintf("%.2fM", m)
	}
	return fmt.Sprintf("%.3gM", m)
}

func percent(part, whole int64) string {
	if whole == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", 100*float64(part)/float64(whole))
}

func shapeString(s []int) string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = fmt.Sprint(d)
	}
	return "[" + strings.Join(parts, " ") + "]"
}
