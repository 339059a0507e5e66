package keeper

import (
	"encoding/binary"
	"strconv"

	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/gov"
	"github.com/phalanx-net/phalanx/chain/store"
)

// EndBlock closes the deposit periods and the voting periods that ended
// by the block's time, in the order they ended: an expired proposal's
// deposits are paid back; a voted one is tallied, carried out if it
// passed, and its deposits paid back, or sent to the treasury if it was
// vetoed.
func (k *Keeper) EndBlock(ctx *module.Context) error {
	kv := ctx.Store()
	now := ctx.Block.Time.Unix()
	for _, id := range due(kv, gov.DepositQueuePrefix(), now) {
		prop, _ := k.Proposal(kv, id)
		kv.Delete(gov.DepositQueueKey(prop.DepositEnd, id))
		prop.Status, prop.Reason = gov.Expired, "its deposit of "+prop.Deposit.PHA()+" did not reach min_deposit "+k.Params(kv).MinDeposit.PHA()+" in time"
		if err := k.decide(ctx, prop, false); err != nil {
			return err
		}
	}
	p := k.Params(kv)
	for _, id := range due(kv, gov.VotingQueuePrefix(), now) {
		prop, _ := k.Proposal(kv, id)
		kv.Delete(gov.VotingQueueKey(prop.VotingEnd, id))
		t := k.Tally(kv, id)
		prop.Tally = &t
		prop.Status, prop.Reason = t.Outcome(p)
		if prop.Status == gov.Passed {
			// Carried out in a cache, so that a failure leaves nothing
			// half done: the proposal then ends as failed, with why.
			c := store.NewCache(kv)
			if err := k.carryOut(c, ctx.Block.Height, prop.Content); err != nil {
				prop.Status, prop.Reason = gov.Failed, "passed, but could not be carried out: "+err.Error()
			} else {
				c.Write(kv)
			}
		}
		if err := k.decide(ctx, prop, prop.Status == gov.Vetoed); err != nil {
			return err
		}
	}
	return nil
}

// due returns the ids in a queue whose period ended by now, in order.
func due(r store.Reader, prefix []byte, now int64) []uint64 {
	var ids []uint64
	r.Iterate(prefix, func(key, _ []byte) bool {
		rest := key[len(prefix):]
		if len(rest) != 16 {
			panic(&store.IOError{Err: gov.ErrBadMsg.Wrap("queue key of the wrong length")}) // only this keeper writes them
		}
		if int64(binary.BigEndian.Uint64(rest)) > now {
			return false
		}
		ids = append(ids, binary.BigEndian.Uint64(rest[8:]))
		return true
	})
	return ids
}

// decide records prop's final status, pays its deposits back (or to the
// treasury when toTreasury) and deletes its deposits and votes: the
// proposal keeps their sums and its tally.
func (k *Keeper) decide(ctx *module.Context, prop gov.Proposal, toTreasury bool) error {
	kv := ctx.Store()
	for _, d := range k.Deposits(kv, prop.ID) {
		to := d.Depositor
		if toTreasury {
			to = Treasury()
		}
		if err := k.bank.Move(kv, gov.Account(), to, d.Amount); err != nil {
			return err // the module account holds every open deposit
		}
		kv.Delete(gov.DepositKey(prop.ID, d.Depositor))
	}
	for _, v := range k.Votes(kv, prop.ID) {
		kv.Delete(gov.VoteKey(prop.ID, v.Voter))
	}
	prop.DecidedHeight = ctx.Block.Height
	set(kv, gov.ProposalKey(prop.ID), prop)
	if open := readU64(kv, gov.OpenKey()); open > 0 {
		writeU64(kv, gov.OpenKey(), open-1)
	}
	ctx.Emit(gov.EventDecided, module.Attr{Key: gov.AttrProposal, Value: module.Text(strconv.FormatUint(prop.ID, 10)), Index: true},
		module.Attr{Key: gov.AttrStatus, Value: prop.Status}, module.Attr{Key: gov.AttrKind, Value: module.Text(prop.Content.Kind())},
		module.Attr{Key: gov.AttrReason, Value: module.Text(prop.Reason)})
	ctx.Log.Info("proposal decided", "proposal", prop.ID, "title", prop.Title, "status", prop.Status.String(), "reason", prop.Reason)
	return nil
}
