package keeper

import (
	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/fixed"
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/computing"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/chain/store"
	"github.com/phalanx-net/phalanx/crypto"
)

// RegisterMsgs adds the module's messages to the router and its topics to
// the queue.
func (k *Keeper) RegisterMsgs(r *module.Router) {
	module.Register(r, k.handleStart)
	module.Register(r, k.handleStop)
	module.Register(r, k.handleReclaim)
	k.mq.Handle(computing.TopicBenchmark, k.handleBenchmark)
	k.mq.Handle(computing.TopicHeartbeat, k.handleHeartbeat)
}

// handleBenchmark records a registered worker's score.
func (k *Keeper) handleBenchmark(ctx *module.Context, sender crypto.PublicKey, payload []byte) error {
	var b computing.Benchmark
	if err := codec.Unmarshal(payload, &b); err != nil {
		return computing.ErrBadMsg.Wrap("benchmark: %v", err)
	}
	kv := ctx.Store()
	reg, ok := k.registry.Worker(kv, sender)
	if !ok {
		return computing.ErrNoWorker.Wrap("%s is not a registered worker", sender)
	}
	if w, ok := k.Worker(kv, sender); ok && w.P != 0 {
		return computing.ErrAlreadyScored.Wrap("%s has P = %d", sender, w.P)
	}
	p := k.Params(kv)
	score := computing.Score(b.Iterations, b.SpanMillis, p.MaxP)
	if score == 0 {
		return computing.ErrBadMsg.Wrap("benchmark of %d iterations in %d ms", b.Iterations, b.SpanMillis)
	}
	w := computing.Worker{ID: sender, Operator: reg.Operator, State: computing.Ready, P: score, InstantP: score, Conf: computing.Conf(reg.Confidence)}
	k.setWorker(kv, w)
	ctx.Emit(computing.EventScored, module.Attr{Key: computing.AttrWorker, Value: sender, Index: true}, module.Attr{Key: computing.AttrP, Value: module.Uint(score)})
	return nil
}

// operated returns the worker, if ctx's sender operates it.
func (k *Keeper) operated(ctx *module.Context, id crypto.PublicKey) (computing.Worker, error) {
	w, ok := k.Worker(ctx.Store(), id)
	if !ok {
		return w, computing.ErrNoWorker.Wrap("%s has no benchmark score yet", id)
	}
	if w.Operator != ctx.Sender {
		return w, computing.ErrNotOperator.Wrap("%s is operated by %s", id, w.Operator)
	}
	return w, nil
}

func (k *Keeper) handleStart(ctx *module.Context, m *computing.MsgStart) error {
	if _, err := k.operated(ctx, m.Worker); err != nil {
		return err
	}
	// A pool's worker is started with the pool's stake, so that a slash
	// of its stake is the pool's loss and nobody else's.
	if k.pools != nil {
		if pool, in := k.pools.PoolOf(ctx.Store(), m.Worker); in {
			return computing.ErrState.Wrap("%s is in stake pool %d: start it through its pool", m.Worker, pool)
		}
	}
	return k.StartWorker(ctx, m.Worker, m.Stake, ctx.Sender)
}

// StartWorker starts a worker computing with stake taken from the
// account from (its operator, or its stake pool's account).
func (k *Keeper) StartWorker(ctx *module.Context, id crypto.PublicKey, stakeAmt pha.Amount, from crypto.Address) error {
	kv := ctx.Store()
	w, ok := k.Worker(kv, id)
	if !ok {
		return computing.ErrNoWorker.Wrap("%s has no benchmark score yet", id)
	}
	m := &computing.MsgStart{Worker: id, Stake: stakeAmt}
	p := k.Params(kv)
	if w.State != computing.Ready {
		return computing.ErrState.Wrap("%s is %s", w.ID, w.State)
	}
	if rec, ok := k.registry.Worker(kv, id); !ok || !rec.InStanding() {
		return registry.ErrNoStanding.Wrap("worker %s (%s): it re-registers first", id, rec.Lost)
	}
	if w.P < p.MinP {
		return computing.ErrScoreTooLow.Wrap("P = %d, at least %d", w.P, p.MinP)
	}
	need, err := computing.MinStake(p, w.P)
	if err != nil {
		return err
	}
	stake := fixed.FromPHA(m.Stake)
	if stake.Cmp(need) < 0 {
		return computing.ErrStakeTooLow.Wrap("%s PHA, at least %s PHA for P = %d", stake, need, w.P)
	}
	if err := k.bank.Transfer(ctx, from, computing.Account(), m.Stake); err != nil {
		return err
	}
	now := ctx.Block.Time.UnixNano()
	w.Conf = k.conf(kv, id)
	if w.Ve, err = computing.InitialV(p, stake, w.P, w.Conf); err != nil {
		return err
	}
	w.V = fixed.Min(w.Ve, p.VMax)
	if w.Share, err = computing.Share(w.V, w.P, w.Conf); err != nil {
		return err
	}
	w.Stake, w.Updated, w.Paid, w.Challenged = m.Stake, now, now, 0
	k.setState(ctx, &w, computing.Idle)
	k.setWorker(kv, w)
	k.adjustShare(kv, fixed.Num{}, false, w)
	return nil
}

func (k *Keeper) handleStop(ctx *module.Context, m *computing.MsgStop) error {
	if _, err := k.operated(ctx, m.Worker); err != nil {
		return err
	}
	return k.StopWorker(ctx, m.Worker)
}

// StopWorker starts a computing worker's cooldown.
func (k *Keeper) StopWorker(ctx *module.Context, id crypto.PublicKey) error {
	w, ok := k.Worker(ctx.Store(), id)
	if !ok {
		return computing.ErrNoWorker.Wrap("%s", id)
	}
	if w.State != computing.Idle && w.State != computing.Unresponsive {
		return computing.ErrState.Wrap("%s is %s", w.ID, w.State)
	}
	kv := ctx.Store()
	now := ctx.Block.Time.UnixNano()
	wasIdle := w.State == computing.Idle
	old, err := k.bringUp(k.Params(kv), &w, now)
	if err != nil {
		return err
	}
	w.CoolingSince, w.Challenged = now, 0
	k.setState(ctx, &w, computing.CoolingDown)
	k.setWorker(kv, w)
	k.adjustShare(kv, old, wasIdle, w)
	return nil
}

func (k *Keeper) handleReclaim(ctx *module.Context, m *computing.MsgReclaim) error {
	if _, err := k.operated(ctx, m.Worker); err != nil {
		return err
	}
	_, err := k.ReclaimWorker(ctx, m.Worker, ctx.Sender)
	return err
}

// ReclaimWorker returns a cooled-down worker's stake to the account to,
// and reports how much it was.
func (k *Keeper) ReclaimWorker(ctx *module.Context, id crypto.PublicKey, to crypto.Address) (pha.Amount, error) {
	kv := ctx.Store()
	w, ok := k.Worker(kv, id)
	if !ok {
		return pha.Amount{}, computing.ErrNoWorker.Wrap("%s", id)
	}
	p := k.Params(kv)
	if w.State != computing.CoolingDown {
		return pha.Amount{}, computing.ErrState.Wrap("%s is %s", w.ID, w.State)
	}
	now := ctx.Block.Time.UnixNano()
	if left := w.CoolingSince + p.Cooldown*nanosPerSecond - now; left > 0 {
		return pha.Amount{}, computing.ErrCoolingDown.Wrap("%d s left", left/nanosPerSecond)
	}
	stake := w.Stake
	if err := k.bank.Transfer(ctx, computing.Account(), to, stake); err != nil {
		return pha.Amount{}, err
	}
	w.Stake, w.V, w.Ve, w.Share = pha.Amount{}, fixed.Num{}, fixed.Num{}, fixed.Num{}
	k.setState(ctx, &w, computing.Ready)
	k.setWorker(kv, w)
	return stake, nil
}

// Heartbeat takes a heartbeat as if it came through the queue from
// sender: for the reward simulation, which runs the module without
// enclaves or signatures.
func (k *Keeper) Heartbeat(ctx *module.Context, sender crypto.PublicKey, h computing.Heartbeat) error {
	return k.handleHeartbeat(ctx, sender, codec.MustMarshal(h))
}

// Benchmark takes a benchmark report as if it came through the queue.
func (k *Keeper) Benchmark(ctx *module.Context, sender crypto.PublicKey, b computing.Benchmark) error {
	return k.handleBenchmark(ctx, sender, codec.MustMarshal(b))
}

// handleHeartbeat takes a challenged worker's answer: in time, it brings
// V forward at the reported instant score and pays the reward since the
// last payment; late, it recovers the worker, paying nothing for the time
// it was unresponsive.
func (k *Keeper) handleHeartbeat(ctx *module.Context, sender crypto.PublicKey, payload []byte) error {
	var h computing.Heartbeat
	if err := codec.Unmarshal(payload, &h); err != nil {
		return computing.ErrBadMsg.Wrap("heartbeat: %v", err)
	}
	kv := ctx.Store()
	w, ok := k.Worker(kv, sender)
	if !ok {
		return computing.ErrNoWorker.Wrap("%s", sender)
	}
	if w.Challenged == 0 || (w.State != computing.Idle && w.State != computing.Unresponsive) {
		return computing.ErrNoChallenge.Wrap("%s (%s)", sender, w.State)
	}
	if h.Height != w.ChallengeHeight {
		return computing.ErrNoChallenge.Wrap("answers the challenge of height %d; the open one is of %d", h.Height, w.ChallengeHeight)
	}
	p := k.Params(kv)
	capP, err := fixed.Int(w.P).Mul(p.InstantP)
	if err != nil {
		return err
	}
	instant := computing.Score(h.Iterations, h.SpanMillis, p.MaxP)
	if fixed.Int(instant).Cmp(capP) > 0 {
		instant = capP.Floor()
	}
	now := ctx.Block.Time.UnixNano()
	wasIdle := w.State == computing.Idle
	old, err := k.bringUp(p, &w, now) // at the previous instant score
	if err != nil {
		return err
	}
	w.InstantP = instant
	// A re-attestation may have changed the worker's confidence level;
	// its share follows from this heartbeat on.
	w.Conf = k.conf(kv, sender)
	if w.Share, err = computing.Share(w.V, w.P, w.Conf); err != nil {
		return err
	}
	if wasIdle {
		k.adjustShare(kv, old, true, w)
		if err := k.pay(ctx, p, &w, now); err != nil {
			return err
		}
	} else {
		k.setState(ctx, &w, computing.Idle)
		w.Paid = now
		k.adjustShare(kv, old, false, w)
	}
	w.Challenged, w.ChallengeHeight, w.LastHeartbeat = 0, 0, now
	w.LastHeartbeatHeight = ctx.Block.Height
	w.Heartbeats++
	k.setWorker(kv, w)
	return nil
}

// Penalize punishes a worker whose contract result differed from the one
// its cluster's majority settled on (the contracts module calls it): it
// loses slash_wrong_result of its stake to the treasury, whatever its
// state, and an idle worker turns unresponsive, earning nothing while its
// V decays. The challenge it must answer to be idle again is opened here,
// at once: no draw in EndBlock challenges a worker that is not idle, so
// without one a penalized worker could never answer, and every heartbeat
// it sent would be refused for ever. It reports the stake taken.
func (k *Keeper) Penalize(ctx *module.Context, id crypto.PublicKey) (pha.Amount, error) {
	kv := ctx.Store()
	w, ok := k.Worker(kv, id)
	if !ok {
		return pha.Amount{}, nil
	}
	p := k.Params(kv)
	slashed, err := k.slash(ctx, p, &w)
	if err != nil {
		return slashed, err
	}
	if w.State != computing.Idle {
		k.setWorker(kv, w)
		return slashed, nil
	}
	old, err := k.bringUp(p, &w, ctx.Block.Time.UnixNano())
	if err != nil {
		return slashed, err
	}
	w.Missed++
	k.setState(ctx, &w, computing.Unresponsive)
	if w.Challenged == 0 {
		w.Challenged, w.ChallengeHeight = ctx.Block.Time.UnixNano(), ctx.Block.Height
		ctx.Emit(computing.EventChallenge, module.Attr{Key: computing.AttrWorker, Value: w.ID, Index: true})
	}
	k.setWorker(kv, w)
	k.adjustShare(kv, old, true, w)
	return slashed, nil
}

// slash takes slash_wrong_result of the worker's stake (rounded down to a
// unit) to the treasury, and off its stake pool's stake if it has one. V
// is left as it is: the penalty on earnings is the unresponsive state.
func (k *Keeper) slash(ctx *module.Context, p computing.Params, w *computing.Worker) (pha.Amount, error) {
	w.WrongResults++
	cut, err := fixed.FromPHA(w.Stake).Mul(p.SlashWrongResult)
	if err != nil {
		return pha.Amount{}, err
	}
	amt := cut.PHA()
	if amt.IsZero() {
		return amt, nil
	}
	kv := ctx.Store()
	if err := k.bank.Move(kv, computing.Account(), crypto.ModuleAddress(computing.Treasury), amt); err != nil {
		return pha.Amount{}, err
	}
	w.Stake, _ = w.Stake.Sub(amt)
	w.Slashed, _ = w.Slashed.Add(amt)
	attrs := []module.Attr{{Key: computing.AttrWorker, Value: w.ID, Index: true}, {Key: computing.AttrAmount, Value: amt}}
	if k.pools != nil {
		if pool, in := k.pools.PoolOf(kv, w.ID); in {
			if err := k.pools.Slash(ctx, pool, amt); err != nil {
				return pha.Amount{}, err
			}
			attrs = append(attrs, module.Attr{Key: computing.AttrPool, Value: module.Uint(pool), Index: true})
		}
	}
	ctx.Emit(computing.EventSlashed, attrs...)
	return amt, nil
}

// conf is the factor conf of a worker's confidence level, as its
// registration last recorded it.
func (k *Keeper) conf(kv store.Reader, id crypto.PublicKey) fixed.Num {
	rec, _ := k.registry.Worker(kv, id)
	return computing.Conf(rec.Confidence)
}
