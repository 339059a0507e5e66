package gas

import (
	"context"
	"errors"
	"testing"

	wabin "github.com/tetratelabs/wabin/binary"
	"github.com/tetratelabs/wabin/wasm"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// testModule has two exported functions: "straight" (i64.const 1,
// i64.const 2, i64.add, end: one segment costing 3) and "spin",
// a loop that branches back to itself forever.
func testModule() []byte {
	m := &wasm.Module{
		TypeSection: []*wasm.FunctionType{
			{Results: []wasm.ValueType{wasm.ValueTypeI64}},
			{},
		},
		FunctionSection: []wasm.Index{0, 1},
		CodeSection: []*wasm.Code{
			{Body: []byte{wasm.OpcodeI64Const, 1, wasm.OpcodeI64Const, 2, wasm.OpcodeI64Add, wasm.OpcodeEnd}},
			{Body: []byte{wasm.OpcodeLoop, 0x40, wasm.OpcodeBr, 0, wasm.OpcodeEnd, wasm.OpcodeEnd}},
		},
		ExportSection: []*wasm.Export{
			{Type: wasm.ExternTypeFunc, Name: "straight", Index: 0},
			{Type: wasm.ExternTypeFunc, Name: "spin", Index: 1},
		},
	}
	return wabin.EncodeModule(m)
}

func instantiate(t *testing.T, module []byte) api.Module {
	t.Helper()
	ctx := context.Background()
	rt := wazero.NewRuntime(ctx)
	t.Cleanup(func() { rt.Close(ctx) })
	mod, err := rt.Instantiate(ctx, module)
	if err != nil {
		t.Fatal(err)
	}
	return mod
}

// gasLeft reads the signed gas counter.
func gasLeft(mod api.Module) int64 { return int64(mod.ExportedGlobal(GlobalGasLeft).Get()) }

func setGas(mod api.Module, n int64) {
	mod.ExportedGlobal(GlobalGasLeft).(api.MutableGlobal).Set(uint64(n))
}

func TestStraightLineCostsItsInstructions(t *testing.T) {
	out, err := Instrument(testModule(), DefaultCosts())
	if err != nil {
		t.Fatal(err)
	}
	mod := instantiate(t, out)
	setGas(mod, 100)
	res, err := mod.ExportedFunction("straight").Call(context.Background())
	if err != nil || res[0] != 3 {
		t.Fatalf("straight: %v, %v", res, err)
	}
	if used := 100 - gasLeft(mod); used != 3 {
		t.Fatalf("used %d gas, want 3 (const, const, add; end is free)", used)
	}
	// With 2 gas the entry check sees the counter below zero and traps
	// before the body runs.
	setGas(mod, 2)
	if _, err := mod.ExportedFunction("straight").Call(context.Background()); err == nil {
		t.Fatal("ran with too little gas")
	}
	if gasLeft(mod) != -1 {
		t.Fatalf("out of gas: left %d, want -1", gasLeft(mod))
	}
}

func TestLoopPaysEveryIteration(t *testing.T) {
	out, err := Instrument(testModule(), DefaultCosts())
	if err != nil {
		t.Fatal(err)
	}
	for _, limit := range []int64{10, 1000, 123457} {
		mod := instantiate(t, out)
		setGas(mod, limit)
		if _, err := mod.ExportedFunction("spin").Call(context.Background()); err == nil {
			t.Fatal("an endless loop ended")
		}
		// [loop] costs 1, then each iteration's [br 0] costs 1 and the
		// loop head checks: the loop stops one below zero, every time.
		if gasLeft(mod) != -1 {
			t.Fatalf("limit %d: left %d, want -1", limit, gasLeft(mod))
		}
	}
}

// branchModule has "pick" (param i32) (result i32):
//
//	local.get 0 ; if (result i32) ; i32.const 10 ; else ; i32.const 20 ; i32.const 1 ; i32.add ; end
//
// and "skip" (param i32) (result i32):
//
//	block ; local.get 0 ; br_if 0 ; i32.const 5 ; drop ; end ; i32.const 7
//
// and "fill" (param i32): memory.fill of param bytes at 0 with 0.
func branchModule() []byte {
	i32 := wasm.ValueTypeI32
	m := &wasm.Module{
		TypeSection: []*wasm.FunctionType{
			{Params: []wasm.ValueType{i32}, Results: []wasm.ValueType{i32}},
			{Params: []wasm.ValueType{i32}},
		},
		FunctionSection: []wasm.Index{0, 0, 1},
		MemorySection:   &wasm.Memory{Min: 1, Max: 1, IsMaxEncoded: true},
		CodeSection: []*wasm.Code{
			{Body: []byte{wasm.OpcodeLocalGet, 0, wasm.OpcodeIf, 0x7f, wasm.OpcodeI32Const, 10, wasm.OpcodeElse,
				wasm.OpcodeI32Const, 20, wasm.OpcodeI32Const, 1, wasm.OpcodeI32Add, wasm.OpcodeEnd, wasm.OpcodeEnd}},
			{Body: []byte{wasm.OpcodeBlock, 0x40, wasm.OpcodeLocalGet, 0, wasm.OpcodeBrIf, 0, wasm.OpcodeI32Const, 5,
				wasm.OpcodeDrop, wasm.OpcodeEnd, wasm.OpcodeI32Const, 7, wasm.OpcodeEnd}},
			{Body: []byte{wasm.OpcodeI32Const, 0, wasm.OpcodeI32Const, 0, wasm.OpcodeLocalGet, 0,
				wasm.OpcodeMiscPrefix, wasm.OpcodeMiscMemoryFill, 0, wasm.OpcodeEnd}},
		},
		ExportSection: []*wasm.Export{
			{Type: wasm.ExternTypeFunc, Name: "pick", Index: 0},
			{Type: wasm.ExternTypeFunc, Name: "skip", Index: 1},
			{Type: wasm.ExternTypeFunc, Name: "fill", Index: 2},
		},
	}
	return wabin.EncodeModule(m)
}

// TestPathsPayWhatTheyRun checks the gas of each path through branches
// against the instructions it runs, counted by hand.
func TestPathsPayWhatTheyRun(t *testing.T) {
	out, err := Instrument(branchModule(), DefaultCosts())
	if err != nil {
		t.Fatal(err)
	}
	mod := instantiate(t, out)
	for _, c := range []struct {
		fn        string
		arg       uint64
		want, gas int64
	}{
		{"pick", 1, 10, 4},    // local.get, if | i32.const, else
		{"pick", 0, 21, 5},    // local.get, if | i32.const, i32.const, i32.add (ends are free)
		{"skip", 1, 7, 4},     // block, local.get, br_if | i32.const
		{"skip", 0, 7, 6},     // block, local.get, br_if | i32.const, drop | i32.const
		{"fill", 0, 0, 23},    // 3 + memory.fill (20) + 0 bytes
		{"fill", 800, 0, 123}, // 3 + 20 + 800 >> 3
	} {
		setGas(mod, 1000)
		res, err := mod.ExportedFunction(c.fn).Call(context.Background(), c.arg)
		if err != nil {
			t.Fatalf("%s(%d): %v", c.fn, c.arg, err)
		}
		if len(res) == 1 && int64(res[0]) != c.want {
			t.Errorf("%s(%d) = %d, want %d", c.fn, c.arg, res[0], c.want)
		}
		if used := 1000 - gasLeft(mod); used != c.gas {
			t.Errorf("%s(%d) used %d gas, want %d", c.fn, c.arg, used, c.gas)
		}
	}
}

func TestExportGlobals(t *testing.T) {
	m := &wasm.Module{
		GlobalSection: []*wasm.Global{
			{Type: &wasm.GlobalType{ValType: wasm.ValueTypeI32, Mutable: true}, Init: &wasm.ConstantExpression{Opcode: wasm.OpcodeI32Const, Data: []byte{5}}},
			{Type: &wasm.GlobalType{ValType: wasm.ValueTypeI32}, Init: &wasm.ConstantExpression{Opcode: wasm.OpcodeI32Const, Data: []byte{6}}},
		},
	}
	for _, f := range []func([]byte) ([]byte, error){ExportGlobals, func(b []byte) ([]byte, error) { return Instrument(b, DefaultCosts()) }} {
		out, err := f(wabin.EncodeModule(m))
		if err != nil {
			t.Fatal(err)
		}
		mod := instantiate(t, out)
		if g := mod.ExportedGlobal(GlobalPrefix + "0"); g == nil || g.Get() != 5 {
			t.Errorf("mutable global not exported: %v", g)
		}
		if mod.ExportedGlobal(GlobalPrefix+"1") != nil {
			t.Error("immutable global exported")
		}
	}
}

// A tiny module claiming a hundred million exports is refused before a
// decoder allocates for them; a real module passes.
func TestCheckSections(t *testing.T) {
	if err := CheckSections([]byte("\x00asm\x01\x00\x00\x00\a0\xce\xce\xce0")); !errors.Is(err, ErrInvalidModule) {
		t.Errorf("lying export count: %v", err)
	}
	if err := CheckSections([]byte("\x00asm\x01\x00\x00\x00\x01\x7f")); !errors.Is(err, ErrInvalidModule) {
		t.Errorf("section overrunning the module: %v", err)
	}
	if err := CheckSections(testModule()); err != nil {
		t.Errorf("valid module: %v", err)
	}
	if err := CheckSections(branchModule()); err != nil {
		t.Errorf("valid module: %v", err)
	}
}

func TestRefusals(t *testing.T) {
	if _, err := Instrument([]byte("not wasm"), DefaultCosts()); !errors.Is(err, ErrInvalidModule) {
		t.Errorf("garbage: %v", err)
	}
	once, err := Instrument(testModule(), DefaultCosts())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Instrument(once, DefaultCosts()); !errors.Is(err, ErrAlreadyInstrumented) {
		t.Errorf("twice: %v", err)
	}
	simd := &wasm.Module{
		TypeSection:     []*wasm.FunctionType{{}},
		FunctionSection: []wasm.Index{0},
		CodeSection:     []*wasm.Code{{Body: []byte{0xfd, 0x0c, wasm.OpcodeEnd}}},
	}
	if _, err := Instrument(wabin.EncodeModule(simd), DefaultCosts()); !errors.Is(err, ErrUnsupported) && !errors.Is(err, ErrInvalidModule) {
		t.Errorf("simd: %v", err)
	}
	// table.set changes state a snapshot would miss.
	tableSet := &wasm.Module{
		TypeSection:     []*wasm.FunctionType{{}},
		FunctionSection: []wasm.Index{0},
		TableSection:    []*wasm.Table{{Min: 1, Type: wasm.RefTypeFuncref}},
		CodeSection: []*wasm.Code{{Body: []byte{wasm.OpcodeI32Const, 0, wasm.OpcodeRefNull, wasm.RefTypeFuncref,
			wasm.OpcodeTableSet, 0, wasm.OpcodeEnd}}},
	}
	if _, err := Instrument(wabin.EncodeModule(tableSet), DefaultCosts()); !errors.Is(err, ErrUnsupported) {
		t.Errorf("table.set: %v", err)
	}
	start := &wasm.Module{
		TypeSection:     []*wasm.FunctionType{{}},
		FunctionSection: []wasm.Index{0},
		CodeSection:     []*wasm.Code{{Body: []byte{wasm.OpcodeEnd}}},
	}
	zero := wasm.Index(0)
	start.StartSection = &zero
	if _, err := Instrument(wabin.EncodeModule(start), DefaultCosts()); !errors.Is(err, ErrUnsupported) {
		t.Errorf("start section: %v", err)
	}
}

// FuzzInstrument feeds arbitrary modules to the upload path as the runtime
// runs it: what wazero accepts is instrumented without panicking, into a
// module wazero accepts too (or refused with a typed error).
func FuzzInstrument(f *testing.F) {
	f.Add(testModule())
	f.Add([]byte("\x00asm\x01\x00\x00\x00"))
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter())
	defer rt.Close(ctx)
	f.Fuzz(func(t *testing.T, b []byte) {
		if CheckSections(b) != nil {
			return // refused before any decoder runs, as uploads are
		}
		orig, err := rt.CompileModule(ctx, b)
		if err != nil {
			return // refused before instrumentation, as uploads are
		}
		orig.Close(ctx)
		out, err := Instrument(b, DefaultCosts())
		if err != nil {
			if !errors.Is(err, ErrUnsupported) && !errors.Is(err, ErrInvalidModule) {
				t.Fatalf("untyped error: %v", err)
			}
			return
		}
		cm, err := rt.CompileModule(ctx, out)
		if err != nil {
			t.Fatalf("valid module %x instrumented into an invalid one: %v", b, err)
		}
		cm.Close(ctx)
	})
}
