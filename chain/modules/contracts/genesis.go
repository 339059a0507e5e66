package contracts

import "github.com/phalanx-net/phalanx/chain/module"

// Genesis is the module's part of the genesis file. A genesis without it
// gets DefaultParams.
type Genesis struct {
	Params Params `json:"params"`
}

func (g Genesis) params() Params {
	if g.Params == (Params{}) {
		return DefaultParams()
	}
	return g.Params
}

// Validate checks the genesis.
func (g Genesis) Validate() error {
	if err := g.params().Validate(); err != nil {
		return ErrBadGenesis.Wrap("%v", err)
	}
	return nil
}

// InitGenesis writes the parameters.
func (Keeper) InitGenesis(ctx *module.Context, g Genesis) error {
	if err := g.Validate(); err != nil {
		return err
	}
	set(ctx.Store(), paramsKey, g.params())
	return nil
}

// DefaultGenesis returns the default parameters.
func DefaultGenesis() Genesis { return Genesis{Params: DefaultParams()} }
