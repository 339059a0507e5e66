package worker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/cometbft/cometbft/light/provider"
	lighthttp "github.com/cometbft/cometbft/light/provider/http"
	rpchttp "github.com/cometbft/cometbft/rpc/client/http"

	"github.com/phalanx-net/phalanx/sdk/client"
	"github.com/phalanx-net/phalanx/worker/follow"
)

// MaxResponseBytes bounds one RPC response. CometBFT's HTTP client reads
// a whole response into memory; the node is not trusted, so a response
// larger than any honest one (a batch of commits is tens of KB) is cut
// off and fails to decode instead of exhausting the worker's memory.
const MaxResponseBytes = 64 << 20

// Defaults of Config's node settings.
const (
	// DefaultNodeTimeout bounds one request to a node: a node that takes
	// longer counts as failed, and the request goes to the next one.
	DefaultNodeTimeout = 5 * time.Second
	// DefaultStallAfter is how long the primary may go without a new
	// block while another node has a higher one before the worker
	// switches to that node.
	DefaultStallAfter = 5 * time.Second
)

// nodes are the gatekeepers (or full nodes) a worker talks to. One is the
// primary: every request of the worker (headers, proofs, broadcasts) goes
// to it through rpc, and on to the next node, with the same bytes, when it
// fails at the transport level or does not answer within timeout; the
// next one is then the primary. watch also moves the primary away from a
// node that answers but has stopped at an old height. The others are the
// light client's witnesses. None of them is trusted: the follower
// verifies what they serve.
type nodes struct {
	urls    []string
	parsed  []*url.URL
	pinned  []*rpchttp.HTTP // one client per node, bounded by contexts only
	rpc     *rpchttp.HTTP   // the failover client: always the primary
	timeout time.Duration
	stall   time.Duration
	log     *slog.Logger

	mu      sync.Mutex
	primary int
	silent  []bool // nodes that did not answer watch's last status request
}

func newNodes(addrs []string, timeout, stall time.Duration, log *slog.Logger) (*nodes, error) {
	if len(addrs) == 0 {
		return nil, errors.New("no node address given")
	}
	n := &nodes{timeout: timeout, stall: stall, log: log}
	seen := map[string]bool{}
	for _, a := range addrs {
		u, err := client.NodeURL(a)
		if err != nil {
			return nil, err
		}
		if seen[u] {
			return nil, fmt.Errorf("node %s is given twice", u)
		}
		seen[u] = true
		pu, err := url.Parse(u)
		if err != nil {
			return nil, fmt.Errorf("node address %q: %w", a, err)
		}
		if pu.Scheme == "unix" {
			return nil, fmt.Errorf("node address %q: the worker talks to nodes over http or https", a)
		}
		// No http.Client timeout: CometBFT's light provider retries with
		// sleeps on one; contexts bound every request instead.
		c, err := rpchttp.NewWithClient(u, &http.Client{Transport: limitedTransport{next: http.DefaultTransport, max: MaxResponseBytes}})
		if err != nil {
			return nil, fmt.Errorf("rpc client for %s: %w", u, err)
		}
		n.urls, n.parsed, n.pinned = append(n.urls, u), append(n.parsed, pu), append(n.pinned, c)
	}
	c, err := rpchttp.NewWithClient(n.urls[0], &http.Client{Transport: n})
	if err != nil {
		return nil, fmt.Errorf("rpc client for %s: %w", n.urls[0], err)
	}
	n.rpc = c
	return n, nil
}

func (n *nodes) current() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.primary
}

// Primary returns the URL of the primary node.
func (n *nodes) Primary() string { return n.urls[n.current()] }

// switchFrom makes the node after from the primary, if from still is.
func (n *nodes) switchFrom(from int, why string) {
	n.switchTo(from, (from+1)%len(n.urls), why)
}

func (n *nodes) switchTo(from, to int, why string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.primary != from || from == to {
		return
	}
	n.primary = to
	n.log.Warn("switching to another node", "from", n.urls[from], "to", n.urls[to], "why", why)
}

// choose makes the first node that answers the primary.
func (n *nodes) choose(ctx context.Context) {
	for i, c := range n.pinned {
		rctx, cancel := context.WithTimeout(ctx, n.timeout)
		_, err := c.Status(rctx)
		cancel()
		if err == nil {
			n.mu.Lock()
			n.primary = i
			n.mu.Unlock()
			return
		}
		n.log.Warn("node does not answer", "node", n.urls[i], "err", err)
	}
}

// RoundTrip sends a request of the failover client to the primary, and
// to the next node while nodes fail. The body is sent again as it is, so
// a broadcast that failed goes to the next node with the same signed
// bytes (the same nonce): it cannot apply twice.
func (n *nodes) RoundTrip(req *http.Request) (*http.Response, error) {
	var errs []error
	for range n.urls {
		i := n.current()
		res, err := n.send(req, i)
		if err == nil {
			return res, nil
		}
		if req.Context().Err() != nil {
			return nil, err
		}
		errs = append(errs, err)
		n.switchFrom(i, err.Error())
	}
	return nil, fmt.Errorf("no node answered: %w", errors.Join(errs...))
}

func (n *nodes) send(req *http.Request, i int) (*http.Response, error) {
	ctx, cancel := context.WithTimeout(req.Context(), n.timeout)
	r := req.Clone(ctx)
	u := *n.parsed[i]
	r.URL, r.Host = &u, u.Host
	if req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			cancel()
			return nil, err
		}
		r.Body = body
	}
	res, err := http.DefaultTransport.RoundTrip(r)
	if err == nil && (res.StatusCode == http.StatusBadGateway || res.StatusCode == http.StatusServiceUnavailable || res.StatusCode == http.StatusGatewayTimeout) {
		res.Body.Close()
		err = fmt.Errorf("%s answered %s", n.urls[i], res.Status)
	}
	if err != nil {
		timedOut := ctx.Err() != nil && req.Context().Err() == nil
		cancel()
		if timedOut {
			// Not context.DeadlineExceeded: callers (the light client
			// among them) take that for their own deadline.
			return nil, fmt.Errorf("%s did not answer within %s", n.urls[i], n.timeout)
		}
		return nil, err
	}
	res.Body = &nodeBody{Reader: io.LimitReader(res.Body, MaxResponseBytes), body: res.Body, cancel: cancel,
		fail: func(err error) { n.switchFrom(i, "reading its answer: "+err.Error()) }}
	return res, nil
}

// nodeBody is an answer being read within the request's timeout; a node
// that stops sending halfway fails like one that does not answer.
type nodeBody struct {
	io.Reader
	body   io.Closer
	cancel context.CancelFunc
	fail   func(error)
}

func (b *nodeBody) Read(p []byte) (int, error) {
	k, err := b.Reader.Read(p)
	if err != nil && err != io.EOF {
		b.fail(err)
	}
	return k, err
}

func (b *nodeBody) Close() error {
	b.cancel()
	return b.body.Close()
}

// watch moves the primary away from a node that has stopped: one whose
// latest height (or whose answer) has not moved for longer than stall
// while another node reports a higher height. Until ctx ends.
func (n *nodes) watch(ctx context.Context) {
	if len(n.urls) < 2 {
		return
	}
	tick := min(max(n.stall/4, 50*time.Millisecond), time.Second)
	prim, last, since := -1, int64(0), time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(tick):
		}
		heights := n.heights(ctx)
		p := n.current()
		if p != prim || heights[p] > last {
			prim, last, since = p, heights[p], time.Now()
			continue
		}
		best := p
		for i, h := range heights {
			if h > heights[best] {
				best = i
			}
		}
		if heights[best] > last && time.Since(since) > n.stall {
			n.switchTo(p, best, fmt.Sprintf("no block past %d for %s while %s has %d", last, time.Since(since).Round(time.Second/10), n.urls[best], heights[best]))
		}
	}
}

// heights asks every node for its latest height; -1 for a node that does
// not answer within the timeout.
func (n *nodes) heights(ctx context.Context) []int64 {
	hs := make([]int64, len(n.pinned))
	var wg sync.WaitGroup
	for i, c := range n.pinned {
		wg.Go(func() {
			rctx, cancel := context.WithTimeout(ctx, n.timeout)
			defer cancel()
			hs[i] = -1
			if st, err := c.Status(rctx); err == nil {
				hs[i] = st.SyncInfo.LatestBlockHeight
			}
		})
	}
	wg.Wait()
	n.mu.Lock()
	n.silent = make([]bool, len(hs))
	for i, h := range hs {
		n.silent[i] = h < 0
	}
	n.mu.Unlock()
	return hs
}

// providers returns the light providers of the follower's cross-checks:
// the primary's, and every other node's as witnesses.
func (n *nodes) providers(chainID string) follow.Providers {
	ps := make([]provider.Provider, len(n.pinned))
	for i, c := range n.pinned {
		ps[i] = lighthttp.NewWithClient(chainID, c)
	}
	return func() (provider.Provider, []provider.Provider) {
		n.mu.Lock()
		p, silent := n.primary, n.silent
		n.mu.Unlock()
		// A witness that did not answer the watch's last status request
		// would only cost the cross-check its timeout; it is left out
		// while others answer, and asked again once it answers.
		var ws, all []provider.Provider
		for i, w := range ps {
			if i == p {
				continue
			}
			all = append(all, w)
			if i >= len(silent) || !silent[i] {
				ws = append(ws, w)
			}
		}
		if len(ws) == 0 {
			ws = all
		}
		return ps[p], ws
	}
}

// String lists the nodes, the primary first, for the log.
func (n *nodes) String() string {
	p := n.current()
	s := []string{n.urls[p]}
	for i, u := range n.urls {
		if i != p {
			s = append(s, u)
		}
	}
	return strings.Join(s, ", ")
}

type limitedTransport struct {
	next http.RoundTripper
	max  int64
}

func (t limitedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	res, err := t.next.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	res.Body = limitedBody{Reader: io.LimitReader(res.Body, t.max), Closer: res.Body}
	return res, nil
}

type limitedBody struct {
	io.Reader
	io.Closer
}
