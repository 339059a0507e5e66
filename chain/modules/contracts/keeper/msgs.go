package keeper

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"slices"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/contracts"
	"github.com/phalanx-net/phalanx/chain/modules/keys"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/chain/store"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/wasm"
)

// RegisterMsgs adds the module's messages to the router and its topic to
// the queue.
func (k *Keeper) RegisterMsgs(r *module.Router) {
	module.Register(r, k.handleCreateCluster)
	module.Register(r, k.handleAddWorker)
	module.Register(r, k.handleRemoveWorker)
	module.Register(r, k.handleUploadCode)
	module.Register(r, k.handleInstantiate)
	module.Register(r, k.handleCall)
	k.mq.Handle(contracts.TopicResult, k.handleResult)
}

func (k *Keeper) handleCreateCluster(ctx *module.Context, m *contracts.MsgCreateCluster) error {
	kv := ctx.Store()
	p := k.Params(kv)
	if uint64(len(m.Workers)) > uint64(p.MaxClusterWorkers) {
		return contracts.ErrClusterTooLarge.Wrap("%d workers, at most %d", len(m.Workers), p.MaxClusterWorkers)
	}
	if uint64(m.MinWorkers) > uint64(len(m.Workers)) {
		return contracts.ErrClusterTooSmall.Wrap("a minimum of %d workers for a cluster created with %d", m.MinWorkers, len(m.Workers))
	}
	workers := slices.Clone(m.Workers)
	slices.SortFunc(workers, contracts.ComparePublicKeys)
	for i, w := range workers {
		if i > 0 && w == workers[i-1] {
			return contracts.ErrBadWorker.Wrap("%s is listed twice", w)
		}
		if rec, ok := k.registry.Worker(kv, w); !ok {
			return contracts.ErrBadWorker.Wrap("%s is not a registered worker", w)
		} else if !rec.InStanding() {
			return registry.ErrNoStanding.Wrap("worker %s (%s)", w, rec.Lost)
		}
	}
	epoch, ok := k.keys.Status(kv).Current()
	if !ok {
		return contracts.ErrNotReady.Wrap("the gatekeepers have not published a master key yet")
	}
	if !m.Deposit.IsZero() {
		if err := k.bank.Transfer(ctx, ctx.Sender, contracts.Account(), m.Deposit); err != nil {
			return err
		}
	}
	var id uint64
	if v := kv.Get(contracts.NextClusterKey()); v != nil {
		store.MustDecode(v, &id)
	}
	set(kv, contracts.NextClusterKey(), id+1)
	c := contracts.Cluster{ID: id, Owner: ctx.Sender, Workers: workers, GasPrice: m.GasPrice, Deposit: m.Deposit, Epoch: epoch, Height: ctx.Block.Height,
		MinWorkers: m.MinWorkers}
	set(kv, contracts.ClusterKey(id), c)
	for _, w := range workers {
		rec, _ := k.registry.Worker(kv, w)
		if err := k.keys.RequestClusterKey(ctx, id, epoch, 0, nil, rec); err != nil {
			return err
		}
	}
	ctx.Emit(contracts.EventClusterCreated, module.Attr{Key: contracts.AttrCluster, Value: module.Uint(id), Index: true})
	return nil
}

func (k *Keeper) ownedCluster(ctx *module.Context, id uint64) (contracts.Cluster, error) {
	c, ok := k.Cluster(ctx.Store(), id)
	if !ok {
		return c, contracts.ErrNoCluster.Wrap("%d", id)
	}
	if c.Owner != ctx.Sender {
		return c, contracts.ErrNotOwner.Wrap("cluster %d is owned by %s", id, c.Owner)
	}
	return c, nil
}

func (k *Keeper) handleAddWorker(ctx *module.Context, m *contracts.MsgAddWorker) error {
	c, err := k.ownedCluster(ctx, m.Cluster)
	if err != nil {
		return err
	}
	kv := ctx.Store()
	rec, ok := k.registry.Worker(kv, m.Worker)
	if !ok {
		return contracts.ErrBadWorker.Wrap("%s is not a registered worker", m.Worker)
	}
	if !rec.InStanding() {
		return registry.ErrNoStanding.Wrap("worker %s (%s)", m.Worker, rec.Lost)
	}
	i, found := slices.BinarySearchFunc(c.Workers, m.Worker, contracts.ComparePublicKeys)
	if found {
		return contracts.ErrBadWorker.Wrap("%s is already in cluster %d", m.Worker, c.ID)
	}
	if uint64(len(c.Workers)) >= uint64(k.Params(kv).MaxClusterWorkers) {
		return contracts.ErrClusterTooLarge.Wrap("cluster %d is full", c.ID)
	}
	wasEmpty := len(c.Workers) == 0
	c.Workers = slices.Insert(c.Workers, i, m.Worker)
	set(kv, contracts.ClusterKey(c.ID), c)
	if err := k.keys.RequestClusterKey(ctx, c.ID, c.Epoch, c.KeyGen, c.Starts, rec); err != nil {
		return err
	}
	if wasEmpty {
		k.askParkedRekeys(ctx, &c)
	}
	ctx.Emit(contracts.EventClusterWorker, module.Attr{Key: contracts.AttrCluster, Value: module.Uint(c.ID), Index: true},
		module.Attr{Key: contracts.AttrWorker, Value: m.Worker, Index: true}, module.Attr{Key: contracts.AttrAction, Value: module.Text("add")})
	return nil
}

func (k *Keeper) handleRemoveWorker(ctx *module.Context, m *contracts.MsgRemoveWorker) error {
	c, err := k.ownedCluster(ctx, m.Cluster)
	if err != nil {
		return err
	}
	i, found := slices.BinarySearchFunc(c.Workers, m.Worker, contracts.ComparePublicKeys)
	if !found {
		return contracts.ErrBadWorker.Wrap("%s is not in cluster %d", m.Worker, c.ID)
	}
	if len(c.Workers) == 1 {
		return contracts.ErrBadWorker.Wrap("cluster %d would have no worker left", c.ID)
	}
	c.Workers = slices.Delete(c.Workers, i, i+1)
	if err := k.rotate(ctx, &c); err != nil {
		return err
	}
	ctx.Emit(contracts.EventClusterWorker, module.Attr{Key: contracts.AttrCluster, Value: module.Uint(c.ID), Index: true},
		module.Attr{Key: contracts.AttrWorker, Value: m.Worker, Index: true}, module.Attr{Key: contracts.AttrAction, Value: module.Text("remove")})
	return nil
}

// handleUploadCode decompresses, checks and instruments a module, and
// stores it by the hash of its uncompressed bytes. Uploading code that
// exists changes nothing and is not charged for storage.
func (k *Keeper) handleUploadCode(ctx *module.Context, m *contracts.MsgUploadCode) error {
	kv := ctx.Store()
	p := k.Params(kv)
	zr, err := gzip.NewReader(bytes.NewReader(m.Gzip))
	if err != nil {
		return contracts.ErrBadCode.Wrap("not gzip: %v", err)
	}
	raw, err := io.ReadAll(io.LimitReader(zr, int64(p.MaxCodeSize)+1))
	if err != nil {
		return contracts.ErrBadCode.Wrap("gzip: %v", err)
	}
	if uint64(len(raw)) > p.MaxCodeSize {
		return contracts.ErrBadCode.Wrap("module exceeds %d bytes", p.MaxCodeSize)
	}
	h := contracts.Hash(sha256.Sum256(raw))
	if _, ok := k.Code(kv, h); ok {
		// Stored already (clients check first and send nothing): only the
		// transaction and its decompression are paid for.
		return nil
	}
	if err := ctx.ConsumeGas(p.CodeByteGas*uint64(len(raw)), "code upload"); err != nil {
		return err
	}
	prepared, err := wasm.Prepare(context.Background(), raw)
	if err != nil {
		return contracts.ErrBadCode.Wrap("%v", err)
	}
	set(kv, contracts.CodeKey(h), contracts.Code{Hash: h, Size: uint64(len(raw)), Uploader: ctx.Sender, Height: ctx.Block.Height})
	kv.Set(contracts.CodeBytesKey(h), prepared)
	ctx.Emit(contracts.EventCodeUploaded, module.Attr{Key: contracts.AttrCode, Value: h, Index: true})
	return nil
}

func (k *Keeper) handleInstantiate(ctx *module.Context, m *contracts.MsgInstantiate) error {
	kv := ctx.Store()
	if _, ok := k.Code(kv, m.Code); !ok {
		return contracts.ErrNoCode.Wrap("%s", m.Code)
	}
	c, ok := k.Cluster(kv, m.Cluster)
	if !ok {
		return contracts.ErrNoCluster.Wrap("%d", m.Cluster)
	}
	if err := c.CheckSize(); err != nil {
		return err
	}
	id := contracts.ContractID(ctx.Sender, m.Code, m.Cluster, m.Salt)
	if _, ok := k.Contract(kv, id); ok {
		return contracts.ErrExists.Wrap("%s", id)
	}
	set(kv, contracts.ContractKey(id), contracts.Contract{ID: id, Code: m.Code, Cluster: m.Cluster, Deployer: ctx.Sender, Name: m.Name, Height: ctx.Block.Height,
		KeyGen: c.KeyGen})
	kv.Set(contracts.ClusterContractKey(c.ID, id), []byte{1}) // the key is the index
	k.appendCommand(ctx, &c, contracts.Command{Kind: contracts.KindInstantiate, Contract: id, Caller: ctx.Sender, KeyGen: c.KeyGen})
	ctx.Emit(contracts.EventInstantiated, module.Attr{Key: contracts.AttrContract, Value: id, Index: true},
		module.Attr{Key: contracts.AttrCluster, Value: module.Uint(c.ID), Index: true})
	return nil
}

// handleCall escrows the command's largest fee and appends it to the log.
func (k *Keeper) handleCall(ctx *module.Context, m *contracts.MsgCall) error {
	kv := ctx.Store()
	p := k.Params(kv)
	ct, ok := k.Contract(kv, m.Contract)
	if !ok {
		return contracts.ErrNoContract.Wrap("%s", m.Contract)
	}
	if ct.Failed() {
		return contracts.ErrFailed.Wrap("contract %s: %s", m.Contract, ct.Reason())
	}
	c, _ := k.Cluster(kv, ct.Cluster)
	if err := c.CheckSize(); err != nil {
		return err
	}
	if ct.PublicKey == nil {
		if ct.KeyGen < c.KeyGen {
			return contracts.ErrNotReady.Wrap("contract %s: its key is being replaced after a worker left cluster %d; call again in a few blocks", m.Contract, ct.Cluster)
		}
		return contracts.ErrNotReady.Wrap("contract %s: its cluster's workers have not derived its key yet", m.Contract)
	}
	if uint64(len(m.Input)) > p.MaxInput {
		return contracts.ErrBadMsg.Wrap("input of %d bytes exceeds %d", len(m.Input), p.MaxInput)
	}
	if m.GasLimit < p.MinCommandGas || m.GasLimit > p.MaxCommandGas {
		return contracts.ErrGas.Wrap("%d is outside [%d, %d]", m.GasLimit, p.MinCommandGas, p.MaxCommandGas)
	}
	escrow, err := c.GasPrice.MulUint64(m.GasLimit)
	if err != nil {
		return contracts.ErrGas.Wrap("fee overflows: %v", err)
	}
	if err := k.bank.Pay(ctx, ctx.Sender, contracts.Account(), escrow); err != nil {
		return err
	}
	k.appendCommand(ctx, &c, contracts.Command{Kind: contracts.KindCall, Contract: m.Contract, Caller: ctx.Sender, Input: m.Input, GasLimit: m.GasLimit, Escrow: escrow,
		KeyGen: ct.KeyGen})
	return nil
}

// handleResult counts a worker's result; the first result more than half
// of the cluster posted is recorded and settled. A vote for a command
// closed without a majority is ignored: it judges no one.
func (k *Keeper) handleResult(ctx *module.Context, sender crypto.PublicKey, payload []byte) error {
	var v contracts.ResultVote
	if err := codec.Unmarshal(payload, &v); err != nil {
		return contracts.ErrBadMsg.Wrap("result: %v", err)
	}
	if v.Status == contracts.StatusNoMajority {
		return contracts.ErrBadMsg.Wrap("status %q is the chain's, for a command no majority agreed on", contracts.StatusText(v.Status))
	}
	kv := ctx.Store()
	c, ok := k.Cluster(kv, v.Cluster)
	if !ok {
		return contracts.ErrNoCluster.Wrap("%d", v.Cluster)
	}
	if !c.Has(sender) {
		return contracts.ErrNotMember.Wrap("%s, cluster %d", sender, c.ID)
	}
	cmd, ok := k.Command(kv, c.ID, v.Seq)
	if !ok {
		return contracts.ErrNoCommand.Wrap("cluster %d has no command %d", c.ID, v.Seq)
	}
	if v.GasUsed > cmd.GasLimit {
		return contracts.ErrBadMsg.Wrap("gas used %d exceeds the limit %d", v.GasUsed, cmd.GasLimit)
	}
	if len(v.Message) > contracts.MaxMessage {
		return contracts.ErrBadMsg.Wrap("result message of %d bytes exceeds %d", len(v.Message), contracts.MaxMessage)
	}
	digest := v.Digest()
	if res, done := k.Result(kv, c.ID, v.Seq); done {
		if res.Status != contracts.StatusNoMajority && res.Digest != digest {
			return k.disagree(ctx, c.ID, v.Seq, sender)
		}
		return nil
	}
	vk := contracts.VoteKey(c.ID, v.Seq, sender)
	if kv.Get(vk) != nil {
		return nil // a repeat; the first vote counts
	}
	set(kv, vk, digest)
	if bk := contracts.BallotKey(c.ID, v.Seq, digest); kv.Get(bk) == nil {
		set(kv, bk, v)
	}
	t := k.tally(kv, c, v.Seq)
	if !t.majority(c) {
		return nil
	}
	return k.record(ctx, c, cmd, v, t)
}

// tally is the count of a command's votes by the cluster's current
// workers: a worker removed since it voted no longer counts.
type tally struct {
	voters int
	// lead is the digest most workers posted (the lowest of a tie), and
	// agree those workers; others posted something else.
	lead   contracts.Hash
	agree  []crypto.PublicKey
	others []crypto.PublicKey
}

// majority reports whether the lead has more than half of the cluster.
func (t tally) majority(c contracts.Cluster) bool { return 2*len(t.agree) > len(c.Workers) }

func (k *Keeper) tally(r store.Reader, c contracts.Cluster, seq uint64) tally {
	prefix := contracts.VotePrefixOf(c.ID, seq)
	var voters []crypto.PublicKey
	var digests []contracts.Hash
	count := map[contracts.Hash]int{}
	r.Iterate(prefix, func(key, val []byte) bool {
		w, err := crypto.PublicKeyFromBytes(key[len(prefix):])
		if err != nil {
			panic(&store.IOError{Err: err}) // only this keeper writes it
		}
		if !c.Has(w) {
			return true
		}
		var d contracts.Hash
		store.MustDecode(val, &d)
		voters, digests = append(voters, w), append(digests, d)
		count[d]++
		return true
	})
	t := tally{voters: len(voters)}
	best := 0
	for _, d := range digests { // in voter order, not map order
		if n := count[d]; n > best || (n == best && bytes.Compare(d[:], t.lead[:]) < 0) {
			t.lead, best = d, n
		}
	}
	for i, w := range voters {
		if digests[i] == t.lead {
			t.agree = append(t.agree, w)
		} else {
			t.others = append(t.others, w)
		}
	}
	return t
}

// record settles a command on the result v its cluster's majority t
// agreed on, and names the workers that posted something else.
func (k *Keeper) record(ctx *module.Context, c contracts.Cluster, cmd contracts.Command, v contracts.ResultVote, t tally) error {
	kv := ctx.Store()
	paid, err := k.settle(ctx, c, cmd, v, t.agree)
	if err != nil {
		return err
	}
	k.closeCommand(kv, cmd)
	set(kv, contracts.ResultKey(c.ID, v.Seq), contracts.Result{ResultVote: v, Digest: t.lead, Height: ctx.Block.Height, Paid: paid})
	k.emitResult(ctx, cmd, v)
	for _, w := range t.others {
		if err := k.disagree(ctx, c.ID, v.Seq, w); err != nil {
			return err
		}
	}
	return nil
}

// closeCommand deletes what an open command keeps: its votes, their
// ballots and its place in the deadline index.
func (k *Keeper) closeCommand(kv store.KV, cmd contracts.Command) {
	var dead [][]byte
	for _, prefix := range [][]byte{contracts.VotePrefixOf(cmd.Cluster, cmd.Seq), contracts.BallotPrefixOf(cmd.Cluster, cmd.Seq)} {
		kv.Iterate(prefix, func(key, _ []byte) bool {
			dead = append(dead, bytes.Clone(key))
			return true
		})
	}
	for _, key := range dead {
		kv.Delete(key)
	}
	if cmd.Deadline != 0 {
		kv.Delete(contracts.DeadlineKey(cmd.Deadline, cmd.Cluster, cmd.Seq))
	}
}

func (k *Keeper) emitResult(ctx *module.Context, cmd contracts.Command, v contracts.ResultVote) {
	attrs := []module.Attr{
		{Key: contracts.AttrCluster, Value: module.Uint(cmd.Cluster), Index: true},
		{Key: contracts.AttrSeq, Value: module.Uint(cmd.Seq), Index: true},
		{Key: contracts.AttrContract, Value: cmd.Contract, Index: true},
		{Key: contracts.AttrStatus, Value: module.Text(contracts.StatusText(v.Status))},
	}
	if v.Message != "" {
		attrs = append(attrs, module.Attr{Key: contracts.AttrReason, Value: module.Text(v.Message)})
	}
	ctx.Emit(contracts.EventResult, attrs...)
}

// settle pays the agreed gas to the agreeing workers' operators and
// refunds the rest of the escrow, or records an instantiated contract's
// public key, or that its instantiation failed and why.
func (k *Keeper) settle(ctx *module.Context, c contracts.Cluster, cmd contracts.Command, v contracts.ResultVote, agree []crypto.PublicKey) (pha.Amount, error) {
	kv := ctx.Store()
	if cmd.Kind == contracts.KindInstantiate || cmd.Kind == contracts.KindRekey {
		ct, _ := k.Contract(kv, cmd.Contract)
		if ct.Failed() {
			return pha.Amount{}, nil // a rekey of a contract that failed meanwhile
		}
		switch _, err := crypto.ParseEncryptionPublicKey(v.Output); {
		case v.Status != contracts.StatusOK:
			ct.Status, ct.Error = v.Status, v.Message
		case err != nil:
			ct.Status, ct.Error = contracts.StatusFailed, "the workers agreed on a public key that does not parse"
		case cmd.KeyGen < c.KeyGen:
			// A newer generation began since the command was logged: its
			// rekey, later in the log, records the key calls may use.
		default:
			ct.PublicKey, ct.KeyGen = bytes.Clone(v.Output), cmd.KeyGen
		}
		set(kv, contracts.ContractKey(ct.ID), ct)
		return pha.Amount{}, nil
	}
	fee, err := c.GasPrice.MulUint64(v.GasUsed)
	if err != nil || cmd.Escrow.Lt(fee) {
		fee = cmd.Escrow
	}
	share, err := fee.MulDiv(pha.Units(1), pha.Units(uint64(len(agree))))
	if err != nil {
		return fee, err
	}
	paid := pha.Amount{}
	for i, w := range agree {
		amt := share
		if i == 0 { // the remainder of the division
			spread, _ := share.MulUint64(uint64(len(agree)))
			rest, _ := fee.Sub(spread)
			amt, _ = share.Add(rest)
		}
		rec, _ := k.registry.Worker(kv, w)
		if err := k.bank.Move(kv, contracts.Account(), rec.Operator, amt); err != nil {
			return fee, err
		}
		paid, _ = paid.Add(amt)
	}
	refund, _ := cmd.Escrow.Sub(paid)
	if err := k.bank.Move(kv, contracts.Account(), cmd.Caller, refund); err != nil {
		return paid, err
	}
	return paid, nil
}

// disagree names a worker whose result differs from the recorded one,
// removes it from the cluster (if another worker remains) and has it
// penalized: slashed and turned unresponsive. The event says what it was
// slashed; the worker's computing record keeps the count and the total.
func (k *Keeper) disagree(ctx *module.Context, cluster, seq uint64, w crypto.PublicKey) error {
	kv := ctx.Store()
	if c, ok := k.Cluster(kv, cluster); ok && len(c.Workers) > 1 {
		if i, found := slices.BinarySearchFunc(c.Workers, w, contracts.ComparePublicKeys); found {
			c.Workers = slices.Delete(c.Workers, i, i+1)
			if err := k.rotate(ctx, &c); err != nil {
				return err
			}
		}
	}
	slashed := pha.Amount{}
	if k.penalty != nil {
		var err error
		if slashed, err = k.penalty.Penalize(ctx, w); err != nil {
			return err
		}
	}
	ctx.Emit(contracts.EventDisagreement,
		module.Attr{Key: contracts.AttrCluster, Value: module.Uint(cluster), Index: true},
		module.Attr{Key: contracts.AttrSeq, Value: module.Uint(seq)},
		module.Attr{Key: contracts.AttrWorker, Value: w, Index: true},
		module.Attr{Key: contracts.AttrSlashed, Value: slashed},
	)
	return nil
}

// rotate starts a new generation of a cluster's key, after a worker left
// it: the workers left are sent the new key, and every live contract of
// the cluster is rekeyed by a command in the log. Until its rekey is
// recorded a contract has no public key, so no call is sealed to a key
// the removed worker can derive; commands logged before run under the
// generation they were sealed to. The removed worker keeps the keys of
// the generations it was sent: what was sealed to them it could read
// already, as a member.
func (k *Keeper) rotate(ctx *module.Context, c *contracts.Cluster) error {
	return k.rotateKeys(ctx, c, false)
}

// rotateKeys is rotate; with anyway, a worker left whose new key no
// gatekeeper can be asked for (none holds the master keys) is passed
// over rather than fail the rotation: a loss of standing must take the
// key from the workers that lost it even then.
func (k *Keeper) rotateKeys(ctx *module.Context, c *contracts.Cluster, anyway bool) error {
	kv := ctx.Store()
	c.KeyGen++
	set(kv, contracts.ClusterKey(c.ID), *c)
	for _, w := range c.Workers {
		rec, ok := k.registry.Worker(kv, w)
		if !ok || !rec.InStanding() {
			continue // a member whose registration is gone gets nothing
		}
		if err := k.keys.RequestClusterKey(ctx, c.ID, c.Epoch, c.KeyGen, c.Starts, rec); err != nil {
			if anyway && errors.Is(err, keys.ErrNoMasterKey) {
				ctx.Log.Warn("no gatekeeper can send a cluster's new key", "cluster", c.ID, "gen", c.KeyGen, "worker", w, "err", err)
				continue
			}
			return err
		}
	}
	for _, id := range k.clusterContracts(kv, c.ID) {
		ct, _ := k.Contract(kv, id)
		if ct.Failed() {
			continue
		}
		ct.PublicKey = nil
		set(kv, contracts.ContractKey(id), ct)
		k.appendCommand(ctx, c, contracts.Command{Kind: contracts.KindRekey, Contract: id, Caller: c.Owner, KeyGen: c.KeyGen})
	}
	return nil
}

// askParkedRekeys logs again the rekey of every live contract of a
// cluster that had no worker left and has one again: the rekeys that
// closed without a majority while it was empty were parked
// (closeWithoutMajority). A contract whose rekey is still open gets a
// second one for the same generation, which the workers answer with the
// same key.
func (k *Keeper) askParkedRekeys(ctx *module.Context, c *contracts.Cluster) {
	kv := ctx.Store()
	for _, id := range k.clusterContracts(kv, c.ID) {
		if ct, _ := k.Contract(kv, id); !ct.Failed() && ct.PublicKey == nil {
			k.appendCommand(ctx, c, contracts.Command{Kind: contracts.KindRekey, Contract: id, Caller: c.Owner, KeyGen: c.KeyGen})
		}
	}
}

// clusterContracts lists a cluster's contracts in id order.
func (k *Keeper) clusterContracts(r store.Reader, cluster uint64) []contracts.Hash {
	prefix := contracts.ClusterContractsPrefix(cluster)
	var ids []contracts.Hash
	r.Iterate(prefix, func(key, _ []byte) bool {
		ids = append(ids, contracts.Hash(key[len(prefix):]))
		return true
	})
	return ids
}
