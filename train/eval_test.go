package train

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/convkit/convkit/data"
	"github.com/convkit/convkit/nn"
	"github.com/convkit/convkit/tensor"
)

func TestConfusion(t *testing.T) {
	c := NewConfusion(3)
	// Class 0: 3 images, 2 right. Class 1: 1 image, wrong. Class 2: none.
	for _, p := range [][2]int{{0, 0}, {0, 0}, {0, 1}, {1, 2}, {5, 0}} {
		c.Add(p[0], p[1]) // (5, 0) is out of range and ignored
	}
	if c.Total() != 4 || c.At(0, 0) != 2 || c.At(0, 1) != 1 || c.At(1, 2) != 1 {
		t.Errorf("counts %v", c.Counts)
	}
	if got := c.Accuracy(); got != 0.5 {
		t.Errorf("accuracy %g, want 0.5", got)
	}
	per := c.PerClass()
	if per[0] != 2.0/3 || per[1] != 0 || !math.IsNaN(per[2]) {
		t.Errorf("per class %v, want [0.667 0 NaN]", per)
	}
	var b strings.Builder
	if err := c.WriteTo(&b, []string{"cat", "dog"}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"true \\ predicted", "0 cat", "1 dog", "2", "66.7%", "NaN%"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

func TestTopK(t *testing.T) {
	p := TopK([]float32{0, 2, 1}, 2, []string{"a", "b", "c"})
	if len(p) != 2 || p[0].Class != 1 || p[0].Name != "b" || p[1].Class != 2 {
		t.Fatalf("top-2 %+v", p)
	}
	// softmax([0 2 1])[1] = e²/(1 + e + e²)
	want := math.Exp(2) / (1 + math.E + math.Exp(2))
	if math.Abs(p[0].Probability-want) > 1e-12 {
		t.Errorf("probability %g, want %g", p[0].Probability, want)
	}
	if len(TopK([]float32{1}, 5, nil)) != 1 {
		t.Error("k larger than the class count")
	}
}

// lookup is a model whose logits for image i are a one-hot of the class
// stored in the image's first pixel, so predictions are known in advance.
type lookup struct {
	k int
	y *tensor.Tensor
}

func (l *lookup) Forward(x *tensor.Tensor) (*tensor.Tensor, error) {
	n, is := x.Shape[0], len(x.Data)/x.Shape[0]
	l.y = tensor.New(n, l.k)
	for i := range n {
		l.y.Data[i*l.k+int(x.Data[i*is])] = 10
	}
	return l.y, nil
}
func (l *lookup) Backward(dy *tensor.Tensor) (*tensor.Tensor, error) { return nil, nil }
func (l *lookup) Params() []*nn.Param                                { return nil }
func (l *lookup) OutputShape(in []int) ([]int, error)                { return []int{in[0], l.k}, nil }

func TestEvaluate(t *testing.T) {
	// Seven 1×2×2 images (the batch of 3 leaves a padded last batch):
	// labels 0 1 2 0 1 2 0, predicted 0 1 2 0 1 0 1.
	preds := []int{0, 1, 2, 0, 1, 0, 1}
	labels := []int{0, 1, 2, 0, 1, 2, 0}
	d := &data.Dataset{N: 7, C: 1, H: 2, W: 2, Images: make([]float32, 28), Labels: labels, Classes: []string{"a", "b", "c"}}
	for i, p := range preds {
		d.Images[4*i] = float32(p)
	}
	r, err := Evaluate(context.Background(), &lookup{k: 3}, d, 3, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.N != 7 || math.Abs(r.Accuracy-5.0/7) > 1e-12 {
		t.Errorf("accuracy %g over %d, want 5/7 over 7", r.Accuracy, r.N)
	}
	if r.Confusion.At(2, 0) != 1 || r.Confusion.At(0, 1) != 1 {
		t.Errorf("confusion %v", r.Confusion.Counts)
	}
	// A correct image costs log(1 + 2e⁻¹⁰), a wrong one 10 + log(1 + 2e⁻¹⁰).
	base := math.Log(1 + 2*math.Exp(-10))
	if want := base + 2*10.0/7; math.Abs(r.Loss-want) > 1e-6 {
		t.Errorf("loss %g, want %g", r.Loss, want)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Evaluate(ctx, &lookup{k: 3}, d, 3, nil, nil); err != context.Canceled {
		t.Errorf("cancelled evaluation: %v", err)
	}
}
