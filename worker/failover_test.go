package worker_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/phalanx-net/phalanx/internal/syncbuf"
	"github.com/phalanx-net/phalanx/tee"
	"github.com/phalanx-net/phalanx/worker"
)

// proxyNode forwards RPC requests to a real node; when frozen is set it
// answers status with that height, as a node that stopped following the
// chain would (it still answers everything else).
// With dropBroadcasts it passes a broadcast on and then drops the
// connection, as a node that dies before it answers.
type proxyNode struct {
	*httptest.Server
	frozen         atomic.Int64
	forgeHeaders   atomic.Bool // every header served with another app hash
	dropBroadcasts atomic.Bool
	dropped        atomic.Int32
}

var (
	latestHeight = regexp.MustCompile(`"latest_block_height":"\d+"`)
	appHash      = regexp.MustCompile(`"app_hash":"[0-9A-F]+"`)
)

func newProxy(t *testing.T, target string) *proxyNode {
	t.Helper()
	p := &proxyNode{}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		req, err := http.NewRequestWithContext(r.Context(), r.Method, target+r.URL.Path, bytes.NewReader(body))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		req.Header = r.Header.Clone()
		res, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer res.Body.Close()
		out, err := io.ReadAll(res.Body)
		if err != nil {
			return
		}
		if p.forgeHeaders.Load() && bytes.Contains(body, []byte(`"method":"commit"`)) {
			out = appHash.ReplaceAll(out, []byte(`"app_hash":"`+strings.Repeat("42", 32)+`"`))
		}
		if p.dropBroadcasts.Load() && bytes.Contains(body, []byte(`"method":"broadcast_tx_sync"`)) {
			p.dropped.Add(1)
			panic(http.ErrAbortHandler) // the transaction reached the node; the answer never comes
		}
		if f := p.frozen.Load(); f > 0 && bytes.Contains(body, []byte(`"method":"status"`)) {
			out = latestHeight.ReplaceAll(out, fmt.Appendf(nil, `"latest_block_height":"%d"`, f))
		}
		w.Header().Set("Content-Type", res.Header.Get("Content-Type"))
		w.WriteHeader(res.StatusCode)
		w.Write(out)
	}))
	t.Cleanup(p.Close)
	return p
}

// deadURL is the address of a port nothing listens on.
func deadURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

func (f fixture) startWorker(t *testing.T, ctx context.Context, operator string, nodes []string, log *syncbuf.Buffer) (*worker.Worker, chan error) {
	t.Helper()
	op, err := f.kr.PrivateKey(operator)
	if err != nil {
		t.Fatal(err)
	}
	w, err := worker.New(ctx, worker.Config{Home: t.TempDir(), Nodes: nodes, Operator: op, Platform: tee.Sim, Poll: 50 * time.Millisecond,
		NodeTimeout: time.Second, StallAfter: time.Second, BenchmarkSpan: time.Second, Log: slog.New(slog.NewTextHandler(log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- w.Run(rctx) }()
	t.Cleanup(func() {
		cancel()
		select { // (a test that saw Run return has taken its result)
		case <-done:
		case <-time.After(30 * time.Second):
		}
	})
	return w, done
}

// waitFor polls cond until it holds, the worker stops or within expires.
func waitFor(t *testing.T, within time.Duration, done chan error, log *syncbuf.Buffer, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		select {
		case err := <-done:
			t.Fatalf("the worker stopped before %s: %v\n%s", what, err, log.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s within %s:\n%s", what, within, log.String())
		}
	}
}

// TestWorkerFailsOver: a worker given several nodes depends on none of
// them. Its first node is dead from the start; its primary dies while it
// runs; its primary stops at an old height while another node goes on. It
// keeps following and processing within seconds each time.
func TestWorkerFailsOver(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a network")
	}
	f := startDevnet(t)
	gk := f.info.Gatekeepers[0].RPC
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	t.Run("dead first node, then the primary dies", func(t *testing.T) {
		primary := newProxy(t, gk)
		var log syncbuf.Buffer
		w, done := f.startWorker(t, ctx, "alice", []string{deadURL(t), primary.URL, gk}, &log)
		waitFor(t, 20*time.Second, done, &log, "registration past the dead node", func() bool {
			select {
			case <-w.Registered():
				return true
			default:
				return false
			}
		})
		if !strings.Contains(log.String(), "node does not answer") {
			t.Fatalf("the dead node was not noticed:\n%s", log.String())
		}
		primary.CloseClientConnections()
		primary.Close()
		killed := w.Status().Height
		waitFor(t, 5*time.Second, done, &log, "progress after the primary died", func() bool { return w.Status().Height >= killed+5 })
	})

	// The primary takes the registration and dies before it answers: the
	// same bytes go to the next node, which has the transaction already
	// (in its mempool or a block), and the worker waits for it by hash
	// instead of failing the round and signing a new one.
	t.Run("primary dies during a broadcast", func(t *testing.T) {
		primary := newProxy(t, gk)
		primary.dropBroadcasts.Store(true)
		var log syncbuf.Buffer
		w, done := f.startWorker(t, ctx, "carol", []string{primary.URL, gk}, &log)
		waitFor(t, 20*time.Second, done, &log, "registration", func() bool {
			select {
			case <-w.Registered():
				return true
			default:
				return false
			}
		})
		if primary.dropped.Load() == 0 {
			t.Fatal("no broadcast went through the dying primary")
		}
		if strings.Contains(log.String(), "retry_in") {
			t.Fatalf("a round failed although the transaction reached the chain:\n%s", log.String())
		}
	})

	// The primary lies: its headers name a state the validators never
	// signed. The worker refuses them and goes on with the next node.
	t.Run("lying primary", func(t *testing.T) {
		liar := newProxy(t, gk)
		liar.forgeHeaders.Store(true)
		var log syncbuf.Buffer
		w, done := f.startWorker(t, ctx, "dave", []string{liar.URL, gk}, &log)
		waitFor(t, 20*time.Second, done, &log, "registration", func() bool {
			select {
			case <-w.Registered():
				return true
			default:
				return false
			}
		})
		if !strings.Contains(log.String(), "does not verify; trying the next node") {
			t.Fatalf("the lie was not noticed:\n%s", log.String())
		}
	})

	t.Run("stalled primary", func(t *testing.T) {
		stalled := newProxy(t, gk)
		st, err := f.node(t).Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		frozen := st.SyncInfo.LatestBlockHeight
		stalled.frozen.Store(frozen)
		var log syncbuf.Buffer
		w, done := f.startWorker(t, ctx, "bob", []string{stalled.URL, gk}, &log)
		waitFor(t, 8*time.Second, done, &log, "progress past the stalled primary's height", func() bool { return w.Status().Height > frozen+5 })
		if !strings.Contains(log.String(), "switching to another node") || !strings.Contains(log.String(), fmt.Sprintf("no block past %d", frozen)) {
			t.Fatalf("no switch away from the stalled node in the log:\n%s", log.String())
		}
		waitFor(t, 20*time.Second, done, &log, "registration", func() bool {
			select {
			case <-w.Registered():
				return true
			default:
				return false
			}
		})
	})
}
