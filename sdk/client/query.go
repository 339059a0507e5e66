package client

import (
	"bytes"
	"context"
	"crypto/hpke"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/modules/contracts"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/crypto/envelope"
	"github.com/phalanx-net/phalanx/worker/api"
)

// QueryError is a worker's refusal of a query (an HTTP error).
type QueryError struct {
	Status  int
	Message string
}

func (e *QueryError) Error() string {
	return fmt.Sprintf("worker refused the query (%d %s): %s", e.Status, http.StatusText(e.Status), e.Message)
}

// Workers is an HTTP client for workers' query APIs: pooled connections,
// bounded answers.
var Workers = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

// QueryClient sends encrypted, signed queries to one worker as one caller.
type QueryClient struct {
	url     string
	chainID string
	worker  crypto.PublicKey
	pk      hpke.PublicKey
	caller  crypto.PrivateKey
}

// NewQueryClient prepares queries to the worker whose API is at url. The
// worker's encryption key comes from the chain's registry, proven, not
// from the worker: only the attested enclave can read the queries.
func (c *Client) NewQueryClient(ctx context.Context, worker crypto.PublicKey, url string, caller crypto.PrivateKey) (*QueryClient, error) {
	rec, err := c.Worker(ctx, worker, true)
	if err != nil {
		return nil, err
	}
	pk, err := crypto.ParseEncryptionPublicKey(rec.EncryptionKey)
	if err != nil {
		return nil, err
	}
	chainID, err := c.ChainID(ctx)
	if err != nil {
		return nil, err
	}
	return &QueryClient{url: strings.TrimRight(url, "/"), chainID: chainID, worker: worker, pk: pk, caller: caller}, nil
}

func post(ctx context.Context, url string, body []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	res, err := Workers.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		return nil, &QueryError{Status: res.StatusCode, Message: strings.TrimSpace(string(b))}
	}
	return b, nil
}

func openAnswer(resp *envelope.ResponseKey, sealed []byte) (*api.Answer, error) {
	plain, err := resp.Open(sealed)
	if err != nil {
		return nil, fmt.Errorf("the answer does not decrypt: %w", err)
	}
	var a api.Answer
	if err := codec.Unmarshal(plain, &a); err != nil {
		return nil, fmt.Errorf("answer: %w", err)
	}
	return &a, nil
}

// Query runs method read-only on a contract, in one round trip: one HPKE
// setup and one signature per query.
func (q *QueryClient) Query(ctx context.Context, contract contracts.Hash, method string, args []byte) (*api.Answer, error) {
	sq := api.NewSignedQuery(q.caller, api.Query{ChainID: q.chainID, Worker: q.worker, Contract: contract, Method: method, Args: args}, time.Now())
	req, resp, err := envelope.SealRequest(q.pk, api.Info(q.chainID, q.worker), codec.MustMarshal(sq))
	if err != nil {
		return nil, err
	}
	sealed, err := post(ctx, q.url+api.PathQuery, req)
	if err != nil {
		return nil, err
	}
	return openAnswer(resp, sealed)
}

// QuerySession is an open session with a worker: each query costs one
// AEAD operation each way. It is safe for concurrent use.
type QuerySession struct {
	url string
	s   *envelope.ClientSession
}

// OpenSession opens a session, authenticated once by the caller's
// signature.
func (q *QueryClient) OpenSession(ctx context.Context) (*QuerySession, error) {
	setup, s, err := envelope.NewClientSession(q.pk, api.Info(q.chainID, q.worker))
	if err != nil {
		return nil, err
	}
	hello := api.NewSignedHello(q.caller, api.Hello{ChainID: q.chainID, Worker: q.worker, SessionID: s.ID()}, time.Now())
	msg, resp, err := s.Seal(codec.MustMarshal(hello))
	if err != nil {
		return nil, err
	}
	sealed, err := post(ctx, q.url+api.PathSession, codec.MustMarshal(api.OpenSession{Setup: setup, Hello: msg}))
	if err != nil {
		return nil, err
	}
	if _, err := openAnswer(resp, sealed); err != nil {
		return nil, err
	}
	return &QuerySession{url: q.url + api.PathSession + "/" + api.SessionIDString(s.ID()), s: s}, nil
}

// Query runs method read-only on a contract within the session.
func (s *QuerySession) Query(ctx context.Context, contract contracts.Hash, method string, args []byte) (*api.Answer, error) {
	msg, resp, err := s.s.Seal(codec.MustMarshal(api.SessionQuery{Contract: contract, Method: method, Args: args}))
	if err != nil {
		return nil, err
	}
	sealed, err := post(ctx, s.url, msg)
	if err != nil {
		return nil, err
	}
	return openAnswer(resp, sealed)
}
