// Package contracttest runs a contract's handlers natively, in an ordinary
// `go test` on the host, against an in-memory store: no WebAssembly, no
// runtime, no network. The handlers are those the contract registered
// with contract.Handle in its init functions, which have run in any test
// binary of the contract's package:
//
//	func TestVote(t *testing.T) {
//		c := contracttest.New()
//		c.Caller = [20]byte{1}
//		if _, err := c.Call("vote", `"yes"`); err != nil {
//			t.Fatal(err)
//		}
//		out, err := c.Query("results", "")
//		...
//	}
//
// A call here does what a call in the runtime does, with these
// differences:
//
//   - Package-level variables persist from one call to the next. In the
//     runtime every call starts from the state right after
//     initialization, so only storage carries over: keep state in
//     storage, or a test here will pass where the contract fails.
//   - There is no gas and no memory limit; the limits on keys, values,
//     output and randomness are checked (ErrLimit).
//   - A handler's error is returned as it is (errors.Is works on it); the
//     runtime passes on only its text. A panic is ErrTrap.
//   - Go's own clock and math/rand are the host's: only the Context's
//     BlockTime and Random are the block's, as in the runtime.
package contracttest

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	_ "github.com/phalanx-net/phalanx/sdk/contract" // registers the handlers' dispatcher
	"github.com/phalanx-net/phalanx/sdk/contract/internal/native"
)

// The runtime's limits on what one call may move through the host.
const (
	MaxKeySize    = 1 << 10
	MaxValueSize  = 64 << 10
	MaxOutputSize = 64 << 10
	MaxRandom     = 1 << 10
)

// Errors of a call that failed other than by its handler's error.
var (
	// ErrTrap is a handler that panicked: in the runtime, a trap.
	ErrTrap = errors.New("contract trapped")
	// ErrLimit is a key, value, output or randomness request larger than
	// the runtime allows.
	ErrLimit = errors.New("contract exceeded a limit of the runtime")
)

// Contract is one instance of the contract under test: its storage and
// the context of the next call. Make one with New; set the fields between
// calls to change who calls and when.
type Contract struct {
	// Caller is the account the calls come from (zero unless set).
	Caller [20]byte
	// ID is the contract's id (zero unless set).
	ID [32]byte
	// Height and Time are the block the calls belong to (New sets height 1
	// and 2026-01-01 UTC).
	Height int64
	Time   time.Time
	// Seed makes Random's bytes: each call draws from a stream derived from
	// Seed and the number of calls made before it, so a test draws the same
	// bytes every run and two calls draw different ones.
	Seed [32]byte

	store map[string][]byte
	calls uint64
}

// New returns a contract with empty storage.
func New() *Contract {
	return &Contract{Height: 1, Time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), store: map[string][]byte{}}
}

// Call runs method as a command: input is the call's JSON input (empty
// for the argument's zero value), as a client sends it. The call's
// storage writes are kept if it succeeds and dropped if it fails; its
// output is returned if it succeeds.
func (c *Contract) Call(method, input string) ([]byte, error) { return c.run(method, input, true) }

// Query runs method as a query: like Call, but its writes are always
// dropped, as a worker drops a query's.
func (c *Contract) Query(method, input string) ([]byte, error) { return c.run(method, input, false) }

// Get returns what the contract has stored under key, and whether it has.
func (c *Contract) Get(key string) ([]byte, bool) {
	v, ok := c.store[key]
	return bytes.Clone(v), ok
}

// limitError is how a call's environment ends the call on a broken limit.
type limitError struct{ err error }

func (c *Contract) run(method, input string, keep bool) (out []byte, err error) {
	if native.Call == nil {
		// Only package contract's native build sets it.
		return nil, errors.New("contracttest runs contracts natively: not under GOOS=wasip1")
	}
	if c.store == nil {
		c.store = map[string][]byte{}
	}
	var seed [40]byte
	copy(seed[:], c.Seed[:])
	binary.BigEndian.PutUint64(seed[32:], c.calls)
	c.calls++
	e := &call{c: c, writes: map[string][]byte{}, rand: rand.NewChaCha8(sha256.Sum256(seed[:]))}
	defer func() {
		if r := recover(); r != nil {
			out = nil
			if l, ok := r.(limitError); ok {
				err = l.err
			} else {
				err = fmt.Errorf("%w: panic: %v", ErrTrap, r)
			}
		}
	}()
	if err := native.Call(e, method, []byte(input)); err != nil {
		return nil, err
	}
	if keep {
		for k, v := range e.writes {
			if v == nil {
				delete(c.store, k)
			} else {
				c.store[k] = v
			}
		}
	}
	return e.output.Bytes(), nil
}

// call is one call's environment: the writes it made so far (nil for a
// removal) and its output, over the contract's storage.
type call struct {
	c      *Contract
	writes map[string][]byte
	output bytes.Buffer
	rand   *rand.ChaCha8
}

func limit(what string, n, max int) {
	if n > max {
		panic(limitError{fmt.Errorf("%w: %s of %d bytes exceeds %d", ErrLimit, what, n, max)})
	}
}

func (e *call) Get(key []byte) ([]byte, bool) {
	limit("storage key", len(key), MaxKeySize)
	v, ok := e.writes[string(key)]
	if !ok {
		v, ok = e.c.store[string(key)]
	}
	if v == nil {
		return nil, false
	}
	return bytes.Clone(v), ok
}

func (e *call) Set(key, value []byte) {
	limit("storage key", len(key), MaxKeySize)
	limit("storage value", len(value), MaxValueSize)
	e.writes[string(key)] = append([]byte{}, value...) // never nil: an empty value exists
}

func (e *call) Remove(key []byte) {
	limit("storage key", len(key), MaxKeySize)
	e.writes[string(key)] = nil
}

func (e *call) Caller() [20]byte     { return e.c.Caller }
func (e *call) ContractID() [32]byte { return e.c.ID }
func (e *call) BlockHeight() int64   { return e.c.Height }
func (e *call) BlockTime() int64     { return e.c.Time.UnixNano() }

func (e *call) Random(out []byte) {
	limit("random", len(out), MaxRandom)
	e.rand.Read(out)
}

func (e *call) Emit(b []byte) {
	limit("output", e.output.Len()+len(b), MaxOutputSize)
	e.output.Write(b)
}
