package keeper

import (
	"errors"

	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/computing"
	"github.com/phalanx-net/phalanx/chain/modules/stakepool"
)

// EndBlock stops the workers of every pool whose oldest queued
// withdrawal has waited longer than WithdrawGrace, so their stake comes
// back after the cooldown.
func (k *Keeper) EndBlock(ctx *module.Context) error {
	kv := ctx.Store()
	now := ctx.Block.Time.UnixNano()
	var late []stakepool.Pool
	k.Pools(kv, func(p stakepool.Pool) bool {
		if len(p.Queue) > 0 && now-p.Queue[0].Since > stakepool.WithdrawGrace*1_000_000_000 {
			late = append(late, p)
		}
		return true
	})
	for _, p := range late {
		for _, w := range p.Workers {
			rec, ok := k.computing.Worker(kv, w)
			switch {
			case !ok:
			case rec.State == computing.Idle || rec.State == computing.Unresponsive:
				if err := k.computing.StopWorker(ctx, w); err != nil {
					return err
				}
			case rec.State == computing.CoolingDown:
				// Cooled down: its stake goes straight to the queue.
				stake, err := k.computing.ReclaimWorker(ctx, w, k.Account())
				if errors.Is(err, computing.ErrCoolingDown) {
					continue
				} else if err != nil {
					return err
				}
				p.Free, _ = p.Free.Add(stake)
			}
		}
		if err := k.serveQueue(ctx, &p); err != nil {
			return err
		}
	}
	return nil
}
