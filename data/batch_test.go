package data

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestShufflePermutation(t *testing.T) {
	for _, n := range []int{0, 1, 2, 7, 100} {
		p := Shuffle(n, 3, 42)
		if len(p) != n {
			t.Fatalf("len = %d, want %d", len(p), n)
		}
		s := slices.Clone(p)
		slices.Sort(s)
		for i, v := range s {
			if v != i {
				t.Fatalf("Shuffle(%d) = %v is not a permutation", n, p)
			}
		}
	}
	if p := Shuffle(-5, 0, 0); len(p) != 0 {
		t.Errorf("Shuffle(-5) = %v", p)
	}
}

func TestShuffleDeterministic(t *testing.T) {
	a := Shuffle(1000, 5, 7)
	if !slices.Equal(a, Shuffle(1000, 5, 7)) {
		t.Fatal("same (n, epoch, seed), different permutations")
	}
	for _, other := range [][]int{Shuffle(1000, 6, 7), Shuffle(1000, 5, 8), Shuffle(1000, 4, 7)} {
		if slices.Equal(a, other) {
			t.Error("a different epoch or seed gave the same permutation")
		}
	}
	// Pinned output: a change here silently changes the training order of
	// every resumed run, so it must be deliberate.
	want := []int{1, 2, 5, 8, 3, 4, 0, 6, 9, 7}
	if got := Shuffle(10, 0, 1); !slices.Equal(got, want) {
		t.Errorf("Shuffle(10, 0, 1) = %v, want %v", got, want)
	}
}

func TestShuffleUniform(t *testing.T) {
	// Each of the 6 permutations of 3 items should appear about 1/6 of the
	// time over many epochs.
	counts := map[[3]int]int{}
	const trials = 6000
	for e := 0; e < trials; e++ {
		p := Shuffle(3, e, 99)
		counts[[3]int{p[0], p[1], p[2]}]++
	}
	if len(counts) != 6 {
		t.Fatalf("%d distinct permutations of 3, want 6", len(counts))
	}
	for p, c := range counts {
		if c < 850 || c > 1150 { // mean 1000, sd ≈ 29
			t.Errorf("permutation %v appeared %d times in %d", p, c, trials)
		}
	}
}

func TestBatcherCoversEpoch(t *testing.T) {
	d := tiny(t, 10)
	b := NewBatcher(d, 4, 1)
	if b.NumBatches() != 3 {
		t.Fatalf("NumBatches = %d", b.NumBatches())
	}
	var seen []int
	sizes := []int{}
	for k, batch := range b.Epoch(2, 0) {
		if k != len(sizes) {
			t.Errorf("batch number %d, want %d", k, len(sizes))
		}
		sizes = append(sizes, batch.N)
		for j, i := range batch.Indices {
			if !slices.Equal(batch.Images[j*12:(j+1)*12], d.Image(i)) || batch.Labels[j] != d.Labels[i] {
				t.Errorf("batch %d item %d is not image %d", k, j, i)
			}
		}
		seen = append(seen, batch.Indices...)
	}
	if !slices.Equal(sizes, []int{4, 4, 2}) {
		t.Errorf("batch sizes %v", sizes)
	}
	if !slices.Equal(seen, Shuffle(10, 2, 1)) {
		t.Errorf("epoch order %v is not Shuffle(10, 2, 1)", seen)
	}
	b.DropLast = true
	n := 0
	for range b.Epoch(0, 0) {
		n++
	}
	if n != 2 || b.NumBatches() != 2 {
		t.Errorf("DropLast: %d batches", n)
	}
	b.Shuffle = false
	if got := b.Order(3); !slices.Equal(got, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}) {
		t.Errorf("unshuffled order %v", got)
	}
}

// TestBatcherResume checks that resuming mid-epoch, from a fresh Batcher,
// reproduces the batches — augmentation included — of an uninterrupted run.
func TestBatcherResume(t *testing.T) {
	train, _, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	d := train.Subset(Shuffle(train.N, 0, 0)[:200])
	mk := func() *Batcher {
		b := NewBatcher(d, 32, 1234)
		b.Augment = CropFlip(2)
		return b
	}
	type snap struct {
		images []float32
		labels []int
	}
	full := map[[2]int]snap{}
	for epoch := 0; epoch < 2; epoch++ {
		for k, batch := range mk().Epoch(epoch, 0) {
			full[[2]int{epoch, k}] = snap{slices.Clone(batch.Images), slices.Clone(batch.Labels)}
		}
	}
	for k, batch := range mk().Epoch(1, 4) {
		want := full[[2]int{1, k}]
		if k < 4 || !slices.Equal(batch.Images, want.images) || !slices.Equal(batch.Labels, want.labels) {
			t.Fatalf("resumed batch %d differs", k)
		}
	}
	// Augmentation really happened and differs between epochs.
	first := full[[2]int{0, 0}]
	var plain []float32
	for _, batch := range NewBatcher(d, 32, 1234).Epoch(0, 0) {
		plain = slices.Clone(batch.Images)
		break
	}
	if slices.Equal(first.images, plain) {
		t.Error("Augment was not applied")
	}
	if slices.Equal(full[[2]int{0, 0}].labels, full[[2]int{1, 0}].labels) {
		t.Error("epochs 0 and 1 start with the same batch")
	}
}

func TestBatcherAugmentSeeds(t *testing.T) {
	// The augmentation generator depends on the batch number: identical
	// images in different batches are augmented differently.
	pix := make([]byte, 64*16)
	for i := range pix {
		pix[i] = byte(i % 16 * 16)
	}
	d, err := NewDataset(pix, make([]int, 64), 64, 1, 4, 4, []string{"x"})
	if err != nil {
		t.Fatal(err)
	}
	b := &Batcher{Data: d, Size: 32, Seed: 5, Augment: func(dst, src []float32, c, h, w int, rng *rand.Rand) {
		copy(dst, src)
		dst[0] = float32(rng.Uint64() % 1000)
	}}
	var firsts []float32
	for _, batch := range b.Epoch(0, 0) {
		firsts = append(firsts, batch.Images[0])
	}
	if len(firsts) != 2 || firsts[0] == firsts[1] {
		t.Errorf("first values of the two batches: %v", firsts)
	}
}
