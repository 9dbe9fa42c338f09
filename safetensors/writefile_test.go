package safetensors

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
)

// onlyFiles lists dir, failing the test if it holds anything but want.
func onlyFiles(t *testing.T, dir string, want ...string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("directory holds %v, want %v (a temporary file left behind?)", got, want)
	}
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "model.safetensors")
	tensors := map[string]Tensor{"w": NewF32([]int{2}, []float32{1, 2})}
	if err := WriteFile(path, tensors, map[string]string{"epoch": "1"}); err != nil {
		t.Fatal(err)
	}
	f, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if v, _, err := f.Float32("w"); err != nil || !slices.Equal(v, []float32{1, 2}) || f.Metadata["epoch"] != "1" {
		t.Errorf("read back %v, %v, metadata %v", v, err, f.Metadata)
	}
	var buf bytes.Buffer
	if err := Write(&buf, tensors, map[string]string{"epoch": "1"}); err != nil {
		t.Fatal(err)
	}
	if disk, _ := os.ReadFile(path); !bytes.Equal(disk, buf.Bytes()) {
		t.Error("WriteFile and Write differ")
	}
	onlyFiles(t, dir, "model.safetensors")

	// Replacing keeps the old file's permissions.
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, map[string]Tensor{"w": NewF32([]int{1}, []float32{3})}, nil); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(path); err != nil || (runtime.GOOS != "windows" && st.Mode().Perm() != 0o600) {
		t.Errorf("mode after replace: %v, %v", st.Mode(), err)
	}
	if f, err := ReadFile(path); err != nil || f.Len() != 1 || f.Metadata != nil {
		t.Errorf("replaced file: %v", err)
	}
	onlyFiles(t, dir, "model.safetensors")
}

func TestWriteFileRelative(t *testing.T) {
	t.Chdir(t.TempDir())
	if err := WriteFile("rel.safetensors", map[string]Tensor{"x": NewF32(nil, []float32{1})}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFile("rel.safetensors"); err != nil {
		t.Fatal(err)
	}
	onlyFiles(t, ".", "rel.safetensors")
}

// TestWriteFileAtomic makes WriteFile fail at each stage and checks that
// the old file survives intact and no temporary file remains.
func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ckpt.safetensors")
	if err := WriteFile(path, map[string]Tensor{"old": NewF32([]int{3}, []float32{1, 2, 3})}, nil); err != nil {
		t.Fatal(err)
	}
	old, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	big := map[string]Tensor{"new": NewF32([]int{1 << 18}, make([]float32, 1<<18))} // 1 MiB

	failures := map[string]func() error{
		"invalid tensor": func() error {
			return WriteFile(path, map[string]Tensor{"bad": {DType: F32, Shape: []int{4}, Data: make([]byte, 12)}}, nil)
		},
		"write fails midway": func() error {
			hookWrap = func(w io.Writer) io.Writer { return &failWriter{n: 300 << 10} }
			defer func() { hookWrap = nil }()
			return WriteFile(path, big, nil)
		},
		"write fails at once": func() error {
			hookWrap = func(w io.Writer) io.Writer { return &failWriter{n: 0} }
			defer func() { hookWrap = nil }()
			return WriteFile(path, big, nil)
		},
		"fails before rename": func() error {
			hookBeforeRename = func(tmp string) error {
				// The complete new file exists under its temporary name.
				if f, err := ReadFile(tmp); err != nil || f.Len() != 1 {
					t.Errorf("temporary file not complete: %v", err)
				}
				return errors.New("simulated crash")
			}
			defer func() { hookBeforeRename = nil }()
			return WriteFile(path, big, nil)
		},
		"missing directory": func() error {
			return WriteFile(filepath.Join(dir, "nope", "x.safetensors"), big, nil)
		},
	}
	for name, fail := range failures {
		if err := fail(); err == nil {
			t.Errorf("%s: no error", name)
		}
		if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, old) {
			t.Errorf("%s: the old file changed (%v)", name, err)
		}
		onlyFiles(t, dir, "ckpt.safetensors")
	}
}

func TestWriteFileSymlink(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symbolic links need privileges on Windows")
	}
	dir := t.TempDir()
	target := filepath.Join(dir, "real.safetensors")
	link := filepath.Join(dir, "link.safetensors")
	if err := os.WriteFile(target, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("real.safetensors", link); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(link, map[string]Tensor{"x": NewF32(nil, []float32{1})}, nil); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Error("the link was replaced by a file")
	}
	if f, err := ReadFile(target); err != nil || f.Len() != 1 {
		t.Errorf("target not written: %v", err)
	}
}

func TestReadFileErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := ReadFile(filepath.Join(dir, "missing")); err == nil {
		t.Error("missing file: no error")
	}
	if _, err := ReadFile(dir); err == nil {
		t.Error("directory: no error")
	}
	p := filepath.Join(dir, "short")
	if err := os.WriteFile(p, []byte{2, 0, 0, 0, 0, 0, 0, 0, '{'}, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFile(p); err == nil {
		t.Error("short file: no error")
	}
}
