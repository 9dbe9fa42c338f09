package train

import (
	"context"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/convkit/convkit/data"
	"github.com/convkit/convkit/nn"
	"github.com/convkit/convkit/tensor"
)

// Confusion is a confusion matrix over K classes: Counts[t·K + p] is the
// number of images of true class t predicted as class p.
type Confusion struct {
	K      int
	Counts []int
}

// NewConfusion returns an empty K×K confusion matrix.
func NewConfusion(k int) *Confusion { return &Confusion{K: k, Counts: make([]int, k*k)} }

// Add records one prediction. Classes outside [0, K) are ignored.
func (c *Confusion) Add(truth, pred int) {
	if truth >= 0 && truth < c.K && pred >= 0 && pred < c.K {
		c.Counts[truth*c.K+pred]++
	}
}

// At returns the count of images of class truth predicted as pred.
func (c *Confusion) At(truth, pred int) int { return c.Counts[truth*c.K+pred] }

// Total returns the number of predictions recorded.
func (c *Confusion) Total() int {
	n := 0
	for _, v := range c.Counts {
		n += v
	}
	return n
}

// Accuracy returns the fraction of correct predictions (the trace over
// the total), or 0 for an empty matrix.
func (c *Confusion) Accuracy() float64 {
	correct := 0
	for k := range c.K {
		correct += c.At(k, k)
	}
	if n := c.Total(); n > 0 {
		return float64(correct) / float64(n)
	}
	return 0
}

// PerClass returns each class's accuracy (its recall: correct predictions
// over the images of that class); NaN for a class with no images.
func (c *Confusion) PerClass() []float64 {
	out := make([]float64, c.K)
	for t := range c.K {
		row := c.Counts[t*c.K : (t+1)*c.K]
		n := 0
		for _, v := range row {
			n += v
		}
		out[t] = math.NaN()
		if n > 0 {
			out[t] = float64(row[t]) / float64(n)
		}
	}
	return out
}

// WriteTo prints the matrix with rows for the true classes and columns
// for the predicted ones, labelled with names (or numbers where names is
// short), and each class's accuracy at the end of its row.
func (c *Confusion) WriteTo(w io.Writer, names []string) error {
	label := func(i int) string {
		if i < len(names) {
			return names[i]
		}
		return fmt.Sprint(i)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', tabwriter.AlignRight)
	var b strings.Builder
	b.WriteString("true \\ predicted\t")
	for p := range c.K {
		fmt.Fprintf(&b, "%d\t", p)
	}
	b.WriteString("accuracy\t\n")
	per := c.PerClass()
	for t := range c.K {
		fmt.Fprintf(&b, "%d %s\t", t, label(t))
		for p := range c.K {
			fmt.Fprintf(&b, "%d\t", c.At(t, p))
		}
		fmt.Fprintf(&b, "%.1f%%\t\n", 100*per[t])
	}
	if _, err := io.WriteString(tw, b.String()); err != nil {
		return err
	}
	return tw.Flush()
}

// Result is the outcome of evaluating a model on a data set.
type Result struct {
	// Loss is the mean cross-entropy (no label smoothing).
	Loss float64 `json:"loss"`
	// Accuracy is the fraction of images classified correctly.
	Accuracy float64 `json:"accuracy"`
	// N is the number of images.
	N int `json:"n"`
	// Confusion is the confusion matrix.
	Confusion *Confusion `json:"-"`
	// Classes names the classes.
	Classes []string `json:"classes,omitempty"`
}

// PerClass returns each class's accuracy.
func (r *Result) PerClass() []float64 { return r.Confusion.PerClass() }

// Input turns data set images into model inputs: it normalizes each image
// per channel with Mean and Std (none when they are empty) and serves
// them as an NCHW tensor. Batch buffers are reused.
type Input struct {
	Mean, Std []float32
	x         tensor.Tensor
}

// Tensor wraps n images of c×h×w values in images (normalized in place)
// as an [n, c, h, w] tensor whose header is reused by the next call.
func (in *Input) Tensor(images []float32, n, c, h, w int) *tensor.Tensor {
	if len(in.Mean) == c && len(in.Std) == c {
		data.NormalizeImages(images[:n*c*h*w], c, h*w, in.Mean, in.Std)
	}
	if len(in.x.Shape) != 4 {
		in.x.Shape = make([]int, 4)
	}
	in.x.Shape[0], in.x.Shape[1], in.x.Shape[2], in.x.Shape[3] = n, c, h, w
	in.x.Data = images[:n*c*h*w]
	return &in.x
}

// Evaluate runs model in evaluation mode over d in batches of batch
// images (the last batch padded to full size, so that the model sees a
// single input shape) and returns the loss, accuracy and confusion
// matrix. mean and std normalize the images as in training. The model is
// returned to training mode. It stops early with ctx's error.
func Evaluate(ctx context.Context, model nn.Layer, d *data.Dataset, batch int, mean, std []float32) (*Result, error) {
	if d == nil || d.Len() == 0 {
		return nil, fmt.Errorf("train: evaluate: empty data set")
	}
	batch = max(1, min(batch, d.Len()))
	nn.SetTraining(model, false)
	defer nn.SetTraining(model, true)
	k := len(d.Classes)
	res := &Result{N: d.Len(), Confusion: NewConfusion(k), Classes: d.Classes}
	is := d.ImageSize()
	buf := make([]float32, batch*is)
	labels := make([]int, batch)
	in := Input{Mean: mean, Std: std}
	var lossSum float64
	for start := 0; start < d.Len(); start += batch {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n := min(batch, d.Len()-start)
		copy(buf, d.Images[start*is:(start+n)*is])
		clear(buf[n*is:])
		copy(labels, d.Labels[start:start+n])
		x := in.Tensor(buf, batch, d.C, d.H, d.W)
		y, err := model.Forward(x)
		if err != nil {
			return nil, fmt.Errorf("train: evaluate: %w", err)
		}
		if len(y.Shape) != 2 || y.Shape[0] != batch || y.Shape[1] != k {
			return nil, fmt.Errorf("train: evaluate: model output %v, want [%d %d]", y.Shape, batch, k)
		}
		for i := range n {
			row := y.Data[i*k : (i+1)*k]
			lossSum += nn.LogSumExp(row) - float64(row[labels[i]])
			res.Confusion.Add(labels[i], argmax(row))
		}
	}
	res.Loss = lossSum / float64(d.Len())
	res.Accuracy = res.Confusion.Accuracy()
	return res, nil
}

// argmax returns the index of the largest value (the first on ties).
func argmax(z []float32) int {
	best := 0
	for i, v := range z {
		if v > z[best] {
			best = i
		}
	}
	return best
}

// Softmax returns softmax(z) in float64.
func Softmax(z []float32) []float64 {
	lse := nn.LogSumExp(z)
	out := make([]float64, len(z))
	for i, v := range z {
		out[i] = math.Exp(float64(v) - lse)
	}
	return out
}

// Prediction is one class with its probability.
type Prediction struct {
	Class       int     `json:"class"`
	Name        string  `json:"name,omitempty"`
	Probability float64 `json:"probability"`
}

// TopK returns the k most probable classes of the logits z, most probable
// first, named from names where available.
func TopK(z []float32, k int, names []string) []Prediction {
	p := Softmax(z)
	idx := make([]int, len(p))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case p[a] > p[b]:
			return -1
		case p[a] < p[b]:
			return 1
		}
		return 0
	})
	k = max(0, min(k, len(idx)))
	out := make([]Prediction, k)
	for i, c := range idx[:k] {
		out[i] = Prediction{Class: c, Probability: p[c]}
		if c < len(names) {
			out[i].Name = names[c]
		}
	}
	return out
}
