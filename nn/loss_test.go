package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/convkit/convkit/tensor"
)

func TestCrossEntropyValues(t *testing.T) {
	cases := []struct {
		logits []float32
		k      int
		labels []int
		eps    float64
		want   float64
	}{
		// Two equal logits: log 2 for either label, with or without smoothing.
		{[]float32{0, 0}, 2, []int{0}, 0, math.Ln2},
		{[]float32{3, 3, 3}, 3, []int{2}, 0.3, math.Log(3)},
		// Row 1: −log softmax([1, 2, 3])_2; row 2: −log softmax([0, 0, 10])_0.
		{[]float32{1, 2, 3, 0, 0, 10}, 3, []int{2, 0}, 0,
			(math.Log(math.Exp(1)+math.Exp(2)+math.Exp(3)) - 3 + math.Log(2+math.Exp(10)) - 0) / 2},
		// Smoothing 0.1 over K = 2: 0.95·(−log p₀) + 0.05·(−log p₁), logits [2, 0].
		{[]float32{2, 0}, 2, []int{0}, 0.1,
			0.95*math.Log(1+math.Exp(-2)) + 0.05*(2+math.Log(1+math.Exp(-2)))},
		// Huge logits do not overflow.
		{[]float32{1000, 0}, 2, []int{1}, 0, 1000},
	}
	for i, c := range cases {
		x, _ := tensor.FromData(c.logits, len(c.labels), c.k)
		loss, d, err := CrossEntropy(x, c.labels, c.eps)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(loss-c.want) > 1e-12*max(1, c.want) {
			t.Errorf("case %d: loss %.15g, want %.15g", i, loss, c.want)
		}
		// Each row of the gradient sums to zero (softmax and q both sum to 1).
		for n := range len(c.labels) {
			s := 0.0
			for k := range c.k {
				s += float64(d.Data[n*c.k+k])
			}
			if math.Abs(s) > 1e-7 {
				t.Errorf("case %d: gradient row %d sums to %g", i, n, s)
			}
		}
	}
}

// TestCrossEntropyGradient checks the float64 core against central
// differences in float64, where h = 1e-5 gives ~1e-10 accuracy.
func TestCrossEntropyGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	n, k := 4, 5
	for _, eps := range []float64{0, 0.1, 1} {
		z := make([]float64, n*k)
		for i := range z {
			z[i] = 3 * rng.NormFloat64()
		}
		labels := []int{0, 4, 2, 2}
		g := make([]float64, len(z))
		crossEntropy(z, n, k, labels, eps, g)
		scratch := make([]float64, len(z))
		const h = 1e-5
		worst := 0.0
		for i := range z {
			old := z[i]
			z[i] = old + h
			lp := crossEntropy(z, n, k, labels, eps, scratch)
			z[i] = old - h
			lm := crossEntropy(z, n, k, labels, eps, scratch)
			z[i] = old
			worst = max(worst, math.Abs((lp-lm)/(2*h)-g[i]))
		}
		if worst > 1e-9 {
			t.Errorf("label smoothing %g: gradient off by %g", eps, worst)
		}
	}
}

func TestCrossEntropyErrors(t *testing.T) {
	x := tensor.New(2, 3)
	for _, c := range []struct {
		logits *tensor.Tensor
		labels []int
		eps    float64
	}{
		{nil, []int{0, 0}, 0},
		{tensor.New(2, 3, 1, 1), []int{0, 0}, 0},
		{x, []int{0}, 0},
		{x, []int{0, 3}, 0},
		{x, []int{-1, 0}, 0},
		{x, []int{0, 0}, -0.1},
		{x, []int{0, 0}, math.NaN()},
	} {
		if _, _, err := CrossEntropy(c.logits, c.labels, c.eps); err == nil {
			t.Errorf("accepted %v %v %g", c.logits, c.labels, c.eps)
		}
	}
}

// TestLogSumExp checks LogSumExp against the naive formula where that is
// exact enough, on logits that overflow exp, and on the edge cases.
func TestLogSumExp(t *testing.T) {
	z := []float32{0.5, -1, 2, 0}
	naive := 0.0
	for _, v := range z {
		naive += math.Exp(float64(v))
	}
	if got := LogSumExp(z); math.Abs(got-math.Log(naive)) > 1e-12 {
		t.Errorf("LogSumExp(%v) = %v, want %v", z, got, math.Log(naive))
	}
	if got := LogSumExp([]float32{1000, 1000}); math.Abs(got-(1000+math.Ln2)) > 1e-9 {
		t.Errorf("LogSumExp(1000, 1000) = %v, want 1000 + ln 2", got)
	}
	if got := LogSumExp(nil); !math.IsInf(got, -1) {
		t.Errorf("LogSumExp(empty) = %v, want -Inf", got)
	}
	if got := LogSumExp([]float32{1, float32(math.NaN())}); !math.IsNaN(got) {
		t.Errorf("LogSumExp with a NaN = %v, want NaN", got)
	}
}
