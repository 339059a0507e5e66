package main

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/staking"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/sdk/client"
)

// newTxStakingCmd is `phalanx tx staking bond|nominate|unbond`.
func newTxStakingCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "staking",
		Short: "Bond, nominate and unbond the gatekeepers' stake",
		Long: `A candidate for the gatekeeper set bonds PHA of its own under its node's
consensus key (not its account's key); holders nominate candidates with
theirs; stake leaves through an unbonding period (unbonding_time, 7 days by
default). Bonded and unbonding PHA is held by the staking module's account.
At the end of each epoch (epoch_blocks) the candidates with at least
min_self_bond of their own whose gatekeeper enclave is registered and holds
the master key are ranked by stake; the top max_validators become CometBFT's
validators, at a voting power of their stake in whole PHA, if they are at
least min_validators (else the set stays). The enclave of a candidate's node
registers from the account of its consensus key, which the first bond allows
to (fund it for the fees); rewards for its blocks go to the operator.`,
	}
	bond := newTxMsgCmd(c, "bond FROM AMOUNT [CONSENSUS_KEY]", "Bond AMOUNT of FROM's own as a candidate; the first bond names the node's consensus key (base64, as phalanx init prints it, or hex)", 0,
		func(args []string) (module.Msg, error) {
			a, err := pha.Parse(args[1])
			if err != nil {
				return nil, err
			}
			m := &staking.MsgBond{Amount: a}
			if len(args) == 3 {
				if m.ConsensusKey, err = parseConsensusKey(args[2]); err != nil {
					return nil, err
				}
			}
			return m, nil
		})
	bond.Args = cobra.RangeArgs(2, 3)
	cmd.AddCommand(bond,
		newTxMsgCmd(c, "nominate FROM CANDIDATE AMOUNT", "Put AMOUNT of FROM's behind CANDIDATE", 3, func(args []string) (module.Msg, error) {
			cand, err := c.resolveAddress(args[1])
			if err != nil {
				return nil, err
			}
			a, err := pha.Parse(args[2])
			return &staking.MsgNominate{Candidate: cand, Amount: a}, err
		}),
		newTxMsgCmd(c, "claim FROM CANDIDATE", "Pay FROM the rewards its nomination of CANDIDATE earned (paid too whenever the nomination changes)", 2, func(args []string) (module.Msg, error) {
			cand, err := c.resolveAddress(args[1])
			return &staking.MsgClaim{Candidate: cand}, err
		}),
		newTxMsgCmd(c, "unjail FROM", "Make FROM's jailed candidacy eligible again, once its jail time has passed", 1, func([]string) (module.Msg, error) {
			return &staking.MsgUnjail{}, nil
		}),
		newTxMsgCmd(c, "unbond FROM CANDIDATE AMOUNT", "Start paying back AMOUNT of FROM's stake behind CANDIDATE (FROM itself: its self-bond)", 3, func(args []string) (module.Msg, error) {
			cand, err := c.resolveAddress(args[1])
			if err != nil {
				return nil, err
			}
			a, err := pha.Parse(args[2])
			return &staking.MsgUnbond{Candidate: cand, Amount: a}, err
		}),
	)
	return cmd
}

// parseConsensusKey reads an ed25519 consensus key in base64 (as CometBFT
// and phalanx init print it) or hex.
func parseConsensusKey(s string) ([]byte, error) {
	if b, err := base64.StdEncoding.DecodeString(s); err == nil && len(b) == staking.ConsensusKeySize {
		return b, nil
	}
	if b, err := hex.DecodeString(s); err == nil && len(b) == staking.ConsensusKeySize {
		return b, nil
	}
	return nil, fmt.Errorf("consensus key %q: want a 32-byte ed25519 key in base64 or hex", s)
}

// newQueryStakingCmd is `phalanx query staking validators|validator|nominations`.
func newQueryStakingCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{Use: "staking", Short: "Read the gatekeepers' stake: candidates, the validators, nominations"}
	show := func(w io.Writer, cand staking.Candidate, power int64) {
		elected := "not a validator"
		if power > 0 {
			elected = fmt.Sprintf("validator, power %d", power)
		}
		appointed := ""
		if cand.Appointed {
			appointed = ", genesis validator"
		}
		switch {
		case cand.Tombstoned:
			appointed += ", jailed for good (signed twice)"
		case cand.Jailed:
			appointed += fmt.Sprintf(", jailed until %s", time.Unix(cand.JailedUntil, 0).UTC().Format(time.RFC3339))
		}
		if !cand.Slashed.IsZero() {
			appointed += ", slashed " + cand.Slashed.PHA()
		}
		fmt.Fprintf(w, "%s  stake %s (own %s, nominated %s)  %s%s\n  consensus key %s\n", cand.Operator, cand.Stake().PHA(), cand.SelfBond.PHA(), cand.Nominated.PHA(),
			elected, appointed, base64.StdEncoding.EncodeToString(cand.ConsensusKey))
	}
	type candidateOut struct {
		staking.Candidate
		Power int64 `json:"power"`
	}
	validators := &cobra.Command{
		Use:   "validators",
		Short: "List the candidates, and which are validators at what voting power",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cl, ctx, cancel, err := c.connect()
			if err != nil {
				return err
			}
			defer cancel()
			cands, err := cl.Candidates(ctx)
			if err != nil {
				return c.explainConn(err)
			}
			p, err := cl.StakingParams(ctx)
			if err != nil {
				return c.explainConn(err)
			}
			power, err := activePowers(ctx, cl)
			if err != nil {
				return c.explainConn(err)
			}
			out := make([]candidateOut, len(cands))
			for i, cand := range cands {
				out[i] = candidateOut{cand, power[string(cand.ConsensusKey)]}
			}
			return c.print(out, func(w io.Writer) {
				for _, o := range out {
					show(w, o.Candidate, o.Power)
				}
				fmt.Fprintf(w, "%d candidates. Every %d blocks the top %d by stake with at least %s of their own, whose gatekeeper enclave holds the master key, become the validators, if they are at least %d.\n",
					len(out), p.EpochBlocks, p.MaxValidators, p.MinSelfBond.PHA(), p.MinValidators)
			})
		},
	}
	c.addClientFlags(validators)
	validator := &cobra.Command{
		Use:   "validator ADDRESS|KEY",
		Short: "Show a candidate",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			op, err := c.resolveAddress(args[0])
			if err != nil {
				return err
			}
			cl, ctx, cancel, err := c.connect()
			if err != nil {
				return err
			}
			defer cancel()
			cand, ok, err := cl.Candidate(ctx, op)
			if err != nil {
				return c.explainConn(err)
			}
			if !ok {
				return fmt.Errorf("%s is no candidate", describe(args[0], op))
			}
			power, err := activePowers(ctx, cl)
			if err != nil {
				return c.explainConn(err)
			}
			out := candidateOut{Candidate: cand, Power: power[string(cand.ConsensusKey)]}
			return c.print(out, func(w io.Writer) { show(w, cand, out.Power) })
		},
	}
	c.addClientFlags(validator)
	c.addKeyringFlags(validator)
	nominations := &cobra.Command{
		Use:   "nominations [ADDRESS|KEY]",
		Short: "List the nominations, or those an account made or received",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, ctx, cancel, err := c.connect()
			if err != nil {
				return err
			}
			defer cancel()
			all, err := cl.Nominations(ctx)
			if err != nil {
				return c.explainConn(err)
			}
			ns := all
			if len(args) == 1 {
				a, err := c.resolveAddress(args[0])
				if err != nil {
					return err
				}
				ns = nil
				for _, n := range all {
					if n.Nominator == a || n.Candidate == a {
						ns = append(ns, n)
					}
				}
			}
			cands, err := cl.Candidates(ctx)
			if err != nil {
				return c.explainConn(err)
			}
			byOp := map[crypto.Address]staking.Candidate{}
			for _, cand := range cands {
				byOp[cand.Operator] = cand
			}
			out := make([]nominationOut, len(ns))
			for i, n := range ns {
				out[i] = nominationOut{Nomination: n, Owed: n.Owed(byOp[n.Candidate])}
			}
			return c.print(out, func(w io.Writer) {
				for _, n := range out {
					fmt.Fprintf(w, "%s nominates %s with %s, owed %s in rewards\n", n.Nominator, n.Candidate, n.Amount.PHA(), n.Owed.PHA())
				}
				if len(ns) == 0 {
					fmt.Fprintln(w, "No nominations.")
				}
			})
		},
	}
	c.addClientFlags(nominations)
	c.addKeyringFlags(nominations)
	cmd.AddCommand(validators, validator, nominations)
	return cmd
}

// nominationOut is a nomination with the rewards it is owed (paid by
// tx staking claim).
type nominationOut struct {
	staking.Nomination
	Owed pha.Amount `json:"owed"`
}

// activePowers maps each validator's consensus key (as a string of its
// bytes) to its voting power.
func activePowers(ctx context.Context, cl *client.Client) (map[string]int64, error) {
	vals, err := cl.ActiveValidators(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]int64{}
	for _, v := range vals {
		out[string(v.ConsensusKey)] = v.Power
	}
	return out, nil
}
