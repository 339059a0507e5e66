package enclave

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/modules/contracts"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/crypto/envelope"
	"github.com/phalanx-net/phalanx/enclave/internal/executor"
	"github.com/phalanx-net/phalanx/worker/api"
)

// Limits of the query path.
const (
	// QueryGas is the gas a query may use.
	QueryGas = 100_000_000
	// QueryTimeout bounds a query's run.
	QueryTimeout = 2 * time.Second
	maxSessions  = 10_000
	sessionIdle  = 10 * time.Minute
	maxNonces    = 1_000_000
)

// QueryChain is what a query needs of the chain: the host reads it,
// proven against the last header it verified. The enclave trusts no more
// of it than the proofs do: a host that lies about a contract gets a
// query that fails, never a plaintext.
type QueryChain interface {
	// Contract returns a contract's record; an error wrapping
	// api.ErrUnknown when the chain has none.
	Contract(ctx context.Context, id contracts.Hash) (contracts.Contract, error)
	// Left reports whether the worker has left a cluster whose key it
	// still holds: it no longer follows its contracts' state.
	Left(cluster uint64) bool
	// Code returns a code's prepared module.
	Code(ctx context.Context, h contracts.Hash) ([]byte, error)
	// Head returns the height and time of the last verified header.
	Head() (height int64, at time.Time)
}

// session is an open query session: its keys never leave the enclave.
type session struct {
	srv    *envelope.ServerSession
	caller crypto.PublicKey
	used   time.Time
}

// info is the HPKE info every query to this enclave is sealed under.
func (c *Contracts) info() string { return api.Info(c.chainID, c.e.Identity()) }

// checkTime refuses a timestamp too far from the enclave's clock.
func (c *Contracts) checkTime(ms int64) error {
	d := c.now().Sub(time.UnixMilli(ms))
	if d > api.MaxClockSkew || d < -api.MaxClockSkew {
		return fmt.Errorf("%w: %v from this worker's clock", api.ErrStale, d.Round(time.Millisecond))
	}
	return nil
}

// useNonce records a query's nonce, refusing one seen before.
func (c *Contracts) useNonce(caller crypto.PublicKey, nonce [16]byte, ms int64) error {
	var k [48]byte
	copy(k[:], caller[:])
	copy(k[32:], nonce[:])
	now := c.now().UnixMilli()
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, seen := c.nonces[k]; seen {
		return api.ErrReplay
	}
	if len(c.nonces) >= maxNonces {
		for n, until := range c.nonces {
			if until < now {
				delete(c.nonces, n)
			}
		}
		if len(c.nonces) >= maxNonces {
			return api.ErrBusy
		}
	}
	// A nonce outlives the window in which its query is accepted.
	c.nonces[k] = ms + 2*api.MaxClockSkew.Milliseconds()
	return nil
}

// Query answers a one-shot query (api.PathQuery): sealed is the request
// sealed to the enclave's encryption key, the answer is sealed to the
// caller. status is the contract's outcome, for the host's metrics. The
// errors wrap worker/api's, which say what the caller did wrong.
func (c *Contracts) Query(ctx context.Context, chain QueryChain, sealed []byte) (answer []byte, status uint8, err error) {
	plain, resp, err := envelope.OpenRequest(c.e.enc, c.info(), sealed)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: %v", api.ErrMalformed, err)
	}
	var sq api.SignedQuery
	if err := codec.Unmarshal(plain, &sq); err != nil {
		return nil, 0, fmt.Errorf("%w: %v", api.ErrMalformed, err)
	}
	if sq.Query.ChainID != c.chainID || sq.Query.Worker != c.e.Identity() {
		return nil, 0, api.ErrWrongWorker
	}
	if !sq.Verify() {
		return nil, 0, api.ErrBadSignature
	}
	if err := c.checkTime(sq.Query.Time); err != nil {
		return nil, 0, err
	}
	if err := c.useNonce(sq.Query.Caller, sq.Query.Nonce, sq.Query.Time); err != nil {
		return nil, 0, err
	}
	return c.answer(ctx, chain, resp, sq.Query.Caller, sq.Query.Contract, sq.Query.Method, sq.Query.Args)
}

// answer runs a query and seals its answer.
func (c *Contracts) answer(ctx context.Context, chain QueryChain, resp *envelope.ResponseKey, caller crypto.PublicKey, id contracts.Hash, method string, args []byte) ([]byte, uint8, error) {
	ct, err := chain.Contract(ctx, id)
	if err != nil {
		return nil, 0, err
	}
	if chain.Left(ct.Cluster) {
		return nil, 0, fmt.Errorf("%w: this worker left cluster %d, which runs contract %s: ask one of the cluster's workers", api.ErrUnknown, ct.Cluster, id)
	}
	ctx, cancel := context.WithTimeout(ctx, QueryTimeout)
	defer cancel()
	height, at := chain.Head()
	r, err := c.exec.Query(ctx, ct, caller.Address(), method, args, QueryGas, height, at, chain.Code)
	if errors.Is(err, executor.ErrNotHere) {
		return nil, 0, fmt.Errorf("%w: %v", api.ErrUnknown, err)
	} else if err != nil {
		return nil, 0, err
	}
	a := api.Answer{Status: r.Status, Output: r.Output, GasUsed: r.GasUsed, Height: height}
	if r.Status != contracts.StatusOK {
		a.Error = r.Reason()
		// The public reason only: the rest is the caller's.
		c.log.Info("query failed", "cluster", ct.Cluster, "contract", id, "status", contracts.StatusText(r.Status),
			"reason", contracts.Reason(r.Status, r.Public), "gas", r.GasUsed, "gas_limit", QueryGas)
	}
	return resp.Seal(codec.MustMarshal(a)), r.Status, nil
}

// OpenSession opens a query session (api.PathSession): body is the
// api.OpenSession the client sent, the answer is sealed to it. The
// session's keys stay in the enclave.
func (c *Contracts) OpenSession(body []byte) ([]byte, error) {
	var o api.OpenSession
	if err := codec.Unmarshal(body, &o); err != nil {
		return nil, fmt.Errorf("%w: %v", api.ErrMalformed, err)
	}
	srv, err := envelope.OpenServerSession(c.e.enc, c.info(), o.Setup)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", api.ErrMalformed, err)
	}
	seq, plain, resp, err := srv.Open(o.Hello)
	if err != nil || seq != 0 {
		return nil, fmt.Errorf("%w: the hello does not open as message 0: %v", api.ErrMalformed, err)
	}
	var h api.SignedHello
	if err := codec.Unmarshal(plain, &h); err != nil {
		return nil, fmt.Errorf("%w: %v", api.ErrMalformed, err)
	}
	if h.Hello.ChainID != c.chainID || h.Hello.Worker != c.e.Identity() || h.Hello.SessionID != srv.ID() {
		return nil, api.ErrWrongWorker
	}
	if !h.Verify() {
		return nil, api.ErrBadSignature
	}
	if err := c.checkTime(h.Hello.Time); err != nil {
		return nil, err
	}
	if err := c.addSession(srv, h.Hello.Caller); err != nil {
		return nil, err
	}
	return resp.Seal(codec.MustMarshal(api.Answer{Status: contracts.StatusOK})), nil
}

// addSession keeps a new session, making room by dropping idle ones.
func (c *Contracts) addSession(srv *envelope.ServerSession, caller crypto.PublicKey) error {
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, dup := c.sessions[srv.ID()]; dup {
		return fmt.Errorf("%w: session exists", api.ErrReplay)
	}
	if len(c.sessions) >= maxSessions {
		for id, s := range c.sessions {
			if now.Sub(s.used) > sessionIdle {
				delete(c.sessions, id)
			}
		}
	}
	if len(c.sessions) >= maxSessions {
		return api.ErrBusy
	}
	c.sessions[srv.ID()] = &session{srv: srv, caller: caller, used: now}
	return nil
}

// SessionQuery answers a query in session id (api.PathSession/{id}).
// read returns the sealed query; it is called once the session is found,
// so that a query to an unknown session is refused before its body is
// read. The answer is sealed to the session, status is as Query's.
func (c *Contracts) SessionQuery(ctx context.Context, chain QueryChain, id [16]byte, read func() ([]byte, error)) (answer []byte, status uint8, err error) {
	c.mu.Lock()
	s, ok := c.sessions[id]
	if ok {
		s.used = c.now()
	}
	c.mu.Unlock()
	if !ok {
		return nil, 0, api.ErrUnknownSession
	}
	body, err := read()
	if err != nil {
		return nil, 0, err
	}
	_, plain, resp, err := s.srv.Open(body)
	if errors.Is(err, envelope.ErrReplay) {
		return nil, 0, fmt.Errorf("%w: %v", api.ErrReplay, err)
	} else if err != nil {
		return nil, 0, fmt.Errorf("%w: %v", api.ErrMalformed, err)
	}
	var sq api.SessionQuery
	if err := codec.Unmarshal(plain, &sq); err != nil {
		return nil, 0, fmt.Errorf("%w: %v", api.ErrMalformed, err)
	}
	return c.answer(ctx, chain, resp, s.caller, sq.Contract, sq.Method, sq.Args)
}
