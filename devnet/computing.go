package devnet

import (
	"context"
	"fmt"
	"time"

	"github.com/phalanx-net/phalanx/chain/fixed"
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/computing"
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
// starts it computing, with its operator's stake (k·√P, rounded up).
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
		if _, err := cl.Submit(ctx, op, []module.Msg{&computing.MsgStart{Worker: wi.ID, Stake: stake}}, client.TxOptions{}); err != nil {
			return fmt.Errorf("start %s computing: %w", workerName(i), err)
		}
		d.cfg.Log.Info("worker computing", "worker", workerName(i), "p", rec.P, "stake", stake.PHA())
	}
	return nil
}
