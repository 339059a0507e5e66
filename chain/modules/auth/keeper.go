package auth

import (
	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/store"
	"github.com/phalanx-net/phalanx/crypto"
)

// Keeper reads and writes auth's state.
type Keeper struct{}

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

// Account returns the account record of addr.
func (Keeper) Account(r store.Reader, addr crypto.Address) Account {
	var a Account
	if v := r.Get(AccountKey(addr)); v != nil {
		store.MustDecode(v, &a)
	}
	return a
}

// SetAccount writes the account record of addr.
func (Keeper) SetAccount(kv store.KV, addr crypto.Address, a Account) {
	kv.Set(AccountKey(addr), codec.MustMarshal(a))
}

// Params returns the parameters.
func (Keeper) Params(r store.Reader) Params {
	var p Params
	store.MustDecode(r.Get(paramsKey), &p)
	return p
}

// SetParams writes the parameters.
func (Keeper) SetParams(kv store.KV, p Params) {
	kv.Set(paramsKey, codec.MustMarshal(p))
}
