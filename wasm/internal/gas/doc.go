// Package gas adds deterministic gas metering to a WebAssembly module, once,
// when the module is uploaded.
//
// The module gains an exported mutable i64 global, GlobalGasLeft, which
// the host sets before a call and reads after it as a signed number. The
// code is cut into segments that run whole whenever they start (a call
// does not cut one, nor does a block no branch targets); each segment
// subtracts its weighted cost from the counter as it starts, with four
// instructions. The counter is compared with zero only at function entry
// and at the head of every loop a branch returns to, and traps there if
// it is negative: every long or endless run passes one of those points,
// so the overshoot is bounded by one loop-free stretch of one function.
// The host treats a counter below zero after a call as out of gas,
// whatever else happened, and host functions check it before doing work.
// memory.copy and memory.fill also pay per byte, from the length on the
// stack. Costs are a function of the module's code alone, so every worker
// stops at the same point with the same gas used, whatever its machine.
//
// The module's own mutable globals are exported too (GlobalPrefix), so
// the host can snapshot an instance after initialization and restore it
// between calls. Instructions that keep state outside memory and globals
// (table changes, passive data) are refused, as is a start section.
//
// The counter is a global updated inline rather than a call to the host
// per segment: a host call costs tens of nanoseconds, a segment a few.
package gas
