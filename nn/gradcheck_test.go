package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/convkit/convkit/tensor"
)

// Finite-difference gradient checks.
//
// The layers compute in float32, so the checks use the scalar loss
// L = Σ_i y_i·r_i with a fixed random r (accumulated in float64), whose
// gradient with respect to the output is exactly r. Each input or
// parameter element v is moved to float32(v ± h) and the derivative is
// (L₊ − L₋)/(v₊ − v₋) using the perturbations actually applied after
// rounding to float32. The error is measured norm-wise over a whole tensor,
// ‖g_fd − g‖/‖g‖, because a single component may be dominated by float32
// rounding of L (about 1e-7·Σ|y·r| ≈ 1e-6 here, divided by 2h) while the
// vector as a whole is accurate to ~1e-4.

// gradTol is the norm-wise relative tolerance. Central differences have
// truncation error O(h²) and float32 noise O(u/h) (u = 2⁻²⁴), worst where
// BatchNorm in training mode spreads one perturbation over a whole
// channel. Measured: single layers (h = 1e-2) 1e-15 to 4e-5; composed
// models (h = 1e-3, since with BatchNorm every ReLU input moves and larger
// steps cross too many kinks) 3e-4 to 1.4e-3 over 15 seeds. A wrong
// gradient (a 10% scale error, one corrupted component among 108, a
// missing term) measures ≥ 1.7e-2, see TestGradCheckCatchesBugs.
const gradTol = 5e-3

// gradCase configures one check.
type gradCase struct {
	h      float64 // relative step; 1e-2 unless set
	before func()  // called before every Forward (e.g. to re-seed dropout)
}

func (gc gradCase) step() float64 {
	if gc.h == 0 {
		return 1e-2
	}
	return gc.h
}

// gradReport holds the relative error of each checked tensor ("x" for the
// input, then the parameter names) and how many elements were skipped at
// kinks.
type gradReport struct {
	names          []string
	errs           []float64
	skipped, total int
}

func (r gradReport) String() string {
	s := ""
	for i, n := range r.names {
		s += fmt.Sprintf(" %s=%.1e", n, r.errs[i])
	}
	if r.skipped > 0 {
		s += fmt.Sprintf(" (%d of %d elements skipped at kinks)", r.skipped, r.total)
	}
	return s
}

func (r gradReport) max() float64 {
	m := 0.0
	for _, e := range r.errs {
		m = max(m, e)
	}
	return m
}

// fdLoss returns Σ y·r in float64 after a Forward of l on x.
func fdLoss(t *testing.T, l Layer, x, r *tensor.Tensor, gc gradCase) float64 {
	t.Helper()
	if gc.before != nil {
		gc.before()
	}
	y, err := l.Forward(x)
	if err != nil {
		t.Fatal(err)
	}
	s := 0.0
	for i, v := range y.Data {
		s += float64(v) * float64(r.Data[i])
	}
	return s
}

// numGrad returns the central-difference gradient of fdLoss with respect
// to every element of v, and which elements to skip because the
// perturbation moved a ReLU input across its kink or changed the winner of
// a max-pooling window (see kinks): there the loss is not differentiable at
// the scale of the step and the central difference means nothing.
func numGrad(t *testing.T, l Layer, x, r *tensor.Tensor, v []float32, gc gradCase) (g []float64, skip []bool) {
	t.Helper()
	fdLoss(t, l, x, r, gc)
	base := kinks(l)
	g, skip = make([]float64, len(v)), make([]bool, len(v))
	for i, old := range v {
		step := gc.step() * max(1, math.Abs(float64(old)))
		v[i] = float32(float64(old) + step)
		up := float64(v[i])
		lp := fdLoss(t, l, x, r, gc)
		skip[i] = !slices.Equal(kinks(l), base)
		v[i] = float32(float64(old) - step)
		down := float64(v[i])
		lm := fdLoss(t, l, x, r, gc)
		skip[i] = skip[i] || !slices.Equal(kinks(l), base)
		v[i] = old
		g[i] = (lp - lm) / (up - down)
	}
	return g, skip
}

// kinks returns the discrete state of the model's last Forward: on which
// side of its kinks every ReLU and ReLU6 input lies, and the winner of
// every MaxPool2d window.
func kinks(l Layer) []int32 {
	var s []int32
	_ = Walk(l, func(_ string, l Layer) error {
		switch l := l.(type) {
		case *ReLU: // its output is > 0 exactly where its input is
			for _, v := range l.y.Data {
				s = append(s, b2i(v > 0))
			}
		case *ReLU6:
			for _, v := range l.x.Data {
				s = append(s, b2i(v > 0)+2*b2i(v < 6))
			}
		case *MaxPool2d:
			s = append(s, l.arg...)
		}
		return nil
	})
	return s
}

func b2i(b bool) int32 {
	if b {
		return 1
	}
	return 0
}

// relErr returns ‖fd − g‖/max(‖g‖, floor·√n) over the n elements not
// skipped. The floor (see checkLayerGrad) keeps a gradient that is zero or
// tiny in exact arithmetic — a convolution bias before BatchNorm — from
// turning float32 noise into a huge relative error.
func relErr(fd []float64, g []float32, skip []bool, floor float64) float64 {
	var num, den, n float64
	for i := range fd {
		if skip[i] {
			continue
		}
		d := fd[i] - float64(g[i])
		num += d * d
		den += float64(g[i]) * float64(g[i])
		n++
	}
	return math.Sqrt(num) / max(math.Sqrt(den), floor*math.Sqrt(n))
}

// analytic runs Forward and Backward with dy = r on fresh gradients and
// returns dx and copies of every parameter gradient.
func analytic(t *testing.T, l Layer, x, r *tensor.Tensor, gc gradCase) (*tensor.Tensor, []NamedParam, [][]float32) {
	t.Helper()
	ZeroGrad(l)
	if gc.before != nil {
		gc.before()
	}
	y, err := l.Forward(x)
	if err != nil {
		t.Fatal(err)
	}
	if !tensor.SameShape(y.Shape, r.Shape) {
		t.Fatalf("output %v, r %v", y.Shape, r.Shape)
	}
	dx, err := l.Backward(r)
	if err != nil {
		t.Fatal(err)
	}
	ps := NamedParams(l)
	grads := make([][]float32, len(ps))
	for i, p := range ps {
		grads[i] = slices.Clone(p.Grad.Data)
	}
	return dx.Clone(), ps, grads
}

// checkLayerGrad compares every gradient of l at x with central
// differences and returns the per-tensor errors.
func checkLayerGrad(t *testing.T, l Layer, x *tensor.Tensor, gc gradCase) gradReport {
	t.Helper()
	rng := rand.New(rand.NewPCG(7, 7))
	if gc.before != nil {
		gc.before()
	}
	y, err := l.Forward(x)
	if err != nil {
		t.Fatal(err)
	}
	r := randTensor(rng, y.Shape...)
	dx, ps, grads := analytic(t, l, x, r, gc)

	// A tensor whose gradient is far below the model's typical gradient
	// (RMS over every analytic component, input included) is judged
	// against a tenth of that RMS instead of its own norm: a central
	// difference of float32 losses resolves about 1e-5 (h = 1e-2) to 1e-4
	// (h = 1e-3) of the typical gradient, so smaller components are noise.
	var ss, cnt float64
	for _, g := range append(grads, dx.Data) {
		for _, v := range g {
			ss += float64(v) * float64(v)
			cnt++
		}
	}
	floor := 0.1 * math.Sqrt(ss/cnt)

	var rep gradReport
	add := func(name string, v, g []float32) {
		fd, skip := numGrad(t, l, x, r, v, gc)
		rep.names = append(rep.names, name)
		rep.errs = append(rep.errs, relErr(fd, g, skip, floor))
		for _, s := range skip {
			rep.total++
			if s {
				rep.skipped++
			}
		}
	}
	add("x", x.Data, dx.Data)
	for i, p := range ps {
		add(p.Name, p.Value.Data, grads[i])
	}
	return rep
}

// requireGrad runs checkLayerGrad and fails above gradTol or when kinks
// made more than a quarter of the elements uncheckable.
func requireGrad(t *testing.T, l Layer, x *tensor.Tensor, gc gradCase) {
	t.Helper()
	rep := checkLayerGrad(t, l, x, gc)
	t.Logf("relative errors:%v", rep)
	if rep.max() > gradTol {
		t.Errorf("gradient check failed (tolerance %g):%v", gradTol, rep)
	}
	if rep.skipped*4 > rep.total {
		t.Errorf("%d of %d elements skipped at kinks", rep.skipped, rep.total)
	}
}

// randTensor returns a tensor of standard normal values.
func randTensor(rng *rand.Rand, shape ...int) *tensor.Tensor {
	x := tensor.New(shape...)
	for i := range x.Data {
		x.Data[i] = float32(rng.NormFloat64())
	}
	return x
}

// awayFromKinks returns a normal tensor whose values are at least margin
// away from each point in kinks (for ReLU-like layers, where a central
// difference straddling a kink is meaningless).
func awayFromKinks(rng *rand.Rand, margin float64, kinks []float64, scale float64, shape ...int) *tensor.Tensor {
	x := tensor.New(shape...)
	for i := range x.Data {
	draw:
		v := scale * rng.NormFloat64()
		for _, k := range kinks {
			if math.Abs(v-k) < margin {
				goto draw
			}
		}
		x.Data[i] = float32(v)
	}
	return x
}

// distinctValues returns a tensor holding a random permutation of values
// spaced gap apart and centred on 0, so that every pooling window has a
// unique maximum that a perturbation of ±h < gap/2 cannot change.
func distinctValues(rng *rand.Rand, gap float64, shape ...int) *tensor.Tensor {
	x := tensor.New(shape...)
	perm := rng.Perm(len(x.Data))
	for i, p := range perm {
		x.Data[i] = float32(gap * (float64(p) - float64(len(perm))/2))
	}
	return x
}

// buggy wraps a layer and corrupts its gradients, to show that the
// checker catches wrong gradients.
type buggy struct {
	Layer
	scaleDx    float32 // multiplies the input gradient
	paramDelta float32 // added to the first parameter gradient's element 0
}

func (b *buggy) Backward(dy *tensor.Tensor) (*tensor.Tensor, error) {
	dx, err := b.Layer.Backward(dy)
	if err != nil {
		return nil, err
	}
	out := dx.Clone()
	for i := range out.Data {
		out.Data[i] *= b.scaleDx
	}
	if ps := b.Layer.Params(); len(ps) > 0 {
		ps[0].Grad.Data[0] += b.paramDelta
	}
	return out, nil
}

func TestGradCheckCatchesBugs(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	x := randTensor(rng, 2, 3, 5, 5)
	newConv := func() Layer { return MustConv(convSpec3x3(3, 4), rand.New(rand.NewPCG(3, 4))) }

	good := checkLayerGrad(t, newConv(), x, gradCase{})
	if good.max() > gradTol {
		t.Fatalf("correct layer fails: %v", good)
	}
	// A 10% error in the input gradient.
	dxBug := checkLayerGrad(t, &buggy{Layer: newConv(), scaleDx: 1.1}, x, gradCase{})
	if dxBug.errs[0] < 5e-2 {
		t.Errorf("10%% input-gradient error reported as %.1e", dxBug.errs[0])
	}
	// One wrong weight-gradient component (+1) out of 108.
	wBug := checkLayerGrad(t, &buggy{Layer: newConv(), scaleDx: 1, paramDelta: 1}, x, gradCase{})
	if wBug.errs[1] < gradTol {
		t.Errorf("one corrupted weight-gradient element reported as %.1e", wBug.errs[1])
	}
	if wBug.errs[0] > gradTol {
		t.Errorf("input gradient of a layer with only a weight bug reported as %.1e", wBug.errs[0])
	}
	t.Logf("correct:%v; dx scaled by 1.1:%v; dw[0] off by 1:%v", good, dxBug, wBug)
}
