package domain

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// literalExceptions are the non-test files outside this package allowed
// a string literal that begins with "phalanx/", each with its reason
// (paths from the repository's root). A label belongs in the registry,
// where its bytes are checked, so the list is meant to stay short; today
// no file needs one.
var literalExceptions = map[string]string{}

// TestNoLabelLiteralsOutsideTheRegistry fails on a string literal that
// looks like a label ("phalanx/...") in a non-test Go file of the
// repository outside this package: a label written in place escapes the
// checks above and may drift from the registry's copy of it. Tests may
// use literals, for labels of their own or to pin the bytes.
func TestNoLabelLiteralsOutsideTheRegistry(t *testing.T) {
	root := repoRoot(t)
	self, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != root && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" || name == "vendor" || name == "node_modules") {
				return filepath.SkipDir
			}
			if path == self {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		for _, lit := range labelLiterals(t, path) {
			if _, ok := literalExceptions[rel]; ok {
				seen[rel] = true
				continue
			}
			t.Errorf("%s:%d: label literal %q: use (or add) its constant in crypto/domain", rel, lit.pos.Line, lit.value)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for rel := range literalExceptions {
		if !seen[rel] {
			t.Errorf("%s is listed as an exception but has no label literal: remove it from the list", rel)
		}
	}
}

type literal struct {
	pos   token.Position
	value string
}

// labelLiterals returns the string literals of a Go file that begin with
// "phalanx/".
func labelLiterals(t *testing.T, path string) []literal {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	var out []literal
	ast.Inspect(f, func(n ast.Node) bool {
		if _, ok := n.(*ast.ImportSpec); ok {
			return false // import paths are not labels
		}
		lit, ok := n.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return true
		}
		s, err := strconv.Unquote(lit.Value)
		if err != nil {
			t.Fatalf("%s: %v", fset.Position(lit.Pos()), err)
		}
		if strings.HasPrefix(s, "phalanx/") {
			out = append(out, literal{pos: fset.Position(lit.Pos()), value: s})
		}
		return true
	})
	return out
}

// repoRoot is the directory of the repository's go.mod, above this
// package's.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the package")
		}
		dir = parent
	}
}
