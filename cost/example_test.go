package cost_test

import (
	"fmt"
	"os"

	"github.com/convkit/convkit/conv"
	"github.com/convkit/convkit/cost"
)

// The layer of MobileNets' Table 3: 3×3, 512 → 512 channels on a 14×14 map,
// as a standard and as a depthwise separable convolution.
func ExampleOf() {
	in := []int{1, 512, 14, 14}
	std, _ := cost.Of(conv.New2D(512, 512, 3).WithPadding(conv.Pad(1)), in)
	dw, _ := cost.Of(conv.Depthwise(512, 3, 1), in)
	pw, _ := cost.Of(conv.Pointwise(512, 512), dw.Output)
	sep, _ := cost.Sum(dw, pw)
	fmt.Printf("standard:  %d params, %d MACs (%s)\n", std.Params, std.MACs, cost.Millions(std.MACs))
	fmt.Printf("separable: %d params, %d MACs (%s)\n", sep.Params, sep.MACs, cost.Millions(sep.MACs))
	fmt.Printf("ratio %.4f = 1/512 + 1/9\n", float64(sep.MACs)/float64(std.MACs))
	// Output:
	// standard:  2359296 params, 462422016 MACs (462M)
	// separable: 266752 params, 52283392 MACs (52.3M)
	// ratio 0.1131 = 1/512 + 1/9
}

// ChannelNets' convolutional classification layer against global average
// pooling + a fully connected layer, for 1024 channels at 7×7 and 1000
// classes.
func ExampleLinear() {
	ccl, _ := cost.Of(conv.Classifier{In: 1024, Classes: 1000, Size: 7}, []int{1, 1024, 7, 7})
	fc, _ := cost.Linear(1024, 1000)
	fmt.Printf("CCL: %d params, %d MACs\n", ccl.TotalParams(), ccl.MACs)
	fmt.Printf("FC:  %d params, %d MACs\n", fc.TotalParams(), fc.MACs)
	// Output:
	// CCL: 1225 params, 1225000 MACs
	// FC:  1025000 params, 1024000 MACs
}

func ExampleTable() {
	var t cost.Table
	shape := []int{1, 3, 32, 32}
	shape, _ = t.Add("conv1", conv.New2D(3, 32, 3).WithStride(2).WithPadding(conv.Pad(1)), shape)
	shape, _ = t.Add("dw2", conv.Depthwise(32, 3, 1), shape)
	_, _ = t.Add("pw2", conv.Pointwise(32, 64), shape)
	t.WriteTo(os.Stdout)
	// Output:
	// LAYER  OP                                         OUTPUT        PARAMS  BIAS     MACS  MACS %  PARAMS %
	// conv1  Conv2d(3, 32, k=3, stride=2, padding=1)    [1 32 16 16]     864     0  221,184   27.00     27.00
	// dw2    Conv2d(32, 32, k=3, padding=1, groups=32)  [1 32 16 16]     288     0   73,728    9.00      9.00
	// pw2    Conv2d(32, 64, k=1)                        [1 64 16 16]   2,048     0  524,288   64.00     64.00
	// total                                                            3,200     0  819,200
	// 0.0032M params (0.0032M with bias), 0.819M MACs, 1.64M FLOPs.
	// MACs count multiply-accumulates of conv, channel-wise and linear weights only (no bias, BN, activation or pooling; padded taps included); FLOPs = 2·MACs; params exclude bias.
}
