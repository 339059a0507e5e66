package staking_test

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/phalanx-net/phalanx/chain/modules/staking"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/crypto"
)

func candidates(r *rand.Rand, n int) []staking.Candidate {
	out := make([]staking.Candidate, n)
	for i := range out {
		var op crypto.Address
		for j := range op {
			op[j] = byte(r.IntN(256))
		}
		// Few distinct stakes, so that ties are common.
		out[i] = staking.Candidate{Operator: op, SelfBond: pha.Tokens(uint64(r.IntN(6)) * 5_000), Nominated: pha.Tokens(uint64(r.IntN(4)) * 10_000)}
	}
	return out
}

// The election, over random candidate sets: at most MaxValidators, only
// candidates with the minimum self-bond, the most stake first, power the
// stake in whole PHA, nobody left out who has more stake than someone
// elected, and the same set whatever the order of the candidates.
func TestElectProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	p := staking.DefaultParams()
	for round := 0; round < 300; round++ {
		cands := candidates(r, r.IntN(40))
		p.MaxValidators = uint32(1 + r.IntN(12))
		got := staking.Elect(cands, p)
		if len(got) > int(p.MaxValidators) {
			t.Fatalf("%d elected, max %d", len(got), p.MaxValidators)
		}
		elected := map[crypto.Address]bool{}
		for i, e := range got {
			c := e.Candidate
			elected[c.Operator] = true
			if c.SelfBond.Lt(p.MinSelfBond) {
				t.Fatalf("elected with a self-bond of %s", c.SelfBond)
			}
			if want, _ := c.Stake().MulDiv(pha.Units(1), pha.Tokens(1)); uint64(e.Power) != want.Uint64() {
				t.Fatalf("power %d for a stake of %s", e.Power, c.Stake())
			}
			if i > 0 && got[i-1].Candidate.Stake().Lt(c.Stake()) {
				t.Fatal("not in order of stake")
			}
		}
		if len(got) > 0 {
			least := got[len(got)-1].Candidate.Stake()
			for _, c := range cands {
				if !elected[c.Operator] && !c.SelfBond.Lt(p.MinSelfBond) && least.Lt(c.Stake()) {
					t.Fatalf("%s with %s left out, %s elected", c.Operator, c.Stake(), least)
				}
			}
		}
		shuffled := slices.Clone(cands)
		r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		again := staking.Elect(shuffled, p)
		if len(again) != len(got) {
			t.Fatal("another order elects another number")
		}
		for i := range got {
			if got[i].Candidate.Operator != again[i].Candidate.Operator {
				t.Fatal("another order elects another set")
			}
		}
	}
}
