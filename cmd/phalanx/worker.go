package main

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/phalanx-net/phalanx/chain/modules/computing"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/devnet"
	"github.com/phalanx-net/phalanx/enclave"
	"github.com/phalanx-net/phalanx/node"
	"github.com/phalanx-net/phalanx/sdk/client"
	"github.com/phalanx-net/phalanx/tee"
	"github.com/phalanx-net/phalanx/tee/pcs"
	"github.com/phalanx-net/phalanx/worker"
)

func newWorkerCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "worker",
		Short: "Run a worker: a TEE enclave that follows the chain and computes",
	}
	cmd.AddCommand(newWorkerStartCmd(c), newWorkerShowCmd(c))
	return cmd
}

// workerDir is where a worker keeps its sealed keys and checkpoint.
func (c *cli) workerDir() string { return filepath.Join(c.home, "worker") }

func newWorkerStartCmd(c *cli) *cobra.Command {
	var operator, platform, logLevel, genesisFile, trustHash, queryAddr string
	var simReleased, fetchCollateral bool
	var fetcher pcs.Fetcher
	var trustHeight int64
	var nodes []string
	var stallAfter time.Duration
	cmd := &cobra.Command{
		Use:   "start",
		Short: "Start the worker in --home (Ctrl-C stops it)",
		Long: `Starts a worker. On first start its enclave creates its keys and seals them
to the TEE (in <home>/worker); it then follows the chain from genesis,
verifying every header with CometBFT's light client, registers itself with a
fresh attestation (the --operator account pays the fee and is bound in the
attestation), and handles the chain's messages to it. It keeps a sealed
checkpoint, so a restart resumes where it stopped, with the same identity.

The nodes given with --node are not trusted: headers and state are verified.
Give several gatekeepers (--node a,b,c or --node a --node b) so that the
worker depends on none of them: the first that answers is the primary, which
it reads from and sends its transactions to; when the primary fails or stops
at a height while another node is higher (--stall-after), the worker switches
to the next within seconds. The others are witnesses: each round's last header
is cross-checked with them by CometBFT's light client, which detects a
conflicting header (an attack by validators signing two histories) and stops
the worker. With one node the worker has no witness, and says so.

The genesis is the root of trust: give it with --genesis, or the worker
takes it from the node the first time it starts (trust on first use).

On tdx and sevsnp the chain verifies the attestation against the vendor's
collateral it stores for the machine's scope (FMSPC, product line). Before it
attests, the worker submits newer collateral from Intel PCS or AMD KDS
(--pcs-url, --kds-url) when the chain has none for its scope or its set
expires within a week; --fetch-collateral=false leaves that to the operator
(phalanx tee collateral fetch --submit).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			lvl, err := parseLevel(logLevel)
			if err != nil {
				return err
			}
			log := slog.New(slog.NewTextHandler(c.stderr, &slog.HandlerOptions{Level: lvl}))
			kr, k, err := c.key(operator)
			if err != nil {
				return fmt.Errorf("--operator: %w", err)
			}
			opKey, err := kr.PrivateKey(k.Name)
			if err != nil {
				return err
			}
			if len(nodes) == 0 {
				nodes = c.workerNodes()
			}
			cfg := worker.Config{Home: c.workerDir(), Nodes: nodes, StallAfter: stallAfter, Operator: opKey, Platform: platform, Log: log, QueryAddr: queryAddr,
				TEE: tee.Options{Released: simReleased}}
			if fetchCollateral {
				cfg.Collateral = &fetcher
			}
			if trustHeight != 0 || trustHash != "" {
				h, err := hex.DecodeString(trustHash)
				if err != nil || len(h) != 32 || trustHeight <= 0 {
					return fmt.Errorf("--trust-height and --trust-hash go together: a height and its 32-byte block hash in hex")
				}
				cfg.TrustedHeight, cfg.TrustedHash = trustHeight, h
			}
			if genesisFile != "" {
				if cfg.Genesis, err = node.LoadGenesis(genesisFile); err != nil {
					return err
				}
			}
			// A worker far behind the chain shows its catching up.
			var bar *progressbar.ProgressBar
			if isTerminal(c.stderr) {
				cfg.Progress = func(h, target int64) {
					if bar == nil && target-h > 100 {
						bar = progressbar.NewOptions64(target, progressbar.OptionSetWriter(c.stderr), progressbar.OptionSetDescription("verifying the chain"),
							progressbar.OptionShowCount(), progressbar.OptionSetPredictTime(true), progressbar.OptionThrottle(200*time.Millisecond))
					}
					if bar != nil {
						_ = bar.Set64(h)
						if h >= target {
							_ = bar.Finish()
							fmt.Fprintln(c.stderr)
							bar = nil
						}
					}
				}
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			w, err := worker.New(ctx, cfg)
			if errors.Is(err, tee.ErrUnavailable) || errors.Is(err, tee.ErrUnknownPlatform) || errors.Is(err, enclave.ErrSealedKeys) || errors.Is(err, worker.ErrCheckpoint) {
				return err
			} else if err != nil {
				if client.IsUnreachable(err) {
					return fmt.Errorf("%w\n(no node answers at %s: start one with `phalanx devnet`, or pass --node)", err, strings.Join(nodes, ", "))
				}
				return err
			}
			st := w.Status()
			fmt.Fprintf(c.stdout, "Worker %s on %s, operator %s, following %s. Ctrl-C stops it.\n", st.Identity, st.Platform, st.Operator, strings.Join(nodes, ", "))
			if st.Warning != "" {
				fmt.Fprintf(c.stdout, "WARNING: %s\n", st.Warning)
			}
			if u := w.QueryURL(); u != "" {
				fmt.Fprintf(c.stdout, "Serving encrypted queries at %s\n", u)
			}
			return w.Run(ctx)
		},
	}
	f := cmd.Flags()
	f.StringVar(&operator, "operator", "", "key (in the keyring) of the operator account that pays the worker's fees (required)")
	f.StringVar(&platform, "platform", tee.Sim, "TEE platform: sim, tdx or sevsnp")
	f.BoolVar(&simReleased, "sim-released-sealing", false, "sim: take the sealing root from the gatekeepers' key manager, as a tdx worker always does, instead of the sim key file (to develop with)")
	f.StringVar(&queryAddr, "query-addr", "127.0.0.1:26680", "where to serve the encrypted query API (host:port; empty serves none)")
	f.StringVar(&genesisFile, "genesis", "", "the chain's genesis file, the root of trust (default: ask the node once)")
	f.Int64Var(&trustHeight, "trust-height", 0, "start from this block instead of genesis (with --trust-hash), for a chain older than the light client's trusting period (14 days)")
	f.StringVar(&trustHash, "trust-hash", "", "hash of the block at --trust-height, from a source you trust")
	f.StringVar(&logLevel, "log-level", "info", "log level: debug, info, warn or error")
	f.StringSliceVar(&nodes, "node", nil, "RPC URLs of gatekeepers, comma-separated or repeated; the first that answers is the primary, the others are witnesses and fallbacks (default: every gatekeeper of the devnet in --home)")
	f.DurationVar(&stallAfter, "stall-after", worker.DefaultStallAfter, "switch to another node when the primary has no new block for this long while another node has")
	f.BoolVar(&fetchCollateral, "fetch-collateral", true, "tdx, sevsnp: before attesting, submit the vendor's collateral for this machine's scope when the chain has none or its set expires within a week")
	f.StringVar(&fetcher.IntelURL, "pcs-url", pcs.DefaultIntelURL, "with --fetch-collateral: Intel PCS's base URL (or a caching service's, such as a PCCS)")
	f.StringVar(&fetcher.AMDURL, "kds-url", pcs.DefaultAMDURL, "with --fetch-collateral: AMD KDS's base URL")
	cmd.MarkFlagRequired("operator")
	c.addKeyringFlags(cmd)
	return cmd
}

// workerNodes is the worker's default --node: every gatekeeper of the
// devnet in --home (the first one first), else the client default.
func (c *cli) workerNodes() []string {
	if info, err := devnet.ReadInfo(c.home); err == nil && len(info.Gatekeepers) > 0 {
		out := make([]string, len(info.Gatekeepers))
		for i, g := range info.Gatekeepers {
			out[i] = g.RPC
		}
		return out
	}
	return []string{c.nodeURL()}
}

func newWorkerShowCmd(c *cli) *cobra.Command {
	var platform string
	cmd := &cobra.Command{
		Use:   "show",
		Short: "Show the identity of the worker in --home and what the chain knows of it",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if _, err := os.Stat(filepath.Join(c.workerDir(), enclave.KeysFile)); err != nil {
				return fmt.Errorf("no worker in %s: start one with `phalanx worker start`", c.workerDir())
			}
			if _, err := os.Stat(filepath.Join(c.workerDir(), enclave.WrappedKeyFile)); err == nil {
				return fmt.Errorf("the worker in %s seals under a root the gatekeepers' key manager releases to it at start: only `phalanx worker start` opens it (its identity is in its log and in `phalanx query workers`)", c.workerDir())
			}
			e, _, err := enclave.Open(platform, tee.Options{}, c.workerDir())
			if err != nil {
				return err
			}
			out := struct {
				Identity crypto.PublicKey  `json:"identity"`
				Platform string            `json:"platform"`
				Warning  string            `json:"warning,omitempty"`
				Chain    *registry.Enclave `json:"chain_record,omitempty"`
				LastBeat int64             `json:"last_heartbeat_height,omitempty"`
			}{Identity: e.Identity(), Platform: e.PlatformName()}
			if !e.Secure() {
				out.Warning = tee.SimWarning
			}
			if cl, ctx, cancel, err := c.connect(); err == nil {
				defer cancel()
				if rec, err := cl.Worker(ctx, e.Identity(), false); err == nil {
					out.Chain = &rec
				}
				if comp, err := cl.ComputingWorker(ctx, e.Identity()); err == nil {
					out.LastBeat = comp.LastHeartbeatHeight
				}
			}
			return c.print(out, func(w io.Writer) {
				fmt.Fprintf(w, "Worker %s on %s\n", out.Identity, out.Platform)
				if out.Warning != "" {
					fmt.Fprintf(w, "WARNING: %s\n", out.Warning)
				}
				if out.Chain == nil {
					fmt.Fprintln(w, "Not registered on the chain at", c.nodeURL())
					return
				}
				printEnclave(w, *out.Chain, out.LastBeat)
			})
		},
	}
	cmd.Flags().StringVar(&platform, "platform", tee.Sim, "TEE platform the worker runs on")
	c.addClientFlags(cmd)
	return cmd
}

// printEnclave writes an enclave record for people; heartbeat is the
// height of its last heartbeat (0 if none), the newer sign of life than
// the "online" message it sends when it registers.
func printEnclave(w io.Writer, e registry.Enclave, heartbeat int64) {
	fmt.Fprintf(w, "  identity        %s\n", e.Identity)
	fmt.Fprintf(w, "  operator        %s\n", e.Operator)
	fmt.Fprintf(w, "  platform        %s", e.Platform)
	if e.Insecure() {
		fmt.Fprint(w, "  (sim: protects nothing, development only)")
	}
	fmt.Fprintln(w)
	m := hex.EncodeToString(e.Measurement)
	if len(m) > 32 {
		m = m[:32] + "…"
	}
	fmt.Fprintf(w, "  measurement     %s\n", m)
	fmt.Fprintf(w, "  version         %d\n", e.Version)
	fmt.Fprintf(w, "  attested at     %s\n", time.Unix(e.AttestedAt, 0).UTC().Format(time.RFC3339))
	if e.EvidenceExpires != 0 {
		fmt.Fprintf(w, "  evidence until  %s\n", time.Unix(e.EvidenceExpires, 0).UTC().Format(time.RFC3339))
	}
	printTCB(w, e)
	fmt.Fprintf(w, "  registered at   height %d (refreshed at %d)\n", e.RegisteredHeight, e.RefreshedHeight)
	if e.Expires != 0 {
		fmt.Fprintf(w, "  expires         %s unless it re-attests (it does by itself)\n", time.Unix(e.Expires, 0).UTC().Format(time.RFC3339))
	}
	if e.InStanding() {
		fmt.Fprintln(w, "  standing        yes")
	} else {
		fmt.Fprintf(w, "  standing        LOST at height %d: %s; it computes nothing until it registers again\n", e.LostHeight, e.Lost)
	}
	switch {
	case heartbeat > e.LastSeenHeight:
		fmt.Fprintf(w, "  last online     height %d (its last heartbeat)\n", heartbeat)
	case e.LastSeenHeight > 0:
		fmt.Fprintf(w, "  last online     height %d (had verified the chain to %d)\n", e.LastSeenHeight, e.SyncedHeight)
	}
}

// printTCB prints what the chain assessed of an enclave's TCB and the
// confidence level it gives.
func printTCB(w io.Writer, e registry.Enclave) {
	if e.Scope != "" {
		fmt.Fprintf(w, "  collateral      %s\n", e.Scope)
	}
	if e.TCBStatus != "" {
		fmt.Fprintf(w, "  tcb status      %s", e.TCBStatus)
		if e.TCBDate != 0 {
			fmt.Fprintf(w, " (level of %s)", time.Unix(e.TCBDate, 0).UTC().Format(time.DateOnly))
		}
		fmt.Fprintln(w)
	}
	if len(e.Advisories) > 0 {
		fmt.Fprintf(w, "  advisories      %s\n", strings.Join(e.Advisories, ", "))
	}
	if e.ReportedTCB != 0 {
		fmt.Fprintf(w, "  reported tcb    %#016x\n", e.ReportedTCB)
	}
	fmt.Fprintf(w, "  confidence      %s\n", confidenceText(e.Confidence))
}

// confidenceText says a confidence level and the factor it scales
// rewards by.
func confidenceText(level uint8) string {
	if level == registry.ConfidenceUnassessed {
		return "not assessed (conf " + computing.Conf(level).String() + ")"
	}
	return fmt.Sprintf("level %d (conf %s)", level, computing.Conf(level))
}
