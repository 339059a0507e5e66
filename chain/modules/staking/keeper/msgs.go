package keeper

import (
	"bytes"
	"encoding/binary"
	"strconv"

	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/staking"
	"github.com/phalanx-net/phalanx/chain/store"
	"github.com/phalanx-net/phalanx/crypto"
)

// RegisterMsgs adds the module's messages to the router.
func (k *Keeper) RegisterMsgs(r *module.Router) {
	module.Register(r, k.handleBond)
	module.Register(r, k.handleNominate)
	module.Register(r, k.handleUnbond)
	module.Register(r, k.handleUnjail)
	module.Register(r, k.handleClaim)
}

func (k *Keeper) handleBond(ctx *module.Context, m *staking.MsgBond) error {
	kv := ctx.Store()
	p := k.Params(kv)
	c, ok := k.Candidate(kv, ctx.Sender)
	switch {
	case !ok && m.ConsensusKey == nil:
		return staking.ErrBadMsg.Wrap("a first bond names the candidate's consensus key")
	case ok && m.ConsensusKey != nil && !bytes.Equal(m.ConsensusKey, c.ConsensusKey):
		return staking.ErrKeyChange.Wrap("%s signs with %x", ctx.Sender, []byte(c.ConsensusKey))
	}
	if !ok {
		if other := kv.Get(staking.ConsensusKeyIndex(m.ConsensusKey)); other != nil {
			return staking.ErrKeyTaken.Wrap("consensus key %x is %s's", []byte(m.ConsensusKey), crypto.Address(other))
		}
		c = staking.Candidate{Operator: ctx.Sender, ConsensusKey: m.ConsensusKey, Since: ctx.Block.Height}
		kv.Set(staking.ConsensusKeyIndex(m.ConsensusKey), ctx.Sender[:])
		// The node signing with the key registers its gatekeeper
		// enclave from the key's own account, and rewards for its
		// blocks go to the operator.
		consAddr := crypto.PublicKey(m.ConsensusKey).Address()
		kv.Set(staking.ConsensusAddressKey(consAddr), ctx.Sender[:])
		k.enclaves.SetValidator(kv, consAddr)
	}
	bond, err := c.SelfBond.Add(m.Amount)
	if err != nil {
		return staking.ErrBadMsg.Wrap("bond overflows")
	}
	if bond.Lt(p.MinSelfBond) {
		return staking.ErrSelfBond.Wrap("a self-bond of %s is below min_self_bond %s", bond.PHA(), p.MinSelfBond.PHA())
	}
	if err := k.bank.Delegate(ctx, ctx.Sender, staking.Account(), m.Amount); err != nil {
		return err
	}
	c.SelfBond = bond
	set(kv, staking.CandidateKey(ctx.Sender), c)
	ctx.Emit(staking.EventBonded, module.Attr{Key: staking.AttrCandidate, Value: ctx.Sender, Index: true},
		module.Attr{Key: staking.AttrAmount, Value: m.Amount})
	return nil
}

func (k *Keeper) handleNominate(ctx *module.Context, m *staking.MsgNominate) error {
	kv := ctx.Store()
	p := k.Params(kv)
	c, ok := k.Candidate(kv, m.Candidate)
	if !ok || c.SelfBond.Lt(p.MinSelfBond) {
		return staking.ErrNoCandidate.Wrap("%s does not stand: it has bonded less than min_self_bond %s", m.Candidate, p.MinSelfBond.PHA())
	}
	if m.Candidate == ctx.Sender {
		return staking.ErrBadMsg.Wrap("a candidate bonds its own stake with staking/bond")
	}
	n := k.Nomination(kv, m.Candidate, ctx.Sender)
	// What it earned so far is paid first: the new stake earns from now.
	if err := k.settle(ctx, c, &n); err != nil {
		return err
	}
	var err error
	if n.Amount, err = n.Amount.Add(m.Amount); err != nil {
		return staking.ErrBadMsg.Wrap("nomination overflows")
	}
	if c.Nominated, err = c.Nominated.Add(m.Amount); err != nil {
		return staking.ErrBadMsg.Wrap("nomination overflows")
	}
	if err := k.bank.Delegate(ctx, ctx.Sender, staking.Account(), m.Amount); err != nil {
		return err
	}
	set(kv, staking.NominationKey(m.Candidate, ctx.Sender), n)
	set(kv, staking.CandidateKey(m.Candidate), c)
	ctx.Emit(staking.EventNominated, module.Attr{Key: staking.AttrCandidate, Value: m.Candidate, Index: true},
		module.Attr{Key: staking.AttrAccount, Value: ctx.Sender, Index: true}, module.Attr{Key: staking.AttrAmount, Value: m.Amount})
	return nil
}

func (k *Keeper) handleUnbond(ctx *module.Context, m *staking.MsgUnbond) error {
	kv := ctx.Store()
	p := k.Params(kv)
	c, ok := k.Candidate(kv, m.Candidate)
	if !ok {
		return staking.ErrNoCandidate.Wrap("%s", m.Candidate)
	}
	if n := pending(kv, ctx.Sender); n >= staking.MaxUnbondings {
		return staking.ErrTooManyQueue.Wrap("%s has %d unbondings waiting; the next completes first", ctx.Sender, n)
	}
	if m.Candidate == ctx.Sender {
		left, err := c.SelfBond.Sub(m.Amount)
		if err != nil {
			return staking.ErrNotBonded.Wrap("%s has bonded %s of its own", ctx.Sender, c.SelfBond.PHA())
		}
		if !left.IsZero() && left.Lt(p.MinSelfBond) {
			return staking.ErrSelfBond.Wrap("%s would be left, below min_self_bond %s: unbond all of it or keep the minimum", left.PHA(), p.MinSelfBond.PHA())
		}
		c.SelfBond = left
		if left.IsZero() {
			// It leaves the gatekeeper set: its enclave holds no master
			// key from the end of this block, and the key rotates
			// without it. (A genesis validator that bonded and unbonds
			// it all leaves too; one that never bonded cannot unbond.)
			k.enclaves.Retire(kv, crypto.PublicKey(c.ConsensusKey).Address())
		}
	} else {
		n := k.Nomination(kv, m.Candidate, ctx.Sender)
		if err := k.settle(ctx, c, &n); err != nil {
			return err
		}
		left, err := n.Amount.Sub(m.Amount)
		if err != nil {
			return staking.ErrNotBonded.Wrap("%s nominated %s with %s", ctx.Sender, m.Candidate, n.Amount.PHA())
		}
		if c.Nominated, err = c.Nominated.Sub(m.Amount); err != nil {
			panic(err) // the candidate's total includes this nomination
		}
		if n.Amount = left; left.IsZero() {
			kv.Delete(staking.NominationKey(m.Candidate, ctx.Sender))
		} else {
			set(kv, staking.NominationKey(m.Candidate, ctx.Sender), n)
		}
	}
	if c.SelfBond.IsZero() && c.Nominated.IsZero() && !c.Appointed && kv.Get(staking.ActiveKey(c.ConsensusKey)) == nil {
		// Gone, unless it still validates: it leaves at the next
		// election, and its record until then says so.
		kv.Delete(staking.CandidateKey(c.Operator))
		kv.Delete(staking.ConsensusKeyIndex(c.ConsensusKey))
		kv.Delete(staking.ConsensusAddressKey(crypto.PublicKey(c.ConsensusKey).Address()))
	} else {
		set(kv, staking.CandidateKey(c.Operator), c)
	}
	completes := ctx.Block.Time.Unix() + p.UnbondingTime
	k.queue(kv, staking.Unbonding{Account: ctx.Sender, Candidate: m.Candidate, Amount: m.Amount, Completes: completes})
	ctx.Emit(staking.EventUnbonding, module.Attr{Key: staking.AttrCandidate, Value: m.Candidate, Index: true},
		module.Attr{Key: staking.AttrAccount, Value: ctx.Sender, Index: true}, module.Attr{Key: staking.AttrAmount, Value: m.Amount},
		module.Attr{Key: staking.AttrCompletes, Value: module.Text(strconv.FormatInt(completes, 10))})
	return nil
}

// queue adds an unbonding to the queue.
func (k *Keeper) queue(kv store.KV, u staking.Unbonding) {
	var seq uint64
	if v := kv.Get(staking.UnbondingSeqKey()); len(v) == 8 {
		seq = binary.BigEndian.Uint64(v)
	}
	kv.Set(staking.UnbondingSeqKey(), binary.BigEndian.AppendUint64(nil, seq+1))
	set(kv, staking.UnbondingKey(u.Completes, seq), u)
	setPending(kv, u.Account, pending(kv, u.Account)+1)
}
