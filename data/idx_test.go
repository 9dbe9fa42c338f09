package data

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
)

// encodeIDX returns the raw IDX encoding of dims and values.
func encodeIDX(t testing.TB, dims []int, values []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteIDX(&buf, dims, values); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gz(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// smallImages is a 3-image 2×4 IDX payload.
func smallImages() ([]int, []byte) {
	dims := []int{3, 2, 4}
	v := make([]byte, 24)
	for i := range v {
		v[i] = byte(i * 10)
	}
	return dims, v
}

func TestIDXRoundTrip(t *testing.T) {
	dims, v := smallImages()
	raw := encodeIDX(t, dims, v)
	want := []byte{0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 4}
	if !bytes.Equal(raw[:16], want) {
		t.Fatalf("header = % x, want % x", raw[:16], want)
	}
	for name, in := range map[string][]byte{"raw": raw, "gzip": gz(t, raw)} {
		x, err := ReadIDXImages(bytes.NewReader(in))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(x.Dims) != 3 || x.Dims[0] != 3 || x.Dims[1] != 2 || x.Dims[2] != 4 || !bytes.Equal(x.Data, v) {
			t.Errorf("%s: got dims %v data %v", name, x.Dims, x.Data)
		}
	}
	labels := []byte{0, 9, 3, 3}
	lraw := encodeIDX(t, []int{4}, labels)
	for name, in := range map[string][]byte{"raw": lraw, "gzip": gz(t, lraw)} {
		got, err := ReadIDXLabels(bytes.NewReader(in), 10)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(got) != 4 || got[0] != 0 || got[1] != 9 || got[2] != 3 || got[3] != 3 {
			t.Errorf("%s: labels = %v", name, got)
		}
	}
	// Empty sets are valid files.
	if x, err := ReadIDX(bytes.NewReader(encodeIDX(t, []int{0, 28, 28}, nil))); err != nil || x.Dims[0] != 0 || len(x.Data) != 0 {
		t.Errorf("empty image set: %v, %v", x, err)
	}
}

func TestIDXWrongKind(t *testing.T) {
	dims, v := smallImages()
	if _, err := ReadIDXLabels(bytes.NewReader(encodeIDX(t, dims, v)), 10); err == nil {
		t.Error("images read as labels")
	}
	if _, err := ReadIDXImages(bytes.NewReader(encodeIDX(t, []int{2}, []byte{1, 2}))); err == nil {
		t.Error("labels read as images")
	}
}

func TestIDXTruncated(t *testing.T) {
	dims, v := smallImages()
	raw := encodeIDX(t, dims, v)
	for name, in := range map[string][]byte{"raw": raw, "gzip": gz(t, raw)} {
		for n := 0; n < len(in); n++ {
			if _, err := ReadIDX(bytes.NewReader(in[:n])); err == nil {
				t.Errorf("%s: truncated to %d of %d bytes: no error", name, n, len(in))
			} else if !strings.HasPrefix(err.Error(), "data: ") {
				t.Errorf("%s: error %q lacks the package prefix", name, err)
			}
		}
	}
	_, err := ReadIDX(bytes.NewReader(raw[:len(raw)-5]))
	if err == nil || !strings.Contains(err.Error(), "expected 24 bytes, got 19") {
		t.Errorf("truncated payload error = %v, want the expected and actual sizes", err)
	}
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("truncated payload error %v does not wrap io.ErrUnexpectedEOF", err)
	}
}

func TestIDXTrailingData(t *testing.T) {
	dims, v := smallImages()
	raw := append(encodeIDX(t, dims, v), 0)
	if _, err := ReadIDX(bytes.NewReader(raw)); err == nil || !strings.Contains(err.Error(), "trailing") {
		t.Errorf("raw trailing byte: err = %v", err)
	}
	if _, err := ReadIDX(bytes.NewReader(gz(t, raw))); err == nil || !strings.Contains(err.Error(), "trailing") {
		t.Errorf("gzipped trailing byte: err = %v", err)
	}
	// Garbage after the gzip stream itself.
	g := append(gz(t, raw[:len(raw)-1]), 'x', 'y', 'z')
	if _, err := ReadIDX(bytes.NewReader(g)); err == nil {
		t.Error("garbage after the gzip stream: no error")
	}
}

func TestIDXCorruptGzip(t *testing.T) {
	dims, v := smallImages()
	g := gz(t, encodeIDX(t, dims, v))
	g[len(g)-6] ^= 0xff // CRC-32 in the trailer
	if _, err := ReadIDX(bytes.NewReader(g)); err == nil {
		t.Error("bad gzip checksum: no error")
	}
}

func TestIDXBadHeaders(t *testing.T) {
	hdr := func(words ...uint32) []byte {
		b := make([]byte, 4*len(words))
		for i, w := range words {
			binary.BigEndian.PutUint32(b[4*i:], w)
		}
		return b
	}
	cases := map[string][]byte{
		"empty":           nil,
		"bad magic":       hdr(0x00000804, 1, 1, 1, 1),
		"float type":      hdr(0x00000d03, 1, 1, 1),
		"text":            []byte("hello, world, this is not IDX"),
		"zero rows":       hdr(IDXImagesMagic, 1, 0, 4),
		"zero cols":       hdr(IDXImagesMagic, 1, 4, 0),
		"huge side":       hdr(IDXImagesMagic, 1, MaxIDXSide+1, 1),
		"huge count":      hdr(IDXLabelsMagic, MaxIDXCount+1),
		"huge payload":    hdr(IDXImagesMagic, MaxIDXCount, MaxIDXSide, MaxIDXSide),
		"missing payload": hdr(IDXLabelsMagic, 5, 0x01020300),
	}
	for name, in := range cases {
		if _, err := ReadIDX(bytes.NewReader(in)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := ReadIDX(bytes.NewReader(hdr(0x00000804, 1))); err == nil || !strings.Contains(err.Error(), "magic") {
		t.Errorf("bad magic error = %v, want it to mention the magic", err)
	}
}

func TestIDXLabelRange(t *testing.T) {
	in := encodeIDX(t, []int{3}, []byte{0, 10, 1})
	_, err := ReadIDXLabels(bytes.NewReader(in), 10)
	if err == nil || !strings.Contains(err.Error(), "label 10 at index 1") {
		t.Errorf("err = %v, want label 10 at index 1 out of range", err)
	}
	if _, err := ReadIDXLabels(bytes.NewReader(in), 11); err != nil {
		t.Errorf("11 classes: %v", err)
	}
}

// TestIDXHugeClaimSmallAlloc checks that a header claiming a gigabyte on a
// file of a few bytes fails without allocating anywhere near the claim.
func TestIDXHugeClaimSmallAlloc(t *testing.T) {
	in := make([]byte, 16+100)
	binary.BigEndian.PutUint32(in[0:], IDXImagesMagic)
	binary.BigEndian.PutUint32(in[4:], 1000)
	binary.BigEndian.PutUint32(in[8:], 1024)
	binary.BigEndian.PutUint32(in[12:], 1024) // 1000·1024·1024 bytes ≈ 1 GiB
	for name, b := range map[string][]byte{"raw": in, "gzip": gz(t, in)} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := ReadIDX(bytes.NewReader(b))
		runtime.ReadMemStats(&after)
		if err == nil || !strings.Contains(err.Error(), "expected 1048576000 bytes, got 100") {
			t.Errorf("%s: err = %v", name, err)
		}
		if got := after.TotalAlloc - before.TotalAlloc; got > 8<<20 {
			t.Errorf("%s: allocated %d bytes for a %d-byte file", name, got, len(b))
		}
	}
}

func TestReadExactGrows(t *testing.T) {
	// A payload larger than the first chunk, delivered in small reads.
	n := 3*readChunk + 12345
	src := make([]byte, n)
	for i := range src {
		src[i] = byte(i * 7)
	}
	got, err := readExact(io.MultiReader(bytes.NewReader(src[:1000]), bytes.NewReader(src[1000:])), n)
	if err != nil || !bytes.Equal(got, src) {
		t.Fatalf("readExact: err %v, equal %v", err, bytes.Equal(got, src))
	}
}

func TestWriteIDXValidates(t *testing.T) {
	var buf bytes.Buffer
	for _, c := range []struct {
		dims []int
		n    int
	}{
		{[]int{2, 2}, 4},    // two dims
		{[]int{2, 2, 2}, 7}, // wrong length
		{[]int{-1}, 0},      // negative
		{[]int{1, 0, 3}, 0}, // zero rows
		{[]int{1, MaxIDXSide + 1, 1}, MaxIDXSide + 1}, // too wide
	} {
		if err := WriteIDX(&buf, c.dims, make([]byte, c.n)); err == nil {
			t.Errorf("WriteIDX(%v, %d bytes): no error", c.dims, c.n)
		}
	}
	if buf.Len() != 0 {
		t.Errorf("failed writes wrote %d bytes", buf.Len())
	}
}

func FuzzReadIDX(f *testing.F) {
	dims, v := smallImages()
	raw := encodeIDX(f, dims, v)
	f.Add(raw)
	f.Add(gz(f, raw))
	f.Add(encodeIDX(f, []int{4}, []byte{1, 2, 3, 9}))
	f.Add(gz(f, encodeIDX(f, []int{4}, []byte{1, 2, 3, 9})))
	f.Add([]byte{0, 0, 8, 3, 0xff, 0xff, 0xff, 0xff, 0, 0, 4, 0, 0, 0, 4, 0})
	f.Add([]byte{0x1f, 0x8b})
	f.Fuzz(func(t *testing.T, in []byte) {
		x, err := ReadIDX(bytes.NewReader(in))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "data: ") {
				t.Fatalf("error without prefix: %v", err)
			}
			return
		}
		n := 1
		for _, d := range x.Dims {
			n *= d
		}
		if n != len(x.Data) {
			t.Fatalf("dims %v but %d bytes", x.Dims, len(x.Data))
		}
		// A valid file survives a write/read round trip.
		var buf bytes.Buffer
		if err := WriteIDX(&buf, x.Dims, x.Data); err != nil {
			t.Fatalf("rewriting a file that read fine: %v", err)
		}
		y, err := ReadIDX(&buf)
		if err != nil || !bytes.Equal(y.Data, x.Data) {
			t.Fatalf("round trip: %v", err)
		}
		if len(x.Dims) == 1 {
			if _, err := ReadIDXLabels(bytes.NewReader(in), 256); err != nil {
				t.Fatalf("labels with 256 classes: %v", err)
			}
		}
	})
}
