package auth

import (
	"github.com/phalanx-net/phalanx/chain/store"
	"github.com/phalanx-net/phalanx/chain/tx"
	"github.com/phalanx-net/phalanx/crypto"
)

// CheckNonce checks that nonce is the sender's next one.
func (k Keeper) CheckNonce(r store.Reader, sender crypto.Address, nonce uint64) error {
	next := k.Account(r, sender).Nonce
	switch {
	case nonce < next:
		return tx.ErrStaleNonce.Wrap("account %s has already used nonce %d; its next nonce is %d", sender, nonce, next)
	case nonce > next:
		return tx.ErrFutureNonce.Wrap("account %s's next nonce is %d, the transaction has %d", sender, next, nonce)
	}
	return nil
}

// IncrementNonce uses up the sender's current nonce.
func (k Keeper) IncrementNonce(kv store.KV, sender crypto.Address) {
	a := k.Account(kv, sender)
	a.Nonce++
	k.SetAccount(kv, sender, a)
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
