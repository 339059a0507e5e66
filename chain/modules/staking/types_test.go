package staking_test

import (
	"errors"
	"testing"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/modules/staking"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/crypto"
)

// Messages and parameters that cannot be right are refused before any
// state is read, each with the module's code.
func TestValidateRefusals(t *testing.T) {
	var someone crypto.Address
	someone[0] = 1
	for name, m := range map[string]interface{ ValidateBasic() error }{
		"a bond of zero":           &staking.MsgBond{ConsensusKey: make([]byte, 32)},
		"a consensus key of 31":    &staking.MsgBond{ConsensusKey: make([]byte, 31), Amount: pha.Tokens(1)},
		"a nomination of nobody":   &staking.MsgNominate{Amount: pha.Tokens(1)},
		"a nomination of zero":     &staking.MsgNominate{Candidate: someone},
		"an unbonding of zero":     &staking.MsgUnbond{Candidate: someone},
		"an unbonding from nobody": &staking.MsgUnbond{Amount: pha.Tokens(1)},
	} {
		if err := m.ValidateBasic(); !errors.Is(err, staking.ErrBadMsg) {
			t.Errorf("%s: %v", name, err)
		}
	}
	for name, change := range map[string]func(*staking.Params){
		"no epoch":                 func(p *staking.Params) { p.EpochBlocks = 0 },
		"no validators":            func(p *staking.Params) { p.MaxValidators = 0 },
		"min above max validators": func(p *staking.Params) { p.MinValidators = p.MaxValidators + 1 },
		"no self-bond":             func(p *staking.Params) { p.MinSelfBond = pha.Zero },
		"no unbonding time":        func(p *staking.Params) { p.UnbondingTime = 0 },
		"max missed the window":    func(p *staking.Params) { p.MaxMissed = p.SignedWindow },
		"a slash above everything": func(p *staking.Params) { p.DoubleSignSlashBP = 10_001 },
		"a jail time before now":   func(p *staking.Params) { p.JailTime = -1 },
	} {
		p := staking.DefaultParams()
		change(&p)
		if err := p.Validate(); !errors.Is(err, staking.ErrBadParams) {
			t.Errorf("%s: %v", name, err)
		}
		if err := (staking.Genesis{Params: &p}).Validate(); !errors.Is(err, staking.ErrBadParams) {
			t.Errorf("genesis with %s: %v", name, err)
		}
	}
	if err := staking.DefaultParams().Validate(); err != nil {
		t.Fatal(err)
	}
}

// FuzzMsgs decodes arbitrary bytes as each staking message: nothing
// panics, and a message that validates encodes back to what decodes to
// it.
func FuzzMsgs(f *testing.F) {
	var someone crypto.Address
	someone[2] = 7
	for _, m := range []any{
		&staking.MsgBond{ConsensusKey: make([]byte, staking.ConsensusKeySize), Amount: pha.Tokens(10_000)},
		&staking.MsgNominate{Candidate: someone, Amount: pha.Tokens(5)},
		&staking.MsgUnbond{Candidate: someone, Amount: pha.Units(1)},
		&staking.MsgClaim{Candidate: someone},
		&staking.MsgUnjail{},
	} {
		f.Add(codec.MustMarshal(m))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, m := range []interface{ ValidateBasic() error }{&staking.MsgBond{}, &staking.MsgNominate{}, &staking.MsgUnbond{}, &staking.MsgClaim{}, &staking.MsgUnjail{}} {
			if codec.Unmarshal(b, m) != nil || m.ValidateBasic() != nil {
				continue
			}
			if err := codec.Unmarshal(codec.MustMarshal(m), m); err != nil {
				t.Fatalf("a valid %T does not decode from its own encoding: %v", m, err)
			}
		}
	})
}
