package conv

// Golden tests against PyTorch 1.13 (float64). The data in
// testdata/golden/ is written by scripts/golden.py (a dev-only script; this
// test does not need Python): for every case a directory of '<f8' .npy
// files — the input x, the parameters (w, b, or w and w2), a random upstream
// gradient dy, PyTorch's output y and its vector-Jacobian products dx, dw,
// db (dw2) — and one line in cases.json naming the op kind and the fields
// of the Go spec.
//
// Each case is checked twice:
//
//   - the float64 reference (internal/ref, reached through the spec's
//     unexported geometry method) forward and backward, at a tolerance of a
//     few float64 ulps of the sum of the absolute values of the terms;
//   - the public float32 path (Op.Forward / Op.Backward on float32 tensors
//     rounded from the same values), at a float32 tolerance that grows with
//     the number of terms summed.
//
// # Tolerances
//
// Every value compared here (an element of y, dx, dw, db) is exactly a sum
// of T products of P input values — P = 2 for a convolution (x·w, dy·w,
// dy·x), 1 for a bias gradient or a shuffle, 3 along the two stages of
// DWSChannelWise (x·w·w2). Write S for the same sum of absolute values.
// The test computes S and T element by element by running the float64
// reference on |x|, |w|, |dy| and on all-ones inputs: the operators are
// multilinear with non-negative structure, so those runs give exactly
// Σ|terms| and the number of terms (for DWSChannelWise, T is the number of
// paths, a·b, and a+b ≤ a·b+1 for its two stage lengths a and b).
//
// A term passes through at most T+P roundings in any summation order
// (P−1 multiplications, then the additions: at most T−1 in one stage, or
// a+b ≤ T+1 over two), so by the standard bound (Higham, Accuracy and
// Stability of Numerical Algorithms, §3.1) a float64 evaluation errs by at
// most γ(T+P)·S with γ(n) = n·u/(1−n·u), u = 2⁻⁵³ — whatever order and
// blocking PyTorch's or our loops use (FMA only helps). Both sides obey it,
// so
//
//	float64 reference:  |ref − torch| ≤ 2·γ₆₄(T+P)·S.
//
// This is tight where it matters: a wrong index, a padding off by one or a
// wrong sign changes an element by O(S), 10¹³ times the tolerance or more,
// while the bound allows for any correct summation order. A shuffle does
// no arithmetic and must match bit for bit (tolerance 0), as must every
// element whose terms are all zero (S = 0), e.g. the input rows a stride
// skips.
//
// The float32 path rounds each of the P factors of a term (relative error
// γ₃₂(P)), may accumulate in float32 (γ₃₂(T+P); today's public path uses
// the reference's float64 accumulation, a future fast kernel may not), and
// rounds its intermediate (DWSChannelWise) and final results to float32
// (≤ 2 more roundings). Hence, with PyTorch's own error added,
//
//	float32 public:  |got − torch| ≤ (γ₃₂(T + 2P + 2) + γ₆₄(T+P))·S,
//
// a function of the reduction length T: about (T+6)·6e-8 of S for a
// convolution.
//
// Relative errors are reported as |got − want| / max(|want|, 10⁻³·max|want|)
// so that an element that cancels to nearly zero does not read as a 100 %
// error; the check itself is the element-wise bound above.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/convkit/convkit/internal/geom"
	"github.com/convkit/convkit/internal/ref"
	"github.com/convkit/convkit/tensor"
)

const goldenDir = "../testdata/golden"

// goldenOps lists the op kinds of cases.json; each must have at least one
// case.
var goldenOps = []string{"conv2d", "shuffle", "channelwise", "groupchannelwise", "dwschannelwise", "classifier"}

type goldenIndex struct {
	Generator string       `json:"generator"`
	Torch     string       `json:"torch"`
	Seed      int64        `json:"seed"`
	Cases     []goldenCase `json:"cases"`
}

// goldenCase is one line of cases.json: the op kind, the union of the spec
// fields of all kinds (snake_case of the Go field names), the input shape
// and the parameter file stems in the order of the spec's Params.
type goldenCase struct {
	Name        string   `json:"name"`
	Op          string   `json:"op"`
	Description string   `json:"description"`
	Input       []int    `json:"input"`
	Params      []string `json:"params"`

	In         int             `json:"in"`
	Out        int             `json:"out"`
	KernelH    int             `json:"kernel_h"`
	KernelW    int             `json:"kernel_w"`
	StrideH    int             `json:"stride_h"`
	StrideW    int             `json:"stride_w"`
	DilationH  int             `json:"dilation_h"`
	DilationW  int             `json:"dilation_w"`
	Pad        json.RawMessage `json:"pad"` // [t,b,l,r] | "same" | "valid" (2-D); [front,back] | "same" (channels)
	Groups     int             `json:"groups"`
	Bias       bool            `json:"bias"`
	Inverse    bool            `json:"inverse"`
	Kernel     int             `json:"kernel"`
	Stride     int             `json:"stride"`
	ChanKernel int             `json:"chan_kernel"`
	Classes    int             `json:"classes"`
	Size       int             `json:"size"`
}

func goldenPad2D(raw json.RawMessage) (Padding, error) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		switch s {
		case "same":
			return Padding{Mode: Same}, nil
		case "valid":
			return Padding{Mode: Valid}, nil
		}
		return Padding{}, fmt.Errorf("unknown padding %q", s)
	}
	var p []int
	if err := json.Unmarshal(raw, &p); err != nil || len(p) != 4 {
		return Padding{}, fmt.Errorf("padding %s is not [top,bottom,left,right], \"same\" or \"valid\"", raw)
	}
	return Padding{Mode: Explicit, Top: p[0], Bottom: p[1], Left: p[2], Right: p[3]}, nil
}

func goldenChanPad(raw json.RawMessage) (ChanPadding, error) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if s == "same" {
			return ChanPadding{Same: true}, nil
		}
		return ChanPadding{}, fmt.Errorf("unknown channel padding %q", s)
	}
	var p []int
	if err := json.Unmarshal(raw, &p); err != nil || len(p) != 2 {
		return ChanPadding{}, fmt.Errorf("channel padding %s is not [front,back] or \"same\"", raw)
	}
	return ChanPadding{Front: p[0], Back: p[1]}, nil
}

// spec builds the Go spec of a case.
func (c goldenCase) spec() (Op, error) {
	switch c.Op {
	case "conv2d":
		p, err := goldenPad2D(c.Pad)
		if err != nil {
			return nil, err
		}
		return Conv2D{In: c.In, Out: c.Out, KernelH: c.KernelH, KernelW: c.KernelW,
			StrideH: c.StrideH, StrideW: c.StrideW, DilationH: c.DilationH, DilationW: c.DilationW,
			Padding: p, Groups: c.Groups, Bias: c.Bias}, nil
	case "shuffle":
		return Shuffle{Groups: c.Groups, Inverse: c.Inverse}, nil
	case "channelwise":
		p, err := goldenChanPad(c.Pad)
		if err != nil {
			return nil, err
		}
		return ChannelWise{In: c.In, Kernel: c.Kernel, Stride: c.Stride, Padding: p}, nil
	case "groupchannelwise":
		return GroupChannelWise{In: c.In, Out: c.Out, Groups: c.Groups, Kernel: c.Kernel}, nil
	case "dwschannelwise":
		p, err := goldenPad2D(c.Pad)
		if err != nil {
			return nil, err
		}
		return DWSChannelWise{In: c.In, Kernel: c.Kernel, Stride: c.Stride, Padding: p, ChanKernel: c.ChanKernel}, nil
	case "classifier":
		return Classifier{In: c.In, Classes: c.Classes, Size: c.Size}, nil
	}
	return nil, fmt.Errorf("unknown op %q", c.Op)
}

// goldenPass runs the float64 reference forward and backward: y = op(x, ps)
// and the gradients of ⟨dy, y⟩ with respect to x and every parameter.
type goldenPass func(x []float64, ps [][]float64, dy []float64) (y, dx []float64, dps [][]float64)

// goldenPassFor resolves op against the input shape through its unexported
// geometry and returns the reference pass. terms is P, the number of input
// factors in each term of a sum; exact is set for ops without arithmetic.
func goldenPassFor(op Op, in []int) (pass goldenPass, terms int, exact bool, err error) {
	type chanGeom interface {
		geometry([]int) (geom.Chan, error)
	}
	switch s := op.(type) {
	case Conv2D:
		g, err := s.geometry(in)
		if err != nil {
			return nil, 0, false, err
		}
		return func(x []float64, ps [][]float64, dy []float64) ([]float64, []float64, [][]float64) {
			var b, db []float64
			dps := [][]float64{make([]float64, g.WeightLen())}
			if s.Bias {
				b, db = ps[1], make([]float64, g.M)
				dps = append(dps, db)
			}
			y, dx := make([]float64, g.OutLen()), make([]float64, g.InLen())
			ref.ConvForward(g, x, ps[0], b, y)
			ref.ConvBackward(g, x, ps[0], dy, dx, dps[0], db)
			return y, dx, dps
		}, 2, false, nil
	case Shuffle:
		g, err := s.geometry(in)
		if err != nil {
			return nil, 0, false, err
		}
		return func(x []float64, _ [][]float64, dy []float64) ([]float64, []float64, [][]float64) {
			y, dx := make([]float64, g.Len()), make([]float64, g.Len())
			ref.ShuffleForward(g, x, y)
			ref.ShuffleBackward(g, dy, dx)
			return y, dx, nil
		}, 1, true, nil
	case ChannelWise, GroupChannelWise, Classifier:
		g, err := s.(chanGeom).geometry(in)
		if err != nil {
			return nil, 0, false, err
		}
		return func(x []float64, ps [][]float64, dy []float64) ([]float64, []float64, [][]float64) {
			y, dx, dw := make([]float64, g.OutLen()), make([]float64, g.InLen()), make([]float64, g.WeightLen())
			ref.ChanForward(g, x, ps[0], y)
			ref.ChanBackward(g, x, ps[0], dy, dx, dw)
			return y, dx, [][]float64{dw}
		}, 2, false, nil
	case DWSChannelWise:
		if err := s.Validate(); err != nil {
			return nil, 0, false, err
		}
		g1, err := s.Depthwise().geometry(in)
		if err != nil {
			return nil, 0, false, err
		}
		g2, err := s.ChannelWise().geometry([]int{g1.N, g1.M, g1.OH, g1.OW})
		if err != nil {
			return nil, 0, false, err
		}
		return func(x []float64, ps [][]float64, dy []float64) ([]float64, []float64, [][]float64) {
			mid, y := make([]float64, g1.OutLen()), make([]float64, g2.OutLen())
			ref.ConvForward(g1, x, ps[0], nil, mid)
			ref.ChanForward(g2, mid, ps[1], y)
			dmid, dw2 := make([]float64, g2.InLen()), make([]float64, g2.WeightLen())
			ref.ChanBackward(g2, mid, ps[1], dy, dmid, dw2)
			dx, dw1 := make([]float64, g1.InLen()), make([]float64, g1.WeightLen())
			ref.ConvBackward(g1, x, ps[0], dmid, dx, dw1, nil)
			return y, dx, [][]float64{dw1, dw2}
		}, 3, false, nil
	}
	return nil, 0, false, fmt.Errorf("no reference pass for %T", op)
}

// goldenArray is one array of a case.
type goldenArray struct {
	shape []int
	data  []float64
}

func goldenReadNPY(path string) (goldenArray, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return goldenArray{}, err
	}
	shape, data, err := tensor.ReadNPY64(bytes.NewReader(b))
	if err != nil {
		return goldenArray{}, fmt.Errorf("%s: %w", path, err)
	}
	return goldenArray{shape, data}, nil
}

// goldenGamma is Higham's γ(n) = n·u/(1−n·u).
func goldenGamma(n int, u float64) float64 {
	nu := float64(n) * u
	if nu >= 1 {
		return math.Inf(1)
	}
	return nu / (1 - nu)
}

const (
	goldenU64 = 0x1p-53 // unit roundoff of float64
	goldenU32 = 0x1p-24 // unit roundoff of float32
)

// goldenTol returns the element-wise tolerances of the float64 reference
// and of the float32 path (see the file comment) from S (abs) and T
// (count), for P factors per term.
func goldenTol(abs, count []float64, p int, exact bool) (tol64, tol32 []float64) {
	tol64, tol32 = make([]float64, len(abs)), make([]float64, len(abs))
	for i, s := range abs {
		t := int(count[i])
		if !exact {
			tol64[i] = 2 * goldenGamma(t+p, goldenU64) * s
		}
		tol32[i] = (goldenGamma(t+2*p+2, goldenU32) + goldenGamma(t+p, goldenU64)) * s
	}
	return tol64, tol32
}

// goldenCmp describes how got differs from want.
type goldenCmp struct {
	maxAbs, maxRel, maxRatio float64 // ratio = |err|/tol (0/0 = 0)
	norm                     float64 // normwise: maxAbs / max|want|
	absAt, relAt, ratioAt    int
	bad                      int // elements over the tolerance (NaN included)
}

func compareGolden(got, want, tol []float64) goldenCmp {
	var st goldenCmp
	peak := 0.0 // max|want|
	for _, w := range want {
		peak = max(peak, math.Abs(w))
	}
	floor := 1e-3 * peak
	for i := range want {
		d := math.Abs(got[i] - want[i])
		if !(d <= tol[i]) { // catches NaN
			st.bad++
		}
		if d > st.maxAbs || d != d {
			st.maxAbs, st.absAt = d, i
		}
		rel, ratio := 0.0, 0.0
		if d != 0 {
			rel = d / max(math.Abs(want[i]), floor) // +Inf only if want is all zeros
			ratio = d / tol[i]                      // +Inf where tol is 0
		}
		if rel > st.maxRel || rel != rel {
			st.maxRel, st.relAt = rel, i
		}
		if ratio > st.maxRatio || ratio != ratio {
			st.maxRatio, st.ratioAt = ratio, i
		}
	}
	if st.maxAbs != 0 {
		st.norm = st.maxAbs / peak
	}
	return st
}

// goldenUnravel turns a flat index into a multi-index of shape.
func goldenUnravel(i int, shape []int) []int {
	idx := make([]int, len(shape))
	for k := len(shape) - 1; k >= 0; k-- {
		if shape[k] > 0 {
			idx[k], i = i%shape[k], i/shape[k]
		}
	}
	return idx
}

// goldenWorst records the largest error seen for one op kind and path.
type goldenWorst struct {
	rel, norm, ratio float64
	where            string // of the worst rel
}

func (w *goldenWorst) add(st goldenCmp, where string) {
	if st.maxRel > w.rel || w.where == "" {
		w.rel, w.where = st.maxRel, where
	}
	w.norm = max(w.norm, st.norm)
	w.ratio = max(w.ratio, st.maxRatio)
}

type goldenSummary struct {
	listed, cases, tensors int // cases in cases.json, cases run, tensors compared
	f64, f32               goldenWorst
}

func TestGolden(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(goldenDir, "cases.json"))
	if err != nil {
		t.Fatalf("golden data missing (regenerate with /usr/bin/python3 scripts/golden.py): %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var idx goldenIndex
	if err := dec.Decode(&idx); err != nil {
		t.Fatalf("cases.json: %v", err)
	}
	if len(idx.Cases) == 0 {
		t.Fatal("cases.json lists no cases")
	}

	summary := map[string]*goldenSummary{}
	for _, op := range goldenOps {
		summary[op] = &goldenSummary{}
	}
	names := map[string]bool{}
	for _, c := range idx.Cases {
		if c.Name == "" || strings.ContainsAny(c.Name, `/\.`) || names[c.Name] {
			t.Errorf("cases.json: bad or duplicate case name %q", c.Name)
			continue
		}
		names[c.Name] = true
		if sum := summary[c.Op]; sum != nil {
			sum.listed++
		}
		t.Run(c.Name, func(t *testing.T) {
			sum := summary[c.Op]
			if sum == nil {
				t.Fatalf("case %s: unknown op %q", c.Name, c.Op)
			}
			sum.cases++
			goldenRun(t, c, sum)
		})
	}

	// Every op kind is covered, and no case directory is left unlisted.
	for _, op := range goldenOps {
		if summary[op].listed == 0 {
			t.Errorf("cases.json has no %s case", op)
		}
	}
	ents, err := os.ReadDir(goldenDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.IsDir() && !names[e.Name()] {
			t.Errorf("testdata/golden/%s is not listed in cases.json", e.Name())
		}
	}

	t.Logf("golden data: %s, torch %s, seed %d, %d cases", idx.Generator, idx.Torch, idx.Seed, len(idx.Cases))
	for _, op := range goldenOps {
		s := summary[op]
		if s.cases == 0 {
			continue
		}
		t.Logf("%-16s %2d cases %3d tensors | float64 ref: rel %.2g (%s), normwise %.2g, ≤ %.2g·tol | float32 public: rel %.2g (%s), normwise %.2g, ≤ %.2g·tol",
			op, s.cases, s.tensors, s.f64.rel, s.f64.where, s.f64.norm, s.f64.ratio, s.f32.rel, s.f32.where, s.f32.norm, s.f32.ratio)
	}
}

func goldenRun(t *testing.T, c goldenCase, sum *goldenSummary) {
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("case %s (%s): %s", c.Name, c.Op, fmt.Sprintf(format, args...))
	}
	op, err := c.spec()
	if err != nil {
		fail("%v", err)
	}
	outShape, err := op.OutputShape(c.Input)
	if err != nil {
		fail("spec %v rejects input %v: %v", op, c.Input, err)
	}
	pass, p, exact, err := goldenPassFor(op, c.Input)
	if err != nil {
		fail("%v", err)
	}

	// Load the case: exactly the expected files, with the expected shapes.
	specParams := op.Params()
	if len(c.Params) != len(specParams) {
		fail("cases.json lists params %q, spec %v has %d", c.Params, op, len(specParams))
	}
	wantShapes := map[string][]int{"x": c.Input, "dy": outShape, "y": outShape, "dx": c.Input}
	for i, stem := range c.Params {
		wantShapes[stem] = specParams[i].Shape
		wantShapes["d"+stem] = specParams[i].Shape
	}
	dir := filepath.Join(goldenDir, c.Name)
	ents, err := os.ReadDir(dir)
	if err != nil {
		fail("%v", err)
	}
	for _, e := range ents {
		if _, ok := wantShapes[strings.TrimSuffix(e.Name(), ".npy")]; !ok || !strings.HasSuffix(e.Name(), ".npy") {
			fail("unexpected file %s", filepath.Join(dir, e.Name()))
		}
	}
	arr := map[string]goldenArray{}
	for stem, shape := range wantShapes {
		a, err := goldenReadNPY(filepath.Join(dir, stem+".npy"))
		if err != nil {
			fail("%v", err)
		}
		if !slices.Equal(a.shape, shape) {
			fail("%s.npy has shape %v, the Go spec %v wants %v", stem, a.shape, op, shape)
		}
		arr[stem] = a
	}

	x, dy := arr["x"].data, arr["dy"].data
	ps := make([][]float64, len(c.Params))
	for i, stem := range c.Params {
		ps[i] = arr[stem].data
	}
	// The tensors to compare, in order: y, dx, then each parameter gradient.
	tnames := append([]string{"y", "dx"}, goldenPrefix("d", c.Params)...)
	want := make([][]float64, len(tnames))
	for i, n := range tnames {
		want[i] = arr[n].data
	}
	flat := func(y, dx []float64, dps [][]float64) [][]float64 { return append([][]float64{y, dx}, dps...) }

	// Float64 reference, and the S (|inputs|) and T (all-ones) runs.
	got64 := flat(pass(x, ps, dy))
	abs := flat(pass(goldenMap(x, math.Abs), goldenMapEach(ps, math.Abs), goldenMap(dy, math.Abs)))
	one := func(float64) float64 { return 1 }
	count := flat(pass(goldenMap(x, one), goldenMapEach(ps, one), goldenMap(dy, one)))

	// Public float32 path.
	x32 := goldenTo32(t, x, c.Input)
	ps32 := make([]*tensor.Tensor, len(ps))
	for i := range ps {
		ps32[i] = goldenTo32(t, ps[i], specParams[i].Shape)
	}
	y32, err := op.Forward(x32, ps32...)
	if err != nil {
		fail("Forward: %v", err)
	}
	g32, err := op.Backward(x32, goldenTo32(t, dy, outShape), ps32...)
	if err != nil {
		fail("Backward: %v", err)
	}
	if len(g32.Params) != len(ps) {
		fail("Backward returned %d parameter gradients, want %d", len(g32.Params), len(ps))
	}
	got32 := [][]float64{goldenTo64(y32), goldenTo64(g32.X)}
	for _, g := range g32.Params {
		got32 = append(got32, goldenTo64(g))
	}

	for i, name := range tnames {
		shape := arr[name].shape
		tol64, tol32 := goldenTol(abs[i], count[i], p, exact)
		for _, path := range []struct {
			name string
			got  []float64
			tol  []float64
			w    *goldenWorst
		}{{"float64 reference", got64[i], tol64, &sum.f64}, {"float32 public", got32[i], tol32, &sum.f32}} {
			if len(path.got) != len(want[i]) {
				t.Errorf("case %s (%s), %s, %s: %d values, want %d", c.Name, c.Op, name, path.name, len(path.got), len(want[i]))
				continue
			}
			st := compareGolden(path.got, want[i], path.tol)
			path.w.add(st, c.Name+"/"+name)
			if st.bad > 0 {
				k := st.ratioAt
				t.Errorf("case %s (%s, %v), tensor %s %v, %s: %d of %d elements exceed the tolerance;\n"+
					"\tmax abs err %.3g at %v (got %.17g, want %.17g)\n"+
					"\tmax rel err %.3g at %v (got %.17g, want %.17g)\n"+
					"\tworst err/tol %.3g at %v: tol %.3g from %d terms, Σ|terms| %.4g",
					c.Name, c.Op, op, name, shape, path.name, st.bad, len(want[i]),
					st.maxAbs, goldenUnravel(st.absAt, shape), path.got[st.absAt], want[i][st.absAt],
					st.maxRel, goldenUnravel(st.relAt, shape), path.got[st.relAt], want[i][st.relAt],
					st.maxRatio, goldenUnravel(k, shape), path.tol[k], int(count[i][k]), abs[i][k])
			}
		}
		sum.tensors++
	}
}

func goldenPrefix(p string, ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = p + s
	}
	return out
}

func goldenMap(v []float64, f func(float64) float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = f(x)
	}
	return out
}

func goldenMapEach(vs [][]float64, f func(float64) float64) [][]float64 {
	out := make([][]float64, len(vs))
	for i, v := range vs {
		out[i] = goldenMap(v, f)
	}
	return out
}

func goldenTo32(t *testing.T, v []float64, shape []int) *tensor.Tensor {
	t.Helper()
	d := make([]float32, len(v))
	for i, x := range v {
		d[i] = float32(x)
	}
	ts, err := tensor.FromData(d, shape...)
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

func goldenTo64(ts *tensor.Tensor) []float64 {
	if ts == nil {
		return nil
	}
	out := make([]float64, len(ts.Data))
	for i, x := range ts.Data {
		out[i] = float64(x)
	}
	return out
}
