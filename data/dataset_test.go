package data

import (
	"math"
	"slices"
	"testing"
)

// tiny returns a data set of n 2×2×3 images whose pixel (i, c, y, x) has
// the byte value i·12 + c·6 + y·3 + x, labelled i mod 3.
func tiny(t *testing.T, n int) *Dataset {
	t.Helper()
	pix := make([]byte, n*12)
	for i := range pix {
		pix[i] = byte(i)
	}
	labels := make([]int, n)
	for i := range labels {
		labels[i] = i % 3
	}
	d, err := NewDataset(pix, labels, n, 2, 2, 3, []string{"a", "b", "c"})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestNewDataset(t *testing.T) {
	d := tiny(t, 4)
	if d.Len() != 4 || d.ImageSize() != 12 || len(d.Images) != 48 {
		t.Fatalf("Len %d ImageSize %d len(Images) %d", d.Len(), d.ImageSize(), len(d.Images))
	}
	if got := d.Image(2)[5]; got != float32(29)/255 {
		t.Errorf("Image(2)[5] = %v, want 29/255", got)
	}
	bad := []struct {
		name   string
		pix    int
		labels []int
		n      int
	}{
		{"short pixels", 11, []int{0}, 1},
		{"missing label", 24, []int{0}, 2},
		{"label range", 12, []int{3}, 1},
		{"negative label", 12, []int{-1}, 1},
		{"negative n", 0, nil, -1},
	}
	for _, b := range bad {
		if _, err := NewDataset(make([]byte, b.pix), b.labels, b.n, 2, 2, 3, []string{"a", "b", "c"}); err == nil {
			t.Errorf("%s: no error", b.name)
		}
	}
	if _, err := NewDataset(nil, nil, 0, 1, 1, 1, nil); err == nil {
		t.Error("no classes: no error")
	}
}

func TestImageIsView(t *testing.T) {
	d := tiny(t, 3)
	img := d.Image(1)
	img[0] = 42
	if d.Images[12] != 42 {
		t.Error("Image is not a view of Images")
	}
	if cap(img) != 12 {
		t.Errorf("cap(Image) = %d, want 12 so appends cannot clobber the next image", cap(img))
	}
	defer func() {
		if recover() == nil {
			t.Error("Image(3) of 3 did not panic")
		}
	}()
	d.Image(3)
}

func TestSubset(t *testing.T) {
	d := tiny(t, 5)
	s := d.Subset([]int{4, 0, 4})
	if s.N != 3 || !slices.Equal(s.Labels, []int{1, 0, 1}) {
		t.Fatalf("N %d labels %v", s.N, s.Labels)
	}
	if !slices.Equal(s.Image(0), d.Image(4)) || !slices.Equal(s.Image(1), d.Image(0)) {
		t.Error("subset images differ from the originals")
	}
	s.Image(0)[0] = -1
	if d.Image(4)[0] == -1 {
		t.Error("Subset shares memory with its source")
	}
}

func TestSplit(t *testing.T) {
	d := tiny(t, 5)
	a, b := d.Split(2)
	if a.N != 2 || b.N != 3 || len(a.Images) != 24 || len(b.Labels) != 3 {
		t.Fatalf("split sizes %d/%d", a.N, b.N)
	}
	if !slices.Equal(b.Image(0), d.Image(2)) || b.Labels[0] != d.Labels[2] {
		t.Error("tail does not start at image 2")
	}
	a.Images = append(a.Images, 99)
	a.Labels = append(a.Labels, 99)
	if b.Images[0] == 99 || b.Labels[0] == 99 {
		t.Error("appending to the head overwrote the tail")
	}
	if h, t2 := d.Split(-1); h.N != 0 || t2.N != 5 {
		t.Errorf("Split(-1) = %d/%d", h.N, t2.N)
	}
	if h, t2 := d.Split(9); h.N != 5 || t2.N != 0 {
		t.Errorf("Split(9) = %d/%d", h.N, t2.N)
	}
}

func TestConcat(t *testing.T) {
	d := tiny(t, 5)
	a, b := d.Split(3)
	c, err := Concat(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if c.N != 5 || !slices.Equal(c.Images, d.Images) || !slices.Equal(c.Labels, d.Labels) {
		t.Error("Concat of a split differs from the original")
	}
	other := &Dataset{C: 1, H: 2, W: 3, Classes: d.Classes}
	if _, err := Concat(d, other); err == nil {
		t.Error("Concat of different geometries: no error")
	}
	if _, err := Concat(); err == nil {
		t.Error("empty Concat: no error")
	}
}

func TestMeanStdNormalize(t *testing.T) {
	d := tiny(t, 4)
	mean, std := d.MeanStd()
	// Channel c of image i holds bytes i·12 + c·6 + 0..5.
	for c := 0; c < 2; c++ {
		var vals []float64
		for i := 0; i < 4; i++ {
			for k := 0; k < 6; k++ {
				vals = append(vals, float64(i*12+c*6+k)/255)
			}
		}
		var m, v float64
		for _, x := range vals {
			m += x
		}
		m /= float64(len(vals))
		for _, x := range vals {
			v += (x - m) * (x - m)
		}
		s := math.Sqrt(v / float64(len(vals)))
		if math.Abs(float64(mean[c])-m) > 1e-6 || math.Abs(float64(std[c])-s) > 1e-6 {
			t.Errorf("channel %d: mean/std %v/%v, want %v/%v", c, mean[c], std[c], m, s)
		}
	}
	if err := d.Normalize(mean, std); err != nil {
		t.Fatal(err)
	}
	m2, s2 := d.MeanStd()
	for c := range m2 {
		if math.Abs(float64(m2[c])) > 1e-5 || math.Abs(float64(s2[c])-1) > 1e-5 {
			t.Errorf("after Normalize channel %d: mean %v std %v", c, m2[c], s2[c])
		}
	}
	// A single value applies to every channel.
	e := tiny(t, 1)
	if err := e.Normalize([]float32{0.5}, []float32{0.25}); err != nil {
		t.Fatal(err)
	}
	if got, want := e.Images[7], (float32(7)/255-0.5)/0.25; got != want {
		t.Errorf("Normalize with one value: %v, want %v", got, want)
	}
	for _, bad := range [][2][]float32{
		{{0, 0, 0}, {1, 1, 1}},
		{{0, 0}, {1, 0}},
		{{0, 0}, {1, float32(math.NaN())}},
		{{0, 0}, {1, float32(math.Inf(1))}},
		{{0, 0}, {1, -1}},
	} {
		if err := e.Normalize(bad[0], bad[1]); err == nil {
			t.Errorf("Normalize(%v, %v): no error", bad[0], bad[1])
		}
	}
	var empty Dataset
	empty.C = 1
	if m, s := empty.MeanStd(); m[0] != 0 || s[0] != 0 {
		t.Errorf("empty MeanStd = %v, %v", m, s)
	}
}

func TestClassCounts(t *testing.T) {
	if got := tiny(t, 7).ClassCounts(); !slices.Equal(got, []int{3, 2, 2}) {
		t.Errorf("ClassCounts = %v", got)
	}
}
