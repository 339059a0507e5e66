package node

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"github.com/cometbft/cometbft/privval"
	rpclocal "github.com/cometbft/cometbft/rpc/client/local"

	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/sdk/client"
	"github.com/phalanx-net/phalanx/tee/pcs"
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

// EnclaveService returns the gatekeeper's enclave service on platform, a
// key-manager host: it follows this node's chain (verifying it as a
// worker does), registers the enclave from the validator account, and
// does the enclave's work for the chain: generating, handing over and
// rotating the master key, and sending cluster keys to workers. The
// caller runs it with Run. poll is how often it looks for new blocks
// (zero: the worker default).
func (g *Gatekeeper) EnclaveService(ctx context.Context, platform string, poll time.Duration) (*worker.KeyManager, error) {
	key, err := g.ValidatorAccountKey()
	if err != nil {
		return nil, err
	}
	gen := g.node.GenesisDoc()
	return worker.NewKeyManager(ctx, worker.Config{
		Home:     filepath.Join(g.cfg.RootDir, EnclaveDir),
		RPC:      rpclocal.New(g.node),
		Operator: key,
		Platform: platform,
		Genesis:  gen,
		Poll:     poll,
		Log:      g.log.With("enclave", "gatekeeper"),
		// On tdx and sevsnp, the vendor's collateral for this machine's
		// scope, when the chain needs it before the enclave attests.
		Collateral: &pcs.Fetcher{},
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
