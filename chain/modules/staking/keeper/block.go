package keeper

import (
	"encoding/binary"

	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/staking"
)

// EndBlock pays back the unbondings that complete by the block's time.
func (k *Keeper) EndBlock(ctx *module.Context) error {
	kv := ctx.Store()
	now := ctx.Block.Time.Unix()
	type due struct {
		key []byte
		u   staking.Unbonding
	}
	var done []due
	prefix := staking.UnbondingPrefix()
	k.Unbondings(kv, func(key []byte, u staking.Unbonding) bool {
		if int64(binary.BigEndian.Uint64(key[len(prefix):])) > now {
			return false
		}
		done = append(done, due{append([]byte(nil), key...), u})
		return true
	})
	for _, d := range done {
		if err := k.bank.Move(kv, staking.Account(), d.u.Account, d.u.Amount); err != nil {
			return err // the module account holds every unbonding: a bug
		}
		kv.Delete(d.key)
		setPending(kv, d.u.Account, pending(kv, d.u.Account)-1)
		ctx.Emit(staking.EventUnbonded, module.Attr{Key: staking.AttrAccount, Value: d.u.Account, Index: true},
			module.Attr{Key: staking.AttrCandidate, Value: d.u.Candidate}, module.Attr{Key: staking.AttrAmount, Value: d.u.Amount})
	}
	return nil
}
