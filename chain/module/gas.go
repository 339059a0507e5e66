package module

import "math"

// CodespaceGas holds the out-of-gas error.
const CodespaceGas = "gas"

// ErrOutOfGas is returned when a transaction needs more gas than its limit.
var ErrOutOfGas = DefineError(CodespaceGas, 1, "out of gas")

// GasMeter counts the gas a transaction uses against its limit. Consuming
// past the limit saturates at the limit and marks the meter exhausted, and
// the application then fails the transaction; handlers need not check after
// every step, only before work whose cost is unbounded.
type GasMeter struct {
	limit, used uint64
	exhausted   bool
}

// NewGasMeter returns a meter with the given limit.
func NewGasMeter(limit uint64) *GasMeter { return &GasMeter{limit: limit} }

// Consume adds n to the gas used and returns ErrOutOfGas if that passes the
// limit.
func (m *GasMeter) Consume(n uint64, what string) error {
	if m.exhausted {
		return ErrOutOfGas.Wrap("limit %d already reached before %s", m.limit, what)
	}
	if n > m.limit-m.used || m.used > math.MaxUint64-n {
		m.used = m.limit
		m.exhausted = true
		return ErrOutOfGas.Wrap("%s needs %d more gas, limit is %d", what, n, m.limit)
	}
	m.used += n
	return nil
}

// Used returns the gas used so far.
func (m *GasMeter) Used() uint64 { return m.used }

// Limit returns the limit.
func (m *GasMeter) Limit() uint64 { return m.limit }

// Exhausted reports whether the limit was passed.
func (m *GasMeter) Exhausted() bool { return m.exhausted }

// GasCosts is the price list of state access, a genesis parameter.
type GasCosts struct {
	ReadFlat     uint64 `json:"read_flat" cbor:"1,keyasint"`
	ReadPerByte  uint64 `json:"read_per_byte" cbor:"2,keyasint"`
	WriteFlat    uint64 `json:"write_flat" cbor:"3,keyasint"`
	WritePerByte uint64 `json:"write_per_byte" cbor:"4,keyasint"`
	DeleteFlat   uint64 `json:"delete_flat" cbor:"5,keyasint"`
	IterNext     uint64 `json:"iter_next" cbor:"6,keyasint"`
}

// DefaultGasCosts are the defaults, after the Cosmos SDK's KV gas config.
func DefaultGasCosts() GasCosts {
	return GasCosts{ReadFlat: 1000, ReadPerByte: 3, WriteFlat: 2000, WritePerByte: 30, DeleteFlat: 1000, IterNext: 30}
}
