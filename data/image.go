package data

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	_ "image/jpeg" // register the JPEG decoder for image.Decode
	_ "image/png"  // register the PNG decoder for image.Decode
	"io"
	"math"
	"os"
)

// Limits of DecodeImage and LoadImage.
const (
	// MaxImagePixels bounds the width·height of an image (64 megapixels),
	// checked from its header before the pixels are decoded.
	MaxImagePixels = 64 << 20
	// MaxImageFileBytes bounds the size of an encoded image (256 MiB).
	MaxImageFileBytes = 256 << 20
)

// LoadImage reads a PNG or JPEG file and converts it into a c×h×w float32
// image in [0, 1], ready for a model trained on a Dataset; see DecodeImage.
func LoadImage(path string, c, h, w int) ([]float32, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	defer f.Close()
	img, err := decodeImage(f, c, h, w)
	if err != nil {
		return nil, fmt.Errorf("data: %s: %w", path, err)
	}
	return img, nil
}

// DecodeImage decodes a PNG or JPEG image and converts it into a c×h×w
// float32 image (CHW order) with values in [0, 1]:
//
//   - c = 1 gives luma, 0.299·R + 0.587·G + 0.114·B (ITU-R BT.601, as
//     PIL's "L" mode), c = 3 gives the R, G and B planes;
//   - transparent pixels are composited onto black, the background of
//     MNIST-style data sets;
//   - the image is resized to h×w, stretching it if the aspect ratio
//     differs, with a triangle (bilinear) filter whose support widens when
//     shrinking, so that downscaling averages over the area each output
//     pixel covers (like PIL's BILINEAR resize) instead of aliasing.
//
// Fashion-MNIST and MNIST show light objects on a black background;
// photos of dark objects on white need inverting (1 − v) to match.
func DecodeImage(r io.Reader, c, h, w int) ([]float32, error) {
	img, err := decodeImage(r, c, h, w)
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	return img, nil
}

func decodeImage(r io.Reader, c, h, w int) ([]float32, error) {
	if c != 1 && c != 3 {
		return nil, fmt.Errorf("image: want 1 (gray) or 3 (RGB) channels, not %d", c)
	}
	if h <= 0 || w <= 0 || h > MaxIDXSide || w > MaxIDXSide {
		return nil, fmt.Errorf("image: output size %d×%d out of range 1..%d", h, w, MaxIDXSide)
	}
	raw, err := io.ReadAll(io.LimitReader(r, MaxImageFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("image: %w", err)
	}
	if len(raw) > MaxImageFileBytes {
		return nil, fmt.Errorf("image: file larger than %d bytes", MaxImageFileBytes)
	}
	// Check the size in the header before the decoder allocates the pixels.
	cfg, format, err := image.DecodeConfig(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("image: decoding (PNG and JPEG are supported): %w", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > MaxImagePixels {
		return nil, fmt.Errorf("image: %s of %d×%d pixels is empty or larger than %d pixels", format, cfg.Width, cfg.Height, MaxImagePixels)
	}
	img, _, err := image.Decode(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("image: decoding (PNG and JPEG are supported): %w", err)
	}
	b := img.Bounds()
	if b.Empty() || int64(b.Dx())*int64(b.Dy()) > MaxImagePixels {
		return nil, fmt.Errorf("image: %d×%d pixels is empty or larger than %d pixels", b.Dx(), b.Dy(), MaxImagePixels)
	}
	planes := toPlanes(img, c)
	out := make([]float32, c*h*w)
	for ch := 0; ch < c; ch++ {
		resize(out[ch*h*w:(ch+1)*h*w], h, w, planes[ch], b.Dy(), b.Dx())
	}
	for i, v := range out {
		out[i] = float32(min(1, max(0, v)))
	}
	return out, nil
}

// toPlanes converts img into c planes of Dy×Dx float32 values in [0, 1].
func toPlanes(img image.Image, c int) [][]float32 {
	b := img.Bounds()
	W, H := b.Dx(), b.Dy()
	planes := make([][]float32, c)
	for i := range planes {
		planes[i] = make([]float32, W*H)
	}
	set := func(i int, r, g, bl float32) {
		if c == 1 {
			if r == g && g == bl { // gray stays exact
				planes[0][i] = r
			} else {
				planes[0][i] = 0.299*r + 0.587*g + 0.114*bl
			}
			return
		}
		planes[0][i], planes[1][i], planes[2][i] = r, g, bl
	}
	switch m := img.(type) {
	case *image.Gray:
		for y := 0; y < H; y++ {
			row := m.Pix[y*m.Stride : y*m.Stride+W]
			for x, v := range row {
				f := float32(v) / 255
				set(y*W+x, f, f, f)
			}
		}
	case *image.YCbCr:
		for y := 0; y < H; y++ {
			for x := 0; x < W; x++ {
				yi := m.YOffset(b.Min.X+x, b.Min.Y+y)
				ci := m.COffset(b.Min.X+x, b.Min.Y+y)
				r, g, bl := color.YCbCrToRGB(m.Y[yi], m.Cb[ci], m.Cr[ci])
				set(y*W+x, float32(r)/255, float32(g)/255, float32(bl)/255)
			}
		}
	default:
		for y := 0; y < H; y++ {
			for x := 0; x < W; x++ {
				// RGBA returns alpha-premultiplied values: the colour
				// composited onto black.
				r, g, bl, _ := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
				set(y*W+x, float32(r)/65535, float32(g)/65535, float32(bl)/65535)
			}
		}
	}
	return planes
}

// resize resamples the sh×sw plane src into the dh×dw plane dst,
// separably, with a triangle filter scaled to the reduction factor.
func resize(dst []float32, dh, dw int, src []float32, sh, sw int) {
	cx := filterWeights(sw, dw)
	cy := filterWeights(sh, dh)
	tmp := make([]float32, sh*dw) // rows resized horizontally
	for y := 0; y < sh; y++ {
		row := src[y*sw : (y+1)*sw]
		for x, f := range cx {
			var s float64
			for k, wt := range f.w {
				s += wt * float64(row[f.start+k])
			}
			tmp[y*dw+x] = float32(s)
		}
	}
	for y, f := range cy {
		for x := 0; x < dw; x++ {
			var s float64
			for k, wt := range f.w {
				s += wt * float64(tmp[(f.start+k)*dw+x])
			}
			dst[y*dw+x] = float32(s)
		}
	}
}

// filterTaps are the normalized weights of one output sample over the input
// samples start, start+1, ….
type filterTaps struct {
	start int
	w     []float64
}

// filterWeights computes, for each of out output samples over in input
// samples, the taps of a triangle filter centred on the output sample's
// position (pixel centres aligned), widened by the reduction factor when
// out < in.
func filterWeights(in, out int) []filterTaps {
	scale := float64(in) / float64(out)
	support := max(scale, 1)
	taps := make([]filterTaps, out)
	for i := range taps {
		center := (float64(i) + 0.5) * scale
		lo := max(0, int(math.Floor(center-support)))
		hi := min(in, int(math.Ceil(center+support)))
		var ws []float64
		var sum float64
		for j := lo; j < hi; j++ {
			t := 1 - math.Abs((float64(j)+0.5-center)/support)
			if t < 0 {
				t = 0
			}
			ws = append(ws, t)
			sum += t
		}
		if sum == 0 { // cannot happen for in ≥ 1, but never divide by zero
			nearest := min(in-1, int(center))
			taps[i] = filterTaps{start: nearest, w: []float64{1}}
			continue
		}
		for k := range ws {
			ws[k] /= sum
		}
		taps[i] = filterTaps{start: lo, w: ws}
	}
	return taps
}
