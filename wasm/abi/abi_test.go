package abi

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// sdkImportsFile is the generated file, relative to this package.
const sdkImportsFile = "../../sdk/contract/imports_wasip1.go"

// The checked-in SDK imports are what the generator writes now: run
// `go generate ./wasm/abi` after changing Funcs.
func TestSDKImportsUpToDate(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "imports_wasip1.go")
	cmd := exec.Command("go", "run", "./abigen", "-o", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("abigen: %v\n%s", err, b)
	}
	want, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(sdkImportsFile)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is out of date: run go generate ./wasm/abi", sdkImportsFile)
	}
}

// Every function of the table is declared once in the generated file.
func TestSDKImportsDeclareEveryFunction(t *testing.T) {
	src, err := SDKImports()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range Funcs {
		directive := []byte("//go:wasmimport " + Module + " " + f.Name + "\nfunc " + f.GoName + "(")
		if n := bytes.Count(src, directive); n != 1 {
			t.Errorf("%s declared %d times", f.Name, n)
		}
	}
}

func TestFuncsWellFormed(t *testing.T) {
	names, goNames := map[string]bool{}, map[string]bool{}
	for _, f := range Funcs {
		if f.Name == "" || f.GoName == "" || f.Doc == "" {
			t.Errorf("%+v: name, Go name and doc are required", f)
		}
		if names[f.Name] || goNames[f.GoName] {
			t.Errorf("%s declared twice", f.Name)
		}
		names[f.Name], goNames[f.GoName] = true, true
		if len(f.Results) > 1 {
			t.Errorf("%s: %d results", f.Name, len(f.Results))
		}
		for _, ty := range append(append([]Type(nil), f.Results...), paramTypes(f)...) {
			if ty.String() == "invalid" {
				t.Errorf("%s: invalid type %d", f.Name, ty)
			}
		}
		if got, ok := Lookup(f.Name); !ok || got.GoName != f.GoName {
			t.Errorf("Lookup(%s) = %+v, %v", f.Name, got, ok)
		}
	}
	if _, ok := Lookup("exit"); ok {
		t.Error("Lookup found a function not in the table")
	}
}

func paramTypes(f Func) []Type {
	var out []Type
	for _, p := range f.Params {
		out = append(out, p.Type)
	}
	return out
}
