package nn

import (
	"fmt"

	"github.com/convkit/convkit/internal/asm"
	"github.com/convkit/convkit/tensor"
)

// Param is a named tensor of a layer: a trainable parameter with its
// gradient, or a buffer (running statistics) whose Grad is nil. Name is
// local to the layer ("weight", "bias", "running_mean"); NamedParams and
// StateDict prefix it with the layer's path in the model.
//
// Grad always has Value's shape. Backward adds into it; ZeroGrad clears it.
type Param struct {
	Name  string
	Value *tensor.Tensor
	Grad  *tensor.Tensor
}

// newParam returns a zero parameter of the given shape with a zero
// gradient.
func newParam(name string, shape ...int) *Param {
	return &Param{Name: name, Value: tensor.New(shape...), Grad: tensor.New(shape...)}
}

// newBuffer returns a zero buffer (no gradient) of the given shape.
func newBuffer(name string, shape ...int) *Param {
	return &Param{Name: name, Value: tensor.New(shape...)}
}

// Layer is one node of a model: a differentiable function of one tensor
// with parameters.
//
// Forward computes the output and remembers what Backward needs (usually
// the input itself, by reference: do not modify x until Backward has run).
// Backward takes the gradient of the loss with respect to the output of the
// most recent Forward, returns the gradient with respect to its input, and
// adds the gradients of the parameters into their Grad tensors
// (accumulation, as in PyTorch: call ZeroGrad before each step). A layer
// instance remembers one forward pass, so it may appear only once in a
// model.
//
// Tensors returned by Forward and Backward belong to the layer and are
// reused by its next call with an input of the same shape: copy them
// (Clone) to keep them longer. No layer writes into a tensor it did not
// allocate, so inputs are never modified.
//
// Params returns the layer's own parameters (not its children's; see
// Container) with local names, in a fixed order; nil if it has none.
// OutputShape maps an input shape to the output shape, or reports why the
// layer does not accept it.
//
// A layer is not safe for concurrent use.
type Layer interface {
	Forward(x *tensor.Tensor) (*tensor.Tensor, error)
	Backward(dy *tensor.Tensor) (*tensor.Tensor, error)
	Params() []*Param
	OutputShape(in []int) ([]int, error)
}

// Child is a named sub-layer of a container. The name is one component of
// the dotted state-dict path ("features", "3", "conv").
type Child struct {
	Name  string
	Layer Layer
}

// Container is a layer built from child layers, such as Sequential,
// Residual and Concat. The tree functions (Walk, NamedParams, StateDict,
// SetTraining, SetThreads, ZeroGrad) descend through Children.
type Container interface {
	Layer
	Children() []Child
}

// Buffered is implemented by layers with non-trainable state that belongs
// in a state dict, such as BatchNorm2d's running statistics.
type Buffered interface {
	Buffers() []*Param
}

// ModeSetter is implemented by layers that behave differently in training
// and evaluation (BatchNorm2d, Dropout). Layers start in training mode, as
// in PyTorch; use the function SetTraining to switch a whole model.
type ModeSetter interface {
	SetTraining(training bool)
}

// ThreadSetter is implemented by layers that run multi-threaded loops
// (Conv, Linear, BatchNorm2d, ReLU and the pooling layers). n ≤ 0 means
// GOMAXPROCS. Use the function SetThreads to set a whole model.
type ThreadSetter interface {
	SetThreads(n int)
}

// InputGradSetter is implemented by layers that can skip computing the
// gradient with respect to their input (Conv, Linear) and by containers,
// which pass the setting on to the children that see the container's
// input. Use the function SetInputGrad to set a whole model.
type InputGradSetter interface {
	SetInputGrad(need bool)
}

// label names a layer in error messages. checkInput and checkGrad take a
// fmt.Stringer so that the name is only formatted when there is an error.
type label string

func (l label) String() string { return string(l) }

// checkInput validates a layer's input tensor: non-nil, data matching the
// shape and, when rank > 0, of that rank.
func checkInput(layer fmt.Stringer, x *tensor.Tensor, rank int) error {
	if x == nil {
		return fmt.Errorf("nn: %v: nil input", layer)
	}
	if n, err := tensor.NumElems(x.Shape); err != nil || n != len(x.Data) {
		return fmt.Errorf("nn: %v: input shape %v does not match its %d values", layer, x.Shape, len(x.Data))
	}
	if rank > 0 && len(x.Shape) != rank {
		return fmt.Errorf("nn: %v: want a %d-D input, have shape %v", layer, rank, x.Shape)
	}
	return nil
}

// checkGrad validates an output gradient against the shape of the last
// output; out is nil when Forward has not run.
func checkGrad(layer fmt.Stringer, dy *tensor.Tensor, out []int) error {
	if out == nil {
		return fmt.Errorf("nn: %v: Backward called before Forward", layer)
	}
	if dy == nil {
		return fmt.Errorf("nn: %v: nil output gradient", layer)
	}
	if !tensor.SameShape(dy.Shape, out) || len(dy.Data) != numElems(out) {
		return fmt.Errorf("nn: %v: output gradient has shape %v, the last output had %v", layer, dy.Shape, out)
	}
	return nil
}

// numElems is the product of a shape that is already known to be valid.
func numElems(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// reuse returns t if it has the given shape, else a new zero tensor of that
// shape. Callers overwrite every element (or clear it first).
func reuse(t *tensor.Tensor, shape []int) *tensor.Tensor {
	if t != nil && tensor.SameShape(t.Shape, shape) {
		return t
	}
	return tensor.New(shape...)
}

// view returns a tensor header with the given shape over data, reusing t
// when it already has that shape.
func view(t *tensor.Tensor, data []float32, shape []int) *tensor.Tensor {
	if t == nil || !tensor.SameShape(t.Shape, shape) {
		t = &tensor.Tensor{Shape: append([]int(nil), shape...)}
	}
	t.Data = data
	return t
}

// addTo adds src into dst element-wise; the slices have equal length. It
// runs asm.Axpy with α = 1, whose fused multiply-add 1·src + dst rounds
// exactly as the sum does.
func addTo(dst, src []float32) {
	asm.Axpy(1, src[:len(dst)], dst)
}

// parAdd computes dst = a + b element-wise in parallel chunks.
type parAdd struct {
	par       par
	dst, a, b []float32
	fn        func(part, lo, hi int)
}

// addChunk is the unit of work of parAdd, in elements.
const addChunk = 8 << 10

func (p *parAdd) run(dst, a, b []float32) {
	if p.fn == nil {
		p.fn = p.chunks
	}
	p.dst, p.a, p.b = dst, a[:len(dst)], b[:len(dst)]
	p.par.run(chunks(len(dst), addChunk), 3*len(dst), p.fn)
	p.dst, p.a, p.b = nil, nil, nil
}

func (p *parAdd) chunks(_, lo, hi int) {
	lo, hi = lo*addChunk, min(hi*addChunk, len(p.dst))
	addInto(p.dst[lo:hi], p.a[lo:hi], p.b[lo:hi])
}

// addInto sets dst = a + b element-wise; a and b are at least as long as dst.
func addInto(dst, a, b []float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	i := 0
	for ; i+4 <= len(dst); i += 4 {
		d, x, y := dst[i:i+4:i+4], a[i:i+4:i+4], b[i:i+4:i+4]
		d[0], d[1], d[2], d[3] = x[0]+y[0], x[1]+y[1], x[2]+y[2], x[3]+y[3]
	}
	for ; i < len(dst); i++ {
		dst[i] = a[i] + b[i]
	}
}
