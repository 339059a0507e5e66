package devnet_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/devnet"
	"github.com/phalanx-net/phalanx/devnet/devnettest"
	"github.com/phalanx-net/phalanx/enclave"
	"github.com/phalanx-net/phalanx/tee"
	"github.com/phalanx-net/phalanx/worker/api"
)

// TestWorkerRegistersRestartsAndCarriesOn runs a devnet with a sim worker:
// it registers, is stopped, restarts from its sealed keys and checkpoint,
// and carries on with the same identity.
func TestWorkerRegistersRestartsAndCarriesOn(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	d := devnettest.Start(t, ctx, devnet.Config{Gatekeepers: 1, Workers: 1, BlockTime: 100 * time.Millisecond})
	info := d.Info
	if len(info.Workers) != 1 || info.Workers[0].Platform != tee.Sim || info.Workers[0].Warning == "" {
		t.Fatalf("devnet.json workers = %+v", info.Workers)
	}
	id := info.Workers[0].ID
	// The gatekeeper's enclave registered too, from its validator account.
	if info.Gatekeepers[0].Enclave == (crypto.PublicKey{}) {
		t.Fatal("devnet.json has no gatekeeper enclave")
	}
	cl := d.Client
	rec, err := cl.Worker(ctx, id, true)
	if err != nil {
		t.Fatalf("worker record: %v", err)
	}
	if rec.Operator != info.Workers[0].Operator || rec.Platform != tee.Sim || rec.Version != enclave.Version {
		t.Fatalf("record %+v", rec)
	}
	// The worker answers the chain's "registered" message with an online
	// message: both directions of the queue work.
	devnettest.WaitFor(t, ctx, "the worker's online message", func() bool {
		r, err := cl.Worker(ctx, id, false)
		return err == nil && r.LastSeenHeight > 0 && d.Worker(0).Status().Processed >= 1
	})
	// With no contracts to deploy, the devnet made its cluster 0 all the
	// same, of its worker, which received the cluster's key.
	if len(info.Clusters) != 1 || info.Clusters[0].ID != 0 || len(info.Clusters[0].Workers) != 1 || info.Clusters[0].Workers[0] != id {
		t.Fatalf("devnet.json clusters = %+v", info.Clusters)
	}
	if k, err := cl.Cluster(ctx, 0); err != nil || len(k.Workers) != 1 || k.Workers[0] != id {
		t.Fatalf("cluster 0 = %+v, %v", k, err)
	}
	devnettest.WaitFor(t, ctx, "the worker to hold cluster 0's key", func() bool {
		res, err := http.Get(info.Workers[0].Query + api.PathInfo)
		if err != nil {
			return false
		}
		defer res.Body.Close()
		var wi api.WorkerInfo
		return json.NewDecoder(res.Body).Decode(&wi) == nil && slices.Equal(wi.Clusters, []uint64{0})
	})

	before := d.Worker(0).Status()
	if err := d.StopWorker(0); err != nil {
		t.Fatalf("stop worker: %v", err)
	}
	// The chain goes on while the worker is down.
	if err := d.WaitHeight(ctx, d.Gatekeeper(0).Height()+5); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := d.StartWorker(ctx, 0); err != nil {
		t.Fatalf("restart worker: %v", err)
	}
	w := d.Worker(0)
	after := w.Status()
	if after.Identity != id {
		t.Fatalf("identity changed across restart: %s, was %s", after.Identity, id)
	}
	if after.Height < before.Height || after.Processed != before.Processed {
		t.Fatalf("did not resume from the checkpoint: %+v, was %+v", after, before)
	}
	t.Logf("restart from checkpoint at height %d took %s", after.Height, time.Since(start))
	select {
	case <-w.Registered():
	case <-ctx.Done():
		t.Fatal("restarted worker did not find its registration")
	}
	// It carries on following the chain, and is not registered again.
	target := d.Gatekeeper(0).Height() + 3
	devnettest.WaitFor(t, ctx, "the restarted worker to follow the chain", func() bool { return w.Status().Height >= target })
	rec2, err := cl.Worker(ctx, id, false)
	if err != nil {
		t.Fatal(err)
	}
	if rec2.RegisteredHeight != rec.RegisteredHeight || rec2.RefreshedHeight != rec.RefreshedHeight {
		t.Fatalf("restart re-registered the worker: %+v, was %+v", rec2, rec)
	}
	gks, err := cl.Gatekeepers(ctx)
	if err != nil || len(gks) != 1 || gks[0].Identity != info.Gatekeepers[0].Enclave || gks[0].Validator.IsZero() {
		t.Fatalf("gatekeepers = %+v, %v", gks, err)
	}
	ws, err := cl.Workers(ctx)
	if err != nil || len(ws) != 1 || ws[0].Identity != id {
		t.Fatalf("workers = %+v, %v", ws, err)
	}
}
