package tx

import "github.com/phalanx-net/phalanx/chain/module"

// Codespace of the envelope's errors.
const Codespace = "tx"

// Refusals of a transaction, each with its own code. A refused transaction
// changes nothing: it never enters a block, or if a proposer put it in one,
// it fails there without fee or nonce change.
var (
	ErrMalformed       = module.DefineError(Codespace, 1, "malformed transaction")
	ErrBadSignature    = module.DefineError(Codespace, 2, "bad signature")
	ErrWrongChainID    = module.DefineError(Codespace, 3, "wrong chain id")
	ErrStaleNonce      = module.DefineError(Codespace, 4, "nonce already used")
	ErrFutureNonce     = module.DefineError(Codespace, 5, "nonce too high")
	ErrUnknownMsg      = module.DefineError(Codespace, 6, "unknown message type")
	ErrTooLarge        = module.DefineError(Codespace, 7, "transaction too large")
	ErrUnaffordableFee = module.DefineError(Codespace, 8, "balance cannot pay the fee")
	ErrGasPriceTooLow  = module.DefineError(Codespace, 9, "gas price below the minimum")
	ErrInvalidMsg      = module.DefineError(Codespace, 10, "invalid message")
	ErrNoMsgs          = module.DefineError(Codespace, 11, "transaction has no messages")
	ErrGasLimit        = module.DefineError(Codespace, 12, "gas limit out of range")
)
