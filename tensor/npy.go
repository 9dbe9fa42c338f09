package tensor

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// NumPy's .npy format (version 1.0–3.0): the magic "\x93NUMPY", a major and
// minor version byte, a little-endian header length (uint16 in 1.0, uint32
// in 2.0 and 3.0), an ASCII (UTF-8 in 3.0) Python dict literal with the
// keys 'descr', 'fortran_order' and 'shape', then the raw values.
// See https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html.
const npyMagic = "\x93NUMPY"

// maxNPYHeader bounds the header we are willing to read; real headers are
// under 200 bytes, NumPy itself refuses those over 10 000.
const maxNPYHeader = 1 << 16

// ReadNPY reads a .npy array of little-endian float32 ('<f4') or float64
// ('<f8') values in C order and returns it as a float32 tensor (float64
// values are rounded). Anything else — big-endian data, Fortran order,
// other dtypes, truncated files, absurd shapes — is a clear error.
func ReadNPY(r io.Reader) (*Tensor, error) {
	shape, data, err := readNPY(r)
	if err != nil {
		return nil, err
	}
	t := &Tensor{Shape: shape, Data: make([]float32, len(data))}
	for i, v := range data {
		t.Data[i] = float32(v)
	}
	return t, nil
}

// ReadNPY64 is ReadNPY keeping float64 precision: it returns the shape and
// the values of a '<f4' or '<f8' array.
func ReadNPY64(r io.Reader) (shape []int, data []float64, err error) {
	return readNPY(r)
}

// WriteNPY writes t as a version 1.0 .npy file of '<f4' values.
func WriteNPY(w io.Writer, t *Tensor) error {
	if n, err := NumElems(t.Shape); err != nil || n != len(t.Data) {
		return fmt.Errorf("npy: tensor shape %v does not match its %d values", t.Shape, len(t.Data))
	}
	buf := make([]byte, 4*len(t.Data))
	for i, v := range t.Data {
		binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(v))
	}
	return writeNPY(w, "<f4", t.Shape, buf)
}

// WriteNPY64 writes data as a version 1.0 .npy file of '<f8' values.
func WriteNPY64(w io.Writer, shape []int, data []float64) error {
	if n, err := NumElems(shape); err != nil || n != len(data) {
		return fmt.Errorf("npy: shape %v does not match %d values", shape, len(data))
	}
	buf := make([]byte, 8*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint64(buf[8*i:], math.Float64bits(v))
	}
	return writeNPY(w, "<f8", shape, buf)
}

func writeNPY(w io.Writer, descr string, shape []int, payload []byte) error {
	dims := make([]string, len(shape))
	for i, d := range shape {
		dims[i] = strconv.Itoa(d)
	}
	tuple := strings.Join(dims, ", ")
	if len(shape) == 1 {
		tuple += ","
	}
	header := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': (%s), }", descr, tuple)
	// Pad with spaces and a final newline so that magic+version+length+header
	// is a multiple of 64 bytes, as NumPy does for aligned memory mapping.
	const prefix = len(npyMagic) + 2 + 2
	total := prefix + len(header) + 1
	header += strings.Repeat(" ", (64-total%64)%64) + "\n"
	if len(header) > math.MaxUint16 {
		return errors.New("npy: header too long")
	}
	bw := bufio.NewWriter(w)
	bw.WriteString(npyMagic)
	bw.Write([]byte{1, 0})
	var hl [2]byte
	binary.LittleEndian.PutUint16(hl[:], uint16(len(header)))
	bw.Write(hl[:])
	bw.WriteString(header)
	bw.Write(payload)
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("npy: %w", err)
	}
	return nil
}

func readNPY(r io.Reader) ([]int, []float64, error) {
	var pre [8]byte
	if _, err := io.ReadFull(r, pre[:]); err != nil {
		return nil, nil, fmt.Errorf("npy: reading magic: %w", err)
	}
	if string(pre[:6]) != npyMagic {
		return nil, nil, errors.New("npy: not a .npy file (bad magic)")
	}
	var hlen int
	switch pre[6] {
	case 1:
		var b [2]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, nil, fmt.Errorf("npy: reading header length: %w", err)
		}
		hlen = int(binary.LittleEndian.Uint16(b[:]))
	case 2, 3:
		var b [4]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, nil, fmt.Errorf("npy: reading header length: %w", err)
		}
		hlen = int(binary.LittleEndian.Uint32(b[:]))
	default:
		return nil, nil, fmt.Errorf("npy: unsupported format version %d.%d", pre[6], pre[7])
	}
	if hlen > maxNPYHeader {
		return nil, nil, fmt.Errorf("npy: header of %d bytes is too long", hlen)
	}
	hb := make([]byte, hlen)
	if _, err := io.ReadFull(r, hb); err != nil {
		return nil, nil, fmt.Errorf("npy: reading header: %w", err)
	}
	descr, fortran, shape, err := parseNPYHeader(string(hb))
	if err != nil {
		return nil, nil, err
	}
	if fortran {
		return nil, nil, errors.New("npy: Fortran-order arrays are not supported; save with np.ascontiguousarray")
	}
	var size int
	switch descr {
	case "<f4":
		size = 4
	case "<f8":
		size = 8
	default:
		return nil, nil, fmt.Errorf("npy: dtype %q not supported (want little-endian float32 '<f4' or float64 '<f8')", descr)
	}
	n, err := NumElems(shape)
	if err != nil {
		return nil, nil, fmt.Errorf("npy: %w", err)
	}
	// Read in chunks so a lying header on a short file fails before it can
	// make us allocate the whole claimed size.
	data := make([]float64, 0, min(n, 1<<20))
	buf := make([]byte, 64<<10)
	for len(data) < n {
		want := min((n-len(data))*size, len(buf))
		if got, err := io.ReadFull(r, buf[:want]); err != nil {
			return nil, nil, fmt.Errorf("npy: data truncated after %d of %d values: %w", len(data)+got/size, n, err)
		}
		for i := 0; i < want; i += size {
			if size == 4 {
				data = append(data, float64(math.Float32frombits(binary.LittleEndian.Uint32(buf[i:]))))
			} else {
				data = append(data, math.Float64frombits(binary.LittleEndian.Uint64(buf[i:])))
			}
		}
	}
	return shape, data, nil
}

// parseNPYHeader parses the dict literal of a .npy header, e.g.
// "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }".
func parseNPYHeader(h string) (descr string, fortran bool, shape []int, err error) {
	h = strings.TrimSpace(h)
	if !strings.HasPrefix(h, "{") || !strings.HasSuffix(h, "}") {
		return "", false, nil, fmt.Errorf("npy: malformed header %q", h)
	}
	body := h[1 : len(h)-1]
	seen := map[string]bool{}
	for len(strings.TrimSpace(body)) > 0 {
		body = strings.TrimSpace(body)
		key, rest, ok := cutQuoted(body)
		if !ok {
			return "", false, nil, fmt.Errorf("npy: malformed header key in %q", h)
		}
		rest = strings.TrimSpace(rest)
		if !strings.HasPrefix(rest, ":") {
			return "", false, nil, fmt.Errorf("npy: missing ':' after %q in header", key)
		}
		rest = strings.TrimSpace(rest[1:])
		var val string
		tuple := false
		switch {
		case strings.HasPrefix(rest, "("):
			tuple = true
			end := strings.IndexByte(rest, ')')
			if end < 0 {
				return "", false, nil, fmt.Errorf("npy: unterminated tuple in header %q", h)
			}
			val, rest = rest[:end+1], rest[end+1:]
		case strings.HasPrefix(rest, "'") || strings.HasPrefix(rest, "\""):
			v, r, ok := cutQuoted(rest)
			if !ok {
				return "", false, nil, fmt.Errorf("npy: unterminated string in header %q", h)
			}
			val, rest = v, r
		default:
			end := strings.IndexByte(rest, ',')
			if end < 0 {
				end = len(rest)
			}
			val, rest = strings.TrimSpace(rest[:end]), rest[end:]
		}
		if seen[key] {
			return "", false, nil, fmt.Errorf("npy: duplicate key %q in header", key)
		}
		seen[key] = true
		switch key {
		case "descr":
			descr = val
		case "fortran_order":
			switch val {
			case "False":
			case "True":
				fortran = true
			default:
				return "", false, nil, fmt.Errorf("npy: bad fortran_order %q", val)
			}
		case "shape":
			if !tuple {
				return "", false, nil, fmt.Errorf("npy: shape %q is not a tuple", val)
			}
			if shape, err = parseTuple(val); err != nil {
				return "", false, nil, err
			}
		default:
			return "", false, nil, fmt.Errorf("npy: unknown header key %q", key)
		}
		rest = strings.TrimSpace(rest)
		if strings.HasPrefix(rest, ",") {
			rest = rest[1:]
		} else if strings.TrimSpace(rest) != "" {
			return "", false, nil, fmt.Errorf("npy: missing ',' in header %q", h)
		}
		body = rest
	}
	if !seen["descr"] || !seen["fortran_order"] || !seen["shape"] {
		return "", false, nil, fmt.Errorf("npy: header %q lacks descr, fortran_order or shape", h)
	}
	return descr, fortran, shape, nil
}

func cutQuoted(s string) (val, rest string, ok bool) {
	if s == "" || (s[0] != '\'' && s[0] != '"') {
		return "", "", false
	}
	end := strings.IndexByte(s[1:], s[0])
	if end < 0 {
		return "", "", false
	}
	return s[1 : 1+end], s[2+end:], true
}

func parseTuple(s string) ([]int, error) {
	if len(s) < 2 || s[0] != '(' || s[len(s)-1] != ')' {
		return nil, fmt.Errorf("npy: shape %q is not a tuple", s)
	}
	inner := strings.TrimSpace(s[1 : len(s)-1])
	shape := []int{}
	if inner == "" {
		return shape, nil
	}
	for _, part := range strings.Split(inner, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue // trailing comma of a 1-tuple
		}
		d, err := strconv.Atoi(strings.TrimSuffix(part, "L"))
		if err != nil || d < 0 {
			return nil, fmt.Errorf("npy: bad dimension %q in shape %s", part, s)
		}
		shape = append(shape, d)
	}
	return shape, nil
}
