// Package tensor is convkit's dense float32 tensor: a shape and a flat,
// row-major (C order) slice of values.
//
// Image batches use the NCHW layout of PyTorch. For a 4-D tensor of shape
// [N, C, H, W] the element (n, c, h, w) lives at
//
//	offset = ((n·C + c)·H + h)·W + w
//
// and in general the last index varies fastest. Weights of a convolution are
// [out, in/groups, kH, kW], again as in PyTorch, so tensors move to and from
// NumPy (.npy files, see ReadNPY and WriteNPY), safetensors and ONNX without
// transposes.
package tensor

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// MaxElems bounds the number of elements of a tensor created from external
// input (a file header, a user flag), so that a hostile shape cannot make
// convkit allocate unbounded memory: 1<<31 float32 values are 8 GiB.
const MaxElems = 1 << 31

// Tensor is a dense float32 tensor. Data holds exactly Shape's product
// of values in row-major order; the zero Tensor is an empty scalar-less
// tensor with no data.
type Tensor struct {
	Shape []int
	Data  []float32
}

// New returns a zero-filled tensor of the given shape. It panics if a
// dimension is negative, like make does for a negative length; use NumElems
// to validate shapes that come from outside the program.
func New(shape ...int) *Tensor {
	n, err := NumElems(shape)
	if err != nil {
		panic("tensor.New: " + err.Error())
	}
	return &Tensor{Shape: append([]int(nil), shape...), Data: make([]float32, n)}
}

// FromData wraps data (without copying) in a tensor of the given shape. It
// returns an error if the shape is invalid or does not match len(data).
func FromData(data []float32, shape ...int) (*Tensor, error) {
	n, err := NumElems(shape)
	if err != nil {
		return nil, fmt.Errorf("tensor: %w", err)
	}
	if n != len(data) {
		return nil, fmt.Errorf("tensor: shape %v holds %d values, data has %d", shape, n, len(data))
	}
	return &Tensor{Shape: append([]int(nil), shape...), Data: data}, nil
}

// NumElems returns the product of shape's dimensions. It fails for a
// negative dimension or a product above MaxElems (overflow included).
func NumElems(shape []int) (int, error) {
	n := 1
	for _, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("negative dimension in shape %v", shape)
		}
		if d > MaxElems || (d != 0 && n > MaxElems/d) {
			return 0, fmt.Errorf("shape %v has more than %d elements", shape, MaxElems)
		}
		n *= d
	}
	return n, nil
}

// Len is the number of elements.
func (t *Tensor) Len() int { return len(t.Data) }

// Rank is the number of dimensions.
func (t *Tensor) Rank() int { return len(t.Shape) }

// Clone returns a deep copy.
func (t *Tensor) Clone() *Tensor {
	return &Tensor{Shape: append([]int(nil), t.Shape...), Data: append([]float32(nil), t.Data...)}
}

// Reshape returns a tensor sharing t's data with a new shape of the same
// number of elements.
func (t *Tensor) Reshape(shape ...int) (*Tensor, error) {
	return FromData(t.Data, shape...)
}

// Offset returns the flat index of the element at idx, checking every
// index against its dimension.
func (t *Tensor) Offset(idx ...int) (int, error) {
	if len(idx) != len(t.Shape) {
		return 0, fmt.Errorf("tensor: %d indices for a rank-%d tensor", len(idx), len(t.Shape))
	}
	off := 0
	for i, x := range idx {
		if x < 0 || x >= t.Shape[i] {
			return 0, fmt.Errorf("tensor: index %d out of range [0,%d) in dimension %d", x, t.Shape[i], i)
		}
		off = off*t.Shape[i] + x
	}
	return off, nil
}

// At returns the element at idx; it panics on a bad index, like a slice.
func (t *Tensor) At(idx ...int) float32 {
	off, err := t.Offset(idx...)
	if err != nil {
		panic(err)
	}
	return t.Data[off]
}

// Set stores v at idx; it panics on a bad index, like a slice.
func (t *Tensor) Set(v float32, idx ...int) {
	off, err := t.Offset(idx...)
	if err != nil {
		panic(err)
	}
	t.Data[off] = v
}

// NCHW returns the four dimensions of a rank-4 tensor, or an error naming
// the tensor's actual shape.
func (t *Tensor) NCHW() (n, c, h, w int, err error) {
	if len(t.Shape) != 4 {
		return 0, 0, 0, 0, fmt.Errorf("tensor: want a 4-D NCHW tensor, have shape %v", t.Shape)
	}
	return t.Shape[0], t.Shape[1], t.Shape[2], t.Shape[3], nil
}

// SameShape reports whether a and b have identical shapes.
func SameShape(a, b []int) bool { return slices.Equal(a, b) }

// MaxAbsDiff returns the largest |a[i]−b[i]| and an error if the shapes
// differ. NaN in either operand makes the result NaN.
func MaxAbsDiff(a, b *Tensor) (float64, error) {
	if !SameShape(a.Shape, b.Shape) {
		return 0, errors.New("tensor: shapes differ: " + fmt.Sprint(a.Shape, " vs ", b.Shape))
	}
	m := 0.0
	for i := range a.Data {
		d := math.Abs(float64(a.Data[i]) - float64(b.Data[i]))
		if d > m || d != d {
			m = d
		}
	}
	return m, nil
}
