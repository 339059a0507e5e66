//go:build !wasip1

package contract

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestSourceIsComplete checks that Source holds every file of the module a
// build needs, so a copy written from it builds: a package added without
// its files in the embed pattern would fail here.
func TestSourceIsComplete(t *testing.T) {
	var onDisk, embedded []string
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if p == "go.mod" || strings.HasSuffix(p, ".go") {
			onDisk = append(onDisk, filepath.ToSlash(p))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = fs.WalkDir(Source, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			embedded = append(embedded, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(onDisk)
	slices.Sort(embedded)
	if !slices.Equal(onDisk, embedded) {
		t.Fatalf("Source holds\n%v\nthe module has\n%v", embedded, onDisk)
	}
	mod, err := os.ReadFile("go.mod")
	if err != nil {
		t.Fatal(err)
	}
	if em, _ := fs.ReadFile(Source, "go.mod"); string(em) != string(mod) {
		t.Fatalf("embedded go.mod %q", em)
	}
}
