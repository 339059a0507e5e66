//go:build !wasip1

package contract

import (
	"time"

	"github.com/phalanx-net/phalanx/sdk/contract/internal/native"
)

// env is, natively, the test kit's call (see package contracttest).
type env = native.Env

func init() {
	native.Call = func(e native.Env, method string, in []byte) error {
		return dispatch(Context{env: e}, method, in)
	}
}

// Get returns a stored value and whether it exists.
func (c Context) Get(key string) ([]byte, bool) { return c.env.Get([]byte(key)) }

// Set stores a value.
func (c Context) Set(key string, value []byte) { c.env.Set([]byte(key), value) }

// Remove deletes a key.
func (c Context) Remove(key string) { c.env.Remove([]byte(key)) }

// Caller returns the account that sent the command or query.
func (c Context) Caller() [20]byte { return c.env.Caller() }

// ContractID returns this contract's id.
func (c Context) ContractID() [32]byte { return c.env.ContractID() }

// BlockHeight and BlockTime describe the block the call belongs to.
func (c Context) BlockHeight() int64 { return c.env.BlockHeight() }

// BlockTime is the block's time: the only clock a contract has.
func (c Context) BlockTime() time.Time { return time.Unix(0, c.env.BlockTime()).UTC() }

// Random returns n bytes that every worker derives alike from the block
// and the contract's key: unpredictable to the caller, the same on every
// worker.
func (c Context) Random(n int) []byte {
	b := make([]byte, n)
	c.env.Random(b)
	return b
}

// Emit appends to the call's output.
func (c Context) Emit(b []byte) { c.env.Emit(b) }
