package follow_test

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	cmtversion "github.com/cometbft/cometbft/api/cometbft/version/v1"
	cmtlog "github.com/cometbft/cometbft/libs/log"
	"github.com/cometbft/cometbft/light"
	"github.com/cometbft/cometbft/light/provider"
	lighthttp "github.com/cometbft/cometbft/light/provider/http"
	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
	coretypes "github.com/cometbft/cometbft/rpc/core/types"
	rpcserver "github.com/cometbft/cometbft/rpc/jsonrpc/server"
	rpctypes "github.com/cometbft/cometbft/rpc/jsonrpc/types"
	"github.com/cometbft/cometbft/types"
	"github.com/cometbft/cometbft/version"

	"github.com/phalanx-net/phalanx/internal/syncbuf"
	"github.com/phalanx-net/phalanx/worker/follow"
)

const fakeChainID = "fake-chain"

// fakeNode serves a chain made in the test over CometBFT's JSON-RPC (the
// methods a follower and a light client use), so that it can serve what
// no real node would: a fork signed by the chain's own validators.
type fakeNode struct {
	mu       sync.Mutex
	blocks   []*types.LightBlock // blocks[h-1] is height h
	top      int64               // the height it says it has
	evidence atomic.Int32        // evidence reported to it
	url      string
}

func (n *fakeNode) block(h *int64) (*types.LightBlock, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	height := n.top
	if h != nil && *h != 0 {
		height = *h
	}
	if height > n.top {
		return nil, fmt.Errorf("height %d must be less than or equal to the current blockchain height %d", height, n.top)
	}
	if height < 1 || height > int64(len(n.blocks)) {
		return nil, fmt.Errorf("height %d is not available", height)
	}
	return n.blocks[height-1], nil
}

func (n *fakeNode) setTop(h int64) {
	n.mu.Lock()
	n.top = h
	n.mu.Unlock()
}

func serveFake(t *testing.T, n *fakeNode) *fakeNode {
	t.Helper()
	mux := http.NewServeMux()
	rpcserver.RegisterRPCFuncs(mux, map[string]*rpcserver.RPCFunc{
		"status": rpcserver.NewRPCFunc(func(*rpctypes.Context) (*coretypes.ResultStatus, error) {
			n.mu.Lock()
			defer n.mu.Unlock()
			return &coretypes.ResultStatus{SyncInfo: coretypes.SyncInfo{LatestBlockHeight: n.top}}, nil
		}, ""),
		"commit": rpcserver.NewRPCFunc(func(_ *rpctypes.Context, h *int64) (*coretypes.ResultCommit, error) {
			lb, err := n.block(h)
			if err != nil {
				return nil, err
			}
			return coretypes.NewResultCommit(lb.Header, lb.Commit, true), nil
		}, "height"),
		"validators": rpcserver.NewRPCFunc(func(_ *rpctypes.Context, h *int64, _, _ *int) (*coretypes.ResultValidators, error) {
			lb, err := n.block(h)
			if err != nil {
				return nil, err
			}
			vs := lb.ValidatorSet
			return &coretypes.ResultValidators{BlockHeight: lb.Height, Validators: vs.Validators, Count: vs.Size(), Total: vs.Size()}, nil
		}, "height,page,per_page"),
		"broadcast_evidence": rpcserver.NewRPCFunc(func(_ *rpctypes.Context, ev types.Evidence) (*coretypes.ResultBroadcastEvidence, error) {
			n.evidence.Add(1)
			return &coretypes.ResultBroadcastEvidence{Hash: ev.Hash()}, nil
		}, "evidence"),
	}, cmtlog.NewNopLogger())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	n.url = srv.URL
	return n
}

// fakeChain makes blocks 1..n signed by s, linked by hash; a fork shares
// the blocks below from and differs from there on (another app hash),
// signed by the same validators: two histories of one validator set.
func fakeChain(t *testing.T, s *signers, genesis time.Time, n int64, fork *fakeNode, from int64) *fakeNode {
	t.Helper()
	node := &fakeNode{top: n}
	var prev *types.LightBlock
	for h := int64(1); h <= n; h++ {
		if fork != nil && h < from {
			prev = fork.blocks[h-1]
			node.blocks = append(node.blocks, prev)
			continue
		}
		app := fmt.Sprintf("app %d", h)
		if fork != nil {
			app = fmt.Sprintf("forked app %d", h)
		}
		hdr := &types.Header{
			Version: cmtversion.Consensus{Block: version.BlockProtocol}, ChainID: fakeChainID, Height: h,
			Time:           genesis.Add(time.Duration(h) * time.Second),
			LastCommitHash: hash32("c"), DataHash: hash32("d"), ValidatorsHash: s.set.Hash(), NextValidatorsHash: s.set.Hash(),
			ConsensusHash: hash32("cp"), AppHash: hash32(app), LastResultsHash: hash32("r"), EvidenceHash: hash32("e"),
			ProposerAddress: s.set.GetProposer().Address,
		}
		if prev != nil {
			hdr.LastBlockID = prev.Commit.BlockID
		}
		c := s.commit(t, hdr, types.PartSetHeader{Total: 1, Hash: hash32(fmt.Sprintf("parts %d %s", h, app))})
		prev = &types.LightBlock{SignedHeader: &types.SignedHeader{Header: hdr, Commit: c}, ValidatorSet: s.set}
		node.blocks = append(node.blocks, prev)
	}
	return serveFake(t, node)
}

func fakeGenesis(s *signers, at time.Time) *types.GenesisDoc {
	g := &types.GenesisDoc{ChainID: fakeChainID, GenesisTime: at, InitialHeight: 1}
	for _, v := range s.set.Validators {
		g.Validators = append(g.Validators, types.GenesisValidator{PubKey: v.PubKey, Power: v.VotingPower})
	}
	return g
}

func lightProvider(t *testing.T, url string) provider.Provider {
	t.Helper()
	c, err := rpchttp.New(url)
	if err != nil {
		t.Fatal(err)
	}
	return lighthttp.NewWithClient(fakeChainID, c)
}

// witnessed returns a follower of primary cross-checked with witnesses,
// logging to log.
func witnessed(t *testing.T, g *types.GenesisDoc, primary string, log *syncbuf.Buffer, witnesses ...string) *follow.Follower {
	t.Helper()
	c, err := rpchttp.New(primary)
	if err != nil {
		t.Fatal(err)
	}
	p := lightProvider(t, primary)
	ws := make([]provider.Provider, len(witnesses))
	for i, w := range witnesses {
		ws[i] = lightProvider(t, w)
	}
	f, err := follow.New(c, follow.Options{Genesis: g, Log: slog.New(slog.NewTextHandler(log, nil)), Poll: 20 * time.Millisecond,
		WitnessTimeout: 500 * time.Millisecond,
		Witnesses:      func() (provider.Provider, []provider.Provider) { return p, ws }}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestCrossCheckConfirms(t *testing.T) {
	s := newSigners(4)
	gt := time.Now().Add(-time.Hour).UTC()
	a := fakeChain(t, s, gt, 8, nil, 0)
	b := fakeChain(t, s, gt, 8, nil, 0) // the same history on another node
	var log syncbuf.Buffer
	f := witnessed(t, fakeGenesis(s, gt), a.url, &log, b.url)
	if err := f.Sync(ctxT(t), 8, nil); err != nil {
		t.Fatalf("sync: %v\n%s", err, log.String())
	}
	if h := f.Trusted().Height; h != 8 {
		t.Fatalf("trusted height %d, want 8", h)
	}
	if strings.Contains(log.String(), "not cross-checked") {
		t.Fatalf("an agreeing witness did not confirm the header:\n%s", log.String())
	}
}

// TestCrossCheckDetectsFork: the validators signed two histories from
// height 5; one node serves each. Whichever is the primary, the follower
// verifies its history, the light client's detector finds the other at
// the witness, verifies it too and reports the attack; the follower
// trusts nothing past what was cross-checked before the fork.
func TestCrossCheckDetectsFork(t *testing.T) {
	for _, primaryForked := range []bool{false, true} {
		t.Run(fmt.Sprintf("primary forked %v", primaryForked), func(t *testing.T) {
			s := newSigners(4)
			gt := time.Now().Add(-time.Hour).UTC()
			honest := fakeChain(t, s, gt, 8, nil, 0)
			forked := fakeChain(t, s, gt, 8, honest, 5)
			primary, witness := honest, forked
			if primaryForked {
				primary, witness = forked, honest
			}
			primary.setTop(4)
			witness.setTop(4)
			var log syncbuf.Buffer
			f := witnessed(t, fakeGenesis(s, gt), primary.url, &log, witness.url)
			if err := f.Sync(ctxT(t), 4, nil); err != nil {
				t.Fatalf("sync to 4, before the fork: %v\n%s", err, log.String())
			}
			primary.setTop(8)
			witness.setTop(8)
			var seen int64
			err := f.Sync(ctxT(t), 8, func(lb *types.LightBlock) error { seen = lb.Height; return nil })
			var ce *follow.ConflictError
			if !errors.As(err, &ce) || !errors.Is(err, follow.ErrConflict) || !errors.Is(err, light.ErrLightClientAttack) || ce.Height != 8 {
				t.Fatalf("sync over a fork returned %v; want a *ConflictError at 8 wrapping light.ErrLightClientAttack\n%s", err, log.String())
			}
			if seen != 8 {
				t.Fatalf("the follower verified up to %d, want 8 (the fork is validly signed)", seen)
			}
			if h := f.Trusted().Height; h != 4 {
				t.Fatalf("trusted height %d after the attack; want 4, the last cross-checked", h)
			}
			if primary.evidence.Load() == 0 || witness.evidence.Load() == 0 {
				t.Fatalf("evidence reported: %d to the primary, %d to the witness; want both", primary.evidence.Load(), witness.evidence.Load())
			}
		})
	}
}

// A witness that serves a header the validators did not sign is dropped
// for the round; with no other witness the header stands on the
// validators' signatures, and the follower goes on.
func TestCrossCheckDropsLyingWitness(t *testing.T) {
	s := newSigners(4)
	gt := time.Now().Add(-time.Hour).UTC()
	a := fakeChain(t, s, gt, 8, nil, 0)
	liar := fakeChain(t, newSigners(4), gt, 8, nil, 0) // other keys
	var log syncbuf.Buffer
	f := witnessed(t, fakeGenesis(s, gt), a.url, &log, liar.url)
	if err := f.Sync(ctxT(t), 8, nil); err != nil {
		t.Fatalf("a lying witness stopped the follower: %v\n%s", err, log.String())
	}
	if h := f.Trusted().Height; h != 8 {
		t.Fatalf("trusted height %d, want 8", h)
	}
	if !strings.Contains(log.String(), "not cross-checked") {
		t.Fatalf("no warning that the header was not cross-checked:\n%s", log.String())
	}
}

// TestUnresponsiveWitnessDoesNotStall: a witness that never answers, and
// one that lags behind the primary, each cost at most the witness timeout
// (the light client alone would wait for ever for the first and sleep
// 30 s for the second).
func TestUnresponsiveWitnessDoesNotStall(t *testing.T) {
	s := newSigners(4)
	gt := time.Now().Add(-time.Hour).UTC()
	a := fakeChain(t, s, gt, 8, nil, 0)
	stop := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	}))
	t.Cleanup(hang.Close)
	t.Cleanup(func() { close(stop) })
	lagging := fakeChain(t, s, gt, 8, nil, 0)
	lagging.setTop(3)
	for _, tc := range []struct{ name, url string }{{"hanging", hang.URL}, {"lagging", lagging.url}} {
		t.Run(tc.name, func(t *testing.T) {
			var log syncbuf.Buffer
			f := witnessed(t, fakeGenesis(s, gt), a.url, &log, tc.url)
			start := time.Now()
			if err := f.Sync(ctxT(t), 8, nil); err != nil {
				t.Fatalf("sync: %v\n%s", err, log.String())
			}
			if el := time.Since(start); el > 3*time.Second {
				t.Fatalf("sync took %s with a %s witness; the witness timeout is 500ms", el, tc.name)
			}
			if h := f.Trusted().Height; h != 8 {
				t.Fatalf("trusted height %d, want 8", h)
			}
		})
	}
	// Beside a good witness, the hanging one changes nothing.
	good := fakeChain(t, s, gt, 8, nil, 0)
	var log syncbuf.Buffer
	f := witnessed(t, fakeGenesis(s, gt), a.url, &log, hang.URL, good.url)
	if err := f.Sync(ctxT(t), 8, nil); err != nil {
		t.Fatalf("sync: %v\n%s", err, log.String())
	}
	if strings.Contains(log.String(), "not cross-checked") {
		t.Fatalf("the good witness did not confirm the header:\n%s", log.String())
	}
}
