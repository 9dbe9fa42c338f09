package data

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// IDX magic numbers: two zero bytes, the element type (0x08 = unsigned
// byte) and the number of dimensions.
const (
	// IDXImagesMagic starts an IDX file of uint8 images [count, rows, cols].
	IDXImagesMagic = 0x00000803
	// IDXLabelsMagic starts an IDX file of uint8 labels [count].
	IDXLabelsMagic = 0x00000801
)

// Limits applied to IDX headers before any payload is read.
const (
	// MaxIDXCount bounds the first dimension (the number of images or
	// labels) of an IDX file.
	MaxIDXCount = 10_000_000
	// MaxIDXSide bounds the rows and columns of IDX images.
	MaxIDXSide = 1024
	// MaxIDXBytes bounds the payload of an IDX file (4 GiB).
	MaxIDXBytes = 1 << 32
)

// readChunk is the largest single allocation made before the data that
// would fill it has actually been read.
const readChunk = 1 << 20

// IDX is a decoded IDX file of unsigned bytes: its dimensions (outermost
// first) and its values in row-major order, len(Data) = product of Dims.
type IDX struct {
	Dims []int
	Data []byte
}

// ReadIDX reads an IDX file of uint8 images (magic 0x00000803, dimensions
// [count, rows, cols]) or labels (magic 0x00000801, dimensions [count]).
// A gzip stream (starting with 1f 8b) is decompressed transparently.
//
// The header is checked against MaxIDXCount, MaxIDXSide and MaxIDXBytes,
// rows and cols must be positive, the payload must be exactly as long as
// the header says (a short file reports how many bytes were expected and
// how many were found) and nothing may follow it. The payload is read
// incrementally, so a header claiming far more data than the input holds
// fails without allocating the claimed size.
func ReadIDX(r io.Reader) (*IDX, error) {
	x, err := readIDX(r)
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	return x, nil
}

func readIDX(r io.Reader) (*IDX, error) {
	br := bufio.NewReader(r)
	var src io.Reader = br
	if p, _ := br.Peek(2); len(p) == 2 && p[0] == 0x1f && p[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("IDX: bad gzip stream: %w", err)
		}
		defer zr.Close()
		src = zr
	}
	var hdr [4]byte
	if n, err := io.ReadFull(src, hdr[:]); err != nil {
		return nil, fmt.Errorf("IDX: reading magic: got %d of 4 bytes: %w", n, unexpected(err))
	}
	magic := binary.BigEndian.Uint32(hdr[:])
	var ndims int
	switch magic {
	case IDXImagesMagic:
		ndims = 3
	case IDXLabelsMagic:
		ndims = 1
	default:
		return nil, fmt.Errorf("IDX: bad magic 0x%08x (want 0x%08x for uint8 images or 0x%08x for uint8 labels)",
			magic, IDXImagesMagic, IDXLabelsMagic)
	}
	dimBuf := make([]byte, 4*ndims)
	if n, err := io.ReadFull(src, dimBuf); err != nil {
		return nil, fmt.Errorf("IDX: reading dimensions: got %d of %d bytes: %w", n, len(dimBuf), unexpected(err))
	}
	dims := make([]int, ndims)
	total := uint64(1)
	for i := range dims {
		d := binary.BigEndian.Uint32(dimBuf[4*i:])
		switch {
		case i == 0 && d > MaxIDXCount:
			return nil, fmt.Errorf("IDX: count %d exceeds the limit of %d", d, MaxIDXCount)
		case i > 0 && (d == 0 || d > MaxIDXSide):
			return nil, fmt.Errorf("IDX: image dimension %d is %d, want 1..%d", i, d, MaxIDXSide)
		}
		dims[i] = int(d)
		total *= uint64(d) // at most 1e7·1024·1024 < 2^64
	}
	if total > MaxIDXBytes || total > math.MaxInt {
		return nil, fmt.Errorf("IDX: payload of %d bytes (dims %v) exceeds the limit of %d", total, dims, uint64(MaxIDXBytes))
	}
	payload, err := readExact(src, int(total))
	if err != nil {
		return nil, fmt.Errorf("IDX: truncated payload for dims %v: expected %d bytes, got %d: %w", dims, total, len(payload), err)
	}
	// Require a clean end of input. For gzip this also verifies the
	// stream's checksum and length, which are only checked at EOF.
	var extra [1]byte
	if n, err := io.ReadFull(src, extra[:]); n > 0 {
		return nil, fmt.Errorf("IDX: trailing data after the %d-byte payload", total)
	} else if err != io.EOF {
		return nil, fmt.Errorf("IDX: after the payload: %w", err)
	}
	return &IDX{Dims: dims, Data: payload}, nil
}

// ReadIDXImages reads an IDX file of uint8 images (see ReadIDX) and checks
// that it has the three dimensions [count, rows, cols].
func ReadIDXImages(r io.Reader) (*IDX, error) {
	x, err := readIDXImages(r)
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	return x, nil
}

func readIDXImages(r io.Reader) (*IDX, error) {
	x, err := readIDX(r)
	if err != nil {
		return nil, err
	}
	if len(x.Dims) != 3 {
		return nil, fmt.Errorf("IDX: want images [count, rows, cols], got dims %v", x.Dims)
	}
	return x, nil
}

// ReadIDXLabels reads an IDX file of uint8 labels (see ReadIDX) and checks
// that every label is in [0, classes).
func ReadIDXLabels(r io.Reader, classes int) ([]int, error) {
	l, err := readIDXLabels(r, classes)
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	return l, nil
}

func readIDXLabels(r io.Reader, classes int) ([]int, error) {
	x, err := readIDX(r)
	if err != nil {
		return nil, err
	}
	if len(x.Dims) != 1 {
		return nil, fmt.Errorf("IDX: want labels [count], got dims %v", x.Dims)
	}
	labels := make([]int, len(x.Data))
	for i, b := range x.Data {
		if int(b) >= classes {
			return nil, fmt.Errorf("IDX: label %d at index %d is out of range [0, %d)", b, i, classes)
		}
		labels[i] = int(b)
	}
	return labels, nil
}

// WriteIDX writes dims and data as an uncompressed IDX file of uint8
// values: images when dims is [count, rows, cols], labels when dims is
// [count]. Wrap w in a gzip.Writer for the .gz form. The dimensions must
// satisfy the limits ReadIDX enforces and len(data) must be their product.
func WriteIDX(w io.Writer, dims []int, data []byte) error {
	if err := writeIDX(w, dims, data); err != nil {
		return fmt.Errorf("data: %w", err)
	}
	return nil
}

func writeIDX(w io.Writer, dims []int, data []byte) error {
	var magic uint32
	switch len(dims) {
	case 1:
		magic = IDXLabelsMagic
	case 3:
		magic = IDXImagesMagic
	default:
		return fmt.Errorf("IDX: cannot write %d dimensions (want 1 for labels or 3 for images)", len(dims))
	}
	total := uint64(1)
	for i, d := range dims {
		if d < 0 || (i == 0 && d > MaxIDXCount) || (i > 0 && (d == 0 || d > MaxIDXSide)) {
			return fmt.Errorf("IDX: invalid dims %v", dims)
		}
		total *= uint64(d)
	}
	if total != uint64(len(data)) {
		return fmt.Errorf("IDX: dims %v need %d bytes, have %d", dims, total, len(data))
	}
	hdr := make([]byte, 4+4*len(dims))
	binary.BigEndian.PutUint32(hdr, magic)
	for i, d := range dims {
		binary.BigEndian.PutUint32(hdr[4+4*i:], uint32(d))
	}
	if _, err := w.Write(hdr); err != nil {
		return fmt.Errorf("IDX: %w", err)
	}
	if _, err := w.Write(data); err != nil {
		return fmt.Errorf("IDX: %w", err)
	}
	return nil
}

// readExact reads exactly n bytes. It grows its buffer as data arrives
// (starting at readChunk at most), so the memory it uses is bounded by
// twice what the reader really delivered. On failure it returns what it
// got together with the error.
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
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}
