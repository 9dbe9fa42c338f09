package nn

import (
	"math"

	"github.com/convkit/convkit/internal/asm"
)

// Element-wise kernels of BatchNorm2d, ReLU and GlobalAvgPool over one
// contiguous plane (a channel's H·W values of one image, or a chunk of a
// tensor).
//
// The plane* functions dispatch to AVX2 assembly (vec_amd64.s) where the
// CPU has it and package asm's switch allows it (CONVKIT_IMPL=generic and
// asm.SetUseAsm(false) turn it off, as for the convolution kernels), else
// to their Go twins below. The assembly computes the element-wise results
// operation for operation as the twins do, so those are identical; its
// sums are float32 over the plane (eight lanes by four partial sums, about
// 25 terms each for a 28×28 plane) where the twins sum in float64. Callers
// add the plane sums of a channel in float64.
//
// The Go twins are unrolled by four with independent accumulators, so
// that a sum is not one chain of dependent additions, and slice the
// operands to fixed lengths so that the compiler drops the bounds checks.

// useVec reports whether the plane kernels run the assembly.
func useVec() bool { return haveVec && asm.UsingAsm() }

// planeMoments returns Σ (x − k) and Σ (x − k)²; see moments64.
func planeMoments(x []float32, k float32) (s, sq float64) {
	if len(x) > 0 && useVec() {
		s32, sq32 := momentsAVX2(&x[0], len(x), k)
		return float64(s32), float64(sq32)
	}
	return moments64(x, float64(k))
}

// planeNormalize sets y = (x − mu)·s + t, clamped at 0 with relu.
func planeNormalize(y, x []float32, mu, s, t float32, relu bool) {
	if len(x) == 0 {
		return
	}
	y = y[:len(x)]
	switch {
	case useVec():
		normAVX2(&y[0], &x[0], len(x), mu, s, t, relu)
	case relu:
		normalizeReLU(y, x, mu, s, t)
	default:
		normalize(y, x, mu, s, t)
	}
}

// planeGradSums returns Σ g and Σ g·(x − mu) for a BatchNorm2d whose
// forward computed bnOut(x, mu, s, t); with relu, g is masked where the
// ReLU after it passed, recomputed from x (see gradSumsReLU).
func planeGradSums(g, x []float32, mu, s, t float32, relu bool) (sg, sgx float64) {
	if len(g) == 0 {
		return 0, 0
	}
	x = x[:len(g)]
	switch {
	case useVec():
		a, b := gradSumsAVX2(&g[0], &x[0], len(g), mu, s, t, relu)
		return float64(a), float64(b)
	case relu:
		return gradSumsReLU(g, x, mu, s, t)
	}
	return gradSums(g, x, float64(mu))
}

// planeGradInput sets dx = a·g − c0 − k·(x − mu), g masked as in
// planeGradSums.
func planeGradInput(dx, g, x []float32, a, c0, k, mu, s, t float32, relu bool) {
	if len(g) == 0 {
		return
	}
	dx, x = dx[:len(g)], x[:len(g)]
	switch {
	case useVec():
		gradInputAVX2(&dx[0], &g[0], &x[0], len(g), a, c0, k, mu, s, t, relu)
	case relu:
		gradInputReLU(dx, g, x, a, c0, k, mu, s, t)
	default:
		gradInput(dx, g, x, a, c0, k, mu)
	}
}

// planeReLU sets y = max(x, 0) (NaN propagating, −0 giving +0).
func planeReLU(y, x []float32) {
	if len(x) > 0 && useVec() {
		normAVX2(&y[:len(x)][0], &x[0], len(x), 0, 1, 0, true)
		return
	}
	reluForward(y, x)
}

// planeReLUGrad sets dx = dy where the ReLU output y passes, else 0.
func planeReLUGrad(dx, dy, y []float32) {
	if len(dy) > 0 && useVec() {
		maskAVX2(&dx[:len(dy)][0], &dy[0], &y[:len(dy)][0], len(dy))
		return
	}
	reluBackward(dx, dy, y)
}

// sum64 returns Σ x.
func sum64(x []float32) float64 {
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		v := x[i : i+4 : i+4]
		s0 += float64(v[0])
		s1 += float64(v[1])
		s2 += float64(v[2])
		s3 += float64(v[3])
	}
	for ; i < len(x); i++ {
		s0 += float64(x[i])
	}
	return (s0 + s1) + (s2 + s3)
}

// moments64 returns Σ (x − k) and Σ (x − k)². With k near the mean of x
// the variance Σ(x − k)²/n − (Σ(x − k)/n)² loses no digits to
// cancellation, so one pass gives what two would.
func moments64(x []float32, k float64) (s, sq float64) {
	var s0, s1, s2, s3, q0, q1, q2, q3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		v := x[i : i+4 : i+4]
		d0, d1, d2, d3 := float64(v[0])-k, float64(v[1])-k, float64(v[2])-k, float64(v[3])-k
		s0, s1, s2, s3 = s0+d0, s1+d1, s2+d2, s3+d3
		q0, q1, q2, q3 = q0+d0*d0, q1+d1*d1, q2+d2*d2, q3+d3*d3
	}
	for ; i < len(x); i++ {
		d := float64(x[i]) - k
		s0 += d
		q0 += d * d
	}
	return (s0 + s1) + (s2 + s3), (q0 + q1) + (q2 + q3)
}

// bnOut is BatchNorm2d's output (v − mu)·s + t, each operation rounded to
// float32 (the explicit conversion forbids fusing the multiply and the
// add), as the assembly computes it: the fused backward recomputes it to
// find where the ReLU passed, so it must match the forward bit for bit.
func bnOut(v, mu, s, t float32) float32 { return float32((v-mu)*s) + t }

// normalize sets y = (x − mu)·s + t.
func normalize(y, x []float32, mu, s, t float32) {
	y = y[:len(x)]
	i := 0
	for ; i+4 <= len(x); i += 4 {
		v, w := x[i:i+4:i+4], y[i:i+4:i+4]
		w[0] = bnOut(v[0], mu, s, t)
		w[1] = bnOut(v[1], mu, s, t)
		w[2] = bnOut(v[2], mu, s, t)
		w[3] = bnOut(v[3], mu, s, t)
	}
	for ; i < len(x); i++ {
		y[i] = bnOut(x[i], mu, s, t)
	}
}

// normalizeReLU sets y = max((x − mu)·s + t, 0), NaN propagating.
func normalizeReLU(y, x []float32, mu, s, t float32) {
	y = y[:len(x)]
	i := 0
	for ; i+4 <= len(x); i += 4 {
		v, w := x[i:i+4:i+4], y[i:i+4:i+4]
		w[0] = relu(bnOut(v[0], mu, s, t))
		w[1] = relu(bnOut(v[1], mu, s, t))
		w[2] = relu(bnOut(v[2], mu, s, t))
		w[3] = relu(bnOut(v[3], mu, s, t))
	}
	for ; i < len(x); i++ {
		y[i] = relu(bnOut(x[i], mu, s, t))
	}
}

// relu returns max(v, 0): v when v > 0 or v is NaN, else +0. It is
// branch-free (a branch would mispredict on about half of the values) and
// cheaper than the builtin max, which spends a dozen instructions on its
// −0 and NaN rules.
func relu(v float32) float32 { return masked(v, passMask(v)) }

// reluForward sets y = max(x, 0).
func reluForward(y, x []float32) {
	y = y[:len(x)]
	i := 0
	for ; i+4 <= len(x); i += 4 {
		v, w := x[i:i+4:i+4], y[i:i+4:i+4]
		w[0], w[1], w[2], w[3] = relu(v[0]), relu(v[1]), relu(v[2]), relu(v[3])
	}
	for ; i < len(x); i++ {
		y[i] = relu(x[i])
	}
}

// passMask returns all ones where a ReLU passes its gradient, that is where
// its output y is not ≤ 0 (y > 0 or NaN, where its input x > 0 or NaN, as
// in PyTorch's threshold_backward), else zero. Branch-free (the compiler
// emits SETcc): ReLU outputs are zero about half the time, so a branch
// would mispredict.
func passMask(y float32) uint32 {
	m := uint32(0)
	if !(y <= 0) {
		m = ^uint32(0)
	}
	return m
}

// masked returns g where the mask is set, else +0.
func masked(g float32, m uint32) float32 {
	return math.Float32frombits(math.Float32bits(g) & m)
}

// reluBackward sets dx = dy where the ReLU output y passes, else 0.
func reluBackward(dx, dy, y []float32) {
	dx, y = dx[:len(dy)], y[:len(dy)]
	i := 0
	for ; i+4 <= len(dy); i += 4 {
		g, z, d := dy[i:i+4:i+4], y[i:i+4:i+4], dx[i:i+4:i+4]
		d[0] = masked(g[0], passMask(z[0]))
		d[1] = masked(g[1], passMask(z[1]))
		d[2] = masked(g[2], passMask(z[2]))
		d[3] = masked(g[3], passMask(z[3]))
	}
	for ; i < len(dy); i++ {
		dx[i] = masked(dy[i], passMask(y[i]))
	}
}

// gradSums returns Σ g and Σ g·(x − mu).
func gradSums(g, x []float32, mu float64) (sg, sgx float64) {
	x = x[:len(g)]
	var a0, a1, a2, a3, b0, b1, b2, b3 float64
	i := 0
	for ; i+4 <= len(g); i += 4 {
		v, w := g[i:i+4:i+4], x[i:i+4:i+4]
		g0, g1, g2, g3 := float64(v[0]), float64(v[1]), float64(v[2]), float64(v[3])
		a0, a1, a2, a3 = a0+g0, a1+g1, a2+g2, a3+g3
		b0 += g0 * (float64(w[0]) - mu)
		b1 += g1 * (float64(w[1]) - mu)
		b2 += g2 * (float64(w[2]) - mu)
		b3 += g3 * (float64(w[3]) - mu)
	}
	for ; i < len(g); i++ {
		a0 += float64(g[i])
		b0 += float64(g[i]) * (float64(x[i]) - mu)
	}
	return (a0 + a1) + (a2 + a3), (b0 + b1) + (b2 + b3)
}

// gradSumsReLU is gradSums of g masked where the ReLU after the
// BatchNorm2d passed, that is where bnOut(x, mu, s, t) is not ≤ 0.
func gradSumsReLU(g, x []float32, mu, s, t float32) (sg, sgx float64) {
	x = x[:len(g)]
	m := float64(mu)
	var a0, a1, b0, b1 float64
	i := 0
	for ; i+2 <= len(g); i += 2 {
		v, w := g[i:i+2:i+2], x[i:i+2:i+2]
		g0 := float64(masked(v[0], passMask(bnOut(w[0], mu, s, t))))
		g1 := float64(masked(v[1], passMask(bnOut(w[1], mu, s, t))))
		a0, a1 = a0+g0, a1+g1
		b0 += g0 * (float64(w[0]) - m)
		b1 += g1 * (float64(w[1]) - m)
	}
	for ; i < len(g); i++ {
		gi := float64(masked(g[i], passMask(bnOut(x[i], mu, s, t))))
		a0 += gi
		b0 += gi * (float64(x[i]) - m)
	}
	return a0 + a1, b0 + b1
}

// gradInput sets dx = a·g − c0 − k·(x − mu).
func gradInput(dx, g, x []float32, a, c0, k, mu float32) {
	dx, x = dx[:len(g)], x[:len(g)]
	i := 0
	for ; i+4 <= len(g); i += 4 {
		v, w, d := g[i:i+4:i+4], x[i:i+4:i+4], dx[i:i+4:i+4]
		d[0] = a*v[0] - c0 - k*(w[0]-mu)
		d[1] = a*v[1] - c0 - k*(w[1]-mu)
		d[2] = a*v[2] - c0 - k*(w[2]-mu)
		d[3] = a*v[3] - c0 - k*(w[3]-mu)
	}
	for ; i < len(g); i++ {
		dx[i] = a*g[i] - c0 - k*(x[i]-mu)
	}
}

// gradInputReLU is gradInput of g masked as in gradSumsReLU.
func gradInputReLU(dx, g, x []float32, a, c0, k, mu, s, t float32) {
	dx, x = dx[:len(g)], x[:len(g)]
	for i, v := range g {
		dx[i] = a*masked(v, passMask(bnOut(x[i], mu, s, t))) - c0 - k*(x[i]-mu)
	}
}

// scaleGrad sets dx = a·g, masked as in gradSumsReLU with relu.
func scaleGrad(dx, g, x []float32, a, mu, s, t float32, relu bool) {
	dx = dx[:len(g)]
	if !relu {
		for i, v := range g {
			dx[i] = a * v
		}
		return
	}
	x = x[:len(g)]
	for i, v := range g {
		dx[i] = a * masked(v, passMask(bnOut(x[i], mu, s, t)))
	}
}

// fill sets every element of x to v: the first few by hand, the rest by
// doubling copies (copy is vectorised).
func fill(x []float32, v float32) {
	n := min(len(x), 16)
	for i := range n {
		x[i] = v
	}
	for n < len(x) {
		n += copy(x[n:], x[:n])
	}
}
