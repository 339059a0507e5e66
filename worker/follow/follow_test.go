package follow_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	cmtbytes "github.com/cometbft/cometbft/libs/bytes"
	"github.com/cometbft/cometbft/light"
	rpcclient "github.com/cometbft/cometbft/rpc/client"
	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
	rpclocal "github.com/cometbft/cometbft/rpc/client/local"
	coretypes "github.com/cometbft/cometbft/rpc/core/types"
	"github.com/cometbft/cometbft/types"

	"github.com/phalanx-net/phalanx/chain/modules/bank"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/devnet"
	"github.com/phalanx-net/phalanx/devnet/devnettest"
	"github.com/phalanx-net/phalanx/node"
	"github.com/phalanx-net/phalanx/worker/follow"
)

// nopClient is an RPC client for tests that never reach the node.
type nopClient struct{ rpcclient.Client }

// testNet is one 4-gatekeeper devnet shared by the tests of this file: a
// chain with real commits (four ed25519 signatures each) served over HTTP.
type testNet struct {
	d       *devnet.Devnet
	home    string
	url     string
	genesis *types.GenesisDoc
	info    devnet.Info
}

var (
	netOnce sync.Once
	shared  *testNet
	netErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if shared != nil {
		shared.d.Stop()
		os.RemoveAll(shared.home)
	}
	os.Exit(code)
}

func chain(t *testing.T) *testNet {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a 4-gatekeeper devnet")
	}
	netOnce.Do(func() {
		home, err := os.MkdirTemp("", "follow-test-*")
		if err != nil {
			netErr = err
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		// Shared by the tests, so started once and stopped by TestMain
		// rather than by the first test's cleanup.
		n, err := devnettest.Launch(ctx, devnet.Config{Home: home, Gatekeepers: 4, BlockTime: 50 * time.Millisecond})
		if err != nil {
			netErr = err
			return
		}
		info := n.Info
		gen, err := node.LoadGenesis(filepath.Join(info.Gatekeepers[0].Home, "config", "genesis.json"))
		if err != nil {
			n.Stop()
			netErr = err
			return
		}
		shared = &testNet{d: n.Devnet, home: home, url: info.Gatekeepers[0].RPC, genesis: gen, info: info}
	})
	if netErr != nil {
		t.Fatalf("devnet: %v", netErr)
	}
	return shared
}

func (n *testNet) rpc(t *testing.T) *rpchttp.HTTP {
	t.Helper()
	c, err := rpchttp.New(n.url)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (n *testNet) wait(t *testing.T, h int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := n.d.WaitHeight(ctx, h); err != nil {
		t.Fatalf("waiting for height %d: %v", h, err)
	}
}

func (n *testNet) follower(t *testing.T, c rpcclient.Client, trusted *types.LightBlock) *follow.Follower {
	t.Helper()
	f, err := follow.New(c, follow.Options{Genesis: n.genesis}, trusted)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (n *testNet) addr(t *testing.T, name string) crypto.Address {
	t.Helper()
	for _, k := range n.info.Keys {
		if k.Name == name {
			return k.Address
		}
	}
	t.Fatalf("no key %s", name)
	return crypto.Address{}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// syncTo syncs f to h and checks that each saw every height in order.
func syncTo(t *testing.T, f *follow.Follower, h int64) {
	t.Helper()
	next := int64(0) // the first height: 1, or a trusted hash's height
	if tr := f.Trusted(); tr != nil {
		next = tr.Height + 1
	}
	err := f.Sync(ctxT(t), h, func(lb *types.LightBlock) error {
		if next == 0 {
			next = lb.Height
		}
		if lb.Height != next {
			return fmt.Errorf("each got height %d, want %d", lb.Height, next)
		}
		next++
		return nil
	})
	if err != nil {
		t.Fatalf("sync to %d: %v", h, err)
	}
	if got := f.Trusted().Height; got != h {
		t.Fatalf("trusted height %d after syncing to %d", got, h)
	}
}

func TestSyncFromGenesisAndProve(t *testing.T) {
	n := chain(t)
	const target = 12
	n.wait(t, target+1)
	f := n.follower(t, n.rpc(t), nil)
	if f.Trusted() != nil {
		t.Fatal("a follower starting from genesis trusts a block already")
	}
	syncTo(t, f, target)

	ctx := ctxT(t)
	v, h, err := f.Prove(ctx, []byte("app/chain_id"))
	if err != nil {
		t.Fatal(err)
	}
	if string(v) != n.genesis.ChainID || h != target-1 {
		t.Fatalf("chain id proven as %q at %d, want %q at %d", v, h, n.genesis.ChainID, target-1)
	}
	v, _, err = f.Prove(ctx, bank.BalanceKey(n.addr(t, "bob")))
	if err != nil {
		t.Fatal(err)
	}
	if a, err := bank.DecodeAmount(v); err != nil || a.Cmp(devnet.DevGrant) != 0 {
		t.Fatalf("bob's balance proven as %v (%v), want %s", a, err, devnet.DevGrant.PHA())
	}
	if v, _, err := f.Prove(ctx, []byte("no/such/key")); err != nil || v != nil {
		t.Fatalf("absent key: value %q, err %v; want nil, nil", v, err)
	}

	// target 0 follows up to the node's latest height.
	if err := f.Sync(ctx, 0, nil); err != nil {
		t.Fatal(err)
	}
	if f.Trusted().Height <= target {
		t.Fatalf("following to the latest height stayed at %d", f.Trusted().Height)
	}
}

// A batch above the node's max_request_batch_size (10 by default) is
// refused; the follower halves it and goes on.
func TestSyncAdaptsBatchSize(t *testing.T) {
	n := chain(t)
	n.wait(t, 8)
	f, err := follow.New(n.rpc(t), follow.Options{Genesis: n.genesis, Batch: 64}, nil)
	if err != nil {
		t.Fatal(err)
	}
	syncTo(t, f, 8)
}

// The in-process client has no batches; the follower fetches one header
// per call.
func TestSyncLocalClient(t *testing.T) {
	n := chain(t)
	n.wait(t, 6)
	syncTo(t, n.follower(t, rpclocal.New(n.d.Gatekeeper(1).Node()), nil), 6)
}

func TestCheckpointResume(t *testing.T) {
	n := chain(t)
	n.wait(t, 10)
	f := n.follower(t, n.rpc(t), nil)
	syncTo(t, f, 10)
	raw, err := follow.EncodeCheckpoint(f.Trusted())
	if err != nil {
		t.Fatal(err)
	}
	lb, err := follow.DecodeCheckpoint(raw)
	if err != nil {
		t.Fatal(err)
	}
	g := n.follower(t, n.rpc(t), lb)
	if g.Trusted().Height != 10 {
		t.Fatalf("resumed at %d, want 10", g.Trusted().Height)
	}
	syncTo(t, g, 15) // waits for the chain if it is not there yet
	if _, _, err := g.Prove(ctxT(t), []byte("app/chain_id")); err != nil {
		t.Fatal(err)
	}
}

func TestTrustedHash(t *testing.T) {
	n := chain(t)
	n.wait(t, 9)
	c := n.rpc(t)
	h := int64(6)
	res, err := c.Commit(ctxT(t), &h)
	if err != nil {
		t.Fatal(err)
	}
	f, err := follow.New(c, follow.Options{ChainID: n.genesis.ChainID, TrustedHeight: 6, TrustedHash: res.Hash()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	syncTo(t, f, 9)

	bad := bytes.Clone(res.Hash())
	bad[0] ^= 1
	f, err = follow.New(c, follow.Options{ChainID: n.genesis.ChainID, TrustedHeight: 6, TrustedHash: bad}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Sync(ctxT(t), 9, nil); !errors.Is(err, follow.ErrVerification) || f.Trusted() != nil {
		t.Fatalf("wrong trusted hash: err %v, trusted %v", err, f.Trusted())
	}

	// A follower starting from a trusted hash has no validator set yet and
	// asks the node for it; a set with one key replaced is refused.
	tc := &tamperer{Client: c, validators: func(_ int64, r *coretypes.ResultValidators) {
		evil := newSigners(1).set.Validators[0]
		evil.VotingPower = r.Validators[0].VotingPower
		r.Validators[0] = evil
	}}
	f, err = follow.New(tc, follow.Options{ChainID: n.genesis.ChainID, TrustedHeight: 6, TrustedHash: res.Hash()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Sync(ctxT(t), 9, nil); !errors.Is(err, follow.ErrVerification) || f.Trusted() != nil || tc.valCalls.Load() == 0 {
		t.Fatalf("validator set with a foreign key: err %v, trusted %v", err, f.Trusted())
	}

	// Powers that overflow make CometBFT panic; the follower refuses them.
	tc = &tamperer{Client: c, validators: func(_ int64, r *coretypes.ResultValidators) {
		r.Validators[0].VotingPower = math.MaxInt64
	}}
	f, err = follow.New(tc, follow.Options{ChainID: n.genesis.ChainID, TrustedHeight: 6, TrustedHash: res.Hash()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Sync(ctxT(t), 9, nil); !errors.Is(err, follow.ErrVerification) || f.Trusted() != nil {
		t.Fatalf("validator set with overflowing power: err %v, trusted %v", err, f.Trusted())
	}
}

// The local clock bounds the trust root's age: a genesis or a checkpoint
// older than the trusting period is refused.
func TestTrustExpired(t *testing.T) {
	n := chain(t)
	n.wait(t, 4)
	later := func() time.Time { return time.Now().Add(follow.DefaultTrustingPeriod + time.Hour) }
	f, err := follow.New(n.rpc(t), follow.Options{Genesis: n.genesis, Now: later}, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = f.Sync(ctxT(t), 3, nil)
	if !errors.Is(err, follow.ErrTrustExpired) || !errors.Is(err, follow.ErrVerification) || f.Trusted() != nil {
		t.Fatalf("expired genesis: err %v, trusted %v", err, f.Trusted())
	}

	g := n.follower(t, n.rpc(t), nil)
	syncTo(t, g, 2)
	f, err = follow.New(n.rpc(t), follow.Options{Genesis: n.genesis, Now: later}, g.Trusted())
	if err != nil {
		t.Fatal(err)
	}
	err = f.Sync(ctxT(t), 4, nil)
	var old light.ErrOldHeaderExpired
	if !errors.Is(err, follow.ErrTrustExpired) || !errors.As(err, &old) || f.Trusted().Height != 2 {
		t.Fatalf("expired checkpoint: err %v, trusted %d", err, f.Trusted().Height)
	}
}

// tamperer is a node that lies: it passes calls to an honest client and
// changes some answers.
type tamperer struct {
	rpcclient.Client
	commit     func(h int64, r *coretypes.ResultCommit)
	validators func(h int64, r *coretypes.ResultValidators)
	query      func(r *coretypes.ResultABCIQuery)
	valCalls   atomic.Int32
}

func (c *tamperer) Commit(ctx context.Context, h *int64) (*coretypes.ResultCommit, error) {
	r, err := c.Client.Commit(ctx, h)
	if err == nil && c.commit != nil && h != nil {
		c.commit(*h, r)
	}
	return r, err
}

func (c *tamperer) Validators(ctx context.Context, h *int64, page, perPage *int) (*coretypes.ResultValidators, error) {
	c.valCalls.Add(1)
	r, err := c.Client.Validators(ctx, h, page, perPage)
	if err == nil && c.validators != nil && h != nil {
		c.validators(*h, r)
	}
	return r, err
}

func (c *tamperer) ABCIQueryWithOptions(ctx context.Context, path string, data cmtbytes.HexBytes, o rpcclient.ABCIQueryOptions) (*coretypes.ResultABCIQuery, error) {
	r, err := c.Client.ABCIQueryWithOptions(ctx, path, data, o)
	if err == nil && c.query != nil {
		c.query(r)
	}
	return r, err
}

const forgedHeight = 5

// refused syncs a follower over c past forgedHeight and checks that it
// fails verification and stays at the last good height.
func refused(t *testing.T, n *testNet, c rpcclient.Client) error {
	t.Helper()
	f := n.follower(t, c, nil)
	var seen []int64
	err := f.Sync(ctxT(t), forgedHeight+3, func(lb *types.LightBlock) error {
		seen = append(seen, lb.Height)
		return nil
	})
	if !errors.Is(err, follow.ErrVerification) {
		t.Fatalf("sync over a lying node: got %v, want ErrVerification", err)
	}
	if tr := f.Trusted(); tr == nil || tr.Height != forgedHeight-1 || len(seen) != forgedHeight-1 {
		t.Fatalf("after refusing height %d the follower trusts %v and saw %v", forgedHeight, tr, seen)
	}
	t.Logf("refused: %v", err)
	var ve *follow.VerificationError
	if !errors.As(err, &ve) || ve.Height != forgedHeight {
		t.Fatalf("error %v does not name height %d", err, forgedHeight)
	}
	return err
}

func TestRefusesForgedHeaders(t *testing.T) {
	n := chain(t)
	n.wait(t, forgedHeight+4)

	t.Run("header field", func(t *testing.T) {
		refused(t, n, &tamperer{Client: n.rpc(t), commit: func(h int64, r *coretypes.ResultCommit) {
			if h == forgedHeight {
				r.Header.AppHash = flip(r.Header.AppHash)
			}
		}})
	})
	t.Run("commit signature", func(t *testing.T) {
		refused(t, n, &tamperer{Client: n.rpc(t), commit: func(h int64, r *coretypes.ResultCommit) {
			if h == forgedHeight {
				for i, s := range r.Commit.Signatures {
					if s.BlockIDFlag == types.BlockIDFlagCommit {
						r.Commit.Signatures[i].Signature = flip(s.Signature)
						return
					}
				}
			}
		}})
	})
	t.Run("commit for another height", func(t *testing.T) {
		c := n.rpc(t)
		refused(t, n, &tamperer{Client: c, commit: func(h int64, r *coretypes.ResultCommit) {
			if h == forgedHeight {
				other := h + 1
				o, err := c.Commit(context.Background(), &other)
				if err != nil {
					panic(err)
				}
				*r = *o
			}
		}})
	})
	// The strongest of these: keys the chain never saw sign a forged
	// header that names them as its validators, and the node serves their
	// set when asked. Every signature is valid; the set is not the one the
	// previous verified header named.
	t.Run("validator set", func(t *testing.T) {
		evil := newSigners(4)
		tc := &tamperer{Client: n.rpc(t)}
		tc.commit = func(h int64, r *coretypes.ResultCommit) {
			if h != forgedHeight {
				return
			}
			hd := *r.Header
			hd.ValidatorsHash = evil.set.Hash()
			hd.AppHash = flip(hd.AppHash)
			r.Header = &hd
			r.Commit = evil.commit(t, &hd, r.Commit.BlockID.PartSetHeader)
		}
		tc.validators = func(h int64, r *coretypes.ResultValidators) {
			if h == forgedHeight {
				r.Validators, r.Count, r.Total = evil.set.Validators, evil.set.Size(), evil.set.Size()
			}
		}
		err := refused(t, n, tc)
		if tc.valCalls.Load() == 0 {
			t.Fatal("the follower never asked for the forged validator set")
		}
		if !strings.Contains(err.Error(), "next validators") {
			t.Fatalf("refused for another reason than the validator set: %v", err)
		}
	})
	// The same forgery through CometBFT's HTTP client, so that the batched
	// path reads the lie.
	t.Run("header field in a batch", func(t *testing.T) {
		tr := &jsonTamper{height: fmt.Sprint(forgedHeight)}
		c, err := rpchttp.NewWithClient(n.url, &http.Client{Transport: tr})
		if err != nil {
			t.Fatal(err)
		}
		refused(t, n, c)
		if tr.batches.Load() == 0 || tr.hits.Load() == 0 {
			t.Fatalf("no batch went through the tamperer (%d batches, %d forged)", tr.batches.Load(), tr.hits.Load())
		}
	})
}

func flip(b []byte) []byte {
	b = bytes.Clone(b)
	b[len(b)/2] ^= 0x40
	return b
}

// jsonTamper rewrites JSON-RPC batch answers on the wire: the app hash of
// the header at height becomes another.
type jsonTamper struct {
	height  string
	batches atomic.Int32
	hits    atomic.Int32
}

func (j *jsonTamper) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return nil, err
	}
	if len(body) > 0 && body[0] == '[' {
		j.batches.Add(1)
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		var answers []map[string]any
		if err := dec.Decode(&answers); err != nil {
			return nil, err
		}
		for _, a := range answers {
			res, _ := a["result"].(map[string]any)
			sh, _ := res["signed_header"].(map[string]any)
			hd, _ := sh["header"].(map[string]any)
			if hd != nil && hd["height"] == j.height {
				s := hd["app_hash"].(string)
				hd["app_hash"] = strings.Map(func(r rune) rune {
					if r == 'A' {
						return 'B'
					}
					return 'A'
				}, s[:1]) + s[1:]
				j.hits.Add(1)
			}
		}
		if body, err = json.Marshal(answers); err != nil {
			return nil, err
		}
	}
	res.Body = io.NopCloser(bytes.NewReader(body))
	res.ContentLength = int64(len(body))
	res.Header.Del("Content-Length")
	return res, nil
}

func TestRefusesForgedState(t *testing.T) {
	n := chain(t)
	n.wait(t, 8)
	honest := n.rpc(t)
	key := bank.BalanceKey(n.addr(t, "alice"))
	absent := []byte("no/such/key")

	cases := []struct {
		name  string
		key   []byte
		query func(c rpcclient.Client, r *coretypes.ResultABCIQuery)
	}{
		{"value", key, func(_ rpcclient.Client, r *coretypes.ResultABCIQuery) { r.Response.Value = flip(r.Response.Value) }},
		{"proof", key, func(_ rpcclient.Client, r *coretypes.ResultABCIQuery) {
			op := &r.Response.ProofOps.Ops[0]
			op.Data = flip(op.Data)
		}},
		{"no proof", key, func(_ rpcclient.Client, r *coretypes.ResultABCIQuery) { r.Response.ProofOps = nil }},
		{"present key claimed absent", key, func(_ rpcclient.Client, r *coretypes.ResultABCIQuery) { r.Response.Value = nil }},
		{"absent key claimed present", absent, func(_ rpcclient.Client, r *coretypes.ResultABCIQuery) { r.Response.Value = []byte("1000") }},
		{"absence proof for a present key", key, func(c rpcclient.Client, r *coretypes.ResultABCIQuery) {
			o, err := c.ABCIQueryWithOptions(context.Background(), "/store", absent, rpcclient.ABCIQueryOptions{Height: r.Response.Height, Prove: true})
			if err != nil {
				panic(err)
			}
			r.Response.Value, r.Response.ProofOps = nil, o.Response.ProofOps
		}},
		{"another height", key, func(c rpcclient.Client, r *coretypes.ResultABCIQuery) {
			o, err := c.ABCIQueryWithOptions(context.Background(), "/store", key, rpcclient.ABCIQueryOptions{Height: r.Response.Height - 1, Prove: true})
			if err != nil {
				panic(err)
			}
			*r = *o
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := n.follower(t, &tamperer{Client: honest, query: func(r *coretypes.ResultABCIQuery) { tc.query(honest, r) }}, nil)
			syncTo(t, f, 6)
			v, _, err := f.Prove(ctxT(t), tc.key)
			if !errors.Is(err, follow.ErrBadProof) {
				t.Fatalf("got value %q, err %v; want ErrBadProof", v, err)
			}
			t.Logf("refused: %v", err)
		})
	}
}
