package devnet

import (
	"github.com/phalanx-net/phalanx/chain/modules/gov"
	"github.com/phalanx-net/phalanx/chain/modules/staking"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/node"
)

// GovParams are governance's defaults with periods a person at a devnet
// waits for: a minute of voting, two of deposits, 100 PHA of deposit.
func GovParams() gov.Params {
	p := gov.DefaultParams()
	p.MinDeposit = pha.Tokens(100)
	p.MaxDepositPeriod = 120
	p.VotingPeriod = 60
	return p
}

func (d *Devnet) govParams() *gov.Params {
	if d.cfg.Gov != nil {
		return d.cfg.Gov
	}
	p := GovParams()
	return &p
}

// stakingGenesis bonds SelfBond of each gatekeeper's own, from its
// validator account, and has alice nominate gk0 with Nomination, unless
// the config says NoGenesisStake.
func (d *Devnet) stakingGenesis(vals []node.Validator, alice crypto.Address) (staking.Genesis, error) {
	g := staking.Genesis{Params: d.cfg.Staking}
	if d.cfg.NoGenesisStake {
		return g, nil
	}
	for i, v := range vals {
		op, err := v.ValidatorAccount()
		if err != nil {
			return g, err
		}
		g.Bonds = append(g.Bonds, staking.GenesisBond{Operator: op, Amount: SelfBond})
		if i == 0 {
			g.Nominations = []staking.Nomination{{Nominator: alice, Candidate: op, Amount: Nomination}}
		}
	}
	return g, nil
}
