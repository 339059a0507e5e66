package worker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cometbft/cometbft/light"

	"github.com/phalanx-net/phalanx/worker/follow"
)

func TestNewNodesRefusesBadLists(t *testing.T) {
	for _, tc := range []struct {
		addrs []string
		want  string
	}{
		{nil, "no node address given"},
		{[]string{"127.0.0.1:26657", "http://127.0.0.1:26657"}, "is given twice"},
		{[]string{"127.0.0.1:26657", "ftp://x:1"}, `scheme "ftp"`},
		{[]string{"unix:///run/phalanx/rpc.sock"}, "over http or https"},
	} {
		_, err := newNodes(tc.addrs, time.Second, time.Second, slog.New(slog.DiscardHandler))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("newNodes(%q) = %v; want an error saying %q", tc.addrs, err, tc.want)
		}
	}
}

// The failover transport sends a request that failed on the primary to
// the next node with the same body, and that node is the primary after.
func TestNodesResendTheSameBytes(t *testing.T) {
	var downHits atomic.Int32
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		downHits.Add(1)
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	defer down.Close()
	var got atomic.Value
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got.Store(b)
		w.Write([]byte("ok"))
	}))
	defer up.Close()
	stop := make(chan struct{})
	hung := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-stop }))
	defer hung.Close()
	defer close(stop)

	n, err := newNodes([]string{hung.URL, down.URL, up.URL}, 200*time.Millisecond, time.Second, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"method":"broadcast_tx_sync","params":{"tx":"c2lnbmVk"}}`)
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, hung.URL, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	res, err := (&http.Client{Transport: n}).Do(req)
	if err != nil {
		t.Fatalf("request through the nodes: %v", err)
	}
	res.Body.Close()
	if b, _ := got.Load().([]byte); !bytes.Equal(b, body) {
		t.Fatalf("the last node got %q; want the same bytes %q", b, body)
	}
	if downHits.Load() != 1 || n.Primary() != n.urls[2] {
		t.Fatalf("down asked %d times, primary %s; want 1 and %s", downHits.Load(), n.Primary(), n.urls[2])
	}
	// The witnesses of a cross-check are the nodes other than the
	// primary, without those the watch found silent.
	n.silent = []bool{true, false, false}
	p, ws := n.providers("c")()
	if !strings.Contains(p.(interface{ String() string }).String(), up.URL) || len(ws) != 1 || !strings.Contains(ws[0].(interface{ String() string }).String(), down.URL) {
		t.Fatalf("primary %v, witnesses %v; want %s and only %s", p, ws, up.URL, down.URL)
	}
}

// A conflicting header stops the worker: no other node can fix it, so it
// is neither retried nor blamed on the primary. A header that does not
// verify is blamed on the primary while there are other nodes to ask.
func TestConflictStopsTheWorker(t *testing.T) {
	n, err := newNodes([]string{"127.0.0.1:1", "127.0.0.1:2"}, time.Second, time.Second, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	w := &Host{nodes: n}
	conflict := fmt.Errorf("sync: %w", &follow.ConflictError{Height: 8, Err: light.ErrLightClientAttack})
	if isTransient(conflict) || w.nodeLied(conflict) {
		t.Fatalf("a conflicting header is transient (%v) or a node's lie (%v); want neither", isTransient(conflict), w.nodeLied(conflict))
	}
	bad := &follow.VerificationError{Height: 8, Err: errors.New("bad signature")}
	if isTransient(bad) || !w.nodeLied(bad) {
		t.Fatalf("a header that does not verify: transient %v, a node's lie %v; want false, true", isTransient(bad), w.nodeLied(bad))
	}
	if (&Host{}).nodeLied(bad) {
		t.Fatal("with one node, a header that does not verify is blamed on it and retried elsewhere; want the worker to stop")
	}
}
