package nn

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/convkit/convkit/conv"
	"github.com/convkit/convkit/tensor"
)

// Conv is a layer running one conv.Op — Conv2D (standard, group, depthwise,
// pointwise, with or without bias), Shuffle, ChannelWise, GroupChannelWise,
// DWSChannelWise or Classifier — through conv.Plan. It keeps one plan, one
// output buffer and one input-gradient buffer per input shape, so a
// training loop allocates no activations in steady state.
//
// Its parameters are the op's, with the op's names ("weight", "bias";
// "depthwise.weight" and "channelwise.weight" for DWSChannelWise).
type Conv struct {
	op      conv.Op
	params  []*Param
	values  []*tensor.Tensor // params[i].Value, refreshed per call
	scratch []*tensor.Tensor // plan gradients, added into params[i].Grad
	plans   planCache
	x       *tensor.Tensor // input of the last Forward
	cur     *planState     // state of the last Forward
	noDX    bool           // skip the input gradient (SetInputGrad)
}

// NewConv returns a layer for op with PyTorch's default initialisation
// drawn from rng: every weight uniform in ±1/√fan_in (kaiming_uniform_ with
// a = √5), fan_in being the product of the weight's dimensions after the
// first — in/groups·kH·kW for Conv2D, d_c (times the map size for
// Classifier) for the channel-wise ops, as PyTorch's Conv3d with one input
// channel counts it — and every bias uniform in ±1/√fan_in of its weight.
// rng may be nil only for a parameterless op (Shuffle).
func NewConv(op conv.Op, rng *rand.Rand) (*Conv, error) {
	if op == nil {
		return nil, errors.New("nn: NewConv: nil op")
	}
	if err := op.Validate(); err != nil {
		return nil, fmt.Errorf("nn: %w", err)
	}
	c := &Conv{op: op, plans: planCache{op: op}}
	specs := op.Params()
	if len(specs) > 0 && rng == nil {
		return nil, fmt.Errorf("nn: NewConv: %v: nil rng", op)
	}
	for _, s := range specs {
		if _, err := tensor.NumElems(s.Shape); err != nil {
			return nil, fmt.Errorf("nn: %v: %s: %w", op, s.Name, err)
		}
		p := newParam(s.Name, s.Shape...)
		c.params = append(c.params, p)
		c.values = append(c.values, p.Value)
		c.scratch = append(c.scratch, tensor.New(s.Shape...))
	}
	initParams(c.params, rng)
	return c, nil
}

// MustConv is NewConv for model definitions written in code; it panics on
// an invalid op, like regexp.MustCompile.
func MustConv(op conv.Op, rng *rand.Rand) *Conv {
	c, err := NewConv(op, rng)
	if err != nil {
		panic(err)
	}
	return c
}

// NewChannelShuffle returns ShuffleNet's channel shuffle with the given
// number of groups (conv.Shuffle, PyTorch's order) as a layer.
func NewChannelShuffle(groups int) (*Conv, error) {
	return NewConv(conv.Shuffle{Groups: groups}, nil)
}

// initParams applies PyTorch's default initialisation; see NewConv.
func initParams(ps []*Param, rng *rand.Rand) {
	weightFanIn := 0
	for _, p := range ps {
		fanIn := numElems(p.Value.Shape[min(1, len(p.Value.Shape)):])
		if strings.HasSuffix(p.Name, "bias") {
			fanIn = weightFanIn
		} else {
			weightFanIn = fanIn
		}
		bound := 0.0
		if fanIn > 0 {
			bound = 1 / math.Sqrt(float64(fanIn))
		}
		uniform(p.Value.Data, bound, rng)
	}
}

// uniform fills s with values drawn uniformly from [−bound, bound).
func uniform(s []float32, bound float64, rng *rand.Rand) {
	for i := range s {
		s[i] = float32(bound * (2*rng.Float64() - 1))
	}
}

// Op returns the operator.
func (c *Conv) Op() conv.Op { return c.op }

// String describes the operator.
func (c *Conv) String() string { return c.op.String() }

// Params returns the op's parameters in its order.
func (c *Conv) Params() []*Param { return c.params }

// SetThreads sets the worker goroutines of the convolution kernels
// (conv.Options.Threads; ≤ 0 means GOMAXPROCS). It drops the cached plans.
func (c *Conv) SetThreads(n int) { c.plans.setThreads(n); c.cur = nil; c.x = nil }

// SetInputGrad sets whether Backward computes the input gradient (by
// default it does). Without it Backward returns nil and the plan skips
// that product; see the function SetInputGrad.
func (c *Conv) SetInputGrad(need bool) { c.noDX = !need }

// Algorithm returns the algorithm conv.Plan chose for the input shape of
// the last Forward and why, or "" before the first Forward (and for an op
// that conv cannot plan).
func (c *Conv) Algorithm() (conv.Algorithm, string) {
	if c.cur == nil {
		return "", ""
	}
	if p, ok := c.cur.run.(*conv.Plan); ok {
		return p.Algorithm()
	}
	return "", ""
}

// OutputShape returns the op's output shape.
func (c *Conv) OutputShape(in []int) ([]int, error) { return c.op.OutputShape(in) }

// Forward applies the op to the NCHW input x.
func (c *Conv) Forward(x *tensor.Tensor) (*tensor.Tensor, error) {
	if err := checkInput(c.op, x, 4); err != nil {
		return nil, err
	}
	st, err := c.plans.get(x.Shape)
	if err != nil {
		return nil, fmt.Errorf("nn: %w", err)
	}
	for i, p := range c.params {
		c.values[i] = p.Value
	}
	if err := st.run.Forward(st.y, x, c.values...); err != nil {
		return nil, fmt.Errorf("nn: %w", err)
	}
	c.x, c.cur = x, st
	return st.y, nil
}

// Backward returns the input gradient (nil after SetInputGrad(false)) and
// adds the parameter gradients into their Grad tensors.
func (c *Conv) Backward(dy *tensor.Tensor) (*tensor.Tensor, error) {
	var out []int
	if c.cur != nil {
		out = c.cur.y.Shape
	}
	if err := checkGrad(c.op, dy, out); err != nil {
		return nil, err
	}
	st := c.cur
	var dx *tensor.Tensor
	if !c.noDX {
		if st.dx == nil {
			st.dx = tensor.New(c.x.Shape...)
		}
		dx = st.dx
	}
	for i, p := range c.params {
		c.values[i] = p.Value
	}
	if err := st.run.Backward(c.x, dy, dx, c.scratch, c.values...); err != nil {
		return nil, fmt.Errorf("nn: %w", err)
	}
	for i, p := range c.params {
		addTo(p.Grad.Data, c.scratch[i].Data)
	}
	return dx, nil
}

// runner is what a planState executes: *conv.Plan, or opRunner for ops
// conv cannot plan.
type runner interface {
	Forward(y, x *tensor.Tensor, params ...*tensor.Tensor) error
	Backward(x, dy, dx *tensor.Tensor, grads []*tensor.Tensor, params ...*tensor.Tensor) error
}

// planState is everything cached for one input shape.
type planState struct {
	in    []int
	run   runner
	y, dx *tensor.Tensor
}

// maxPlans bounds the plans a layer caches. Training uses one or two input
// shapes (the full batch and the last, smaller one) and evaluation one more;
// a caller cycling through many shapes just rebuilds plans.
const maxPlans = 8

// planCache maps input shapes to planned states for one op.
type planCache struct {
	op      conv.Op
	threads int
	last    *planState
	states  []*planState
}

func (pc *planCache) setThreads(n int) {
	pc.threads = n
	pc.last, pc.states = nil, nil
}

// get returns the state for input shape in, planning it on first use.
func (pc *planCache) get(in []int) (*planState, error) {
	if pc.last != nil && tensor.SameShape(pc.last.in, in) {
		return pc.last, nil
	}
	for _, st := range pc.states {
		if tensor.SameShape(st.in, in) {
			pc.last = st
			return st, nil
		}
	}
	run, out, err := newRunner(pc.op, in, conv.Options{Threads: pc.threads})
	if err != nil {
		return nil, err
	}
	st := &planState{in: append([]int(nil), in...), run: run, y: tensor.New(out...)}
	if len(pc.states) >= maxPlans {
		pc.states = pc.states[:0]
	}
	pc.states = append(pc.states, st)
	pc.last = st
	return st, nil
}

// newRunner plans op for input shape in. An op that conv.NewPlan does not
// know (a user-defined conv.Op) runs through its own allocating Forward and
// Backward instead.
func newRunner(op conv.Op, in []int, opt conv.Options) (runner, []int, error) {
	p, planErr := conv.NewPlan(op, in, opt)
	if planErr == nil {
		return p, p.OutShape(), nil
	}
	out, err := op.OutputShape(in)
	if err != nil {
		return nil, nil, err
	}
	switch op.(type) {
	case conv.Conv2D, conv.Shuffle, conv.ChannelWise, conv.GroupChannelWise, conv.DWSChannelWise, conv.Classifier:
		return nil, nil, planErr // conv's own ops must plan
	}
	return opRunner{op}, out, nil
}

// opRunner runs an op that conv.NewPlan does not know through its own
// Forward and Backward, copying the results into the caller's tensors.
type opRunner struct{ op conv.Op }

func (r opRunner) Forward(y, x *tensor.Tensor, params ...*tensor.Tensor) error {
	out, err := r.op.Forward(x, params...)
	if err != nil {
		return err
	}
	copy(y.Data, out.Data)
	return nil
}

func (r opRunner) Backward(x, dy, dx *tensor.Tensor, grads []*tensor.Tensor, params ...*tensor.Tensor) error {
	g, err := r.op.Backward(x, dy, params...)
	if err != nil {
		return err
	}
	if dx != nil {
		copy(dx.Data, g.X.Data)
	}
	for i, t := range grads {
		if t != nil {
			copy(t.Data, g.Params[i].Data)
		}
	}
	return nil
}
