package data

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func encodePNG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func near(a, b, tol float32) bool { return math.Abs(float64(a-b)) <= float64(tol) }

func TestDecodeImageSameSize(t *testing.T) {
	g := image.NewGray(image.Rect(0, 0, 5, 3))
	for i := range g.Pix {
		g.Pix[i] = byte(i * 17)
	}
	got, err := DecodeImage(bytes.NewReader(encodePNG(t, g)), 1, 3, 5)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range got {
		if !near(v, float32(i*17)/255, 1e-6) {
			t.Fatalf("pixel %d = %v, want %v", i, v, float32(i*17)/255)
		}
	}
	// Gray to RGB gives three equal planes.
	rgb, err := DecodeImage(bytes.NewReader(encodePNG(t, g)), 3, 3, 5)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 15; i++ {
		if rgb[i] != got[i] || rgb[15+i] != got[i] || rgb[30+i] != got[i] {
			t.Fatalf("RGB planes differ at %d", i)
		}
	}
}

func TestDecodeImageColor(t *testing.T) {
	m := image.NewNRGBA(image.Rect(0, 0, 4, 4))
	for i := 0; i < 16; i++ {
		m.Set(i%4, i/4, color.NRGBA{R: 255, G: 0, B: 0, A: 255})
	}
	m.Set(3, 3, color.NRGBA{R: 255, G: 255, B: 255, A: 0}) // transparent white
	gray, err := DecodeImage(bytes.NewReader(encodePNG(t, m)), 1, 4, 4)
	if err != nil {
		t.Fatal(err)
	}
	if !near(gray[0], 0.299, 1e-4) {
		t.Errorf("gray of pure red = %v, want 0.299", gray[0])
	}
	if gray[15] != 0 {
		t.Errorf("transparent pixel = %v, want 0 (black background)", gray[15])
	}
	rgb, err := DecodeImage(bytes.NewReader(encodePNG(t, m)), 3, 4, 4)
	if err != nil {
		t.Fatal(err)
	}
	if rgb[0] != 1 || rgb[16] != 0 || rgb[32] != 0 {
		t.Errorf("red pixel as RGB = %v %v %v", rgb[0], rgb[16], rgb[32])
	}
}

func TestDecodeImageResize(t *testing.T) {
	// A 56×56 image of 2×2 blocks, left half white, right half black,
	// shrunk to 28×28: columns far from the edge stay pure, the total
	// brightness (the area) is preserved.
	g := image.NewGray(image.Rect(0, 0, 56, 56))
	for y := 0; y < 56; y++ {
		for x := 0; x < 28; x++ {
			g.Pix[y*56+x] = 255
		}
	}
	out, err := DecodeImage(bytes.NewReader(encodePNG(t, g)), 1, 28, 28)
	if err != nil {
		t.Fatal(err)
	}
	var sum float32
	for y := 0; y < 28; y++ {
		if out[y*28+5] != 1 || out[y*28+20] != 0 {
			t.Fatalf("row %d: %v", y, out[y*28:(y+1)*28])
		}
		for x := 0; x < 28; x++ {
			sum += out[y*28+x]
		}
	}
	if !near(sum, 14*28, 1e-3) {
		t.Errorf("brightness %v, want %v", sum, 14*28)
	}
	// Upscaling a constant image keeps it constant; a JPEG decodes too.
	c := image.NewRGBA(image.Rect(0, 0, 3, 2))
	for i := range c.Pix {
		c.Pix[i] = 200
	}
	var jb bytes.Buffer
	if err := jpeg.Encode(&jb, c, &jpeg.Options{Quality: 100}); err != nil {
		t.Fatal(err)
	}
	up, err := DecodeImage(bytes.NewReader(jb.Bytes()), 3, 9, 7)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range up {
		if !near(v, 200.0/255, 2.0/255) {
			t.Fatalf("upscaled pixel %d = %v", i, v)
		}
	}
}

func TestFilterWeights(t *testing.T) {
	for _, c := range [][2]int{{1, 1}, {1, 5}, {5, 1}, {28, 28}, {100, 28}, {28, 100}, {3, 2}} {
		for i, f := range filterWeights(c[0], c[1]) {
			var s float64
			for _, w := range f.w {
				if w < 0 {
					t.Fatalf("%v: negative weight", c)
				}
				s += w
			}
			if f.start < 0 || f.start+len(f.w) > c[0] || math.Abs(s-1) > 1e-9 {
				t.Fatalf("%v output %d: start %d taps %d sum %v", c, i, f.start, len(f.w), s)
			}
		}
	}
}

func TestLoadImage(t *testing.T) {
	g := image.NewGray(image.Rect(0, 0, 2, 2))
	g.Pix[3] = 255
	p := filepath.Join(t.TempDir(), "x.png")
	if err := os.WriteFile(p, encodePNG(t, g), 0o644); err != nil {
		t.Fatal(err)
	}
	v, err := LoadImage(p, 1, 2, 2)
	if err != nil || v[3] != 1 || v[0] != 0 {
		t.Fatalf("LoadImage = %v, %v", v, err)
	}
	if _, err := LoadImage(filepath.Join(t.TempDir(), "missing.png"), 1, 2, 2); err == nil {
		t.Error("missing file: no error")
	}
}

func TestDecodeImageErrors(t *testing.T) {
	ok := encodePNG(t, image.NewGray(image.Rect(0, 0, 2, 2)))
	for name, f := range map[string]func() error{
		"2 channels":  func() error { _, err := DecodeImage(bytes.NewReader(ok), 2, 2, 2); return err },
		"zero height": func() error { _, err := DecodeImage(bytes.NewReader(ok), 1, 0, 2); return err },
		"too wide":    func() error { _, err := DecodeImage(bytes.NewReader(ok), 1, 2, MaxIDXSide+1); return err },
		"not image":   func() error { _, err := DecodeImage(strings.NewReader("GIF89a nope"), 1, 2, 2); return err },
		"truncated":   func() error { _, err := DecodeImage(bytes.NewReader(ok[:len(ok)-20]), 1, 2, 2); return err },
	} {
		err := f()
		if err == nil {
			t.Errorf("%s: no error", name)
		} else if !strings.HasPrefix(err.Error(), "data: ") {
			t.Errorf("%s: error %q lacks the prefix", name, err)
		}
	}
}

// TestDecodeImageHugeHeader feeds a PNG whose header claims 100000×100000
// pixels: it must be refused before the decoder allocates them.
func TestDecodeImageHugeHeader(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], 100000)
	binary.BigEndian.PutUint32(ihdr[4:], 100000)
	ihdr[8], ihdr[9] = 8, 0 // 8-bit grayscale
	chunk := func(typ string, data []byte) {
		binary.Write(&b, binary.BigEndian, uint32(len(data)))
		b.WriteString(typ)
		b.Write(data)
		binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	}
	chunk("IHDR", ihdr)
	chunk("IEND", nil)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := DecodeImage(bytes.NewReader(b.Bytes()), 1, 28, 28)
	runtime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), "100000×100000") {
		t.Errorf("err = %v", err)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 4<<20 {
		t.Errorf("allocated %d bytes", got)
	}
}
