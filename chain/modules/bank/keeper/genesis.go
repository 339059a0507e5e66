package keeper

import (
	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/bank"
)

// InitGenesis writes the genesis balances and supply.
func (k Keeper) InitGenesis(ctx *module.Context, g bank.Genesis) error {
	if err := g.Validate(); err != nil {
		return err
	}
	kv := ctx.Store()
	for _, acc := range g.Accounts {
		k.setBalance(kv, acc.Address, acc.Amount)
		if acc.Vesting != nil {
			kv.Set(bank.VestingKey(acc.Address), codec.MustMarshal(*acc.Vesting))
		}
	}
	kv.Set(bank.SupplyKey(), codec.MustMarshal(g.Supply))
	return k.CheckSupply(kv)
}
