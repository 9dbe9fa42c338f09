package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"unicode/utf8"
)

// MaxHeaderSize is the largest JSON header accepted, in bytes: 100 MB, the
// limit of the reference implementation.
const MaxHeaderSize = 100_000_000

// metadataKey is the reserved header key of the string→string metadata.
const metadataKey = "__metadata__"

// readChunk is the largest allocation made ahead of the data that fills it.
const readChunk = 1 << 20

// File is the decoded content of a safetensors file.
type File struct {
	// Metadata is the header's "__metadata__" object, or nil if absent.
	Metadata map[string]string
	tensors  map[string]Tensor
}

// Names returns the names of the tensors in the file, sorted.
func (f *File) Names() []string {
	names := make([]string, 0, len(f.tensors))
	for n := range f.tensors {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Len returns the number of tensors in the file.
func (f *File) Len() int { return len(f.tensors) }

// Get returns the tensor called name. Its Data is a view of the file's
// buffer: copy it before modifying it.
func (f *File) Get(name string) (Tensor, bool) {
	t, ok := f.tensors[name]
	return t, ok
}

// Tensors returns the file's tensors by name, ready to pass to Write.
// The map is new; the tensors' data is shared with the file.
func (f *File) Tensors() map[string]Tensor {
	m := make(map[string]Tensor, len(f.tensors))
	for n, t := range f.tensors {
		m[n] = t
	}
	return m
}

// Float32 returns the values of the tensor called name converted to
// float32 (see Tensor.Float32) and a copy of its shape.
func (f *File) Float32(name string) ([]float32, []int, error) {
	t, ok := f.tensors[name]
	if !ok {
		return nil, nil, fmt.Errorf("safetensors: no tensor %q", name)
	}
	v, err := t.Float32()
	if err != nil {
		return nil, nil, fmt.Errorf("%w (tensor %q)", err, name)
	}
	return v, slices.Clone(t.Shape), nil
}

// ReadFile reads and validates the safetensors file at path (see Read).
func ReadFile(path string) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("safetensors: %s is not a regular file", path)
	}
	f, err := read(fh, st.Size())
	if err != nil {
		return nil, fmt.Errorf("safetensors: %s: %w", path, err)
	}
	return f, nil
}

// Read reads and validates a safetensors file of size bytes from r. It
// reads exactly size bytes, never more; a shorter input is an error. See
// the package documentation for the checks made.
func Read(r io.Reader, size int64) (*File, error) {
	f, err := read(r, size)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	return f, nil
}

func read(r io.Reader, size int64) (*File, error) {
	if size < 8 {
		return nil, fmt.Errorf("input of %d bytes is shorter than the 8-byte header length", size)
	}
	var pre [8]byte
	if n, err := io.ReadFull(r, pre[:]); err != nil {
		return nil, fmt.Errorf("reading the header length: got %d of 8 bytes: %w", n, unexpected(err))
	}
	n := binary.LittleEndian.Uint64(pre[:])
	switch {
	case n < 2:
		return nil, fmt.Errorf("header length %d is too small for a JSON object", n)
	case n > MaxHeaderSize:
		return nil, fmt.Errorf("header length %d exceeds the limit of %d bytes", n, MaxHeaderSize)
	case n > uint64(size-8):
		return nil, fmt.Errorf("header length %d exceeds the %d bytes that follow it", n, size-8)
	}
	hdr, err := readExact(r, int(n))
	if err != nil {
		return nil, fmt.Errorf("header truncated: expected %d bytes, got %d: %w", n, len(hdr), err)
	}
	bufLen := size - 8 - int64(n)
	entries, meta, err := parseHeader(hdr)
	if err != nil {
		return nil, err
	}
	if err := validate(entries, bufLen); err != nil {
		return nil, err
	}
	if bufLen > math.MaxInt {
		return nil, fmt.Errorf("data buffer of %d bytes is too large", bufLen)
	}
	buf, err := readExact(r, int(bufLen))
	if err != nil {
		return nil, fmt.Errorf("data truncated: expected %d bytes, got %d: %w", bufLen, len(buf), err)
	}
	f := &File{Metadata: meta, tensors: make(map[string]Tensor, len(entries))}
	for _, e := range entries {
		b, end := int(e.begin), int(e.end)
		f.tensors[e.name] = Tensor{DType: e.dtype, Shape: e.shape, Data: buf[b:end:end]}
	}
	return f, nil
}

// entry is one tensor's header record.
type entry struct {
	name       string
	dtype      DType
	shape      []int
	begin, end uint64
}

// validate checks the entries against a data buffer of bufLen bytes: in
// order of offsets they must be contiguous from 0, each as long as its
// shape and dtype require, and end exactly at bufLen. It sorts entries.
func validate(entries []entry, bufLen int64) error {
	slices.SortFunc(entries, func(a, b entry) int {
		if a.begin != b.begin {
			return cmpU64(a.begin, b.begin)
		}
		if a.end != b.end {
			return cmpU64(a.end, b.end)
		}
		return cmpString(a.name, b.name)
	})
	var pos uint64
	for _, e := range entries {
		switch {
		case e.end < e.begin:
			return fmt.Errorf("tensor %q: data_offsets [%d, %d] end before they begin", e.name, e.begin, e.end)
		case e.begin < pos:
			return fmt.Errorf("tensor %q: data_offsets [%d, %d] overlap the previous tensor, which ends at %d", e.name, e.begin, e.end, pos)
		case e.begin > pos:
			return fmt.Errorf("tensor %q: data_offsets [%d, %d] leave a gap of %d bytes after offset %d", e.name, e.begin, e.end, e.begin-pos, pos)
		case e.end > uint64(bufLen):
			return fmt.Errorf("tensor %q: data_offsets [%d, %d] run past the %d-byte data buffer", e.name, e.begin, e.end, bufLen)
		}
		n, err := numElems(e.shape, e.dtype.Size())
		if err != nil {
			return fmt.Errorf("tensor %q: %w", e.name, err)
		}
		if want := uint64(n) * uint64(e.dtype.Size()); e.end-e.begin != want {
			return fmt.Errorf("tensor %q: %s of shape %v needs %d bytes, data_offsets [%d, %d] give %d",
				e.name, e.dtype, e.shape, want, e.begin, e.end, e.end-e.begin)
		}
		pos = e.end
	}
	if pos != uint64(bufLen) {
		return fmt.Errorf("tensors cover %d bytes of the %d-byte data buffer", pos, bufLen)
	}
	return nil
}

func cmpU64(a, b uint64) int {
	if a < b {
		return -1
	}
	return 1
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// parseHeader decodes the JSON header, token by token so that duplicate
// keys, which encoding/json would silently merge, are rejected.
func parseHeader(hdr []byte) ([]entry, map[string]string, error) {
	if !utf8.Valid(hdr) {
		return nil, nil, errors.New("header is not valid UTF-8")
	}
	if hdr[0] != '{' {
		return nil, nil, fmt.Errorf("header does not start with '{' (starts with %q)", hdr[0])
	}
	dec := json.NewDecoder(bytes.NewReader(hdr))
	dec.UseNumber()
	p := &parser{dec: dec}
	var (
		entries []entry
		meta    map[string]string
		seen    = map[string]bool{}
	)
	if err := p.delim('{'); err != nil {
		return nil, nil, err
	}
	for dec.More() {
		key, err := p.str()
		if err != nil {
			return nil, nil, err
		}
		if seen[key] {
			return nil, nil, fmt.Errorf("header: duplicate key %q", key)
		}
		seen[key] = true
		if key == metadataKey {
			if meta, err = p.metadata(); err != nil {
				return nil, nil, err
			}
			continue
		}
		e, err := p.tensorInfo(key)
		if err != nil {
			return nil, nil, err
		}
		entries = append(entries, e)
	}
	if err := p.delim('}'); err != nil {
		return nil, nil, err
	}
	// Only whitespace (the padding) may follow the object.
	if tok, err := dec.Token(); err != io.EOF {
		if err == nil {
			err = fmt.Errorf("unexpected %v", tok)
		}
		return nil, nil, fmt.Errorf("header: trailing data after the JSON object: %w", err)
	}
	return entries, meta, nil
}

// parser reads the header's JSON tokens.
type parser struct{ dec *json.Decoder }

func (p *parser) token() (json.Token, error) {
	tok, err := p.dec.Token()
	if err != nil {
		return nil, fmt.Errorf("header: invalid JSON: %w", unexpected(err))
	}
	return tok, nil
}

func (p *parser) delim(d json.Delim) error {
	tok, err := p.token()
	if err != nil {
		return err
	}
	if tok != d {
		return fmt.Errorf("header: expected %q, found %v", d, describe(tok))
	}
	return nil
}

func (p *parser) str() (string, error) {
	tok, err := p.token()
	if err != nil {
		return "", err
	}
	s, ok := tok.(string)
	if !ok {
		return "", fmt.Errorf("header: expected a string, found %v", describe(tok))
	}
	return s, nil
}

// uint reads a non-negative integer that fits an int.
func (p *parser) uint(what string) (uint64, error) {
	tok, err := p.token()
	if err != nil {
		return 0, err
	}
	num, ok := tok.(json.Number)
	if !ok {
		return 0, fmt.Errorf("header: %s: expected a number, found %v", what, describe(tok))
	}
	v, err := strconv.ParseUint(string(num), 10, 64)
	if err != nil || v > math.MaxInt {
		return 0, fmt.Errorf("header: %s: %s is not a non-negative integer that fits in an int", what, num)
	}
	return v, nil
}

// metadata reads the "__metadata__" object of strings (or null).
func (p *parser) metadata() (map[string]string, error) {
	tok, err := p.token()
	if err != nil {
		return nil, err
	}
	if tok == nil {
		return nil, nil
	}
	if tok != json.Delim('{') {
		return nil, fmt.Errorf("header: %s: expected an object, found %v", metadataKey, describe(tok))
	}
	meta := map[string]string{}
	for p.dec.More() {
		k, err := p.str()
		if err != nil {
			return nil, err
		}
		if _, dup := meta[k]; dup {
			return nil, fmt.Errorf("header: %s: duplicate key %q", metadataKey, k)
		}
		v, err := p.str()
		if err != nil {
			return nil, fmt.Errorf("%w (value of %s key %q)", err, metadataKey, k)
		}
		meta[k] = v
	}
	return meta, p.delim('}')
}

// tensorInfo reads {"dtype": …, "shape": […], "data_offsets": [b, e]}.
func (p *parser) tensorInfo(name string) (entry, error) {
	e := entry{name: name}
	if err := p.delim('{'); err != nil {
		return e, fmt.Errorf("%w (tensor %q)", err, name)
	}
	seen := map[string]bool{}
	for p.dec.More() {
		k, err := p.str()
		if err != nil {
			return e, err
		}
		if seen[k] {
			return e, fmt.Errorf("header: tensor %q: duplicate key %q", name, k)
		}
		seen[k] = true
		switch k {
		case "dtype":
			s, err := p.str()
			if err != nil {
				return e, fmt.Errorf("%w (dtype of tensor %q)", err, name)
			}
			e.dtype = DType(s)
			if !e.dtype.Valid() {
				return e, fmt.Errorf("header: tensor %q: unsupported dtype %q", name, s)
			}
		case "shape":
			if err := p.delim('['); err != nil {
				return e, fmt.Errorf("%w (shape of tensor %q)", err, name)
			}
			e.shape = []int{}
			for p.dec.More() {
				d, err := p.uint(fmt.Sprintf("tensor %q: shape", name))
				if err != nil {
					return e, err
				}
				e.shape = append(e.shape, int(d))
			}
			if err := p.delim(']'); err != nil {
				return e, err
			}
		case "data_offsets":
			if err := p.delim('['); err != nil {
				return e, fmt.Errorf("%w (data_offsets of tensor %q)", err, name)
			}
			var off []uint64
			for p.dec.More() && len(off) < 3 {
				v, err := p.uint(fmt.Sprintf("tensor %q: data_offsets", name))
				if err != nil {
					return e, err
				}
				off = append(off, v)
			}
			if len(off) != 2 {
				return e, fmt.Errorf("header: tensor %q: data_offsets must be [begin, end]", name)
			}
			if err := p.delim(']'); err != nil {
				return e, err
			}
			e.begin, e.end = off[0], off[1]
		default:
			return e, fmt.Errorf("header: tensor %q: unknown key %q", name, k)
		}
	}
	if err := p.delim('}'); err != nil {
		return e, err
	}
	for _, k := range []string{"dtype", "shape", "data_offsets"} {
		if !seen[k] {
			return e, fmt.Errorf("header: tensor %q: missing %q", name, k)
		}
	}
	return e, nil
}

// describe names a JSON token for an error message.
func describe(tok json.Token) string {
	switch v := tok.(type) {
	case nil:
		return "null"
	case json.Delim:
		return strconv.Quote(string(v))
	case string:
		return "string " + strconv.Quote(v)
	case json.Number:
		return "number " + string(v)
	case bool:
		return strconv.FormatBool(v)
	}
	return fmt.Sprint(tok)
}

// readExact reads exactly n bytes, growing its buffer as data arrives so
// that memory use is bounded by twice what r really delivered.
func readExact(r io.Reader, n int) ([]byte, error) {
	buf := make([]byte, 0, min(n, readChunk))
	for len(buf) < n {
		if len(buf) == cap(buf) {
			grown := make([]byte, len(buf), min(n, 2*cap(buf)))
			copy(grown, buf)
			buf = grown
		}
		m, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+m]
		if err != nil {
			if len(buf) == n {
				break
			}
			return buf, unexpected(err)
		}
	}
	return buf, nil
}

// unexpected turns a premature io.EOF into io.ErrUnexpectedEOF.
func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
