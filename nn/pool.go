package nn

import (
	"fmt"
	"math"

	"github.com/convkit/convkit/tensor"
)

// poolGeom is the resolved geometry of a 2-D pooling window.
type poolGeom struct {
	n, c, h, w, oh, ow int
	k, s, p            int
}

// poolOutSize is PyTorch's pooling output size along one axis (dilation 1):
// ⌊(in + 2p − k)/s⌋ + 1, or with ceilMode ⌈·⌉ + 1 dropping a last window
// that would start inside the right padding.
func poolOutSize(in, k, s, p int, ceilMode bool) int {
	num := in + 2*p - k
	out := num/s + 1
	if ceilMode {
		out = (num+s-1)/s + 1
		if (out-1)*s >= in+p {
			out--
		}
	}
	return out
}

// poolShape validates a pooling configuration against an input shape.
func poolShape(name string, k, stride, pad int, ceilMode bool, in []int) (poolGeom, error) {
	if len(in) != 4 {
		return poolGeom{}, fmt.Errorf("nn: %s: want a 4-D NCHW input, have %v", name, in)
	}
	if _, err := tensor.NumElems(in); err != nil {
		return poolGeom{}, fmt.Errorf("nn: %s: %w", name, err)
	}
	s := stride
	if s == 0 {
		s = k
	}
	if k < 1 || s < 1 || pad < 0 {
		return poolGeom{}, fmt.Errorf("nn: %s: kernel and stride must be ≥ 1 and padding ≥ 0", name)
	}
	if 2*pad > k {
		return poolGeom{}, fmt.Errorf("nn: %s: padding should be at most half the kernel (as in PyTorch)", name)
	}
	g := poolGeom{n: in[0], c: in[1], h: in[2], w: in[3], k: k, s: s, p: pad}
	if g.h+2*pad < k || g.w+2*pad < k {
		return poolGeom{}, fmt.Errorf("nn: %s: kernel %d is larger than the padded input %dx%d", name, k, g.h+2*pad, g.w+2*pad)
	}
	if g.h*g.w > math.MaxInt32 {
		return poolGeom{}, fmt.Errorf("nn: %s: input map %dx%d is too large", name, g.h, g.w)
	}
	g.oh, g.ow = poolOutSize(g.h, k, s, pad, ceilMode), poolOutSize(g.w, k, s, pad, ceilMode)
	return g, nil
}

func (g poolGeom) outShape() []int { return []int{g.n, g.c, g.oh, g.ow} }

// MaxPool2d is PyTorch's MaxPool2d with a square Kernel, Stride (0 means
// Kernel, PyTorch's default) and implicit −∞ Padding on every side, floor
// output size unless CeilMode. A window's gradient goes to its first
// maximal element in row-major order (NaN counts as maximal), as in
// PyTorch's CPU kernel.
type MaxPool2d struct {
	Kernel, Stride, Padding int
	CeilMode                bool

	x, y, dx *tensor.Tensor
	arg      []int32 // per output: index of the maximum within its input plane
	loop     poolLoop
}

// poolLoop holds what the parallel plane loops of a pooling layer need:
// the thread setting, the geometry and tensors of the current call, and
// the loop bodies as method values made once.
type poolLoop struct {
	par      par
	g        poolGeom
	in, out  []float32
	fwd, bwd func(part, lo, hi int)
}

// run calls fn over the n·c planes of g, in parallel.
func (l *poolLoop) run(g poolGeom, in, out []float32, fn func(part, lo, hi int)) {
	l.g, l.in, l.out = g, in, out
	l.par.run(g.n*g.c, g.n*g.c*(g.h*g.w+g.oh*g.ow), fn)
	l.in, l.out = nil, nil
}

// NewMaxPool2d returns a MaxPool2d with floor mode.
func NewMaxPool2d(kernel, stride, padding int) *MaxPool2d {
	return &MaxPool2d{Kernel: kernel, Stride: stride, Padding: padding}
}

// String describes the layer as PyTorch does.
func (m *MaxPool2d) String() string {
	return fmt.Sprintf("MaxPool2d(kernel_size=%d, stride=%d, padding=%d, ceil_mode=%t)", m.Kernel, m.stride(), m.Padding, m.CeilMode)
}

func (m *MaxPool2d) stride() int {
	if m.Stride == 0 {
		return m.Kernel
	}
	return m.Stride
}

// Params returns nil.
func (*MaxPool2d) Params() []*Param { return nil }

// SetThreads sets the goroutines of the plane loops (≤ 0: GOMAXPROCS).
func (m *MaxPool2d) SetThreads(n int) { m.loop.par.threads = n }

// OutputShape returns [N, C, OH, OW].
func (m *MaxPool2d) OutputShape(in []int) ([]int, error) {
	g, err := poolShape("MaxPool2d", m.Kernel, m.Stride, m.Padding, m.CeilMode, in)
	if err != nil {
		return nil, err
	}
	return g.outShape(), nil
}

// Forward takes the maximum of every window.
func (m *MaxPool2d) Forward(x *tensor.Tensor) (*tensor.Tensor, error) {
	if err := checkInput(label("MaxPool2d"), x, 4); err != nil {
		return nil, err
	}
	g, err := poolShape("MaxPool2d", m.Kernel, m.Stride, m.Padding, m.CeilMode, x.Shape)
	if err != nil {
		return nil, err
	}
	m.y = reuse(m.y, g.outShape())
	if cap(m.arg) < len(m.y.Data) {
		m.arg = make([]int32, len(m.y.Data))
	}
	m.arg = m.arg[:len(m.y.Data)]
	if m.loop.fwd == nil {
		m.loop.fwd, m.loop.bwd = m.forwardPlanes, m.backwardPlanes
	}
	m.loop.run(g, x.Data, m.y.Data, m.loop.fwd)
	m.x = x
	return m.y, nil
}

func (m *MaxPool2d) forwardPlanes(_, lo, hi int) {
	g := m.loop.g
	plane, oplane := g.h*g.w, g.oh*g.ow
	for pl := lo; pl < hi; pl++ {
		xs := m.loop.in[pl*plane : (pl+1)*plane]
		ys, as := m.loop.out[pl*oplane:(pl+1)*oplane], m.arg[pl*oplane:(pl+1)*oplane]
		for oh := 0; oh < g.oh; oh++ {
			h0 := oh*g.s - g.p
			h1 := min(h0+g.k, g.h)
			h0 = max(h0, 0)
			for ow := 0; ow < g.ow; ow++ {
				w0 := ow*g.s - g.p
				w1 := min(w0+g.k, g.w)
				w0 = max(w0, 0)
				best, arg := float32(math.Inf(-1)), h0*g.w+w0
				for ih := h0; ih < h1; ih++ {
					row := xs[ih*g.w : ih*g.w+w1]
					for iw := w0; iw < w1; iw++ {
						if v := row[iw]; v > best || v != v {
							best, arg = v, ih*g.w+iw
						}
					}
				}
				ys[oh*g.ow+ow], as[oh*g.ow+ow] = best, int32(arg)
			}
		}
	}
}

// Backward routes each output gradient to its window's maximum.
func (m *MaxPool2d) Backward(dy *tensor.Tensor) (*tensor.Tensor, error) {
	var out []int
	if m.x != nil {
		out = m.y.Shape
	}
	if err := checkGrad(label("MaxPool2d"), dy, out); err != nil {
		return nil, err
	}
	// The geometry of the last Forward (only the sizes matter here).
	g := poolGeom{n: out[0], c: out[1], h: m.x.Shape[2], w: m.x.Shape[3], oh: out[2], ow: out[3]}
	m.dx = reuse(m.dx, m.x.Shape)
	m.loop.run(g, dy.Data, m.dx.Data, m.loop.bwd)
	return m.dx, nil
}

func (m *MaxPool2d) backwardPlanes(_, lo, hi int) {
	g := m.loop.g
	plane, oplane := g.h*g.w, g.oh*g.ow
	for pl := lo; pl < hi; pl++ {
		dxs := m.loop.out[pl*plane : (pl+1)*plane]
		clear(dxs)
		as := m.arg[pl*oplane : (pl+1)*oplane]
		for i, v := range m.loop.in[pl*oplane : (pl+1)*oplane] {
			dxs[as[i]] += v
		}
	}
}

// AvgPool2d is PyTorch's AvgPool2d with a square Kernel, Stride (0 means
// Kernel) and zero Padding, floor output size unless CeilMode. By default
// the padding counts in the divisor (count_include_pad=True, PyTorch's
// default; the divisor is the window clipped to the padded input);
// ExcludePad divides by the number of real input elements instead.
type AvgPool2d struct {
	Kernel, Stride, Padding int
	CeilMode, ExcludePad    bool

	x, y, dx *tensor.Tensor
	loop     poolLoop
}

// NewAvgPool2d returns an AvgPool2d with floor mode counting padding.
func NewAvgPool2d(kernel, stride, padding int) *AvgPool2d {
	return &AvgPool2d{Kernel: kernel, Stride: stride, Padding: padding}
}

// String describes the layer as PyTorch does.
func (a *AvgPool2d) String() string {
	s := a.Stride
	if s == 0 {
		s = a.Kernel
	}
	return fmt.Sprintf("AvgPool2d(kernel_size=%d, stride=%d, padding=%d, ceil_mode=%t, count_include_pad=%t)",
		a.Kernel, s, a.Padding, a.CeilMode, !a.ExcludePad)
}

// Params returns nil.
func (*AvgPool2d) Params() []*Param { return nil }

// SetThreads sets the goroutines of the plane loops (≤ 0: GOMAXPROCS).
func (a *AvgPool2d) SetThreads(n int) { a.loop.par.threads = n }

// OutputShape returns [N, C, OH, OW].
func (a *AvgPool2d) OutputShape(in []int) ([]int, error) {
	g, err := poolShape("AvgPool2d", a.Kernel, a.Stride, a.Padding, a.CeilMode, in)
	if err != nil {
		return nil, err
	}
	return g.outShape(), nil
}

// window returns the clipped window of output (oh, ow) and its divisor.
func (a *AvgPool2d) window(g poolGeom, oh, ow int) (h0, h1, w0, w1 int, div float32) {
	h0, w0 = oh*g.s-g.p, ow*g.s-g.p
	h1, w1 = min(h0+g.k, g.h+g.p), min(w0+g.k, g.w+g.p)
	size := (h1 - h0) * (w1 - w0)
	h0, w0, h1, w1 = max(h0, 0), max(w0, 0), min(h1, g.h), min(w1, g.w)
	if a.ExcludePad {
		size = (h1 - h0) * (w1 - w0)
	}
	return h0, h1, w0, w1, float32(size)
}

// Forward averages every window.
func (a *AvgPool2d) Forward(x *tensor.Tensor) (*tensor.Tensor, error) {
	if err := checkInput(label("AvgPool2d"), x, 4); err != nil {
		return nil, err
	}
	g, err := poolShape("AvgPool2d", a.Kernel, a.Stride, a.Padding, a.CeilMode, x.Shape)
	if err != nil {
		return nil, err
	}
	a.y = reuse(a.y, g.outShape())
	if a.loop.fwd == nil {
		a.loop.fwd, a.loop.bwd = a.forwardPlanes, a.backwardPlanes
	}
	a.loop.run(g, x.Data, a.y.Data, a.loop.fwd)
	a.x = x
	return a.y, nil
}

func (a *AvgPool2d) forwardPlanes(_, lo, hi int) {
	g := a.loop.g
	plane, oplane := g.h*g.w, g.oh*g.ow
	for pl := lo; pl < hi; pl++ {
		xs, ys := a.loop.in[pl*plane:(pl+1)*plane], a.loop.out[pl*oplane:(pl+1)*oplane]
		for oh := 0; oh < g.oh; oh++ {
			for ow := 0; ow < g.ow; ow++ {
				h0, h1, w0, w1, div := a.window(g, oh, ow)
				var s float32
				for ih := h0; ih < h1; ih++ {
					for _, v := range xs[ih*g.w+w0 : ih*g.w+w1] {
						s += v
					}
				}
				ys[oh*g.ow+ow] = s / div
			}
		}
	}
}

// Backward spreads each output gradient, divided by its divisor, over its
// window.
func (a *AvgPool2d) Backward(dy *tensor.Tensor) (*tensor.Tensor, error) {
	var out []int
	if a.x != nil {
		out = a.y.Shape
	}
	if err := checkGrad(label("AvgPool2d"), dy, out); err != nil {
		return nil, err
	}
	g, _ := poolShape("AvgPool2d", a.Kernel, a.Stride, a.Padding, a.CeilMode, a.x.Shape)
	a.dx = reuse(a.dx, a.x.Shape)
	a.loop.run(g, dy.Data, a.dx.Data, a.loop.bwd)
	return a.dx, nil
}

func (a *AvgPool2d) backwardPlanes(_, lo, hi int) {
	g := a.loop.g
	plane, oplane := g.h*g.w, g.oh*g.ow
	for pl := lo; pl < hi; pl++ {
		dxs, gs := a.loop.out[pl*plane:(pl+1)*plane], a.loop.in[pl*oplane:(pl+1)*oplane]
		clear(dxs)
		for oh := 0; oh < g.oh; oh++ {
			for ow := 0; ow < g.ow; ow++ {
				h0, h1, w0, w1, div := a.window(g, oh, ow)
				v := gs[oh*g.ow+ow] / div
				for ih := h0; ih < h1; ih++ {
					row := dxs[ih*g.w+w0 : ih*g.w+w1]
					for j := range row {
						row[j] += v
					}
				}
			}
		}
	}
}

// GlobalAvgPool averages each channel's whole map: [N, C, H, W] →
// [N, C, 1, 1], PyTorch's AdaptiveAvgPool2d(1). The sums are accumulated in
// float64.
type GlobalAvgPool struct {
	x, y, dx *tensor.Tensor
	par      par
	hw       int
	in, out  []float32 // arguments of the parallel loops
	fwd, bwd func(part, lo, hi int)
}

// String returns PyTorch's name for the layer.
func (*GlobalAvgPool) String() string { return "AdaptiveAvgPool2d(output_size=1)" }

// Params returns nil.
func (*GlobalAvgPool) Params() []*Param { return nil }

// SetThreads sets the goroutines of the plane loops (≤ 0: GOMAXPROCS).
func (p *GlobalAvgPool) SetThreads(n int) { p.par.threads = n }

// OutputShape returns [N, C, 1, 1].
func (*GlobalAvgPool) OutputShape(in []int) ([]int, error) {
	if len(in) != 4 {
		return nil, fmt.Errorf("nn: GlobalAvgPool: want a 4-D NCHW input, have %v", in)
	}
	if _, err := tensor.NumElems(in); err != nil {
		return nil, fmt.Errorf("nn: GlobalAvgPool: %w", err)
	}
	return []int{in[0], in[1], 1, 1}, nil
}

func (p *GlobalAvgPool) init() {
	if p.fwd == nil {
		p.fwd, p.bwd = p.forwardPlanes, p.backwardPlanes
	}
}

// Forward averages every plane.
func (p *GlobalAvgPool) Forward(x *tensor.Tensor) (*tensor.Tensor, error) {
	if err := checkInput(label("GlobalAvgPool"), x, 4); err != nil {
		return nil, err
	}
	out, _ := p.OutputShape(x.Shape)
	hw := x.Shape[2] * x.Shape[3]
	if hw == 0 {
		return nil, fmt.Errorf("nn: GlobalAvgPool: empty map in input %v", x.Shape)
	}
	p.y = reuse(p.y, out)
	p.init()
	p.hw, p.in, p.out = hw, x.Data, p.y.Data
	p.par.run(len(p.y.Data), len(x.Data), p.fwd)
	p.in, p.out = nil, nil
	p.x = x
	return p.y, nil
}

func (p *GlobalAvgPool) forwardPlanes(_, lo, hi int) {
	hw := p.hw
	for i := lo; i < hi; i++ {
		p.out[i] = float32(sum64(p.in[i*hw:(i+1)*hw]) / float64(hw))
	}
}

// Backward spreads dy/(H·W) over each plane.
func (p *GlobalAvgPool) Backward(dy *tensor.Tensor) (*tensor.Tensor, error) {
	var out []int
	if p.x != nil {
		out = p.y.Shape
	}
	if err := checkGrad(label("GlobalAvgPool"), dy, out); err != nil {
		return nil, err
	}
	p.dx = reuse(p.dx, p.x.Shape)
	p.init()
	p.hw, p.in, p.out = p.x.Shape[2]*p.x.Shape[3], dy.Data, p.dx.Data
	p.par.run(len(dy.Data), len(p.dx.Data), p.bwd)
	p.in, p.out = nil, nil
	return p.dx, nil
}

func (p *GlobalAvgPool) backwardPlanes(_, lo, hi int) {
	hw := p.hw
	div := float32(hw)
	for i := lo; i < hi; i++ {
		fill(p.out[i*hw:(i+1)*hw], p.in[i]/div)
	}
}
