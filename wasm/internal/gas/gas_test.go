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

func TestStraightLineCostsItsInstructions(t *testing.T) {
	out, err := Instrument(testModule(), DefaultCosts())
	if err != nil {
		t.Fatal(err)
	}
	mod := instantiate(t, out)
	left := mod.ExportedGlobal(GlobalGasLeft).(api.MutableGlobal)
	left.Set(100)
	res, err := mod.ExportedFunction("straight").Call(context.Background())
	if err != nil || res[0] != 3 {
		t.Fatalf("straight: %v, %v", res, err)
	}
	if used := 100 - left.Get(); used != 3 {
		t.Fatalf("used %d gas, want 3 (const, const, add; end is free)", used)
	}
	// With 2 gas the segment cannot start: out of gas, flagged, nothing run.
	left.Set(2)
	if _, err := mod.ExportedFunction("straight").Call(context.Background()); err == nil {
		t.Fatal("ran with too little gas")
	}
	if mod.ExportedGlobal(GlobalOutOfGas).Get() != 1 || left.Get() != 2 {
		t.Fatalf("out of gas: flag %d, left %d", mod.ExportedGlobal(GlobalOutOfGas).Get(), left.Get())
	}
}

func TestLoopPaysEveryIteration(t *testing.T) {
	out, err := Instrument(testModule(), DefaultCosts())
	if err != nil {
		t.Fatal(err)
	}
	for _, limit := range []uint64{10, 1000, 123457} {
		mod := instantiate(t, out)
		left := mod.ExportedGlobal(GlobalGasLeft).(api.MutableGlobal)
		left.Set(limit)
		if _, err := mod.ExportedFunction("spin").Call(context.Background()); err == nil {
			t.Fatal("an endless loop ended")
		}
		// [loop] costs 1, then each iteration's [br 0] costs 1: the loop
		// stops with nothing left, the same way every time.
		if mod.ExportedGlobal(GlobalOutOfGas).Get() != 1 || left.Get() != 0 {
			t.Fatalf("limit %d: flag %d, left %d", limit, mod.ExportedGlobal(GlobalOutOfGas).Get(), left.Get())
		}
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
