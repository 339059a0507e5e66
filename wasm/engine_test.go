package wasm

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	wabin "github.com/tetratelabs/wabin/binary"
	wabinwasm "github.com/tetratelabs/wabin/wasm"

	"github.com/phalanx-net/phalanx/wasm/wasmtest"
)

var (
	probeWasm []byte
	// sharedCache keeps compiled code between the tests' engines, as a
	// worker's cache does between runs.
	sharedCache string
)

// TestMain builds the probe contract once, with the Go toolchain, as a
// contract author would.
func TestMain(m *testing.M) {
	var err error
	if probeWasm, err = wasmtest.Probe(); err != nil {
		panic(err)
	}
	dir, err := os.MkdirTemp("", "wasm-cache")
	if err != nil {
		panic(err)
	}
	sharedCache = filepath.Join(dir, "cache")
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// memHost is a Host over a map, for tests.
type memHost struct {
	state  map[string][]byte
	caller [20]byte
	height int64
}

func newHost() *memHost { return &memHost{state: map[string][]byte{}, height: 7} }

func (h *memHost) Get(k []byte) ([]byte, error) { return h.state[string(k)], nil }
func (h *memHost) Caller() [20]byte             { return h.caller }
func (h *memHost) ContractID() [32]byte         { return [32]byte{9} }
func (h *memHost) BlockHeight() int64           { return h.height }
func (h *memHost) BlockTime() time.Time         { return time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC) }
func (h *memHost) Seed() [32]byte               { return [32]byte{1, 2, 3} }

func (h *memHost) apply(ws []Write) {
	for _, w := range ws {
		if w.Delete {
			delete(h.state, string(w.Key))
		} else {
			h.state[string(w.Key)] = w.Value
		}
	}
}

func newEngine(t testing.TB, cfg Config) *Engine {
	t.Helper()
	ctx := context.Background()
	if cfg.CacheDir == "" {
		cfg.CacheDir = sharedCache
	}
	e, err := NewEngine(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close(ctx) })
	return e
}

func compileProbe(t testing.TB, e *Engine) *Code {
	t.Helper()
	c, err := e.Compile(context.Background(), probeWasm)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCallsSeeStorageCallerAndBlock(t *testing.T) {
	e := newEngine(t, Config{})
	code := compileProbe(t, e)
	h := newHost()
	h.caller = [20]byte{0xaa}
	ctx := context.Background()
	for want := byte(1); want <= 3; want++ {
		r, err := e.Call(ctx, code, h, "count", nil, testGas)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Output) != 8 || r.Output[7] != want || len(r.Writes) != 1 || string(r.Writes[0].Key) != "n" {
			t.Fatalf("count %d: %+v", want, r)
		}
		h.apply(r.Writes)
	}
	r, err := e.Call(ctx, code, h, "whoami", nil, testGas)
	if err != nil || !bytes.Equal(r.Output[:20], h.caller[:]) || r.Output[27] != 7 {
		t.Fatalf("whoami: %x, %v", r.Output, err)
	}
	r, err = e.Call(ctx, code, h, "echo", []byte("hello"), testGas)
	if err != nil || string(r.Output) != "hello" {
		t.Fatalf("echo: %q, %v", r.Output, err)
	}
	r, err = e.Call(ctx, code, h, "remove", nil, testGas)
	if err != nil || len(r.Writes) != 1 || !r.Writes[0].Delete {
		t.Fatalf("remove: %+v, %v", r, err)
	}
}

func TestContractErrorDropsWrites(t *testing.T) {
	e := newEngine(t, Config{})
	code := compileProbe(t, e)
	r, err := e.Call(context.Background(), code, newHost(), "fail", nil, testGas)
	if !errors.Is(err, ErrContract) || len(r.Writes) != 0 {
		t.Fatalf("fail: %+v, %v", r, err)
	}
	if want := "not allowed"; err == nil || !bytes.Contains([]byte(err.Error()), []byte(want)) {
		t.Fatalf("error %v does not carry the contract's message", err)
	}
}

// Two fresh engines, one with a cold and one with a warm compilation
// cache, give the same output, including Go's own randomness (map order)
// and clock, which come from the host's seed and the block time.
func TestDeterministicAcrossEnginesAndCache(t *testing.T) {
	cache := t.TempDir()
	var outs [][]byte
	for range 3 {
		e := newEngine(t, Config{CacheDir: cache})
		code := compileProbe(t, e)
		r, err := e.Call(context.Background(), code, newHost(), "entropy", nil, testGas)
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, r.Output)
	}
	for i := 1; i < len(outs); i++ {
		if !bytes.Equal(outs[0], outs[i]) {
			t.Fatalf("run %d differs:\n%q\n%q", i, outs[0], outs[i])
		}
	}
	if !bytes.Contains(outs[0], []byte("2026-01-02T03:04:05.000000006Z")) {
		t.Fatalf("the contract's clock is not the block time: %q", outs[0])
	}
}

// Calls reuse instances, restored to their state after initialization:
// nothing a call leaves in memory or globals reaches the next one, and a
// call sees the same randomness, map order and gas each time.
func TestReuseIsInvisible(t *testing.T) {
	e := newEngine(t, Config{})
	code := compileProbe(t, e)
	ctx := context.Background()
	first, err := e.Call(ctx, code, newHost(), "entropy", nil, testGas)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 6 {
		r, err := e.Call(ctx, code, newHost(), "calls", nil, testGas)
		if err != nil || binary.BigEndian.Uint64(r.Output) != 1 {
			t.Fatalf("call %d saw %x calls before it: %v", i, r.Output, err)
		}
		if i == 2 {
			// A call that grows memory: its instance is not reused.
			if r, err := e.Call(ctx, code, newHost(), "grow", nil, testGas); err != nil || r.Output[0] != 8 {
				t.Fatalf("grow: %x, %v", r.Output, err)
			}
		}
		if i == 4 {
			// A call that panics (a nil dereference): its instance is
			// dropped.
			if _, err := e.Call(ctx, code, newHost(), "trap", nil, testGas); !errors.Is(err, ErrPanic) {
				t.Fatalf("trap: %v", err)
			}
		}
	}
	again, err := e.Call(ctx, code, newHost(), "entropy", nil, testGas)
	if err != nil || !bytes.Equal(first.Output, again.Output) || first.GasUsed != again.GasUsed {
		t.Fatalf("entropy differs on a reused instance:\n%q (%d gas)\n%q (%d gas), %v", first.Output, first.GasUsed, again.Output, again.GasUsed, err)
	}
}

// Initialization runs on a fixed budget: a contract whose init needs
// more fails fast, the same way on every call, and the engine serves
// other contracts.
func TestInitializationHasABudget(t *testing.T) {
	e := newEngine(t, Config{InitGas: 100_000})
	code := compileProbe(t, e)
	ctx := context.Background()
	// Fast means stopped at the budget, counted in gas rather than in
	// seconds: the initialization ran out at exactly InitGas (not the
	// call's budget, nor the default), and the second call fails alike.
	var first string
	for i := range 2 {
		_, err := e.Call(ctx, code, newHost(), "echo", nil, testGas)
		if !errors.Is(err, ErrInit) || !errors.Is(err, ErrOutOfGas) || !strings.Contains(err.Error(), "initializ") {
			t.Fatalf("init over budget: %v", err)
		}
		var oog *OutOfGasError
		if !errors.As(err, &oog) || oog.Limit != 100_000 || oog.Used != oog.Limit {
			t.Fatalf("a failed initialization ran on another budget than InitGas (100000): %v", err)
		}
		if i == 0 {
			first = err.Error()
		} else if err.Error() != first {
			t.Fatalf("the second call failed otherwise: %q, then %q", first, err)
		}
	}
	ok := newEngine(t, Config{})
	if _, err := ok.Call(ctx, compileProbe(t, ok), newHost(), "echo", nil, testGas); err != nil {
		t.Fatal(err)
	}
}

// Every misbehaviour ends in a typed error that says what happened, with
// the limit it hit or the panic's message as Go's runtime printed it, and
// the engine still runs a normal call afterwards.
func TestMisbehavingContracts(t *testing.T) {
	const pages = 256
	e := newEngine(t, Config{MemoryLimitPages: pages})
	code := compileProbe(t, e)
	memory := &LimitError{Err: ErrMemoryLimit, Limit: pages * 65536}
	for _, c := range []struct {
		method, input string
		kind          error
		want          error // the exact error, when it has no pointers or sizes of memory in it
	}{
		{"panic", "boom", ErrPanic, &PanicError{Message: "boom"}},
		// A message's further lines, without the runtime's tab.
		{"panic", "two\nlines", ErrPanic, &PanicError{Message: "two\nlines"}},
		{"index", "", ErrPanic, &PanicError{Message: "runtime error: index out of range [5] with length 3"}},
		// A nil dereference is a Go panic; the signal line is not kept.
		{"trap", "", ErrPanic, &PanicError{Message: "runtime error: invalid memory address or nil pointer dereference"}},
		{"nested", "", ErrPanic, &PanicError{Message: "first\npanic: second"}},
		// Lines printed before the panic do not hide it.
		{"chatty", "", ErrPanic, &PanicError{Message: "after the lines"}},
		{"deadlock", "", ErrTrap, &TrapError{Detail: "fatal error: all goroutines are asleep - deadlock!"}},
		{"exit", "", ErrTrap, &TrapError{Detail: "exit code 3"}},
		{"bomb", "", ErrMemoryLimit, memory},
		// Go keeps goroutine stacks in linear memory: endless recursion
		// grows the stack until the memory cap stops it.
		{"recurse", "", ErrMemoryLimit, memory},
		{"bigemit", "", ErrOutputTooLarge, &LimitError{Err: ErrOutputTooLarge, Limit: MaxOutputSize}},
		{"bigvalue", "", ErrValueTooLarge, &LimitError{Err: ErrValueTooLarge, Limit: MaxValueSize}},
		{"bigkey", "", ErrKeyTooLarge, &LimitError{Err: ErrKeyTooLarge, Limit: MaxKeySize}},
		{"loop", "", ErrOutOfGas, &OutOfGasError{Used: 5_000_000, Limit: 5_000_000}},
		// Lengths beyond the contract's memory are bad pointers, not
		// too large.
		{"badptr", "", ErrBadPointer, nil},
		{"badlen", "", ErrBadPointer, nil},
		{"bigrandom", "", ErrBadPointer, nil},
	} {
		gas := uint64(testGas)
		if c.method == "loop" {
			gas = 5_000_000
		}
		_, err := e.Call(context.Background(), code, newHost(), c.method, []byte(c.input), gas)
		if !errors.Is(err, c.kind) {
			t.Errorf("%s: %v, want %v", c.method, err, c.kind)
		}
		if c.want != nil && (err == nil || err.Error() != c.want.Error()) {
			t.Errorf("%s: %q, want %q", c.method, err, c.want)
		}
		for _, other := range []error{ErrPanic, ErrTrap, ErrMemoryLimit, ErrOutputTooLarge, ErrValueTooLarge, ErrKeyTooLarge, ErrOutOfGas, ErrBadPointer, ErrInit} {
			if other != c.kind && errors.Is(err, other) {
				t.Errorf("%s: %v is also %v", c.method, err, other)
			}
		}
		if r, err := e.Call(context.Background(), code, newHost(), "echo", []byte("ok"), testGas); err != nil || string(r.Output) != "ok" {
			t.Fatalf("after %s the engine is broken: %v", c.method, err)
		}
	}
}

// A panic's message is cut to MaxMessage bytes on a rune boundary, and
// what cannot be printed is replaced; the same bytes on every engine.
func TestPanicMessageIsBoundedAndPrintable(t *testing.T) {
	long := strings.Repeat("é", 200) // 400 bytes
	var msgs []string
	for range 2 {
		e := newEngine(t, Config{})
		_, err := e.Call(context.Background(), compileProbe(t, e), newHost(), "panic", []byte(long), testGas)
		var p *PanicError
		if !errors.As(err, &p) {
			t.Fatalf("long panic: %v", err)
		}
		msgs = append(msgs, p.Message)
	}
	if want := strings.Repeat("é", MaxMessage/2); msgs[0] != want || msgs[1] != msgs[0] {
		t.Fatalf("cut message %q (%d bytes), want %d bytes of é", msgs[0], len(msgs[0]), len(want))
	}
	e := newEngine(t, Config{})
	_, err := e.Call(context.Background(), compileProbe(t, e), newHost(), "panic", []byte("bell\a \xff ok"), testGas)
	if want := (&PanicError{Message: "bell\uFFFD \uFFFD ok"}).Error(); err == nil || err.Error() != want {
		t.Fatalf("unprintable panic: %q, want %q", err, want)
	}
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{
		{"abc", 2, "ab"},
		{"aé", 2, "a"},
		{"日本", 5, "日"},
		{"tab\tand\nnewline", 100, "tab\tand\nnewline"},
		{"\x1b[31mred", 100, "\uFFFD[31mred"},
	} {
		if got := CutMessage(c.in, c.n); got != c.want {
			t.Errorf("CutMessage(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
}

// A contract error keeps the contract's own message, the first
// MaxErrorMessage bytes of a longer one.
func TestLongContractErrorIsCut(t *testing.T) {
	e := newEngine(t, Config{})
	_, err := e.Call(context.Background(), compileProbe(t, e), newHost(), "longerror", nil, testGas)
	if want := ErrContract.Error() + ": " + strings.Repeat("e", MaxErrorMessage); err == nil || err.Error() != want {
		t.Fatalf("long error: %.80q…", err)
	}
}

// A trap that is no Go panic, from a module without Go's runtime.
func TestTrapOfAModuleWithoutGo(t *testing.T) {
	m := &wabinwasm.Module{
		TypeSection:     []*wabinwasm.FunctionType{{Results: []wabinwasm.ValueType{wabinwasm.ValueTypeI32}}},
		FunctionSection: []wabinwasm.Index{0},
		CodeSection:     []*wabinwasm.Code{{Body: []byte{wabinwasm.OpcodeUnreachable, wabinwasm.OpcodeEnd}}},
		ExportSection:   []*wabinwasm.Export{{Type: wabinwasm.ExternTypeFunc, Name: CallExport, Index: 0}},
	}
	e := newEngine(t, Config{})
	code, err := e.Compile(context.Background(), wabin.EncodeModule(m))
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.Call(context.Background(), code, newHost(), "x", nil, testGas)
	if want := (&TrapError{Detail: "wasm error: unreachable"}).Error(); err == nil || err.Error() != want || !errors.Is(err, ErrTrap) {
		t.Fatalf("unreachable: %q, want %q", err, want)
	}
}

// A contract whose initialization fails fails with an InitError carrying
// the cause, at Initialize and at every call, without running it again.
func TestInitializationFailures(t *testing.T) {
	e := newEngine(t, Config{MemoryLimitPages: 256, InitGas: 20_000_000})
	ctx := context.Background()
	for _, c := range []struct {
		mode string
		want error
	}{
		{wasmtest.InitPanic, &PanicError{Message: "the probe's init panics on purpose"}},
		{wasmtest.InitLoop, &OutOfGasError{Used: 20_000_000, Limit: 20_000_000}},
		{wasmtest.InitBomb, &LimitError{Err: ErrMemoryLimit, Limit: 256 * 65536}},
	} {
		mod, err := wasmtest.ProbeWithInit(probeWasm, c.mode)
		if err != nil {
			t.Fatal(err)
		}
		code, err := e.Compile(ctx, mod)
		if err != nil {
			t.Fatal(err)
		}
		err = e.Initialize(ctx, code)
		var ie *InitError
		if !errors.As(err, &ie) || !errors.Is(err, ErrInit) || ie.Err.Error() != c.want.Error() {
			t.Fatalf("init %s: %v, want an InitError of %v", c.mode, err, c.want)
		}
		// The very same error value: the failure was kept, and the
		// initialization did not run again (a new run makes a new error).
		if _, err := e.Call(ctx, code, newHost(), "echo", nil, testGas); err != ie {
			t.Fatalf("a call after init %s: %v, want the same InitError", c.mode, err)
		}
	}
	// The unpatched probe initializes.
	if err := e.Initialize(ctx, compileProbe(t, e)); err != nil {
		t.Fatal(err)
	}
}

func TestDeadlineStopsAnInfiniteLoop(t *testing.T) {
	e := newEngine(t, Config{})
	code := compileProbe(t, e)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, err := e.Call(ctx, code, newHost(), "loop", nil, testGas); !errors.Is(err, ErrDeadline) {
		t.Fatalf("loop: %v", err)
	}
}

func TestCompileRefusals(t *testing.T) {
	e := newEngine(t, Config{MaxModuleSize: 4 << 20})
	ctx := context.Background()
	if _, err := e.Compile(ctx, []byte("\x00asm garbage")); !errors.Is(err, ErrInvalidModule) {
		t.Errorf("garbage: %v", err)
	}
	if _, err := e.Compile(ctx, make([]byte, 5<<20)); !errors.Is(err, ErrModuleTooLarge) {
		t.Errorf("too large: %v", err)
	}
	// A module importing a function the host does not offer: the probe
	// with one import renamed.
	bad := bytes.Replace(probeWasm, []byte("set_error"), []byte("set_errxr"), 1)
	if _, err := e.Compile(ctx, bad); !errors.Is(err, ErrUnknownImport) {
		t.Errorf("unknown import: %v", err)
	}
}

func FuzzCompile(f *testing.F) {
	f.Add([]byte("\x00asm\x01\x00\x00\x00"))
	f.Add(probeWasm[:64])
	e, err := NewEngine(context.Background(), Config{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := e.Compile(context.Background(), b)
		if err == nil {
			c.compiled.Close(context.Background())
		}
	})
}

// FuzzHostABI passes arbitrary pointers and lengths to the host functions
// from inside a contract: the call may fail, with a typed error, but the
// worker never panics and the engine keeps working.
func FuzzHostABI(f *testing.F) {
	for sel := range byte(4) {
		f.Add(append([]byte{sel}, make([]byte, 16)...))
		f.Add(append([]byte{sel}, bytes.Repeat([]byte{0xff}, 16)...))
	}
	e, err := NewEngine(context.Background(), Config{})
	if err != nil {
		f.Fatal(err)
	}
	code := compileProbe(f, e)
	f.Fuzz(func(t *testing.T, in []byte) {
		_, err := e.Call(context.Background(), code, newHost(), "raw", in, testGas)
		if err != nil && !errors.Is(err, ErrBadPointer) && !errors.Is(err, ErrContract) && !errors.Is(err, ErrTrap) &&
			!errors.Is(err, ErrKeyTooLarge) && !errors.Is(err, ErrValueTooLarge) && !errors.Is(err, ErrOutputTooLarge) {
			t.Fatalf("raw %x: untyped error %v", in, err)
		}
	})
}

// testGas is plenty for any probe handler that ends.
const testGas = 10_000_000_000

// An endless loop runs out of gas at the same point on every run and in
// every engine, uses its whole limit, and writes nothing; a handler that
// ends reports the same gas used every time.
func TestGasIsDeterministic(t *testing.T) {
	cache := t.TempDir()
	type outcome struct {
		loopUsed, countUsed uint64
		output              string
	}
	var runs []outcome
	for range 3 {
		e := newEngine(t, Config{CacheDir: cache})
		code := compileProbe(t, e)
		r, err := e.Call(context.Background(), code, newHost(), "loop", nil, 5_000_000)
		if !errors.Is(err, ErrOutOfGas) || r.GasUsed != 5_000_000 || len(r.Writes) != 0 {
			t.Fatalf("loop: %+v, %v", r, err)
		}
		c, err := e.Call(context.Background(), code, newHost(), "count", nil, testGas)
		if err != nil || c.GasUsed == 0 {
			t.Fatalf("count: %+v, %v", c, err)
		}
		// Just short of what it needs: out of gas, nothing written.
		short, err := e.Call(context.Background(), code, newHost(), "count", nil, c.GasUsed-1)
		if !errors.Is(err, ErrOutOfGas) || len(short.Writes) != 0 {
			t.Fatalf("count with %d gas: %+v, %v", c.GasUsed-1, short, err)
		}
		exact, err := e.Call(context.Background(), code, newHost(), "count", nil, c.GasUsed)
		if err != nil || exact.GasUsed != c.GasUsed {
			t.Fatalf("count with exactly %d gas: %+v, %v", c.GasUsed, exact, err)
		}
		runs = append(runs, outcome{r.GasUsed, c.GasUsed, string(c.Output)})
	}
	for i := 1; i < len(runs); i++ {
		if runs[i] != runs[0] {
			t.Fatalf("run %d: %+v, run 0: %+v", i, runs[i], runs[0])
		}
	}
	t.Logf("count handler: %d gas", runs[0].countUsed)
}

func TestUnmeteredEngineReportsNoGas(t *testing.T) {
	e := newEngine(t, Config{Unmetered: true})
	code := compileProbe(t, e)
	r, err := e.Call(context.Background(), code, newHost(), "count", nil, testGas)
	if err != nil || r.GasUsed != 0 {
		t.Fatalf("%+v, %v", r, err)
	}
}
