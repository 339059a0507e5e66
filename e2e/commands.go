package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/contracts"
	"github.com/phalanx-net/phalanx/chain/modules/keys"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/chain/tx"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/examples"
	"github.com/phalanx-net/phalanx/sdk/client"
	"github.com/phalanx-net/phalanx/wasm/gobuild"
)

// commandGas is each deposit's gas for the contract.
const commandGas = 50_000_000

// vault is the example vault contract deployed on a cluster of every
// worker, and the account that deposits into it: each acknowledged
// deposit command must be executed exactly once, whatever the workers
// went through, so the account's balance in the vault is the sum of the
// deposits the chain ordered.
type vault struct {
	key     crypto.PrivateKey
	id      contracts.Hash
	cluster uint64
}

// deployVault builds the example vault (the Go toolchain compiles it to
// WebAssembly) and deploys it once the gatekeepers hold the master key.
func (n *network) deployVault(ctx context.Context, key crypto.PrivateKey, timeout time.Duration) (*vault, error) {
	files, err := examples.Files("vault")
	if err != nil {
		return nil, err
	}
	wasm, err := gobuild.BuildFiles("vault", files)
	if err != nil {
		return nil, fmt.Errorf("build the vault: %w", err)
	}
	cl := n.gks[0].cl
	if err := n.waitFor(ctx, timeout, "every gatekeeper enclave holding the master key", func() bool {
		gks, err := cl.Gatekeepers(ctx)
		if err != nil || len(gks) != len(n.gks) {
			return false
		}
		for _, g := range gks {
			if q, err := cl.Get(ctx, "/store", keys.HolderKey(0, g.Identity), 0, false); err != nil || q.Value == nil {
				return false
			}
		}
		return true
	}); err != nil {
		return nil, err
	}
	ws, err := cl.Workers(ctx)
	if err != nil {
		return nil, err
	}
	var ids []crypto.PublicKey
	for _, w := range ws {
		ids = append(ids, w.Identity)
	}
	v := &vault{key: key}
	if v.cluster, err = cl.CreateCluster(ctx, key, ids, pha.Units(1000), pha.Tokens(10)); err != nil {
		return nil, fmt.Errorf("create the cluster: %w", err)
	}
	code, err := cl.UploadCode(ctx, key, wasm)
	if err != nil {
		return nil, fmt.Errorf("upload the vault: %w", err)
	}
	if v.id, err = cl.Instantiate(ctx, key, code, v.cluster, nil, "vault"); err != nil {
		return nil, fmt.Errorf("instantiate the vault: %w", err)
	}
	if _, err := cl.WaitContractKey(ctx, v.id, timeout); err != nil {
		return nil, fmt.Errorf("the vault's key: %w", err)
	}
	return v, nil
}

// signCommand seals deposit(amount) to the vault and signs it with this
// nonce, as client.SendCall does, but keeps the bytes so that the load
// generator can send them again.
func (l *load) signCommand(ctx context.Context, v *vault, nonce, amount uint64) (*transfer, error) {
	cl, err := l.client()
	if err != nil {
		return nil, err
	}
	ct, err := cl.Contract(ctx, v.id)
	if err != nil {
		return nil, err
	}
	chainID, err := cl.ChainID(ctx)
	if err != nil {
		return nil, err
	}
	args, _ := json.Marshal(amount)
	input, _, err := client.SealCall(chainID, ct, v.key.Public().Address(), "deposit", args)
	if err != nil {
		return nil, err
	}
	signed, err := cl.Build(ctx, v.key, []module.Msg{&contracts.MsgCall{Contract: v.id, Input: input, GasLimit: commandGas}},
		client.TxOptions{GasLimit: 300_000 + 20*uint64(len(input)), GasPrice: l.gasPrice, Nonce: &nonce})
	if err != nil {
		return nil, err
	}
	raw, err := signed.Encode()
	if err != nil {
		return nil, err
	}
	h := tx.Hash(raw)
	return &transfer{sender: len(l.keys), command: true, nonce: nonce, deposit: amount, hash: h[:], raw: raw,
		phase: l.phase.Load().(string), sent: time.Now()}, nil
}

// sendCommands deposits 1 + nonce%10 into the vault, one command at a
// time, until stop is closed. The depositor's first nonces went to the
// deployment.
func (l *load) sendCommands(ctx context.Context, stop <-chan struct{}, v *vault) {
	cl, err := l.client()
	if err != nil {
		l.fail(err)
		return
	}
	acc, err := cl.Account(ctx, v.key.Public().Address())
	if err != nil {
		l.fail(fmt.Errorf("the depositor's nonce: %w", err))
		return
	}
	for nonce := acc.Nonce; ; nonce++ {
		select {
		case <-stop:
			return
		case <-ctx.Done():
			return
		default:
		}
		t, err := l.signCommand(ctx, v, nonce, 1+nonce%10)
		if err != nil {
			if ctx.Err() == nil {
				l.fail(fmt.Errorf("sign command %d: %w", nonce, err))
			}
			return
		}
		l.mu.Lock()
		l.sent = append(l.sent, t)
		l.mu.Unlock()
		if err := l.deliver(ctx, t); err != nil {
			if ctx.Err() == nil {
				l.fail(err)
			}
			return
		}
	}
}

// commandSeq is the cluster sequence number a committed command's events
// give it.
func commandSeq(r *client.Result) (uint64, bool) {
	for _, e := range r.Events {
		if e.Type != contracts.EventCommand {
			continue
		}
		for _, a := range e.Attributes {
			if a.Key == contracts.AttrSeq {
				seq, err := strconv.ParseUint(a.Value, 10, 64)
				return seq, err == nil
			}
		}
	}
	return 0, false
}

// checkVault checks that every applied deposit has one result, executed
// successfully, and that the vault holds their sum for the depositor: a
// command executed twice, or lost across a worker's restart, would show.
func (n *network) checkVault(ctx context.Context, v *vault, sent []transfer, timeout time.Duration) error {
	cl := n.gks[0].cl
	var sum uint64
	seqs := map[uint64]bool{}
	for _, t := range sent {
		if !t.command || t.height < 0 {
			continue
		}
		if seqs[t.seq] {
			return fmt.Errorf("two commands got sequence %d", t.seq)
		}
		seqs[t.seq] = true
		sum += t.deposit
		var res contracts.Result
		if err := n.waitFor(ctx, timeout, fmt.Sprintf("the result of command %d", t.seq), func() bool {
			r, err := cl.CommandResult(ctx, v.cluster, t.seq)
			res = r
			return err == nil
		}); err != nil {
			return err
		}
		if res.Status != contracts.StatusOK {
			return fmt.Errorf("deposit %d (command %d): status %s", t.nonce, t.seq, contracts.StatusText(res.Status))
		}
	}
	acc, err := cl.Account(ctx, v.key.Public().Address())
	if err != nil {
		return err
	}
	raw, _ := json.Marshal(struct{}{})
	p, err := cl.SendCall(ctx, v.key, v.id, "my_balance", raw, commandGas, &acc.Nonce)
	if err != nil {
		return fmt.Errorf("my_balance: %w", err)
	}
	cmd, err := p.Committed(ctx)
	if err != nil {
		return fmt.Errorf("my_balance: %w", err)
	}
	out, err := cl.Wait(ctx, cmd, timeout)
	if err != nil {
		return fmt.Errorf("my_balance: %w", err)
	}
	if out.Status != contracts.StatusOK || string(out.Data) != strconv.FormatUint(sum, 10) {
		return fmt.Errorf("the vault holds %q (status %s) for the depositor, want %d from %d deposits", out.Data, out.Text, sum, len(seqs))
	}
	return nil
}
