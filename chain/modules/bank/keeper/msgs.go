package keeper

import "github.com/phalanx-net/phalanx/chain/module"
import "github.com/phalanx-net/phalanx/chain/modules/bank"

// RegisterMsgs adds the bank's messages to the router.
func (k Keeper) RegisterMsgs(r *module.Router) {
	module.Register(r, k.handleSend)
}

func (k Keeper) handleSend(ctx *module.Context, m *bank.MsgSend) error {
	return k.Transfer(ctx, ctx.Sender, m.To, m.Amount)
}
