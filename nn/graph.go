package nn

import (
	"fmt"
	"strconv"

	"github.com/convkit/convkit/tensor"
)

// Sequential applies its layers in order, PyTorch's nn.Sequential. Each
// child's name is its state-dict path component: "0", "1", … from
// NewSequential and Append, or any name given with AppendNamed (as an
// OrderedDict gives in PyTorch). An empty Sequential is the identity.
type Sequential struct {
	Layers []Child
}

// NewSequential returns a Sequential of layers named "0", "1", ….
func NewSequential(layers ...Layer) *Sequential {
	s := &Sequential{}
	for _, l := range layers {
		s.Append(l)
	}
	return s
}

// Append adds l named by its index and returns s.
func (s *Sequential) Append(l Layer) *Sequential {
	return s.AppendNamed(strconv.Itoa(len(s.Layers)), l)
}

// AppendNamed adds l under the given name and returns s.
func (s *Sequential) AppendNamed(name string, l Layer) *Sequential {
	s.Layers = append(s.Layers, Child{Name: name, Layer: l})
	return s
}

// String returns "Sequential(n layers)".
func (s *Sequential) String() string { return fmt.Sprintf("Sequential(%d layers)", len(s.Layers)) }

// Children returns the layers.
func (s *Sequential) Children() []Child { return s.Layers }

// Params returns nil: the parameters belong to the children.
func (*Sequential) Params() []*Param { return nil }

// OutputShape chains the children's output shapes.
func (s *Sequential) OutputShape(in []int) ([]int, error) {
	out := append([]int(nil), in...)
	for _, c := range s.Layers {
		if c.Layer == nil {
			return nil, fmt.Errorf("nn: Sequential: layer %q is nil", c.Name)
		}
		var err error
		if out, err = c.Layer.OutputShape(out); err != nil {
			return nil, fmt.Errorf("layer %q: %w", c.Name, err)
		}
	}
	return out, nil
}

// Forward applies the layers in order. A BatchNorm2d directly followed by
// a ReLU runs as one fused pass (normalise and clamp while the values are
// in cache); the two layers keep their names, parameters and state, and
// Backward runs their gradients fused as well.
func (s *Sequential) Forward(x *tensor.Tensor) (*tensor.Tensor, error) {
	for i := 0; i < len(s.Layers); i++ {
		c := s.Layers[i]
		if c.Layer == nil {
			return nil, fmt.Errorf("nn: Sequential: layer %q is nil", c.Name)
		}
		var err error
		if bn, r := s.bnReLU(i); r != nil {
			if x, err = bn.forward(x, r); err != nil {
				return nil, fmt.Errorf("layer %q: %w", c.Name, err)
			}
			i++
			continue
		}
		if x, err = c.Layer.Forward(x); err != nil {
			return nil, fmt.Errorf("layer %q: %w", c.Name, err)
		}
	}
	return x, nil
}

// bnReLU returns layer i and the ReLU after it when layer i is a
// BatchNorm2d followed by a ReLU, which Forward fuses.
func (s *Sequential) bnReLU(i int) (*BatchNorm2d, *ReLU) {
	if i+1 >= len(s.Layers) {
		return nil, nil
	}
	bn, ok := s.Layers[i].Layer.(*BatchNorm2d)
	if !ok {
		return nil, nil
	}
	r, ok := s.Layers[i+1].Layer.(*ReLU)
	if !ok || r == nil || bn == nil {
		return nil, nil
	}
	return bn, r
}

// Backward runs the layers' Backward in reverse order (a BatchNorm2d and
// ReLU pair that ran fused in the last Forward as one fused pass). With
// SetInputGrad(s, false) it may return a nil input gradient.
func (s *Sequential) Backward(dy *tensor.Tensor) (*tensor.Tensor, error) {
	for i := len(s.Layers) - 1; i >= 0; i-- {
		c := s.Layers[i]
		if c.Layer == nil {
			return nil, fmt.Errorf("nn: Sequential: layer %q is nil", c.Name)
		}
		var err error
		if i > 0 {
			if bn, r := s.bnReLU(i - 1); r != nil && bn.relu == r {
				if dy, err = bn.backward(dy, r); err != nil {
					return nil, fmt.Errorf("layer %q: %w", s.Layers[i-1].Name, err)
				}
				i--
				continue
			}
		}
		if dy, err = c.Layer.Backward(dy); err != nil {
			return nil, fmt.Errorf("layer %q: %w", c.Name, err)
		}
	}
	return dy, nil
}

// SetInputGrad tells the first layer whether the gradient with respect to
// the input is needed (see the function SetInputGrad); every other layer
// needs its input gradient.
func (s *Sequential) SetInputGrad(need bool) {
	for i, c := range s.Layers {
		SetInputGrad(c.Layer, need || i > 0)
	}
}

// Residual is a residual connection with an optional activation after the
// sum (ResNet, MobileNetV2, ShuffleNet units, ChannelNets' GM and GCWM):
//
//	y = Post(Body(x) + Shortcut(x))
//
// A nil Shortcut is the identity and a nil Post is omitted. Body and
// Shortcut must give the same shape. The children are named "body",
// "shortcut" and "post" in the state dict unless the Name fields say
// otherwise (for instance BodyName "conv" gives torchvision's MobileNetV2
// names).
type Residual struct {
	Body, Shortcut, Post             Layer
	BodyName, ShortcutName, PostName string

	x, sum, dx  *tensor.Tensor
	out         []int
	noInputGrad bool
	add         parAdd
}

// NewResidual returns Post(body(x) + shortcut(x)); shortcut and post may be
// nil.
func NewResidual(body, shortcut, post Layer) *Residual {
	return &Residual{Body: body, Shortcut: shortcut, Post: post}
}

// String returns "Residual".
func (r *Residual) String() string {
	if r.Shortcut == nil {
		return "Residual(identity shortcut)"
	}
	return "Residual"
}

func orDefault(name, def string) string {
	if name == "" {
		return def
	}
	return name
}

// Children returns Body, then Shortcut and Post when they are set.
func (r *Residual) Children() []Child {
	cs := []Child{{Name: orDefault(r.BodyName, "body"), Layer: r.Body}}
	if r.Shortcut != nil {
		cs = append(cs, Child{Name: orDefault(r.ShortcutName, "shortcut"), Layer: r.Shortcut})
	}
	if r.Post != nil {
		cs = append(cs, Child{Name: orDefault(r.PostName, "post"), Layer: r.Post})
	}
	return cs
}

// Params returns nil: the parameters belong to the children.
func (*Residual) Params() []*Param { return nil }

// OutputShape checks that body and shortcut agree and applies Post.
func (r *Residual) OutputShape(in []int) ([]int, error) {
	if r.Body == nil {
		return nil, fmt.Errorf("nn: Residual: nil body")
	}
	b, err := r.Body.OutputShape(in)
	if err != nil {
		return nil, fmt.Errorf("body: %w", err)
	}
	s := in
	if r.Shortcut != nil {
		if s, err = r.Shortcut.OutputShape(in); err != nil {
			return nil, fmt.Errorf("shortcut: %w", err)
		}
	}
	if !tensor.SameShape(b, s) {
		return nil, fmt.Errorf("nn: Residual: body gives %v, shortcut gives %v", b, s)
	}
	if r.Post != nil {
		if b, err = r.Post.OutputShape(b); err != nil {
			return nil, fmt.Errorf("post: %w", err)
		}
	}
	return b, nil
}

// Forward computes Post(Body(x) + Shortcut(x)).
func (r *Residual) Forward(x *tensor.Tensor) (*tensor.Tensor, error) {
	if err := checkInput(label("Residual"), x, 0); err != nil {
		return nil, err
	}
	if r.Body == nil {
		return nil, fmt.Errorf("nn: Residual: nil body")
	}
	b, err := r.Body.Forward(x)
	if err != nil {
		return nil, fmt.Errorf("body: %w", err)
	}
	s := x
	if r.Shortcut != nil {
		if s, err = r.Shortcut.Forward(x); err != nil {
			return nil, fmt.Errorf("shortcut: %w", err)
		}
	}
	if !tensor.SameShape(b.Shape, s.Shape) {
		return nil, fmt.Errorf("nn: Residual: body gives %v, shortcut gives %v", b.Shape, s.Shape)
	}
	r.sum = reuse(r.sum, b.Shape)
	sum := r.sum.Data
	r.add.run(sum, b.Data[:len(sum)], s.Data[:len(sum)])
	r.x = x
	y := r.sum
	if r.Post != nil {
		if y, err = r.Post.Forward(r.sum); err != nil {
			return nil, fmt.Errorf("post: %w", err)
		}
	}
	r.out = y.Shape
	return y, nil
}

// Backward returns dBody + dShortcut, both fed the gradient of the sum.
func (r *Residual) Backward(dy *tensor.Tensor) (*tensor.Tensor, error) {
	if err := checkGrad(label("Residual"), dy, r.out); err != nil {
		return nil, err
	}
	d := dy
	var err error
	if r.Post != nil {
		if d, err = r.Post.Backward(dy); err != nil {
			return nil, fmt.Errorf("post: %w", err)
		}
	}
	db, err := r.Body.Backward(d)
	if err != nil {
		return nil, fmt.Errorf("body: %w", err)
	}
	ds := d
	if r.Shortcut != nil {
		if ds, err = r.Shortcut.Backward(d); err != nil {
			return nil, fmt.Errorf("shortcut: %w", err)
		}
	}
	if r.noInputGrad {
		return nil, nil
	}
	if db == nil || ds == nil {
		return nil, fmt.Errorf("nn: Residual: a branch returned no input gradient")
	}
	if !tensor.SameShape(db.Shape, r.x.Shape) || !tensor.SameShape(ds.Shape, r.x.Shape) {
		return nil, fmt.Errorf("nn: Residual: input gradients %v and %v for input %v", db.Shape, ds.Shape, r.x.Shape)
	}
	r.dx = reuse(r.dx, r.x.Shape)
	dx := r.dx.Data
	r.add.run(dx, db.Data[:len(dx)], ds.Data[:len(dx)])
	return r.dx, nil
}

// SetThreads sets the goroutines of the element-wise sums (≤ 0:
// GOMAXPROCS); the function SetThreads sets the children too.
func (r *Residual) SetThreads(n int) { r.add.par.threads = n }

// SetInputGrad tells Body and Shortcut whether the input gradient is
// needed (Post always needs its own); without it Backward returns nil.
func (r *Residual) SetInputGrad(need bool) {
	r.noInputGrad = !need
	SetInputGrad(r.Body, need)
	SetInputGrad(r.Shortcut, need)
	SetInputGrad(r.Post, true)
}

// Concat runs its branches on the same input and concatenates their NCHW
// outputs along channels, in order (ShuffleNet's stride-2 unit
// concatenates an average-pooled shortcut with the residual branch). A nil
// branch is the identity. Branches must agree on N, H and W. Children are
// named "0", "1", … by NewConcat; set Branches directly for other names.
type Concat struct {
	Branches []Child

	x, y, dx    *tensor.Tensor
	chans       []int            // channels of each branch in the last Forward
	dys         []*tensor.Tensor // per-branch slices of the output gradient
	outs        []*tensor.Tensor // scratch for Forward
	noInputGrad bool
}

// NewConcat returns a Concat of the branches named "0", "1", ….
func NewConcat(branches ...Layer) *Concat {
	c := &Concat{}
	for i, b := range branches {
		c.Branches = append(c.Branches, Child{Name: strconv.Itoa(i), Layer: b})
	}
	return c
}

// String returns "Concat(n branches)".
func (c *Concat) String() string { return fmt.Sprintf("Concat(%d branches)", len(c.Branches)) }

// Children returns the non-nil branches.
func (c *Concat) Children() []Child {
	var cs []Child
	for _, b := range c.Branches {
		if b.Layer != nil {
			cs = append(cs, b)
		}
	}
	return cs
}

// Params returns nil: the parameters belong to the branches.
func (*Concat) Params() []*Param { return nil }

// OutputShape returns [N, ΣC, H, W].
func (c *Concat) OutputShape(in []int) ([]int, error) {
	if len(c.Branches) == 0 {
		return nil, fmt.Errorf("nn: Concat: no branches")
	}
	var out []int
	for _, b := range c.Branches {
		s := in
		if b.Layer != nil {
			var err error
			if s, err = b.Layer.OutputShape(in); err != nil {
				return nil, fmt.Errorf("branch %q: %w", b.Name, err)
			}
		}
		if len(s) != 4 {
			return nil, fmt.Errorf("nn: Concat: branch %q gives %v, want 4-D NCHW", b.Name, s)
		}
		if out == nil {
			out = append([]int(nil), s...)
			continue
		}
		if s[0] != out[0] || s[2] != out[2] || s[3] != out[3] {
			return nil, fmt.Errorf("nn: Concat: branch %q gives %v, earlier branches %v (N, H, W must agree)", b.Name, s, out)
		}
		out[1] += s[1]
	}
	return out, nil
}

// Forward concatenates the branch outputs along channels.
func (c *Concat) Forward(x *tensor.Tensor) (*tensor.Tensor, error) {
	if err := checkInput(label("Concat"), x, 0); err != nil {
		return nil, err
	}
	if len(c.Branches) == 0 {
		return nil, fmt.Errorf("nn: Concat: no branches")
	}
	outs := c.outs[:0]
	var shape []int
	for _, b := range c.Branches {
		y := x
		if b.Layer != nil {
			var err error
			if y, err = b.Layer.Forward(x); err != nil {
				return nil, fmt.Errorf("branch %q: %w", b.Name, err)
			}
		}
		s := y.Shape
		switch {
		case len(s) != 4:
			return nil, fmt.Errorf("nn: Concat: branch %q gives %v, want 4-D NCHW", b.Name, s)
		case shape == nil:
			shape = append([]int(nil), s...)
		case s[0] != shape[0] || s[2] != shape[2] || s[3] != shape[3]:
			return nil, fmt.Errorf("nn: Concat: branch %q gives %v, earlier branches %v (N, H, W must agree)", b.Name, s, shape)
		default:
			shape[1] += s[1]
		}
		outs = append(outs, y)
	}
	c.outs = outs[:0]
	c.y = reuse(c.y, shape)
	c.chans = c.chans[:0]
	n, hw, ctot := shape[0], shape[2]*shape[3], shape[1]
	at := 0
	for _, y := range outs {
		ci := y.Shape[1]
		for i := range n {
			copy(c.y.Data[(i*ctot+at)*hw:(i*ctot+at+ci)*hw], y.Data[i*ci*hw:(i+1)*ci*hw])
		}
		c.chans = append(c.chans, ci)
		at += ci
	}
	c.x = x
	return c.y, nil
}

// Backward splits dy by branch, back-propagates each part and sums the
// input gradients.
func (c *Concat) Backward(dy *tensor.Tensor) (*tensor.Tensor, error) {
	var out []int
	if c.x != nil {
		out = c.y.Shape
	}
	if err := checkGrad(label("Concat"), dy, out); err != nil {
		return nil, err
	}
	for len(c.dys) < len(c.Branches) {
		c.dys = append(c.dys, nil)
	}
	n, hw, ctot := out[0], out[2]*out[3], out[1]
	c.dx = reuse(c.dx, c.x.Shape)
	at := 0
	for bi, b := range c.Branches {
		ci := c.chans[bi]
		part := reuse(c.dys[bi], []int{n, ci, out[2], out[3]})
		c.dys[bi] = part
		for i := range n {
			copy(part.Data[i*ci*hw:(i+1)*ci*hw], dy.Data[(i*ctot+at)*hw:(i*ctot+at+ci)*hw])
		}
		at += ci
		g := part
		if b.Layer != nil {
			var err error
			if g, err = b.Layer.Backward(part); err != nil {
				return nil, fmt.Errorf("branch %q: %w", b.Name, err)
			}
		}
		if c.noInputGrad {
			continue
		}
		if g == nil || !tensor.SameShape(g.Shape, c.x.Shape) {
			return nil, fmt.Errorf("nn: Concat: branch %q input gradient %v for input %v", b.Name, shapeOf(g), c.x.Shape)
		}
		if bi == 0 {
			copy(c.dx.Data, g.Data)
		} else {
			addTo(c.dx.Data, g.Data)
		}
	}
	if c.noInputGrad {
		return nil, nil
	}
	return c.dx, nil
}

// SetInputGrad tells every branch whether the input gradient is needed;
// without it Backward returns nil.
func (c *Concat) SetInputGrad(need bool) {
	c.noInputGrad = !need
	for _, b := range c.Branches {
		SetInputGrad(b.Layer, need)
	}
}

// shapeOf returns t's shape, nil for a nil tensor.
func shapeOf(t *tensor.Tensor) []int {
	if t == nil {
		return nil
	}
	return t.Shape
}
