package staking

import (
	"github.com/phalanx-net/phalanx/chain/modules/registry"
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
	Params *Params `json:"params,omitempty"`
	// Operators name the operator accounts of genesis validators; one
	// not named is operated by its consensus key's account.
	Operators   []GenesisOperator `json:"operators,omitempty"`
	Bonds       []GenesisBond     `json:"bonds,omitempty"`
	Nominations []Nomination      `json:"nominations,omitempty"`
}

// GenesisOperator names the account that operates a genesis validator:
// it bonds, votes, unjails and is paid its rewards, while the consensus
// key's account only pays its gatekeeper enclave's fees.
type GenesisOperator struct {
	ConsensusKey registry.HexBytes `json:"consensus_key"`
	Operator     crypto.Address    `json:"operator"`
}

// GenesisBond is a genesis validator's self-bond, from its operator's
// genesis balance.
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
	keys, ops := map[string]bool{}, map[crypto.Address]bool{}
	for i, o := range g.Operators {
		if len(o.ConsensusKey) != ConsensusKeySize || o.Operator.IsZero() || keys[string(o.ConsensusKey)] || ops[o.Operator] {
			return ErrBadMsg.Wrap("genesis operator %d: a consensus key and an operator, each named once", i)
		}
		keys[string(o.ConsensusKey)], ops[o.Operator] = true, true
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
