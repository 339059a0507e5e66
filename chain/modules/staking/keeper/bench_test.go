package keeper_test

import (
	"encoding/binary"
	"testing"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/internal/modtest"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	"github.com/phalanx-net/phalanx/chain/modules/staking"
	stakingkeeper "github.com/phalanx-net/phalanx/chain/modules/staking/keeper"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/crypto"
)

// BenchmarkEpochElection is the end of an epoch's block with 10,000
// candidates, every one eligible, and 100,000 nominations: the election
// reads each candidate once (a candidate's record keeps its nominations'
// total, so the nominations are not read) and replaces the whole active
// set of 100.
func BenchmarkEpochElection(b *testing.B) {
	const candidates, nominations = 10_000, 100_000
	e := modtest.New(b)
	f := &fakeGatekeepers{holders: map[crypto.PublicKey]bool{}, validators: map[crypto.Address]bool{}}
	k := stakingkeeper.NewKeeper(f, f)
	p := staking.DefaultParams()
	p.EpochBlocks = 1
	e.State.Set(staking.ParamsKey(), codec.MustMarshal(p))
	for i := 0; i < candidates; i++ {
		var key crypto.PublicKey
		binary.BigEndian.PutUint64(key[:], uint64(i)+1)
		op := crypto.AddressOf(key)
		e.State.Set(staking.CandidateKey(op), codec.MustMarshal(staking.Candidate{Operator: op, ConsensusKey: key[:],
			SelfBond: pha.Tokens(10_000 + uint64(i)), Nominated: pha.Tokens(uint64(i % 997))}))
		id := modtest.Key(string(key[:8])).Public()
		f.enclaves = append(f.enclaves, registry.Enclave{Identity: id, Validator: key.Address()})
		f.holders[id] = true
	}
	for i := 0; i < nominations; i++ {
		var cand, nom crypto.Address
		binary.BigEndian.PutUint64(cand[:], uint64(i%candidates))
		binary.BigEndian.PutUint64(nom[:], uint64(i))
		e.State.Set(staking.NominationKey(cand, nom), codec.MustMarshal(staking.Nomination{Nominator: nom, Candidate: cand, Amount: pha.Tokens(1)}))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		// Stakes shift each round, so that every election changes the set.
		b.StopTimer()
		var key crypto.PublicKey
		binary.BigEndian.PutUint64(key[:], uint64(i%candidates)+1)
		op := crypto.AddressOf(key)
		c, _ := k.Candidate(e.State, op)
		c.SelfBond, _ = c.SelfBond.Add(pha.Tokens(1_000_000))
		e.State.Set(staking.CandidateKey(op), codec.MustMarshal(c))
		e.Advance(0)
		ctx := module.NewContext(e.State, e.Block(), crypto.Address{}, nil, nil)
		b.StartTimer()
		if err := k.EndBlock(ctx, module.EndBlockInfo{}); err != nil {
			b.Fatal(err)
		}
	}
}
