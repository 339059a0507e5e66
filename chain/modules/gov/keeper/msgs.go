package keeper

import (
	"strconv"

	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/gov"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/chain/store"
)

// RegisterMsgs adds the module's messages to the router.
func (k *Keeper) RegisterMsgs(r *module.Router) {
	module.Register(r, k.handleSubmit)
	module.Register(r, k.handleDeposit)
	module.Register(r, k.handleVote)
}

func (k *Keeper) handleSubmit(ctx *module.Context, m *gov.MsgSubmit) error {
	kv := ctx.Store()
	p := k.Params(kv)
	if open := readU64(kv, gov.OpenKey()); open >= uint64(p.MaxOpen) {
		return gov.ErrTooMany.Wrap("%d proposals are open, max_open is %d", open, p.MaxOpen)
	}
	// What it would carry out must be possible now: a change the module
	// refuses, or a spend the treasury cannot pay, is refused at once
	// rather than after a vote. It is checked again when it passes.
	if err := k.carryOut(store.NewCache(kv), ctx.Block.Height, m.Content); err != nil {
		return err
	}
	id := readU64(kv, gov.NextIDKey())
	writeU64(kv, gov.NextIDKey(), id+1)
	writeU64(kv, gov.OpenKey(), readU64(kv, gov.OpenKey())+1)
	now := ctx.Block.Time.Unix()
	prop := gov.Proposal{ID: id, Proposer: ctx.Sender, Title: m.Title, Summary: m.Summary, Content: m.Content,
		Status: gov.DepositPeriod, Submitted: now, DepositEnd: now + p.MaxDepositPeriod}
	kv.Set(gov.DepositQueueKey(prop.DepositEnd, id), []byte{1})
	ctx.Emit(gov.EventSubmitted, module.Attr{Key: gov.AttrProposal, Value: module.Text(strconv.FormatUint(id, 10)), Index: true},
		module.Attr{Key: gov.AttrAccount, Value: ctx.Sender, Index: true}, module.Attr{Key: gov.AttrKind, Value: module.Text(m.Content.Kind())})
	if !m.Deposit.IsZero() {
		return k.deposit(ctx, p, prop, m.Deposit)
	}
	set(kv, gov.ProposalKey(id), prop)
	return nil
}

func (k *Keeper) handleDeposit(ctx *module.Context, m *gov.MsgDeposit) error {
	kv := ctx.Store()
	prop, ok := k.Proposal(kv, m.Proposal)
	if !ok {
		return gov.ErrNoProposal.Wrap("%d", m.Proposal)
	}
	if prop.Status != gov.DepositPeriod {
		return gov.ErrNotDepositing.Wrap("proposal %d is %s", m.Proposal, prop.Status)
	}
	return k.deposit(ctx, k.Params(kv), prop, m.Amount)
}

// deposit adds the sender's amount to prop's deposit, and opens its
// voting period if the deposit reaches min_deposit.
func (k *Keeper) deposit(ctx *module.Context, p gov.Params, prop gov.Proposal, amount pha.Amount) error {
	kv := ctx.Store()
	total, err := prop.Deposit.Add(amount)
	if err != nil {
		return gov.ErrBadMsg.Wrap("deposit overflows")
	}
	d := gov.Deposit{Proposal: prop.ID, Depositor: ctx.Sender}
	if v := kv.Get(gov.DepositKey(prop.ID, ctx.Sender)); v != nil {
		store.MustDecode(v, &d)
	}
	if d.Amount, err = d.Amount.Add(amount); err != nil {
		return gov.ErrBadMsg.Wrap("deposit overflows")
	}
	if err := k.bank.Transfer(ctx, ctx.Sender, gov.Account(), amount); err != nil {
		return err
	}
	prop.Deposit = total
	set(kv, gov.DepositKey(prop.ID, ctx.Sender), d)
	id := module.Text(strconv.FormatUint(prop.ID, 10))
	ctx.Emit(gov.EventDeposit, module.Attr{Key: gov.AttrProposal, Value: id, Index: true},
		module.Attr{Key: gov.AttrAccount, Value: ctx.Sender, Index: true}, module.Attr{Key: gov.AttrAmount, Value: amount})
	if !prop.Deposit.Lt(p.MinDeposit) {
		kv.Delete(gov.DepositQueueKey(prop.DepositEnd, prop.ID))
		prop.Status = gov.VotingPeriod
		prop.VotingStart = ctx.Block.Time.Unix()
		prop.VotingEnd = prop.VotingStart + p.VotingPeriod
		kv.Set(gov.VotingQueueKey(prop.VotingEnd, prop.ID), []byte{1})
		ctx.Emit(gov.EventVoting, module.Attr{Key: gov.AttrProposal, Value: id, Index: true},
			module.Attr{Key: gov.AttrKind, Value: module.Text(prop.Content.Kind())})
	}
	set(kv, gov.ProposalKey(prop.ID), prop)
	return nil
}

func (k *Keeper) handleVote(ctx *module.Context, m *gov.MsgVote) error {
	kv := ctx.Store()
	prop, ok := k.Proposal(kv, m.Proposal)
	if !ok {
		return gov.ErrNoProposal.Wrap("%d", m.Proposal)
	}
	if prop.Status != gov.VotingPeriod {
		return gov.ErrNotVoting.Wrap("proposal %d is %s", m.Proposal, prop.Status)
	}
	set(kv, gov.VoteKey(m.Proposal, ctx.Sender), gov.Vote{Proposal: m.Proposal, Voter: ctx.Sender, Option: m.Option})
	ctx.Emit(gov.EventVote, module.Attr{Key: gov.AttrProposal, Value: module.Text(strconv.FormatUint(m.Proposal, 10)), Index: true},
		module.Attr{Key: gov.AttrAccount, Value: ctx.Sender, Index: true}, module.Attr{Key: gov.AttrOption, Value: m.Option})
	return nil
}
