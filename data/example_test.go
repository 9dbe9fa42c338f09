package data_test

import (
	"bytes"
	"fmt"
	"log"
	"math"
	"math/rand/v2"

	"github.com/convkit/convkit/data"
)

func ExampleBuiltin() {
	train, test, err := data.Builtin()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(train.Len(), "training and", test.Len(), "test images")
	fmt.Printf("%d×%d×%d, %d classes, first: %s\n", train.C, train.H, train.W, len(train.Classes), train.Classes[train.Labels[0]])
	fmt.Println("per class:", train.ClassCounts())
	// Output:
	// 3500 training and 1000 test images
	// 1×28×28, 10 classes, first: Ankle boot
	// per class: [350 350 350 350 350 350 350 350 350 350]
}

func ExampleResolve() {
	train, _, err := data.Resolve("builtin")
	if err != nil {
		log.Fatal(err)
	}
	mean, std := train.MeanStd()
	if err := train.Normalize(mean, std); err != nil {
		log.Fatal(err)
	}
	m, s := train.MeanStd()
	fmt.Printf("after Normalize: |mean| < 1e-4: %v, std %.3f\n", math.Abs(float64(m[0])) < 1e-4, s[0])
	// Output:
	// after Normalize: |mean| < 1e-4: true, std 1.000
}

func ExampleReadIDX() {
	var buf bytes.Buffer
	// Two 2×3 images.
	if err := data.WriteIDX(&buf, []int{2, 2, 3}, []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}); err != nil {
		log.Fatal(err)
	}
	x, err := data.ReadIDX(&buf)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(x.Dims, x.Data[6:])

	// A header claiming a million images on a 16-byte file.
	_, err = data.ReadIDX(bytes.NewReader([]byte{0, 0, 8, 3, 0, 0x0f, 0x42, 0x40, 0, 0, 0, 28, 0, 0, 0, 28}))
	fmt.Println(err)
	// Output:
	// [2 2 3] [6 7 8 9 10 11]
	// data: IDX: truncated payload for dims [1000000 28 28]: expected 784000000 bytes, got 0: unexpected EOF
}

func ExampleShuffle() {
	// The order of an epoch depends only on (n, epoch, seed).
	fmt.Println(data.Shuffle(8, 0, 42))
	fmt.Println(data.Shuffle(8, 1, 42))
	fmt.Println(data.Shuffle(8, 0, 42))
	// Output:
	// [1 6 4 5 3 7 0 2]
	// [0 6 5 2 1 7 3 4]
	// [1 6 4 5 3 7 0 2]
}

func ExampleBatcher() {
	train, _, err := data.Builtin()
	if err != nil {
		log.Fatal(err)
	}
	b := data.NewBatcher(train, 128, 7)
	b.DropLast = true
	b.Augment = data.CropFlip(2)
	images := 0
	for epoch := 0; epoch < 2; epoch++ {
		// To resume at batch k of an epoch, pass k instead of 0.
		for _, batch := range b.Epoch(epoch, 0) {
			images += batch.N // batch.Images is batch.N×1×28×28
		}
	}
	fmt.Println(b.NumBatches(), "batches per epoch,", images, "images in two epochs")
	// Output:
	// 27 batches per epoch, 6912 images in two epochs
}

func ExampleRandomCrop() {
	src := []float32{
		1, 2, 3,
		4, 5, 6,
		7, 8, 9,
	}
	dst := make([]float32, 9)
	data.RandomCrop(dst, src, 1, 3, 3, 1, rand.New(rand.NewPCG(1, 2)))
	fmt.Println(dst)
	data.HFlip(dst, src, 1, 3, 3)
	fmt.Println(dst)
	// Output:
	// [4 5 6 7 8 9 0 0 0]
	// [3 2 1 6 5 4 9 8 7]
}
