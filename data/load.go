package data

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// DebianFashionMNISTDir is where Debian's dataset-fashion-mnist package
// installs the Fashion-MNIST IDX files; Resolve("fashion-mnist") loads it.
const DebianFashionMNISTDir = "/usr/share/datasets/fashion-mnist"

// idxFiles are the four IDX files of an MNIST-style data set, by role.
var idxFiles = [4]string{
	"train-images-idx3-ubyte",
	"train-labels-idx1-ubyte",
	"t10k-images-idx3-ubyte",
	"t10k-labels-idx1-ubyte",
}

// idxCandidates lists the file names accepted for an IDX base name: the
// raw file, its gzipped form, and the "train-images.idx3-ubyte" spelling
// some mirrors use.
func idxCandidates(base string) []string {
	dotted := strings.Replace(base, "-idx", ".idx", 1)
	return []string{base, base + ".gz", dotted, dotted + ".gz"}
}

// LoadFashionMNIST loads the Fashion-MNIST training (60000) and test
// (10000) sets from dir, which must hold train-images-idx3-ubyte,
// train-labels-idx1-ubyte, t10k-images-idx3-ubyte and
// t10k-labels-idx1-ubyte, each raw or gzipped (with a .gz suffix). Images
// are 1×28×28 (any size up to MaxIDXSide is accepted) scaled to [0, 1];
// classes are FashionMNISTClasses. MNIST files load just as well, but
// under Fashion-MNIST's class names; use LoadMNIST for those.
func LoadFashionMNIST(dir string) (train, test *Dataset, err error) {
	return loadIDXDir(dir, FashionMNISTClasses)
}

// LoadMNIST is LoadFashionMNIST for the MNIST digits: the same files, with
// MNISTClasses as class names.
func LoadMNIST(dir string) (train, test *Dataset, err error) {
	return loadIDXDir(dir, MNISTClasses)
}

func loadIDXDir(dir string, classes []string) (train, test *Dataset, err error) {
	return loadIDX(os.DirFS(dir), dir, classes)
}

// loadIDX loads the four IDX files from fsys; where names fsys in errors.
func loadIDX(fsys fs.FS, where string, classes []string) (train, test *Dataset, err error) {
	var sets [2]*Dataset
	for i := range sets {
		imgName, err := findFile(fsys, idxCandidates(idxFiles[2*i]))
		if err != nil {
			return nil, nil, fmt.Errorf("data: %s: %w", where, err)
		}
		lblName, err := findFile(fsys, idxCandidates(idxFiles[2*i+1]))
		if err != nil {
			return nil, nil, fmt.Errorf("data: %s: %w", where, err)
		}
		sets[i], err = loadIDXPair(fsys, where, imgName, lblName, classes)
		if err != nil {
			return nil, nil, err
		}
	}
	return sets[0], sets[1], nil
}

// loadIDXPair reads an images file and a labels file into a Dataset.
func loadIDXPair(fsys fs.FS, where, imgName, lblName string, classes []string) (*Dataset, error) {
	imgPath, lblPath := joinPath(where, imgName), joinPath(where, lblName)
	f, err := fsys.Open(imgName)
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	img, err := readIDXImages(f)
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("data: %s: %w", imgPath, err)
	}
	f, err = fsys.Open(lblName)
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	labels, err := readIDXLabels(f, len(classes))
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("data: %s: %w", lblPath, err)
	}
	if len(labels) != img.Dims[0] {
		return nil, fmt.Errorf("data: %s holds %d images but %s holds %d labels", imgPath, img.Dims[0], lblPath, len(labels))
	}
	if len(labels) == 0 {
		return nil, fmt.Errorf("data: %s holds no images", imgPath)
	}
	return NewDataset(img.Data, labels, img.Dims[0], 1, img.Dims[1], img.Dims[2], classes)
}

func joinPath(where, name string) string {
	if where == "" {
		return name
	}
	return filepath.Join(where, name)
}

// findFile returns the first of names that exists in fsys as a regular
// file.
func findFile(fsys fs.FS, names []string) (string, error) {
	for _, n := range names {
		if st, err := fs.Stat(fsys, n); err == nil && st.Mode().IsRegular() {
			return n, nil
		}
	}
	return "", fmt.Errorf("none of %s found", strings.Join(names, ", "))
}

// cifarDirs are the places, relative to a given directory, searched for
// CIFAR-10 batches: the directory itself and the folder the official
// archive unpacks to.
var cifarDirs = []string{".", "cifar-10-batches-bin"}

// LoadCIFAR10 loads CIFAR-10 from the binary batches in dir (or in its
// subdirectory cifar-10-batches-bin, as the official archive unpacks):
// every data_batch_N.bin, in order of N, forms the training set (the
// official set has N = 1..5, 50000 images) and test_batch.bin the test set
// (10000 images). Images are 3×32×32 scaled to [0, 1].
func LoadCIFAR10(dir string) (train, test *Dataset, err error) {
	sub, ok := cifarDir(dir)
	if !ok {
		return nil, nil, fmt.Errorf("data: %s: no CIFAR-10 batches found (looked for data_batch_1.bin … data_batch_5.bin and test_batch.bin in %s and %s)",
			dir, dir, filepath.Join(dir, "cifar-10-batches-bin"))
	}
	batches, err := cifarTrainBatches(sub)
	if err != nil {
		return nil, nil, err
	}
	var parts []*Dataset
	for _, b := range batches {
		d, err := readCIFARFile(b)
		if err != nil {
			return nil, nil, err
		}
		parts = append(parts, d)
	}
	if train, err = Concat(parts...); err != nil {
		return nil, nil, err
	}
	if test, err = readCIFARFile(filepath.Join(sub, "test_batch.bin")); err != nil {
		return nil, nil, err
	}
	return train, test, nil
}

// cifarDir returns the directory holding CIFAR-10 batches, dir or one of
// its cifarDirs.
func cifarDir(dir string) (string, bool) {
	for _, s := range cifarDirs {
		d := filepath.Join(dir, s)
		for _, f := range []string{"data_batch_1.bin", "test_batch.bin"} {
			if st, err := os.Stat(filepath.Join(d, f)); err == nil && st.Mode().IsRegular() {
				return d, true
			}
		}
	}
	return "", false
}

// cifarTrainBatches lists data_batch_N.bin in dir ordered by N, requiring
// N to run 1, 2, … without gaps.
func cifarTrainBatches(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	var nums []int
	for _, e := range ents {
		name := e.Name()
		if !strings.HasPrefix(name, "data_batch_") || !strings.HasSuffix(name, ".bin") {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(name, "data_batch_"), ".bin"))
		if err != nil || n < 1 {
			continue
		}
		nums = append(nums, n)
	}
	sort.Ints(nums)
	if len(nums) == 0 {
		return nil, fmt.Errorf("data: %s: no CIFAR-10 training batches (data_batch_1.bin …)", dir)
	}
	var out []string
	for i, n := range nums {
		if n != i+1 {
			return nil, fmt.Errorf("data: %s: CIFAR-10 training batches are not numbered 1..%d (data_batch_%d.bin is missing)", dir, len(nums), i+1)
		}
		out = append(out, filepath.Join(dir, "data_batch_"+strconv.Itoa(n)+".bin"))
	}
	return out, nil
}

func readCIFARFile(name string) (*Dataset, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	defer f.Close()
	d, err := readCIFAR10(f)
	if err != nil {
		return nil, fmt.Errorf("data: %s: %w", name, err)
	}
	return d, nil
}

// Resolve loads the training and test sets that spec names:
//
//	"builtin"        the embedded Fashion-MNIST subset (Builtin)
//	"fashion-mnist"  the full Fashion-MNIST of Debian's dataset-fashion-mnist
//	                 package, in DebianFashionMNISTDir
//	a directory      MNIST-style IDX files (as LoadFashionMNIST) or CIFAR-10
//	                 binary batches (as LoadCIFAR10), detected from the names
//	                 of the files present
//
// For IDX files the class names are MNISTClasses when the directory's path
// mentions "mnist" but not "fashion", and FashionMNISTClasses otherwise.
// The keywords take precedence over directories of the same name; write
// "./builtin" for such a directory. The error for a directory holding
// neither format lists the file names looked for.
func Resolve(spec string) (train, test *Dataset, err error) {
	switch spec {
	case "builtin":
		return Builtin()
	case "fashion-mnist":
		if _, err := os.Stat(DebianFashionMNISTDir); err != nil {
			return nil, nil, fmt.Errorf("data: fashion-mnist: %s not found (install the Debian package dataset-fashion-mnist, or use \"builtin\"): %w",
				DebianFashionMNISTDir, err)
		}
		return LoadFashionMNIST(DebianFashionMNISTDir)
	case "":
		return nil, nil, errors.New(`data: empty data set name (want "builtin", "fashion-mnist" or a directory)`)
	}
	st, err := os.Stat(spec)
	if err != nil {
		return nil, nil, fmt.Errorf("data: data set %q is neither \"builtin\", \"fashion-mnist\" nor an existing directory: %w", spec, err)
	}
	if !st.IsDir() {
		return nil, nil, fmt.Errorf("data: data set %q is not a directory", spec)
	}
	if _, err := findFile(os.DirFS(spec), idxCandidates(idxFiles[0])); err == nil {
		lower := strings.ToLower(filepath.ToSlash(absOr(spec)))
		if strings.Contains(lower, "mnist") && !strings.Contains(lower, "fashion") {
			return LoadMNIST(spec)
		}
		return LoadFashionMNIST(spec)
	}
	if _, ok := cifarDir(spec); ok {
		return LoadCIFAR10(spec)
	}
	var idx []string
	for _, f := range idxFiles {
		idx = append(idx, f+"[.gz]")
	}
	return nil, nil, fmt.Errorf("data: no data set found in %s: looked for Fashion-MNIST/MNIST IDX files (%s) and CIFAR-10 batches (data_batch_1.bin … data_batch_5.bin, test_batch.bin, also under %s)",
		spec, strings.Join(idx, ", "), filepath.Join(spec, "cifar-10-batches-bin"))
}

// absOr returns the absolute form of p, or p itself if that fails.
func absOr(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}
