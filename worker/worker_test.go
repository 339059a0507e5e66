package worker_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	cmtbytes "github.com/cometbft/cometbft/libs/bytes"
	rpcclient "github.com/cometbft/cometbft/rpc/client"
	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
	coretypes "github.com/cometbft/cometbft/rpc/core/types"

	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/crypto/keyring"
	"github.com/phalanx-net/phalanx/devnet"
	"github.com/phalanx-net/phalanx/devnet/devnettest"
	"github.com/phalanx-net/phalanx/enclave"
	"github.com/phalanx-net/phalanx/internal/syncbuf"
	"github.com/phalanx-net/phalanx/sdk/client"
	"github.com/phalanx-net/phalanx/tee"
	"github.com/phalanx-net/phalanx/worker"
	"github.com/phalanx-net/phalanx/worker/follow"
)

// lyingNode serves the real chain, except that it alters the headers
// above forgeFrom (if set) or the values of chain-to-enclave messages
// (if forgeMessages is set): what a compromised or malicious node would do.
type lyingNode struct {
	rpcclient.Client
	forgeFrom     atomic.Int64
	forgeMessages atomic.Bool
}

func (n *lyingNode) Commit(ctx context.Context, h *int64) (*coretypes.ResultCommit, error) {
	res, err := n.Client.Commit(ctx, h)
	if err != nil || res == nil || res.SignedHeader.Header == nil {
		return res, err
	}
	if f := n.forgeFrom.Load(); f > 0 && res.Height >= f {
		hdr := *res.SignedHeader.Header
		hdr.AppHash = bytes.Repeat([]byte{0x42}, 32) // a state the validators never signed
		res.SignedHeader.Header = &hdr
	}
	return res, nil
}

func (n *lyingNode) ABCIQueryWithOptions(ctx context.Context, path string, data cmtbytes.HexBytes, o rpcclient.ABCIQueryOptions) (*coretypes.ResultABCIQuery, error) {
	res, err := n.Client.ABCIQueryWithOptions(ctx, path, data, o)
	if err != nil || !n.forgeMessages.Load() {
		return res, err
	}
	if bytes.HasPrefix(data, []byte("mq/egress/")) && res.Response.Value != nil {
		v := append([]byte(nil), res.Response.Value...)
		v[len(v)-1] ^= 1 // the payload's last byte
		res.Response.Value = v
	}
	return res, nil
}

type fixture struct {
	d    *devnet.Devnet
	kr   *keyring.Keyring
	info devnet.Info
}

func startDevnet(t *testing.T) fixture {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	n := devnettest.Start(t, ctx, devnet.Config{Gatekeepers: 1, BlockTime: 100 * time.Millisecond})
	return fixture{d: n.Devnet, kr: n.Keyring, info: n.Info}
}

func (f fixture) worker(t *testing.T, ctx context.Context, operator string, node *lyingNode) *worker.Worker {
	t.Helper()
	op, err := f.kr.PrivateKey(operator)
	if err != nil {
		t.Fatal(err)
	}
	w, err := worker.New(ctx, worker.Config{Home: t.TempDir(), RPC: node, Operator: op, Platform: tee.Sim, Poll: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func (f fixture) node(t *testing.T) *lyingNode {
	t.Helper()
	c, err := rpchttp.New(f.info.Gatekeepers[0].RPC)
	if err != nil {
		t.Fatal(err)
	}
	return &lyingNode{Client: c}
}

// TestWorkerRefusesForgedHeadersAndMessages runs workers against a node
// that lies, and checks that they stop instead of believing it.
func TestWorkerRefusesForgedHeadersAndMessages(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a network")
	}
	f := startDevnet(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	t.Run("forged header", func(t *testing.T) {
		if err := f.d.WaitHeight(ctx, 12); err != nil {
			t.Fatal(err)
		}
		node := f.node(t)
		forgeAt := f.d.Gatekeeper(0).Height() - 5
		node.forgeFrom.Store(forgeAt)
		w := f.worker(t, ctx, "alice", node)
		rctx, rcancel := context.WithTimeout(ctx, 30*time.Second)
		defer rcancel()
		err := w.Run(rctx)
		if !errors.Is(err, follow.ErrVerification) {
			t.Fatalf("worker followed a forged header: Run returned %v", err)
		}
		if h := w.Status().Height; h >= forgeAt {
			t.Fatalf("worker trusts height %d; the header at %d was forged", h, forgeAt)
		}
	})

	t.Run("forged message", func(t *testing.T) {
		node := f.node(t)
		w := f.worker(t, ctx, "bob", node)
		// The node alters every chain message to the worker; the worker's
		// registration (its record, not a message) goes through, and the
		// chain's "registered" message is the first one forged.
		node.forgeMessages.Store(true)
		rctx, rcancel := context.WithTimeout(ctx, 30*time.Second)
		defer rcancel()
		err := w.Run(rctx)
		if !errors.Is(err, follow.ErrBadProof) {
			t.Fatalf("worker accepted a forged message: Run returned %v", err)
		}
		if p := w.Status().Processed; p != 0 {
			t.Fatalf("worker processed %d forged messages", p)
		}
		select {
		case <-w.Registered():
		default:
			t.Fatal("the worker stopped before it registered; the forged message was never reached")
		}
	})
}

// TestWorkerWaitsForFundsAndStopsOnRefusal: a worker whose operator has no
// funds says so and registers once funded; a worker the chain refuses for
// good (the platform, the measurement) stops with the reason.
func TestWorkerWaitsForFundsAndStopsOnRefusal(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a network")
	}
	f := startDevnet(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cl, err := client.New(f.info.Gatekeepers[0].RPC)
	if err != nil {
		t.Fatal(err)
	}
	start := func(operator string, log *syncbuf.Buffer) (*worker.Worker, chan error, context.CancelFunc) {
		t.Helper()
		op, err := f.kr.PrivateKey(operator)
		if err != nil {
			t.Fatal(err)
		}
		cfg := worker.Config{Home: t.TempDir(), Nodes: []string{f.info.Gatekeepers[0].RPC}, Operator: op, Platform: tee.Sim, Poll: 50 * time.Millisecond,
			BenchmarkSpan: 3 * time.Second}
		if log != nil {
			cfg.Log = slog.New(slog.NewTextHandler(log, nil))
		}
		w, err := worker.New(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		rctx, rcancel := context.WithTimeout(ctx, time.Minute)
		done := make(chan error, 1)
		go func() { done <- w.Run(rctx) }()
		return w, done, rcancel
	}

	t.Run("operator without funds", func(t *testing.T) {
		k, err := f.kr.Add("pauper")
		if err != nil {
			t.Fatal(err)
		}
		p, err := cl.Params(ctx)
		if err != nil {
			t.Fatal(err)
		}
		fee, _ := pha.Units(worker.RegisterGas).MulUint64(p.MinGasPrice)
		want := "waiting for operator " + k.Address.String() + " to be funded: has 0 PHA, a registration needs about " + fee.PHA()
		var log syncbuf.Buffer
		w, done, stop := start("pauper", &log)
		defer stop()
		for !strings.Contains(log.String(), want) {
			select {
			case err := <-done:
				t.Fatalf("the worker stopped: %v", err)
			case <-ctx.Done():
				t.Fatalf("no %q in the log:\n%s", want, log.String())
			case <-time.After(50 * time.Millisecond):
			}
		}
		alice, err := f.kr.PrivateKey("alice")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cl.Send(ctx, alice, k.Address, pha.Tokens(10), client.TxOptions{}); err != nil {
			t.Fatal(err)
		}
		select {
		case <-w.Registered():
		case err := <-done:
			t.Fatalf("the worker stopped instead of registering: %v", err)
		case <-ctx.Done():
			t.Fatalf("not registered once funded:\n%s", log.String())
		}

		// While the new worker runs its benchmark, its operator spends
		// nearly everything: the "online" and benchmark messages that
		// follow cannot pay their fee. They wait for funds, not dropped.
		pauper, err := f.kr.PrivateKey("pauper")
		if err != nil {
			t.Fatal(err)
		}
		bal, _, err := cl.Balance(ctx, k.Address, false)
		if err != nil {
			t.Fatal(err)
		}
		keep := pha.Units(20_000_000_000) // 0.02 PHA: the send's fee, and too little for the messages
		spend, err := bal.Sub(keep)
		if err != nil {
			t.Fatal(err)
		}
		waits := strings.Count(log.String(), want)
		if _, err := cl.Send(ctx, pauper, alice.Public().Address(), spend, client.TxOptions{}); err != nil {
			t.Fatal(err)
		}
		wantWait := "waiting for operator " + k.Address.String() + " to be funded: has "
		for strings.Count(log.String(), wantWait) <= waits {
			select {
			case err := <-done:
				t.Fatalf("the worker stopped: %v", err)
			case <-ctx.Done():
				t.Fatalf("the worker did not wait for funds to post its messages:\n%s", log.String())
			case <-time.After(50 * time.Millisecond):
			}
		}
		if strings.Contains(log.String(), "dropped") {
			t.Fatalf("messages refused for want of funds were dropped:\n%s", log.String())
		}
		if _, err := cl.Send(ctx, alice, k.Address, pha.Tokens(10), client.TxOptions{}); err != nil {
			t.Fatal(err)
		}
		for {
			rec, err := cl.Worker(ctx, w.Identity(), false)
			if err == nil && rec.LastSeenHeight > 0 {
				break
			}
			select {
			case err := <-done:
				t.Fatalf("the worker stopped: %v", err)
			case <-ctx.Done():
				t.Fatalf("the worker's online message never reached the chain:\n%s", log.String())
			case <-time.After(50 * time.Millisecond):
			}
		}
		stop()
		if err := <-done; err != nil {
			t.Fatalf("Run: %v", err)
		}
	})

	// The council changes the rules; new workers are refused for good.
	dev, err := f.kr.PrivateKey("developers")
	if err != nil {
		t.Fatal(err)
	}
	setParams := func(t *testing.T, change func(*registry.Params)) {
		t.Helper()
		p, err := cl.RegistryParams(ctx)
		if err != nil {
			t.Fatal(err)
		}
		change(&p)
		if _, err := cl.Submit(ctx, dev, []module.Msg{&registry.MsgUpdateParams{Params: p}}, client.TxOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	refused := func(t *testing.T, operator string, want error, hint string) {
		t.Helper()
		_, done, stop := start(operator, nil)
		defer stop()
		var err error
		select {
		case err = <-done:
		case <-ctx.Done():
			t.Fatal("the worker kept retrying a refusal")
		}
		var r *worker.RefusedError
		if !errors.As(err, &r) || !errors.Is(err, want) || !strings.Contains(err.Error(), hint) {
			t.Fatalf("Run returned %v; want a refusal for %v saying %q", err, want, hint)
		}
	}
	t.Run("sim not allowed", func(t *testing.T) {
		setParams(t, func(p *registry.Params) { p.AllowSim = false })
		refused(t, "bob", registry.ErrSimNotAllowed, "genesis new --allow-sim")
	})
	t.Run("measurement not allowlisted", func(t *testing.T) {
		setParams(t, func(p *registry.Params) {
			p.AllowSim = true
			p.Measurements = []registry.Measurement{{Platform: tee.Sim, Value: tee.SimMeasurement(enclave.Version + 1)}}
		})
		refused(t, "carol", registry.ErrNotAllowlisted, "registry/update-params")
	})
}
