// Package gas adds deterministic gas metering to a WebAssembly module, once,
// when the module is uploaded.
//
// The module gains two exported mutable globals: GlobalGasLeft (i64), which
// the host sets before a call and reads after it, and GlobalOutOfGas (i32),
// set to 1 just before the module traps for lack of gas. The code is cut into
// straight-line segments, each ending at a control instruction or a call;
// at the start of each segment the instrumented code compares the gas left
// with the segment's cost, traps if it is short, and subtracts it. A loop
// body starts a segment, so every iteration pays. Charging a segment whole
// before it runs means every worker stops at the same segment with the same
// gas used, whatever its machine.
//
// The counter is a global decremented inline rather than a call to the host
// per segment: a host call costs tens of nanoseconds, a segment a few.
package gas
