package main

import (
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/phalanx-net/phalanx/chain/modules/registry"
)

type statusOut struct {
	Node         string    `json:"node"`
	ChainID      string    `json:"chain_id"`
	Moniker      string    `json:"moniker"`
	NodeID       string    `json:"node_id"`
	Height       int64     `json:"latest_block_height"`
	Time         time.Time `json:"latest_block_time"`
	AppHash      string    `json:"latest_app_hash"`
	CatchingUp   bool      `json:"catching_up"`
	Validators   int       `json:"validators"`
	VotingPower  int64     `json:"total_voting_power"`
	IsValidator  bool      `json:"is_validator"`
	AppVersion   uint64    `json:"app_version"`
	CometVersion string    `json:"cometbft_version"`
	// Collateral is the vendor collateral the chain stores, with its
	// state at the latest block's time.
	Collateral []collateralStatus `json:"collateral,omitempty"`
}

// collateralStatus is one stored collateral set in status.
type collateralStatus struct {
	Scope   string    `json:"scope"`
	Issued  time.Time `json:"issued"`
	Expires time.Time `json:"expires"`
	// State is current, "expires soon" (within a week) or expired.
	State string `json:"state"`
}

// collateralStatuses describes the stored sets at block time now.
func collateralStatuses(cols []registry.Collateral, now time.Time) []collateralStatus {
	out := make([]collateralStatus, 0, len(cols))
	for _, col := range cols {
		out = append(out, collateralStatus{Scope: col.Scope, Issued: time.Unix(col.Issued, 0).UTC(), Expires: time.Unix(col.Expires, 0).UTC(), State: col.Health(now)})
	}
	return out
}

// printCollateral prints the stored collateral sets and what to do about
// those that expire.
func printCollateral(w io.Writer, cols []collateralStatus) {
	if len(cols) == 0 {
		fmt.Fprintln(w, "Collateral none stored (TDX and SEV-SNP registrations are verified without it, unless require_collateral)")
		return
	}
	fmt.Fprintln(w, "Collateral")
	renew := false
	for _, c := range cols {
		flag := ""
		switch c.State {
		case registry.CollateralExpired:
			flag, renew = "  EXPIRED: registrations of this scope are refused", true
		case registry.CollateralDue:
			flag, renew = "  expires soon", true
		}
		fmt.Fprintf(w, "  %-28s issued %s, expires %s%s\n", c.Scope, c.Issued.Format(time.RFC3339), c.Expires.Format(time.RFC3339), flag)
	}
	if renew {
		fmt.Fprintln(w, "  renew with `phalanx tee collateral fetch --submit` (docs/operations.md)")
	}
}

func newStatusCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show a node's view of the chain: height, app hash, validators",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cl, ctx, cancel, err := c.connect()
			if err != nil {
				return err
			}
			defer cancel()
			st, err := cl.Status(ctx)
			if err != nil {
				return c.explainConn(err)
			}
			out := statusOut{
				Node: cl.Node(), ChainID: st.NodeInfo.Network, Moniker: st.NodeInfo.Moniker, NodeID: string(st.NodeInfo.DefaultNodeID),
				Height: st.SyncInfo.LatestBlockHeight, Time: st.SyncInfo.LatestBlockTime, AppHash: st.SyncInfo.LatestAppHash.String(),
				CatchingUp: st.SyncInfo.CatchingUp, IsValidator: st.ValidatorInfo.VotingPower > 0,
				AppVersion: st.NodeInfo.ProtocolVersion.App, CometVersion: st.NodeInfo.Version,
			}
			h := st.SyncInfo.LatestBlockHeight
			if vals, err := cl.RPC().Validators(ctx, &h, nil, nil); err == nil {
				out.Validators = vals.Total
				for _, v := range vals.Validators {
					out.VotingPower += v.VotingPower
				}
			}
			if cols, err := cl.Collaterals(ctx); err == nil {
				out.Collateral = collateralStatuses(cols, out.Time)
			}
			return c.print(out, func(w io.Writer) {
				fmt.Fprintf(w, "Chain     %s\nNode      %s (%s) at %s\nHeight    %d at %s\nApp hash  %s\nSyncing   %v\nGatekeepers %d, total voting power %d\nVersions  app %d, CometBFT %s\n",
					out.ChainID, out.Moniker, out.NodeID, out.Node, out.Height, out.Time.Format(time.RFC3339), out.AppHash, out.CatchingUp,
					out.Validators, out.VotingPower, out.AppVersion, out.CometVersion)
				printCollateral(w, out.Collateral)
			})
		},
	}
	c.addClientFlags(cmd)
	return cmd
}
