package gov_test

import (
	"math/rand/v2"
	"testing"

	"github.com/phalanx-net/phalanx/chain/modules/gov"
	"github.com/phalanx-net/phalanx/chain/modules/staking"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/crypto"
)

// ledger is a random staking ledger and random votes on it.
type ledger struct {
	cands []staking.Candidate
	noms  []staking.Nomination
	votes []gov.Vote
}

func addr(i int) crypto.Address {
	var a crypto.Address
	a[0], a[1] = byte(i>>8), byte(i)
	return a
}

func randomLedger(r *rand.Rand) ledger {
	var l ledger
	nc, nn := 1+r.IntN(8), r.IntN(30)
	for i := range nc {
		l.cands = append(l.cands, staking.Candidate{Operator: addr(i), SelfBond: pha.Units(1 + r.Uint64N(1e15)), Tombstoned: r.IntN(6) == 0})
	}
	for i := range nn {
		// Some nominators nominate several candidates.
		n := staking.Nomination{Nominator: addr(100 + r.IntN(nn/2+1)), Candidate: addr(r.IntN(nc)), Amount: pha.Units(1 + r.Uint64N(1e15))}
		if i > 0 && n.Nominator == l.noms[len(l.noms)-1].Nominator && n.Candidate == l.noms[len(l.noms)-1].Candidate {
			continue // one nomination per pair, as the ledger keeps it
		}
		l.noms = append(l.noms, n)
	}
	for i := range 200 {
		if r.IntN(3) == 0 {
			l.votes = append(l.votes, gov.Vote{Voter: addr(i), Option: gov.Option(1 + r.IntN(4))})
		}
	}
	return l
}

func (l ledger) tally(votes []gov.Vote) gov.TallyResult {
	t := gov.NewTallier(votes)
	for _, c := range l.cands {
		t.Candidate(c)
	}
	for _, n := range l.noms {
		t.Nomination(n)
	}
	return t.Result()
}

func add(a, b pha.Amount) pha.Amount {
	s, err := a.Add(b)
	if err != nil {
		panic(err)
	}
	return s
}

// Properties of the tally on random ledgers: the stake that votes is part
// of the bonded stake, which is every stake not tombstoned; when everyone
// votes one way, all of it is behind that option; the order of the
// ledger does not matter; and a nominator that votes moves exactly its
// own stake, and nothing else, from its candidates' options to its own.
func TestTallyProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 500 {
		l := randomLedger(r)
		res := l.tally(l.votes)
		var bonded pha.Amount
		dead := map[crypto.Address]bool{}
		for _, c := range l.cands {
			if c.Tombstoned {
				dead[c.Operator] = true
			} else {
				bonded = add(bonded, c.SelfBond)
			}
		}
		for _, n := range l.noms {
			if !dead[n.Candidate] {
				bonded = add(bonded, n.Amount)
			}
		}
		if res.Bonded != bonded {
			t.Fatalf("bonded %s, the ledger %s", res.Bonded, bonded)
		}
		if bonded.Lt(res.Voted()) {
			t.Fatalf("%s voted of %s bonded", res.Voted(), bonded)
		}

		var all []gov.Vote
		for i := range 200 {
			all = append(all, gov.Vote{Voter: addr(i), Option: gov.No})
		}
		if everyone := l.tally(all); everyone.No != bonded || !everyone.Yes.IsZero() {
			t.Fatalf("everyone voted no: %+v of %s", everyone, bonded)
		}

		shuffled := l
		shuffled.cands = append([]staking.Candidate(nil), l.cands...)
		shuffled.noms = append([]staking.Nomination(nil), l.noms...)
		r.Shuffle(len(shuffled.noms), func(i, j int) { shuffled.noms[i], shuffled.noms[j] = shuffled.noms[j], shuffled.noms[i] })
		r.Shuffle(len(shuffled.cands), func(i, j int) { shuffled.cands[i], shuffled.cands[j] = shuffled.cands[j], shuffled.cands[i] })
		if got := shuffled.tally(l.votes); got != res {
			t.Fatalf("shuffled %+v, in order %+v", got, res)
		}

		// Every candidate votes yes; a nominator that did not vote then
		// votes veto: veto grows by its live stake, yes shrinks by it.
		var votes []gov.Vote
		for _, c := range l.cands {
			votes = append(votes, gov.Vote{Voter: c.Operator, Option: gov.Yes})
		}
		if len(l.noms) == 0 {
			continue
		}
		nom := l.noms[r.IntN(len(l.noms))].Nominator
		var own pha.Amount
		for _, n := range l.noms {
			if n.Nominator == nom && !dead[n.Candidate] {
				own = add(own, n.Amount)
			}
		}
		before := l.tally(votes)
		after := l.tally(append(votes, gov.Vote{Voter: nom, Option: gov.Veto}))
		if after.Veto != own || add(after.Yes, own) != before.Yes || after.Bonded != before.Bonded {
			t.Fatalf("the nominator's %s: before %+v, after %+v", own, before, after)
		}
	}
}

// The outcome's arithmetic at its edges: the quorum, the threshold and
// the veto are each decided by one unit.
func TestOutcomeEdges(t *testing.T) {
	p := gov.DefaultParams() // quorum 33.4 %, threshold 50 %, veto 33.4 %
	u := pha.Units
	for _, c := range []struct {
		name string
		t    gov.TallyResult
		want gov.Status
	}{
		{"nothing bonded", gov.TallyResult{}, gov.Rejected},
		{"just below quorum", gov.TallyResult{Yes: u(3_339), Bonded: u(10_000)}, gov.Rejected},
		{"at quorum", gov.TallyResult{Yes: u(3_340), Bonded: u(10_000)}, gov.Passed},
		{"half yes is not more than half", gov.TallyResult{Yes: u(5_000), No: u(5_000), Bonded: u(10_000)}, gov.Rejected},
		{"one more yes", gov.TallyResult{Yes: u(5_001), No: u(4_999), Bonded: u(10_000)}, gov.Passed},
		{"abstain counts for quorum only", gov.TallyResult{Yes: u(1), Abstain: u(5_000), Bonded: u(10_000)}, gov.Passed},
		{"all abstain", gov.TallyResult{Abstain: u(10_000), Bonded: u(10_000)}, gov.Rejected},
		{"veto at its bound", gov.TallyResult{Yes: u(6_660), Veto: u(3_340), Bonded: u(10_000)}, gov.Passed},
		{"veto above it", gov.TallyResult{Yes: u(6_659), Veto: u(3_341), Bonded: u(10_000)}, gov.Vetoed},
	} {
		if got, why := c.t.Outcome(p); got != c.want {
			t.Errorf("%s: %s (%s), want %s", c.name, got, why, c.want)
		}
	}
}
