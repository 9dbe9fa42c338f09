package conv_test

import (
	"fmt"

	"github.com/convkit/convkit/conv"
	"github.com/convkit/convkit/tensor"
)

// A 3×3 depthwise convolution with depth multiplier 2 and stride 2, as in
// MobileNets: 32 channels in, 64 out, one 3×3 filter per output channel.
func ExampleConv2D_OutputShape() {
	dw := conv.Depthwise(32, 3, 2).WithStride(2)
	out, err := dw.OutputShape([]int{1, 32, 112, 112})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(dw)
	fmt.Println("output:", out)
	fmt.Println("weight:", dw.Params()[0].Shape)

	// Invalid specs are errors, never panics.
	_, err = conv.New2D(32, 64, 3).WithGroups(3).OutputShape([]int{1, 32, 112, 112})
	fmt.Println(err)
	// Output:
	// Conv2d(32, 64, k=3, stride=2, padding=1, groups=32)
	// output: [1 64 56 56]
	// weight: [64 1 3 3]
	// conv: Conv2d: groups 3 does not divide 32 input channels
}

// ShuffleNet's channel shuffle with 2 groups moves channel (i mod 2)·3 + i/2
// to position i: channels 0…5 come out as 0 3 1 4 2 5.
func ExampleShuffle() {
	x := tensor.New(1, 6, 1, 1)
	for c := range x.Data {
		x.Data[c] = float32(c)
	}
	y, err := conv.Shuffle{Groups: 2}.Forward(x)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("shuffle:  ", y.Data)
	back, _ := conv.Shuffle{Groups: 2, Inverse: true}.Forward(y)
	fmt.Println("unshuffle:", back.Data)
	// Output:
	// shuffle:   [0 3 1 4 2 5]
	// unshuffle: [0 1 2 3 4 5]
}

// A channel-wise convolution slides one kernel along the channel axis at
// every pixel; with SAME padding the channel count is kept. Here the kernel
// [1 1 1] sums each channel with its two neighbours.
func ExampleChannelWise() {
	cw := conv.NewChannelWise(5, 3)
	x := tensor.New(1, 5, 1, 1)
	for c := range x.Data {
		x.Data[c] = float32(c + 1)
	}
	w, _ := tensor.FromData([]float32{1, 1, 1}, cw.Params()[0].Shape...)
	y, err := cw.Forward(x, w)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cw)
	fmt.Println("params:", cw.Params()[0].Shape)
	fmt.Println(x.Data, "→", y.Data)

	// At stride 2 SAME padding gives ⌈In/2⌉ channels.
	s2 := conv.ChannelWise{In: 5, Kernel: 3, Stride: 2, Padding: conv.ChanPadding{Same: true}}
	fmt.Println(s2, "gives", s2.Out(), "channels")
	// Output:
	// ChannelWise(5, d_c=3, stride=1, padding=same)
	// params: [1 3 1 1]
	// [1 2 3 4 5] → [3 6 9 12 9]
	// ChannelWise(5, d_c=3, stride=2, padding=same) gives 3 channels
}

// ChannelNets' convolutional classification layer replaces global average
// pooling and a 1024×1000 fully connected layer with one 7×7×25 kernel.
func ExampleClassifier() {
	ccl := conv.Classifier{In: 1024, Classes: 1000, Size: 7}
	out, err := ccl.OutputShape([]int{8, 1024, 7, 7})
	if err != nil {
		fmt.Println(err)
		return
	}
	p := ccl.Params()[0]
	n := 1
	for _, d := range p.Shape {
		n *= d
	}
	fmt.Println(ccl)
	fmt.Println("output:", out)
	fmt.Println("weight:", p.Shape, "=", n, "parameters")

	// The layer covers the whole final map, so its size must match.
	_, err = ccl.OutputShape([]int{8, 1024, 14, 14})
	fmt.Println(err)
	// Output:
	// Classifier(1024, classes=1000, size=7, d_c=25)
	// output: [8 1000 1 1]
	// weight: [1 25 7 7] = 1225 parameters
	// conv: Classifier(1024, classes=1000, size=7, d_c=25): input map is 14x14, the layer covers exactly 7x7
}
