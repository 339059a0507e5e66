package worker_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	cmtbytes "github.com/cometbft/cometbft/libs/bytes"
	rpcclient "github.com/cometbft/cometbft/rpc/client"
	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
	coretypes "github.com/cometbft/cometbft/rpc/core/types"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/modules/keys"
	"github.com/phalanx-net/phalanx/enclave"
	"github.com/phalanx-net/phalanx/tee"
	"github.com/phalanx-net/phalanx/worker"
)

// A worker whose sealing root the gatekeepers' key manager releases
// (what a TDX worker does; sim with TEE.Released here) asks the chain for
// it at every start, registers and works, keeps no key file, and
// recovers its identity when it starts again.
func TestWorkerSealingRootFromTheKeyManager(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a network")
	}
	f := startDevnet(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	op, err := f.kr.PrivateKey("alice")
	if err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	cfg := worker.Config{Home: home, Nodes: []string{f.info.Gatekeepers[0].RPC}, Operator: op, Platform: tee.Sim,
		TEE: tee.Options{Released: true}, Poll: 50 * time.Millisecond, BenchmarkSpan: time.Second}
	w, err := worker.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	id := w.Identity()
	rctx, rcancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- w.Run(rctx) }()
	select {
	case <-w.Registered():
	case err := <-done:
		t.Fatalf("the worker stopped before it registered: %v", err)
	case <-ctx.Done():
		t.Fatal("the worker did not register")
	}
	rcancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(home, tee.SimSealingKeyFile)); err == nil {
		t.Fatal("the worker wrote a sealing key file")
	}
	if _, err := os.Stat(filepath.Join(home, enclave.WrappedKeyFile)); err != nil {
		t.Fatalf("no wrapped disk key: %v", err)
	}

	again, err := worker.New(ctx, cfg)
	if err != nil {
		t.Fatalf("restart: %v", err)
	}
	if again.Identity() != id {
		t.Fatalf("the restarted worker is %s, was %s", again.Identity(), id)
	}
	if err := again.Round(ctx); err != nil {
		t.Fatalf("the restarted worker's first round: %v", err)
	}
	if err := again.Close(ctx); err != nil {
		t.Fatal(err)
	}

	// A node that alters the answer it gives without a proof: the disk
	// key does not open with it, the host asks again with a proof, and
	// the worker is the same.
	c, err := rpchttp.New(f.info.Gatekeepers[0].RPC)
	if err != nil {
		t.Fatal(err)
	}
	liar := &rootLiar{HTTP: c}
	cfg.Nodes, cfg.RPC = nil, liar
	third, err := worker.New(ctx, cfg)
	if err != nil {
		t.Fatalf("restart through a node that alters the answer: %v", err)
	}
	defer third.Close(ctx)
	if third.Identity() != id || liar.altered.Load() == 0 {
		t.Fatalf("the worker is %s (was %s); %d answers altered", third.Identity(), id, liar.altered.Load())
	}
}

// rootLiar alters every sealing root answer it serves without a proof.
type rootLiar struct {
	*rpchttp.HTTP
	altered atomic.Int32
}

func (n *rootLiar) ABCIQuery(ctx context.Context, path string, data cmtbytes.HexBytes) (*coretypes.ResultABCIQuery, error) {
	return n.ABCIQueryWithOptions(ctx, path, data, rpcclient.DefaultABCIQueryOptions)
}

func (n *rootLiar) ABCIQueryWithOptions(ctx context.Context, path string, data cmtbytes.HexBytes, o rpcclient.ABCIQueryOptions) (*coretypes.ResultABCIQuery, error) {
	res, err := n.HTTP.ABCIQueryWithOptions(ctx, path, data, o)
	if err == nil && !o.Prove && bytes.HasPrefix(data, []byte("keys/root/answer/")) && len(res.Response.Value) > 0 {
		a, derr := keys.DecodeRootAnswer(res.Response.Value)
		if derr == nil && len(a.Sealed) > 0 {
			a.Sealed = append([]byte(nil), a.Sealed...)
			a.Sealed[len(a.Sealed)-1] ^= 1
			res.Response.Value = codec.MustMarshal(a)
			n.altered.Add(1)
		}
	}
	return res, err
}
