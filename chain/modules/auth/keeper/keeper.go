package keeper

import (
	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/modules/auth"
	"github.com/phalanx-net/phalanx/chain/store"
	"github.com/phalanx-net/phalanx/chain/tx"
	"github.com/phalanx-net/phalanx/crypto"
)

// Keeper reads and writes auth's state.
type Keeper struct{}

// Account returns the account record of addr.
func (Keeper) Account(r store.Reader, addr crypto.Address) auth.Account {
	var a auth.Account
	if v := r.Get(auth.AccountKey(addr)); v != nil {
		store.MustDecode(v, &a)
	}
	return a
}

// SetAccount writes the account record of addr.
func (Keeper) SetAccount(kv store.KV, addr crypto.Address, a auth.Account) {
	kv.Set(auth.AccountKey(addr), codec.MustMarshal(a))
}

// Params returns the parameters.
func (Keeper) Params(r store.Reader) auth.Params {
	var p auth.Params
	store.MustDecode(r.Get(auth.ParamsKey()), &p)
	return p
}

// SetParams writes the parameters.
func (Keeper) SetParams(kv store.KV, p auth.Params) {
	kv.Set(auth.ParamsKey(), codec.MustMarshal(p))
}

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
