package safetensors

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// file assembles a safetensors file from a header and a data buffer.
func file(header string, data []byte) []byte {
	b := make([]byte, 8, 8+len(header)+len(data))
	binary.LittleEndian.PutUint64(b, uint64(len(header)))
	b = append(b, header...)
	return append(b, data...)
}

func f32bytes(v ...float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

func write(t *testing.T, tensors map[string]Tensor, meta map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, tensors, meta); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func readBytes(b []byte) (*File, error) { return Read(bytes.NewReader(b), int64(len(b))) }

// TestGolden checks byte-exact output against layouts produced by the
// reference implementation (its own test vectors, and hand-derived ones).
func TestGolden(t *testing.T) {
	cases := []struct {
		name    string
		tensors map[string]Tensor
		meta    map[string]string
		want    []byte
	}{{
		name:    `{"a": F32 [2]}`,
		tensors: map[string]Tensor{"a": NewF32([]int{2}, []float32{1, 2})},
		// 54 bytes of JSON padded to 56.
		want: file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}  `, f32bytes(1, 2)),
	}, {
		name:    "attn.0, no padding needed",
		tensors: map[string]Tensor{"attn.0": NewF32([]int{1, 2, 3}, []float32{0, 1, 2, 3, 4, 5})},
		want: []byte{
			64, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 46, 48, 34, 58, 123, 34, 100,
			116, 121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34,
			58, 91, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102, 115,
			101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 0, 0, 0, 0, 0, 0, 128, 63,
			0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64,
		},
	}, {
		name:    "attn0, padded",
		tensors: map[string]Tensor{"attn0": NewF32([]int{1, 1, 2, 3}, []float32{0, 1, 2, 3, 4, 5})},
		want: []byte{
			72, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 48, 34, 58, 123, 34, 100, 116,
			121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34, 58,
			91, 49, 44, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102,
			115, 101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 32, 32, 32, 32, 32,
			32, 32, 0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0,
			160, 64,
		},
	}, {
		name: "empty",
		want: []byte{8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32},
	}, {
		name: "empty with metadata",
		meta: map[string]string{"framework": "pt"},
		want: []byte{
			40, 0, 0, 0, 0, 0, 0, 0, 123, 34, 95, 95, 109, 101, 116, 97, 100, 97, 116, 97, 95,
			95, 34, 58, 123, 34, 102, 114, 97, 109, 101, 119, 111, 114, 107, 34, 58, 34, 112,
			116, 34, 125, 125, 32, 32, 32, 32, 32,
		},
	}, {
		name: "dtype alignment order, metadata first",
		tensors: map[string]Tensor{
			"b": {DType: U8, Shape: []int{3}, Data: []byte{1, 2, 3}},
			"a": NewF32(nil, []float32{1}),
			"c": {DType: F64, Shape: []int{1}, Data: make([]byte, 8)},
			"d": NewF32([]int{0, 4}, nil),
		},
		meta: map[string]string{"z": "<&>", "format": "pt"},
		want: file(`{"__metadata__":{"format":"pt","z":"<&>"},`+
			`"c":{"dtype":"F64","shape":[1],"data_offsets":[0,8]},`+
			`"a":{"dtype":"F32","shape":[],"data_offsets":[8,12]},`+
			`"d":{"dtype":"F32","shape":[0,4],"data_offsets":[12,12]},`+
			`"b":{"dtype":"U8","shape":[3],"data_offsets":[12,15]}}`+"     ", // 259 + 5
			append(append(make([]byte, 8), f32bytes(1)...), 1, 2, 3)),
	}}
	for _, c := range cases {
		got := write(t, c.tensors, c.meta)
		if !bytes.Equal(got, c.want) {
			t.Errorf("%s:\n got %q\nwant %q", c.name, got, c.want)
		}
		f, err := readBytes(c.want)
		if err != nil {
			t.Errorf("%s: reading the golden file: %v", c.name, err)
			continue
		}
		if f.Len() != len(c.tensors) {
			t.Errorf("%s: %d tensors read", c.name, f.Len())
		}
	}
}

func TestReadReferenceVector(t *testing.T) {
	// The example file of the reference implementation's documentation.
	in := file(`{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}}`, make([]byte, 16))
	if in[0] != '<' {
		t.Fatalf("header length byte %d, want '<'", in[0])
	}
	f, err := readBytes(in)
	if err != nil {
		t.Fatal(err)
	}
	tt, ok := f.Get("test")
	if !ok || tt.DType != I32 || !slices.Equal(tt.Shape, []int{2, 2}) || len(tt.Data) != 16 || f.Metadata != nil {
		t.Errorf("got %+v, %v", tt, ok)
	}
}

func TestRoundTrip(t *testing.T) {
	tensors := map[string]Tensor{
		"conv.weight": NewF32([]int{2, 1, 2, 2}, []float32{1, -2, 3.5, 0, float32(math.Inf(-1)), 1e-30, 7, 8}),
		"conv.bias":   NewF32([]int{2}, []float32{0.25, -0.5}),
		"steps":       {DType: I64, Shape: []int{}, Data: []byte{42, 0, 0, 0, 0, 0, 0, 0}},
		"half":        {DType: F16, Shape: []int{3}, Data: []byte{0x00, 0x3c, 0x00, 0xc0, 0xff, 0x7b}},
		"brain":       {DType: BF16, Shape: []int{1, 2}, Data: []byte{0x80, 0x3f, 0x49, 0x40}},
		"wide":        {DType: F64, Shape: []int{2}, Data: append(binary.LittleEndian.AppendUint64(nil, math.Float64bits(0.1)), binary.LittleEndian.AppendUint64(nil, math.Float64bits(-3))...)},
		"empty":       NewF32([]int{3, 0}, nil),
		"ünïcødé/名前":  {DType: U8, Shape: []int{1}, Data: []byte{9}},
	}
	meta := map[string]string{"format": "pt", "note": "line\nbreak \"quoted\" \\ é"}
	b := write(t, tensors, meta)
	if (binary.LittleEndian.Uint64(b)+8)%8 != 0 {
		t.Error("data is not 8-byte aligned")
	}
	f, err := readBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	want := make([]string, 0, len(tensors))
	for n := range tensors {
		want = append(want, n)
	}
	slices.Sort(want)
	if !slices.Equal(f.Names(), want) {
		t.Errorf("Names = %v, want %v", f.Names(), want)
	}
	for n, w := range tensors {
		g, ok := f.Get(n)
		if !ok || g.DType != w.DType || !slices.Equal(g.Shape, w.Shape) || !bytes.Equal(g.Data, w.Data) {
			t.Errorf("%s: got %+v, want %+v", n, g, w)
		}
	}
	if len(f.Metadata) != 2 || f.Metadata["note"] != meta["note"] {
		t.Errorf("metadata = %q", f.Metadata)
	}
	// Writing what was read gives the same bytes.
	if again := write(t, f.Tensors(), f.Metadata); !bytes.Equal(again, b) {
		t.Error("rewriting a read file changed it")
	}
	for name, want := range map[string][]float32{
		"conv.bias": {0.25, -0.5},
		"half":      {1, -2, 65504},
		"brain":     {1, 3.140625},
		"wide":      {float32(0.1), -3},
		"empty":     {},
	} {
		got, shape, err := f.Float32(name)
		if err != nil || !slices.Equal(got, want) || !slices.Equal(shape, tensors[name].Shape) {
			t.Errorf("Float32(%s) = %v %v, %v; want %v", name, got, shape, err, want)
		}
	}
	if _, _, err := f.Float32("steps"); err == nil || !strings.Contains(err.Error(), "I64") {
		t.Errorf("Float32 of I64: err = %v", err)
	}
	if _, _, err := f.Float32("nope"); err == nil {
		t.Error("Float32 of a missing tensor: no error")
	}
}

func TestFloat16(t *testing.T) {
	for _, c := range []struct {
		h    uint16
		want float32
	}{
		{0x0000, 0}, {0x3c00, 1}, {0xc000, -2}, {0x3555, 0.333251953125},
		{0x7bff, 65504}, {0x0400, 1.0 / 16384}, {0x0001, 1.0 / (1 << 24)}, {0x03ff, 1023.0 / (1 << 24)},
		{0x7c00, float32(math.Inf(1))}, {0xfc00, float32(math.Inf(-1))},
	} {
		if got := Float16ToFloat32(c.h); got != c.want {
			t.Errorf("Float16ToFloat32(%#04x) = %v, want %v", c.h, got, c.want)
		}
	}
	if got := Float16ToFloat32(0x8000); got != 0 || !math.Signbit(float64(got)) {
		t.Errorf("-0 = %v", got)
	}
	if got := Float16ToFloat32(0x7e00); !math.IsNaN(float64(got)) {
		t.Errorf("NaN = %v", got)
	}
	// Every finite half converts exactly: compare with float64 arithmetic.
	for h := 0; h < 1<<16; h++ {
		e, m := h>>10&0x1f, h&0x3ff
		if e == 0x1f {
			continue
		}
		var v float64
		if e == 0 {
			v = math.Ldexp(float64(m), -24)
		} else {
			v = math.Ldexp(float64(m|0x400), e-25)
		}
		if h&0x8000 != 0 {
			v = -v
		}
		if got := Float16ToFloat32(uint16(h)); float64(got) != v {
			t.Fatalf("Float16ToFloat32(%#04x) = %v, want %v", h, got, v)
		}
	}
}

func TestWriteValidates(t *testing.T) {
	for name, tensors := range map[string]map[string]Tensor{
		"short data":     {"a": {DType: F32, Shape: []int{2}, Data: make([]byte, 7)}},
		"long data":      {"a": {DType: F32, Shape: []int{2}, Data: make([]byte, 9)}},
		"unknown dtype":  {"a": {DType: "F128", Shape: []int{1}, Data: make([]byte, 16)}},
		"empty dtype":    {"a": {Shape: []int{1}, Data: make([]byte, 1)}},
		"negative dim":   {"a": {DType: U8, Shape: []int{-1}, Data: nil}},
		"overflow":       {"a": {DType: F32, Shape: []int{1 << 40, 1 << 40}, Data: nil}},
		"reserved name":  {metadataKey: NewF32([]int{1}, []float32{1})},
		"invalid UTF-8":  {"a\xff": NewF32([]int{1}, []float32{1})},
		"second invalid": {"ok": NewF32([]int{1}, []float32{1}), "z": {DType: F32, Shape: []int{3}, Data: make([]byte, 4)}},
	} {
		var buf bytes.Buffer
		err := Write(&buf, tensors, nil)
		if err == nil || !strings.HasPrefix(err.Error(), "safetensors: ") {
			t.Errorf("%s: err = %v", name, err)
		}
		if buf.Len() != 0 {
			t.Errorf("%s: %d bytes written before the error", name, buf.Len())
		}
	}
	if err := Write(io.Discard, nil, map[string]string{"k": "\xff"}); err == nil {
		t.Error("invalid UTF-8 metadata: no error")
	}
}

type failWriter struct{ n int }

func (w *failWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		n := w.n
		w.n = 0
		return n, errors.New("disk full")
	}
	w.n -= len(p)
	return len(p), nil
}

func TestWriteError(t *testing.T) {
	tensors := map[string]Tensor{"a": NewF32([]int{1 << 16}, make([]float32, 1<<16))}
	if err := Write(&failWriter{n: 100}, tensors, nil); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("err = %v", err)
	}
}

func TestTruncated(t *testing.T) {
	b := write(t, map[string]Tensor{
		"x": NewF32([]int{3}, []float32{1, 2, 3}),
		"y": {DType: U8, Shape: []int{2}, Data: []byte{4, 5}},
	}, map[string]string{"m": "v"})
	for n := 0; n < len(b); n++ {
		// Told the true, short size.
		if _, err := readBytes(b[:n]); err == nil {
			t.Errorf("truncated to %d of %d bytes: no error", n, len(b))
		}
		// Told the full size, but the input ends early.
		if _, err := Read(bytes.NewReader(b[:n]), int64(len(b))); err == nil {
			t.Errorf("input ending at %d of %d bytes: no error", n, len(b))
		} else if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("input ending at %d: %v does not wrap io.ErrUnexpectedEOF", n, err)
		}
	}
	if _, err := readBytes(b); err != nil {
		t.Fatal(err)
	}
	// Trailing bytes are data the header does not account for.
	if _, err := readBytes(append(slices.Clone(b), 0)); err == nil {
		t.Error("one extra byte: no error")
	}
	// Read stops at size even if the reader has more.
	r := bytes.NewReader(append(slices.Clone(b), "more"...))
	if _, err := Read(r, int64(len(b))); err != nil || r.Len() != 4 {
		t.Errorf("Read past size: err %v, %d bytes left", err, r.Len())
	}
}

func TestHostileHeaders(t *testing.T) {
	const a8 = `{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}`
	cases := map[string][]byte{
		"empty header":      file("", nil),
		"one byte":          file("{", nil),
		"not JSON":          file("{abc}   ", nil),
		"array":             file("[]      ", nil),
		"leading space":     file(" {}     ", nil),
		"string":            file(`"hello" `, nil),
		"two objects":       file("{} {}   ", nil),
		"trailing garbage":  file("{}x     ", nil),
		"unclosed":          file(`{"a":{"dtype":"F32"`, nil),
		"invalid UTF-8":     file("{\"\xff\":{}}", nil),
		"tensor not object": file(`{"a":3}`, nil),
		"bad dtype":         file(`{"a":{"dtype":"F128","shape":[1],"data_offsets":[0,16]}}`, make([]byte, 16)),
		"sub-byte dtype":    file(`{"a":{"dtype":"F4","shape":[2],"data_offsets":[0,1]}}`, make([]byte, 1)),
		"dtype not string":  file(`{"a":{"dtype":4,"shape":[1],"data_offsets":[0,4]}}`, make([]byte, 4)),
		"missing dtype":     file(`{"a":{"shape":[1],"data_offsets":[0,4]}}`, make([]byte, 4)),
		"missing shape":     file(`{"a":{"dtype":"F32","data_offsets":[0,4]}}`, make([]byte, 4)),
		"missing offsets":   file(`{"a":{"dtype":"F32","shape":[1]}}`, make([]byte, 4)),
		"null shape":        file(`{"a":{"dtype":"F32","shape":null,"data_offsets":[0,4]}}`, make([]byte, 4)),
		"negative shape":    file(`{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}`, make([]byte, 4)),
		"fractional shape":  file(`{"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}`, make([]byte, 4)),
		"exponent shape":    file(`{"a":{"dtype":"F32","shape":[1e0],"data_offsets":[0,4]}}`, make([]byte, 4)),
		"string shape":      file(`{"a":{"dtype":"F32","shape":["1"],"data_offsets":[0,4]}}`, make([]byte, 4)),
		"nested shape":      file(`{"a":{"dtype":"F32","shape":[[1]],"data_offsets":[0,4]}}`, make([]byte, 4)),
		"huge dim":          file(`{"a":{"dtype":"U8","shape":[18446744073709551616],"data_offsets":[0,0]}}`, nil),
		"overflow shape":    file(`{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}}`, nil),
		"overflow bytes":    file(`{"a":{"dtype":"F64","shape":[2305843009213693952],"data_offsets":[0,0]}}`, nil),
		"zero-product lie":  file(`{"a":{"dtype":"F32","shape":[0,5],"data_offsets":[0,4]}}`, make([]byte, 4)),
		"wrong length":      file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}`, make([]byte, 4)),
		"three offsets":     file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}}`, make([]byte, 8)),
		"one offset":        file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[4]}}`, make([]byte, 4)),
		"reversed offsets":  file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}`, make([]byte, 4)),
		"negative offset":   file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}}`, make([]byte, 4)),
		"not from zero":     file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, make([]byte, 8)),
		"past the buffer":   file(a8+"}", make([]byte, 4)),
		"buffer too long":   file(a8+"}", make([]byte, 12)),
		"gap": file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},`+
			`"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}`, make([]byte, 12)),
		"overlap": file(a8+`,"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}`, make([]byte, 12)),
		"same offsets": file(a8+`,"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`,
			make([]byte, 8)),
		"duplicate tensor": file(a8+`,"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}`, make([]byte, 16)),
		"duplicate field":  file(`{"a":{"dtype":"F32","dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, make([]byte, 4)),
		"unknown field":    file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"x":1}}`, make([]byte, 4)),
		"metadata number":  file(`{"__metadata__":{"k":1}}`, nil),
		"metadata array":   file(`{"__metadata__":["k"]}`, nil),
		"metadata nested":  file(`{"__metadata__":{"k":{"a":"b"}}}`, nil),
		"metadata dup key": file(`{"__metadata__":{"k":"a","k":"b"}}`, nil),
		"metadata twice":   file(`{"__metadata__":{},"__metadata__":{}}`, nil),
	}
	for name, in := range cases {
		_, err := readBytes(in)
		if err == nil {
			t.Errorf("%s: no error", name)
		} else if !strings.HasPrefix(err.Error(), "safetensors: ") {
			t.Errorf("%s: error %q lacks the prefix", name, err)
		}
	}
	// Valid edge cases, for contrast.
	for name, in := range map[string][]byte{
		"minimal":       file("{}", nil),
		"null metadata": file(`{"__metadata__":null}`, nil),
		"whitespace":    file("{ \"a\" : { \"dtype\" : \"U8\" , \"shape\" : [ ] , \"data_offsets\" : [ 0 , 1 ] } }\n\t ", []byte{7}),
		"any order": file(`{"b":{"data_offsets":[4,8],"shape":[1],"dtype":"F32"},`+
			`"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, make([]byte, 8)),
		"zero-size pair": file(`{"a":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},`+
			`"b":{"dtype":"F32","shape":[0,3],"data_offsets":[0,0]}}`, nil),
	} {
		if _, err := readBytes(in); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestHeaderLengthBounds(t *testing.T) {
	for name, n := range map[string]uint64{
		"zero":        0,
		"one":         1,
		"over limit":  MaxHeaderSize + 1,
		"huge":        1 << 63,
		"max uint64":  math.MaxUint64,
		"beyond file": 100,
	} {
		in := make([]byte, 40)
		binary.LittleEndian.PutUint64(in, n)
		copy(in[8:], "{}")
		if _, err := readBytes(in); err == nil {
			t.Errorf("%s (%d): no error", name, n)
		}
	}
	if _, err := Read(bytes.NewReader(nil), -1); err == nil {
		t.Error("negative size: no error")
	}
}

// TestNoLargeAllocation feeds headers and sizes that claim far more than
// the input holds; Read must fail having allocated little.
func TestNoLargeAllocation(t *testing.T) {
	const claimed = 1 << 40
	bigHeader := make([]byte, 8, 100)
	binary.LittleEndian.PutUint64(bigHeader, MaxHeaderSize)
	bigHeader = append(bigHeader, `{"a":`...)
	// A valid header for a U8 tensor filling the rest of the claimed size.
	var hdr string
	for d, prev := claimed, 0; d != prev; {
		prev = d
		hdr = fmt.Sprintf(`{"a":{"dtype":"U8","shape":[%d],"data_offsets":[0,%d]}}`, d, d)
		d = claimed - 8 - len(hdr)
	}
	bigData := file(hdr, []byte{1, 2, 3})
	for name, in := range map[string][]byte{"header": bigHeader, "data": bigData} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := Read(bytes.NewReader(in), claimed)
		runtime.ReadMemStats(&after)
		if err == nil || !strings.Contains(err.Error(), "truncated") {
			t.Errorf("%s: err = %v", name, err)
		}
		if got := after.TotalAlloc - before.TotalAlloc; got > 8<<20 {
			t.Errorf("%s: allocated %d bytes for a %d-byte input", name, got, len(in))
		}
	}
}

func FuzzRead(f *testing.F) {
	var buf bytes.Buffer
	if err := Write(&buf, map[string]Tensor{
		"w": NewF32([]int{2, 2}, []float32{1, 2, 3, 4}),
		"h": {DType: F16, Shape: []int{1}, Data: []byte{0, 0x3c}},
		"i": {DType: I64, Shape: []int{}, Data: make([]byte, 8)},
	}, map[string]string{"format": "pt"}); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add(file("{}", nil))
	f.Add(file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, make([]byte, 8)))
	f.Add(file(`{"a":{"dtype":"BF16","shape":[0,3],"data_offsets":[0,0]},"__metadata__":null}`, nil))
	f.Fuzz(func(t *testing.T, in []byte) {
		fl, err := readBytes(in)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "safetensors: ") {
				t.Fatalf("error without prefix: %v", err)
			}
			return
		}
		total := 0
		for _, n := range fl.Names() {
			tt, _ := fl.Get(n)
			if err := tt.check(); err != nil {
				t.Fatalf("tensor %q read but invalid: %v", n, err)
			}
			total += len(tt.Data)
			if tt.DType == F32 || tt.DType == F16 || tt.DType == BF16 || tt.DType == F64 {
				if _, _, err := fl.Float32(n); err != nil {
					t.Fatalf("Float32(%q): %v", n, err)
				}
			}
		}
		hlen := binary.LittleEndian.Uint64(in)
		if uint64(total)+hlen+8 != uint64(len(in)) {
			t.Fatalf("tensors hold %d bytes of a %d-byte buffer", total, uint64(len(in))-hlen-8)
		}
		// What was read can be written and read back identically.
		var out bytes.Buffer
		if err := Write(&out, fl.Tensors(), fl.Metadata); err != nil {
			t.Fatalf("rewriting: %v", err)
		}
		again, err := readBytes(out.Bytes())
		if err != nil {
			t.Fatalf("rereading: %v", err)
		}
		if !slices.Equal(again.Names(), fl.Names()) || len(again.Metadata) != len(fl.Metadata) {
			t.Fatal("round trip changed the file")
		}
		for _, n := range fl.Names() {
			a, _ := fl.Get(n)
			b, _ := again.Get(n)
			if a.DType != b.DType || !slices.Equal(a.Shape, b.Shape) || !bytes.Equal(a.Data, b.Data) {
				t.Fatalf("round trip changed tensor %q", n)
			}
		}
	})
}
