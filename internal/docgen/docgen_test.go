package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	// Every module's errors, as a node registers them.
	_ "github.com/phalanx-net/phalanx/chain/app"
	"github.com/phalanx-net/phalanx/chain/module"
)

// TestProtocolTablesUpToDate fails when docs/protocol.md's generated tables
// are not what the generator writes from the current source.
func TestProtocolTablesUpToDate(t *testing.T) {
	root, err := findRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	current, want, err := Generate(root)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(current, want) {
		t.Fatalf("%s's generated tables are out of date; run: %s\n%s", protocolDoc, regenerate, firstDiff(current, want))
	}
}

// firstDiff shows the first line where two documents differ.
func firstDiff(a, b []byte) string {
	al, bl := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := 0; i < max(len(al), len(bl)); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return fmt.Sprintf("line %d:\n  checked in: %s\n  generated:  %s", i+1, x, y)
		}
	}
	return ""
}

// TestErrorsMatchRegistry checks the source reader against the errors the
// application registers at run time: the same codes with the same
// descriptions, none missed and none invented.
func TestErrorsMatchRegistry(t *testing.T) {
	root, err := findRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	r, err := loadRepo(root)
	if err != nil {
		t.Fatal(err)
	}
	read, err := readErrors(r)
	if err != nil {
		t.Fatal(err)
	}
	fromSource := map[string]string{}
	for _, e := range read {
		fromSource[fmt.Sprintf("%s/%d", e.Codespace, e.Code)] = e.Desc
	}
	registered := module.Errors()
	if len(registered) == 0 {
		t.Fatal("no errors registered")
	}
	for _, e := range registered {
		k := fmt.Sprintf("%s/%d", e.Codespace, e.Code)
		desc, ok := fromSource[k]
		switch {
		case !ok:
			t.Errorf("%s (%q) is registered but the generator did not find it", k, e.Desc)
		case desc != e.Desc:
			t.Errorf("%s: the generator read %q, the registry has %q", k, desc, e.Desc)
		}
		delete(fromSource, k)
	}
	for k, desc := range fromSource {
		t.Errorf("%s (%q) is in the table but not registered by the application", k, desc)
	}
}

// TestEventsCoverEveryModule checks that the event reader finds events of
// each module that emits any, with the attributes' properties read from
// the literals: a sample of what the table must say.
func TestEventsCoverEveryModule(t *testing.T) {
	root, err := findRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	r, err := loadRepo(root)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := readEvents(r)
	if err != nil {
		t.Fatal(err)
	}
	byType := map[string]event{}
	pkgs := map[string]bool{}
	for _, ev := range evs {
		byType[ev.Type] = ev
		pkgs[ev.pkg.name] = true
	}
	for _, p := range []string{"app", "bank", "computing", "contracts", "keys", "mq", "registry", "stakepool"} {
		if !pkgs[p] {
			t.Errorf("no events found in %s", p)
		}
	}
	check := func(typ, key string, indexed, optional bool) {
		t.Helper()
		for _, a := range byType[typ].Attrs {
			if a.Key == key {
				if a.Indexed != indexed || a.Optional != optional {
					t.Errorf("%s.%s: indexed %v optional %v, want %v %v", typ, key, a.Indexed, a.Optional, indexed, optional)
				}
				return
			}
		}
		t.Errorf("%s has no attribute %s", typ, key)
	}
	check("fee", "payer", true, false)        // an abci.Event literal
	check("transfer", "amount", false, false) // a direct Emit
	check("computing_slashed", "pool", true, true)
	check("contracts_result", "reason", false, true)
	check("contracts_result", "status", false, false)
}

// TestReaderRefusesWhatItCannotRead checks that an event the generator
// cannot read fails the generation instead of leaving the table short.
func TestReaderRefusesWhatItCannotRead(t *testing.T) {
	cases := map[string]string{
		"a variable event type": `func f(ctx *module.Context, typ string) { ctx.Emit(typ) }`,
		"an attribute built elsewhere": `func f(ctx *module.Context, a module.Attr) { ctx.Emit(EventX, a) }
const EventX = "x"`,
		"attributes from a call": `func f(ctx *module.Context) { attrs := g(); ctx.Emit(EventX, attrs...) }
func g() []module.Attr { return nil }
const EventX = "x"`,
		"an event never emitted": `const EventX = "x"`,
		"a computed attribute key": `func f(ctx *module.Context, k string) { ctx.Emit(EventX, module.Attr{Key: k}) }
const EventX = "x"`,
	}
	for name, src := range cases {
		t.Run(name, func(t *testing.T) {
			root := t.TempDir()
			write(t, filepath.Join(root, "go.mod"), "module "+modulePath+"\n\ngo 1.26\n")
			write(t, filepath.Join(root, "x", "x.go"), "package x\n\nimport \""+chainModulePath+"\"\n\n"+src+"\n")
			r, err := loadRepo(root)
			if err != nil {
				t.Fatal(err)
			}
			if evs, err := readEvents(r); err == nil {
				t.Fatalf("read %v without an error", evs)
			}
		})
	}
}

// TestErrorReaderRefusesWhatItCannotRead checks the same for coded errors.
func TestErrorReaderRefusesWhatItCannotRead(t *testing.T) {
	cases := map[string]string{
		"defined in a function": `func f() error { return module.DefineError("x", 1, "x") }`,
		"a computed code": `var n uint32 = 1
var ErrX = module.DefineError("x", n, "x")`,
		"a variable codespace": `var cs = "x"
var ErrX = module.DefineError(cs, 1, "x")`,
		"a code defined twice": `var (
	ErrX = module.DefineError("x", 1, "x")
	ErrY = module.DefineError("x", 1, "y")
)`,
	}
	for name, src := range cases {
		t.Run(name, func(t *testing.T) {
			root := t.TempDir()
			write(t, filepath.Join(root, "go.mod"), "module "+modulePath+"\n\ngo 1.26\n")
			write(t, filepath.Join(root, "x", "x.go"), "package x\n\nimport \""+chainModulePath+"\"\n\n"+src+"\n")
			r, err := loadRepo(root)
			if err != nil {
				t.Fatal(err)
			}
			if errs, err := readErrors(r); err == nil {
				t.Fatalf("read %v without an error", errs)
			}
		})
	}
}

// TestConditionalAttributes checks which appended attributes the reader
// marks optional.
func TestConditionalAttributes(t *testing.T) {
	root := t.TempDir()
	write(t, filepath.Join(root, "go.mod"), "module "+modulePath+"\n\ngo 1.26\n")
	write(t, filepath.Join(root, "x", "x.go"), `package x

import "`+chainModulePath+`"

const (
	EventX = "x"
	AttrA  = "a"
)

func f(ctx *module.Context, ok bool) {
	attrs := []module.Attr{{Key: AttrA, Index: true}}
	attrs = append(attrs, module.Attr{Key: "always"})
	if ok {
		attrs = append(attrs, module.Attr{Key: "sometimes"})
	}
	ctx.Emit(EventX, attrs...)
	if ok {
		ctx.Emit(EventX, module.Attr{Key: AttrA, Index: true}, module.Attr{Key: "always"})
	}
}
`)
	r, err := loadRepo(root)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := readEvents(r)
	if err != nil {
		t.Fatal(err)
	}
	want := []attr{{Key: "a", Indexed: true}, {Key: "always"}, {Key: "sometimes", Optional: true}}
	if len(evs) != 1 || fmt.Sprint(evs[0].Attrs) != fmt.Sprint(want) {
		t.Fatalf("got %+v, want one event with %+v", evs, want)
	}
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
