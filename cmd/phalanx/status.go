package main

import (
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"
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
			return c.print(out, func(w io.Writer) {
				fmt.Fprintf(w, "Chain     %s\nNode      %s (%s) at %s\nHeight    %d at %s\nApp hash  %s\nSyncing   %v\nGatekeepers %d, total voting power %d\nVersions  app %d, CometBFT %s\n",
					out.ChainID, out.Moniker, out.NodeID, out.Node, out.Height, out.Time.Format(time.RFC3339), out.AppHash, out.CatchingUp,
					out.Validators, out.VotingPower, out.AppVersion, out.CometVersion)
			})
		},
	}
	c.addClientFlags(cmd)
	return cmd
}
