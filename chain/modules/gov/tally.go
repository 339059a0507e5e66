package gov

import (
	"github.com/phalanx-net/phalanx/chain/modules/staking"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/crypto"
)

// TallyResult is a proposal's count: the stake behind each option, and
// all the stake that could have voted.
type TallyResult struct {
	Yes     pha.Amount `cbor:"1,keyasint" json:"yes"`
	Abstain pha.Amount `cbor:"2,keyasint" json:"abstain"`
	No      pha.Amount `cbor:"3,keyasint" json:"no"`
	Veto    pha.Amount `cbor:"4,keyasint" json:"veto"`
	Bonded  pha.Amount `cbor:"5,keyasint" json:"bonded"`
}

// Voted returns the stake that voted.
func (t TallyResult) Voted() pha.Amount { return sum(t.Yes, t.Abstain, t.No, t.Veto) }

// Outcome is what the tally decides under p: Passed, Rejected (no
// quorum, or not more than the threshold of yes) or Vetoed, with the
// reason for people.
func (t TallyResult) Outcome(p Params) (Status, string) {
	voted := t.Voted()
	if t.Bonded.IsZero() || below(voted, t.Bonded, p.QuorumBP) {
		return Rejected, "no quorum: " + voted.PHA() + " of " + t.Bonded.PHA() + " bonded voted, below quorum_bp " + itoa(uint64(p.QuorumBP))
	}
	if above(t.Veto, voted, p.VetoBP) {
		return Vetoed, "vetoed: " + t.Veto.PHA() + " of " + voted.PHA() + " voted veto, above veto_bp " + itoa(uint64(p.VetoBP))
	}
	cast := sum(t.Yes, t.No, t.Veto)
	if cast.IsZero() || !above(t.Yes, cast, p.ThresholdBP) {
		return Rejected, "rejected: " + t.Yes.PHA() + " yes of " + cast.PHA() + " not abstaining, not above threshold_bp " + itoa(uint64(p.ThresholdBP))
	}
	return Passed, "passed: " + t.Yes.PHA() + " yes of " + cast.PHA() + " not abstaining"
}

// below reports whether a < bp/10,000 of b; above whether a > bp/10,000
// of b. Amounts are parts of the supply (below 2^70), so neither product
// overflows.
func below(a, b pha.Amount, bp uint32) bool { return mul(a, 10_000).Lt(mul(b, uint64(bp))) }
func above(a, b pha.Amount, bp uint32) bool { return mul(b, uint64(bp)).Lt(mul(a, 10_000)) }

func mul(a pha.Amount, n uint64) pha.Amount {
	p, err := a.MulUint64(n)
	if err != nil {
		panic(err) // parts of the supply times 10,000
	}
	return p
}

func sum(as ...pha.Amount) pha.Amount {
	var s pha.Amount
	for _, a := range as {
		var err error
		if s, err = s.Add(a); err != nil {
			panic(err) // parts of the supply
		}
	}
	return s
}

// Tallier counts a proposal's votes by stake: feed it every candidate
// and every nomination of the staking ledger, in any order, then read
// Result. A candidate's vote carries its self-bond and the nominations
// behind it whose nominators did not vote; a nominator that voted
// carries its own nominations, whatever its candidates voted. Stake not
// behind any vote counts toward Bonded only. A tombstoned candidate's
// stake (it signed twice; it is leaving for good) does not vote.
type Tallier struct {
	votes map[crypto.Address]Option
	dead  map[crypto.Address]bool // tombstoned candidates
	by    [Veto + 1]pha.Amount
	total pha.Amount
}

// NewTallier returns a tallier of the votes given (each account's last).
func NewTallier(votes []Vote) *Tallier {
	t := &Tallier{votes: make(map[crypto.Address]Option, len(votes)), dead: map[crypto.Address]bool{}}
	for _, v := range votes {
		if v.Option.Valid() {
			t.votes[v.Voter] = v.Option
		}
	}
	return t
}

// Candidate counts a candidate's self-bond. Candidates come before the
// nominations behind them only if a tombstoned candidate is to be known:
// feed every candidate first.
func (t *Tallier) Candidate(c staking.Candidate) {
	if c.Tombstoned {
		t.dead[c.Operator] = true
		return
	}
	t.add(c.SelfBond, c.Operator)
}

// Nomination counts a nomination: for its nominator's vote, else its
// candidate's.
func (t *Tallier) Nomination(n staking.Nomination) {
	if t.dead[n.Candidate] {
		return
	}
	if o, ok := t.votes[n.Nominator]; ok {
		t.total = sum(t.total, n.Amount)
		t.by[o] = sum(t.by[o], n.Amount)
		return
	}
	t.add(n.Amount, n.Candidate)
}

func (t *Tallier) add(a pha.Amount, voter crypto.Address) {
	t.total = sum(t.total, a)
	if o, ok := t.votes[voter]; ok {
		t.by[o] = sum(t.by[o], a)
	}
}

// Result returns the count.
func (t *Tallier) Result() TallyResult {
	return TallyResult{Yes: t.by[Yes], Abstain: t.by[Abstain], No: t.by[No], Veto: t.by[Veto], Bonded: t.total}
}
