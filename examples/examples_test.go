package examples

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestFilesMatchTheFolders checks that the embedded sources are the
// examples' own files, byte for byte: the contract, and voting's native
// test (not the tests that run the others in the runtime, which need this
// repository).
func TestFilesMatchTheFolders(t *testing.T) {
	want := map[string][]string{
		"vault":   {"main.go"},
		"auction": {"main.go"},
		"voting":  {"main.go", "main_test.go"},
	}
	for _, name := range append(slices.Clone(Deployed), Template) {
		files, err := Files(name)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for f, b := range files {
			got = append(got, f)
			disk, err := os.ReadFile(filepath.Join(name, f))
			if err != nil || !bytes.Equal(disk, b) {
				t.Errorf("%s/%s differs from the folder: %v", name, f, err)
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, want[name]) {
			t.Errorf("%s: files %v, want %v", name, got, want[name])
		}
	}
	if _, err := Files("nosuch"); err == nil {
		t.Fatal("an unknown example has files")
	}
}
