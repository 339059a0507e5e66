package keeper

import (
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/computing"
	"github.com/phalanx-net/phalanx/chain/modules/stakepool"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/chain/store"
)

// RegisterMsgs adds the module's messages to the router.
func (k *Keeper) RegisterMsgs(r *module.Router) {
	module.Register(r, k.handleCreate)
	module.Register(r, k.handleAddWorker)
	module.Register(r, k.handleStartWorker)
	module.Register(r, k.handleStopWorker)
	module.Register(r, k.handleReclaimWorker)
	module.Register(r, k.handleDelegate)
	module.Register(r, k.handleWithdraw)
	module.Register(r, k.handleClaim)
}

func (k *Keeper) handleCreate(ctx *module.Context, m *stakepool.MsgCreate) error {
	kv := ctx.Store()
	var id uint64
	if v := kv.Get(stakepool.NextPoolKey()); v != nil {
		store.MustDecode(v, &id)
	}
	set(kv, stakepool.NextPoolKey(), id+1)
	set(kv, stakepool.PoolKey(id), stakepool.Pool{ID: id, Owner: ctx.Sender, Commission: m.Commission, Cap: m.Cap})
	ctx.Emit(stakepool.EventCreated, module.Attr{Key: stakepool.AttrPool, Value: module.Uint(id), Index: true})
	return nil
}

func (k *Keeper) owned(ctx *module.Context, id uint64) (stakepool.Pool, error) {
	p, ok := k.Pool(ctx.Store(), id)
	if !ok {
		return p, stakepool.ErrNoPool.Wrap("%d", id)
	}
	if p.Owner != ctx.Sender {
		return p, stakepool.ErrNotOwner.Wrap("pool %d is owned by %s", id, p.Owner)
	}
	return p, nil
}

// handleAddWorker adds a worker its owner operates and that is in no pool.
func (k *Keeper) handleAddWorker(ctx *module.Context, m *stakepool.MsgAddWorker) error {
	p, err := k.owned(ctx, m.Pool)
	if err != nil {
		return err
	}
	kv := ctx.Store()
	w, ok := k.computing.Worker(kv, m.Worker)
	if !ok {
		return stakepool.ErrWorker.Wrap("%s has no benchmark score yet", m.Worker)
	}
	if w.Operator != ctx.Sender {
		return stakepool.ErrWorker.Wrap("%s is operated by %s, not the pool's owner", m.Worker, w.Operator)
	}
	if w.State != computing.Ready {
		return stakepool.ErrWorker.Wrap("%s is %s; stop it and reclaim its stake first", m.Worker, w.State)
	}
	if _, in := k.PoolOf(kv, m.Worker); in {
		return stakepool.ErrWorker.Wrap("%s is already in a pool", m.Worker)
	}
	p.Workers = append(p.Workers, m.Worker)
	set(kv, stakepool.PoolKey(p.ID), p)
	set(kv, stakepool.WorkerPoolKey(m.Worker), p.ID)
	return nil
}

func (k *Keeper) poolWorker(ctx *module.Context, pool uint64, w [32]byte) (stakepool.Pool, error) {
	p, err := k.owned(ctx, pool)
	if err != nil {
		return p, err
	}
	if in, ok := k.PoolOf(ctx.Store(), w); !ok || in != pool {
		return p, stakepool.ErrNotInPool.Wrap("pool %d", pool)
	}
	return p, nil
}

func (k *Keeper) handleStartWorker(ctx *module.Context, m *stakepool.MsgStartWorker) error {
	p, err := k.poolWorker(ctx, m.Pool, m.Worker)
	if err != nil {
		return err
	}
	if p.Free.Lt(m.Stake) {
		return stakepool.ErrFreeStake.Wrap("pool %d has %s free, the worker needs %s", p.ID, p.Free.PHA(), m.Stake.PHA())
	}
	if err := k.computing.StartWorker(ctx, m.Worker, m.Stake, k.Account()); err != nil {
		return err
	}
	p.Free, _ = p.Free.Sub(m.Stake)
	set(ctx.Store(), stakepool.PoolKey(p.ID), p)
	return nil
}

func (k *Keeper) handleStopWorker(ctx *module.Context, m *stakepool.MsgStopWorker) error {
	if _, err := k.poolWorker(ctx, m.Pool, m.Worker); err != nil {
		return err
	}
	return k.computing.StopWorker(ctx, m.Worker)
}

// handleReclaimWorker returns a cooled-down worker's stake to the pool's
// free stake, and pays queued withdrawals from it.
func (k *Keeper) handleReclaimWorker(ctx *module.Context, m *stakepool.MsgReclaimWorker) error {
	p, err := k.poolWorker(ctx, m.Pool, m.Worker)
	if err != nil {
		return err
	}
	stake, err := k.computing.ReclaimWorker(ctx, m.Worker, k.Account())
	if err != nil {
		return err
	}
	p.Free, _ = p.Free.Add(stake)
	return k.serveQueue(ctx, &p)
}

func (k *Keeper) handleDelegate(ctx *module.Context, m *stakepool.MsgDelegate) error {
	kv := ctx.Store()
	p, ok := k.Pool(kv, m.Pool)
	if !ok {
		return stakepool.ErrNoPool.Wrap("%d", m.Pool)
	}
	total, err := p.Stake.Add(m.Amount)
	if err != nil || (!p.Cap.IsZero() && p.Cap.Lt(total)) {
		return stakepool.ErrCap.Wrap("pool %d holds %s of a cap of %s", p.ID, p.Stake.PHA(), p.Cap.PHA())
	}
	if err := k.bank.Transfer(ctx, ctx.Sender, k.Account(), m.Amount); err != nil {
		return err
	}
	d := k.Delegation(kv, p.ID, ctx.Sender)
	if err := settle(p, &d); err != nil {
		return err
	}
	add, err := sharesOf(p, m.Amount)
	if err != nil {
		return err
	}
	if d.Shares, err = d.Shares.Add(add); err != nil {
		return err
	}
	if p.Shares, err = p.Shares.Add(add); err != nil {
		return err
	}
	if err := rebase(p, &d); err != nil {
		return err
	}
	set(kv, stakepool.DelegationKey(p.ID, ctx.Sender), d)
	p.Stake = total
	p.Free, _ = p.Free.Add(m.Amount)
	return k.serveQueue(ctx, &p)
}

// handleWithdraw pays from free stake, or queues the withdrawal.
func (k *Keeper) handleWithdraw(ctx *module.Context, m *stakepool.MsgWithdraw) error {
	kv := ctx.Store()
	p, ok := k.Pool(kv, m.Pool)
	if !ok {
		return stakepool.ErrNoPool.Wrap("%d", m.Pool)
	}
	d := k.Delegation(kv, p.ID, ctx.Sender)
	queued := pha.Amount{}
	for _, w := range p.Queue {
		if w.Delegator == ctx.Sender {
			queued, _ = queued.Add(w.Amount)
		}
	}
	want, _ := queued.Add(m.Amount)
	worth, err := stakepool.Value(p, d.Shares)
	if err != nil {
		return err
	}
	if worth.Lt(want) {
		return stakepool.ErrShares.Wrap("%s has %s in pool %d (%s already queued), asks %s", ctx.Sender, worth.PHA(), p.ID, queued.PHA(), m.Amount.PHA())
	}
	if len(p.Queue) == 0 && !p.Free.Lt(m.Amount) {
		if err := k.payOut(ctx, &p, ctx.Sender, m.Amount); err != nil {
			return err
		}
		set(kv, stakepool.PoolKey(p.ID), p)
		return nil
	}
	p.Queue = append(p.Queue, stakepool.Withdrawal{Delegator: ctx.Sender, Amount: m.Amount, Since: ctx.Block.Time.UnixNano()})
	set(kv, stakepool.PoolKey(p.ID), p)
	ctx.Emit(stakepool.EventQueued, module.Attr{Key: stakepool.AttrPool, Value: module.Uint(p.ID), Index: true},
		module.Attr{Key: stakepool.AttrDelegator, Value: ctx.Sender, Index: true}, module.Attr{Key: stakepool.AttrAmount, Value: m.Amount})
	return nil
}

// handleClaim pays the sender's settled rewards, and the commission if
// the sender owns the pool.
func (k *Keeper) handleClaim(ctx *module.Context, m *stakepool.MsgClaim) error {
	kv := ctx.Store()
	p, ok := k.Pool(kv, m.Pool)
	if !ok {
		return stakepool.ErrNoPool.Wrap("%d", m.Pool)
	}
	d := k.Delegation(kv, p.ID, ctx.Sender)
	if err := settle(p, &d); err != nil {
		return err
	}
	total := d.Pending
	d.Pending = pha.Amount{}
	if p.Owner == ctx.Sender {
		total, _ = total.Add(p.OwnerRewards)
		p.OwnerRewards = pha.Amount{}
		set(kv, stakepool.PoolKey(p.ID), p)
	}
	if total.IsZero() {
		return stakepool.ErrNothing.Wrap("pool %d owes %s nothing", p.ID, ctx.Sender)
	}
	if !d.Shares.IsZero() || kv.Get(stakepool.DelegationKey(p.ID, ctx.Sender)) != nil {
		set(kv, stakepool.DelegationKey(p.ID, ctx.Sender), d)
	}
	return k.bank.Transfer(ctx, k.Account(), ctx.Sender, total)
}
