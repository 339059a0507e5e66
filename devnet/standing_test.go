package devnet_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	"github.com/phalanx-net/phalanx/devnet"
	"github.com/phalanx-net/phalanx/devnet/devnettest"
	"github.com/phalanx-net/phalanx/enclave"
	"github.com/phalanx-net/phalanx/sdk/client"
	"github.com/phalanx-net/phalanx/tee"
	"github.com/phalanx-net/phalanx/wasm/wasmtest"
)

// TestWorkersLoseTheirStanding runs the loss of standing on a devnet
// whose registrations last 20 s: the council drops the measurement of
// one worker's build, and that worker leaves the cluster, whose contract
// gets a new key from the workers left; the running enclaves re-attest
// by themselves before their registrations expire, and a worker that is
// stopped does not, and loses its standing too.
func TestWorkersLoseTheirStanding(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a network")
	}
	vault, err := wasmtest.Build("../examples/vault")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	const ttl = 20
	other := enclave.Version + 1 // worker 2's build
	d := devnettest.Start(t, ctx, devnet.Config{Gatekeepers: 2, Workers: 3, BlockTime: 100 * time.Millisecond,
		Contracts: []devnet.Contract{{Name: "vault", Wasm: vault}},
		Registry:  func(p *registry.Params) { p.RegistrationTTL = ttl },
		WorkerBuild: func(i int) uint32 {
			if i == 2 {
				return other
			}
			return enclave.Version
		}})
	cl := d.Client
	id := d.Info.Contracts[0].ID
	if _, err := cl.WaitContractKey(ctx, id, 2*time.Minute); err != nil {
		t.Fatalf("contract key: %v", err)
	}
	worker := func(i int) registry.Enclave {
		t.Helper()
		w, err := cl.Worker(ctx, d.Info.Workers[i].ID, false)
		if err != nil {
			t.Fatal(err)
		}
		return w
	}

	// The council drops worker 2's build from the allowlist.
	p, err := cl.RegistryParams(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p.Measurements = slices.DeleteFunc(p.Measurements, func(m registry.Measurement) bool {
		return m.Platform == tee.Sim && string(m.Value) == string(tee.SimMeasurement(other))
	})
	if _, err := cl.Submit(ctx, d.Key(t, "developers"), []module.Msg{&registry.MsgUpdateParams{Params: p}}, client.TxOptions{}); err != nil {
		t.Fatalf("update the registry's parameters: %v", err)
	}
	devnettest.WaitFor(t, ctx, "worker 2 to lose its standing", func() bool { return worker(2).Lost == registry.ReasonMeasurement })
	devnettest.WaitFor(t, ctx, "the contract to be rekeyed without worker 2", func() bool {
		c, err := cl.Cluster(ctx, 0)
		if err != nil || c.Has(d.Info.Workers[2].ID) {
			return false
		}
		ct, err := cl.Contract(ctx, id)
		return err == nil && ct.KeyGen == c.KeyGen && c.KeyGen > 0 && len(ct.PublicKey) > 0
	})

	// The running enclaves re-attest by themselves, before their
	// registrations expire.
	devnettest.WaitFor(t, ctx, "worker 0 to re-attest", func() bool {
		w := worker(0)
		return w.RefreshedHeight > w.RegisteredHeight
	})
	// A stopped worker does not: it loses its standing when its
	// registration expires, and the others keep theirs.
	if err := d.StopWorker(1); err != nil {
		t.Fatalf("stop worker 1: %v", err)
	}
	devnettest.WaitFor(t, ctx, "the stopped worker's registration to expire", func() bool { return worker(1).Lost == registry.ReasonExpired })
	if w := worker(0); !w.InStanding() {
		t.Fatalf("the running worker lost its standing: %+v", w)
	}
	for _, g := range d.Info.Gatekeepers {
		if e, err := cl.Gatekeeper(ctx, g.Enclave, false); err != nil || !e.InStanding() || e.RefreshedHeight <= e.RegisteredHeight {
			t.Fatalf("gatekeeper enclave %s: %+v, %v", g.Enclave, e, err)
		}
	}
	devnettest.WaitFor(t, ctx, "the cluster to be rekeyed without worker 1", func() bool {
		c, err := cl.Cluster(ctx, 0)
		if err != nil || c.Has(d.Info.Workers[1].ID) {
			return false
		}
		ct, err := cl.Contract(ctx, id)
		return err == nil && ct.KeyGen == c.KeyGen && len(ct.PublicKey) > 0
	})
}
