package keeper

import (
	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/fixed"
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/bank"
	bankkeeper "github.com/phalanx-net/phalanx/chain/modules/bank/keeper"
	"github.com/phalanx-net/phalanx/chain/modules/computing"
	mqkeeper "github.com/phalanx-net/phalanx/chain/modules/mq/keeper"
	registrykeeper "github.com/phalanx-net/phalanx/chain/modules/registry/keeper"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/chain/store"
	"github.com/phalanx-net/phalanx/crypto"
)

// Keeper reads and writes the module's state. It reads worker records
// through the registry, moves PHA through the bank and talks to enclaves
// through the queue.
type Keeper struct {
	mq       *mqkeeper.Keeper
	registry registrykeeper.Records
	bank     bankkeeper.Keeper
	pools    Pools
	payee    Validators
}

// Validators is where a block signer's share of the gatekeepers' rewards
// goes (the staking module, which shares it with the validator's
// nominators).
type Validators interface {
	// PayValidator pays amount from the account from as the reward of
	// the validator with consensus address consAddr.
	PayValidator(kv store.KV, from, consAddr crypto.Address, amount pha.Amount) error
}

// Pools is where a worker's share of its rewards goes when the worker
// belongs to a stake pool (the stakepool module).
type Pools interface {
	// PoolOf returns the pool a worker belongs to.
	PoolOf(r store.Reader, worker crypto.PublicKey) (uint64, bool)
	// Account is the module account pool rewards are paid into.
	Account() crypto.Address
	// Reward credits a pool with amount, already paid into Account.
	Reward(ctx *module.Context, pool uint64, amount pha.Amount) error
	// Slash takes amount off a pool's stake: its worker's bonded stake,
	// held by this module, lost it.
	Slash(ctx *module.Context, pool uint64, amount pha.Amount) error
}

// NewKeeper returns a keeper.
func NewKeeper(q *mqkeeper.Keeper, reg registrykeeper.Records) *Keeper {
	return &Keeper{mq: q, registry: reg}
}

// SetPools routes workers' rewards to their stake pools.
func (k *Keeper) SetPools(p Pools) { k.pools = p }

// SetValidators routes block signers' rewards through the staking module;
// without it they are paid to each vote's Account.
func (k *Keeper) SetValidators(v Validators) { k.payee = v }

// Params returns the parameters.
func (Keeper) Params(r store.Reader) computing.Params {
	var p computing.Params
	store.MustDecode(r.Get(computing.ParamsKey()), &p)
	return p
}

// Totals returns the network-wide sums.
func (Keeper) Totals(r store.Reader) computing.Totals {
	var t computing.Totals
	if v := r.Get(computing.TotalsKey()); v != nil {
		store.MustDecode(v, &t)
	}
	return t
}

func (Keeper) setTotals(kv store.KV, t computing.Totals) {
	kv.Set(computing.TotalsKey(), codec.MustMarshal(t))
}

// Worker returns a worker's computing record.
func (Keeper) Worker(r store.Reader, id crypto.PublicKey) (computing.Worker, bool) {
	v := r.Get(computing.WorkerKey(id))
	if v == nil {
		return computing.Worker{}, false
	}
	var w computing.Worker
	store.MustDecode(v, &w)
	return w, true
}

func (Keeper) setWorker(kv store.KV, w computing.Worker) {
	kv.Set(computing.WorkerKey(w.ID), codec.MustMarshal(w))
}

// Workers calls fn for every record, in identity order.
func (Keeper) Workers(r store.Reader, fn func(computing.Worker) bool) {
	r.Iterate(computing.WorkerPrefix(), func(_, v []byte) bool {
		var w computing.Worker
		store.MustDecode(v, &w)
		return fn(w)
	})
}

// bringUp brings a worker's V up to now for its state, and its share
// with it; it reports the share it had before (what Σshare holds for an
// idle worker).
func (k *Keeper) bringUp(p computing.Params, w *computing.Worker, now int64) (old fixed.Num, err error) {
	old = w.Share
	dt := now - w.Updated
	switch w.State {
	case computing.Idle:
		w.V, err = computing.Grow(p, w.V, w.P, w.InstantP, dt)
	case computing.Unresponsive:
		w.V, err = computing.Decay(p, w.V, dt)
	}
	if err != nil {
		return old, err
	}
	w.Updated = max(w.Updated, now)
	w.Share, err = computing.Share(w.V, w.P, w.Conf)
	return old, err
}

// adjustShare replaces a worker's old contribution to Σshare by its new
// one (zero unless idle).
func (k *Keeper) adjustShare(kv store.KV, old fixed.Num, wasIdle bool, w computing.Worker) {
	t := k.Totals(kv)
	if wasIdle {
		t.Share = t.Share.SubFloor(old)
	}
	if w.State == computing.Idle {
		t.Share, _ = t.Share.Add(w.Share)
	}
	k.setTotals(kv, t)
}

// pay pays a worker's reward for the time since its last payment:
// share/Σshare of the budget, from the reward pool while it lasts, split
// between the worker (its operator, until stake pools), the gatekeepers
// and the treasury.
func (k *Keeper) pay(ctx *module.Context, p computing.Params, w *computing.Worker, now int64) error {
	kv := ctx.Store()
	t := k.Totals(kv)
	defer func() { w.Paid = now }()
	if t.Share.IsZero() || now <= w.Paid {
		return nil
	}
	budget, err := computing.Budget(p, t.Start, w.Paid, now)
	if err != nil {
		return err
	}
	reward, err := budget.MulDiv(w.Share, t.Share)
	if err != nil {
		return err
	}
	total := reward.PHA()
	if left := k.bank.ModuleBalance(kv, bank.RewardPool); left.Lt(total) {
		total = left // the pool pays nothing beyond what it holds
	}
	if total.IsZero() {
		return nil
	}
	toPool, err := fixed.FromPHA(total).Mul(p.PoolShare)
	if err != nil {
		return err
	}
	toGK, err := fixed.FromPHA(total).Mul(p.GKShare)
	if err != nil {
		return err
	}
	poolAmt, gkAmt := toPool.PHA(), toGK.PHA()
	rest, _ := total.Sub(poolAmt)
	treasury, _ := rest.Sub(gkAmt)
	src := crypto.ModuleAddress(bank.RewardPool)
	dest := w.Operator
	pool, inPool := uint64(0), false
	if k.pools != nil {
		if pool, inPool = k.pools.PoolOf(kv, w.ID); inPool {
			dest = k.pools.Account()
		}
	}
	for _, m := range []struct {
		to  crypto.Address
		amt pha.Amount
	}{{dest, poolAmt}, {crypto.ModuleAddress(computing.Gatekeepers), gkAmt}, {crypto.ModuleAddress(computing.Treasury), treasury}} {
		if err := k.bank.Move(kv, src, m.to, m.amt); err != nil {
			return err
		}
	}
	if inPool {
		if err := k.pools.Reward(ctx, pool, poolAmt); err != nil {
			return err
		}
	}
	w.Earned, _ = w.Earned.Add(poolAmt)
	t = k.Totals(kv)
	t.Paid, _ = t.Paid.Add(total)
	k.setTotals(kv, t)
	ctx.Emit(computing.EventReward, module.Attr{Key: computing.AttrWorker, Value: w.ID, Index: true}, module.Attr{Key: computing.AttrAmount, Value: total})
	return nil
}

func (k *Keeper) setState(ctx *module.Context, w *computing.Worker, s computing.State) {
	w.State = s
	ctx.Emit(computing.EventState, module.Attr{Key: computing.AttrWorker, Value: w.ID, Index: true}, module.Attr{Key: computing.AttrState, Value: module.Text(s.String())})
}

// nanosPerSecond converts the parameters' seconds to block time's
// nanoseconds.
const nanosPerSecond = 1_000_000_000
