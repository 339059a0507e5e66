package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/gov"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/internal/safetext"
)

const govLong = `Holders of bonded stake decide proposals that change the chain's rules. A
proposal is submitted with a deposit; once its deposits reach min_deposit
(within max_deposit_period) it is open to votes for voting_period. Votes are
weighed by bonded stake: a candidate's vote carries its self-bond and its
nominators' stake, except that of nominators who vote themselves. It passes
with a quorum (quorum_bp of all bonded stake voted), veto at most veto_bp of
the votes, and yes above threshold_bp of the votes other than abstain; it is
then carried out at the end of its voting period. Deposits are paid back,
except a vetoed proposal's, which go to the treasury.`

// newTxGovCmd is `phalanx tx gov submit|deposit|vote`.
func newTxGovCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{Use: "gov", Short: "Submit, fund and vote on governance proposals", Long: govLong}
	cmd.AddCommand(newTxGovSubmitCmd(c),
		newTxMsgCmd(c, "deposit FROM PROPOSAL AMOUNT", "Add AMOUNT of FROM's to a proposal's deposit", 3, func(args []string) (module.Msg, error) {
			id, err := parseProposalID(args[1])
			if err != nil {
				return nil, err
			}
			a, err := pha.Parse(args[2])
			return &gov.MsgDeposit{Proposal: id, Amount: a}, err
		}),
		newTxMsgCmd(c, "vote FROM PROPOSAL yes|abstain|no|veto", "Vote on a proposal with FROM's bonded stake (a later vote replaces it)", 3, func(args []string) (module.Msg, error) {
			id, err := parseProposalID(args[1])
			if err != nil {
				return nil, err
			}
			o, err := gov.ParseOption(args[2])
			return &gov.MsgVote{Proposal: id, Option: o}, err
		}),
	)
	return cmd
}

func parseProposalID(s string) (uint64, error) {
	id, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("proposal id %q: want a number", s)
	}
	return id, nil
}

// newTxGovSubmitCmd is `phalanx tx gov submit KIND FROM ...`: one
// subcommand per kind of proposal, sharing --title, --summary and
// --deposit.
func newTxGovSubmitCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{Use: "submit", Short: "Submit a proposal: text, params, allowlist, spend, upgrade or retire-council"}
	kind := func(use, short, long string, nargs int, content func(args []string) (gov.Content, error)) *cobra.Command {
		var title, summary, deposit string
		sub := newTxMsgCmd(c, use, short, nargs, func(args []string) (module.Msg, error) {
			ct, err := content(args)
			if err != nil {
				return nil, err
			}
			m := &gov.MsgSubmit{Title: title, Summary: summary, Content: ct}
			if deposit != "" {
				if m.Deposit, err = pha.Parse(deposit); err != nil {
					return nil, fmt.Errorf("--deposit: %w", err)
				}
			}
			return m, m.ValidateBasic()
		})
		sub.Long = long
		sub.Flags().StringVar(&title, "title", "", "the proposal's title (required)")
		sub.Flags().StringVar(&summary, "summary", "", "what it does and why")
		sub.Flags().StringVar(&deposit, "deposit", "", "the first deposit, from FROM (e.g. 1000PHA); others may add to it")
		_ = sub.MarkFlagRequired("title")
		return sub
	}
	cmd.AddCommand(
		kind("text FROM", "A proposal that carries nothing out: a statement the network votes on", "", 1,
			func([]string) (gov.Content, error) { return gov.Content{}, nil }),
		kind("params FROM MODULE CHANGES", "Change some of a module's parameters",
			`CHANGES is a JSON object of the parameters that change, named as in
the module's params in the genesis file (docs/protocol.md lists them), e.g.
'{"max_validators": 50}' for staking; the others keep their value. The module
checks the change when it is submitted and again when it passes.`, 3,
			func(args []string) (gov.Content, error) {
				return gov.Content{Params: &gov.ParamChange{Module: args[1], Changes: json.RawMessage(args[2])}}, nil
			}),
		newAllowlistCmd(kind),
		kind("spend FROM TO AMOUNT", "Pay AMOUNT from the treasury to TO", "", 3, func(args []string) (gov.Content, error) {
			to, err := c.resolveAddress(args[1])
			if err != nil {
				return gov.Content{}, err
			}
			a, err := pha.Parse(args[2])
			return gov.Content{Spend: &gov.Spend{To: to, Amount: a}}, err
		}),
		newUpgradeCmd(kind),
		kind("retire-council FROM", "Remove the bootstrap council: from then on only governance changes the registry's parameters",
			`Sets the registry's council to the zero address, which no key signs
for: registry/update-params and keys/rotate-master-key are then refused to
everyone, and the allowlist and the other registry parameters change by
proposal only.`, 1,
			func([]string) (gov.Content, error) {
				var none crypto.Address
				return gov.Content{Params: &gov.ParamChange{Module: registry.ModuleName, Changes: json.RawMessage(`{"council":"` + none.String() + `"}`)}}, nil
			}),
	)
	return cmd
}

type kindFunc func(use, short, long string, nargs int, content func(args []string) (gov.Content, error)) *cobra.Command

func newAllowlistCmd(kind kindFunc) *cobra.Command {
	var add, remove []string
	cmd := kind("allowlist FROM", "Add measurements to the TEE allowlist, or remove them",
		`Each --add or --remove is PLATFORM:HEX (tdx, sevsnp or sim, and the
measurement in hex: MRTD for TDX, the launch measurement for SEV-SNP), with an
optional :NOTE for --add. The change applies to the allowlist as it is when
the proposal passes; an enclave whose measurement is removed loses its
standing in that block.`, 1,
		func([]string) (gov.Content, error) {
			var ch gov.AllowlistChange
			for _, s := range add {
				m, err := parseMeasurement(s)
				if err != nil {
					return gov.Content{}, fmt.Errorf("--add: %w", err)
				}
				ch.Add = append(ch.Add, m)
			}
			for _, s := range remove {
				m, err := parseMeasurement(s)
				if err != nil {
					return gov.Content{}, fmt.Errorf("--remove: %w", err)
				}
				ch.Remove = append(ch.Remove, m)
			}
			return gov.Content{Allowlist: &ch}, nil
		})
	cmd.Flags().StringArrayVar(&add, "add", nil, "PLATFORM:HEX[:NOTE] to add (repeatable)")
	cmd.Flags().StringArrayVar(&remove, "remove", nil, "PLATFORM:HEX to remove (repeatable)")
	return cmd
}

func newUpgradeCmd(kind kindFunc) *cobra.Command {
	var info string
	cmd := kind("upgrade FROM NAME HEIGHT", "Stop every node at HEIGHT until its operator runs a binary that knows the upgrade NAME",
		`At HEIGHT every node stops before it executes that block, saying which
upgrade it needs. Its operator then starts the release that implements NAME
(--info says where to find it), which resumes the chain from there. A later
upgrade proposal that passes replaces a planned one.`, 3,
		func(args []string) (gov.Content, error) {
			h, err := strconv.ParseInt(args[2], 10, 64)
			if err != nil {
				return gov.Content{}, fmt.Errorf("height %q: want a number", args[2])
			}
			return gov.Content{Upgrade: &gov.Upgrade{Name: args[1], Height: h, Info: info}}, nil
		})
	cmd.Flags().StringVar(&info, "info", "", "where operators find the release (a URL, a version)")
	return cmd
}

// newQueryGovCmd is `phalanx query gov proposals|proposal|tally|params`.
func newQueryGovCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{Use: "gov", Short: "Read governance: proposals, their tally, the planned upgrade", Long: govLong}
	proposals := &cobra.Command{
		Use:   "proposals",
		Short: "List the proposals, the open ones with their running tally",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cl, ctx, cancel, err := c.connect()
			if err != nil {
				return err
			}
			defer cancel()
			ps, err := cl.Proposals(ctx)
			if err != nil {
				return c.explainConn(err)
			}
			out := make([]proposalOut, len(ps))
			for i, p := range ps {
				out[i].Proposal = p
				if p.Status == gov.VotingPeriod {
					t, err := cl.Tally(ctx, p.ID)
					if err != nil {
						return c.explainConn(err)
					}
					out[i].Running = &t
				}
			}
			return c.print(out, func(w io.Writer) {
				for _, o := range out {
					showProposal(w, o, false)
				}
				if len(out) == 0 {
					fmt.Fprintln(w, "No proposals.")
				}
			})
		},
	}
	proposal := &cobra.Command{
		Use:   "proposal ID",
		Short: "Show a proposal, what it carries out and its tally",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o, err := c.fetchProposal(args[0])
			if err != nil {
				return err
			}
			return c.print(o, func(w io.Writer) { showProposal(w, o, true) })
		},
	}
	tally := &cobra.Command{
		Use:   "tally ID",
		Short: "Show a proposal's tally: final once decided, else counted now as the chain will count it",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseProposalID(args[0])
			if err != nil {
				return err
			}
			cl, ctx, cancel, err := c.connect()
			if err != nil {
				return err
			}
			defer cancel()
			t, err := cl.Tally(ctx, id)
			if err != nil {
				return c.explainConn(err)
			}
			p, err := cl.GovParams(ctx)
			if err != nil {
				return c.explainConn(err)
			}
			status, why := t.Outcome(p)
			out := tallyOut{TallyResult: t, Outcome: status, Reason: why}
			return c.print(out, func(w io.Writer) {
				showTally(w, t)
				fmt.Fprintf(w, "As counted: %s\n", why)
			})
		},
	}
	params := &cobra.Command{
		Use:   "params",
		Short: "Show governance's parameters",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cl, ctx, cancel, err := c.connect()
			if err != nil {
				return err
			}
			defer cancel()
			p, err := cl.GovParams(ctx)
			if err != nil {
				return c.explainConn(err)
			}
			return c.print(p, func(w io.Writer) {
				fmt.Fprintf(w, "min_deposit %s within %s; voting for %s; quorum %s, threshold %s, veto %s; at most %d open\n",
					p.MinDeposit.PHA(), time.Duration(p.MaxDepositPeriod)*time.Second, time.Duration(p.VotingPeriod)*time.Second,
					bp(p.QuorumBP), bp(p.ThresholdBP), bp(p.VetoBP), p.MaxOpen)
			})
		},
	}
	for _, sub := range []*cobra.Command{proposals, proposal, tally, params} {
		c.addClientFlags(sub)
	}
	cmd.AddCommand(proposals, proposal, tally, params)
	return cmd
}

type proposalOut struct {
	gov.Proposal
	// Running is the tally counted now, for a proposal in its voting
	// period.
	Running  *gov.TallyResult `json:"running_tally,omitempty"`
	Deposits []gov.Deposit    `json:"deposits,omitempty"`
}

type tallyOut struct {
	gov.TallyResult
	Outcome gov.Status `json:"outcome"`
	Reason  string     `json:"reason"`
}

func (c *cli) fetchProposal(arg string) (proposalOut, error) {
	id, err := parseProposalID(arg)
	if err != nil {
		return proposalOut{}, err
	}
	cl, ctx, cancel, err := c.connect()
	if err != nil {
		return proposalOut{}, err
	}
	defer cancel()
	p, ok, err := cl.Proposal(ctx, id)
	if err != nil {
		return proposalOut{}, c.explainConn(err)
	}
	if !ok {
		return proposalOut{}, fmt.Errorf("no proposal %d", id)
	}
	o := proposalOut{Proposal: p}
	if p.Status == gov.VotingPeriod {
		t, err := cl.Tally(ctx, id)
		if err != nil {
			return proposalOut{}, c.explainConn(err)
		}
		o.Running = &t
	}
	if p.Status.Open() {
		all, err := cl.Deposits(ctx)
		if err != nil {
			return proposalOut{}, c.explainConn(err)
		}
		for _, d := range all {
			if d.Proposal == id {
				o.Deposits = append(o.Deposits, d)
			}
		}
	}
	return o, nil
}

func bp(n uint32) string { return fmt.Sprintf("%d.%02d%%", n/100, n%100) }

func unix(s int64) string { return time.Unix(s, 0).UTC().Format(time.RFC3339) }

func showProposal(w io.Writer, o proposalOut, full bool) {
	p := o.Proposal
	fmt.Fprintf(w, "Proposal %d  %s  %s  %s\n", p.ID, p.Content.Kind(), p.Status, safetext.Show(p.Title))
	fmt.Fprintf(w, "  by %s, deposit %s\n", p.Proposer, p.Deposit.PHA())
	switch p.Status {
	case gov.DepositPeriod:
		fmt.Fprintf(w, "  takes deposits until %s\n", unix(p.DepositEnd))
	case gov.VotingPeriod:
		fmt.Fprintf(w, "  voting until %s\n", unix(p.VotingEnd))
	default:
		fmt.Fprintf(w, "  decided at height %d: %s\n", p.DecidedHeight, safetext.Show(p.Reason))
	}
	if !full {
		return
	}
	switch c := p.Content; {
	case c.Params != nil:
		fmt.Fprintf(w, "  changes %s's parameters: %s\n", safetext.Show(c.Params.Module), safetext.Show(string(c.Params.Changes)))
	case c.Allowlist != nil:
		for _, m := range c.Allowlist.Add {
			fmt.Fprintf(w, "  allows %s %x %s\n", safetext.Show(m.Platform), []byte(m.Value), safetext.Show(m.Note))
		}
		for _, m := range c.Allowlist.Remove {
			fmt.Fprintf(w, "  removes %s %x\n", safetext.Show(m.Platform), []byte(m.Value))
		}
	case c.Spend != nil:
		fmt.Fprintf(w, "  pays %s from the treasury to %s\n", c.Spend.Amount.PHA(), c.Spend.To)
	case c.Upgrade != nil:
		fmt.Fprintf(w, "  upgrade %s at height %d %s\n", c.Upgrade.Name, c.Upgrade.Height, safetext.Show(c.Upgrade.Info))
	}
	if p.Summary != "" {
		fmt.Fprintf(w, "  %s\n", safetext.Show(p.Summary))
	}
	for _, d := range o.Deposits {
		fmt.Fprintf(w, "  deposit %s from %s\n", d.Amount.PHA(), d.Depositor)
	}
	switch {
	case p.Tally != nil:
		showTally(w, *p.Tally)
	case o.Running != nil:
		fmt.Fprint(w, "  so far: ")
		showTally(w, *o.Running)
	}
}

func showTally(w io.Writer, t gov.TallyResult) {
	fmt.Fprintf(w, "yes %s, no %s, veto %s, abstain %s; %s voted of %s bonded\n",
		t.Yes.PHA(), t.No.PHA(), t.Veto.PHA(), t.Abstain.PHA(), t.Voted().PHA(), t.Bonded.PHA())
}
