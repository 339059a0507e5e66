package auth

import "github.com/phalanx-net/phalanx/chain/module"

// Genesis is auth's part of the genesis file.
type Genesis struct {
	Params Params `json:"params"`
}

// DefaultGenesis returns the default parameters.
func DefaultGenesis() Genesis { return Genesis{Params: DefaultParams()} }

// Validate checks the genesis.
func (g Genesis) Validate() error { return g.Params.Validate() }

// InitGenesis writes the parameters.
func (k Keeper) InitGenesis(ctx *module.Context, g Genesis) error {
	if err := g.Validate(); err != nil {
		return err
	}
	k.SetParams(ctx.Store(), g.Params)
	return nil
}
