package train

import (
	"fmt"
	"math"
	"slices"

	"github.com/convkit/convkit/nn"
	"github.com/convkit/convkit/tensor"
)

// Optimizer updates a model's parameters from the gradients that Backward
// accumulated in them.
type Optimizer interface {
	// Step applies one update with learning rate lr.
	Step(lr float64)
	// Steps returns the number of steps taken so far (restored by
	// LoadState).
	Steps() int
	// State returns the optimizer's per-parameter state tensors, named
	// "<parameter>.<PyTorch state key>" ("layer1.0.0.weight.momentum_buffer",
	// "head.2.bias.exp_avg_sq"). The tensors are the optimizer's own.
	State() map[string]*tensor.Tensor
	// LoadState restores the state saved by State after steps steps. It
	// fails, changing nothing, if a tensor is missing, unexpected or of the
	// wrong shape.
	LoadState(steps int, state map[string]*tensor.Tensor) error
}

// param is one parameter an optimizer updates.
type param struct {
	name  string
	p     *nn.Param
	decay float32 // the weight decay applied to it
}

func newParams(params []nn.NamedParam, weightDecay float64, exclude func(nn.NamedParam) bool) ([]param, error) {
	var out []param
	seen := make(map[string]bool)
	for _, np := range params {
		if np.Param == nil || np.Value == nil || np.Grad == nil {
			return nil, fmt.Errorf("train: parameter %q has no value or gradient", np.Name)
		}
		if len(np.Value.Data) != len(np.Grad.Data) {
			return nil, fmt.Errorf("train: parameter %q has %d values but %d gradients", np.Name, len(np.Value.Data), len(np.Grad.Data))
		}
		if seen[np.Name] {
			return nil, fmt.Errorf("train: two parameters are named %q", np.Name)
		}
		seen[np.Name] = true
		wd := float32(weightDecay)
		if exclude != nil && exclude(np) {
			wd = 0
		}
		out = append(out, param{name: np.Name, p: np.Param, decay: wd})
	}
	return out, nil
}

// NoDecayBiasNorm is an exclusion rule for weight decay: it exempts every
// parameter of rank ≤ 1, that is biases and BatchNorm's γ and β, a common
// choice for small networks (the "no bias decay" trick). Convolution and
// linear weights keep their decay.
func NoDecayBiasNorm(p nn.NamedParam) bool { return len(p.Value.Shape) <= 1 }

// SGDConfig holds the hyperparameters of SGD, those of PyTorch's
// torch.optim.SGD.
type SGDConfig struct {
	Momentum    float64
	Dampening   float64
	WeightDecay float64
	Nesterov    bool
	// Exclude, if not nil, exempts the parameters for which it returns
	// true from weight decay (see NoDecayBiasNorm). PyTorch does this with
	// parameter groups.
	Exclude func(nn.NamedParam) bool
}

// SGD is stochastic gradient descent with momentum, dampening, Nesterov
// momentum and L2 weight decay, with torch.optim.SGD's semantics and
// float32 arithmetic: per parameter w with gradient g,
//
//	d = g + wd·w
//	buf = d                                  on the first step
//	buf = momentum·buf + (1 − dampening)·d  afterwards
//	d = d + momentum·buf   (Nesterov)   or   d = buf
//	w = w − lr·d
//
// With momentum 0 there is no buffer and d is used directly.
type SGD struct {
	cfg    SGDConfig
	params []param
	bufs   [][]float32
	steps  int
}

// NewSGD returns an SGD optimizer for params. As in PyTorch, Nesterov
// momentum needs a positive momentum and zero dampening.
func NewSGD(params []nn.NamedParam, cfg SGDConfig) (*SGD, error) {
	switch {
	case !(cfg.Momentum >= 0) || math.IsInf(cfg.Momentum, 0):
		return nil, fmt.Errorf("train: SGD: invalid momentum %g", cfg.Momentum)
	case !(cfg.WeightDecay >= 0) || math.IsInf(cfg.WeightDecay, 0):
		return nil, fmt.Errorf("train: SGD: invalid weight decay %g", cfg.WeightDecay)
	case !(cfg.Dampening >= 0 && cfg.Dampening <= 1):
		return nil, fmt.Errorf("train: SGD: invalid dampening %g", cfg.Dampening)
	case cfg.Nesterov && (cfg.Momentum <= 0 || cfg.Dampening != 0):
		return nil, fmt.Errorf("train: SGD: Nesterov momentum requires a momentum and zero dampening")
	}
	ps, err := newParams(params, cfg.WeightDecay, cfg.Exclude)
	if err != nil {
		return nil, err
	}
	o := &SGD{cfg: cfg, params: ps}
	if cfg.Momentum != 0 {
		o.bufs = make([][]float32, len(ps))
		for i, p := range ps {
			o.bufs[i] = make([]float32, len(p.p.Value.Data))
		}
	}
	return o, nil
}

// Steps returns the number of steps taken.
func (o *SGD) Steps() int { return o.steps }

// Step updates every parameter with learning rate lr.
func (o *SGD) Step(lr float64) {
	mom, damp := float32(o.cfg.Momentum), float32(1-o.cfg.Dampening)
	lr32 := float32(lr)
	first := o.steps == 0
	for i, p := range o.params {
		w, g := p.p.Value.Data, p.p.Grad.Data
		g = g[:len(w)]
		wd := p.decay
		if mom == 0 {
			for j, d := range g {
				if wd != 0 {
					d += wd * w[j]
				}
				w[j] -= lr32 * d
			}
			continue
		}
		sgdMomentum(w, g, o.bufs[i], lr32, mom, damp, wd, first, o.cfg.Nesterov)
	}
	o.steps++
}

// sgdMomentum is SGD's update of one parameter with momentum (see SGD):
// the same arithmetic as the general loop, with each case in a loop of its
// own, since a branch per element made the optimizer step cost about 3 %
// of a training step of the anchors' std net (0.9 ms of 30).
func sgdMomentum(w, g, buf []float32, lr, mom, damp, wd float32, first, nesterov bool) {
	g, buf = g[:len(w)], buf[:len(w)]
	switch {
	case !first && !nesterov && wd == 0: // the common case
		for j, d := range g {
			b := mom*buf[j] + damp*d
			buf[j] = b
			w[j] -= lr * b
		}
	case !first && !nesterov:
		for j, d := range g {
			d += wd * w[j]
			b := mom*buf[j] + damp*d
			buf[j] = b
			w[j] -= lr * b
		}
	default:
		for j, d := range g {
			if wd != 0 {
				d += wd * w[j]
			}
			b := d
			if !first {
				b = mom*buf[j] + damp*d
			}
			buf[j] = b
			if nesterov {
				d += mom * b
			} else {
				d = b
			}
			w[j] -= lr * d
		}
	}
}

// State returns the momentum buffers, "<parameter>.momentum_buffer"
// (none without momentum).
func (o *SGD) State() map[string]*tensor.Tensor {
	st := make(map[string]*tensor.Tensor)
	for i, p := range o.bufs {
		st[o.params[i].name+".momentum_buffer"] = &tensor.Tensor{Shape: slices.Clone(o.params[i].p.Value.Shape), Data: p}
	}
	return st
}

// LoadState restores the momentum buffers and the step count.
func (o *SGD) LoadState(steps int, state map[string]*tensor.Tensor) error {
	var keys []stateKey
	for i, p := range o.params {
		if o.bufs != nil {
			keys = append(keys, stateKey{p.name + ".momentum_buffer", o.bufs[i], p.p.Value.Shape})
		}
	}
	if err := loadState("SGD", keys, steps, state); err != nil {
		return err
	}
	o.steps = steps
	return nil
}

// AdamWConfig holds the hyperparameters of AdamW, those of PyTorch's
// torch.optim.AdamW (amsgrad off). The zero value of Beta1, Beta2 and Eps
// selects PyTorch's defaults 0.9, 0.999 and 1e-8.
type AdamWConfig struct {
	Beta1, Beta2 float64
	Eps          float64
	WeightDecay  float64
	// Exclude, if not nil, exempts parameters from weight decay.
	Exclude func(nn.NamedParam) bool
}

// AdamW is Adam with decoupled weight decay (Loshchilov and Hutter, arXiv
// 1711.05101) with torch.optim.AdamW's semantics: at step t = 1, 2, …, per
// parameter w with gradient g,
//
//	w = w·(1 − lr·wd)
//	m = β1·m + (1 − β1)·g
//	v = β2·v + (1 − β2)·g²
//	w = w − (lr/(1 − β1ᵗ)) · m / (√v/√(1 − β2ᵗ) + eps)
//
// Element-wise arithmetic is float32, the bias corrections float64, as in
// PyTorch.
type AdamW struct {
	cfg    AdamWConfig
	params []param
	m, v   [][]float32
	steps  int
}

// NewAdamW returns an AdamW optimizer for params.
func NewAdamW(params []nn.NamedParam, cfg AdamWConfig) (*AdamW, error) {
	if cfg.Beta1 == 0 {
		cfg.Beta1 = 0.9
	}
	if cfg.Beta2 == 0 {
		cfg.Beta2 = 0.999
	}
	if cfg.Eps == 0 {
		cfg.Eps = 1e-8
	}
	switch {
	case !(cfg.Beta1 >= 0 && cfg.Beta1 < 1) || !(cfg.Beta2 >= 0 && cfg.Beta2 < 1):
		return nil, fmt.Errorf("train: AdamW: betas (%g, %g) must lie in [0, 1)", cfg.Beta1, cfg.Beta2)
	case !(cfg.Eps > 0):
		return nil, fmt.Errorf("train: AdamW: invalid eps %g", cfg.Eps)
	case !(cfg.WeightDecay >= 0) || math.IsInf(cfg.WeightDecay, 0):
		return nil, fmt.Errorf("train: AdamW: invalid weight decay %g", cfg.WeightDecay)
	}
	ps, err := newParams(params, cfg.WeightDecay, cfg.Exclude)
	if err != nil {
		return nil, err
	}
	o := &AdamW{cfg: cfg, params: ps, m: make([][]float32, len(ps)), v: make([][]float32, len(ps))}
	for i, p := range ps {
		o.m[i] = make([]float32, len(p.p.Value.Data))
		o.v[i] = make([]float32, len(p.p.Value.Data))
	}
	return o, nil
}

// Steps returns the number of steps taken.
func (o *AdamW) Steps() int { return o.steps }

// Step updates every parameter with learning rate lr.
func (o *AdamW) Step(lr float64) {
	o.steps++
	t := float64(o.steps)
	// 1 − β is formed in float64 and then rounded, as PyTorch passes it
	// (a Python float) to its float32 kernels; 1 − float32(β) would be off
	// by 1e-5 relative for β = 0.999.
	b1, b2 := float32(o.cfg.Beta1), float32(o.cfg.Beta2)
	c1, c2 := float32(1-o.cfg.Beta1), float32(1-o.cfg.Beta2)
	bc1 := 1 - math.Pow(o.cfg.Beta1, t)
	bc2sqrt := float32(math.Sqrt(1 - math.Pow(o.cfg.Beta2, t)))
	stepSize := float32(lr / bc1)
	eps := float32(o.cfg.Eps)
	for i, p := range o.params {
		w, g := p.p.Value.Data, p.p.Grad.Data
		g = g[:len(w)]
		m, v := o.m[i][:len(w)], o.v[i][:len(w)]
		decay := float32(1 - lr*float64(p.decay))
		for j, gj := range g {
			if p.decay != 0 {
				w[j] *= decay
			}
			m[j] = b1*m[j] + c1*gj
			v[j] = b2*v[j] + c2*gj*gj
			denom := float32(math.Sqrt(float64(v[j])))/bc2sqrt + eps
			w[j] -= stepSize * (m[j] / denom)
		}
	}
}

// State returns the moment estimates, "<parameter>.exp_avg" and
// "<parameter>.exp_avg_sq".
func (o *AdamW) State() map[string]*tensor.Tensor {
	st := make(map[string]*tensor.Tensor)
	for i, p := range o.params {
		shape := p.p.Value.Shape
		st[p.name+".exp_avg"] = &tensor.Tensor{Shape: slices.Clone(shape), Data: o.m[i]}
		st[p.name+".exp_avg_sq"] = &tensor.Tensor{Shape: slices.Clone(shape), Data: o.v[i]}
	}
	return st
}

// LoadState restores the moment estimates and the step count.
func (o *AdamW) LoadState(steps int, state map[string]*tensor.Tensor) error {
	var keys []stateKey
	for i, p := range o.params {
		keys = append(keys, stateKey{p.name + ".exp_avg", o.m[i], p.p.Value.Shape},
			stateKey{p.name + ".exp_avg_sq", o.v[i], p.p.Value.Shape})
	}
	if err := loadState("AdamW", keys, steps, state); err != nil {
		return err
	}
	o.steps = steps
	return nil
}

type stateKey struct {
	name  string
	dst   []float32
	shape []int
}

// loadState checks state against keys, strictly, then copies it.
func loadState(opt string, keys []stateKey, steps int, state map[string]*tensor.Tensor) error {
	if steps < 0 {
		return fmt.Errorf("train: %s: negative step count %d", opt, steps)
	}
	want := make(map[string]bool, len(keys))
	for _, k := range keys {
		want[k.name] = true
		t, ok := state[k.name]
		if !ok || t == nil {
			return fmt.Errorf("train: %s state: missing %q", opt, k.name)
		}
		if !tensor.SameShape(t.Shape, k.shape) || len(t.Data) != len(k.dst) {
			return fmt.Errorf("train: %s state: %q has shape %v, want %v", opt, k.name, t.Shape, k.shape)
		}
	}
	for name := range state {
		if !want[name] {
			return fmt.Errorf("train: %s state: unexpected %q", opt, name)
		}
	}
	for _, k := range keys {
		copy(k.dst, state[k.name].Data)
	}
	return nil
}
