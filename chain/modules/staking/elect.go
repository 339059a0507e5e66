package staking

import (
	"bytes"
	"slices"

	"github.com/phalanx-net/phalanx/chain/pha"
)

// Elected is a candidate in the active set, and its voting power.
type Elected struct {
	Candidate Candidate
	// Power is its stake in whole PHA: a billion PHA in all stays far
	// below CometBFT's bound on the total voting power.
	Power int64
}

// Elect returns the active set among cands: those with at least
// MinSelfBond of their own, the MaxValidators with the most stake, in
// order of stake (ties by operator address, so the result does not depend
// on the order of cands). A candidate with less than one whole PHA of
// stake has no power and is not elected.
func Elect(cands []Candidate, p Params) []Elected {
	var out []Elected
	for _, c := range cands {
		if c.SelfBond.Lt(p.MinSelfBond) {
			continue
		}
		whole, err := c.Stake().MulDiv(pha.Units(1), pha.Tokens(1))
		if err != nil || whole.IsZero() || !whole.IsUint64() {
			continue
		}
		out = append(out, Elected{Candidate: c, Power: int64(whole.Uint64())})
	}
	slices.SortFunc(out, func(a, b Elected) int {
		if c := b.Candidate.Stake().Cmp(a.Candidate.Stake()); c != 0 {
			return c
		}
		return bytes.Compare(a.Candidate.Operator[:], b.Candidate.Operator[:])
	})
	if len(out) > int(p.MaxValidators) {
		out = out[:p.MaxValidators]
	}
	return out
}
