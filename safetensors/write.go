package safetensors

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"syscall"
	"time"
	"unicode/utf8"
)

// prepared is a validated file ready to be written: its header (padded)
// and its tensors in storage order.
type prepared struct {
	header  []byte
	tensors []Tensor
}

// prepare validates tensors and metadata and lays the file out as the
// reference implementation does.
func prepare(tensors map[string]Tensor, metadata map[string]string) (*prepared, error) {
	names := make([]string, 0, len(tensors))
	for name, t := range tensors {
		if name == metadataKey {
			return nil, fmt.Errorf("tensor name %q is reserved", metadataKey)
		}
		if !utf8.ValidString(name) {
			return nil, fmt.Errorf("tensor name %q is not valid UTF-8", name)
		}
		if err := t.check(); err != nil {
			return nil, fmt.Errorf("tensor %q: %w", name, err)
		}
		names = append(names, name)
	}
	// Decreasing dtype alignment, then name: the reference order, which
	// keeps every tensor aligned to its element size.
	slices.SortFunc(names, func(a, b string) int {
		ra, rb := dtypeInfo[tensors[a].DType].rank, dtypeInfo[tensors[b].DType].rank
		if ra != rb {
			return rb - ra
		}
		return cmpString(a, b)
	})

	var h bytes.Buffer
	h.WriteByte('{')
	if metadata != nil {
		keys := make([]string, 0, len(metadata))
		for k, v := range metadata {
			if !utf8.ValidString(k) || !utf8.ValidString(v) {
				return nil, fmt.Errorf("metadata %q: %q is not valid UTF-8", k, v)
			}
			keys = append(keys, k)
		}
		slices.Sort(keys)
		writeJSONString(&h, metadataKey)
		h.WriteString(":{")
		for i, k := range keys {
			if i > 0 {
				h.WriteByte(',')
			}
			writeJSONString(&h, k)
			h.WriteByte(':')
			writeJSONString(&h, metadata[k])
		}
		h.WriteByte('}')
	}
	p := &prepared{tensors: make([]Tensor, 0, len(names))}
	var offset uint64
	for i, name := range names {
		t := tensors[name]
		if i > 0 || metadata != nil {
			h.WriteByte(',')
		}
		writeJSONString(&h, name)
		h.WriteString(`:{"dtype":`)
		writeJSONString(&h, string(t.DType))
		h.WriteString(`,"shape":[`)
		for j, d := range t.Shape {
			if j > 0 {
				h.WriteByte(',')
			}
			h.WriteString(strconv.Itoa(d))
		}
		end := offset + uint64(len(t.Data))
		fmt.Fprintf(&h, `],"data_offsets":[%d,%d]}`, offset, end)
		offset = end
		p.tensors = append(p.tensors, t)
	}
	h.WriteByte('}')
	for h.Len()%8 != 0 {
		h.WriteByte(' ')
	}
	if h.Len() > MaxHeaderSize {
		return nil, fmt.Errorf("header of %d bytes exceeds the limit of %d", h.Len(), MaxHeaderSize)
	}
	p.header = h.Bytes()
	return p, nil
}

// writeJSONString writes s as a JSON string without the HTML escaping of
// encoding/json's default, matching serde_json for ordinary names.
func writeJSONString(b *bytes.Buffer, s string) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // cannot fail for a string
	b.Truncate(b.Len() - 1)
}

// writeTo writes the file to w.
func (p *prepared) writeTo(w io.Writer) error {
	var pre [8]byte
	binary.LittleEndian.PutUint64(pre[:], uint64(len(p.header)))
	if _, err := w.Write(pre[:]); err != nil {
		return err
	}
	if _, err := w.Write(p.header); err != nil {
		return err
	}
	for _, t := range p.tensors {
		if _, err := w.Write(t.Data); err != nil {
			return err
		}
	}
	return nil
}

// Write writes tensors and metadata (which may be nil) to w as a
// safetensors file, byte for byte as the reference implementation would:
// tensors stored in order of decreasing dtype alignment, then name,
// compact JSON with "__metadata__" first (its keys sorted), the header
// padded with spaces to a multiple of 8 bytes. Everything is validated —
// known dtypes, data lengths matching shapes, names valid UTF-8 other
// than "__metadata__" — before the first byte is written.
func Write(w io.Writer, tensors map[string]Tensor, metadata map[string]string) error {
	p, err := prepare(tensors, metadata)
	if err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	if err := p.writeTo(bw); err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	return nil
}

// Test hooks for WriteFile's failure paths.
var (
	// hookWrap, if set, wraps the temporary file's writer.
	hookWrap func(io.Writer) io.Writer
	// hookBeforeRename, if set, runs before the rename; an error aborts.
	hookBeforeRename func(tmp string) error
)

// WriteFile writes tensors and metadata to path as Write does, atomically:
// the data goes to a temporary file in the same directory, which is
// synced, closed and then renamed over path, after which the directory is
// synced. Readers see either the old file or the complete new one, and on
// any error the old file is untouched and the temporary file removed. A
// new file gets mode 0666 less the umask, a replaced one keeps its mode;
// if path is a symbolic link, the file it points to is replaced.
func WriteFile(path string, tensors map[string]Tensor, metadata map[string]string) error {
	if err := writeFile(path, tensors, metadata); err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	return nil
}

func writeFile(path string, tensors map[string]Tensor, metadata map[string]string) (err error) {
	p, err := prepare(tensors, metadata)
	if err != nil {
		return err
	}
	if target, err := filepath.EvalSymlinks(path); err == nil {
		path = target
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, tmp, err := createTemp(dir, base)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close() // may already be closed; the error is irrelevant
			os.Remove(tmp)
		}
	}()
	if st, err := os.Stat(path); err == nil && st.Mode().IsRegular() {
		if err := f.Chmod(st.Mode().Perm()); err != nil {
			return err
		}
	}
	var w io.Writer = f
	if hookWrap != nil {
		w = hookWrap(w)
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	if err := p.writeTo(bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if hookBeforeRename != nil {
		if err := hookBeforeRename(tmp); err != nil {
			return err
		}
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	return syncDir(dir)
}

// createTemp creates a new file next to the target, like os.CreateTemp but
// with mode 0666 less the umask, as os.Create would give the target.
func createTemp(dir, base string) (*os.File, string, error) {
	seed := uint64(time.Now().UnixNano()) ^ uint64(os.Getpid())<<32
	for i := 0; ; i++ {
		seed = seed*6364136223846793005 + 1442695040888963407
		name := filepath.Join(dir, "."+base+".tmp-"+strconv.FormatUint(seed>>33, 36))
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
		if err == nil {
			return f, name, nil
		}
		if !errors.Is(err, os.ErrExist) || i >= 100 {
			return nil, "", err
		}
	}
}

// syncDir flushes the directory entry of a rename to disk. File systems
// that cannot sync directories are tolerated, and Windows, where a
// directory cannot be synced, is skipped.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, syscall.ENOTSUP) {
		return err
	}
	return nil
}
