package data

import (
	"fmt"
	"math"
)

// FashionMNISTClasses are the names of the ten Fashion-MNIST classes, in
// label order.
var FashionMNISTClasses = []string{
	"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
	"Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
}

// MNISTClasses are the names of the ten MNIST digit classes, in label order.
var MNISTClasses = []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}

// CIFAR10Classes are the names of the ten CIFAR-10 classes, in label order.
var CIFAR10Classes = []string{
	"airplane", "automobile", "bird", "cat", "deer",
	"dog", "frog", "horse", "ship", "truck",
}

// Dataset is a labelled set of N images of C channels, H rows and W columns.
//
// Images holds N·C·H·W float32 values in NCHW order: the pixel (n, c, y, x)
// is Images[((n·C+c)·H+y)·W+x]. Loaders scale pixels to [0, 1]; Normalize
// changes them in place. Labels holds N class indices into Classes.
type Dataset struct {
	Images     []float32
	Labels     []int
	N, C, H, W int
	Classes    []string
}

// NewDataset builds a Dataset from n images of c×h×w bytes (pixels in NCHW
// order, 0..255, scaled to [0, 1]) and their labels, which must lie in
// [0, len(classes)).
func NewDataset(pixels []byte, labels []int, n, c, h, w int, classes []string) (*Dataset, error) {
	if n < 0 || c <= 0 || h <= 0 || w <= 0 {
		return nil, fmt.Errorf("data: invalid dataset geometry n=%d c=%d h=%d w=%d", n, c, h, w)
	}
	size := c * h * w
	if size > math.MaxInt/max(n, 1) || len(pixels) != n*size {
		return nil, fmt.Errorf("data: %d images of %d×%d×%d need %d pixel bytes, have %d", n, c, h, w, n*size, len(pixels))
	}
	if len(labels) != n {
		return nil, fmt.Errorf("data: %d images but %d labels", n, len(labels))
	}
	if len(classes) == 0 {
		return nil, fmt.Errorf("data: no class names")
	}
	for i, l := range labels {
		if l < 0 || l >= len(classes) {
			return nil, fmt.Errorf("data: label %d of image %d is out of range [0, %d)", l, i, len(classes))
		}
	}
	images := make([]float32, len(pixels))
	for i, p := range pixels {
		images[i] = float32(p) / 255
	}
	return &Dataset{
		Images:  images,
		Labels:  append([]int(nil), labels...),
		N:       n,
		C:       c,
		H:       h,
		W:       w,
		Classes: append([]string(nil), classes...),
	}, nil
}

// Len returns the number of images, N.
func (d *Dataset) Len() int { return d.N }

// ImageSize returns the number of values of one image, C·H·W.
func (d *Dataset) ImageSize() int { return d.C * d.H * d.W }

// Image returns image i as a C×H×W slice of d.Images; writes through it
// change the data set. It panics if i is out of range.
func (d *Dataset) Image(i int) []float32 {
	if i < 0 || i >= d.N {
		panic(fmt.Sprintf("data: image index %d out of range [0, %d)", i, d.N))
	}
	s := d.ImageSize()
	return d.Images[i*s : (i+1)*s : (i+1)*s]
}

// Subset returns a new Dataset holding copies of the images and labels at
// the given indices, in that order (indices may repeat). It panics if an
// index is out of range.
func (d *Dataset) Subset(idx []int) *Dataset {
	s := d.ImageSize()
	out := &Dataset{
		Images:  make([]float32, len(idx)*s),
		Labels:  make([]int, len(idx)),
		N:       len(idx),
		C:       d.C,
		H:       d.H,
		W:       d.W,
		Classes: d.Classes,
	}
	for j, i := range idx {
		copy(out.Images[j*s:(j+1)*s], d.Image(i))
		out.Labels[j] = d.Labels[i]
	}
	return out
}

// Split divides d into its first n images and the remaining N−n. The two
// halves share d's memory (without overlapping: appending to one cannot
// overwrite the other); use Subset with a permutation for a shuffled
// split. n is clamped to [0, N].
func (d *Dataset) Split(n int) (head, tail *Dataset) {
	n = max(0, min(n, d.N))
	s := d.ImageSize()
	head = &Dataset{
		Images: d.Images[: n*s : n*s], Labels: d.Labels[:n:n],
		N: n, C: d.C, H: d.H, W: d.W, Classes: d.Classes,
	}
	tail = &Dataset{
		Images: d.Images[n*s : d.N*s : d.N*s], Labels: d.Labels[n:d.N:d.N],
		N: d.N - n, C: d.C, H: d.H, W: d.W, Classes: d.Classes,
	}
	return head, tail
}

// Concat joins data sets of the same geometry and classes into a new one.
func Concat(sets ...*Dataset) (*Dataset, error) {
	if len(sets) == 0 {
		return nil, fmt.Errorf("data: nothing to concatenate")
	}
	first := sets[0]
	out := &Dataset{C: first.C, H: first.H, W: first.W, Classes: first.Classes}
	for i, s := range sets {
		if s.C != first.C || s.H != first.H || s.W != first.W || len(s.Classes) != len(first.Classes) {
			return nil, fmt.Errorf("data: set %d is %d×%d×%d with %d classes, set 0 is %d×%d×%d with %d",
				i, s.C, s.H, s.W, len(s.Classes), first.C, first.H, first.W, len(first.Classes))
		}
		out.N += s.N
	}
	out.Images = make([]float32, 0, out.N*first.ImageSize())
	out.Labels = make([]int, 0, out.N)
	for _, s := range sets {
		out.Images = append(out.Images, s.Images[:s.N*s.ImageSize()]...)
		out.Labels = append(out.Labels, s.Labels[:s.N]...)
	}
	return out, nil
}

// MeanStd returns the per-channel mean and (population) standard deviation
// of the pixels, accumulated in float64. Use them with Normalize; compute
// them on the training set and apply them to every split. An empty data
// set yields zeros.
func (d *Dataset) MeanStd() (mean, std []float32) {
	mean = make([]float32, d.C)
	std = make([]float32, d.C)
	plane := d.H * d.W
	count := float64(d.N * plane)
	if count == 0 {
		return mean, std
	}
	for c := 0; c < d.C; c++ {
		var sum, sq float64
		for n := 0; n < d.N; n++ {
			off := (n*d.C + c) * plane
			for _, v := range d.Images[off : off+plane] {
				sum += float64(v)
				sq += float64(v) * float64(v)
			}
		}
		m := sum / count
		mean[c] = float32(m)
		std[c] = float32(math.Sqrt(max(0, sq/count-m*m)))
	}
	return mean, std
}

// Normalize maps every pixel of channel c to (v − mean[c]) / std[c], in
// place. mean and std need one value per channel (a single value is used
// for every channel) and std must be positive.
func (d *Dataset) Normalize(mean, std []float32) error {
	mean, err := perChannel("mean", mean, d.C)
	if err != nil {
		return err
	}
	std, err = perChannel("std", std, d.C)
	if err != nil {
		return err
	}
	for c, s := range std {
		if !(s > 0) || math.IsInf(float64(s), 0) {
			return fmt.Errorf("data: std[%d] = %v, want a positive finite value", c, s)
		}
	}
	NormalizeImages(d.Images[:d.N*d.ImageSize()], d.C, d.H*d.W, mean, std)
	return nil
}

// NormalizeImages applies per-channel normalization (v − mean[c]) / std[c]
// in place to images stored as consecutive C×plane blocks, such as a batch
// or one image returned by LoadImage. mean and std must have c values.
func NormalizeImages(images []float32, c, plane int, mean, std []float32) {
	for off := 0; off+c*plane <= len(images); off += c * plane {
		for ch := 0; ch < c; ch++ {
			p := images[off+ch*plane : off+(ch+1)*plane]
			m, s := mean[ch], std[ch]
			for i, v := range p {
				p[i] = (v - m) / s
			}
		}
	}
}

func perChannel(what string, v []float32, c int) ([]float32, error) {
	switch len(v) {
	case c:
		return v, nil
	case 1:
		out := make([]float32, c)
		for i := range out {
			out[i] = v[0]
		}
		return out, nil
	}
	return nil, fmt.Errorf("data: %s has %d values for %d channels", what, len(v), c)
}

// ClassCounts returns how many images of each class d holds.
func (d *Dataset) ClassCounts() []int {
	counts := make([]int, len(d.Classes))
	for _, l := range d.Labels[:d.N] {
		if l >= 0 && l < len(counts) {
			counts[l]++
		}
	}
	return counts
}
