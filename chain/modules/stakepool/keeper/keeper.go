package keeper

import (
	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/fixed"
	"github.com/phalanx-net/phalanx/chain/module"
	bankkeeper "github.com/phalanx-net/phalanx/chain/modules/bank/keeper"
	computingkeeper "github.com/phalanx-net/phalanx/chain/modules/computing/keeper"
	"github.com/phalanx-net/phalanx/chain/modules/stakepool"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/chain/store"
	"github.com/phalanx-net/phalanx/crypto"
)

// Keeper reads and writes the pools; it starts and stops workers through
// the computing keeper and moves PHA through the bank.
type Keeper struct {
	computing *computingkeeper.Keeper
	bank      bankkeeper.Keeper
}

// NewKeeper returns a keeper and routes the workers' rewards to pools.
func NewKeeper(c *computingkeeper.Keeper) *Keeper {
	k := &Keeper{computing: c}
	c.SetPools(k)
	return k
}

// Account implements computingkeeper.Pools: delegations and rewards are held
// in the module account.
func (*Keeper) Account() crypto.Address { return crypto.ModuleAddress(stakepool.ModuleName) }

func set(kv store.KV, key []byte, v any) { kv.Set(key, codec.MustMarshal(v)) }

// Pool returns a pool.
func (*Keeper) Pool(r store.Reader, id uint64) (stakepool.Pool, bool) {
	v := r.Get(stakepool.PoolKey(id))
	if v == nil {
		return stakepool.Pool{}, false
	}
	var p stakepool.Pool
	store.MustDecode(v, &p)
	return p, true
}

// Pools calls fn for every pool, in id order.
func (*Keeper) Pools(r store.Reader, fn func(stakepool.Pool) bool) {
	r.Iterate(stakepool.PoolPrefix(), func(_, v []byte) bool {
		var p stakepool.Pool
		store.MustDecode(v, &p)
		return fn(p)
	})
}

// Delegation returns a delegator's part of a pool.
func (*Keeper) Delegation(r store.Reader, pool uint64, d crypto.Address) stakepool.Delegation {
	v := r.Get(stakepool.DelegationKey(pool, d))
	if v == nil {
		return stakepool.Delegation{Pool: pool, Delegator: d}
	}
	var out stakepool.Delegation
	store.MustDecode(v, &out)
	return out
}

// PoolOf implements computingkeeper.Pools.
func (*Keeper) PoolOf(r store.Reader, w crypto.PublicKey) (uint64, bool) {
	v := r.Get(stakepool.WorkerPoolKey(w))
	if v == nil {
		return 0, false
	}
	var id uint64
	store.MustDecode(v, &id)
	return id, true
}

// Reward implements computingkeeper.Pools: the owner's commission first, the
// rest to the delegators by their shares (to the owner too, if nobody
// has delegated).
func (k *Keeper) Reward(ctx *module.Context, id uint64, amount pha.Amount) error {
	kv := ctx.Store()
	p, ok := k.Pool(kv, id)
	if !ok {
		return stakepool.ErrNoPool.Wrap("%d", id)
	}
	commission, err := fixed.FromPHA(amount).Mul(p.Commission)
	if err != nil {
		return err
	}
	c := commission.PHA()
	rest, _ := amount.Sub(c)
	if p.Shares.IsZero() {
		c, rest = amount, pha.Amount{}
	}
	p.OwnerRewards, _ = p.OwnerRewards.Add(c)
	if !rest.IsZero() {
		per, err := fixed.FromPHA(rest).Div(p.Shares)
		if err != nil {
			return err
		}
		if p.RewardPerShare, err = p.RewardPerShare.Add(per); err != nil {
			return err
		}
	}
	p.Rewarded, _ = p.Rewarded.Add(amount)
	set(kv, stakepool.PoolKey(id), p)
	ctx.Emit(stakepool.EventReward, module.Attr{Key: stakepool.AttrPool, Value: module.Uint(id), Index: true}, module.Attr{Key: stakepool.AttrAmount, Value: amount})
	return nil
}

// Slash implements computingkeeper.Pools: a worker of the pool lost amount of
// its bonded stake. The loss is every delegator's, by their shares: a
// share is worth Stake/Shares PHA from now on (one PHA until a slash).
func (k *Keeper) Slash(ctx *module.Context, id uint64, amount pha.Amount) error {
	kv := ctx.Store()
	p, ok := k.Pool(kv, id)
	if !ok {
		return stakepool.ErrNoPool.Wrap("%d", id)
	}
	// The stake its workers hold is Stake − Free; a slash larger than it
	// would be a broken invariant, and it must not stop the vote that
	// caused it from settling: the pool loses at most that.
	bonded, _ := p.Stake.Sub(p.Free)
	if bonded.Lt(amount) {
		ctx.Log.Error("slash exceeds the pool's bonded stake", "pool", id, "slash", amount.PHA(), "bonded", bonded.PHA())
		amount = bonded
	}
	p.Stake, _ = p.Stake.Sub(amount)
	p.Slashed, _ = p.Slashed.Add(amount)
	set(kv, stakepool.PoolKey(id), p)
	ctx.Emit(stakepool.EventSlashed, module.Attr{Key: stakepool.AttrPool, Value: module.Uint(id), Index: true}, module.Attr{Key: stakepool.AttrAmount, Value: amount})
	return nil
}

// sharesOf is the number of shares amount of PHA is worth in the pool:
// one per PHA while no slash has lowered the stake behind them.
func sharesOf(p stakepool.Pool, amount pha.Amount) (fixed.Num, error) {
	if p.Shares.IsZero() || p.Shares.Cmp(fixed.FromPHA(p.Stake)) == 0 {
		return fixed.FromPHA(amount), nil
	}
	if p.Stake.IsZero() {
		return fixed.Num{}, stakepool.ErrBadMsg.Wrap("pool %d has shares but no stake left", p.ID)
	}
	return fixed.FromPHA(amount).MulDiv(p.Shares, fixed.FromPHA(p.Stake))
}

// settle moves a delegation's accrued rewards into Pending.
func settle(p stakepool.Pool, d *stakepool.Delegation) error {
	acc, err := d.Shares.Mul(p.RewardPerShare)
	if err != nil {
		return err
	}
	due := acc.SubFloor(d.Debt)
	d.Pending, _ = d.Pending.Add(due.PHA())
	d.Debt = acc
	return nil
}

// rebase records the debt for the delegation's current shares.
func rebase(p stakepool.Pool, d *stakepool.Delegation) error {
	acc, err := d.Shares.Mul(p.RewardPerShare)
	d.Debt = acc
	return err
}

// serveQueue pays queued withdrawals, oldest first, while free stake
// lasts.
func (k *Keeper) serveQueue(ctx *module.Context, p *stakepool.Pool) error {
	kv := ctx.Store()
	for len(p.Queue) > 0 && !p.Free.Lt(p.Queue[0].Amount) {
		w := p.Queue[0]
		if err := k.payOut(ctx, p, w.Delegator, w.Amount); err != nil {
			return err
		}
		p.Queue = p.Queue[1:]
	}
	set(kv, stakepool.PoolKey(p.ID), *p)
	return nil
}

// payOut returns amount of a delegator's stake from free stake, or what
// its shares are still worth if a slash since it queued left less.
func (k *Keeper) payOut(ctx *module.Context, p *stakepool.Pool, who crypto.Address, amount pha.Amount) error {
	kv := ctx.Store()
	d := k.Delegation(kv, p.ID, who)
	if err := settle(*p, &d); err != nil {
		return err
	}
	worth, err := stakepool.Value(*p, d.Shares)
	if err != nil {
		return err
	}
	if worth.Lt(amount) {
		amount = worth
	}
	burn, err := sharesOf(*p, amount)
	if err != nil {
		return err
	}
	d.Shares = d.Shares.SubFloor(burn)
	p.Shares = p.Shares.SubFloor(burn)
	if err := rebase(*p, &d); err != nil {
		return err
	}
	set(kv, stakepool.DelegationKey(p.ID, who), d)
	p.Free, _ = p.Free.Sub(amount)
	p.Stake, _ = p.Stake.Sub(amount)
	return k.bank.Transfer(ctx, k.Account(), who, amount)
}
