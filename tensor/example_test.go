package tensor_test

import (
	"bytes"
	"fmt"

	"github.com/convkit/convkit/tensor"
)

// Write a tensor as a NumPy .npy file and read it back. In Python,
// np.load on these bytes gives array([[0., 1., 2.], [3., 4., 5.]],
// dtype=float32).
func ExampleWriteNPY() {
	x, err := tensor.FromData([]float32{0, 1, 2, 3, 4, 5}, 2, 3)
	if err != nil {
		fmt.Println(err)
		return
	}
	var buf bytes.Buffer
	if err := tensor.WriteNPY(&buf, x); err != nil {
		fmt.Println(err)
		return
	}
	// A 128-byte header (64-byte aligned, as NumPy writes it) and 6 float32 values.
	fmt.Println(buf.Len(), "bytes")
	header := buf.Bytes()[10:128]
	fmt.Printf("%s\n", bytes.TrimRight(header, " \n"))

	y, err := tensor.ReadNPY(&buf)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(y.Shape, y.Data, y.At(1, 2))
	// Output:
	// 152 bytes
	// {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
	// [2 3] [0 1 2 3 4 5] 5
}

// ReadNPY rejects what it cannot represent faithfully instead of guessing.
func ExampleReadNPY() {
	header := "{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }"
	file := append([]byte("\x93NUMPY\x01\x00"), byte(len(header)), 0)
	file = append(file, header...)
	file = append(file, 0x3f, 0x80, 0, 0, 0x40, 0, 0, 0) // 1.0 and 2.0, big-endian
	_, err := tensor.ReadNPY(bytes.NewReader(file))
	fmt.Println(err)
	// Output:
	// npy: dtype ">f4" not supported (want little-endian float32 '<f4' or float64 '<f8')
}

// The element (n, c, h, w) of an NCHW tensor lives at ((n·C + c)·H + h)·W + w.
func ExampleTensor_Offset() {
	x := tensor.New(2, 3, 4, 5)
	off, _ := x.Offset(1, 2, 3, 4)
	fmt.Println(off, ((1*3+2)*4+3)*5+4)
	_, err := x.Offset(0, 3, 0, 0)
	fmt.Println(err)
	// Output:
	// 119 119
	// tensor: index 3 out of range [0,3) in dimension 1
}
