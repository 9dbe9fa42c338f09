package safetensors_test

import (
	"bytes"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/convkit/convkit/safetensors"
)

func ExampleWrite() {
	var buf bytes.Buffer
	err := safetensors.Write(&buf, map[string]safetensors.Tensor{
		"a": safetensors.NewF32([]int{2}, []float32{1, 2}),
	}, nil)
	if err != nil {
		log.Fatal(err)
	}
	b := buf.Bytes()
	fmt.Printf("header length %d\n%q\n% x\n", b[0], b[8:8+b[0]], b[8+b[0]:])
	// Output:
	// header length 56
	// "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}  "
	// 00 00 80 3f 00 00 00 40
}

func ExampleRead() {
	var buf bytes.Buffer
	err := safetensors.Write(&buf, map[string]safetensors.Tensor{
		"fc.weight": safetensors.NewF32([]int{2, 3}, []float32{1, 2, 3, 4, 5, 6}),
		"fc.bias":   safetensors.NewF32([]int{2}, []float32{0.5, -0.5}),
		"half":      {DType: safetensors.F16, Shape: []int{2}, Data: []byte{0x00, 0x3c, 0x00, 0xc0}},
	}, map[string]string{"format": "pt"})
	if err != nil {
		log.Fatal(err)
	}
	f, err := safetensors.Read(&buf, int64(buf.Len()))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(f.Names(), f.Metadata)
	for _, name := range f.Names() {
		values, shape, err := f.Float32(name)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(name, shape, values)
	}
	// Output:
	// [fc.bias fc.weight half] map[format:pt]
	// fc.bias [2] [0.5 -0.5]
	// fc.weight [2 3] [1 2 3 4 5 6]
	// half [2] [1 -2]
}

func ExampleWriteFile() {
	dir, err := os.MkdirTemp("", "example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "model.safetensors")
	// The file is replaced atomically: a crash leaves the old one intact.
	for epoch := 1; epoch <= 2; epoch++ {
		err := safetensors.WriteFile(path, map[string]safetensors.Tensor{
			"w": safetensors.NewF32([]int{1}, []float32{float32(epoch) / 10}),
		}, map[string]string{"epoch": fmt.Sprint(epoch)})
		if err != nil {
			log.Fatal(err)
		}
	}
	f, err := safetensors.ReadFile(path)
	if err != nil {
		log.Fatal(err)
	}
	w, _, _ := f.Float32("w")
	fmt.Println("epoch", f.Metadata["epoch"], "w", w)
	// Output:
	// epoch 2 w [0.2]
}
