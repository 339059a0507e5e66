package keeper

import (
	"bytes"
	"slices"
	"strconv"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/keys"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	"github.com/phalanx-net/phalanx/chain/store"
	"github.com/phalanx-net/phalanx/crypto"
)

// RegisterMsgs adds the module's message to the router and its topics to
// the queue.
func (k *Keeper) RegisterMsgs(r *module.Router) {
	module.Register(r, k.handleRotate)
	k.mq.Handle(keys.TopicPublish, k.handlePublish)
	k.mq.Handle(keys.TopicHandover, k.handleHandover)
	k.mq.Handle(keys.TopicReceived, k.handleReceived)
	k.mq.Handle(keys.TopicClusterShare, k.handleClusterShare)
	k.mq.Handle(keys.TopicRootShare, k.handleRootShare)
}

// EnclaveRegistered implements registrykeeper.Hooks: the first gatekeeper is
// asked for the master key; later ones are handed the keys that exist.
func (k *Keeper) EnclaveRegistered(ctx *module.Context, role registry.Role, e registry.Enclave) error {
	if role != registry.RoleGatekeeper {
		return nil
	}
	kv := ctx.Store()
	s := k.Status(kv)
	if s.Epochs == 0 && !s.Generating {
		s.Generating, s.Generator = true, e.Identity
		k.setStatus(kv, s)
		k.mq.Send(ctx, e.Identity, keys.TopicGenerate, codec.MustMarshal(keys.Generate{Epoch: 0}))
		return nil
	}
	k.requestHandovers(ctx)
	return nil
}

// requestHandovers asks the holders of each epoch to hand it to every
// gatekeeper that neither holds it nor was already asked for.
func (k *Keeper) requestHandovers(ctx *module.Context) {
	kv := ctx.Store()
	s := k.Status(kv)
	var gks []registry.Enclave
	k.registry.Gatekeepers(kv, func(e registry.Enclave) bool {
		gks = append(gks, e)
		return true
	})
	for epoch := uint32(0); epoch < s.Epochs; epoch++ {
		holders := k.Holders(kv, epoch)
		for _, g := range gks {
			if !g.InStanding() {
				continue // never asked for: it would be handed a key it must not have
			}
			if k.IsHolder(kv, epoch, g.Identity) || kv.Get(keys.RequestedKey(epoch, g.Identity)) != nil {
				continue
			}
			kv.Set(keys.RequestedKey(epoch, g.Identity), present)
			req := codec.MustMarshal(keys.HandoverRequest{To: g.Identity, EncryptionKey: g.EncryptionKey, Epoch: epoch, Recipient: k.recipient(ctx, registry.RoleGatekeeper, g)})
			for _, h := range holders {
				k.mq.Send(ctx, h, keys.TopicHandoverRequest, req)
			}
		}
	}
}

func (k *Keeper) gatekeeper(ctx *module.Context, id crypto.PublicKey) error {
	g, ok := k.registry.Gatekeeper(ctx.Store(), id)
	if !ok {
		return keys.ErrNotGatekeeper.Wrap("%s", id)
	}
	if !g.InStanding() {
		return registry.ErrNoStanding.Wrap("gatekeeper enclave %s (%s)", id, g.Lost)
	}
	return nil
}

func validPublicKey(b []byte) error {
	if _, err := crypto.ParseEncryptionPublicKey(b); err != nil {
		return keys.ErrBadMsg.Wrap("public key: %v", err)
	}
	return nil
}

// handlePublish records the master key the chain asked a gatekeeper for.
func (k *Keeper) handlePublish(ctx *module.Context, sender crypto.PublicKey, payload []byte) error {
	var p keys.Publish
	if err := codec.Unmarshal(payload, &p); err != nil {
		return keys.ErrBadMsg.Wrap("publish: %v", err)
	}
	if err := validPublicKey(p.PublicKey); err != nil {
		return err
	}
	kv := ctx.Store()
	s := k.Status(kv)
	if !s.Generating || p.Epoch != s.Epochs || sender != s.Generator {
		return keys.ErrUnexpected.Wrap("master key of epoch %d from %s (generating: %v, epoch %d, by %s)",
			p.Epoch, sender, s.Generating, s.Epochs, s.Generator)
	}
	kv.Set(keys.MasterKey(p.Epoch), codec.MustMarshal(keys.Master{Epoch: p.Epoch, PublicKey: p.PublicKey, Generator: sender, Height: ctx.Block.Height}))
	kv.Set(keys.HolderKey(p.Epoch, sender), present)
	s.Epochs++
	s.Generating, s.Generator = false, crypto.PublicKey{}
	k.setStatus(kv, s)
	ctx.Emit(keys.EventPublished, module.Attr{Key: keys.AttrEpoch, Value: module.Text(itoa(p.Epoch))},
		module.Attr{Key: keys.AttrEnclave, Value: sender, Index: true})
	k.requestHandovers(ctx)
	return nil
}

// handleHandover forwards a sealed master key from a holder to the
// gatekeeper the chain asked for. A second handover of the same key
// (several holders answer each request) is accepted and dropped.
func (k *Keeper) handleHandover(ctx *module.Context, sender crypto.PublicKey, payload []byte) error {
	var h keys.Handover
	if err := codec.Unmarshal(payload, &h); err != nil {
		return keys.ErrBadMsg.Wrap("handover: %v", err)
	}
	kv := ctx.Store()
	if !k.IsHolder(kv, h.Epoch, sender) {
		return keys.ErrNotHolder.Wrap("%s, epoch %d", sender, h.Epoch)
	}
	if kv.Get(keys.RequestedKey(h.Epoch, h.To)) == nil {
		return keys.ErrUnexpected.Wrap("no handover of epoch %d to %s was asked for", h.Epoch, h.To)
	}
	if kv.Get(keys.HandedKey(h.Epoch, h.To)) != nil {
		return nil
	}
	if !k.registry.InStanding(kv, registry.RoleGatekeeper, h.To) {
		return nil // asked for before it lost its standing: dropped, not forwarded
	}
	kv.Set(keys.HandedKey(h.Epoch, h.To), present)
	h.From = sender
	k.mq.Send(ctx, h.To, keys.TopicMasterKey, codec.MustMarshal(h))
	return nil
}

// handleReceived makes a gatekeeper a holder once it shows it derived the
// published public key.
func (k *Keeper) handleReceived(ctx *module.Context, sender crypto.PublicKey, payload []byte) error {
	var r keys.Received
	if err := codec.Unmarshal(payload, &r); err != nil {
		return keys.ErrBadMsg.Wrap("received: %v", err)
	}
	kv := ctx.Store()
	if kv.Get(keys.HandedKey(r.Epoch, sender)) == nil {
		return keys.ErrUnexpected.Wrap("no master key of epoch %d was handed to %s", r.Epoch, sender)
	}
	if err := k.gatekeeper(ctx, sender); err != nil {
		return err
	}
	m, ok := k.Master(kv, r.Epoch)
	if !ok {
		return keys.ErrUnexpected.Wrap("no master key of epoch %d", r.Epoch)
	}
	if !bytes.Equal(m.PublicKey, r.PublicKey) {
		return keys.ErrKeyMismatch.Wrap("epoch %d, from %s", r.Epoch, sender)
	}
	if k.IsHolder(kv, r.Epoch, sender) {
		return nil
	}
	kv.Set(keys.HolderKey(r.Epoch, sender), present)
	ctx.Emit(keys.EventHolder, module.Attr{Key: keys.AttrEpoch, Value: module.Text(itoa(r.Epoch))},
		module.Attr{Key: keys.AttrEnclave, Value: sender, Index: true})
	return nil
}

// handleRotate asks the first holder of the current key for the next one.
func (k *Keeper) handleRotate(ctx *module.Context, _ *keys.MsgRotateMasterKey) error {
	kv := ctx.Store()
	if ctx.Sender != k.registry.Params(kv).Council {
		return registry.ErrNotCouncil.Wrap("%s", ctx.Sender)
	}
	s := k.Status(kv)
	cur, ok := s.Current()
	if !ok {
		return keys.ErrNoMasterKey.Wrap("the first master key is not published yet")
	}
	if s.Generating {
		return keys.ErrRotationBusy.Wrap("epoch %d is being generated by %s", s.Epochs, s.Generator)
	}
	if len(k.Holders(kv, cur)) == 0 {
		return keys.ErrNoMasterKey.Wrap("no gatekeeper holds epoch %d", cur)
	}
	k.generateNext(ctx)
	return nil
}

// generateNext asks a holder of the current master key for the next one:
// the first, in identity order, of those that hold every epoch (it will
// send clusters keys of every generation, and older generations derive
// from older epochs), else the first holder. With no holder it does
// nothing: the next gatekeeper to register starts over.
func (k *Keeper) generateNext(ctx *module.Context) {
	kv := ctx.Store()
	s := k.Status(kv)
	cur, ok := s.Current()
	if !ok {
		return
	}
	holders := k.Holders(kv, cur)
	if len(holders) == 0 {
		return
	}
	gen := holders[0]
	for _, h := range holders {
		if k.holdsAll(kv, s.Epochs, h) {
			gen = h
			break
		}
	}
	s.Generating, s.Generator = true, gen
	k.setStatus(kv, s)
	k.mq.Send(ctx, gen, keys.TopicGenerate, codec.MustMarshal(keys.Generate{Epoch: s.Epochs}))
	ctx.Emit(keys.EventRotate, module.Attr{Key: keys.AttrEpoch, Value: module.Text(itoa(s.Epochs))},
		module.Attr{Key: keys.AttrEnclave, Value: gen, Index: true})
}

// holdsAll reports whether a gatekeeper holds the master keys of epochs
// 0 to n-1.
func (k *Keeper) holdsAll(r store.Reader, n uint32, id crypto.PublicKey) bool {
	for e := uint32(0); e < n; e++ {
		if !k.IsHolder(r, e, id) {
			return false
		}
	}
	return true
}

// RequestClusterKey has the holders of the master keys a cluster's keys
// derive from send its keys of generations 0 to gen to a worker: epoch
// is generation 0's, and starts say which later generations derive from
// later epochs (keys.EpochOf). The contracts module calls it when a
// worker joins a cluster, and for every worker left when the cluster's
// key is replaced. A newer request replaces an older one.
func (k *Keeper) RequestClusterKey(ctx *module.Context, cluster uint64, epoch, gen uint32, starts []keys.EpochStart, worker registry.Enclave) error {
	kv := ctx.Store()
	if !worker.InStanding() {
		return nil // never sent a key: contracts keeps such a worker out of clusters
	}
	holders := k.clusterHolders(kv, epoch, starts)
	if len(holders) == 0 {
		return keys.ErrNoMasterKey.Wrap("no gatekeeper holds the master keys of epochs %d to %d", epoch, keys.EpochOf(epoch, starts, gen))
	}
	kv.Set(keys.ClusterRequestKey(cluster, worker.Identity), encodeAsk(clusterAsk{Epoch: epoch, Gen: gen, Starts: starts}))
	kv.Delete(keys.ClusterHandedKey(cluster, worker.Identity))
	req := codec.MustMarshal(keys.ClusterRequest{Cluster: cluster, Worker: worker.Identity, EncryptionKey: worker.EncryptionKey, Epoch: epoch, Gen: gen, Starts: starts,
		Recipient: k.recipient(ctx, registry.RoleWorker, worker)})
	for _, h := range holders {
		k.mq.Send(ctx, h, keys.TopicClusterRequest, req)
	}
	return nil
}

// clusterHolders returns the gatekeepers that hold every master key a
// cluster's keys derive from (generation 0's epoch and the starts'), in
// identity order: only they can send all of its generations.
func (k *Keeper) clusterHolders(r store.Reader, epoch uint32, starts []keys.EpochStart) []crypto.PublicKey {
	holders := k.Holders(r, epoch)
	for _, s := range starts {
		holders = slices.DeleteFunc(holders, func(h crypto.PublicKey) bool { return !k.IsHolder(r, s.Epoch, h) })
	}
	return holders
}

// handleClusterShare forwards a sealed cluster key to its worker; the
// first answer of the holders wins, later ones are dropped, and so is an
// answer to a request a newer generation's replaced.
func (k *Keeper) handleClusterShare(ctx *module.Context, sender crypto.PublicKey, payload []byte) error {
	var c keys.ClusterShare
	if err := codec.Unmarshal(payload, &c); err != nil {
		return keys.ErrBadMsg.Wrap("cluster share: %v", err)
	}
	kv := ctx.Store()
	if !slices.Contains(k.clusterHolders(kv, c.Epoch, c.Starts), sender) {
		return keys.ErrNotHolder.Wrap("%s, epoch %d", sender, c.Epoch)
	}
	v := kv.Get(keys.ClusterRequestKey(c.Cluster, c.Worker))
	if v == nil {
		return keys.ErrUnexpected.Wrap("no key of cluster %d was asked for %s", c.Cluster, c.Worker)
	}
	ask := decodeAsk(v)
	if ask.Epoch != c.Epoch {
		return keys.ErrUnexpected.Wrap("cluster %d needs epoch %d, not %d", c.Cluster, ask.Epoch, c.Epoch)
	}
	if c.Gen == ask.Gen && !slices.Equal(c.Starts, ask.Starts) {
		return keys.ErrUnexpected.Wrap("cluster %d's keys derive from epochs %v, not %v", c.Cluster, ask.Starts, c.Starts)
	}
	switch {
	case c.Gen < ask.Gen:
		return nil // the answer to a request a newer generation replaced
	case c.Gen > ask.Gen:
		return keys.ErrUnexpected.Wrap("cluster %d has key generation %d, not %d", c.Cluster, ask.Gen, c.Gen)
	}
	if k.ClusterKeySent(kv, c.Cluster, c.Worker) {
		return nil
	}
	if !k.registry.InStanding(kv, registry.RoleWorker, c.Worker) {
		return nil // asked for before it lost its standing: dropped, not forwarded
	}
	kv.Set(keys.ClusterHandedKey(c.Cluster, c.Worker), present)
	k.mq.Send(ctx, c.Worker, keys.TopicClusterKey, payload)
	ctx.Emit(keys.EventClusterKey, module.Attr{Key: keys.AttrCluster, Value: module.Text(utoa(c.Cluster)), Index: true},
		module.Attr{Key: keys.AttrWorker, Value: c.Worker, Index: true}, module.Attr{Key: keys.AttrGen, Value: module.Text(itoa(c.Gen))})
	return nil
}

func itoa(v uint32) string { return utoa(uint64(v)) }

func utoa(v uint64) string { return strconv.FormatUint(v, 10) }

// recipient is what a holder's enclave is given to verify the enclave a
// key is for: its registration as recorded and the registry's rules now.
// A record written before the registry kept evidence gives none, and the
// holder refuses it until the enclave re-attests.
func (k *Keeper) recipient(ctx *module.Context, role registry.Role, e registry.Enclave) *keys.Recipient {
	kv := ctx.Store()
	ev, ok := k.registry.Evidence(kv, role, e.Identity)
	if !ok {
		return nil
	}
	r := k.withRules(ctx, keys.Recipient{
		Evidence: ev, Identity: e.Identity, EncryptionKey: e.EncryptionKey, Operator: e.Operator,
		Role: role, Version: e.Version, AttestedAt: e.AttestedAt,
	}, e.Scope)
	return &r
}

// withRules adds to a recipient what the holder verifies it by: the
// registry's allowlist and sim rule, the block time, and the collateral
// stored for its scope, the one the chain judged it by, so that a revoked
// machine gets nothing either.
func (k *Keeper) withRules(ctx *module.Context, r keys.Recipient, scope string) keys.Recipient {
	kv := ctx.Store()
	p := k.registry.Params(kv)
	r.Allowlist, r.AllowSim, r.Time = p.Measurements, p.AllowSim, ctx.Block.Time.Unix()
	if scope != "" {
		if c, ok := k.registry.Collateral(kv, scope); ok {
			r.Collateral = c.Body
		}
	}
	return r
}
