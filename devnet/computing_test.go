package devnet_test

import (
	"context"
	"testing"
	"time"

	"github.com/phalanx-net/phalanx/chain/modules/computing"
	"github.com/phalanx-net/phalanx/devnet"
	"github.com/phalanx-net/phalanx/devnet/devnettest"
)

// TestWorkersEarnAndAStoppedOneTurnsUnresponsive runs two computing
// workers with a six-second "hour": both are challenged and earn; one is
// stopped, misses its challenge and turns unresponsive while the other
// keeps earning; restarted, it answers late and is idle again.
func TestWorkersEarnAndAStoppedOneTurnsUnresponsive(t *testing.T) {
	p := devnet.ComputingParams()
	p.Hour, p.Window = 6, 3 // a challenge every 3 s per worker on average
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	d := devnettest.Start(t, ctx, devnet.Config{Gatekeepers: 1, Workers: 2, BlockTime: 100 * time.Millisecond, Computing: &p})
	info, cl := d.Info, d.Client
	rec := func(i int) computing.Worker {
		w, err := cl.ComputingWorker(ctx, info.Workers[i].ID)
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	devnettest.WaitFor(t, ctx, "both workers to earn", func() bool { return !rec(0).Earned.IsZero() && !rec(1).Earned.IsZero() })

	if err := d.StopWorker(1); err != nil {
		t.Fatal(err)
	}
	devnettest.WaitFor(t, ctx, "the stopped worker to turn unresponsive", func() bool { return rec(1).State == computing.Unresponsive })
	before := rec(0).Earned
	devnettest.WaitFor(t, ctx, "the running worker to keep earning", func() bool { return rec(0).Earned.Cmp(before) > 0 })
	if r := rec(1); r.Missed == 0 {
		t.Fatalf("unresponsive without a missed heartbeat: %+v", r)
	}

	if err := d.StartWorker(ctx, 1); err != nil {
		t.Fatal(err)
	}
	devnettest.WaitFor(t, ctx, "the restarted worker to recover", func() bool { return rec(1).State == computing.Idle })
	tot, err := cl.ComputingTotals(ctx)
	if err != nil || tot.Paid.IsZero() {
		t.Fatalf("totals %+v, %v", tot, err)
	}
	// The workers' share went to their pools.
	pools, err := cl.Pools(ctx)
	if err != nil || len(pools) != 2 || pools[0].Rewarded.IsZero() || pools[1].Rewarded.IsZero() {
		t.Fatalf("pools %+v, %v", pools, err)
	}
}
