package staking

import (
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/crypto"
)

// Genesis is the module's part of the genesis file: its parameters, and
// the stake bonded from genesis balances. The genesis validators become
// candidates appointed by it, each operated by its consensus key's
// account; Bonds are their self-bonds and Nominations the stake behind
// them, taken from the accounts' genesis balances, so that stake votes
// in governance from the first block. A genesis file without a "staking"
// section gets DefaultParams and no stake.
type Genesis struct {
	Params      *Params       `json:"params,omitempty"`
	Bonds       []GenesisBond `json:"bonds,omitempty"`
	Nominations []Nomination  `json:"nominations,omitempty"`
}

// GenesisBond is a genesis validator's self-bond: Operator is its
// consensus key's account.
type GenesisBond struct {
	Operator crypto.Address `json:"operator"`
	Amount   pha.Amount     `json:"amount"`
}

// DefaultGenesis returns the genesis with DefaultParams.
func DefaultGenesis() Genesis {
	p := DefaultParams()
	return Genesis{Params: &p}
}

// Validate checks the parameters, if given, and that each bond and
// nomination names accounts and an amount; InitGenesis checks them
// against the validators and balances.
func (g Genesis) Validate() error {
	if g.Params != nil {
		if err := g.Params.Validate(); err != nil {
			return err
		}
	}
	for i, b := range g.Bonds {
		if b.Operator.IsZero() || b.Amount.IsZero() {
			return ErrBadMsg.Wrap("genesis bond %d: an operator and an amount", i)
		}
	}
	for i, n := range g.Nominations {
		if n.Nominator.IsZero() || n.Candidate.IsZero() || n.Amount.IsZero() || n.Nominator == n.Candidate {
			return ErrBadMsg.Wrap("genesis nomination %d: a nominator, another candidate and an amount", i)
		}
	}
	return nil
}

// ModuleName names the module whose section of app_state this is.
func (Genesis) ModuleName() string { return ModuleName }
