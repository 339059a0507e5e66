package fuzzlimit

import (
	"bufio"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var fuzzFunc = regexp.MustCompile(`(?m)^func (Fuzz\w*)\(\w+ \*testing\.F\)`)

// TestMakefileRunsEveryTarget keeps `make fuzz` honest: its FUZZ_TARGETS
// list holds exactly the Fuzz functions of the repository's test files
// (the contract SDK's module included), so a new target cannot be
// forgotten and a removed one does not break the run.
func TestMakefileRunsEveryTarget(t *testing.T) {
	root := filepath.Join("..", "..")
	var inTree []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, filepath.Dir(path))
		if err != nil {
			return err
		}
		for _, m := range fuzzFunc.FindAllStringSubmatch(string(src), -1) {
			inTree = append(inTree, filepath.ToSlash(rel)+":"+m[1])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(inTree) == 0 {
		t.Fatal("found no Fuzz function in the tree")
	}
	listed := makefileTargets(t, filepath.Join(root, "Makefile"))
	slices.Sort(inTree)
	slices.Sort(listed)
	for _, x := range inTree {
		if !slices.Contains(listed, x) {
			t.Errorf("the Makefile's FUZZ_TARGETS lacks %s", x)
		}
	}
	for _, x := range listed {
		if !slices.Contains(inTree, x) {
			t.Errorf("the Makefile's FUZZ_TARGETS lists %s, which no test file defines", x)
		}
	}
}

// makefileTargets reads the FUZZ_TARGETS variable: "dir:Name" words on
// lines continued with backslashes.
func makefileTargets(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if !in {
			rest, ok := strings.CutPrefix(line, "FUZZ_TARGETS =")
			if !ok {
				continue
			}
			in, line = true, rest
		}
		more := strings.HasSuffix(strings.TrimSpace(line), `\`)
		out = append(out, strings.Fields(strings.TrimSuffix(strings.TrimSpace(line), `\`))...)
		if !more {
			break
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if !in {
		t.Fatalf("%s has no FUZZ_TARGETS", path)
	}
	return out
}
