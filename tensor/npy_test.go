package tensor

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// npyFile assembles a .npy file the way NumPy's format module does: the
// magic, the version, the little-endian header length (uint16 for 1.0,
// uint32 for 2.0 and 3.0), the header dict padded with spaces and ended by
// '\n' so that the data starts at a multiple of align bytes (64 since NumPy
// 1.14, 16 before), then the data.
func npyFile(major byte, dict string, align int, data []byte) []byte {
	prefix := 10
	if major >= 2 {
		prefix = 12
	}
	header := dict + strings.Repeat(" ", (align-(prefix+len(dict)+1)%align)%align) + "\n"
	var b bytes.Buffer
	b.WriteString("\x93NUMPY")
	b.Write([]byte{major, 0})
	if major == 1 {
		binary.Write(&b, binary.LittleEndian, uint16(len(header)))
	} else {
		binary.Write(&b, binary.LittleEndian, uint32(len(header)))
	}
	b.WriteString(header)
	b.Write(data)
	return b.Bytes()
}

func f4bytes(v ...float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

func f8bytes(v ...float64) []byte {
	b := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(x))
	}
	return b
}

// numpyArange5 is np.save(f, np.arange(5, dtype='<f4')) byte for byte: the
// header dict as NumPy formats it (sorted keys, repr values, ", " after
// each entry), 60 spaces and a newline, so that the 10-byte prefix plus
// the 118-byte header (0x76) end at byte 128. (Recent NumPy versions add
// spaces after the dict for in-place growth; the padding to 64 absorbs
// them, so the file is the same.)
var numpyArange5 = "\x93NUMPY\x01\x00\x76\x00" +
	"{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }" + strings.Repeat(" ", 60) + "\n" +
	"\x00\x00\x00\x00" + "\x00\x00\x80\x3f" + "\x00\x00\x00\x40" + "\x00\x00\x40\x40" + "\x00\x00\x80\x40"

func TestWriteNPYMatchesNumPy(t *testing.T) {
	x, _ := FromData([]float32{0, 1, 2, 3, 4}, 5)
	var b bytes.Buffer
	if err := WriteNPY(&b, x); err != nil {
		t.Fatal(err)
	}
	if got := b.String(); got != numpyArange5 {
		t.Errorf("WriteNPY(arange(5)) =\n%q\nwant NumPy's\n%q", got, numpyArange5)
	}
	// Every header WriteNPY and WriteNPY64 produce is 64-byte aligned and
	// ends with a newline, whatever the rank.
	for _, shape := range [][]int{{}, {0}, {1}, {2, 3}, {2, 3, 4, 5}, {1000000, 0, 7}, {123456789, 0}} {
		n, _ := NumElems(shape)
		for _, w := range []func(io.Writer) error{
			func(w io.Writer) error { return WriteNPY(w, &Tensor{Shape: shape, Data: make([]float32, n)}) },
			func(w io.Writer) error { return WriteNPY64(w, shape, make([]float64, n)) },
		} {
			var b bytes.Buffer
			if err := w(&b); err != nil {
				t.Fatalf("shape %v: %v", shape, err)
			}
			hlen := int(binary.LittleEndian.Uint16(b.Bytes()[8:10]))
			if (10+hlen)%64 != 0 || b.Bytes()[10+hlen-1] != '\n' {
				t.Errorf("shape %v: header of %d bytes is not 64-byte aligned or lacks its newline: %q", shape, hlen, b.Bytes()[:10+hlen])
			}
		}
	}
}

func TestNPYRoundTrip32(t *testing.T) {
	special := []float32{0, float32(math.Copysign(0, -1)), 1, -1.5, math.MaxFloat32, math.SmallestNonzeroFloat32,
		float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), 1e-40, 3.14159}
	for _, shape := range [][]int{{}, {0}, {11}, {1, 11}, {11, 1, 1}, {3, 0, 2}} {
		n, _ := NumElems(shape)
		data := make([]float32, n)
		for i := range data {
			data[i] = special[i%len(special)]
		}
		x := &Tensor{Shape: shape, Data: data}
		var b bytes.Buffer
		if err := WriteNPY(&b, x); err != nil {
			t.Fatalf("%v: %v", shape, err)
		}
		file := b.Bytes()
		y, err := ReadNPY(bytes.NewReader(file))
		if err != nil {
			t.Fatalf("%v: ReadNPY: %v", shape, err)
		}
		if !slices.Equal(y.Shape, shape) || len(y.Data) != n {
			t.Fatalf("%v: read back shape %v with %d values", shape, y.Shape, len(y.Data))
		}
		for i := range data {
			if math.Float32bits(y.Data[i]) != math.Float32bits(data[i]) {
				t.Errorf("%v: value %d: read %v, wrote %v", shape, i, y.Data[i], data[i])
			}
		}
		// ReadNPY64 widens '<f4' exactly.
		s64, d64, err := ReadNPY64(bytes.NewReader(file))
		if err != nil || !slices.Equal(s64, shape) || len(d64) != n {
			t.Fatalf("%v: ReadNPY64: %v, %d values, %v", shape, s64, len(d64), err)
		}
		for i := range data {
			if w := float64(data[i]); d64[i] != w && !(math.IsNaN(d64[i]) && math.IsNaN(w)) {
				t.Errorf("%v: ReadNPY64 value %d = %v, want %v", shape, i, d64[i], w)
			}
		}
	}
}

func TestNPYRoundTrip64(t *testing.T) {
	data := []float64{0, math.Copysign(0, -1), 1.0 / 3, -1e300, math.MaxFloat64, math.SmallestNonzeroFloat64,
		math.Inf(1), math.NaN(), 1e-320, math.Pi, 0.1, 1 << 53}
	shape := []int{3, 4}
	var b bytes.Buffer
	if err := WriteNPY64(&b, shape, data); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b.Bytes(), []byte("'descr': '<f8'")) {
		t.Errorf("WriteNPY64 header lacks '<f8': %q", b.Bytes()[:64])
	}
	s, d, err := ReadNPY64(bytes.NewReader(b.Bytes()))
	if err != nil || !slices.Equal(s, shape) {
		t.Fatalf("ReadNPY64: %v, %v", s, err)
	}
	for i := range data {
		if math.Float64bits(d[i]) != math.Float64bits(data[i]) {
			t.Errorf("value %d: read %v, wrote %v", i, d[i], data[i])
		}
	}
	// ReadNPY rounds '<f8' to float32.
	x, err := ReadNPY(bytes.NewReader(b.Bytes()))
	if err != nil || !slices.Equal(x.Shape, shape) {
		t.Fatalf("ReadNPY of a '<f8' file: %v, %v", x, err)
	}
	for i := range data {
		if w := float32(data[i]); math.Float32bits(x.Data[i]) != math.Float32bits(w) && !(math.IsNaN(float64(w)) && x.Data[i] != x.Data[i]) {
			t.Errorf("ReadNPY value %d = %v, want float32(%v) = %v", i, x.Data[i], data[i], w)
		}
	}
}

func TestWriteNPYErrors(t *testing.T) {
	var b bytes.Buffer
	for _, x := range []*Tensor{
		{Shape: []int{2, 3}, Data: make([]float32, 5)},
		{Shape: []int{-1}, Data: nil},
		{Shape: nil, Data: nil}, // a scalar needs one value
	} {
		if err := WriteNPY(&b, x); err == nil || !strings.HasPrefix(err.Error(), "npy: ") {
			t.Errorf("WriteNPY(%v): %v, want an npy error", x, err)
		}
	}
	if err := WriteNPY64(&b, []int{4}, make([]float64, 3)); err == nil {
		t.Error("WriteNPY64 with 3 values for shape [4] succeeded")
	}
	if err := WriteNPY(failWriter{}, New(2)); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("WriteNPY to a failing writer: %v", err)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestReadNumPyFiles(t *testing.T) {
	// Files as NumPy writes them, in the versions and dialects a reader
	// meets in practice.
	six := f4bytes(0, 1, 2, 3, 4, 5)
	cases := []struct {
		name  string
		file  []byte
		shape []int
		data  []float64
	}{
		{"np.arange(5, dtype='<f4')", []byte(numpyArange5), []int{5}, []float64{0, 1, 2, 3, 4}},
		{"1-D", npyFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", 64, f4bytes(1, 2, 3)), []int{3}, []float64{1, 2, 3}},
		{"scalar", npyFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", 64, f4bytes(2.5)), []int{}, []float64{2.5}},
		{"2-D", npyFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 64, six), []int{2, 3}, []float64{0, 1, 2, 3, 4, 5}},
		{"4-D", npyFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2, 3, 1), }", 64, six), []int{1, 2, 3, 1}, []float64{0, 1, 2, 3, 4, 5}},
		{"float64", npyFile(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", 64, f8bytes(0.1, -7)), []int{2}, []float64{0.1, -7}},
		{"empty", npyFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (0,), }", 64, nil), []int{0}, []float64{}},
		{"empty 2-D", npyFile(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 0), }", 64, nil), []int{2, 0}, []float64{}},
		// NumPy before 1.14 aligned the data to 16 bytes.
		{"16-byte alignment", npyFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 16, six), []int{2, 3}, []float64{0, 1, 2, 3, 4, 5}},
		// Version 2.0 (a uint32 header length), which NumPy writes for
		// headers over 64 KiB, and 3.0 (a UTF-8 header).
		{"version 2.0", npyFile(2, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 64, six), []int{2, 3}, []float64{0, 1, 2, 3, 4, 5}},
		{"version 3.0", npyFile(3, "{'descr': '<f4', 'fortran_order': False, 'shape': (6,), }", 64, six), []int{6}, []float64{0, 1, 2, 3, 4, 5}},
		// Python 2's long integers.
		{"long dims", npyFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 3L), }", 64, six), []int{2, 3}, []float64{0, 1, 2, 3, 4, 5}},
		// Other writers: any key order, double quotes, no trailing comma,
		// other spacing.
		{"other dialect", npyFile(1, `{"shape":(2,3),"fortran_order":False,"descr":"<f4"}`, 64, six), []int{2, 3}, []float64{0, 1, 2, 3, 4, 5}},
		{"spaces", npyFile(1, "{ 'descr' : '<f4' , 'fortran_order' : False , 'shape' : ( 6 , ) }", 64, six), []int{6}, []float64{0, 1, 2, 3, 4, 5}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			shape, data, err := ReadNPY64(bytes.NewReader(tc.file))
			if err != nil {
				t.Fatalf("ReadNPY64: %v", err)
			}
			if !slices.Equal(shape, tc.shape) || !slices.Equal(data, tc.data) {
				t.Errorf("ReadNPY64 = %v %v, want %v %v", shape, data, tc.shape, tc.data)
			}
			x, err := ReadNPY(bytes.NewReader(tc.file))
			if err != nil || !slices.Equal(x.Shape, tc.shape) || len(x.Data) != len(tc.data) {
				t.Fatalf("ReadNPY = %v, %v", x, err)
			}
		})
	}
}

func TestReadNPYErrors(t *testing.T) {
	hdr := func(dict string) []byte { return npyFile(1, dict, 64, f4bytes(0, 1, 2, 3, 4, 5)) }
	withDescr := func(d string) []byte {
		return hdr("{'descr': '" + d + "', 'fortran_order': False, 'shape': (6,), }")
	}
	withShape := func(s string) []byte {
		return hdr("{'descr': '<f4', 'fortran_order': False, 'shape': " + s + ", }")
	}
	raw := func(parts ...string) []byte { return []byte(strings.Join(parts, "")) }
	cases := []struct {
		name string
		file []byte
		want string
		// bug describes the once-open bug the case guards against.
		bug string
	}{
		{"empty file", nil, "npy: reading magic", ""},
		{"not npy", []byte("PK\x03\x04 this is a zip file"), "not a .npy file (bad magic)", ""},
		{"magic only", []byte("\x93NUMPY"), "reading magic", ""},
		{"version 0", raw("\x93NUMPY\x00\x00\x10\x00"), "unsupported format version 0.0", ""},
		{"version 4", raw("\x93NUMPY\x04\x00\x10\x00"), "unsupported format version 4.0", ""},
		{"no header length", raw("\x93NUMPY\x01\x00"), "reading header length", ""},
		{"short header length v2", raw("\x93NUMPY\x02\x00\x10\x00"), "reading header length", ""},
		{"header over 64 KiB", raw("\x93NUMPY\x02\x00\x01\x00\x01\x00"), "header of 65537 bytes is too long", ""},
		{"header of 4 GiB", raw("\x93NUMPY\x03\x00\xff\xff\xff\xff"), "too long", ""},
		{"header shorter than its length", raw("\x93NUMPY\x01\x00\x76\x00{'descr': '<f4'"), "reading header", ""},
		{"big-endian float32", withDescr(">f4"), `dtype ">f4" not supported`, ""},
		{"big-endian float64", withDescr(">f8"), `dtype ">f8" not supported`, ""},
		{"int32", withDescr("<i4"), `dtype "<i4" not supported`, ""},
		{"int64", withDescr("<i8"), `dtype "<i8" not supported`, ""},
		{"uint8", withDescr("|u1"), `dtype "|u1" not supported`, ""},
		{"bool", withDescr("|b1"), `dtype "|b1" not supported`, ""},
		{"float16", withDescr("<f2"), `dtype "<f2" not supported`, ""},
		{"complex64", withDescr("<c8"), `dtype "<c8" not supported`, ""},
		{"native-order float32", withDescr("=f4"), `dtype "=f4" not supported`, ""},
		{"object", withDescr("|O"), `dtype "|O" not supported`, ""},
		{"structured dtype", hdr("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (6,), }"), "npy: ", ""},
		{"fortran order", hdr("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }"), "Fortran-order arrays are not supported", ""},
		{"data truncated", npyFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 64, f4bytes(1, 2, 3)), "data truncated after", ""},
		{"data truncated mid-value", npyFile(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", 64, f8bytes(1)[:7]), "data truncated after 0 of 2 values", ""},
		{
			"data truncated count", npyFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 64, f4bytes(1, 2, 3)), "data truncated after 3 of 6 values",
			"the truncation message counts the values of whole 64 KiB chunks decoded before the short read, not those present (here 0 instead of 3); use the byte count io.ReadFull returns",
		},
		{"negative dimension", withShape("(-1,)"), "bad dimension", ""},
		{"float dimension", withShape("(2.5,)"), `bad dimension "2.5"`, ""},
		{"word dimension", withShape("(2, x)"), `bad dimension "x"`, ""},
		{"space-separated dims", withShape("(2 3)"), "bad dimension", ""},
		{"dims over MaxElems", withShape("(1048576, 1048576)"), "npy: shape [1048576 1048576] has more than 2147483648 elements", ""},
		{"dims overflowing int64", withShape("(4294967296, 4294967296, 4294967296)"), "more than", ""},
		{"dim overflowing int", withShape("(99999999999999999999,)"), "bad dimension", ""},
		{"not a dict", hdr("['descr', '<f4']"), "malformed header", ""},
		{"empty header", hdr(""), "malformed header", ""},
		{"missing shape", hdr("{'descr': '<f4', 'fortran_order': False, }"), "lacks descr, fortran_order or shape", ""},
		{"missing descr", hdr("{'fortran_order': False, 'shape': (6,), }"), "lacks descr", ""},
		{"empty dict", hdr("{}"), "lacks descr", ""},
		{"unknown key", hdr("{'descr': '<f4', 'fortran_order': False, 'shape': (6,), 'extra': 1, }"), `unknown header key "extra"`, ""},
		{"duplicate key", hdr("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (6,), }"), `duplicate key "descr"`, ""},
		{"bad fortran_order", hdr("{'descr': '<f4', 'fortran_order': 0, 'shape': (6,), }"), `bad fortran_order "0"`, ""},
		{"unterminated tuple", hdr("{'descr': '<f4', 'fortran_order': False, 'shape': (6, }"), "unterminated tuple", ""},
		{"unterminated string", hdr("{'descr': '<f4, 'fortran_order': False, 'shape': (6,) }"), "npy: ", ""},
		{"unterminated string value", hdr("{'descr': '<f4"), "malformed header", ""},
		{"unquoted key", hdr("{descr: '<f4', 'fortran_order': False, 'shape': (6,), }"), "malformed header key", ""},
		{"missing colon", hdr("{'descr' '<f4', 'fortran_order': False, 'shape': (6,), }"), "missing ':'", ""},
		{"missing comma", hdr("{'descr': '<f4' 'fortran_order': False, 'shape': (6,), }"), "missing ','", ""},
		{"nested tuple", withShape("((2, 3),)"), "bad dimension", ""},
		{
			"shape not a tuple", withShape("6"), "shape",
			"parseTuple slices s[1:len(s)-1] without checking that s is a parenthesised tuple: 'shape': 6 panics (slice bounds out of range)",
		},
		{
			"empty shape string", withShape("''"), "shape",
			"parseTuple panics on 'shape': '' (slice bounds out of range [1:0])",
		},
		{
			"shape as a string", withShape("'(6)'"), "shape",
			"a quoted string is accepted as the shape tuple ('shape': '(6)' reads as shape [6]); require the '(' … ')' form",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			var shape []int
			panicked := func() (p any) {
				defer func() { p = recover() }()
				shape, _, err = ReadNPY64(bytes.NewReader(tc.file))
				return nil
			}()
			if panicked != nil {
				t.Fatalf("ReadNPY64 panicked: %v", panicked)
			}
			if err == nil || !strings.HasPrefix(err.Error(), "npy: ") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ReadNPY64: shape %v, error %v; want an error containing %q", shape, err, tc.want)
			}
			if x, err := ReadNPY(bytes.NewReader(tc.file)); err == nil || x != nil {
				t.Errorf("ReadNPY = %v, %v; want an error", x, err)
			}
		})
	}
}

func TestReadNPYTruncatedEverywhere(t *testing.T) {
	// Every proper prefix of a valid file is an error, never a panic or a
	// short read mistaken for success.
	var files [][]byte
	var b bytes.Buffer
	x, _ := FromData([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	WriteNPY(&b, x)
	files = append(files, slices.Clone(b.Bytes()))
	b.Reset()
	WriteNPY64(&b, []int{3}, []float64{1, 2, 3})
	files = append(files, slices.Clone(b.Bytes()))
	files = append(files, npyFile(2, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 64, f4bytes(1, 2)))
	files = append(files, npyFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", 64, f4bytes(1)))
	for fi, file := range files {
		if _, _, err := ReadNPY64(bytes.NewReader(file)); err != nil {
			t.Fatalf("file %d is not valid: %v", fi, err)
		}
		for n := range len(file) {
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("file %d cut to %d of %d bytes: panic %v", fi, n, len(file), r)
					}
				}()
				if _, _, err := ReadNPY64(bytes.NewReader(file[:n])); err == nil {
					t.Errorf("file %d cut to %d of %d bytes: no error", fi, n, len(file))
				}
				if _, err := ReadNPY(bytes.NewReader(file[:n])); err == nil {
					t.Errorf("file %d cut to %d of %d bytes: ReadNPY no error", fi, n, len(file))
				}
			}()
		}
	}
}

func TestReadNPYHugeShapeSmallFile(t *testing.T) {
	// A header that claims 2^30 float32 values (4 GiB, under MaxElems)
	// followed by 16 bytes must fail without allocating anything near the
	// claimed size. ReadNPY reads in chunks and caps its first allocation at
	// 2^20 values (8 MiB of float64), so 32 MiB is a generous bound.
	const limit = 32 << 20
	for _, tc := range []struct {
		dict string
		want string
	}{
		{"{'descr': '<f4', 'fortran_order': False, 'shape': (1073741824,), }", "data truncated after 4 of 1073741824 values"}, // see "data truncated count" above
		{"{'descr': '<f8', 'fortran_order': False, 'shape': (2147483648,), }", "of 2147483648 values"},
		{"{'descr': '<f4', 'fortran_order': False, 'shape': (65536, 32768), }", "data truncated"},
		{"{'descr': '<f4', 'fortran_order': False, 'shape': (2147483649,), }", "more than"},
	} {
		file := npyFile(1, tc.dict, 64, f4bytes(1, 2, 3, 4))
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		_, _, err := ReadNPY64(bytes.NewReader(file))
		runtime.ReadMemStats(&after)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.dict, err, tc.want)
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > limit {
			t.Errorf("%s: allocated %d MiB for a %d-byte file", tc.dict, alloc>>20, len(file))
		}
	}
}

func FuzzReadNPY(f *testing.F) {
	var b bytes.Buffer
	x, _ := FromData([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	WriteNPY(&b, x)
	f.Add(slices.Clone(b.Bytes()))
	b.Reset()
	WriteNPY64(&b, []int{2}, []float64{1, 2})
	f.Add(slices.Clone(b.Bytes()))
	f.Add([]byte(numpyArange5))
	f.Add(npyFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", 64, f4bytes(1)))
	f.Add(npyFile(2, "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 1), }", 64, f8bytes(1)))
	f.Add(npyFile(3, `{"shape":(2L,),"fortran_order":False,"descr":"<f4"}`, 16, f4bytes(1, 2)))
	f.Add(npyFile(1, "{'descr': '>f4', 'fortran_order': True, 'shape': (0,), }", 64, nil))
	f.Add([]byte("\x93NUMPY\x01\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, file []byte) {
		var shape []int
		var data []float64
		var err error
		shape, data, err = ReadNPY64(bytes.NewReader(file))
		x, err32 := ReadNPY(bytes.NewReader(file))
		if (err == nil) != (err32 == nil) {
			t.Fatalf("ReadNPY64 error %v but ReadNPY error %v", err, err32)
		}
		if err != nil {
			if !strings.HasPrefix(err.Error(), "npy: ") {
				t.Fatalf("error %q lacks the \"npy: \" prefix", err)
			}
			return
		}
		n, nerr := NumElems(shape)
		if nerr != nil || n != len(data) {
			t.Fatalf("shape %v (%v) with %d values", shape, nerr, len(data))
		}
		if !slices.Equal(x.Shape, shape) || len(x.Data) != n {
			t.Fatalf("ReadNPY shape %v with %d values, ReadNPY64 %v", x.Shape, len(x.Data), shape)
		}
		for i, v := range data {
			if w := float32(v); math.Float32bits(x.Data[i]) != math.Float32bits(w) && !(v != v && x.Data[i] != x.Data[i]) {
				t.Fatalf("value %d: ReadNPY %v, ReadNPY64 %v", i, x.Data[i], v)
			}
		}
		// What was read writes back and reads again unchanged.
		var b bytes.Buffer
		if err := WriteNPY64(&b, shape, data); err != nil {
			t.Fatalf("WriteNPY64(%v): %v", shape, err)
		}
		s2, d2, err := ReadNPY64(&b)
		if err != nil || !slices.Equal(s2, shape) || len(d2) != len(data) {
			t.Fatalf("round trip: %v, %d values, %v", s2, len(d2), err)
		}
		for i := range data {
			if math.Float64bits(d2[i]) != math.Float64bits(data[i]) {
				t.Fatalf("round trip value %d: %v, want %v", i, d2[i], data[i])
			}
		}
	})
}

// A reader that returns a few bytes at a time must work like one that
// returns everything at once.
type trickle struct {
	r io.Reader
	n int
}

func (t *trickle) Read(p []byte) (int, error) {
	if len(p) > t.n {
		p = p[:t.n]
	}
	return t.r.Read(p)
}

func TestReadNPYShortReads(t *testing.T) {
	data := make([]float32, 70000) // more than one 64 KiB read chunk
	for i := range data {
		data[i] = float32(i)
	}
	var b bytes.Buffer
	if err := WriteNPY(&b, &Tensor{Shape: []int{70000}, Data: data}); err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{1, 3, 7, 4096} {
		x, err := ReadNPY(&trickle{bytes.NewReader(b.Bytes()), n})
		if err != nil || !slices.Equal(x.Data, data) {
			t.Fatalf("reading %d bytes at a time: %v", n, err)
		}
	}
}
