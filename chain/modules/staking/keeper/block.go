package keeper

import (
	"bytes"
	"encoding/binary"
	"slices"
	"strconv"

	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/staking"
	"github.com/phalanx-net/phalanx/crypto"
)

// EndBlock pays back the unbondings that complete by the block's time,
// jails the validators that signed twice or missed too many blocks, and
// at the end of an epoch elects the active set.
func (k *Keeper) EndBlock(ctx *module.Context, info module.EndBlockInfo) error {
	if err := k.payUnbondings(ctx); err != nil {
		return err
	}
	p := k.Params(ctx.Store())
	// Jailing first: a validator it takes out is not elected again in
	// the same block, so no key gets two updates in one block.
	if err := k.punish(ctx, p, info); err != nil {
		return err
	}
	if ctx.Block.Height > 0 && uint64(ctx.Block.Height)%p.EpochBlocks == 0 {
		k.elect(ctx, p)
	}
	return nil
}

// elect replaces the active set by the one the eligible candidates
// elect, when they are at least MinValidators, and tells CometBFT what
// changed: a new validator or power, and zero for one that left.
func (k *Keeper) elect(ctx *module.Context, p staking.Params) {
	kv := ctx.Store()
	eligible := k.Eligible(kv)
	elected := staking.Elect(eligible, p)
	if len(elected) < int(p.MinValidators) {
		ctx.Emit(staking.EventElectionKept, module.Attr{Key: staking.AttrEligible, Value: module.Text(strconv.Itoa(len(eligible)))})
		return
	}
	next := map[crypto.PublicKey]int64{}
	for _, e := range elected {
		next[crypto.PublicKey(e.Candidate.ConsensusKey)] = e.Power
	}
	var updates []module.ValidatorUpdate
	k.Active(kv, func(key crypto.PublicKey, power int64) bool {
		if np, ok := next[key]; !ok {
			updates = append(updates, module.ValidatorUpdate{Key: key, Power: 0})
		} else if np == power {
			delete(next, key)
		}
		return true
	})
	for key, power := range next {
		updates = append(updates, module.ValidatorUpdate{Key: key, Power: power})
	}
	if len(updates) == 0 {
		return
	}
	// Map order is not deterministic: the updates go in key order.
	slices.SortFunc(updates, func(a, b module.ValidatorUpdate) int { return bytes.Compare(a.Key[:], b.Key[:]) })
	for _, u := range updates {
		setActive(kv, u.Key[:], u.Power)
	}
	ctx.UpdateValidators(updates...)
	ctx.Emit(staking.EventElected, module.Attr{Key: staking.AttrValidators, Value: module.Text(strconv.Itoa(len(elected)))})
}

// payUnbondings pays back the unbondings that complete by the block's
// time.
func (k *Keeper) payUnbondings(ctx *module.Context) error {
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
		if err := k.bank.Undelegate(kv, staking.Account(), d.u.Account, d.u.Amount); err != nil {
			return err // the module account holds every unbonding: a bug
		}
		kv.Delete(d.key)
		setPending(kv, d.u.Account, pending(kv, d.u.Account)-1)
		ctx.Emit(staking.EventUnbonded, module.Attr{Key: staking.AttrAccount, Value: d.u.Account, Index: true},
			module.Attr{Key: staking.AttrCandidate, Value: d.u.Candidate}, module.Attr{Key: staking.AttrAmount, Value: d.u.Amount})
	}
	return nil
}
