package gas

import (
	"encoding/binary"
	"fmt"
	"strconv"

	wabin "github.com/tetratelabs/wabin/binary"
	"github.com/tetratelabs/wabin/wasm"
)

// GlobalGasLeft names the exported i64 global holding the gas left, read
// as a signed number: below zero means out of gas.
const GlobalGasLeft = "phalanx_gas_left"

// GlobalPrefix prefixes the names under which the module's own mutable
// globals are exported, numbered from 0 without gaps ("phalanx_global_3"
// is the fourth), so the host can snapshot and restore an instance.
const GlobalPrefix = "phalanx_global_"

// Costs weighs instructions. Most cost Default; the others cost more
// because they do more work than one machine instruction or two.
type Costs struct {
	Default      uint64
	Call         uint64 // call
	CallIndirect uint64 // call_indirect
	DivRem       uint64 // integer division and remainder
	MemoryGrow   uint64 // memory.grow: zeroes up to megabytes
	Bulk         uint64 // memory.copy, memory.fill: a fixed part...
	// BulkByteShift sets the per-byte part of memory.copy and
	// memory.fill: one gas per 2^BulkByteShift bytes moved.
	BulkByteShift uint8
}

// DefaultCosts are the costs the network charges.
func DefaultCosts() Costs {
	return Costs{Default: 1, Call: 4, CallIndirect: 8, DivRem: 4, MemoryGrow: 10_000, Bulk: 20, BulkByteShift: 3}
}

// Instrument returns module with gas metering and its mutable globals
// exported (see the package comment). The module must already have
// passed validation (the runtime checks it with wazero first): the
// decoder used here trusts the counts a module declares.
func Instrument(module []byte, costs Costs) ([]byte, error) {
	return rewrite(module, &costs)
}

// ExportGlobals returns module with its mutable globals exported and no
// metering: what an unmetered engine (a benchmark's baseline) runs.
func ExportGlobals(module []byte) ([]byte, error) { return rewrite(module, nil) }

func rewrite(module []byte, costs *Costs) (out []byte, err error) {
	defer func() {
		// The decoder is not hardened against every malformed input, and
		// an upload must never crash a node.
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("%w: %v", ErrInvalidModule, r)
		}
	}()
	m, err := wabin.DecodeModule(module, wasm.CoreFeaturesV2)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidModule, err)
	}
	for _, e := range m.ExportSection {
		if e.Name == GlobalGasLeft || len(e.Name) > len(GlobalPrefix) && e.Name[:len(GlobalPrefix)] == GlobalPrefix {
			return nil, ErrAlreadyInstrumented
		}
	}
	if m.StartSection != nil {
		// A start function would run before the host can set a budget;
		// contracts initialize in _initialize instead.
		return nil, fmt.Errorf("%w: a start section", ErrUnsupported)
	}
	var importedGlobals uint32
	for _, im := range m.ImportSection {
		switch im.Type {
		case wasm.ExternTypeGlobal:
			importedGlobals++
		case wasm.ExternTypeMemory, wasm.ExternTypeTable:
			// State the instance does not own could not be snapshotted.
			return nil, fmt.Errorf("%w: an imported memory or table", ErrUnsupported)
		}
	}
	exported := 0
	for i, g := range m.GlobalSection {
		if g.Type.Mutable {
			m.ExportSection = append(m.ExportSection, &wasm.Export{
				Type: wasm.ExternTypeGlobal, Name: GlobalPrefix + strconv.Itoa(exported), Index: importedGlobals + uint32(i)})
			exported++
		}
	}
	if costs == nil {
		// Bodies are still decoded, so that an unmetered module is refused
		// for the same instructions as a metered one.
		for i, c := range m.CodeSection {
			for pc := 0; pc < len(c.Body); {
				in, err := decode(c.Body, pc, DefaultCosts())
				if err != nil {
					return nil, fmt.Errorf("function %d at byte %d: %w", i, pc, err)
				}
				pc += in.size
			}
		}
		return wabin.EncodeModule(m), nil
	}
	gasIdx := importedGlobals + uint32(len(m.GlobalSection))
	m.GlobalSection = append(m.GlobalSection, &wasm.Global{
		Type: &wasm.GlobalType{ValType: wasm.ValueTypeI64, Mutable: true},
		Init: &wasm.ConstantExpression{Opcode: wasm.OpcodeI64Const, Data: []byte{0}},
	})
	m.ExportSection = append(m.ExportSection, &wasm.Export{Type: wasm.ExternTypeGlobal, Name: GlobalGasLeft, Index: gasIdx})
	var importedFuncs uint32
	for _, im := range m.ImportSection {
		if im.Type == wasm.ExternTypeFunc {
			importedFuncs++
		}
	}
	for i, c := range m.CodeSection {
		if i >= len(m.FunctionSection) || int(m.FunctionSection[i]) >= len(m.TypeSection) {
			return nil, fmt.Errorf("%w: function %d has no type", ErrInvalidModule, i)
		}
		params := len(m.TypeSection[m.FunctionSection[i]].Params)
		f := &function{costs: *costs, gas: gasIdx, scratch: uint32(params + len(c.LocalTypes))}
		body, err := f.meter(c.Body)
		if err != nil {
			return nil, fmt.Errorf("function %d: %w", importedFuncs+uint32(i), err)
		}
		c.Body = body
		if f.usesScratch {
			c.LocalTypes = append(c.LocalTypes, wasm.ValueTypeI32)
		}
	}
	return wabin.EncodeModule(m), nil
}

// function meters one function body.
type function struct {
	costs       Costs
	gas         uint32 // index of the gas global
	scratch     uint32 // index of an extra i32 local, for bulk lengths
	usesScratch bool
}

// block is an open block, loop or if of the body.
type block struct {
	op       byte // OpcodeBlock, OpcodeLoop, OpcodeIf; 0 for the body itself
	targeted bool // some branch goes to its label
}

// targets reports, for each block-opening instruction in order, whether a
// branch targets its label. A block's branches all lie inside it, so one
// pass finds them.
func targets(body []byte, costs Costs) ([]bool, error) {
	var out []bool
	stack := []int{-1} // indices into out; -1 for the body
	for pc := 0; pc < len(body); {
		in, err := decode(body, pc, costs)
		if err != nil {
			return nil, fmt.Errorf("at byte %d: %w", pc, err)
		}
		pc += in.size
		switch in.op {
		case wasm.OpcodeBlock, wasm.OpcodeLoop, wasm.OpcodeIf:
			stack = append(stack, len(out))
			out = append(out, false)
		case wasm.OpcodeEnd:
			if len(stack) == 0 {
				return nil, fmt.Errorf("%w: unbalanced end", ErrInvalidModule)
			}
			stack = stack[:len(stack)-1]
		}
		for _, l := range in.labels {
			if int(l) >= len(stack) {
				return nil, fmt.Errorf("%w: branch to label %d at depth %d", ErrInvalidModule, l, len(stack))
			}
			if i := stack[len(stack)-1-int(l)]; i >= 0 {
				out[i] = true
			}
		}
	}
	return out, nil
}

// meter rewrites a body so that each segment pays its cost when it
// starts. A segment starts at the body's start, at the start of a loop
// some branch returns to, in each arm of an if, after an if or a
// targeted block ends (the join points), and after any instruction that
// may branch away; a call does not end one, nor does entering or
// leaving a block no branch targets. The gas left is checked only at the
// body's start and at loop heads: every path that runs long passes one
// of them, so the overshoot is bounded by one loop-free stretch of code.
func (f *function) meter(body []byte) ([]byte, error) {
	targeted, err := targets(body, f.costs)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(body)+len(body)/2)
	var (
		seg    []byte // the current segment's (rewritten) code
		cost   uint64
		check  = true // the body's start checks
		stack  []block
		opened int
	)
	flush := func(nextChecks bool) {
		if cost > 0 || check {
			out = f.charge(out, cost, check)
		}
		out = append(out, seg...)
		seg, cost, check = seg[:0], 0, nextChecks
	}
	for pc := 0; pc < len(body); {
		in, err := decode(body, pc, f.costs)
		if err != nil {
			return nil, fmt.Errorf("at byte %d: %w", pc, err)
		}
		code := body[pc : pc+in.size]
		pc += in.size
		cost += in.cost
		switch in.op {
		case wasm.OpcodeBlock, wasm.OpcodeLoop, wasm.OpcodeIf:
			b := block{op: in.op, targeted: targeted[opened]}
			opened++
			stack = append(stack, b)
			seg = append(seg, code...)
			if in.op == wasm.OpcodeIf {
				flush(false)
			} else if in.op == wasm.OpcodeLoop && b.targeted {
				flush(true)
			}
		case wasm.OpcodeElse:
			seg = append(seg, code...)
			flush(false)
		case wasm.OpcodeEnd:
			seg = append(seg, code...)
			if len(stack) == 0 { // the body's end
				break
			}
			b := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if b.op == wasm.OpcodeIf || (b.op == wasm.OpcodeBlock && b.targeted) {
				flush(false)
			}
		case wasm.OpcodeBr, wasm.OpcodeBrIf, wasm.OpcodeBrTable, wasm.OpcodeReturn, wasm.OpcodeUnreachable:
			seg = append(seg, code...)
			flush(false)
		case wasm.OpcodeMiscPrefix:
			if in.sub == uint64(wasm.OpcodeMiscMemoryCopy) || in.sub == uint64(wasm.OpcodeMiscMemoryFill) {
				seg = f.chargeBytes(seg)
			}
			seg = append(seg, code...)
		default:
			seg = append(seg, code...)
		}
	}
	flush(false)
	return out, nil
}

// charge appends: gas_left -= cost, then, with check,
// if gas_left < 0 { unreachable }.
func (f *function) charge(dst []byte, cost uint64, check bool) []byte {
	if cost > 0 {
		dst = append(dst, wasm.OpcodeGlobalGet)
		dst = binary.AppendUvarint(dst, uint64(f.gas))
		dst = append(dst, wasm.OpcodeI64Const)
		dst = appendSLEB(dst, int64(cost))
		dst = append(dst, wasm.OpcodeI64Sub, wasm.OpcodeGlobalSet)
		dst = binary.AppendUvarint(dst, uint64(f.gas))
	}
	if check {
		dst = append(dst, wasm.OpcodeGlobalGet)
		dst = binary.AppendUvarint(dst, uint64(f.gas))
		dst = append(dst, wasm.OpcodeI64Const, 0, wasm.OpcodeI64LtS, wasm.OpcodeIf, 0x40, wasm.OpcodeUnreachable, wasm.OpcodeEnd)
	}
	return dst
}

// chargeBytes appends, before a memory.copy or memory.fill whose length
// is on top of the stack: gas_left -= length >> BulkByteShift.
func (f *function) chargeBytes(dst []byte) []byte {
	f.usesScratch = true
	dst = append(dst, wasm.OpcodeLocalTee)
	dst = binary.AppendUvarint(dst, uint64(f.scratch))
	dst = append(dst, wasm.OpcodeGlobalGet)
	dst = binary.AppendUvarint(dst, uint64(f.gas))
	dst = append(dst, wasm.OpcodeLocalGet)
	dst = binary.AppendUvarint(dst, uint64(f.scratch))
	dst = append(dst, wasm.OpcodeI64ExtendI32U, wasm.OpcodeI64Const)
	dst = appendSLEB(dst, int64(f.costs.BulkByteShift))
	dst = append(dst, wasm.OpcodeI64ShrU, wasm.OpcodeI64Sub, wasm.OpcodeGlobalSet)
	return binary.AppendUvarint(dst, uint64(f.gas))
}

// appendSLEB appends v in signed LEB128, the encoding of i64.const.
func appendSLEB(dst []byte, v int64) []byte {
	for {
		b := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && b&0x40 == 0) || (v == -1 && b&0x40 != 0) {
			return append(dst, b)
		}
		dst = append(dst, b|0x80)
	}
}
