package devnet_test

import (
	"context"
	"testing"
	"time"

	"github.com/phalanx-net/phalanx/chain/modules/mq"
	"github.com/phalanx-net/phalanx/devnet"
	"github.com/phalanx-net/phalanx/devnet/devnettest"
)

// TestConsumedMessagesArePrunedAndARestartedWorkerCarriesOn runs a devnet
// with a worker: the chain deletes the messages the worker's saved
// checkpoint counts handled, and the worker, restarted from that
// checkpoint, carries on with the messages sent since.
func TestConsumedMessagesArePrunedAndARestartedWorkerCarriesOn(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	// Heartbeat challenges come at random; a six-second "hour" brings one
	// every three seconds on average, so the waits below are not luck.
	p := devnet.ComputingParams()
	p.Hour = 6
	d := devnettest.Start(t, ctx, devnet.Config{Gatekeepers: 1, Workers: 1, BlockTime: 100 * time.Millisecond, Computing: &p})
	id, cl := d.Info.Workers[0].ID, d.Client
	count := func(key []byte) uint64 {
		q, err := cl.Get(ctx, "/store", key, 0, false)
		if err != nil {
			t.Fatal(err)
		}
		n, err := mq.DecodeCount(q.Value)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	// The worker received its registration notice and cluster 0's key;
	// the heartbeats it posts since report them consumed.
	devnettest.WaitFor(t, ctx, "the worker's first messages to be deleted", func() bool {
		return count(mq.EgressFirstKey(id)) >= 2
	})
	first := count(mq.EgressFirstKey(id))
	if c := count(mq.ConsumedKey(id)); c < first || c > d.Worker(0).Status().Processed {
		t.Fatalf("chain deleted below %d, consumed %d, the worker has processed %d", first, c, d.Worker(0).Status().Processed)
	}
	for seq := range first {
		if q, err := cl.Get(ctx, "/store", mq.EgressKey(id, seq), 0, false); err != nil || q.Value != nil {
			t.Fatalf("consumed message %d still stored (%v)", seq, err)
		}
	}
	// Restarted from its checkpoint, the worker resumes at or after what
	// the chain deleted; a worker that asked for a deleted message would
	// stop ("missing from the state") and follow no further.
	if err := d.StopWorker(0); err != nil {
		t.Fatal(err)
	}
	if err := d.StartWorker(ctx, 0); err != nil {
		t.Fatal(err)
	}
	w := d.Worker(0)
	if p := w.Status().Processed; p < first {
		t.Fatalf("restarted worker resumes at message %d, below the deleted %d", p, first)
	}
	target := d.Gatekeeper(0).Height() + 20
	devnettest.WaitFor(t, ctx, "the restarted worker to follow the chain", func() bool { return w.Status().Height >= target })
}
