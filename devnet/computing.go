package devnet

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/phalanx-net/phalanx/chain/fixed"
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/computing"
	"github.com/phalanx-net/phalanx/chain/modules/stakepool"
	"github.com/phalanx-net/phalanx/sdk/client"
)

// ComputingParams are Phala's economics with the time-based parameters
// shortened, so that a person watching a devnet sees them happen: an
// "hour" of the rates is a minute (two challenges a minute per worker),
// the heartbeat window 30 s, the cooldown 5 minutes, and the budget
// decays every hour instead of every 180 days.
func ComputingParams() computing.Params {
	p := computing.DefaultParams()
	p.Hour = 60
	p.Window = 30
	p.Cooldown = 300
	p.DecayEvery = 3600
	return p
}

func (d *Devnet) computingParams() computing.Params {
	if d.cfg.Computing != nil {
		return *d.cfg.Computing
	}
	return ComputingParams()
}

// startComputing waits until each devnet worker has a benchmark score and
// starts it computing through a stake pool: the worker's operator creates
// a pool (10 % commission), adds the worker, delegates the stake (k·√P,
// rounded up) and starts the worker with it, so the pool queries show the
// rewards arrive.
func (d *Devnet) startComputing(ctx context.Context) error {
	cl, err := client.New(d.info.Gatekeepers[0].RPC)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	for i, wi := range d.info.Workers {
		var rec computing.Worker
		for {
			rec, err = cl.ComputingWorker(ctx, wi.ID)
			if err == nil && rec.P > 0 {
				break
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("%s has no benchmark score: %w", workerName(i), ctx.Err())
			case <-time.After(100 * time.Millisecond):
			}
		}
		if rec.State != computing.Ready {
			continue // started before, on an earlier run
		}
		p, err := cl.ComputingParams(ctx)
		if err != nil {
			return err
		}
		need, err := computing.MinStake(p, rec.P)
		if err != nil {
			return err
		}
		stake := fixed.Int(need.Floor() + 1).PHA()
		op, err := d.operatorKey(ctx, i)
		if err != nil {
			return err
		}
		res, err := cl.Submit(ctx, op, []module.Msg{&stakepool.MsgCreate{Commission: fixed.Frac(1, 10)}}, client.TxOptions{})
		if err != nil {
			return fmt.Errorf("a pool for %s: %w", workerName(i), err)
		}
		pool, err := createdPool(res)
		if err != nil {
			return err
		}
		msgs := []module.Msg{
			&stakepool.MsgAddWorker{Pool: pool, Worker: wi.ID},
			&stakepool.MsgDelegate{Pool: pool, Amount: stake},
			&stakepool.MsgStartWorker{Pool: pool, Worker: wi.ID, Stake: stake},
		}
		if _, err := cl.Submit(ctx, op, msgs, client.TxOptions{GasLimit: 1_000_000}); err != nil {
			return fmt.Errorf("start %s computing: %w", workerName(i), err)
		}
		d.cfg.Log.Info("worker computing", "worker", workerName(i), "p", rec.P, "stake", stake.PHA(), "pool", pool)
	}
	return nil
}

// createdPool reads the pool id from a pool creation's events.
func createdPool(r *client.Result) (uint64, error) {
	for _, e := range r.Events {
		if e.Type != stakepool.EventCreated {
			continue
		}
		for _, a := range e.Attributes {
			if a.Key == stakepool.AttrPool {
				return strconv.ParseUint(a.Value, 10, 64)
			}
		}
	}
	return 0, fmt.Errorf("pool created in tx %s, but its id is not in the events", r.Hash)
}
