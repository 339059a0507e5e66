package registry

import (
	"github.com/phalanx-net/phalanx/chain/store"
	"github.com/phalanx-net/phalanx/crypto"
)

// Genesis is the registry's part of the genesis file. Validator accounts
// are not listed here: they are the accounts of the genesis validators'
// keys, which CometBFT passes to InitChain.
type Genesis struct {
	Params Params `json:"params"`
}

// Validate checks the genesis.
func (g Genesis) Validate() error {
	if err := g.Params.Validate(); err != nil {
		return ErrBadGenesis.Wrap("%v", err)
	}
	return nil
}

// InitGenesis writes the parameters and records the validator accounts.
func (k Keeper) InitGenesis(kv store.KV, g Genesis, validators []crypto.PublicKey) error {
	if err := g.Validate(); err != nil {
		return err
	}
	k.SetParams(kv, g.Params)
	for _, v := range validators {
		k.SetValidator(kv, v.Address())
	}
	return nil
}

// DefaultGenesis returns the parameters of a public network: no sim, and
// an empty allowlist that the genesis author fills with the measurements
// of the releases the network accepts.
func DefaultGenesis(council crypto.Address) Genesis {
	p := DefaultParams()
	p.Council = council
	return Genesis{Params: p}
}
