package gas

import "fmt"

// instr is one decoded instruction: its opcode (and 0xfc sub-opcode),
// size in bytes, static cost, and the labels it branches to.
type instr struct {
	op     byte
	sub    uint64
	size   int
	cost   uint64
	labels []uint32
}

// reader reads immediates from a body.
type reader struct {
	b   []byte
	pos int
	err error
}

func (r *reader) byte() byte {
	if r.err != nil || r.pos >= len(r.b) {
		r.fail()
		return 0
	}
	c := r.b[r.pos]
	r.pos++
	return c
}

func (r *reader) fail() {
	if r.err == nil {
		r.err = fmt.Errorf("%w: truncated instruction", ErrInvalidModule)
	}
}

// leb skips one LEB128 number (signed or unsigned: both end at the first
// byte without the continuation bit) of at most maxBytes bytes.
func (r *reader) leb(maxBytes int) {
	for i := 0; i < maxBytes; i++ {
		if r.byte()&0x80 == 0 {
			return
		}
	}
	if r.err == nil {
		r.err = fmt.Errorf("%w: LEB128 number longer than %d bytes", ErrInvalidModule, maxBytes)
	}
}

// u32 reads an unsigned LEB128 count or index.
func (r *reader) u32() uint64 {
	var v uint64
	for i := 0; i < 5; i++ {
		c := r.byte()
		v |= uint64(c&0x7f) << (7 * i)
		if c&0x80 == 0 {
			return v
		}
	}
	r.fail()
	return 0
}

func (r *reader) skip(n int) {
	if r.err != nil || r.pos+n > len(r.b) {
		r.fail()
		return
	}
	r.pos += n
}

// blockType skips a block type: empty, a value type, or a type index
// (a signed 33-bit LEB128).
func (r *reader) blockType() {
	switch c := r.byte(); c {
	case 0x40, 0x7f, 0x7e, 0x7d, 0x7c, 0x7b, 0x70, 0x6f:
	default:
		r.pos--
		r.leb(5)
	}
}

// decode reads the instruction at pc.
func decode(body []byte, pc int, costs Costs) (instr, error) {
	r := &reader{b: body, pos: pc}
	op := r.byte()
	in := instr{op: op, cost: costs.Default}
	switch {
	case op == 0x00 || op == 0x0f: // unreachable, return
	case op == 0x01 || op == 0x1a || op == 0x1b || op == 0xd1: // nop, drop, select, ref.is_null
	case op >= 0x02 && op <= 0x04: // block, loop, if
		r.blockType()
	case op == 0x05: // else
	case op == 0x0b: // end: no work; chains of ends pay nothing
		in.cost = 0
	case op == 0x0c || op == 0x0d: // br, br_if
		in.labels = []uint32{uint32(r.u32())}
	case op == 0x0e: // br_table: n labels and the default
		n := r.u32()
		if n > uint64(len(body)) { // each label takes at least a byte
			r.fail()
		}
		for i := uint64(0); i <= n && r.err == nil; i++ {
			in.labels = append(in.labels, uint32(r.u32()))
		}
	case op == 0x10: // call
		r.leb(5)
		in.cost = costs.Call
	case op == 0x11: // call_indirect
		r.leb(5)
		r.leb(5)
		in.cost = costs.CallIndirect
	case op == 0x1c: // select t*
		r.skip(int(min(r.u32(), uint64(len(body)+1))))
	case op >= 0x20 && op <= 0x25: // local.*, global.*, table.get
		r.leb(5)
	case op >= 0x28 && op <= 0x3e: // loads and stores: align, offset
		r.leb(5)
		r.leb(10)
	case op == 0x3f: // memory.size
		r.byte()
	case op == 0x40: // memory.grow
		r.byte()
		in.cost = costs.MemoryGrow
	case op == 0x41: // i32.const
		r.leb(5)
	case op == 0x42: // i64.const
		r.leb(10)
	case op == 0x43: // f32.const
		r.skip(4)
	case op == 0x44: // f64.const
		r.skip(8)
	case op == 0x6d || op == 0x6e || op == 0x6f || op == 0x70 || // i32 div_s, div_u, rem_s, rem_u
		op == 0x7f || op == 0x80 || op == 0x81 || op == 0x82: // i64 div_s, div_u, rem_s, rem_u
		in.cost = costs.DivRem
	case op >= 0x45 && op <= 0xc4: // numeric instructions, sign extension
	case op == 0xd0: // ref.null
		r.byte()
	case op == 0xd2: // ref.func
		r.leb(5)
	case op == 0xfc:
		sub := r.u32()
		in.sub = sub
		switch {
		case sub <= 7: // saturating truncation
		case sub == 10: // memory.copy
			r.byte()
			r.byte()
			in.cost = costs.Bulk
		case sub == 11: // memory.fill
			r.byte()
			in.cost = costs.Bulk
		case sub == 16: // table.size
			r.leb(5)
		default:
			// memory.init, data.drop, and the instructions that change
			// tables keep state outside memory and globals, which an
			// instance's snapshot would miss (Go emits none of them).
			return in, fmt.Errorf("%w: 0xfc %d", ErrUnsupported, sub)
		}
	default:
		return in, fmt.Errorf("%w: opcode 0x%02x", ErrUnsupported, op)
	}
	if r.err != nil {
		return in, r.err
	}
	in.size = r.pos - pc
	return in, nil
}
