// Package opbench times convkit's operators on the shapes of the PyTorch
// performance anchors, so that convkit can be compared with PyTorch and
// ONNX Runtime op by op on the same machine.
//
// The anchor table (Ops) has exactly the names, input shapes and MAC
// formulas of the "OPS" table of the anchors' ops.py (../shared/anchors in
// a development checkout; docs/performance.md). The harness (Case.Run)
// goes through the public conv.Plan API only, so it measures whatever
// algorithm the plan picks and speeds up with the kernels behind it.
//
// Timing follows the anchors' benchutil.timeit: plan once, allocate every
// tensor once (steady state: the timed loop allocates nothing), warm up,
// then time at least Runs calls and at least MinTime, and report the
// median, minimum and maximum. Optionally it waits for a quiet machine
// and records the CPU load of other processes, as benchutil does.
package opbench

import (
	"fmt"
	"slices"
	"strings"

	"github.com/convkit/convkit/conv"
)

// Op is one anchor operator.
type Op struct {
	// Name is the anchor's name: S1, DW2, CW1, …
	Name string
	// Spec is the convkit operator.
	Spec conv.Op
	// C, H, W is the input shape of one image.
	C, H, W int
	// MACs is the forward multiply-accumulates per image, by the formula of
	// ops.py (the cost package's convention; tested to agree with it).
	MACs int64
	// Note describes the shape in a few words.
	Note string
	// Bandwidth marks an operator without arithmetic (the channel
	// shuffle), measured in GB/s of tensor traffic instead of GFLOP/s.
	Bandwidth bool
}

// Input returns the NCHW input shape for a batch.
func (o Op) Input(batch int) []int { return []int{batch, o.C, o.H, o.W} }

// Bytes returns the tensor traffic of one forward pass over a batch, as
// the anchors count it for the shuffle: the input read once and the output
// written once, 2·N·C·H·W float32 values.
func (o Op) Bytes(batch int) int64 { return 2 * int64(batch) * int64(o.C*o.H*o.W) * 4 }

// conv2d is ops.py's conv(cin, cout, k, s, g): PyTorch Conv2d with padding
// k//2 and no bias.
func conv2d(in, out, k, stride, groups int) conv.Conv2D {
	return conv.New2D(in, out, k).WithStride(stride).WithPadding(conv.Pad(k / 2)).WithGroups(groups)
}

// ops is the anchor table in ops.py's order.
var ops = []Op{
	{Name: "S1", Spec: conv2d(64, 64, 3, 1, 1), C: 64, H: 56, W: 56,
		MACs: 64 * 64 * 9 * 56 * 56, Note: "3x3 64->64 56x56"},
	{Name: "S2", Spec: conv2d(3, 32, 3, 2, 1), C: 3, H: 224, W: 224,
		MACs: 3 * 32 * 9 * 112 * 112, Note: "3x3/2 3->32 224->112"},
	{Name: "G1", Spec: conv2d(128, 128, 3, 1, 4), C: 128, H: 28, W: 28,
		MACs: 128 * 32 * 9 * 28 * 28, Note: "3x3 g4 128->128 28x28"},
	{Name: "G2", Spec: conv2d(240, 60, 1, 1, 3), C: 240, H: 28, W: 28,
		MACs: 60 * 80 * 28 * 28, Note: "1x1 g3 240->60 28x28"},
	{Name: "DW1", Spec: conv2d(32, 32, 3, 1, 32), C: 32, H: 112, W: 112,
		MACs: 32 * 9 * 112 * 112, Note: "dw3x3 32ch 112x112"},
	{Name: "DW2", Spec: conv2d(256, 256, 3, 1, 256), C: 256, H: 28, W: 28,
		MACs: 256 * 9 * 28 * 28, Note: "dw3x3 256ch 28x28"},
	{Name: "DW3", Spec: conv2d(512, 512, 3, 1, 512), C: 512, H: 14, W: 14,
		MACs: 512 * 9 * 14 * 14, Note: "dw3x3 512ch 14x14"},
	{Name: "DW4", Spec: conv2d(64, 64, 3, 2, 64), C: 64, H: 112, W: 112,
		MACs: 64 * 9 * 56 * 56, Note: "dw3x3/2 64ch 112->56"},
	{Name: "PW1", Spec: conv2d(32, 64, 1, 1, 1), C: 32, H: 112, W: 112,
		MACs: 32 * 64 * 112 * 112, Note: "1x1 32->64 112x112"},
	{Name: "PW2", Spec: conv2d(256, 256, 1, 1, 1), C: 256, H: 28, W: 28,
		MACs: 256 * 256 * 28 * 28, Note: "1x1 256->256 28x28"},
	{Name: "PW3", Spec: conv2d(512, 512, 1, 1, 1), C: 512, H: 14, W: 14,
		MACs: 512 * 512 * 14 * 14, Note: "1x1 512->512 14x14"},
	{Name: "PW4", Spec: conv2d(1024, 1024, 1, 1, 1), C: 1024, H: 7, W: 7,
		MACs: 1024 * 1024 * 7 * 7, Note: "1x1 1024->1024 7x7"},
	{Name: "CS", Spec: conv.Shuffle{Groups: 3}, C: 240, H: 28, W: 28,
		MACs: 0, Note: "shuffle 240ch g3 28x28", Bandwidth: true},
	// d_c = 8, stride 1, padding 3 in front and 4 behind: 512 outputs,
	// 512·8 MACs per pixel.
	{Name: "CW1", Spec: conv.ChannelWise{In: 512, Kernel: 8, Stride: 1, Padding: conv.ChanPadding{Front: 3, Back: 4}},
		C: 512, H: 14, W: 14, MACs: 512 * 8 * 14 * 14, Note: "chan-wise d_c=8 512->512 14x14"},
	// 4 kernels of d_c = 64 at channel stride 4; the padding that gives
	// 512/4 = 128 outputs per kernel is (128−1)·4 + 64 − 512 = 60, 30 on
	// each side, as in ops.py. 512·64 MACs per pixel.
	{Name: "GCW1", Spec: conv.GroupChannelWise{In: 512, Out: 512, Groups: 4, Kernel: 64},
		C: 512, H: 14, W: 14, MACs: 512 * 64 * 14 * 14, Note: "group chan-wise g4 d_c=64 pad30 512->512 14x14"},
	// GCW1 without padding: (512 − 64)/4 + 1 = 113 outputs per kernel, 452
	// in all; the padding (113−1)·4 + 64 − 512 is 0.
	{Name: "GCW1u", Spec: conv.GroupChannelWise{In: 512, Out: 452, Groups: 4, Kernel: 64},
		C: 512, H: 14, W: 14, MACs: 452 * 64 * 14 * 14, Note: "group chan-wise g4 d_c=64 no pad 512->452 14x14"},
	// d_c = 1024 − 1000 + 1 = 25, no padding: 1000 outputs.
	{Name: "CCL", Spec: conv.Classifier{In: 1024, Classes: 1000, Size: 1},
		C: 1024, H: 1, W: 1, MACs: 1000 * 25, Note: "conv classif. layer d_c=25 1024->1000"},
	// The fully connected layer CCL replaces, as a 1×1 convolution on a
	// 1×1 map (ops.py: Linear(1024, 1000, bias=False)).
	{Name: "FC", Spec: conv2d(1024, 1000, 1, 1, 1), C: 1024, H: 1, W: 1,
		MACs: 1024 * 1000, Note: "FC 1024->1000 as 1x1 conv (what CCL replaces)"},
}

// BackwardSet lists the operators the anchors time forward+backward
// (ops.py's BWD), at batch 8 with 2 threads.
var BackwardSet = []string{"S1", "G1", "DW2", "PW2", "CW1"}

// The batch and thread count of the anchors' forward+backward runs.
const (
	BackwardBatch   = 8
	BackwardThreads = 2
)

// Ops returns the anchor table in ops.py's order.
func Ops() []Op { return slices.Clone(ops) }

// Names returns the operator names in table order.
func Names() []string {
	names := make([]string, len(ops))
	for i, o := range ops {
		names[i] = o.Name
	}
	return names
}

// Lookup returns the operator with the given name, ignoring case.
func Lookup(name string) (Op, bool) {
	for _, o := range ops {
		if strings.EqualFold(o.Name, name) {
			return o, true
		}
	}
	return Op{}, false
}

// Select returns the named operators in table order, each once. Names
// ignore case; an unknown name is an error that lists the known ones.
func Select(names []string) ([]Op, error) {
	want := map[string]bool{}
	for _, n := range names {
		o, ok := Lookup(strings.TrimSpace(n))
		if !ok {
			return nil, fmt.Errorf("unknown operator %q (have %s)", n, strings.Join(Names(), ", "))
		}
		want[o.Name] = true
	}
	var sel []Op
	for _, o := range ops {
		if want[o.Name] {
			sel = append(sel, o)
		}
	}
	return sel, nil
}
