package data

import (
	"fmt"
	"math/rand/v2"
)

// AugmentFunc writes an augmented copy of the c×h×w image src into dst
// (same size, not overlapping src), drawing any randomness from rng.
type AugmentFunc func(dst, src []float32, c, h, w int, rng *rand.Rand)

// RandomCrop pads the c×h×w image src with pad zeros on every side and
// writes a randomly placed h×w window of the result to dst: the image is
// shifted by a vertical and then a horizontal offset, each drawn uniformly
// from [−pad, pad] with rng, and uncovered pixels become 0. The output is a
// deterministic function of src and rng's state. dst and src must hold
// c·h·w values and must not overlap; RandomCrop panics otherwise or if pad
// is negative.
func RandomCrop(dst, src []float32, c, h, w, pad int, rng *rand.Rand) {
	n := checkImage("RandomCrop", dst, src, c, h, w)
	if pad < 0 {
		panic(fmt.Sprintf("data: RandomCrop: negative pad %d", pad))
	}
	dy := rng.IntN(2*pad+1) - pad
	dx := rng.IntN(2*pad+1) - pad
	dst, src = dst[:n], src[:n]
	// Columns x of dst with a source column x+dx inside the image.
	x0, x1 := max(0, -dx), min(w, w-dx)
	for ch := 0; ch < c; ch++ {
		for y := 0; y < h; y++ {
			row := dst[(ch*h+y)*w : (ch*h+y+1)*w]
			sy := y + dy
			if sy < 0 || sy >= h || x0 >= x1 {
				clear(row)
				continue
			}
			srow := src[(ch*h+sy)*w : (ch*h+sy+1)*w]
			clear(row[:x0])
			copy(row[x0:x1], srow[x0+dx:x1+dx])
			clear(row[x1:])
		}
	}
}

// HFlip writes the c×h×w image src mirrored left to right into dst. dst
// may be src itself (an in-place flip) but must not otherwise overlap it;
// both must hold c·h·w values or HFlip panics.
func HFlip(dst, src []float32, c, h, w int) {
	n := checkImage("HFlip", dst, src, c, h, w)
	dst, src = dst[:n], src[:n]
	for r := 0; r < c*h; r++ {
		s, d := src[r*w:(r+1)*w], dst[r*w:(r+1)*w]
		for x := 0; x <= (w-1)/2; x++ {
			a, b := s[x], s[w-1-x]
			d[x], d[w-1-x] = b, a
		}
	}
}

// CropFlip returns the standard augmentation of small-image training: a
// RandomCrop with the given padding followed, with probability 1/2, by an
// HFlip. Use a pad of 0 for flips alone.
func CropFlip(pad int) AugmentFunc {
	return func(dst, src []float32, c, h, w int, rng *rand.Rand) {
		RandomCrop(dst, src, c, h, w, pad, rng)
		if rng.IntN(2) == 1 {
			HFlip(dst, dst, c, h, w)
		}
	}
}

func checkImage(fn string, dst, src []float32, c, h, w int) int {
	if c <= 0 || h <= 0 || w <= 0 {
		panic(fmt.Sprintf("data: %s: invalid image size %d×%d×%d", fn, c, h, w))
	}
	n := c * h * w
	if len(dst) < n || len(src) < n {
		panic(fmt.Sprintf("data: %s: %d×%d×%d image needs %d values, dst has %d and src %d", fn, c, h, w, n, len(dst), len(src)))
	}
	return n
}
