package conv

import (
	"fmt"
	"runtime"

	"github.com/convkit/convkit/internal/geom"
	"github.com/convkit/convkit/internal/ref"
	"github.com/convkit/convkit/tensor"
)

// Algorithm names the method a Plan runs.
type Algorithm string

// The algorithms a plan can choose.
const (
	// AlgoReference runs internal/ref: naive loops accumulating in float64.
	AlgoReference Algorithm = "reference"
)

// Options tune planning.
type Options struct {
	// Threads bounds the worker goroutines; 0 means GOMAXPROCS.
	Threads int
	// Reference forces the reference implementation (for debugging and
	// tests); the CONVKIT_IMPL=ref environment variable does the same.
	Reference bool
}

func (o Options) threads() int {
	if o.Threads > 0 {
		return o.Threads
	}
	return runtime.GOMAXPROCS(0)
}

// A Plan is an operator bound to one input shape: the algorithm is chosen
// once, and Forward and Backward write into caller-owned tensors, so a
// steady-state loop allocates nothing. A Plan may be used by one goroutine
// at a time.
type Plan struct {
	op       Op
	in, out  []int
	algo     Algorithm
	reason   string
	threads  int
	forward  func(y, x []float32, params [][]float32)
	backward func(x, dy, dx []float32, params, grads [][]float32)
}

// NewPlan validates op against the NCHW input shape in and chooses an
// algorithm.
func NewPlan(op Op, in []int, opt Options) (*Plan, error) {
	out, err := op.OutputShape(in)
	if err != nil {
		return nil, err
	}
	p := &Plan{op: op, in: append([]int(nil), in...), out: out, threads: opt.threads()}
	if err := p.choose(opt); err != nil {
		return nil, err
	}
	return p, nil
}

// choose fills the algorithm and the functions that run it.
func (p *Plan) choose(opt Options) error {
	p.algo, p.reason = AlgoReference, "only implementation"
	switch s := p.op.(type) {
	case Conv2D:
		g, _ := s.geometry(p.in)
		p.forward = func(y, x []float32, ps [][]float32) { ref.ConvForward(g, x, ps[0], optional(ps, 1), y) }
		p.backward = func(x, dy, dx []float32, ps, gs [][]float32) {
			ref.ConvBackward(g, x, ps[0], dy, dx, optional(gs, 0), optional(gs, 1))
		}
	case ChannelWise, GroupChannelWise, Classifier:
		var g geom.Chan
		switch s := s.(type) {
		case ChannelWise:
			g, _ = s.geometry(p.in)
		case GroupChannelWise:
			g, _ = s.geometry(p.in)
		case Classifier:
			g, _ = s.geometry(p.in)
		}
		p.forward = func(y, x []float32, ps [][]float32) { ref.ChanForward(g, x, ps[0], y) }
		p.backward = func(x, dy, dx []float32, ps, gs [][]float32) {
			ref.ChanBackward(g, x, ps[0], dy, dx, optional(gs, 0))
		}
	case Shuffle:
		g, _ := s.geometry(p.in)
		p.forward = func(y, x []float32, _ [][]float32) { ref.ShuffleForward(g, x, y) }
		p.backward = func(_, dy, dx []float32, _, _ [][]float32) {
			if dx != nil {
				ref.ShuffleBackward(g, dy, dx)
			}
		}
	default:
		return fmt.Errorf("conv: %v: no plan for this operator; run its Forward and Backward directly", p.op)
	}
	return nil
}

// optional returns s[i], or nil when s is too short.
func optional(s [][]float32, i int) []float32 {
	if i < len(s) {
		return s[i]
	}
	return nil
}

// Op returns the planned operator.
func (p *Plan) Op() Op { return p.op }

// InShape returns the input shape the plan was made for.
func (p *Plan) InShape() []int { return p.in }

// OutShape returns the output shape.
func (p *Plan) OutShape() []int { return p.out }

// Algorithm returns the chosen algorithm and why it was chosen.
func (p *Plan) Algorithm() (Algorithm, string) { return p.algo, p.reason }

// Forward writes op(x, params) into y, which must have OutShape.
func (p *Plan) Forward(y, x *tensor.Tensor, params ...*tensor.Tensor) error {
	if err := p.check(x, params); err != nil {
		return err
	}
	if err := checkShape(p.op, "output", y, p.out); err != nil {
		return err
	}
	p.forward(y.Data, x.Data, datas(params))
	return nil
}

// Backward writes the gradient of the loss with respect to x into dx and
// with respect to each parameter into grads (same order and shapes as
// params), given the output gradient dy. dx, or any element of grads, may be
// nil to skip that gradient; grads may be shorter than params. Gradients
// overwrite, they do not accumulate.
func (p *Plan) Backward(x, dy, dx *tensor.Tensor, grads []*tensor.Tensor, params ...*tensor.Tensor) error {
	if err := p.check(x, params); err != nil {
		return err
	}
	if err := checkShape(p.op, "output gradient", dy, p.out); err != nil {
		return err
	}
	var dxd []float32
	if dx != nil {
		if err := checkShape(p.op, "input gradient", dx, p.in); err != nil {
			return err
		}
		dxd = dx.Data
	}
	if len(grads) > len(params) {
		return fmt.Errorf("conv: %v: %d gradients for %d parameters", p.op, len(grads), len(params))
	}
	gs := make([][]float32, len(grads))
	for i, g := range grads {
		if g == nil {
			continue
		}
		if err := checkShape(p.op, p.op.Params()[i].Name+" gradient", g, params[i].Shape); err != nil {
			return err
		}
		gs[i] = g.Data
	}
	p.backward(x.Data, dy.Data, dxd, datas(params), gs)
	return nil
}

func (p *Plan) check(x *tensor.Tensor, params []*tensor.Tensor) error {
	if err := checkShape(p.op, "input", x, p.in); err != nil {
		return err
	}
	_, err := checkTensors(p.op, x, params)
	return err
}

func checkShape(op Op, what string, t *tensor.Tensor, want []int) error {
	if t == nil {
		return fmt.Errorf("conv: %v: nil %s", op, what)
	}
	if !tensor.SameShape(t.Shape, want) || len(t.Data) != product(want) {
		return fmt.Errorf("conv: %v: %s has shape %v, the plan wants %v", op, what, t.Shape, want)
	}
	return nil
}

func datas(ts []*tensor.Tensor) [][]float32 {
	d := make([][]float32, len(ts))
	for i, t := range ts {
		d[i] = t.Data
	}
	return d
}
