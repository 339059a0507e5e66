package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/contracts"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/devnet"
	"github.com/phalanx-net/phalanx/internal/safetext"
	"github.com/phalanx-net/phalanx/sdk/client"
	"github.com/phalanx-net/phalanx/worker/api"
)

// privateKey returns the private key named name in the keyring.
func (c *cli) privateKey(name string) (crypto.PrivateKey, error) {
	kr, _, err := c.key(name)
	if err != nil {
		return crypto.PrivateKey{}, fmt.Errorf("%q must be a key name: %w", name, err)
	}
	return kr.PrivateKey(name)
}

// signer returns the key named name and a client of the node, with a
// context bounding the command.
func (c *cli) signer(name string) (crypto.PrivateKey, *client.Client, context.Context, context.CancelFunc, error) {
	key, err := c.privateKey(name)
	if err != nil {
		return key, nil, nil, nil, err
	}
	cl, ctx, cancel, err := c.connect()
	return key, cl, ctx, cancel, err
}

// resolveContract reads CONTRACT: a contract id, else the name of a
// contract the devnet in --home deployed, else the name a contract was
// given on chain at its instantiation (--name), which must then be one
// contract's alone.
func (c *cli) resolveContract(ctx context.Context, cl *client.Client, s string) (contracts.Hash, error) {
	if h, err := contracts.ParseHash(s); err == nil {
		return h, nil
	}
	if info, err := devnet.ReadInfo(c.home); err == nil {
		for _, ct := range info.Contracts {
			if ct.Name == s {
				return ct.ID, nil
			}
		}
	}
	all, err := cl.Contracts(ctx)
	if err != nil {
		return contracts.Hash{}, c.explainConn(err)
	}
	var named []contracts.Hash
	for _, ct := range all {
		if ct.Name == s {
			named = append(named, ct.ID)
		}
	}
	switch len(named) {
	case 0:
		return contracts.Hash{}, fmt.Errorf("%q is neither a contract id (64 hex digits) nor the name of a contract on chain", s)
	case 1:
		return named[0], nil
	}
	var ids strings.Builder
	for _, id := range named {
		fmt.Fprintf(&ids, "\n  %s", id)
	}
	return contracts.Hash{}, fmt.Errorf("%d contracts on chain are named %q; pass the id of the one you mean:%s", len(named), s, ids.String())
}

// argsJSON turns the command line's arguments into a handler's JSON
// input: one argument is taken as JSON if it parses, else as a string;
// several are a JSON array of strings; none is empty input, which the
// SDK decodes as the argument's zero value.
func argsJSON(args []string) []byte {
	switch len(args) {
	case 0:
		return nil
	case 1:
		if json.Valid([]byte(args[0])) {
			return []byte(args[0])
		}
		b, _ := json.Marshal(args[0])
		return b
	}
	b, _ := json.Marshal(args)
	return b
}

func newClusterCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{Use: "cluster", Short: "Create and show clusters of workers"}
	var workers string
	var gasPrice, deposit string
	var minWorkers uint32
	create := &cobra.Command{
		Use:   "create FROM",
		Short: "Create a cluster owned by key FROM",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			key, err := c.privateKey(args[0])
			if err != nil {
				return err
			}
			price, err := pha.ParseUnits(gasPrice)
			if err != nil {
				return fmt.Errorf("--gas-price: %w", err)
			}
			dep, err := pha.Parse(deposit)
			if err != nil {
				return fmt.Errorf("--deposit: %w", err)
			}
			cl, ctx, cancel, err := c.connect()
			if err != nil {
				return err
			}
			defer cancel()
			var ids []crypto.PublicKey
			if workers == "all" {
				all, err := cl.Workers(ctx)
				if err != nil {
					return c.explainConn(err)
				}
				for _, w := range all {
					ids = append(ids, w.Identity)
				}
			} else {
				for _, s := range strings.Split(workers, ",") {
					id, err := parsePublicKey(strings.TrimSpace(s))
					if err != nil {
						return fmt.Errorf("--workers: %w", err)
					}
					ids = append(ids, id)
				}
			}
			id, err := cl.CreateClusterFrom(ctx, key, &contracts.MsgCreateCluster{Workers: ids, GasPrice: price, Deposit: dep, MinWorkers: minWorkers})
			if err != nil {
				return c.txError(err)
			}
			return c.print(map[string]any{"cluster": id, "workers": ids}, func(w io.Writer) {
				fmt.Fprintf(w, "Created cluster %d with %d workers. The gatekeepers now send each worker the cluster's key.\n", id, len(ids))
			})
		},
	}
	create.Flags().StringVar(&workers, "workers", "all", "comma-separated worker ids, or all registered workers")
	create.Flags().StringVar(&gasPrice, "gas-price", "1000", "what a command pays per unit of contract gas, in units of PHA")
	create.Flags().StringVar(&deposit, "deposit", "10PHA", "the owner's deposit")
	create.Flags().Uint32Var(&minWorkers, "min-workers", 0, "the fewest workers the cluster takes commands with (0: 1); below it, calls are refused until the owner adds workers")
	c.addClientFlags(create)
	c.addKeyringFlags(create)
	show := &cobra.Command{
		Use:   "show [ID]",
		Short: "Show a cluster, or list them all",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, ctx, cancel, err := c.connect()
			if err != nil {
				return err
			}
			defer cancel()
			var list []contracts.Cluster
			if len(args) == 1 {
				id, err := strconv.ParseUint(args[0], 10, 64)
				if err != nil {
					return fmt.Errorf("cluster id: %w", err)
				}
				one, err := cl.Cluster(ctx, id)
				if err != nil {
					return c.explainConn(err)
				}
				list = append(list, one)
			} else if list, err = cl.Clusters(ctx); err != nil {
				return c.explainConn(err)
			}
			return c.print(list, func(w io.Writer) {
				for _, k := range list {
					fmt.Fprintf(w, "Cluster %d  owner %s  gas price %s units  deposit %s  commands %d  key epoch %d generation %d  min workers %d\n",
						k.ID, k.Owner, k.GasPrice, k.Deposit.PHA(), k.Commands, k.Epoch, k.KeyGen, k.Min())
					if len(k.Workers) < k.Min() {
						fmt.Fprintf(w, "  refuses commands: %d workers, needs %d (the owner must add workers)\n", len(k.Workers), k.Min())
					}
					for _, wk := range k.Workers {
						fmt.Fprintf(w, "  worker %s\n", wk)
					}
				}
				if len(list) == 0 {
					fmt.Fprintln(w, "No clusters.")
				}
			})
		},
	}
	c.addClientFlags(show)
	member := func(use, short string, mk func(cluster uint64, w crypto.PublicKey) module.Msg) *cobra.Command {
		return newTxMsgCmd(c, use, short, 3, func(args []string) (module.Msg, error) {
			id, err := strconv.ParseUint(args[1], 10, 64)
			if err != nil {
				return nil, fmt.Errorf("cluster id: %w", err)
			}
			w, err := parsePublicKey(args[2])
			if err != nil {
				return nil, fmt.Errorf("worker id: %w", err)
			}
			return mk(id, w), nil
		})
	}
	cmd.AddCommand(create, show,
		member("add-worker OWNER CLUSTER WORKER", "Add a registered worker to OWNER's cluster; the gatekeepers send it the cluster's keys and it replays the log",
			func(id uint64, w crypto.PublicKey) module.Msg { return &contracts.MsgAddWorker{Cluster: id, Worker: w} }),
		member("remove-worker OWNER CLUSTER WORKER", "Remove a worker from OWNER's cluster; the cluster's key is replaced and its contracts rekeyed, so the worker cannot read what is sent later",
			func(id uint64, w crypto.PublicKey) module.Msg {
				return &contracts.MsgRemoveWorker{Cluster: id, Worker: w}
			}),
	)
	return cmd
}

func newContractUploadCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "upload FROM FILE.wasm",
		Short: "Upload a contract module; prints its code hash",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			wasm, err := os.ReadFile(args[1])
			if err != nil {
				return err
			}
			key, cl, ctx, cancel, err := c.signer(args[0])
			if err != nil {
				return err
			}
			defer cancel()
			if rec, stored, err := cl.StoredCode(ctx, wasm); err != nil {
				return c.explainConn(err)
			} else if stored {
				return c.print(map[string]any{"code": rec.Hash, "size": len(wasm), "stored": true, "height": rec.Height}, func(w io.Writer) {
					fmt.Fprintf(w, "%s is stored already as code %s (uploaded at height %d): nothing sent, nothing paid.\n", args[1], rec.Hash, rec.Height)
				})
			}
			h, err := cl.UploadCode(ctx, key, wasm)
			if err != nil {
				return c.txError(err)
			}
			return c.print(map[string]any{"code": h, "size": len(wasm), "stored": false}, func(w io.Writer) {
				fmt.Fprintf(w, "Uploaded %s (%d bytes): code %s\n", args[1], len(wasm), h)
			})
		},
	}
	c.addClientFlags(cmd)
	c.addKeyringFlags(cmd)
	return cmd
}

func newContractInstantiateCmd(c *cli) *cobra.Command {
	var cluster uint64
	var salt, name string
	cmd := &cobra.Command{
		Use:   "instantiate FROM CODE",
		Short: "Create a contract from uploaded code in a cluster; waits for its public key",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			code, err := contracts.ParseHash(args[1])
			if err != nil {
				return fmt.Errorf("CODE: %w", err)
			}
			key, cl, ctx, cancel, err := c.signer(args[0])
			if err != nil {
				return err
			}
			defer cancel()
			id, err := cl.Instantiate(ctx, key, code, cluster, []byte(salt), name)
			if err != nil {
				return c.txError(err)
			}
			ct, err := cl.WaitContractKey(ctx, id, time.Minute)
			if errors.Is(err, client.ErrContractFailed) {
				return err // the workers agreed it failed, and why
			} else if err != nil {
				return fmt.Errorf("contract %s created, but its workers have not published its key: %w", id, err)
			}
			return c.print(ct, func(w io.Writer) {
				fmt.Fprintf(w, "Contract %s is ready in cluster %d (its workers derived its key).\n", id, ct.Cluster)
			})
		},
	}
	cmd.Flags().Uint64Var(&cluster, "cluster", 0, "the cluster that runs the contract")
	cmd.Flags().StringVar(&salt, "salt", "", "makes the contract id unique when the same key instantiates the same code twice")
	cmd.Flags().StringVar(&name, "name", "", "a name for the contract, shown with it and usable in place of its id")
	c.addClientFlags(cmd)
	c.addKeyringFlags(cmd)
	return cmd
}

// contractArgsHelp says how call and query read CONTRACT and ARG.
const contractArgsHelp = `CONTRACT is a contract id, the name of a contract the devnet deployed (vault,
auction), or the name given at instantiation (--name) if no other contract
on chain has it. ARG is the method's JSON input: a bare word is sent as a
JSON string, and no ARG sends empty input, which the SDK decodes as the
argument's zero value.`

func newContractCallCmd(c *cli) *cobra.Command {
	var gas uint64
	cmd := &cobra.Command{
		Use:   "call FROM CONTRACT METHOD [ARG]",
		Short: "Send an encrypted command; waits for its output and prints it decrypted",
		Long: `Seals METHOD and ARG to the contract's public key and sends them as a
transaction from FROM, which pays the gas. Every worker of the contract's
cluster executes the command; once most of them agree, the chain records the
output, encrypted for FROM alone, and this command prints it decrypted.

` + contractArgsHelp,
		Args: cobra.RangeArgs(3, 4),
		RunE: func(cmd *cobra.Command, args []string) error {
			key, cl, ctx, cancel, err := c.signer(args[0])
			if err != nil {
				return err
			}
			defer cancel()
			id, err := c.resolveContract(ctx, cl, args[1])
			if err != nil {
				return err
			}
			command, err := cl.Call(ctx, key, id, args[2], argsJSON(args[3:]), gas)
			if err != nil {
				return c.txError(err)
			}
			// Every command has a result by its deadline (no majority at
			// worst): wait that long, and a little for the block after.
			wait := time.Minute
			if p, err := cl.ContractsParams(ctx); err == nil {
				wait = max(wait, time.Duration(p.ResultTimeout)*time.Second+30*time.Second)
			}
			out, err := cl.Wait(ctx, command, wait)
			if err != nil {
				return err
			}
			if perr := c.print(out, func(w io.Writer) {
				fmt.Fprintf(w, "Command %d of cluster %d, recorded at height %d (sent at %d): %s, %d gas, %s to the workers\n",
					command.Seq, command.Cluster, out.Height, command.Height, out.Text, out.GasUsed, out.Paid)
				if len(out.Data) > 0 && out.Status == contracts.StatusOK {
					fmt.Fprintf(w, "Output: %s\n", out.Data)
				}
			}); perr != nil {
				return perr
			}
			if out.Status != contracts.StatusOK {
				return fmt.Errorf("the command failed: %s", out.Error)
			}
			return nil
		},
	}
	cmd.Flags().Uint64Var(&gas, "gas", 50_000_000, "gas limit of the contract's execution")
	c.addClientFlags(cmd)
	c.addKeyringFlags(cmd)
	return cmd
}

func newContractQueryCmd(c *cli) *cobra.Command {
	var workerID, url string
	cmd := &cobra.Command{
		Use:   "query FROM CONTRACT METHOD [ARG]",
		Short: "Query a contract read-only, encrypted, straight from a worker",
		Long: `Sends METHOD and ARG, signed by FROM and sealed to a worker's attested key, to
the worker's query API, and prints the answer decrypted. No transaction, no
fee. On a devnet the worker is found in devnet.json; elsewhere pass --worker
and --url.

` + contractArgsHelp,
		Args: cobra.RangeArgs(3, 4),
		RunE: func(cmd *cobra.Command, args []string) error {
			key, cl, ctx, cancel, err := c.signer(args[0])
			if err != nil {
				return err
			}
			defer cancel()
			id, err := c.resolveContract(ctx, cl, args[1])
			if err != nil {
				return err
			}
			wid, wurl, err := c.queryWorker(ctx, cl, id, workerID, url)
			if err != nil {
				return err
			}
			qc, err := cl.NewQueryClient(ctx, wid, wurl, key)
			if err != nil {
				return c.explainConn(err)
			}
			a, err := qc.Query(ctx, id, args[2], argsJSON(args[3:]))
			if err != nil {
				return err
			}
			text := contracts.StatusText(a.Status)
			answer := struct {
				*api.Answer
				Text string `json:"status_text"`
			}{a, text}
			if perr := c.print(answer, func(w io.Writer) {
				fmt.Fprintf(w, "Answered by worker %s at height %d: %s, %d gas\n", wid, a.Height, text, a.GasUsed)
				if len(a.Output) > 0 && a.Status == contracts.StatusOK {
					fmt.Fprintf(w, "Output: %s\n", a.Output)
				}
			}); perr != nil {
				return perr
			}
			if a.Status != contracts.StatusOK {
				reason := a.Error
				if reason == "" { // a worker that does not say why
					reason = text
				}
				return fmt.Errorf("the query failed: %s", reason)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&workerID, "worker", "", "the worker's id (default: a devnet worker of the contract's cluster)")
	cmd.Flags().StringVar(&url, "url", "", "the worker's query API, e.g. http://10.0.0.5:26680")
	c.addClientFlags(cmd)
	c.addKeyringFlags(cmd)
	return cmd
}

// queryWorker picks the worker to query: the flags, or the first devnet
// worker of the contract's cluster.
func (c *cli) queryWorker(ctx context.Context, cl *client.Client, id contracts.Hash, workerID, url string) (crypto.PublicKey, string, error) {
	if workerID != "" || url != "" {
		if workerID == "" || url == "" {
			return crypto.PublicKey{}, "", errors.New("pass both --worker and --url")
		}
		w, err := parsePublicKey(workerID)
		return w, url, err
	}
	ct, err := cl.Contract(ctx, id)
	if err != nil {
		return crypto.PublicKey{}, "", c.explainConn(err)
	}
	k, err := cl.Cluster(ctx, ct.Cluster)
	if err != nil {
		return crypto.PublicKey{}, "", err
	}
	info, err := devnet.ReadInfo(c.home)
	if err != nil {
		return crypto.PublicKey{}, "", fmt.Errorf("no devnet in %s to find a worker in: pass --worker and --url", c.home)
	}
	for _, w := range info.Workers {
		for _, m := range k.Workers {
			if w.ID == m && w.Query != "" {
				return w.ID, w.Query, nil
			}
		}
	}
	return crypto.PublicKey{}, "", fmt.Errorf("no devnet worker of cluster %d serves queries", ct.Cluster)
}

func newContractShowCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "show [CONTRACT]",
		Short: "Show a contract (by id or name), or list them all",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, ctx, cancel, err := c.connect()
			if err != nil {
				return err
			}
			defer cancel()
			var list []contracts.Contract
			if len(args) == 1 {
				id, err := c.resolveContract(ctx, cl, args[0])
				if err != nil {
					return err
				}
				ct, err := cl.Contract(ctx, id)
				if err != nil {
					return c.explainConn(err)
				}
				list = append(list, ct)
			} else if list, err = cl.Contracts(ctx); err != nil {
				return c.explainConn(err)
			}
			return c.print(list, func(w io.Writer) { printContracts(w, list) })
		},
	}
	c.addClientFlags(cmd)
	return cmd
}

// parsePublicKey reads an enclave identity in hex.
func parsePublicKey(s string) (crypto.PublicKey, error) {
	var p crypto.PublicKey
	err := p.UnmarshalText([]byte(s))
	return p, err
}

// printContracts writes contracts for people. Names are chosen by their
// deployers and shown escaped, so that none can fake lines of the output.
func printContracts(w io.Writer, list []contracts.Contract) {
	for _, ct := range list {
		ready := "ready"
		if ct.Failed() {
			ready = "failed: " + safetext.Show(ct.Reason())
		} else if ct.PublicKey == nil {
			ready = "waiting for its workers to derive its key"
		}
		fmt.Fprintf(w, "Contract %s %s\n  code %s  cluster %d  deployer %s  height %d  %s\n", ct.ID, safetext.Show(ct.Name), ct.Code, ct.Cluster, ct.Deployer, ct.Height, ready)
	}
	if len(list) == 0 {
		fmt.Fprintln(w, "No contracts.")
	}
}
