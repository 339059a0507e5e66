package auth

import (
	"fmt"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/tx"
	"github.com/phalanx-net/phalanx/crypto"
)

// ModuleName is auth's name: its codespace and state prefix.
const ModuleName = "auth"

var (
	accountPrefix = []byte("auth/account/")
	paramsKey     = []byte("auth/params")
)

// Account is an account's record. It exists once the account has sent a
// transaction.
type Account struct {
	// Nonce is the nonce the account's next transaction must carry.
	Nonce uint64 `cbor:"1,keyasint" json:"nonce"`
}

// Params are the chain's transaction rules, set in genesis.
type Params struct {
	// MinGasPrice is the lowest gas price, in units of PHA per gas, that a
	// transaction may offer.
	MinGasPrice uint64 `cbor:"1,keyasint" json:"min_gas_price"`
	// MaxTxBytes is the largest transaction accepted.
	MaxTxBytes uint64 `cbor:"2,keyasint" json:"max_tx_bytes"`
	// MaxTxGas is the largest gas limit a transaction may ask for.
	MaxTxGas uint64 `cbor:"3,keyasint" json:"max_tx_gas"`
	// TxBaseGas and TxByteGas price a transaction before its messages run:
	// base + bytes × per-byte.
	TxBaseGas uint64 `cbor:"4,keyasint" json:"tx_base_gas"`
	TxByteGas uint64 `cbor:"5,keyasint" json:"tx_byte_gas"`
	// StateGas prices state access by messages.
	StateGas module.GasCosts `cbor:"6,keyasint" json:"state_gas"`
}

// DefaultParams: a transfer uses about 20,000 gas, so at the default
// minimum price of 100,000 units per gas it costs about 0.002 PHA.
func DefaultParams() Params {
	return Params{
		MinGasPrice: 100_000,
		MaxTxBytes:  2 << 20,     // a compressed contract upload
		MaxTxGas:    200_000_000, // a contract upload: 4 MB stored at 30 gas a byte
		TxBaseGas:   10_000,
		TxByteGas:   10,
		StateGas:    module.DefaultGasCosts(),
	}
}

// Validate checks the parameters.
func (p Params) Validate() error {
	switch {
	case p.MinGasPrice == 0:
		return fmt.Errorf("auth: min_gas_price must be positive, or transactions are free to spam")
	case p.MaxTxBytes < 256:
		return fmt.Errorf("auth: max_tx_bytes %d is too small for any transaction", p.MaxTxBytes)
	case p.MaxTxGas < p.TxBaseGas:
		return fmt.Errorf("auth: max_tx_gas %d is below tx_base_gas %d", p.MaxTxGas, p.TxBaseGas)
	}
	return nil
}

// IntrinsicGas is the gas a transaction of n bytes uses before its messages
// run.
func (p Params) IntrinsicGas(n int) uint64 { return p.TxBaseGas + p.TxByteGas*uint64(n) }

// AccountKey is the state key of an account record.
func AccountKey(a crypto.Address) []byte {
	return append(append(make([]byte, 0, len(accountPrefix)+len(a)), accountPrefix...), a[:]...)
}

// ParamsKey is the state key of the parameters.
func ParamsKey() []byte { return paramsKey }

// DecodeAccount decodes a stored account; absent (nil) is the zero account.
func DecodeAccount(v []byte) (Account, error) {
	var a Account
	if v == nil {
		return a, nil
	}
	err := codec.Unmarshal(v, &a)
	return a, err
}

// CheckFee checks the fee's gas price and gas limit against the parameters
// and the size of the transaction.
func (p Params) CheckFee(fee tx.Fee, txBytes int) error {
	if fee.GasPrice < p.MinGasPrice {
		return tx.ErrGasPriceTooLow.Wrap("gas price %d units is below the chain's minimum of %d", fee.GasPrice, p.MinGasPrice)
	}
	if fee.GasLimit > p.MaxTxGas {
		return tx.ErrGasLimit.Wrap("gas limit %d is above the chain's maximum of %d", fee.GasLimit, p.MaxTxGas)
	}
	if need := p.IntrinsicGas(txBytes); fee.GasLimit < need {
		return tx.ErrGasLimit.Wrap("gas limit %d is below the %d gas this %d-byte transaction needs before it runs", fee.GasLimit, need, txBytes)
	}
	return nil
}
