package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/convkit/convkit/tensor"
)

// ReLU is max(x, 0) element-wise, any shape. Its gradient passes where
// x > 0 (not at x = 0) and where x is NaN, as in PyTorch; Backward reads
// that from the layer's own output (y > 0 or NaN exactly there), so it
// keeps no reference to x. In a Sequential, a ReLU right after a
// BatchNorm2d runs fused with it (see Sequential).
type ReLU struct {
	y, dx    *tensor.Tensor
	par      par
	in, out  []float32 // arguments of the parallel loops
	grad     []float32
	fwd, bwd func(part, lo, hi int)
}

// String returns "ReLU()".
func (*ReLU) String() string { return "ReLU()" }

// Params returns nil.
func (*ReLU) Params() []*Param { return nil }

// OutputShape returns in.
func (*ReLU) OutputShape(in []int) ([]int, error) { return append([]int(nil), in...), nil }

// SetThreads sets the goroutines of the element-wise loops (≤ 0:
// GOMAXPROCS).
func (r *ReLU) SetThreads(n int) { r.par.threads = n }

// reluChunk is the unit of work of the parallel loops, in elements.
const reluChunk = 4 << 10

// Forward computes max(x, 0).
func (r *ReLU) Forward(x *tensor.Tensor) (*tensor.Tensor, error) {
	if err := checkInput(label("ReLU"), x, 0); err != nil {
		return nil, err
	}
	r.y = reuse(r.y, x.Shape)
	r.init()
	r.in, r.out = x.Data, r.y.Data
	r.par.run(chunks(len(x.Data), reluChunk), 2*len(x.Data), r.fwd)
	r.in, r.out = nil, nil
	return r.y, nil
}

// init makes the loop bodies' method values once.
func (r *ReLU) init() {
	if r.fwd == nil {
		r.fwd, r.bwd = r.forwardChunks, r.backwardChunks
	}
}

func (r *ReLU) forwardChunks(_, lo, hi int) {
	lo, hi = lo*reluChunk, min(hi*reluChunk, len(r.in))
	planeReLU(r.out[lo:hi], r.in[lo:hi])
}

// Backward passes dy where x > 0.
func (r *ReLU) Backward(dy *tensor.Tensor) (*tensor.Tensor, error) {
	var out []int
	if r.y != nil {
		out = r.y.Shape
	}
	if err := checkGrad(label("ReLU"), dy, out); err != nil {
		return nil, err
	}
	r.dx = reuse(r.dx, dy.Shape)
	r.init()
	r.grad, r.in, r.out = dy.Data, r.y.Data, r.dx.Data
	r.par.run(chunks(len(dy.Data), reluChunk), 3*len(dy.Data), r.bwd)
	r.grad, r.in, r.out = nil, nil, nil
	return r.dx, nil
}

func (r *ReLU) backwardChunks(_, lo, hi int) {
	lo, hi = lo*reluChunk, min(hi*reluChunk, len(r.grad))
	planeReLUGrad(r.out[lo:hi], r.grad[lo:hi], r.in[lo:hi])
}

// chunks returns ⌈n/size⌉.
func chunks(n, size int) int { return (n + size - 1) / size }

// ReLU6 is min(max(x, 0), 6) element-wise (MobileNets), any shape. Its
// gradient passes where 0 < x < 6 and where x is NaN, as PyTorch's
// hardtanh.
type ReLU6 struct {
	x, y, dx *tensor.Tensor
}

// String returns "ReLU6()".
func (*ReLU6) String() string { return "ReLU6()" }

// Params returns nil.
func (*ReLU6) Params() []*Param { return nil }

// OutputShape returns in.
func (*ReLU6) OutputShape(in []int) ([]int, error) { return append([]int(nil), in...), nil }

// Forward computes min(max(x, 0), 6).
func (r *ReLU6) Forward(x *tensor.Tensor) (*tensor.Tensor, error) {
	if err := checkInput(label("ReLU6"), x, 0); err != nil {
		return nil, err
	}
	r.y = reuse(r.y, x.Shape)
	y := r.y.Data[:len(x.Data)]
	for i, v := range x.Data {
		y[i] = min(max(v, 0), 6)
	}
	r.x = x
	return r.y, nil
}

// Backward passes dy where 0 < x < 6.
func (r *ReLU6) Backward(dy *tensor.Tensor) (*tensor.Tensor, error) {
	var out []int
	if r.x != nil {
		out = r.x.Shape
	}
	if err := checkGrad(label("ReLU6"), dy, out); err != nil {
		return nil, err
	}
	r.dx = reuse(r.dx, dy.Shape)
	x, dx := r.x.Data, r.dx.Data[:len(dy.Data)]
	x = x[:len(dx)]
	for i, g := range dy.Data {
		// Branch-free, as in ReLU; NaN passes, as in PyTorch's hardtanh.
		lo, hi := uint32(0), uint32(0)
		if !(x[i] <= 0) {
			lo = ^uint32(0)
		}
		if !(x[i] >= 6) {
			hi = ^uint32(0)
		}
		dx[i] = math.Float32frombits(math.Float32bits(g) & lo & hi)
	}
	return r.dx, nil
}

// Dropout is inverted dropout: in training mode each element is zeroed
// with probability P and the survivors are scaled by 1/(1 − P), so that
// evaluation (where the layer is the identity and returns its input) needs
// no rescaling. The mask is drawn from Rand, 32 bits per element: an
// element is dropped when its bits are below P·2³².
type Dropout struct {
	P    float64
	Rand *rand.Rand

	eval     bool
	x, y, dx *tensor.Tensor
	mask     []float32 // 0 or 1/(1 − P) per element of the last training Forward
	identity bool      // whether the last Forward was the identity
}

// NewDropout returns a Dropout layer with drop probability p drawing its
// masks from rng, in training mode.
func NewDropout(p float64, rng *rand.Rand) *Dropout { return &Dropout{P: p, Rand: rng} }

// String describes the layer as PyTorch does.
func (d *Dropout) String() string { return fmt.Sprintf("Dropout(p=%g)", d.P) }

// Params returns nil.
func (*Dropout) Params() []*Param { return nil }

// SetTraining turns dropping on (true) or makes the layer the identity.
func (d *Dropout) SetTraining(training bool) { d.eval = !training }

// OutputShape returns in.
func (*Dropout) OutputShape(in []int) ([]int, error) { return append([]int(nil), in...), nil }

// Forward applies a fresh mask in training mode and returns x itself in
// evaluation mode or when P is 0.
func (d *Dropout) Forward(x *tensor.Tensor) (*tensor.Tensor, error) {
	if err := checkInput(d, x, 0); err != nil {
		return nil, err
	}
	if !(d.P >= 0 && d.P <= 1) {
		return nil, fmt.Errorf("nn: %v: probability must be in [0, 1]", d)
	}
	d.x = x
	d.identity = d.eval || d.P == 0
	if d.identity {
		return x, nil
	}
	if d.Rand == nil {
		return nil, fmt.Errorf("nn: %v: nil Rand", d)
	}
	if cap(d.mask) < len(x.Data) {
		d.mask = make([]float32, len(x.Data))
	}
	d.mask = d.mask[:len(x.Data)]
	if d.P == 1 {
		clear(d.mask)
	} else {
		keep := float32(1 / (1 - d.P))
		thr := uint64(d.P * (1 << 32)) // P < 1, so thr < 2³²
		for i := 0; i < len(d.mask); i += 2 {
			r := d.Rand.Uint64()
			d.mask[i] = keepOrDrop(r&0xffffffff, thr, keep)
			if i+1 < len(d.mask) {
				d.mask[i+1] = keepOrDrop(r>>32, thr, keep)
			}
		}
	}
	d.y = reuse(d.y, x.Shape)
	y := d.y.Data[:len(x.Data)]
	for i, v := range x.Data {
		y[i] = v * d.mask[i]
	}
	return d.y, nil
}

func keepOrDrop(bits, thr uint64, keep float32) float32 {
	if bits < thr {
		return 0
	}
	return keep
}

// Backward applies the mask of the last Forward to dy (or returns dy when
// that Forward was the identity).
func (d *Dropout) Backward(dy *tensor.Tensor) (*tensor.Tensor, error) {
	var out []int
	if d.x != nil {
		out = d.x.Shape
	}
	if err := checkGrad(d, dy, out); err != nil {
		return nil, err
	}
	if d.identity {
		return dy, nil
	}
	d.dx = reuse(d.dx, dy.Shape)
	dx, mask := d.dx.Data[:len(dy.Data)], d.mask[:len(dy.Data)]
	for i, g := range dy.Data {
		dx[i] = g * mask[i]
	}
	return d.dx, nil
}

// Flatten reshapes [N, d1, d2, ...] to [N, d1·d2·...], PyTorch's
// nn.Flatten(). The output shares the input's data and the input gradient
// shares the output gradient's: nothing is copied.
type Flatten struct {
	in, out []int
	y, dx   *tensor.Tensor
}

// String returns "Flatten()".
func (*Flatten) String() string { return "Flatten()" }

// Params returns nil.
func (*Flatten) Params() []*Param { return nil }

// OutputShape returns [in[0], in[1]·in[2]·...].
func (*Flatten) OutputShape(in []int) ([]int, error) {
	if len(in) < 1 {
		return nil, fmt.Errorf("nn: Flatten: needs a batch dimension, have shape %v", in)
	}
	n, err := tensor.NumElems(in[1:])
	if err != nil {
		return nil, fmt.Errorf("nn: Flatten: %w", err)
	}
	return []int{in[0], n}, nil
}

// Forward returns a view of x with the flattened shape.
func (f *Flatten) Forward(x *tensor.Tensor) (*tensor.Tensor, error) {
	if err := checkInput(label("Flatten"), x, 0); err != nil {
		return nil, err
	}
	out, err := f.OutputShape(x.Shape)
	if err != nil {
		return nil, err
	}
	f.in = append(f.in[:0], x.Shape...)
	f.y = view(f.y, x.Data, out)
	f.out = f.y.Shape
	return f.y, nil
}

// Backward returns a view of dy with the input's shape.
func (f *Flatten) Backward(dy *tensor.Tensor) (*tensor.Tensor, error) {
	if err := checkGrad(label("Flatten"), dy, f.out); err != nil {
		return nil, err
	}
	f.dx = view(f.dx, dy.Data, f.in)
	return f.dx, nil
}
