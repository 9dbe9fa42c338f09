package archtest

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/convkit/convkit/"

// allowed is the table of docs/architecture.md: the convkit packages each
// package may import (in-package tests included; external _test packages
// are consumers and may import anything; standard library and third-party
// imports are not restricted here). Keep the two in step.
var allowed = map[string][]string{
	"tensor":            {},
	"internal/geom":     {},
	"internal/ref":      {"internal/geom"},
	"internal/asm":      {},
	"internal/pool":     {},
	"internal/gemm":     {"internal/asm", "internal/pool"},
	"internal/kernel":   {"internal/geom", "internal/gemm", "internal/asm", "internal/pool", "internal/ref"}, // ref: tests only
	"conv":              {"tensor", "internal/geom", "internal/ref", "internal/kernel", "internal/asm"},      // asm: tests switch paths, Kernels
	"cost":              {"conv", "tensor"},
	"nn":                {"conv", "tensor", "internal/gemm", "internal/asm", "internal/pool"},
	"data":              {"tensor"},
	"safetensors":       {"tensor"},
	"train":             {"nn", "data", "tensor", "safetensors", "conv", "zoo"},
	"zoo":               {"nn", "conv", "tensor", "cost"},
	"internal/opbench":  {"conv", "tensor", "cost"},
	"internal/archtest": {},
	"cmd/convkit":       {"conv", "cost", "data", "nn", "tensor", "train", "zoo", "safetensors", "internal/opbench"},
	"scripts/mkbuiltin": {"data"},
	"scripts/fmapeak":   {},
}

func TestImportLayers(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	err = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		pkg := filepath.ToSlash(rel)
		seen[pkg] = true
		rules, ok := allowed[pkg]
		if !ok {
			t.Errorf("package %s is not in the layering table (docs/architecture.md, internal/archtest)", pkg)
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		if strings.HasSuffix(f.Name.Name, "_test") {
			return nil // an external test package is a consumer: it may use any layer
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			dep, ok := strings.CutPrefix(p, module)
			if !ok || dep == pkg {
				continue
			}
			if !contains(rules, dep) {
				t.Errorf("%s imports %s, which docs/architecture.md does not allow", filepath.ToSlash(path[len(root)+1:]), dep)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var missing []string
	for pkg := range allowed {
		if !seen[pkg] {
			missing = append(missing, pkg)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("the layering table names packages that do not exist: %v", missing)
	}
}

func contains(s []string, x string) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}
