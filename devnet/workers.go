package devnet

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/phalanx-net/phalanx/chain/modules/registry"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/crypto/keyring"
	"github.com/phalanx-net/phalanx/enclave"
	"github.com/phalanx-net/phalanx/node"
	"github.com/phalanx-net/phalanx/sdk/client"
	"github.com/phalanx-net/phalanx/tee"
	"github.com/phalanx-net/phalanx/worker"
)

// OperatorGrant is what a devnet worker's operator account receives from
// the testers' account when it is created: enough for its fees and its
// computing stake (k·√P is under 4,000 PHA for any P).
var OperatorGrant = pha.Tokens(10_000)

// registryGenesis accepts the sim platform and the sim enclave's
// measurement (and those of the builds WorkerBuild names): a devnet is for
// development. The council is the developers' account until a governance
// module exists.
func (d *Devnet) registryGenesis(council crypto.Address) (registry.Genesis, error) {
	g := registry.DefaultGenesis(council)
	g.Params.AllowSim = true
	g.Params.Measurements = []registry.Measurement{{Platform: tee.Sim, Value: tee.SimMeasurement(enclave.Version), Note: "phalanx sim enclave (devnet)"}}
	for i := range d.cfg.Workers {
		if b := d.workerBuild(i); b != enclave.Version && !g.Params.Allowed(tee.Sim, tee.SimMeasurement(b)) {
			g.Params.Measurements = append(g.Params.Measurements, registry.Measurement{Platform: tee.Sim, Value: tee.SimMeasurement(b), Note: fmt.Sprintf("phalanx sim enclave build %d (devnet)", b)})
			registry.SortMeasurements(g.Params.Measurements)
		}
	}
	if d.cfg.Registry != nil {
		d.cfg.Registry(&g.Params)
	}
	return g, g.Validate()
}

// workerBuild is the sim build worker i's measurement names.
func (d *Devnet) workerBuild(i int) uint32 {
	if d.cfg.WorkerBuild == nil {
		return enclave.Version
	}
	return d.cfg.WorkerBuild(i)
}

// runningWorker is a running host: a worker (w set) or a gatekeeper's
// key manager.
type runningWorker struct {
	h      *worker.Host
	w      *worker.Worker
	cancel context.CancelFunc
	done   chan struct{}
	err    error
}

func workerName(i int) string { return fmt.Sprintf("w%d", i) }

// operatorKey returns the key of worker i's operator, creating and funding
// it the first time.
func (d *Devnet) operatorKey(ctx context.Context, i int) (crypto.PrivateKey, error) {
	kr, err := keyring.Open(d.cfg.Home, keyring.BackendTest, nil)
	if err != nil {
		return crypto.PrivateKey{}, err
	}
	name := workerName(i) + "-operator"
	if _, err := kr.Get(name); err == nil {
		return kr.PrivateKey(name)
	} else if !errors.Is(err, keyring.ErrNotFound) {
		return crypto.PrivateKey{}, err
	}
	k, err := kr.Add(name)
	if err != nil {
		return crypto.PrivateKey{}, err
	}
	testers, err := kr.PrivateKey("testers")
	if err != nil {
		return crypto.PrivateKey{}, err
	}
	c, err := client.New(d.info.Gatekeepers[0].RPC)
	if err != nil {
		return crypto.PrivateKey{}, err
	}
	if _, err := c.Send(ctx, testers, k.Address, OperatorGrant, client.TxOptions{}); err != nil {
		return crypto.PrivateKey{}, fmt.Errorf("fund %s: %w", name, err)
	}
	if d.info.Keys, err = kr.List(); err != nil {
		return crypto.PrivateKey{}, err
	}
	return kr.PrivateKey(name)
}

// StartWorker starts sim worker i, following gatekeeper i mod n over RPC
// with the other gatekeepers as its witnesses and fallbacks.
func (d *Devnet) StartWorker(ctx context.Context, i int) error {
	d.mu.Lock()
	running := d.wks[i] != nil
	d.mu.Unlock()
	if running {
		return fmt.Errorf("%s is already running", workerName(i))
	}
	op, err := d.operatorKey(ctx, i)
	if err != nil {
		return err
	}
	home := filepath.Join(d.cfg.Home, "workers", workerName(i))
	log := d.cfg.Log.With("node", workerName(i))
	w, err := worker.New(ctx, worker.Config{Home: home, Nodes: d.workerNodes(i), Operator: op, Platform: tee.Sim, TEE: tee.Options{SimVersion: d.workerBuild(i)}, Log: log,
		QueryAddr: fmt.Sprintf("127.0.0.1:%d", d.queryPort(i)), Poll: d.pollInterval(), BenchmarkSpan: time.Second})
	if err != nil {
		return fmt.Errorf("%s: %w", workerName(i), err)
	}
	rctx, cancel := context.WithCancel(context.Background())
	rw := &runningWorker{h: w.Host, w: w, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(rw.done)
		if rw.err = w.Run(rctx); rw.err != nil {
			log.Error("worker stopped", "err", rw.err)
		}
	}()
	st := w.Status()
	d.mu.Lock()
	d.wks[i] = rw
	d.info.Workers[i] = WorkerInfo{Name: workerName(i), ID: st.Identity, Operator: st.Operator, Platform: st.Platform, Home: home, Warning: st.Warning,
		Query: w.QueryURL()}
	d.mu.Unlock()
	return nil
}

// StopWorker stops worker i and waits until it has saved its checkpoint.
func (d *Devnet) StopWorker(i int) error {
	d.mu.Lock()
	rw := d.wks[i]
	d.wks[i] = nil
	d.mu.Unlock()
	if rw == nil {
		return nil
	}
	rw.cancel()
	<-rw.done
	return rw.err
}

// Worker returns worker i, or nil while it is stopped.
func (d *Devnet) Worker(i int) *worker.Worker {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.wks[i] == nil {
		return nil
	}
	return d.wks[i].w
}

// Workers returns the number of workers.
func (d *Devnet) Workers() int { return len(d.wks) }

// WaitWorkersRegistered waits until every running worker has seen its
// registration on chain.
func (d *Devnet) WaitWorkersRegistered(ctx context.Context) error {
	d.mu.Lock()
	running := slices.Clone(d.wks)
	d.mu.Unlock()
	return waitRegistered(ctx, running, workerName)
}

// pollInterval is how often devnet workers and enclaves look for new
// blocks: a quarter of the block time, so results do not wait a block for
// a worker's poll.
func (d *Devnet) pollInterval() time.Duration {
	return max(d.cfg.BlockTime/4, 20*time.Millisecond)
}

// startEnclave starts gatekeeper i's enclave service (sim), which
// registers the enclave from the validator account and does its work for
// the chain (the master key, cluster keys).
func (d *Devnet) startEnclave(ctx context.Context, i int, g *node.Gatekeeper, log *slog.Logger) error {
	w, err := g.EnclaveService(ctx, tee.Sim, d.pollInterval())
	if err != nil {
		return fmt.Errorf("%s enclave: %w", gkName(i), err)
	}
	rctx, cancel := context.WithCancel(context.Background())
	rw := &runningWorker{h: w.Host, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(rw.done)
		if rw.err = w.Run(rctx); rw.err != nil {
			log.Error("gatekeeper enclave stopped", "err", rw.err)
		}
	}()
	d.mu.Lock()
	d.enclaves[i] = rw
	d.info.Gatekeepers[i].Enclave = w.Identity()
	d.mu.Unlock()
	return nil
}

// waitGatekeeperEnclaves waits until every running gatekeeper enclave has
// seen its registration on chain.
func (d *Devnet) waitGatekeeperEnclaves(ctx context.Context) error {
	d.mu.Lock()
	running := slices.Clone(d.enclaves)
	d.mu.Unlock()
	return waitRegistered(ctx, running, gkName)
}

// waitRegistered waits for the registration of each running service.
func waitRegistered(ctx context.Context, rws []*runningWorker, name func(int) string) error {
	var wg sync.WaitGroup
	errs := make([]error, len(rws))
	for i, rw := range rws {
		if rw == nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case <-rw.h.Registered():
			case <-rw.done:
				errs[i] = fmt.Errorf("%s stopped before it was registered: %v", name(i), rw.err)
			case <-ctx.Done():
				errs[i] = ctx.Err()
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// workerNodes lists the gatekeepers' RPC URLs for worker i: its own
// gatekeeper (i mod n) first, the primary, then the others in order, its
// witnesses and where it goes when its own stops.
func (d *Devnet) workerNodes(i int) []string {
	gks := d.info.Gatekeepers
	out := make([]string, 0, len(gks))
	for k := range gks {
		out = append(out, gks[(i+k)%len(gks)].RPC)
	}
	return out
}
