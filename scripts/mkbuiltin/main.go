// Command mkbuiltin generates the built-in Fashion-MNIST subset embedded by
// package data (see data.Builtin) from the full data set.
//
// It keeps the first -train images of each class of the training set and
// the first -test of each class of the test set, in their original order,
// and writes them as gzipped IDX files under the official names:
//
//	go run ./scripts/mkbuiltin -src /usr/share/datasets/fashion-mnist -out data/builtin
//
// The output is deterministic: the same input and counts give the same
// bytes. The defaults are data.BuiltinTrainPerClass and
// data.BuiltinTestPerClass, which Builtin's documentation and tests assume.
package main

import (
	"bytes"
	"compress/gzip"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/convkit/convkit/data"
)

const classes = 10

func main() {
	src := flag.String("src", data.DebianFashionMNISTDir, "directory holding the full Fashion-MNIST IDX files")
	out := flag.String("out", "data/builtin", "output directory")
	train := flag.Int("train", data.BuiltinTrainPerClass, "training images per class")
	test := flag.Int("test", data.BuiltinTestPerClass, "test images per class")
	flag.Parse()
	if err := run(*src, *out, *train, *test); err != nil {
		fmt.Fprintln(os.Stderr, "mkbuiltin:", err)
		os.Exit(1)
	}
}

func run(src, out string, trainPer, testPer int) error {
	if trainPer <= 0 || testPer <= 0 {
		return fmt.Errorf("counts per class must be positive, got -train %d -test %d", trainPer, testPer)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	for _, set := range []struct {
		prefix string
		per    int
	}{{"train", trainPer}, {"t10k", testPer}} {
		images, err := readIDX(src, set.prefix+"-images-idx3-ubyte")
		if err != nil {
			return err
		}
		labels, err := readIDX(src, set.prefix+"-labels-idx1-ubyte")
		if err != nil {
			return err
		}
		if len(images.Dims) != 3 || len(labels.Dims) != 1 || images.Dims[0] != labels.Dims[0] {
			return fmt.Errorf("%s: images %v and labels %v do not match", set.prefix, images.Dims, labels.Dims)
		}
		keep := pick(labels.Data, set.per)
		if keep == nil {
			return fmt.Errorf("%s: fewer than %d images in some class", set.prefix, set.per)
		}
		size := images.Dims[1] * images.Dims[2]
		pix := make([]byte, 0, len(keep)*size)
		lbl := make([]byte, 0, len(keep))
		for _, i := range keep {
			pix = append(pix, images.Data[i*size:(i+1)*size]...)
			lbl = append(lbl, labels.Data[i])
		}
		if err := writeGz(filepath.Join(out, set.prefix+"-images-idx3-ubyte.gz"),
			[]int{len(keep), images.Dims[1], images.Dims[2]}, pix); err != nil {
			return err
		}
		if err := writeGz(filepath.Join(out, set.prefix+"-labels-idx1-ubyte.gz"), []int{len(keep)}, lbl); err != nil {
			return err
		}
		fmt.Printf("%s: kept %d of %d images (%d per class)\n", set.prefix, len(keep), images.Dims[0], set.per)
	}
	return nil
}

// pick returns, in increasing order, the indices of the first per labels
// of each class, or nil if a class has fewer.
func pick(labels []byte, per int) []int {
	var counts [256]int
	var keep []int
	for i, l := range labels {
		if counts[l] < per {
			counts[l]++
			keep = append(keep, i)
		}
	}
	for c := 0; c < classes; c++ {
		if counts[c] < per {
			return nil
		}
	}
	return keep
}

// readIDX reads name or name.gz from dir.
func readIDX(dir, name string) (*data.IDX, error) {
	p := filepath.Join(dir, name)
	f, err := os.Open(p)
	if os.IsNotExist(err) {
		p += ".gz"
		f, err = os.Open(p)
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	x, err := data.ReadIDX(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	return x, nil
}

// writeGz writes an IDX file gzipped at the best compression, with an
// empty name and zero modification time in the gzip header so that the
// output is reproducible.
func writeGz(path string, dims []int, values []byte) error {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return err
	}
	if err := data.WriteIDX(zw, dims, values); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}
