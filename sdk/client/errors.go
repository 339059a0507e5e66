package client

import (
	"errors"
	"fmt"

	"github.com/phalanx-net/phalanx/chain/module"
)

// ErrTimeout is returned, inside an *UnknownError, when a transaction is
// not seen committed in time.
var ErrTimeout = errors.New("transaction not committed in time")

// ErrUnknown matches an *UnknownError.
var ErrUnknown = errors.New("outcome unknown")

// UnknownError is a transaction that may have reached a node's mempool
// but whose commit was not seen: the node broke the connection off after
// it received the transaction, the wait for the commit timed out (during
// a halt, say), or the context ended. It may still be committed; nothing
// says it failed. The client looked its hash up on every node it knows
// before returning this.
//
// Sending Tx again (Client.Resume) is safe: the same signed bytes carry
// the same nonce, so the chain applies them at most once. Waiting for
// Hash (Client.WaitTx) tells the outcome without sending anything.
type UnknownError struct {
	// Hash is the transaction's hash, as `phalanx query tx` takes it.
	Hash []byte
	// Tx is the signed transaction, when the client had it.
	Tx []byte
	// Err says why the outcome is unknown.
	Err error
}

func (e *UnknownError) Error() string {
	return fmt.Sprintf("the outcome of transaction %X is unknown: %v; it may still be committed", e.Hash, e.Err)
}

// Unwrap returns the reason (ErrTimeout, a transport error...).
func (e *UnknownError) Unwrap() error { return e.Err }

// Is matches ErrUnknown.
func (e *UnknownError) Is(target error) bool { return target == ErrUnknown }

// ErrMempoolFull is returned by Broadcast when the node's mempool has no
// room: the transaction was not checked, and may be sent again later.
var ErrMempoolFull = errors.New("the node's mempool is full")

// TxError is a chain's refusal or failure of a transaction.
type TxError struct {
	Codespace string
	Code      uint32
	Log       string
	// Height is the block that included the transaction, 0 if the node
	// refused it before it entered a block.
	Height int64
}

func (e *TxError) Error() string {
	where := "refused by the node"
	if e.Height > 0 {
		where = fmt.Sprintf("failed in block %d", e.Height)
	}
	return fmt.Sprintf("transaction %s: %s (%s/%d)", where, e.Log, e.Codespace, e.Code)
}

// Is matches the registered module error with the same codespace and code.
func (e *TxError) Is(target error) bool {
	var me *module.Error
	if !errors.As(target, &me) {
		return false
	}
	return me.Codespace == e.Codespace && me.Code == e.Code
}

// Unwrap returns the registered error of the code, if this build knows it.
func (e *TxError) Unwrap() error {
	if me := module.Lookup(e.Codespace, e.Code); me != nil {
		return me
	}
	return nil
}
