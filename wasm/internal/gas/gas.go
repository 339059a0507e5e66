package gas

import (
	"encoding/binary"
	"fmt"

	wabin "github.com/tetratelabs/wabin/binary"
	"github.com/tetratelabs/wabin/wasm"
)

// Names of the exported globals the host reads and writes.
const (
	GlobalGasLeft  = "phalanx_gas_left"
	GlobalOutOfGas = "phalanx_out_of_gas"
)

// InitialGas is the gas the module starts with, which pays for its start
// function (Go's runtime initialization) before the host sets a call's
// limit.
const InitialGas = 1 << 40

// Costs weighs instructions. Most cost Default; the others cost more
// because they do more work than one machine instruction or two.
type Costs struct {
	Default      uint64
	Call         uint64 // call
	CallIndirect uint64 // call_indirect
	DivRem       uint64 // integer division and remainder
	MemoryGrow   uint64 // memory.grow: zeroes up to megabytes
	Bulk         uint64 // memory.copy, memory.fill, memory.init, table ops
}

// DefaultCosts are the costs the network charges.
func DefaultCosts() Costs {
	return Costs{Default: 1, Call: 4, CallIndirect: 8, DivRem: 4, MemoryGrow: 10_000, Bulk: 100}
}

// Instrument returns module with gas metering (see the package comment).
// The module must already have passed validation (the runtime compiles it
// with wazero first): the decoder used here trusts the counts a module
// declares.
func Instrument(module []byte, costs Costs) (out []byte, err error) {
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
		if e.Name == GlobalGasLeft || e.Name == GlobalOutOfGas {
			return nil, ErrAlreadyInstrumented
		}
	}
	var importedGlobals uint32
	for _, im := range m.ImportSection {
		if im.Type == wasm.ExternTypeGlobal {
			importedGlobals++
		}
	}
	gasIdx := importedGlobals + uint32(len(m.GlobalSection))
	flagIdx := gasIdx + 1
	m.GlobalSection = append(m.GlobalSection,
		&wasm.Global{Type: &wasm.GlobalType{ValType: wasm.ValueTypeI64, Mutable: true},
			Init: &wasm.ConstantExpression{Opcode: wasm.OpcodeI64Const, Data: appendSLEB(nil, InitialGas)}},
		&wasm.Global{Type: &wasm.GlobalType{ValType: wasm.ValueTypeI32, Mutable: true},
			Init: &wasm.ConstantExpression{Opcode: wasm.OpcodeI32Const, Data: []byte{0}}},
	)
	m.ExportSection = append(m.ExportSection,
		&wasm.Export{Type: wasm.ExternTypeGlobal, Name: GlobalGasLeft, Index: gasIdx},
		&wasm.Export{Type: wasm.ExternTypeGlobal, Name: GlobalOutOfGas, Index: flagIdx},
	)
	for i, c := range m.CodeSection {
		body, err := meter(c.Body, costs, gasIdx, flagIdx)
		if err != nil {
			return nil, fmt.Errorf("function %d: %w", i, err)
		}
		c.Body = body
	}
	return wabin.EncodeModule(m), nil
}

// charge is the code that pays cost at a segment's start.
func charge(dst []byte, cost uint64, gasIdx, flagIdx uint32) []byte {
	c := appendSLEB(nil, int64(cost))
	// if gas_left < cost { out_of_gas = 1; unreachable }
	dst = append(dst, wasm.OpcodeGlobalGet)
	dst = binary.AppendUvarint(dst, uint64(gasIdx))
	dst = append(dst, wasm.OpcodeI64Const)
	dst = append(dst, c...)
	dst = append(dst, wasm.OpcodeI64LtU, wasm.OpcodeIf, 0x40, wasm.OpcodeI32Const, 1, wasm.OpcodeGlobalSet)
	dst = binary.AppendUvarint(dst, uint64(flagIdx))
	dst = append(dst, wasm.OpcodeUnreachable, wasm.OpcodeEnd)
	// gas_left -= cost
	dst = append(dst, wasm.OpcodeGlobalGet)
	dst = binary.AppendUvarint(dst, uint64(gasIdx))
	dst = append(dst, wasm.OpcodeI64Const)
	dst = append(dst, c...)
	dst = append(dst, wasm.OpcodeI64Sub, wasm.OpcodeGlobalSet)
	return binary.AppendUvarint(dst, uint64(gasIdx))
}

// meter rewrites one function body with a charge at every segment start.
func meter(body []byte, costs Costs, gasIdx, flagIdx uint32) ([]byte, error) {
	out := make([]byte, 0, len(body)+len(body)/2)
	segStart, cost := 0, uint64(0)
	flush := func(end int) {
		if end > segStart {
			if cost > 0 {
				out = charge(out, cost, gasIdx, flagIdx)
			}
			out = append(out, body[segStart:end]...)
		}
		segStart, cost = end, 0
	}
	for pc := 0; pc < len(body); {
		ins, err := decode(body, pc, costs)
		if err != nil {
			return nil, fmt.Errorf("at byte %d: %w", pc, err)
		}
		pc += ins.size
		cost += ins.cost
		if ins.endsSegment {
			flush(pc)
		}
	}
	flush(len(body))
	return out, nil
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
