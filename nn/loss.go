package nn

import (
	"fmt"
	"math"

	"github.com/convkit/convkit/tensor"
)

// CrossEntropy is PyTorch's F.cross_entropy(logits, labels,
// label_smoothing=labelSmoothing) with mean reduction, for logits [N, K]
// and N class indices in [0, K). With ε = labelSmoothing the target of row
// n is q = (1 − ε)·onehot(labels[n]) + ε/K, and
//
//	loss = (1/N)·Σ_n −Σ_k q_k·log softmax(logits[n])_k
//	dlogits[n, k] = (softmax(logits[n])_k − q_k)/N
//
// dlogits is the gradient of loss with respect to logits, ready for the
// model's Backward. Everything is computed in float64 (log-sum-exp shifted
// by the row maximum) and dlogits rounded to float32 at the end.
func CrossEntropy(logits *tensor.Tensor, labels []int, labelSmoothing float64) (loss float64, dlogits *tensor.Tensor, err error) {
	if err := checkCrossEntropy(logits, labels, labelSmoothing); err != nil {
		return 0, nil, err
	}
	n, k := logits.Shape[0], logits.Shape[1]
	dlogits = tensor.New(n, k)
	return crossEntropy(logits.Data, n, k, labels, labelSmoothing, dlogits.Data), dlogits, nil
}

// checkCrossEntropy validates CrossEntropy's arguments.
func checkCrossEntropy(logits *tensor.Tensor, labels []int, labelSmoothing float64) error {
	if logits == nil || len(logits.Shape) != 2 || numElems(logits.Shape) != len(logits.Data) {
		shape := []int(nil)
		if logits != nil {
			shape = logits.Shape
		}
		return fmt.Errorf("nn: CrossEntropy: want logits [N, K], have shape %v (flatten a [N, K, 1, 1] output first)", shape)
	}
	n, k := logits.Shape[0], logits.Shape[1]
	if n == 0 || k == 0 {
		return fmt.Errorf("nn: CrossEntropy: empty logits %v", logits.Shape)
	}
	if len(labels) != n {
		return fmt.Errorf("nn: CrossEntropy: %d labels for %d rows of logits", len(labels), n)
	}
	for i, y := range labels {
		if y < 0 || y >= k {
			return fmt.Errorf("nn: CrossEntropy: label %d of row %d is outside [0, %d)", y, i, k)
		}
	}
	if !(labelSmoothing >= 0 && labelSmoothing <= 1) {
		return fmt.Errorf("nn: CrossEntropy: label smoothing %g is outside [0, 1]", labelSmoothing)
	}
	return nil
}

// CrossEntropyLoss is CrossEntropy with a reused gradient buffer, for
// training loops: Loss returns the same values as CrossEntropy, and a
// gradient tensor that the next call with the same shape overwrites. The
// zero value is ready to use. It is not safe for concurrent use.
type CrossEntropyLoss struct {
	// LabelSmoothing is CrossEntropy's labelSmoothing.
	LabelSmoothing float64

	grad *tensor.Tensor
}

// Loss returns the mean loss of logits [N, K] for labels and its gradient
// with respect to logits; see CrossEntropy.
func (c *CrossEntropyLoss) Loss(logits *tensor.Tensor, labels []int) (float64, *tensor.Tensor, error) {
	if err := checkCrossEntropy(logits, labels, c.LabelSmoothing); err != nil {
		return 0, nil, err
	}
	n, k := logits.Shape[0], logits.Shape[1]
	c.grad = reuse(c.grad, logits.Shape)
	return crossEntropy(logits.Data, n, k, labels, c.LabelSmoothing, c.grad.Data), c.grad, nil
}

// LogSumExp returns log Σ exp(z[i]) in float64, computed stably as
// m + log Σ exp(z[i] − m) with m the largest value (−Inf for empty z). The
// cross-entropy of a row is LogSumExp(z) − z[label], and softmax(z)[i] is
// exp(z[i] − LogSumExp(z)).
func LogSumExp(z []float32) float64 { return logSumExp(z) }

func logSumExp[T float32 | float64](z []T) float64 {
	m := math.Inf(-1)
	for _, v := range z {
		m = max(m, float64(v))
	}
	if math.IsInf(m, 0) {
		return m // empty, all −Inf, or a +Inf: the sum is m itself
	}
	s := 0.0
	for _, v := range z {
		s += math.Exp(float64(v) - m)
	}
	return m + math.Log(s)
}

// crossEntropy is CrossEntropy on validated logits z [n, k]: it writes
// the gradient into grad and returns the mean loss. Everything is computed
// in float64, and the gradient rounded to T at the end (the tests run it on
// float64 logits).
func crossEntropy[T float32 | float64](z []T, n, k int, labels []int, eps float64, grad []T) float64 {
	total := 0.0
	off := eps / float64(k) // smoothing mass per class
	for i := range n {
		row, g := z[i*k:(i+1)*k], grad[i*k:(i+1)*k]
		lse := logSumExp(row)
		// −Σ q_k (z_k − lse) = lse − Σ q_k z_k, with Σ q_k = 1.
		qz := 0.0
		for j, v := range row {
			q := off
			if j == labels[i] {
				q += 1 - eps
			}
			qz += q * float64(v)
			g[j] = T((math.Exp(float64(v)-lse) - q) / float64(n))
		}
		total += lse - qz
	}
	return total / float64(n)
}
