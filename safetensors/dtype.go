package safetensors

import (
	"encoding/binary"
	"fmt"
	"math"
)

// DType is the element type of a tensor, spelled as in the header.
type DType string

// The dtypes this package reads and writes. The sub-byte types of recent
// safetensors versions (F4, F6_E2M3, F6_E3M2) are not supported.
const (
	BOOL   DType = "BOOL"    // bool, one byte
	U8     DType = "U8"      // uint8
	I8     DType = "I8"      // int8
	F8E5M2 DType = "F8_E5M2" // 8-bit float, 5 exponent and 2 mantissa bits
	F8E4M3 DType = "F8_E4M3" // 8-bit float, 4 exponent and 3 mantissa bits
	F8E8M0 DType = "F8_E8M0" // 8-bit exponent-only scale
	I16    DType = "I16"     // int16
	U16    DType = "U16"     // uint16
	F16    DType = "F16"     // IEEE 754 half precision
	BF16   DType = "BF16"    // bfloat16
	I32    DType = "I32"     // int32
	U32    DType = "U32"     // uint32
	F32    DType = "F32"     // IEEE 754 single precision
	C64    DType = "C64"     // complex64, two float32
	F64    DType = "F64"     // IEEE 754 double precision
	I64    DType = "I64"     // int64
	U64    DType = "U64"     // uint64
)

// dtypeInfo gives each dtype its size in bytes and its rank in the Rust
// implementation's Dtype enum, which orders dtypes by increasing alignment;
// Write orders tensors by decreasing rank, as the reference does.
var dtypeInfo = map[DType]struct{ size, rank int }{
	BOOL:   {1, 0},
	U8:     {1, 4},
	I8:     {1, 5},
	F8E5M2: {1, 6},
	F8E4M3: {1, 7},
	F8E8M0: {1, 8},
	I16:    {2, 9},
	U16:    {2, 10},
	F16:    {2, 11},
	BF16:   {2, 12},
	I32:    {4, 13},
	U32:    {4, 14},
	F32:    {4, 15},
	C64:    {8, 16},
	F64:    {8, 17},
	I64:    {8, 18},
	U64:    {8, 19},
}

// Size returns the size in bytes of one element, or 0 for an unknown
// dtype.
func (d DType) Size() int { return dtypeInfo[d].size }

// Valid reports whether d is a dtype this package supports.
func (d DType) Valid() bool { return d.Size() > 0 }

// Tensor is one tensor of a safetensors file: its dtype, its shape and its
// raw little-endian, row-major data, len(Data) = product(Shape)·DType.Size().
// A scalar has an empty shape and one element.
type Tensor struct {
	DType DType
	Shape []int
	Data  []byte
}

// NewF32 returns an F32 tensor of the given shape holding values (copied
// and encoded little-endian). Write checks that the shape matches.
func NewF32(shape []int, values []float32) Tensor {
	data := make([]byte, 4*len(values))
	for i, v := range values {
		binary.LittleEndian.PutUint32(data[4*i:], math.Float32bits(v))
	}
	return Tensor{DType: F32, Shape: append([]int(nil), shape...), Data: data}
}

// NumElems returns the number of elements of t's shape, or an error if a
// dimension is negative or the count or its byte size overflows.
func (t Tensor) NumElems() (int, error) {
	return numElems(t.Shape, max(t.DType.Size(), 1))
}

// numElems returns the product of shape, checking that neither it nor its
// product with elemSize overflows an int.
func numElems(shape []int, elemSize int) (int, error) {
	n := 1
	for _, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("negative dimension in shape %v", shape)
		}
		if d != 0 && n > math.MaxInt/d {
			return 0, fmt.Errorf("shape %v overflows", shape)
		}
		n *= d
	}
	if n > math.MaxInt/elemSize {
		return 0, fmt.Errorf("shape %v overflows", shape)
	}
	return n, nil
}

// check verifies that t has a known dtype and exactly the bytes its shape
// needs.
func (t Tensor) check() error {
	if !t.DType.Valid() {
		return fmt.Errorf("unsupported dtype %q", t.DType)
	}
	n, err := numElems(t.Shape, t.DType.Size())
	if err != nil {
		return err
	}
	if want := n * t.DType.Size(); want != len(t.Data) {
		return fmt.Errorf("%s tensor of shape %v needs %d bytes, has %d", t.DType, t.Shape, want, len(t.Data))
	}
	return nil
}

// Float32 converts t's elements to float32. F32 is decoded exactly, F64 is
// rounded, F16 and BF16 are widened exactly (infinities and NaNs
// included). Other dtypes are an error.
func (t Tensor) Float32() ([]float32, error) {
	if err := t.check(); err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	size := t.DType.Size()
	out := make([]float32, len(t.Data)/size)
	switch t.DType {
	case F32:
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(t.Data[4*i:]))
		}
	case F64:
		for i := range out {
			out[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(t.Data[8*i:])))
		}
	case F16:
		for i := range out {
			out[i] = Float16ToFloat32(binary.LittleEndian.Uint16(t.Data[2*i:]))
		}
	case BF16:
		for i := range out {
			out[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(t.Data[2*i:])) << 16)
		}
	default:
		return nil, fmt.Errorf("safetensors: cannot convert %s to float32 (only F32, F64, F16 and BF16)", t.DType)
	}
	return out, nil
}

// Float16ToFloat32 widens an IEEE 754 half-precision value, given by its
// bits, to float32 exactly, subnormals, infinities and NaNs included.
func Float16ToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch exp {
	case 0x1f: // infinity or NaN; keep the payload
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	case 0: // zero or subnormal: mant·2^−24
		v := float32(mant) / (1 << 24)
		if sign != 0 {
			v = -v
		}
		return v
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | mant<<13)
}
