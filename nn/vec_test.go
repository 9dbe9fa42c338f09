package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/convkit/convkit/internal/asm"
)

// withVec runs f with the assembly plane kernels on (when this build and
// CPU have them) and off, passing which.
func withVec(t *testing.T, f func(t *testing.T, vec bool)) {
	t.Helper()
	prev := asm.SetUseAsm(false)
	defer asm.SetUseAsm(prev)
	f(t, false)
	asm.SetUseAsm(true)
	if !useVec() {
		t.Log("no AVX2 plane kernels on this build or CPU")
		return
	}
	f(t, true)
}

// awkwardPlane returns n values around 0.5 with, every few elements, the
// special values the ReLU and BatchNorm kernels must treat exactly: ±0,
// ±Inf, NaN, denormals.
func awkwardPlane(rng *rand.Rand, n int, specials bool) []float32 {
	s := make([]float32, n)
	sp := []float32{0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)),
		float32(math.NaN()), 1e-40, -1e-40}
	for i := range s {
		s[i] = float32(0.5 + rng.NormFloat64())
		if specials && rng.IntN(5) == 0 {
			s[i] = sp[rng.IntN(len(sp))]
		}
	}
	return s
}

// planeLens are lengths that exercise the 32-, 16-, 8-wide loops and the
// scalar tails, and the plane sizes of 28×28 networks.
var planeLens = []int{0, 1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 49, 63, 64, 65, 196, 784}

func sameBits(a, b []float32) int {
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) && !(a[i] != a[i] && b[i] != b[i]) {
			return i
		}
	}
	return -1
}

// TestPlaneElementwise checks that the assembly element-wise kernels give
// the Go twins' results bit for bit (NaN for NaN), special values included.
func TestPlaneElementwise(t *testing.T) {
	withVec(t, func(t *testing.T, vec bool) {
		rng := rand.New(rand.NewPCG(7, 7))
		for _, n := range planeLens {
			x, g, z := awkwardPlane(rng, n, true), awkwardPlane(rng, n, true), awkwardPlane(rng, n, true)
			for i := range z {
				z[i] = relu(z[i])
			}
			mu, s, tt := float32(0.3), float32(1.7), float32(-0.2)
			if n%2 == 1 { // the identity, so that the specials (±0) reach the ReLU
				mu, s, tt = 0, 1, 0
			}
			a, c0, k := float32(0.9), float32(0.05), float32(-0.4)
			check := func(name string, got func(out []float32), want func(out []float32)) {
				gw, ww := make([]float32, n+1), make([]float32, n+1)
				gw[n], ww[n] = 42, 42 // must stay untouched
				got(gw[:n])
				want(ww[:n])
				if i := sameBits(gw, ww); i >= 0 {
					t.Errorf("vec %v, n %d: %s[%d] = %g, want %g", vec, n, name, i, gw[i], ww[i])
				}
			}
			check("normalize", func(o []float32) { planeNormalize(o, x, mu, s, tt, false) },
				func(o []float32) { normalize(o, x, mu, s, tt) })
			check("normalizeReLU", func(o []float32) { planeNormalize(o, x, mu, s, tt, true) },
				func(o []float32) { normalizeReLU(o, x, mu, s, tt) })
			check("relu", func(o []float32) { planeReLU(o, x) }, func(o []float32) { reluForward(o, x) })
			check("reluGrad", func(o []float32) { planeReLUGrad(o, g, z) }, func(o []float32) { reluBackward(o, g, z) })
			check("gradInput", func(o []float32) { planeGradInput(o, g, x, a, c0, k, mu, s, tt, false) },
				func(o []float32) { gradInput(o, g, x, a, c0, k, mu) })
			check("gradInputReLU", func(o []float32) { planeGradInput(o, g, x, a, c0, k, mu, s, tt, true) },
				func(o []float32) { gradInputReLU(o, g, x, a, c0, k, mu, s, tt) })
			// The recomputed mask is the forward's: where normalizeReLU passed.
			fwd := make([]float32, n)
			normalizeReLU(fwd, x, mu, s, tt)
			check("gradInputReLU vs forward mask", func(o []float32) { planeGradInput(o, g, x, a, c0, k, mu, s, tt, true) },
				func(o []float32) {
					for i := range o {
						o[i] = a*masked(g[i], passMask(fwd[i])) - c0 - k*(x[i]-mu)
					}
				})
		}
	})
}

// TestReLUSpecialValues pins the ReLU semantics on ±0 and NaN.
func TestReLUSpecialValues(t *testing.T) {
	withVec(t, func(t *testing.T, vec bool) {
		nan := float32(math.NaN())
		x := []float32{-1, float32(math.Copysign(0, -1)), 0, 2, nan, float32(math.Inf(-1)), float32(math.Inf(1)), 3, 4}
		y := make([]float32, len(x))
		planeReLU(y, x)
		want := []float32{0, 0, 0, 2, nan, 0, float32(math.Inf(1)), 3, 4}
		if i := sameBits(y, want); i >= 0 {
			t.Errorf("vec %v: relu(%g) = %g, want %g", vec, x[i], y[i], want[i])
		}
		if math.Signbit(float64(y[1])) {
			t.Errorf("vec %v: relu(−0) = −0, want +0", vec)
		}
		dy := []float32{1, 1, 1, 1, 1, 1, 1, 1, 1}
		dx := make([]float32, len(x))
		planeReLUGrad(dx, dy, y)
		wantDX := []float32{0, 0, 0, 1, 1, 0, 1, 1, 1} // passes where x > 0 or NaN
		if i := sameBits(dx, wantDX); i >= 0 {
			t.Errorf("vec %v: relu gradient at x = %g is %g, want %g", vec, x[i], dx[i], wantDX[i])
		}
	})
}

// TestPlaneSums checks the plane sums against float64 references: the
// assembly sums in float32, so within a few float32 ulps of the sum of
// magnitudes.
func TestPlaneSums(t *testing.T) {
	withVec(t, func(t *testing.T, vec bool) {
		rng := rand.New(rand.NewPCG(8, 8))
		for _, n := range planeLens {
			x, g := awkwardPlane(rng, n, false), awkwardPlane(rng, n, false)
			const k, mu, sc, sh = 0.4, 0.45, 1.3, -0.1
			var ws, wsq, mag, wg, wgx, wgm, wgxm, magG float64
			for i := range x {
				d := float64(x[i]) - float64(float32(k))
				ws += d
				wsq += d * d
				mag += math.Abs(d) + d*d
				gi := float64(g[i])
				dm := float64(x[i]) - float64(float32(mu))
				wg += gi
				wgx += gi * dm
				magG += math.Abs(gi) * (1 + math.Abs(dm))
				if bnOut(x[i], mu, sc, sh) > 0 {
					wgm += gi
					wgxm += gi * dm
				}
			}
			tol := 1e-6*mag + 1e-30
			tolG := 1e-6*magG + 1e-30
			s, sq := planeMoments(x, k)
			if math.Abs(s-ws) > tol || math.Abs(sq-wsq) > tol {
				t.Errorf("vec %v, n %d: moments %g %g, want %g %g", vec, n, s, sq, ws, wsq)
			}
			a, b := planeGradSums(g, x, mu, sc, sh, false)
			if math.Abs(a-wg) > tolG || math.Abs(b-wgx) > tolG {
				t.Errorf("vec %v, n %d: grad sums %g %g, want %g %g", vec, n, a, b, wg, wgx)
			}
			a, b = planeGradSums(g, x, mu, sc, sh, true)
			if math.Abs(a-wgm) > tolG || math.Abs(b-wgxm) > tolG {
				t.Errorf("vec %v, n %d: masked grad sums %g %g, want %g %g", vec, n, a, b, wgm, wgxm)
			}
		}
	})
}

// TestBatchNormPaths checks that BatchNorm2d with the assembly kernels
// agrees with the Go twins, fused with a ReLU or not, forward and
// backward, on a Fashion-MNIST-sized activation whose mean is far from 0.
func TestBatchNormPaths(t *testing.T) {
	run := func(fuse bool) (y, dx, gw, gb, rv []float32) {
		rng := rand.New(rand.NewPCG(5, 5))
		b, r := MustBatchNorm2d(6), &ReLU{}
		for i := range 6 {
			b.weight.Value.Data[i] = float32(1 + 0.3*rng.NormFloat64())
			b.bias.Value.Data[i] = float32(0.2 * rng.NormFloat64())
		}
		x := randTensor(rng, 5, 6, 7, 7)
		for i := range x.Data {
			x.Data[i] = 40 + 0.5*x.Data[i] // |mean| ≫ std
		}
		dy := randTensor(rng, 5, 6, 7, 7)
		if !fuse {
			r = nil
		}
		out, err := b.forward(x, r)
		if err != nil {
			t.Fatal(err)
		}
		d, err := b.backward(dy, r)
		if err != nil {
			t.Fatal(err)
		}
		return append([]float32(nil), out.Data...), append([]float32(nil), d.Data...),
			append([]float32(nil), b.weight.Grad.Data...), append([]float32(nil), b.bias.Grad.Data...),
			append([]float32(nil), b.runVar.Value.Data...)
	}
	for _, fuse := range []bool{false, true} {
		prev := asm.SetUseAsm(false)
		y0, dx0, gw0, gb0, rv0 := run(fuse)
		asm.SetUseAsm(true)
		y1, dx1, gw1, gb1, rv1 := run(fuse)
		asm.SetUseAsm(prev)
		for _, c := range []struct {
			name string
			a, b []float32
			tol  float64
		}{{"y", y0, y1, 1e-5}, {"dx", dx0, dx1, 1e-5}, {"weight grad", gw0, gw1, 1e-4}, {"bias grad", gb0, gb1, 1e-4}, {"running_var", rv0, rv1, 1e-6}} {
			for i := range c.a {
				if d := math.Abs(float64(c.a[i] - c.b[i])); d > c.tol {
					t.Errorf("fused %v: %s[%d]: Go %g, assembly %g", fuse, c.name, i, c.a[i], c.b[i])
					break
				}
			}
		}
	}
}
