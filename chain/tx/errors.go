package tx

import "github.com/phalanx-net/phalanx/chain/module"

// Codespace of the envelope's errors.
const Codespace = "tx"

// Refusals of a transaction, each with its own code. A refused transaction
// changes nothing: it never enters a block, or if a proposer put it in one,
// it fails there without fee or nonce change.
var (
	// Bytes that are not one canonical transaction; a message that does not decode.
	ErrMalformed = module.DefineError(Codespace, 1, "malformed transaction")
	// The signature does not verify for the body and sender.
	ErrBadSignature = module.DefineError(Codespace, 2, "bad signature")
	// The body names another chain.
	ErrWrongChainID = module.DefineError(Codespace, 3, "wrong chain id")
	// The nonce is below the account's next nonce.
	ErrStaleNonce = module.DefineError(Codespace, 4, "nonce already used")
	// The nonce is above the account's next nonce.
	ErrFutureNonce = module.DefineError(Codespace, 5, "nonce too high")
	// A message type this chain does not have.
	ErrUnknownMsg = module.DefineError(Codespace, 6, "unknown message type")
	// More than max_tx_bytes.
	ErrTooLarge = module.DefineError(Codespace, 7, "transaction too large")
	// The balance is below gas_limit × gas_price.
	ErrUnaffordableFee = module.DefineError(Codespace, 8, "balance cannot pay the fee")
	// Gas_price < min_gas_price.
	ErrGasPriceTooLow = module.DefineError(Codespace, 9, "gas price below the minimum")
	// A message's contents are invalid and no module code says why.
	ErrInvalidMsg = module.DefineError(Codespace, 10, "invalid message")
	ErrNoMsgs     = module.DefineError(Codespace, 11, "transaction has no messages")
	// Above max_tx_gas or below the intrinsic gas.
	ErrGasLimit = module.DefineError(Codespace, 12, "gas limit out of range")
)
