package cost

import (
	"math/big"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/convkit/convkit/conv"
)

// mustOf is Of for specs a test knows to be valid.
func mustOf(t *testing.T, op conv.Op, in []int) Cost {
	t.Helper()
	c, err := Of(op, in)
	if err != nil {
		t.Fatalf("Of(%v, %v): %v", op, in, err)
	}
	return c
}

// dws returns the costs of MobileNets' depthwise separable convolution:
// a k×k depthwise conv (stride s, padding (k−1)/2) and a 1×1 pointwise conv.
func dws(t *testing.T, in, out, k, s int, shape []int) Cost {
	t.Helper()
	d := mustOf(t, conv.Depthwise(in, k, 1).WithStride(s), shape)
	p := mustOf(t, conv.Pointwise(in, out), d.Output)
	c, err := Sum(d, p)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// standard returns a k×k convolution with stride s and padding (k−1)/2.
func standard(in, out, k, s int) conv.Conv2D {
	return conv.New2D(in, out, k).WithStride(s).WithPadding(conv.Pad((k - 1) / 2))
}

// TestMobileNetsTable3 reproduces MobileNets (arXiv 1704.04861) Table 3:
// one 3×3 layer with 512 input and output channels on a 14×14 map,
// millions of Mult-Adds and parameters.
func TestMobileNetsTable3(t *testing.T) {
	full := mustOf(t, standard(512, 512, 3, 1), []int{1, 512, 14, 14})
	sep := dws(t, 512, 512, 3, 1, []int{1, 512, 14, 14})
	// Width multiplier α = 0.75: 0.75·512 = 384 channels.
	alpha := dws(t, 384, 384, 3, 1, []int{1, 384, 14, 14})
	// Resolution multiplier ρ = 0.714 on top of α: 0.714·14 ≈ 10.
	rho := dws(t, 384, 384, 3, 1, []int{1, 384, 10, 10})

	for _, tc := range []struct {
		name                 string
		c                    Cost
		params, macs         int64
		paperMACs, paperPrms string // as printed, in millions
		macsDigits, prmDigit int    // decimals printed in the paper
	}{
		// 512·512·9 weights, each used at 14·14 positions.
		{"full conv", full, 2359296, 462422016, "462", "2.36", 0, 2},
		// 512·9 depthwise + 512·512 pointwise weights, ×196 positions.
		{"depthwise separable", sep, 266752, 52283392, "52.3", "0.27", 1, 2},
		// 384·9 + 384·384 weights, ×196.
		{"α = 0.75", alpha, 150912, 29578752, "29.6", "0.15", 1, 2},
		// Same weights, ×100 positions.
		{"ρ = 0.714", rho, 150912, 15091200, "15.1", "0.15", 1, 2},
	} {
		if tc.c.Params != tc.params || tc.c.MACs != tc.macs {
			t.Errorf("%s: params %d MACs %d, want %d and %d", tc.name, tc.c.Params, tc.c.MACs, tc.params, tc.macs)
		}
		if got := strconv.FormatFloat(float64(tc.c.MACs)/1e6, 'f', tc.macsDigits, 64); got != tc.paperMACs {
			t.Errorf("%s: %s million MACs, the paper prints %s", tc.name, got, tc.paperMACs)
		}
		if got := strconv.FormatFloat(float64(tc.c.Params)/1e6, 'f', tc.prmDigit, 64); got != tc.paperPrms {
			t.Errorf("%s: %s million params, the paper prints %s", tc.name, got, tc.paperPrms)
		}
		if tc.c.BiasParams != 0 || tc.c.FLOPs != 2*tc.c.MACs {
			t.Errorf("%s: bias %d FLOPs %d", tc.name, tc.c.BiasParams, tc.c.FLOPs)
		}
	}
	if full.OutputElems != 512*14*14 || full.ActivationBytes != 4*2*512*14*14 {
		t.Errorf("full conv: output %d elements, %d activation bytes", full.OutputElems, full.ActivationBytes)
	}
}

// TestDWSRatio checks MobileNets' reduction in computation, depthwise
// separable over standard = 1/Out + 1/k², exactly, for MACs and params over
// random layers (both have the same output map, so positions cancel).
func TestDWSRatio(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 250; i++ {
		in, out := 1+r.IntN(96), 1+r.IntN(96)
		k, s := 1+r.IntN(7), 1+r.IntN(3)
		n, h, w := 1+r.IntN(3), k+r.IntN(20), k+r.IntN(20)
		shape := []int{n, in, h, w}
		std := mustOf(t, standard(in, out, k, s), shape)
		sep := dws(t, in, out, k, s, shape)
		want := new(big.Rat).Add(big.NewRat(1, int64(out)), big.NewRat(1, int64(k*k)))
		if got := big.NewRat(sep.MACs, std.MACs); got.Cmp(want) != 0 {
			t.Fatalf("in %d out %d k %d stride %d input %v: MACs ratio %v, want %v", in, out, k, s, shape, got, want)
		}
		if got := big.NewRat(sep.Params, std.Params); got.Cmp(want) != 0 {
			t.Fatalf("in %d out %d k %d: params ratio %v, want %v", in, out, k, got, want)
		}
	}
}

func TestConv2D(t *testing.T) {
	for _, tc := range []struct {
		name         string
		op           conv.Op
		in           []int
		params, bias int64
		macs         int64
		out          []int
	}{
		// VALID 5×5 over 32×32 → 28×28; 6·3·25 weights; each output 3·25 MACs.
		{"valid", conv.New2D(3, 6, 5).WithBias(), []int{2, 3, 32, 32}, 450, 6, 2 * 6 * 28 * 28 * 75, []int{2, 6, 28, 28}},
		// Group conv: 4 groups, 64/4 inputs per output; stride 2 padding 1 → 8×8.
		{"group", standard(64, 128, 3, 2).WithGroups(4), []int{1, 64, 16, 16}, 128 * 16 * 9, 0, 128 * 8 * 8 * 16 * 9, []int{1, 128, 8, 8}},
		// Depthwise with multiplier 2: 64 filters of 1×3×3.
		{"depth multiplier", conv.Depthwise(32, 3, 2), []int{1, 32, 7, 7}, 64 * 9, 0, 64 * 49 * 9, []int{1, 64, 7, 7}},
		// Padded taps count: a 3×3 'same' conv on a 1×1 map reads 8 zeros per output.
		{"padded taps", conv.New2D(2, 3, 3).WithPadding(conv.Padding{Mode: conv.Same}), []int{1, 2, 1, 1}, 54, 0, 54, []int{1, 3, 1, 1}},
		// Dilation changes the output size, not the reduction length.
		{"dilation", conv.New2D(1, 1, 3).WithDilation(2), []int{1, 1, 9, 9}, 9, 0, 25 * 9, []int{1, 1, 5, 5}},
		// A pointer to a spec costs the same.
		{"pointer", &conv.Conv2D{In: 4, Out: 4, KernelH: 1, KernelW: 3, StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, Groups: 2},
			[]int{1, 4, 5, 5}, 4 * 2 * 3, 0, 4 * 5 * 3 * 2 * 3, []int{1, 4, 5, 3}},
	} {
		c := mustOf(t, tc.op, tc.in)
		if c.Params != tc.params || c.BiasParams != tc.bias || c.MACs != tc.macs || c.FLOPs != 2*tc.macs {
			t.Errorf("%s: params %d bias %d MACs %d FLOPs %d, want %d %d %d %d",
				tc.name, c.Params, c.BiasParams, c.MACs, c.FLOPs, tc.params, tc.bias, tc.macs, 2*tc.macs)
		}
		if !slices.Equal(c.Output, tc.out) {
			t.Errorf("%s: output %v, want %v", tc.name, c.Output, tc.out)
		}
		if c.TotalParams() != tc.params+tc.bias {
			t.Errorf("%s: total params %d", tc.name, c.TotalParams())
		}
	}
}

// TestChannelNets checks the ChannelNets (arXiv 1809.01330) costs:
// channel-wise d_c params and d_c·Out·H·W MACs, group channel-wise g·d_c
// params, depth-wise separable channel-wise the sum of its stages.
func TestChannelNets(t *testing.T) {
	// Channel-wise, stride 1 SAME: Out = In.
	cw := mustOf(t, conv.NewChannelWise(512, 8), []int{1, 512, 14, 14})
	if cw.Params != 8 || cw.MACs != 8*512*14*14 || !slices.Equal(cw.Output, []int{1, 512, 14, 14}) {
		t.Errorf("channel-wise: %+v", cw)
	}
	// Channel stride 2, SAME: Out = ⌈15/2⌉ = 8.
	cw2 := mustOf(t, conv.ChannelWise{In: 15, Kernel: 3, Stride: 2, Padding: conv.ChanPadding{Same: true}}, []int{2, 15, 4, 4})
	if cw2.Params != 3 || cw2.MACs != 2*8*16*3 || cw2.Output[1] != 8 {
		t.Errorf("strided channel-wise: %+v", cw2)
	}
	// Group channel-wise, the official g = 2, d_c = 8 at 14×14×512.
	gcw := mustOf(t, conv.NewGroupChannelWise(512, 2, 8), []int{1, 512, 14, 14})
	if gcw.Params != 2*8 || gcw.MACs != 8*512*14*14 {
		t.Errorf("group channel-wise: %+v", gcw)
	}
	// DWSCWConv at 7×7×1024 with d_c = 64 (ChannelNet-v2):
	// params 9·1024 + 64, MACs (9·1024 + 64·1024)·49.
	d := mustOf(t, conv.NewDWSChannelWise(1024, 3, 64), []int{1, 1024, 7, 7})
	if d.Params != 9*1024+64 || d.MACs != (9*1024+64*1024)*49 {
		t.Errorf("DWS channel-wise: params %d MACs %d", d.Params, d.MACs)
	}
	// A stride-2 DWSCWConv: both stages at the 4×4 output.
	d2 := mustOf(t, conv.DWSChannelWise{In: 16, Kernel: 3, Stride: 2, Padding: conv.Pad(1), ChanKernel: 5}, []int{1, 16, 8, 8})
	if d2.MACs != (9*16+5*16)*16 || !slices.Equal(d2.Output, []int{1, 16, 4, 4}) {
		t.Errorf("strided DWS channel-wise: %+v", d2)
	}
	// Shuffle: no params, no MACs, but memory traffic.
	sh := mustOf(t, conv.Shuffle{Groups: 4}, []int{1, 16, 3, 3})
	if sh.Params != 0 || sh.MACs != 0 || sh.ActivationBytes != 4*2*16*9 {
		t.Errorf("shuffle: %+v", sh)
	}
}

// TestClassifier reproduces ChannelNets' ImageNet CCL example: 1024
// channels at 7×7 to 1000 classes gives d_c = 25, a 7×7×25 kernel of 1,225
// params and 1,225,000 MACs, against GAP + FC's 1,024,000 MACs and
// 1,025,000 params with bias.
func TestClassifier(t *testing.T) {
	s := conv.Classifier{In: 1024, Classes: 1000, Size: 7}
	if s.Kernel() != 25 {
		t.Fatalf("d_c = %d, want 25", s.Kernel())
	}
	ccl := mustOf(t, s, []int{1, 1024, 7, 7})
	if ccl.Params != 1225 || ccl.BiasParams != 0 || ccl.MACs != 1225000 || !slices.Equal(ccl.Output, []int{1, 1000, 1, 1}) {
		t.Errorf("CCL: %+v", ccl)
	}
	fc, err := Linear(1024, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if fc.MACs != 1024000 || fc.Params != 1024000 || fc.TotalParams() != 1025000 || !slices.Equal(fc.Output, []int{1, 1000}) {
		t.Errorf("FC: %+v", fc)
	}
	// The CCL saves parameters, not computation.
	if ccl.MACs <= fc.MACs {
		t.Errorf("CCL MACs %d not above FC's %d", ccl.MACs, fc.MACs)
	}
	b, err := fc.Scale(8)
	if err != nil {
		t.Fatal(err)
	}
	if b.MACs != 8*1024000 || b.Params != fc.Params || !slices.Equal(b.Output, []int{8, 1000}) || b.ActivationBytes != 8*fc.ActivationBytes {
		t.Errorf("FC ×8: %+v", b)
	}
}

func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		op   conv.Op
		in   []int
		want string
	}{
		{"nil", nil, []int{1, 1, 1, 1}, "nil operator"},
		{"nil pointer", (*conv.Conv2D)(nil), []int{1, 1, 1, 1}, "nil operator *conv.Conv2D"},
		{"groups", conv.New2D(6, 4, 3).WithGroups(4), []int{1, 6, 5, 5}, "does not divide"},
		{"channels", conv.New2D(6, 4, 3), []int{1, 5, 5, 5}, "channels"},
		{"rank", conv.NewChannelWise(4, 3), []int{4, 5, 5}, "4-D"},
		{"kernel too long", conv.ChannelWise{In: 2, Kernel: 3, Stride: 1}, []int{1, 2, 1, 1}, "longer"},
		{"unknown op", fakeOp{conv.Shuffle{Groups: 1}}, []int{1, 1, 1, 1}, "no MAC count"},
	} {
		_, err := Of(tc.op, tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
	if _, err := Linear(0, 10); err == nil {
		t.Error("Linear(0, 10): no error")
	}
	if _, err := Linear(1<<40, 1<<40); err == nil {
		t.Error("Linear overflowing int64: no error")
	}
	if _, err := (Cost{}).Scale(0); err == nil {
		t.Error("Scale(0): no error")
	}
}

// fakeOp is an operator type Of does not know.
type fakeOp struct{ conv.Shuffle }

// macOp is an operator that counts its own MACs.
type macOp struct{ conv.Shuffle }

func (macOp) MACs(in []int) (int64, error) { return int64(in[1]) * 7, nil }

func TestMACer(t *testing.T) {
	c := mustOf(t, macOp{conv.Shuffle{Groups: 1}}, []int{1, 3, 2, 2})
	if c.MACs != 21 || c.FLOPs != 42 {
		t.Errorf("MACer: %+v", c)
	}
}

func TestTable(t *testing.T) {
	var tb Table
	shape := []int{1, 3, 32, 32}
	var err error
	for _, l := range []struct {
		name string
		op   conv.Op
	}{
		{"conv1", standard(3, 16, 3, 2).WithBias()},
		{"dw", conv.Depthwise(16, 3, 1)},
		{"pw", conv.Pointwise(16, 32)},
		{"shuffle", conv.Shuffle{Groups: 2}},
	} {
		if shape, err = tb.Add(l.name, l.op, shape); err != nil {
			t.Fatal(err)
		}
	}
	fc, err := Linear(32, 10)
	if err != nil {
		t.Fatal(err)
	}
	tb.AddCost("fc", "Linear(32, 10)", fc)
	tot, err := tb.Total()
	if err != nil {
		t.Fatal(err)
	}
	// conv1 16·3·9 = 432 weights, 16 biases, 432·256 MACs; dw 144 weights,
	// 144·256; pw 512 weights, 512·256; fc 320 weights, 10 biases, 320 MACs.
	if tot.Params != 432+144+512+320 || tot.BiasParams != 26 || tot.MACs != (432+144+512)*256+320 {
		t.Errorf("total %+v", tot)
	}
	if !slices.Equal(tot.Output, []int{1, 10}) || tot.InputElems != 3*32*32 || tot.FLOPs != 2*tot.MACs {
		t.Errorf("total %+v", tot)
	}
	if _, err := tb.Add("bad", conv.Pointwise(7, 7), shape); err == nil || !strings.Contains(err.Error(), `"bad"`) {
		t.Errorf("bad layer: error %v", err)
	}
	var b strings.Builder
	if _, err := tb.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"conv1", "Conv2d(3, 16, k=3, stride=2, padding=1, bias)", "[1 16 16 16]", "110,592", "total", "1,408", Convention} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if s, err := Sum(); err != nil || s.MACs != 0 || s.Output != nil {
		t.Errorf("Sum() = %+v, %v", s, err)
	}
}

func TestFormat(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 7: "7", 999: "999", 1000: "1,000", 462422016: "462,422,016", -1234567: "-1,234,567"} {
		if got := Group(n); got != want {
			t.Errorf("Group(%d) = %q, want %q", n, got, want)
		}
	}
	for n, want := range map[int64]string{462422016: "462M", 52283392: "52.3M", 2359296: "2.36M", 266752: "0.267M", 1234567890: "1235M", 0: "0M"} {
		if got := Millions(n); got != want {
			t.Errorf("Millions(%d) = %q, want %q", n, got, want)
		}
	}
}
