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

	"github.com/phalanx-net/phalanx/chain/modules/contracts"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/enclave"
	"github.com/phalanx-net/phalanx/worker/api"
)

// Defaults of the query server: the enclave's limits.
const (
	DefaultQueryGas     = enclave.QueryGas
	DefaultQueryTimeout = enclave.QueryTimeout
)

// queries serves the worker's query API (worker/api). It moves bytes
// between HTTP and the enclave, which opens the queries and seals the
// answers, and reads for it what it needs of the chain (QueryChain).
type queries struct {
	w *Worker

	mu        sync.Mutex
	contracts map[contracts.Hash]contracts.Contract
}

func newQueries(w *Worker) *queries {
	return &queries{w: w, contracts: map[contracts.Hash]contracts.Contract{}}
}

var _ enclave.QueryChain = (*queries)(nil)

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

// refusedUnopened reports whether the enclave refused a query before it
// ran it (it does not open, is not signed, is stale or replayed): the
// metrics count the queries that ran.
func refusedUnopened(err error) bool {
	for _, e := range []error{api.ErrMalformed, api.ErrWrongWorker, api.ErrBadSignature, api.ErrStale, api.ErrReplay, api.ErrBusy, api.ErrUnknownSession} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
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

func (q *queries) handleQuery(rw http.ResponseWriter, r *http.Request) {
	body, err := readBody(r)
	if err != nil {
		fail(rw, err)
		return
	}
	q.reply(rw, "one-shot", func() ([]byte, uint8, error) { return q.w.contracts.Query(r.Context(), q, body) })
}

// reply writes the enclave's sealed answer, or its refusal, and records
// the time of each query that ran by mode and outcome.
func (q *queries) reply(rw http.ResponseWriter, mode string, run func() ([]byte, uint8, error)) {
	start := time.Now()
	answer, status, err := run()
	outcome := "error"
	if err == nil {
		outcome = contracts.StatusText(status)
	}
	if !refusedUnopened(err) {
		q.w.metrics.queries.WithLabelValues(mode, outcome).Observe(time.Since(start).Seconds())
	}
	if err != nil {
		fail(rw, err)
		return
	}
	rw.Header().Set("Content-Type", "application/octet-stream")
	rw.Write(answer)
}

// contract returns a contract's record, proven against the chain and
// cached (the fields a query needs never change).
func (q *queries) Contract(ctx context.Context, id contracts.Hash) (contracts.Contract, error) {
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

// Left reports whether the worker left a cluster (executeCommands keeps
// the set).
func (q *queries) Left(cluster uint64) bool {
	_, gone := q.w.left.Load(cluster)
	return gone
}

// Code returns a code's prepared module, proven against the chain.
func (q *queries) Code(ctx context.Context, h contracts.Hash) ([]byte, error) {
	return q.w.loadCode(ctx, h)
}

// Head returns the last verified height and time.
func (q *queries) Head() (int64, time.Time) {
	if lb := q.w.follower.Trusted(); lb != nil {
		return lb.Height, lb.Time
	}
	return 0, time.Time{}
}

func (q *queries) handleOpenSession(rw http.ResponseWriter, r *http.Request) {
	body, err := readBody(r)
	if err != nil {
		fail(rw, err)
		return
	}
	answer, err := q.w.contracts.OpenSession(body)
	if err != nil {
		fail(rw, err)
		return
	}
	rw.Write(answer)
}

func (q *queries) handleSessionQuery(rw http.ResponseWriter, r *http.Request) {
	id, err := api.ParseSessionID(r.PathValue("id"))
	if err != nil {
		fail(rw, err)
		return
	}
	q.reply(rw, "session", func() ([]byte, uint8, error) {
		return q.w.contracts.SessionQuery(r.Context(), q, id, func() ([]byte, error) { return readBody(r) })
	})
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
	if w.contracts == nil {
		return 0, nil, errors.New("not a worker")
	}
	return w.contracts.QueryUnsealed(ctx, w.queries, id, caller, method, args)
}
