package keeper_test

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/module"
	bankkeeper "github.com/phalanx-net/phalanx/chain/modules/bank/keeper"
	"github.com/phalanx-net/phalanx/chain/modules/gov"
	govkeeper "github.com/phalanx-net/phalanx/chain/modules/gov/keeper"
	"github.com/phalanx-net/phalanx/chain/modules/internal/modtest"
	registrykeeper "github.com/phalanx-net/phalanx/chain/modules/registry/keeper"
	"github.com/phalanx-net/phalanx/chain/modules/staking"
	stakingkeeper "github.com/phalanx-net/phalanx/chain/modules/staking/keeper"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/chain/store"
	"github.com/phalanx-net/phalanx/crypto"
)

// benchLedger is a staking ledger of 10,000 candidates and 100,000
// nominations, the election benchmark's, written straight to the state,
// and a proposal in its voting period.
func benchLedger(b *testing.B) (*modtest.Env, *govkeeper.Keeper) {
	const candidates, nominations = 10_000, 100_000
	e := modtest.New(b)
	st := stakingkeeper.NewKeeper(noGatekeepers{}, noGatekeepers{})
	g := govkeeper.NewKeeper(st, registrykeeper.Records{})
	e.Use(bankkeeper.Module{}, stakingkeeper.Module{Keeper: st}, govkeeper.Module{Keeper: g})
	for i := range candidates {
		op := benchAddr(0, i)
		e.State.Set(staking.CandidateKey(op), codec.MustMarshal(staking.Candidate{Operator: op, SelfBond: pha.Tokens(10_000), Nominated: pha.Tokens(10)}))
	}
	for i := range nominations {
		n := staking.Nomination{Nominator: benchAddr(1, i), Candidate: benchAddr(0, i%candidates), Amount: pha.Tokens(1)}
		e.State.Set(staking.NominationKey(n.Candidate, n.Nominator), codec.MustMarshal(n))
	}
	if err := g.InitGenesis(e.Ctx(), gov.DefaultGenesis()); err != nil {
		b.Fatal(err)
	}
	proposer := modtest.Key("proposer")
	e.Fund(proposer.Public().Address(), pha.Tokens(1_000))
	if err := e.Run(proposer, &gov.MsgSubmit{Title: "bench", Deposit: pha.Tokens(1_000)}); err != nil {
		b.Fatal(err)
	}
	return e, g
}

func benchAddr(kind byte, i int) crypto.Address {
	var a crypto.Address
	a[0] = kind + 1
	binary.BigEndian.PutUint64(a[12:], uint64(i))
	return a
}

// BenchmarkBlockOf1000Votes is the state work of a block of 1,000
// governance votes, each run as a transaction's message is (gas metered,
// in a cache of its own), from 1,000 nominators; the signatures are
// verified before, as BenchmarkFinalizeBlock's are.
func BenchmarkBlockOf1000Votes(b *testing.B) {
	e, _ := benchLedger(b)
	voters := make([]crypto.PrivateKey, 1_000)
	for i := range voters {
		voters[i] = modtest.Key(string(binary.BigEndian.AppendUint64(nil, uint64(i))))
	}
	b.ReportAllocs()
	for b.Loop() {
		for i, v := range voters {
			if err := e.Run(v, &gov.MsgVote{Proposal: 0, Option: gov.Option(1 + i%4)}); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkTally is the end of a voting period: the tally of 1,000 votes
// over the ledger of 10,000 candidates and 100,000 nominations, the
// proposal decided and its votes and deposit settled.
func BenchmarkTally(b *testing.B) {
	e, g := benchLedger(b)
	for i := range 1_000 {
		voter := benchAddr(byte(i%2), i*7) // candidates and nominators
		e.State.Set(gov.VoteKey(0, voter), codec.MustMarshal(gov.Vote{Proposal: 0, Voter: voter, Option: gov.Option(1 + i%4)}))
	}
	e.Advance(time.Duration(g.Params(e.State).VotingPeriod) * time.Second)
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		c := store.NewCache(e.State) // each round decides the same proposal
		ctx := module.NewContext(c, e.Block(), crypto.Address{}, nil, nil)
		b.StartTimer()
		if err := g.EndBlock(ctx); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if p, _ := g.Proposal(c, 0); p.Status.Open() || p.Tally == nil || p.Tally.Voted().IsZero() {
			b.Fatalf("not decided: %+v", p)
		}
		b.StartTimer()
	}
}
