package conv

import (
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/convkit/convkit/tensor"
)

// fuzzBytes decodes fuzz input into spec fields. Each field takes one byte:
// bytes below 0xF0 map into a small valid-looking range, and the 16 bytes
// from 0xF0 up select edge values (zero, negatives, the maxDim limit and
// just past it, values whose products overflow int64). Exhausted input reads
// as zero bytes, so every byte string decodes to something.
type fuzzBytes struct{ b []byte }

var fuzzEdges = [16]int{
	0, -1, -2, 1, 2, 3, maxDim, maxDim + 1, maxDim - 1, 1 << 12, 1 << 20, 1 << 31,
	1 << 40, math.MaxInt, math.MinInt, -maxDim,
}

func (f *fuzzBytes) byte() byte {
	if len(f.b) == 0 {
		return 0
	}
	c := f.b[0]
	f.b = f.b[1:]
	return c
}

// int returns a value in [lo, hi] for most bytes and an edge value for
// bytes ≥ 0xF0.
func (f *fuzzBytes) int(lo, hi int) int {
	c := f.byte()
	if c >= 0xF0 {
		return fuzzEdges[c-0xF0]
	}
	return lo + int(c)%(hi-lo+1)
}

// fuzzOp decodes an operator and an input shape.
func fuzzOp(data []byte) (Op, []int) {
	f := &fuzzBytes{b: data}
	kind := f.byte() % 6
	// The input shape: NCHW, sometimes rank 3 or 5.
	n, h, w := f.int(1, 3), f.int(1, 9), f.int(1, 9)
	rank := f.byte() % 16
	// matchC (usually true) sets the input's channel count to what the spec
	// expects, so that most inputs get past the shape checks.
	matchC := f.byte()%8 != 0
	c := f.int(1, 12)
	var op Op
	switch kind {
	case 0:
		g := f.int(1, 4)
		s := Conv2D{
			In: g * f.int(1, 4), Out: g * f.int(1, 4), Groups: g,
			KernelH: f.int(1, 5), KernelW: f.int(1, 5),
			StrideH: f.int(1, 3), StrideW: f.int(1, 3),
			DilationH: f.int(1, 3), DilationW: f.int(1, 3),
		}
		switch mode := f.byte() % 8; mode {
		case 0, 1, 2, 3:
			s.Padding = Padding{Top: f.int(0, 3), Bottom: f.int(0, 3), Left: f.int(0, 3), Right: f.int(0, 3)}
		case 4, 5:
			s.Padding.Mode = Same
		case 6:
			s.Padding.Mode = Valid
		default:
			s.Padding.Mode = PadMode(f.int(-2, 5))
		}
		// Same mode is stride 1 in most inputs that ask for it.
		if s.Padding.Mode == Same && f.byte()%4 != 0 {
			s.StrideH, s.StrideW = 1, 1
		}
		s.Bias = f.byte()%2 == 1
		op, c = s, cond(matchC, s.In, c)
	case 1:
		s := Shuffle{Groups: f.int(1, 6), Inverse: f.byte()%2 == 1}
		op, c = s, cond(matchC, s.Groups*f.int(1, 4), c)
	case 2:
		s := ChannelWise{In: f.int(1, 12), Kernel: f.int(1, 6), Stride: f.int(1, 3)}
		if f.byte()%2 == 0 {
			s.Padding.Same = true
		} else {
			s.Padding.Front, s.Padding.Back = f.int(0, 4), f.int(0, 4)
		}
		op, c = s, cond(matchC, s.In, c)
	case 3:
		g := f.int(1, 4)
		s := GroupChannelWise{In: f.int(1, 12), Out: g * f.int(1, 4), Groups: g, Kernel: f.int(1, 9)}
		op, c = s, cond(matchC, s.In, c)
	case 4:
		s := DWSChannelWise{In: f.int(1, 8), Kernel: f.int(1, 5), Stride: f.int(1, 3), ChanKernel: f.int(1, 8)}
		switch f.byte() % 4 {
		case 0:
			s.Padding = Pad((s.Kernel - 1) / 2)
		case 1:
			s.Padding.Mode = Same
		case 2:
			s.Padding.Mode = Valid
		default:
			s.Padding = Padding{Top: f.int(0, 3), Bottom: f.int(0, 3), Left: f.int(0, 3), Right: f.int(0, 3)}
		}
		op, c = s, cond(matchC, s.In, c)
	default:
		s := Classifier{In: f.int(1, 12), Classes: f.int(1, 12), Size: f.int(1, 5)}
		op, c = s, cond(matchC, s.In, c)
		if f.byte()%8 != 0 {
			h, w = s.Size, s.Size
		}
	}
	in := []int{n, c, h, w}
	switch rank {
	case 14:
		in = in[1:]
	case 15:
		in = append(in, 1)
	}
	return op, in
}

func cond(b bool, x, y int) int {
	if b {
		return x
	}
	return y
}

// Work bounds for running a decoded op: the reference is naive, so only
// small problems run forward and backward.
const (
	fuzzMaxElems = 1 << 12 // elements of the input, output and each parameter
	fuzzMaxWork  = 1 << 20 // (input or output elements) × parameter elements, a bound on the MACs
)

func FuzzSpec(f *testing.F) {
	// Seeds: byte 0 is the kind (mod 6), bytes 1–3 N, H, W, byte 4 the rank
	// switch, byte 5 matchC, byte 6 a free channel count, then the spec
	// fields in the order fuzzOp reads them.
	for _, seed := range [][]byte{
		{0, 1, 4, 4, 0, 1, 0, 0, 1, 2, 2, 2, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1},    // Conv2d(2, 3, k=3, padding=1, bias)
		{0, 1, 6, 6, 0, 1, 0, 2, 0, 0, 2, 2, 1, 1, 0, 0, 0, 1, 1, 1, 1, 0, 1}, // depthwise, stride 2
		{0, 0, 5, 7, 0, 1, 0, 3, 0, 0, 2, 1, 0, 0, 1, 1, 4, 0},                // depthwise 3x2, 'same', dilation 2
		{0, 2, 4, 4, 0, 1, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 7, 9},                // unknown padding mode
		{0, 0, 2, 2, 0, 1, 0, 0, 0, 0, 4, 4, 0, 0, 0, 0, 6},                   // kernel larger than the input
		{0, 0, 2, 2, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xF6, 0xF6, 0, 0}, // padding maxDim
		{1, 1, 2, 3, 0, 1, 0, 1, 0, 2},                                        // ChannelShuffle(groups=2)
		{1, 0, 1, 1, 0, 0, 5, 3, 1},                                           // unshuffle, groups not dividing C
		{2, 1, 3, 2, 0, 1, 0, 6, 2, 1, 0},                                     // channel-wise 'same', stride 2
		{2, 0, 2, 2, 0, 1, 0, 4, 3, 0, 1, 1, 2},                               // channel-wise, padding (1,2)
		{3, 1, 2, 2, 0, 1, 0, 1, 7, 3, 3},                                     // GroupChannelWise(8, 8, groups=2, d_c=4)
		{3, 1, 2, 2, 0, 1, 0, 1, 7, 1, 5},                                     // GroupChannelWise(8, 4, groups=2, d_c=6)
		{3, 0, 1, 1, 0, 1, 0, 3, 11, 0, 0},                                    // group channel-wise, uncovered input
		{4, 1, 5, 5, 0, 1, 0, 3, 2, 0, 2, 0},                                  // DWSChannelWise(4, k=3, d_c=3)
		{4, 0, 6, 6, 0, 1, 0, 3, 2, 1, 2, 1},                                  // DWS, 'same' with stride 2
		{5, 1, 2, 2, 0, 1, 0, 5, 3, 2, 1},                                     // Classifier(6, classes=4, size=3)
		{5, 0, 2, 2, 0, 1, 0, 2, 8, 2, 0},                                     // classifier, more classes than channels
		{0, 0, 0, 0, 14, 1},                                                   // rank 3 input
		{2, 0, 0, 0, 15, 1, 0, 0},                                             // rank 5 input
		{0xF0, 0xF1, 0xF7, 0xFD, 0, 0xF6, 0xFE, 0xFB, 0xFC, 0xF2, 0xFF, 0xF0}, // edge values
		{},
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		op, in := fuzzOp(data)
		checkFuzzOp(t, op, in, data)
	})
}

// checkFuzzOp checks the contract of op on input shape in: no panic,
// "conv:" errors, and, when the op accepts the shape and is small enough to
// run, a forward output of the promised shape with finite values and
// gradients of the right shapes consistent with the forward pass.
func checkFuzzOp(t *testing.T, op Op, in []int, data []byte) {
	_ = op.String()
	verr := op.Validate()
	params := op.Params()
	if verr == nil {
		// A valid spec must describe parameters that can be allocated.
		for _, p := range params {
			if _, err := tensor.NumElems(p.Shape); err != nil {
				t.Fatalf("%v: Validate passes but parameter %s has shape %v (%v)", op, p.Name, p.Shape, err)
			}
		}
	}
	out, err := op.OutputShape(in)
	h := fnv.New64a()
	h.Write(data)
	rng := rand.New(rand.NewPCG(h.Sum64(), 1))
	if err != nil {
		if !strings.HasPrefix(err.Error(), "conv: ") {
			t.Fatalf("%v on %v: error %q lacks the \"conv: \" prefix", op, in, err)
		}
		// Forward and Backward must refuse too, whatever they are given.
		x := tensorFor(rng, in)
		ps := paramsFor(rng, op)
		if y, err := op.Forward(x, ps...); err == nil || y != nil {
			t.Fatalf("%v on %v: OutputShape fails but Forward returns (%v, %v)", op, in, y, err)
		}
		if g, err := op.Backward(x, x, ps...); err == nil || g != nil {
			t.Fatalf("%v on %v: OutputShape fails but Backward returns (%v, %v)", op, in, g, err)
		}
		return
	}
	if verr != nil {
		t.Fatalf("%v: Validate fails (%v) but OutputShape(%v) succeeds", op, verr, in)
	}
	if len(out) != 4 {
		t.Fatalf("%v on %v: output shape %v is not 4-D", op, in, out)
	}
	for _, d := range out {
		if d < 1 {
			t.Fatalf("%v on %v: output shape %v has an empty dimension", op, in, out)
		}
	}
	if out[0] != in[0] {
		t.Fatalf("%v on %v: output batch %d, want %d", op, in, out[0], in[0])
	}
	// An accepted op must promise tensors that tensor.New can make;
	// otherwise Forward or Backward panics there.
	outN, err := tensor.NumElems(out)
	if err != nil {
		t.Fatalf("%v on %v: OutputShape returns %v, which tensor.New rejects (%v); Forward would panic", op, in, out, err)
	}
	inN, _ := tensor.NumElems(in) // OutputShape accepted in, so it is valid
	work := outN
	for _, p := range params {
		n, err := tensor.NumElems(p.Shape)
		if err != nil {
			t.Fatalf("%v on %v: accepted, but parameter %s has shape %v (%v)", op, in, p.Name, p.Shape, err)
		}
		if n > fuzzMaxElems {
			return
		}
		// The forward pass does at most outN·n multiply-adds and the input
		// gradient at most inN·n (each element gathers over the weights).
		work = max(work, outN*n, inN*n)
	}
	if inN > fuzzMaxElems || outN > fuzzMaxElems || work > fuzzMaxWork {
		return
	}

	x := tensorFor(rng, in)
	ps := paramsFor(rng, op)
	y, err := op.Forward(x, ps...)
	if err != nil {
		t.Fatalf("%v on %v: OutputShape succeeds but Forward fails: %v", op, in, err)
	}
	if !slices.Equal(y.Shape, out) || len(y.Data) != outN {
		t.Fatalf("%v on %v: Forward output shape %v (%d values), OutputShape said %v", op, in, y.Shape, len(y.Data), out)
	}
	for i, v := range y.Data {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			t.Fatalf("%v on %v: output %d is %v", op, in, i, v)
		}
	}
	r := tensorFor(rng, out)
	g, err := op.Backward(x, r, ps...)
	if err != nil {
		t.Fatalf("%v on %v: Backward fails: %v", op, in, err)
	}
	checkGradShapes(t, op, x, ps, g)
	checkEuler(t, op, x, ps, y, r, g)
}
