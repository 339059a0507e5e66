package client

import (
	"errors"
	"fmt"

	"github.com/phalanx-net/phalanx/chain/module"
)

// ErrTimeout is returned when a transaction is not committed in time.
var ErrTimeout = errors.New("transaction not committed in time")

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
