package data

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// writeIDXDir writes an MNIST-style data set with nTrain and nTest
// 1×3×2 images into dir, gzipping the training files and leaving the test
// files raw.
func writeIDXDir(t *testing.T, dir string, nTrain, nTest int) {
	t.Helper()
	for _, s := range []struct {
		prefix string
		n      int
		zip    bool
	}{{"train", nTrain, true}, {"t10k", nTest, false}} {
		pix := make([]byte, s.n*6)
		for i := range pix {
			pix[i] = byte(i)
		}
		lbl := make([]byte, s.n)
		for i := range lbl {
			lbl[i] = byte(i % 10)
		}
		img, lab := encodeIDX(t, []int{s.n, 3, 2}, pix), encodeIDX(t, []int{s.n}, lbl)
		suffix := ""
		if s.zip {
			img, lab, suffix = gz(t, img), gz(t, lab), ".gz"
		}
		mustWrite(t, filepath.Join(dir, s.prefix+"-images-idx3-ubyte"+suffix), img)
		mustWrite(t, filepath.Join(dir, s.prefix+"-labels-idx1-ubyte"+suffix), lab)
	}
}

func mustWrite(t *testing.T, name string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLoadFashionMNIST(t *testing.T) {
	dir := t.TempDir()
	writeIDXDir(t, dir, 12, 5)
	train, test, err := LoadFashionMNIST(dir)
	if err != nil {
		t.Fatal(err)
	}
	if train.N != 12 || test.N != 5 || train.C != 1 || train.H != 3 || train.W != 2 {
		t.Fatalf("train %d×%d×%d×%d, test %d", train.N, train.C, train.H, train.W, test.N)
	}
	if train.Classes[0] != "T-shirt/top" || train.Classes[9] != "Ankle boot" || len(train.Classes) != 10 {
		t.Errorf("classes = %v", train.Classes)
	}
	if train.Images[7] != float32(7)/255 || test.Labels[4] != 4 {
		t.Errorf("pixel 7 = %v, test label 4 = %d", train.Images[7], test.Labels[4])
	}
	_, mtest, err := LoadMNIST(dir)
	if err != nil || mtest.Classes[3] != "3" {
		t.Errorf("LoadMNIST: %v, classes %v", err, mtest.Classes)
	}
}

func TestLoadIDXErrors(t *testing.T) {
	dir := t.TempDir()
	_, _, err := LoadFashionMNIST(dir)
	if err == nil || !strings.Contains(err.Error(), "train-images-idx3-ubyte.gz") || !strings.HasPrefix(err.Error(), "data: ") {
		t.Errorf("empty dir: err = %v, want the names looked for", err)
	}
	writeIDXDir(t, dir, 4, 3)
	// Labels for a different number of images.
	mustWrite(t, filepath.Join(dir, "t10k-labels-idx1-ubyte"), encodeIDX(t, []int{2}, []byte{0, 1}))
	if _, _, err := LoadFashionMNIST(dir); err == nil || !strings.Contains(err.Error(), "3 images but") {
		t.Errorf("count mismatch: err = %v", err)
	}
	// A corrupt file names itself.
	mustWrite(t, filepath.Join(dir, "t10k-labels-idx1-ubyte"), []byte{0, 0, 8})
	if _, _, err := LoadFashionMNIST(dir); err == nil || !strings.Contains(err.Error(), "t10k-labels-idx1-ubyte") {
		t.Errorf("corrupt file: err = %v", err)
	}
}

// writeCIFAR writes a CIFAR-10 batch of n records with labels (seed+i)%10.
func writeCIFAR(t *testing.T, name string, n, seed int) []byte {
	t.Helper()
	var buf bytes.Buffer
	for i := 0; i < n; i++ {
		rec := make([]byte, cifarRecord)
		rec[0] = byte((seed + i) % 10)
		for j := 1; j < len(rec); j++ {
			rec[j] = byte(j*3 + i + seed)
		}
		buf.Write(rec)
	}
	if name != "" {
		mustWrite(t, name, buf.Bytes())
	}
	return buf.Bytes()
}

func TestReadCIFAR10(t *testing.T) {
	raw := writeCIFAR(t, "", 3, 7)
	d, err := ReadCIFAR10(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if d.N != 3 || d.C != 3 || d.H != 32 || d.W != 32 || !slices.Equal(d.Labels, []int{7, 8, 9}) {
		t.Fatalf("got %d×%d×%d×%d labels %v", d.N, d.C, d.H, d.W, d.Labels)
	}
	// Pixel (image 1, green, y 2, x 5) is byte 1 + 1024 + 2·32 + 5 of record 1.
	j := 1 + 1024 + 2*32 + 5
	if got, want := d.Images[1*3072+1024+2*32+5], float32(byte(j*3+1+7))/255; got != want {
		t.Errorf("pixel = %v, want %v", got, want)
	}
	var out bytes.Buffer
	if err := WriteCIFAR10(&out, d); err != nil || !bytes.Equal(out.Bytes(), raw) {
		t.Errorf("WriteCIFAR10 round trip: %v", err)
	}
	for n := 0; n < len(raw); n += 511 {
		if _, err := ReadCIFAR10(bytes.NewReader(raw[:n])); err == nil && n%cifarRecord != 0 || n == 0 && err == nil {
			t.Errorf("%d bytes: no error", n)
		}
	}
	if _, err := ReadCIFAR10(bytes.NewReader(append(raw, 1))); err == nil || !strings.Contains(err.Error(), "not a whole number") {
		t.Errorf("extra byte: err = %v", err)
	}
	bad := slices.Clone(raw)
	bad[cifarRecord] = 10
	if _, err := ReadCIFAR10(bytes.NewReader(bad)); err == nil || !strings.Contains(err.Error(), "label 10 of record 1") {
		t.Errorf("label 10: err = %v", err)
	}
}

func TestLoadCIFAR10(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "cifar-10-batches-bin")
	writeCIFAR(t, filepath.Join(sub, "data_batch_1.bin"), 2, 0)
	writeCIFAR(t, filepath.Join(sub, "data_batch_2.bin"), 3, 2)
	writeCIFAR(t, filepath.Join(sub, "test_batch.bin"), 4, 5)
	mustWrite(t, filepath.Join(sub, "batches.meta.txt"), []byte("airplane\n"))
	for _, d := range []string{dir, sub} {
		train, test, err := LoadCIFAR10(d)
		if err != nil {
			t.Fatal(err)
		}
		if train.N != 5 || test.N != 4 || !slices.Equal(train.Labels, []int{0, 1, 2, 3, 4}) || train.Classes[9] != "truck" {
			t.Errorf("%s: train %d labels %v, test %d", d, train.N, train.Labels, test.N)
		}
		rtrain, _, err := Resolve(d)
		if err != nil || rtrain.N != 5 {
			t.Errorf("Resolve(%s): %v", d, err)
		}
	}
	// A gap in the numbering is an error, not a silently smaller set.
	if err := os.Rename(filepath.Join(sub, "data_batch_2.bin"), filepath.Join(sub, "data_batch_3.bin")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadCIFAR10(dir); err == nil || !strings.Contains(err.Error(), "data_batch_2.bin is missing") {
		t.Errorf("gap: err = %v", err)
	}
	if _, _, err := LoadCIFAR10(t.TempDir()); err == nil || !strings.Contains(err.Error(), "test_batch.bin") {
		t.Errorf("empty dir: err = %v", err)
	}
}

func TestResolve(t *testing.T) {
	train, test, err := Resolve("builtin")
	if err != nil || train.N != 10*BuiltinTrainPerClass || test.N != 10*BuiltinTestPerClass {
		t.Fatalf("Resolve(builtin): %v", err)
	}
	root := t.TempDir()
	fashion := filepath.Join(root, "fashion")
	digits := filepath.Join(root, "mnist")
	writeIDXDir(t, fashion, 3, 2)
	writeIDXDir(t, digits, 3, 2)
	if tr, _, err := Resolve(fashion); err != nil || tr.Classes[0] != "T-shirt/top" {
		t.Errorf("Resolve(%s): %v", fashion, err)
	}
	if tr, _, err := Resolve(digits); err != nil || tr.Classes[0] != "0" {
		t.Errorf("Resolve(%s): %v", digits, err)
	}
	empty := t.TempDir()
	_, _, err = Resolve(empty)
	if err == nil {
		t.Fatal("empty dir resolved")
	}
	for _, want := range []string{"train-images-idx3-ubyte[.gz]", "t10k-labels-idx1-ubyte[.gz]", "data_batch_1.bin", "test_batch.bin"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not list %s", err, want)
		}
	}
	for _, spec := range []string{"", filepath.Join(root, "nope"), filepath.Join(fashion, "t10k-images-idx3-ubyte")} {
		if _, _, err := Resolve(spec); err == nil {
			t.Errorf("Resolve(%q): no error", spec)
		}
	}
}

func TestBuiltin(t *testing.T) {
	train, test, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []struct {
		d   *Dataset
		per int
	}{{train, BuiltinTrainPerClass}, {test, BuiltinTestPerClass}} {
		if s.d.N != 10*s.per || s.d.C != 1 || s.d.H != 28 || s.d.W != 28 || len(s.d.Images) != s.d.N*784 {
			t.Fatalf("builtin set is %d×%d×%d×%d", s.d.N, s.d.C, s.d.H, s.d.W)
		}
		for c, n := range s.d.ClassCounts() {
			if n != s.per {
				t.Errorf("class %d (%s): %d images, want %d", c, s.d.Classes[c], n, s.per)
			}
		}
		lo, hi := slices.Min(s.d.Images), slices.Max(s.d.Images)
		if lo != 0 || hi != 1 {
			t.Errorf("pixel range [%v, %v], want [0, 1]", lo, hi)
		}
		mean, _ := s.d.MeanStd()
		if mean[0] < 0.25 || mean[0] > 0.32 { // Fashion-MNIST's mean is 0.286
			t.Errorf("mean pixel %v is not Fashion-MNIST's", mean[0])
		}
	}
	// Each call returns its own copy.
	train.Images[0] = 7
	again, _, err := Builtin()
	if err != nil || again.Images[0] == 7 {
		t.Error("Builtin returned shared data")
	}
}

// TestRealFashionMNIST checks the full data set of Debian's
// dataset-fashion-mnist package when it is installed, and that the
// built-in subset is exactly its first images of each class.
func TestRealFashionMNIST(t *testing.T) {
	if _, err := os.Stat(DebianFashionMNISTDir); err != nil {
		t.Skipf("%s not installed", DebianFashionMNISTDir)
	}
	if testing.Short() {
		t.Skip("loading 70000 images in -short mode")
	}
	train, test, err := Resolve("fashion-mnist")
	if err != nil {
		t.Fatal(err)
	}
	if train.N != 60000 || test.N != 10000 || train.H != 28 || train.W != 28 {
		t.Fatalf("train %d, test %d, %d×%d", train.N, test.N, train.H, train.W)
	}
	for c, n := range train.ClassCounts() {
		if n != 6000 {
			t.Errorf("class %d has %d training images", c, n)
		}
	}
	btrain, btest, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []struct {
		full, sub *Dataset
		per       int
	}{{train, btrain, BuiltinTrainPerClass}, {test, btest, BuiltinTestPerClass}} {
		var idx []int
		counts := make([]int, 10)
		for i, l := range s.full.Labels {
			if counts[l] < s.per {
				counts[l]++
				idx = append(idx, i)
			}
		}
		want := s.full.Subset(idx)
		if !slices.Equal(want.Labels, s.sub.Labels) || !slices.Equal(want.Images, s.sub.Images) {
			t.Error("builtin subset is not the first images of each class")
		}
	}
}
