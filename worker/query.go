package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/modules/contracts"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/crypto/envelope"
	"github.com/phalanx-net/phalanx/enclave/executor"
	"github.com/phalanx-net/phalanx/worker/api"
)

// Defaults of the query server.
const (
	DefaultQueryGas     = 100_000_000
	DefaultQueryTimeout = 2 * time.Second
	maxSessions         = 10_000
	sessionIdle         = 10 * time.Minute
	maxNonces           = 1_000_000
)

// queries serves the worker's query API (worker/api).
type queries struct {
	w   *Worker
	now func() time.Time

	mu        sync.Mutex
	nonces    map[[48]byte]int64 // caller and nonce → unix ms after which it may be forgotten
	sessions  map[[16]byte]*session
	contracts map[contracts.Hash]contracts.Contract
}

type session struct {
	srv    *envelope.ServerSession
	caller crypto.PublicKey
	used   time.Time
}

func newQueries(w *Worker) *queries {
	return &queries{w: w, now: time.Now, nonces: map[[48]byte]int64{}, sessions: map[[16]byte]*session{},
		contracts: map[contracts.Hash]contracts.Contract{}}
}

// QueryHandler returns the HTTP handler of the worker's query API.
func (w *Worker) QueryHandler() http.Handler {
	q := w.queries
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+api.PathQuery, q.handleQuery)
	mux.HandleFunc("POST "+api.PathSession, q.handleOpenSession)
	mux.HandleFunc("POST "+api.PathSession+"/{id}", q.handleSessionQuery)
	mux.HandleFunc("GET "+api.PathInfo, q.handleInfo)
	mux.Handle("GET /metrics", promhttp.HandlerFor(w.metrics.reg, promhttp.HandlerOpts{}))
	return mux
}

// serveQueries serves the query API on addr until ctx ends.
func (w *Worker) serveQueries(ctx context.Context, ln net.Listener) {
	srv := &http.Server{Handler: w.QueryHandler(), ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	w.log.Info("serving queries", "addr", ln.Addr().String())
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		w.log.Error("query server stopped", "err", err)
	}
}

func fail(rw http.ResponseWriter, err error) {
	code := http.StatusBadRequest
	switch {
	case errors.Is(err, api.ErrBadSignature), errors.Is(err, api.ErrStale), errors.Is(err, api.ErrReplay):
		code = http.StatusUnauthorized
	case errors.Is(err, api.ErrUnknown), errors.Is(err, api.ErrUnknownSession):
		code = http.StatusNotFound
	case errors.Is(err, api.ErrBusy):
		code = http.StatusServiceUnavailable
	case errors.Is(err, context.DeadlineExceeded):
		code = http.StatusGatewayTimeout
	case errors.Is(err, api.ErrMalformed), errors.Is(err, api.ErrWrongWorker):
	default:
		code = http.StatusInternalServerError
	}
	http.Error(rw, err.Error(), code)
}

func readBody(r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r.Body, api.MaxBody+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", api.ErrMalformed, err)
	}
	if len(b) > api.MaxBody {
		return nil, fmt.Errorf("%w: body exceeds %d bytes", api.ErrMalformed, api.MaxBody)
	}
	return b, nil
}

func (q *queries) info() string { return api.Info(q.w.chainID, q.w.enc.Identity()) }

// checkTime refuses a timestamp too far from the worker's clock.
func (q *queries) checkTime(ms int64) error {
	d := q.now().Sub(time.UnixMilli(ms))
	if d > api.MaxClockSkew || d < -api.MaxClockSkew {
		return fmt.Errorf("%w: %v from this worker's clock", api.ErrStale, d.Round(time.Millisecond))
	}
	return nil
}

// useNonce records a query's nonce, refusing one seen before.
func (q *queries) useNonce(caller crypto.PublicKey, nonce [16]byte, ms int64) error {
	var k [48]byte
	copy(k[:], caller[:])
	copy(k[32:], nonce[:])
	now := q.now().UnixMilli()
	q.mu.Lock()
	defer q.mu.Unlock()
	if _, seen := q.nonces[k]; seen {
		return api.ErrReplay
	}
	if len(q.nonces) >= maxNonces {
		for n, until := range q.nonces {
			if until < now {
				delete(q.nonces, n)
			}
		}
		if len(q.nonces) >= maxNonces {
			return api.ErrBusy
		}
	}
	// A nonce outlives the window in which its query is accepted.
	q.nonces[k] = ms + 2*api.MaxClockSkew.Milliseconds()
	return nil
}

func (q *queries) handleQuery(rw http.ResponseWriter, r *http.Request) {
	body, err := readBody(r)
	if err != nil {
		fail(rw, err)
		return
	}
	plain, resp, err := q.w.enc.OpenRequest(q.info(), body)
	if err != nil {
		fail(rw, fmt.Errorf("%w: %v", api.ErrMalformed, err))
		return
	}
	var sq api.SignedQuery
	if err := codec.Unmarshal(plain, &sq); err != nil {
		fail(rw, fmt.Errorf("%w: %v", api.ErrMalformed, err))
		return
	}
	if sq.Query.ChainID != q.w.chainID || sq.Query.Worker != q.w.enc.Identity() {
		fail(rw, api.ErrWrongWorker)
		return
	}
	if !sq.Verify() {
		fail(rw, api.ErrBadSignature)
		return
	}
	if err := q.checkTime(sq.Query.Time); err != nil {
		fail(rw, err)
		return
	}
	if err := q.useNonce(sq.Query.Caller, sq.Query.Nonce, sq.Query.Time); err != nil {
		fail(rw, err)
		return
	}
	q.answer(rw, r.Context(), "one-shot", resp, sq.Query.Caller, sq.Query.Contract, sq.Query.Method, sq.Query.Args)
}

// answer runs a query and writes its sealed answer.
func (q *queries) answer(rw http.ResponseWriter, ctx context.Context, mode string, resp *envelope.ResponseKey, caller crypto.PublicKey, id contracts.Hash, method string, args []byte) {
	start := time.Now()
	outcome := "error"
	defer func() { q.w.metrics.queries.WithLabelValues(mode, outcome).Observe(time.Since(start).Seconds()) }()
	ct, err := q.contract(ctx, id)
	if err != nil {
		fail(rw, err)
		return
	}
	if _, gone := q.w.left.Load(ct.Cluster); gone {
		fail(rw, fmt.Errorf("%w: this worker left cluster %d, which runs contract %s: ask one of the cluster's workers", api.ErrUnknown, ct.Cluster, id))
		return
	}
	ctx, cancel := context.WithTimeout(ctx, DefaultQueryTimeout)
	defer cancel()
	var height int64
	var at time.Time
	if lb := q.w.follower.Trusted(); lb != nil {
		height, at = lb.Height, lb.Time
	}
	r, err := q.w.exec.Query(ctx, ct, caller.Address(), method, args, DefaultQueryGas, height, at, q.w.loadCode)
	if errors.Is(err, executor.ErrNotHere) {
		fail(rw, fmt.Errorf("%w: %v", api.ErrUnknown, err))
		return
	} else if err != nil {
		fail(rw, err)
		return
	}
	outcome = contracts.StatusText(r.Status)
	a := api.Answer{Status: r.Status, Output: r.Output, GasUsed: r.GasUsed, Height: height}
	if r.Status != contracts.StatusOK {
		a.Error = r.Reason()
		// The public reason only: the rest is the caller's.
		q.w.log.Info("query failed", "cluster", ct.Cluster, "contract", id, "status", contracts.StatusText(r.Status),
			"reason", contracts.Reason(r.Status, r.Public), "gas", r.GasUsed, "gas_limit", DefaultQueryGas)
	}
	rw.Header().Set("Content-Type", "application/octet-stream")
	rw.Write(resp.Seal(codec.MustMarshal(a)))
}

// contract returns a contract's record, proven against the chain and
// cached (the fields a query needs never change).
func (q *queries) contract(ctx context.Context, id contracts.Hash) (contracts.Contract, error) {
	q.mu.Lock()
	ct, ok := q.contracts[id]
	q.mu.Unlock()
	if ok {
		return ct, nil
	}
	raw, err := q.w.prove(ctx, contracts.ContractKey(id))
	if err != nil {
		return ct, err
	}
	if raw == nil {
		return ct, fmt.Errorf("%w: %s", api.ErrUnknown, id)
	}
	if ct, err = contracts.Decode[contracts.Contract](raw); err != nil {
		return ct, err
	}
	q.mu.Lock()
	q.contracts[id] = ct
	q.mu.Unlock()
	return ct, nil
}

func (q *queries) handleOpenSession(rw http.ResponseWriter, r *http.Request) {
	body, err := readBody(r)
	if err != nil {
		fail(rw, err)
		return
	}
	var o api.OpenSession
	if err := codec.Unmarshal(body, &o); err != nil {
		fail(rw, fmt.Errorf("%w: %v", api.ErrMalformed, err))
		return
	}
	srv, err := q.w.enc.OpenSession(q.info(), o.Setup)
	if err != nil {
		fail(rw, fmt.Errorf("%w: %v", api.ErrMalformed, err))
		return
	}
	seq, plain, resp, err := srv.Open(o.Hello)
	if err != nil || seq != 0 {
		fail(rw, fmt.Errorf("%w: the hello does not open as message 0: %v", api.ErrMalformed, err))
		return
	}
	var h api.SignedHello
	if err := codec.Unmarshal(plain, &h); err != nil {
		fail(rw, fmt.Errorf("%w: %v", api.ErrMalformed, err))
		return
	}
	if h.Hello.ChainID != q.w.chainID || h.Hello.Worker != q.w.enc.Identity() || h.Hello.SessionID != srv.ID() {
		fail(rw, api.ErrWrongWorker)
		return
	}
	if !h.Verify() {
		fail(rw, api.ErrBadSignature)
		return
	}
	if err := q.checkTime(h.Hello.Time); err != nil {
		fail(rw, err)
		return
	}
	now := q.now()
	q.mu.Lock()
	if _, dup := q.sessions[srv.ID()]; dup {
		q.mu.Unlock()
		fail(rw, fmt.Errorf("%w: session exists", api.ErrReplay))
		return
	}
	if len(q.sessions) >= maxSessions {
		for id, s := range q.sessions {
			if now.Sub(s.used) > sessionIdle {
				delete(q.sessions, id)
			}
		}
	}
	if len(q.sessions) >= maxSessions {
		q.mu.Unlock()
		fail(rw, api.ErrBusy)
		return
	}
	q.sessions[srv.ID()] = &session{srv: srv, caller: h.Hello.Caller, used: now}
	q.mu.Unlock()
	rw.Write(resp.Seal(codec.MustMarshal(api.Answer{Status: contracts.StatusOK})))
}

func (q *queries) handleSessionQuery(rw http.ResponseWriter, r *http.Request) {
	id, err := api.ParseSessionID(r.PathValue("id"))
	if err != nil {
		fail(rw, err)
		return
	}
	q.mu.Lock()
	s, ok := q.sessions[id]
	if ok {
		s.used = q.now()
	}
	q.mu.Unlock()
	if !ok {
		fail(rw, api.ErrUnknownSession)
		return
	}
	body, err := readBody(r)
	if err != nil {
		fail(rw, err)
		return
	}
	_, plain, resp, err := s.srv.Open(body)
	if errors.Is(err, envelope.ErrReplay) {
		fail(rw, fmt.Errorf("%w: %v", api.ErrReplay, err))
		return
	} else if err != nil {
		fail(rw, fmt.Errorf("%w: %v", api.ErrMalformed, err))
		return
	}
	var sq api.SessionQuery
	if err := codec.Unmarshal(plain, &sq); err != nil {
		fail(rw, fmt.Errorf("%w: %v", api.ErrMalformed, err))
		return
	}
	q.answer(rw, r.Context(), "session", resp, s.caller, sq.Contract, sq.Method, sq.Args)
}

func (q *queries) handleInfo(rw http.ResponseWriter, _ *http.Request) {
	st := q.w.Status()
	rw.Header().Set("Content-Type", "application/json")
	json.NewEncoder(rw).Encode(api.WorkerInfo{ChainID: st.ChainID, Worker: st.Identity, Height: st.Height, Clusters: q.w.enc.Clusters()})
}

// QueryUnsealed runs a query in-process, without the envelope, the
// signature or HTTP: the contract's own cost, for benchmarks to compare
// the encrypted API with. The network API has no such path.
func (w *Worker) QueryUnsealed(ctx context.Context, id contracts.Hash, caller crypto.Address, method string, args []byte) (uint8, []byte, error) {
	if w.exec == nil {
		return 0, nil, errors.New("not a worker")
	}
	ct, err := w.queries.contract(ctx, id)
	if err != nil {
		return 0, nil, err
	}
	var height int64
	var at time.Time
	if lb := w.follower.Trusted(); lb != nil {
		height, at = lb.Height, lb.Time
	}
	r, err := w.exec.Query(ctx, ct, caller, method, args, DefaultQueryGas, height, at, w.loadCode)
	return r.Status, r.Output, err
}
