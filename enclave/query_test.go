package enclave

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/modules/contracts"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/crypto/envelope"
	"github.com/phalanx-net/phalanx/worker/api"
)

// chainView is a QueryChain over one contract.
type chainView struct {
	ct   contracts.Contract
	load CodeLoader
	left bool
}

func (c *chainView) Contract(_ context.Context, id contracts.Hash) (contracts.Contract, error) {
	if id != c.ct.ID {
		return contracts.Contract{}, api.ErrUnknown
	}
	return c.ct, nil
}
func (c *chainView) Left(uint64) bool { return c.left }
func (c *chainView) Code(ctx context.Context, h contracts.Hash) ([]byte, error) {
	return c.load(ctx, h)
}
func (c *chainView) Head() (int64, time.Time) { return 6, time.Unix(1_700_000_000, 0) }

func openAnswer(t *testing.T, resp *envelope.ResponseKey, sealed []byte) api.Answer {
	t.Helper()
	plain, err := resp.Open(sealed)
	if err != nil {
		t.Fatalf("the answer does not open for the caller: %v", err)
	}
	var a api.Answer
	if err := codec.Unmarshal(plain, &a); err != nil {
		t.Fatal(err)
	}
	return a
}

// A query goes into the enclave sealed and comes out sealed to its
// caller, one-shot or in a session; the enclave checks who it is for,
// its signature and its nonce, and keeps the session's keys.
func TestQueriesAreSealedInAndOut(t *testing.T) {
	ctx := context.Background()
	dirs, encs := setup(t, 1)
	e := encs[0]
	c, err := e.OpenContracts(ctx, ContractsConfig{ChainID: chainID, Dir: dirs[0], Store: hostStore(t, dirs[0])})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	chain := &chainView{ct: contracts.Contract{ID: contracts.Hash{5}, Code: contracts.Hash{6}}, load: vaultLoader(t)}
	if v, err := c.Execute(ctx, contracts.Command{Kind: contracts.KindInstantiate, Contract: chain.ct.ID, Height: 3}, chain.ct, chain.load); err != nil || v.Status != contracts.StatusOK {
		t.Fatalf("instantiate: %+v, %v", v, err)
	}
	pk, err := crypto.ParseEncryptionPublicKey(e.EncryptionKey())
	if err != nil {
		t.Fatal(err)
	}
	info := api.Info(chainID, e.Identity())
	alice, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	seal := func(q api.Query) ([]byte, *envelope.ResponseKey) {
		t.Helper()
		req, resp, err := envelope.SealRequest(pk, info, codec.MustMarshal(api.NewSignedQuery(alice, q, time.Now())))
		if err != nil {
			t.Fatal(err)
		}
		return req, resp
	}
	q := api.Query{ChainID: chainID, Worker: e.Identity(), Contract: chain.ct.ID, Method: "my_balance", Args: []byte("{}")}

	req, resp := seal(q)
	answer, status, err := c.Query(ctx, chain, req)
	if err != nil || status != contracts.StatusOK {
		t.Fatalf("query: status %d, %v", status, err)
	}
	if a := openAnswer(t, resp, answer); a.Status != contracts.StatusOK || a.Height != 6 {
		t.Fatalf("answer %+v", a)
	}
	if _, _, err := c.Query(ctx, chain, req); !errors.Is(err, api.ErrReplay) {
		t.Fatalf("a replayed query: %v", err)
	}
	other := q
	other.Worker = crypto.PublicKey{1}
	req, _ = seal(other)
	if _, _, err := c.Query(ctx, chain, req); !errors.Is(err, api.ErrWrongWorker) {
		t.Fatalf("a query for another worker: %v", err)
	}
	if _, _, err := c.Query(ctx, chain, []byte("not sealed")); !errors.Is(err, api.ErrMalformed) {
		t.Fatalf("a query that does not open: %v", err)
	}
	chain.left = true
	req, _ = seal(q)
	if _, _, err := c.Query(ctx, chain, req); !errors.Is(err, api.ErrUnknown) {
		t.Fatalf("a query on a cluster the worker left: %v", err)
	}
	chain.left = false

	// A session: the hello opens it, then queries in it.
	setupBytes, cs, err := envelope.NewClientSession(pk, info)
	if err != nil {
		t.Fatal(err)
	}
	hello, helloResp, err := cs.Seal(codec.MustMarshal(api.NewSignedHello(alice, api.Hello{ChainID: chainID, Worker: e.Identity(), SessionID: cs.ID()}, time.Now())))
	if err != nil {
		t.Fatal(err)
	}
	ack, err := c.OpenSession(codec.MustMarshal(api.OpenSession{Setup: setupBytes, Hello: hello}))
	if err != nil {
		t.Fatal(err)
	}
	if a := openAnswer(t, helloResp, ack); a.Status != contracts.StatusOK {
		t.Fatalf("session opened with %+v", a)
	}
	msg, msgResp, err := cs.Seal(codec.MustMarshal(api.SessionQuery{Contract: chain.ct.ID, Method: "my_balance", Args: []byte("{}")}))
	if err != nil {
		t.Fatal(err)
	}
	answer, _, err = c.SessionQuery(ctx, chain, cs.ID(), func() ([]byte, error) { return msg, nil })
	if err != nil {
		t.Fatal(err)
	}
	if a := openAnswer(t, msgResp, answer); a.Status != contracts.StatusOK {
		t.Fatalf("session answer %+v", a)
	}
	if _, _, err := c.SessionQuery(ctx, chain, cs.ID(), func() ([]byte, error) { return msg, nil }); !errors.Is(err, api.ErrReplay) {
		t.Fatalf("a replayed session query: %v", err)
	}
	unread := func() ([]byte, error) { t.Fatal("the body of a query to an unknown session was read"); return nil, nil }
	if _, _, err := c.SessionQuery(ctx, chain, [16]byte{1}, unread); !errors.Is(err, api.ErrUnknownSession) {
		t.Fatalf("an unknown session: %v", err)
	}
}
