package nn

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/convkit/convkit/tensor"
)

// Walk calls fn for l and then, depth first in order, for every layer below
// it in the tree of Containers. path is the dotted state-dict prefix of the
// layer: "" for l itself, then "features", "features.0", …. Nil children
// are skipped. Walk stops at and returns the first error from fn.
func Walk(l Layer, fn func(path string, l Layer) error) error {
	return walk("", l, fn)
}

func walk(path string, l Layer, fn func(string, Layer) error) error {
	if l == nil {
		return nil
	}
	if err := fn(path, l); err != nil {
		return err
	}
	c, ok := l.(Container)
	if !ok {
		return nil
	}
	for _, ch := range c.Children() {
		if err := walk(join(path, ch.Name), ch.Layer, fn); err != nil {
			return err
		}
	}
	return nil
}

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

// NamedParam is a parameter or buffer with its full dotted name in the
// model, such as "features.3.conv.0.weight"; the embedded Param keeps its
// local name ("weight") in Param.Name.
type NamedParam struct {
	Name string
	*Param
}

// NamedParams returns every trainable parameter of the model in state-dict
// order: a layer's own parameters, then its children's, depth first.
func NamedParams(l Layer) []NamedParam {
	var out []NamedParam
	_ = Walk(l, func(path string, l Layer) error {
		for _, p := range l.Params() {
			out = append(out, NamedParam{Name: join(path, p.Name), Param: p})
		}
		return nil
	})
	return out
}

// NamedBuffers returns every buffer (BatchNorm2d's running statistics) of
// the model in state-dict order.
func NamedBuffers(l Layer) []NamedParam {
	var out []NamedParam
	_ = Walk(l, func(path string, l Layer) error {
		if b, ok := l.(Buffered); ok {
			for _, p := range b.Buffers() {
				out = append(out, NamedParam{Name: join(path, p.Name), Param: p})
			}
		}
		return nil
	})
	return out
}

// NamedState returns parameters and buffers in PyTorch's state_dict order:
// for each layer, depth first, its parameters then its buffers.
func NamedState(l Layer) []NamedParam {
	var out []NamedParam
	_ = Walk(l, func(path string, l Layer) error {
		for _, p := range l.Params() {
			out = append(out, NamedParam{Name: join(path, p.Name), Param: p})
		}
		if b, ok := l.(Buffered); ok {
			for _, p := range b.Buffers() {
				out = append(out, NamedParam{Name: join(path, p.Name), Param: p})
			}
		}
		return nil
	})
	return out
}

// NumParams returns the number of trainable values (BatchNorm γ and β and
// biases included, buffers not).
func NumParams(l Layer) int {
	n := 0
	for _, p := range NamedParams(l) {
		n += len(p.Value.Data)
	}
	return n
}

// StateDict returns every parameter and buffer of the model by full name.
// The tensors are the model's own, not copies (as PyTorch's state_dict):
// Clone them to take a snapshot. It fails if two entries share a name.
func StateDict(l Layer) (map[string]*tensor.Tensor, error) {
	sd := make(map[string]*tensor.Tensor)
	for _, p := range NamedState(l) {
		if _, dup := sd[p.Name]; dup {
			return nil, fmt.Errorf("nn: state dict: two entries are named %q", p.Name)
		}
		sd[p.Name] = p.Value
	}
	return sd, nil
}

// LoadStateDict copies the tensors of sd into the model's parameters and
// buffers, strictly: it fails, changing nothing, if an entry is missing,
// unexpected, or has the wrong shape, listing every problem found.
func LoadStateDict(l Layer, sd map[string]*tensor.Tensor) error {
	state := NamedState(l)
	var missing, bad []string
	seen := make(map[string]bool, len(state))
	for _, p := range state {
		if seen[p.Name] {
			return fmt.Errorf("nn: load state dict: the model has two entries named %q", p.Name)
		}
		seen[p.Name] = true
		t, ok := sd[p.Name]
		switch {
		case !ok || t == nil:
			missing = append(missing, p.Name)
		case !tensor.SameShape(t.Shape, p.Value.Shape):
			bad = append(bad, fmt.Sprintf("%s: have %v, the model wants %v", p.Name, t.Shape, p.Value.Shape))
		case len(t.Data) != len(p.Value.Data):
			bad = append(bad, fmt.Sprintf("%s: shape %v with %d values", p.Name, t.Shape, len(t.Data)))
		}
	}
	var unexpected []string
	for name := range sd {
		if !seen[name] {
			unexpected = append(unexpected, name)
		}
	}
	slices.Sort(unexpected)
	var errs []string
	if len(missing) > 0 {
		errs = append(errs, "missing keys: "+strings.Join(missing, ", "))
	}
	if len(unexpected) > 0 {
		errs = append(errs, "unexpected keys: "+strings.Join(unexpected, ", "))
	}
	if len(bad) > 0 {
		errs = append(errs, "shape mismatches: "+strings.Join(bad, "; "))
	}
	if len(errs) > 0 {
		return errors.New("nn: load state dict: " + strings.Join(errs, "; "))
	}
	for _, p := range state {
		copy(p.Value.Data, sd[p.Name].Data)
	}
	return nil
}

// SetTraining puts every layer of the model that has a mode (ModeSetter)
// in training (true) or evaluation mode, PyTorch's train() and eval().
func SetTraining(l Layer, training bool) {
	_ = Walk(l, func(_ string, l Layer) error {
		if m, ok := l.(ModeSetter); ok {
			m.SetTraining(training)
		}
		return nil
	})
}

// SetThreads sets the worker goroutines of every multi-threaded layer
// (ThreadSetter) of the model; n ≤ 0 means GOMAXPROCS.
func SetThreads(l Layer, n int) {
	_ = Walk(l, func(_ string, l Layer) error {
		if t, ok := l.(ThreadSetter); ok {
			t.SetThreads(n)
		}
		return nil
	})
}

// SetInputGrad says whether callers of the model's Backward use the
// gradient with respect to its input. Layers compute it by default; a
// training loop only needs the parameter gradients, and with need false
// the layers that see the model's input — the first layer of a Sequential,
// the body and shortcut of a Residual, the branches of a Concat, down the
// tree — skip it: for a first convolution that is a third of its backward
// work. Backward then returns a nil input gradient (or, from a layer that
// cannot skip it, an unused one). Parameter gradients are unchanged.
// SetInputGrad(l, true) restores the default.
func SetInputGrad(l Layer, need bool) {
	if s, ok := l.(InputGradSetter); ok {
		s.SetInputGrad(need)
	}
}

// ZeroGrad sets every parameter gradient of the model to zero.
func ZeroGrad(l Layer) {
	zeroGrad(l)
}

// zeroGrad is ZeroGrad without building names, so that a training step
// allocates nothing for it.
func zeroGrad(l Layer) {
	if l == nil {
		return
	}
	for _, p := range l.Params() {
		clear(p.Grad.Data)
	}
	if c, ok := l.(Container); ok {
		for _, ch := range c.Children() {
			zeroGrad(ch.Layer)
		}
	}
}

// Summary returns a table of the model's layers for input shape in: each
// leaf layer's path, description, output shape and parameter count, then
// the total. Sequential, Residual and Concat are expanded; other containers
// are shown as one row.
func Summary(l Layer, in []int) (string, error) {
	var rows [][3]string
	var counts []int
	var add func(path string, l Layer, in []int) ([]int, error)
	add = func(path string, l Layer, in []int) ([]int, error) {
		if l == nil {
			return in, nil
		}
		switch c := l.(type) {
		case *Sequential:
			for _, ch := range c.Layers {
				var err error
				if in, err = add(join(path, ch.Name), ch.Layer, in); err != nil {
					return nil, err
				}
			}
			return in, nil
		case *Residual:
			if _, err := c.OutputShape(in); err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			names := c.Children()
			out, err := add(join(path, names[0].Name), c.Body, in)
			if err != nil {
				return nil, err
			}
			if c.Shortcut != nil {
				if _, err := add(join(path, orDefault(c.ShortcutName, "shortcut")), c.Shortcut, in); err != nil {
					return nil, err
				}
			}
			return add(join(path, orDefault(c.PostName, "post")), c.Post, out)
		case *Concat:
			out, err := c.OutputShape(in)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			for _, b := range c.Branches {
				if _, err := add(join(path, b.Name), b.Layer, in); err != nil {
					return nil, err
				}
			}
			rows = append(rows, [3]string{path, c.String(), fmt.Sprint(out)})
			counts = append(counts, 0)
			return out, nil
		}
		out, err := l.OutputShape(in)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		desc := fmt.Sprintf("%T", l)
		if s, ok := l.(fmt.Stringer); ok {
			desc = s.String()
		}
		rows = append(rows, [3]string{path, desc, fmt.Sprint(out)})
		counts = append(counts, NumParams(l))
		return out, nil
	}
	out, err := add("", l, in)
	if err != nil {
		return "", fmt.Errorf("nn: summary: %w", err)
	}
	width := [3]int{len("layer"), len("type"), len("output")}
	for _, r := range rows {
		for i := range r {
			width[i] = max(width[i], len([]rune(r[i])))
		}
	}
	var b strings.Builder
	line := func(a, t, o, p string) {
		fmt.Fprintf(&b, "%-*s  %-*s  %-*s  %s\n", width[0], a, width[1], t, width[2], o, p)
	}
	fmt.Fprintf(&b, "input %v\n", in)
	line("layer", "type", "output", "params")
	for i, r := range rows {
		line(r[0], r[1], r[2], fmt.Sprint(counts[i]))
	}
	fmt.Fprintf(&b, "output %v, %d parameters (biases and BatchNorm γ, β included)\n", out, NumParams(l))
	return b.String(), nil
}
