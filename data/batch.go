package data

import (
	"iter"
	"math/bits"
	"math/rand/v2"
)

// Shuffle returns a permutation of 0..n−1 that is a pure function of
// (n, epoch, seed): the same arguments give the same permutation in every
// run, process and Go release, so that training resumed at any epoch sees
// exactly the order an uninterrupted run would have. Different epochs or
// seeds give independent permutations. It is a Fisher–Yates shuffle driven
// by a PCG-DXSM generator seeded with (seed, epoch), with unbiased bounded
// draws computed here rather than by math/rand, whose algorithms may
// change.
func Shuffle(n, epoch int, seed uint64) []int {
	perm := make([]int, max(n, 0))
	for i := range perm {
		perm[i] = i
	}
	src := rand.NewPCG(seed, mix64(uint64(epoch)^0x5f0e_3c1a_9d2b_7e48))
	for i := len(perm) - 1; i > 0; i-- {
		j := boundedUint64(src, uint64(i)+1)
		perm[i], perm[j] = perm[j], perm[i]
	}
	return perm
}

// boundedUint64 returns a uniform value in [0, n) (n > 0) with Lemire's
// multiply-and-reject method.
func boundedUint64(src *rand.PCG, n uint64) uint64 {
	hi, lo := bits.Mul64(src.Uint64(), n)
	if lo < n {
		thresh := -n % n
		for lo < thresh {
			hi, lo = bits.Mul64(src.Uint64(), n)
		}
	}
	return hi
}

// mix64 is the SplitMix64 finalizer, a bijective scrambling of its input
// used to derive well-separated generator seeds from small integers.
func mix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// Batch is one mini-batch: N images in NCHW order with their labels and
// their indices in the data set.
type Batch struct {
	Images  []float32
	Labels  []int
	Indices []int
	N       int
}

// Batcher serves the mini-batches of a Dataset, epoch after epoch. Its
// output is a pure function of its fields and the epoch (and batch) number:
// the order of epoch e is Shuffle(Data.Len(), e, Seed) (or the identity
// when Shuffle is false), and Augment, if set, is applied to each image
// with a generator seeded from (Seed, e, batch number), so that training
// resumed at any batch reproduces an uninterrupted run exactly.
type Batcher struct {
	// Data is the data set to serve.
	Data *Dataset
	// Size is the number of images per batch (at least 1).
	Size int
	// Seed selects the shuffling and augmentation sequence.
	Seed uint64
	// Shuffle permutes the data set anew each epoch.
	Shuffle bool
	// DropLast skips a final batch smaller than Size.
	DropLast bool
	// Augment, if not nil, transforms each image as it is copied into a
	// batch.
	Augment AugmentFunc
}

// NewBatcher returns a Batcher serving d in shuffled batches of size
// images, without augmentation, keeping a final smaller batch.
func NewBatcher(d *Dataset, size int, seed uint64) *Batcher {
	return &Batcher{Data: d, Size: size, Seed: seed, Shuffle: true}
}

// NumBatches returns the number of batches in each epoch.
func (b *Batcher) NumBatches() int {
	size := max(b.Size, 1)
	if b.DropLast {
		return b.Data.Len() / size
	}
	return (b.Data.Len() + size - 1) / size
}

// Order returns the order in which epoch visits the data set's images.
func (b *Batcher) Order(epoch int) []int {
	if b.Shuffle {
		return Shuffle(b.Data.Len(), epoch, b.Seed)
	}
	order := make([]int, b.Data.Len())
	for i := range order {
		order[i] = i
	}
	return order
}

// Epoch returns an iterator over the batches of the given epoch, starting
// at batch number from (0 for a whole epoch; a later batch to resume in the
// middle of one). It yields each batch's number and the batch, whose
// buffers are reused: copy what must outlive the iteration step.
func (b *Batcher) Epoch(epoch, from int) iter.Seq2[int, *Batch] {
	return func(yield func(int, *Batch) bool) {
		order := b.Order(epoch)
		size := max(b.Size, 1)
		is := b.Data.ImageSize()
		batch := &Batch{
			Images:  make([]float32, 0, size*is),
			Labels:  make([]int, 0, size),
			Indices: make([]int, 0, size),
		}
		for k := max(from, 0); k < b.NumBatches(); k++ {
			b.fill(batch, order[k*size:min((k+1)*size, len(order))], epoch, k)
			if !yield(k, batch) {
				return
			}
		}
	}
}

// fill copies the images at idx into batch, augmenting them if requested.
func (b *Batcher) fill(batch *Batch, idx []int, epoch, k int) {
	d := b.Data
	is := d.ImageSize()
	batch.N = len(idx)
	batch.Images = batch.Images[:len(idx)*is]
	batch.Labels = batch.Labels[:len(idx)]
	batch.Indices = append(batch.Indices[:0], idx...)
	var rng *rand.Rand
	if b.Augment != nil {
		rng = rand.New(rand.NewPCG(mix64(b.Seed^0xa5a5_5a5a_c3c3_3c3c), mix64(uint64(epoch)<<32^uint64(k))))
	}
	for j, i := range idx {
		dst := batch.Images[j*is : (j+1)*is]
		if rng != nil {
			b.Augment(dst, d.Image(i), d.C, d.H, d.W, rng)
		} else {
			copy(dst, d.Image(i))
		}
		batch.Labels[j] = d.Labels[i]
	}
}
