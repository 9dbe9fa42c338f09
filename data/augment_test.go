package data

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// refCrop is RandomCrop written the slow, obvious way: pad with zeros,
// then cut the window at (top, left) = (pad+dy, pad+dx).
func refCrop(src []float32, c, h, w, pad, dy, dx int) []float32 {
	ph, pw := h+2*pad, w+2*pad
	padded := make([]float32, c*ph*pw)
	for ch := 0; ch < c; ch++ {
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				padded[(ch*ph+y+pad)*pw+x+pad] = src[(ch*h+y)*w+x]
			}
		}
	}
	out := make([]float32, c*h*w)
	for ch := 0; ch < c; ch++ {
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				out[(ch*h+y)*w+x] = padded[(ch*ph+y+pad+dy)*pw+x+pad+dx]
			}
		}
	}
	return out
}

func ramp(n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(i + 1)
	}
	return v
}

func TestRandomCrop(t *testing.T) {
	const c, h, w = 2, 5, 4
	src := ramp(c * h * w)
	dst := make([]float32, len(src))
	for _, pad := range []int{0, 1, 2, 4, 7} {
		for seed := uint64(0); seed < 40; seed++ {
			RandomCrop(dst, src, c, h, w, pad, rand.New(rand.NewPCG(seed, 1)))
			// Replay the two draws RandomCrop makes.
			r := rand.New(rand.NewPCG(seed, 1))
			dy := r.IntN(2*pad+1) - pad
			dx := r.IntN(2*pad+1) - pad
			if want := refCrop(src, c, h, w, pad, dy, dx); !slices.Equal(dst, want) {
				t.Fatalf("pad %d shift (%d, %d):\n got %v\nwant %v", pad, dy, dx, dst, want)
			}
		}
	}
	// pad 0 is the identity, whatever the generator.
	RandomCrop(dst, src, c, h, w, 0, rand.New(rand.NewPCG(9, 9)))
	if !slices.Equal(dst, src) {
		t.Error("pad 0 changed the image")
	}
}

func TestRandomCropPanics(t *testing.T) {
	for name, f := range map[string]func(){
		"short dst":  func() { RandomCrop(make([]float32, 3), ramp(4), 1, 2, 2, 1, rand.New(rand.NewPCG(1, 1))) },
		"negative":   func() { RandomCrop(make([]float32, 4), ramp(4), 1, 2, 2, -1, rand.New(rand.NewPCG(1, 1))) },
		"zero width": func() { HFlip(nil, nil, 1, 1, 0) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

func TestHFlip(t *testing.T) {
	for _, w := range []int{1, 2, 3, 4} {
		const c, h = 2, 3
		src := ramp(c * h * w)
		dst := make([]float32, len(src))
		HFlip(dst, src, c, h, w)
		for r := 0; r < c*h; r++ {
			for x := 0; x < w; x++ {
				if dst[r*w+x] != src[r*w+w-1-x] {
					t.Fatalf("w %d: row %d = %v", w, r, dst[r*w:(r+1)*w])
				}
			}
		}
		inplace := slices.Clone(src)
		HFlip(inplace, inplace, c, h, w)
		if !slices.Equal(inplace, dst) {
			t.Errorf("w %d: in-place flip differs", w)
		}
		HFlip(inplace, inplace, c, h, w)
		if !slices.Equal(inplace, src) {
			t.Errorf("w %d: flipping twice is not the identity", w)
		}
	}
}

func TestCropFlip(t *testing.T) {
	const c, h, w = 1, 6, 6
	src := ramp(c * h * w)
	aug := CropFlip(2)
	a, b := make([]float32, len(src)), make([]float32, len(src))
	flips := 0
	for seed := uint64(0); seed < 64; seed++ {
		aug(a, src, c, h, w, rand.New(rand.NewPCG(seed, 0)))
		aug(b, src, c, h, w, rand.New(rand.NewPCG(seed, 0)))
		if !slices.Equal(a, b) {
			t.Fatal("same generator state, different output")
		}
		r := rand.New(rand.NewPCG(seed, 0))
		crop := make([]float32, len(src))
		RandomCrop(crop, src, c, h, w, 2, r)
		if r.IntN(2) == 1 {
			HFlip(crop, crop, c, h, w)
			flips++
		}
		if !slices.Equal(a, crop) {
			t.Fatal("CropFlip is not RandomCrop then a coin-flip HFlip")
		}
	}
	if flips == 0 || flips == 64 {
		t.Errorf("%d flips in 64 draws", flips)
	}
}
