package node

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"github.com/cometbft/cometbft/privval"
	rpclocal "github.com/cometbft/cometbft/rpc/client/local"

	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/enclave"
	"github.com/phalanx-net/phalanx/sdk/client"
	"github.com/phalanx-net/phalanx/tee"
	"github.com/phalanx-net/phalanx/web"
	"github.com/phalanx-net/phalanx/worker"
)

// EnclaveDir is where, in its home, a gatekeeper keeps its enclave's
// sealed keys.
const EnclaveDir = "enclave"

// ValidatorAccountKey returns the key of the gatekeeper's validator
// account: its consensus key, whose address is the only account that may
// register the gatekeeper's enclave. It pays the registration's fee.
func (g *Gatekeeper) ValidatorAccountKey() (crypto.PrivateKey, error) {
	pv := privval.LoadFilePV(g.cfg.PrivValidatorKeyFile(), g.cfg.PrivValidatorStateFile())
	raw := pv.Key.PrivKey.Bytes()
	if pv.Key.PrivKey.Type() != "ed25519" || len(raw) < 32 {
		return crypto.PrivateKey{}, fmt.Errorf("validator key: want ed25519, have %s", pv.Key.PrivKey.Type())
	}
	return crypto.PrivateKeyFromSeed(raw[:32])
}

// RegisterEnclave opens the gatekeeper's enclave on platform (creating
// and sealing its keys on first use) and registers it on the chain,
// unless the chain already has it at this enclave version. The
// attestation's time is the latest block's, read from this node.
func (g *Gatekeeper) RegisterEnclave(ctx context.Context, platform string) (registry.Enclave, error) {
	dir := filepath.Join(g.cfg.RootDir, EnclaveDir)
	p, err := tee.Open(platform, tee.Options{Dir: dir, SimVersion: enclave.Version, Log: g.log})
	if err != nil {
		return registry.Enclave{}, err
	}
	if !p.Secure() {
		g.log.Warn(tee.SimWarning, "enclave", "gatekeeper")
	}
	e, _, err := enclave.Open(p, dir)
	if err != nil {
		return registry.Enclave{}, err
	}
	cl := client.FromRPC(rpclocal.New(g.node))
	rec, err := cl.Gatekeeper(ctx, e.Identity(), false)
	if err == nil && rec.Version == enclave.Version {
		return rec, nil
	} else if err != nil && !errors.Is(err, client.ErrNoSuchEnclave) {
		return rec, err
	}
	key, err := g.ValidatorAccountKey()
	if err != nil {
		return registry.Enclave{}, err
	}
	st, err := cl.Status(ctx)
	if err != nil {
		return registry.Enclave{}, err
	}
	reg, err := e.Registration(ctx, registry.RoleGatekeeper, st.NodeInfo.Network, key.Public().Address(), st.SyncInfo.LatestBlockTime)
	if err != nil {
		return registry.Enclave{}, err
	}
	t, err := cl.Build(ctx, key, []module.Msg{&registry.MsgRegisterGatekeeper{Registration: reg}}, client.TxOptions{GasLimit: 3_000_000})
	if err != nil {
		return registry.Enclave{}, err
	}
	raw, err := t.Encode()
	if err != nil {
		return registry.Enclave{}, err
	}
	if _, err := cl.Broadcast(ctx, raw); err != nil {
		return registry.Enclave{}, fmt.Errorf("register the gatekeeper enclave: %w", err)
	}
	// Wait for the record rather than the transaction: a node may run
	// without a transaction index.
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		rec, err := cl.Gatekeeper(ctx, e.Identity(), false)
		if err == nil && rec.Version == enclave.Version {
			g.log.Info("gatekeeper enclave registered", "identity", e.Identity(), "platform", p.Name())
			return rec, nil
		}
		select {
		case <-ctx.Done():
			return registry.Enclave{}, fmt.Errorf("register the gatekeeper enclave: no record after the transaction was accepted: %w", ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// EnclaveService returns the gatekeeper's enclave service on platform: it
// follows this node's chain (verifying it as a worker does), registers
// the enclave from the validator account, and does the enclave's work
// for the chain: generating, handing over and rotating the master key,
// and sending cluster keys to workers. The caller runs it with Run.
// poll is how often it looks for new blocks (zero: the worker default).
func (g *Gatekeeper) EnclaveService(ctx context.Context, platform string, poll time.Duration) (*worker.Worker, error) {
	key, err := g.ValidatorAccountKey()
	if err != nil {
		return nil, err
	}
	gen := g.node.GenesisDoc()
	return worker.New(ctx, worker.Config{
		Home:     filepath.Join(g.cfg.RootDir, EnclaveDir),
		RPC:      rpclocal.New(g.node),
		Operator: key,
		Platform: platform,
		Genesis:  gen,
		Role:     registry.RoleGatekeeper,
		Poll:     poll,
		Log:      g.log.With("enclave", "gatekeeper"),
	})
}

// ServeDashboard serves the dashboard and explorer (package web) of this
// node on addr until stop is called; it returns the dashboard's URL.
func (g *Gatekeeper) ServeDashboard(addr string) (url string, stop func(), err error) {
	d, err := web.New(client.FromRPC(rpclocal.New(g.node)), g.log.With("module", "dashboard"))
	if err != nil {
		return "", nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("dashboard: %w", err)
	}
	srv := &http.Server{Handler: d.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	stop = func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if srv.Shutdown(ctx) != nil {
			srv.Close() // event streams do not end by themselves
		}
	}
	return "http://" + ln.Addr().String(), stop, nil
}
