package keeper

import (
	"encoding/binary"
	"encoding/hex"
	"slices"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/keys"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	registrykeeper "github.com/phalanx-net/phalanx/chain/modules/registry/keeper"
	"github.com/phalanx-net/phalanx/chain/store"
	"github.com/phalanx-net/phalanx/crypto"
)

// SealingRootRequested implements registrykeeper.SealingHooks: it sends
// a request the registry verified to every holder in standing of the
// epochs it needs (those it names and the current one). Several holders
// answer; the first answer is kept.
func (k *Keeper) SealingRootRequested(ctx *module.Context, r registrykeeper.SealingRequest) error {
	kv := ctx.Store()
	s := k.Status(kv)
	cur, ok := s.Current()
	if !ok {
		return keys.ErrNoMasterKey.Wrap("no master key yet to derive sealing roots from")
	}
	epochs := slices.Clone(r.Msg.Epochs)
	for _, e := range epochs {
		if e >= s.Epochs {
			return keys.ErrBadMsg.Wrap("epoch %d: the chain has %d", e, s.Epochs)
		}
	}
	if !slices.Contains(epochs, cur) {
		epochs = append(epochs, cur)
	}
	id := keys.SealingRootID(r.Msg.EncryptionKey)
	if kv.Get(keys.SealingRootRequestKey(id)) != nil || kv.Get(keys.SealingRootAnswerKey(id)) != nil {
		return keys.ErrUnexpected.Wrap("sealing root request %x was made already: each request has a fresh key", id[:8])
	}
	holders := k.rootHolders(kv, epochs)
	if len(holders) == 0 {
		return keys.ErrNoMasterKey.Wrap("no gatekeeper in standing holds the master keys of epochs %v", epochs)
	}
	last := ctx.Block.Height + keys.RootBlocks
	kv.Set(keys.SealingRootRequestKey(id), codec.MustMarshal(keys.RootPending{Epochs: epochs, Height: ctx.Block.Height}))
	kv.Set(keys.SealingRootExpiryKey(last, id), present)
	req := codec.MustMarshal(keys.RootRequest{ID: id, Epochs: epochs, Recipient: k.rootRecipient(ctx, r)})
	for _, h := range holders {
		k.mq.Send(ctx, h, keys.TopicRootRequest, req)
	}
	ctx.Emit(keys.EventRootRequested, module.Attr{Key: keys.AttrRequest, Value: module.Text(hex.EncodeToString(id[:])), Index: true},
		module.Attr{Key: registry.AttrOperator, Value: r.Sender, Index: true})
	return nil
}

// rootHolders returns the gatekeepers in standing that hold every epoch's
// master key, in identity order.
func (k *Keeper) rootHolders(kv store.Reader, epochs []uint32) []crypto.PublicKey {
	var out []crypto.PublicKey
	for _, h := range k.Holders(kv, epochs[len(epochs)-1]) {
		all := k.registry.InStanding(kv, registry.RoleGatekeeper, h)
		for _, e := range epochs {
			all = all && k.IsHolder(kv, e, h)
		}
		if all {
			out = append(out, h)
		}
	}
	return out
}

// rootRecipient is what a holder's enclave verifies a request by: the
// evidence, what its report data binds, and the registry's rules at this
// block, with the collateral it was judged by.
func (k *Keeper) rootRecipient(ctx *module.Context, r registrykeeper.SealingRequest) keys.Recipient {
	return k.withRules(ctx, keys.Recipient{
		Evidence: r.Msg.Evidence, EncryptionKey: r.Msg.EncryptionKey, Operator: r.Sender, Role: registry.RoleWorker,
		AttestedAt: r.Msg.AttestedAt,
	}, r.Scope)
}

// handleRootShare keeps a holder's answer to a pending request; later
// answers to the same request are accepted and dropped.
func (k *Keeper) handleRootShare(ctx *module.Context, sender crypto.PublicKey, payload []byte) error {
	var sh keys.RootShare
	if err := codec.Unmarshal(payload, &sh); err != nil {
		return keys.ErrBadMsg.Wrap("root share: %v", err)
	}
	kv := ctx.Store()
	raw := kv.Get(keys.SealingRootRequestKey(sh.ID))
	if raw == nil {
		return keys.ErrUnexpected.Wrap("no sealing root request %x is pending", sh.ID[:8])
	}
	var p keys.RootPending
	store.MustDecode(raw, &p)
	for _, e := range p.Epochs {
		if !k.IsHolder(kv, e, sender) {
			return keys.ErrNotHolder.Wrap("%s, epoch %d", sender, e)
		}
	}
	if err := k.gatekeeper(ctx, sender); err != nil {
		return err
	}
	if kv.Get(keys.SealingRootAnswerKey(sh.ID)) != nil {
		return nil
	}
	kv.Set(keys.SealingRootAnswerKey(sh.ID), codec.MustMarshal(keys.RootAnswer{ID: sh.ID, Sealed: sh.Sealed, From: sender, Height: ctx.Block.Height}))
	ctx.Emit(keys.EventRootReleased, module.Attr{Key: keys.AttrRequest, Value: module.Text(hex.EncodeToString(sh.ID[:])), Index: true},
		module.Attr{Key: keys.AttrEnclave, Value: sender})
	return nil
}

// EndBlock forgets the sealing root requests, and their answers, whose
// RootBlocks have passed.
func (k *Keeper) EndBlock(ctx *module.Context) error {
	kv := ctx.Store()
	prefix := keys.SealingRootExpiryPrefix()
	var due [][]byte
	kv.Iterate(prefix, func(key, _ []byte) bool {
		if len(key) != len(prefix)+8+keys.RootIDSize || int64(binary.BigEndian.Uint64(key[len(prefix):])) >= ctx.Block.Height {
			return false
		}
		due = append(due, key)
		return true
	})
	for _, key := range due {
		id := [keys.RootIDSize]byte(key[len(prefix)+8:])
		kv.Delete(keys.SealingRootRequestKey(id))
		kv.Delete(keys.SealingRootAnswerKey(id))
		kv.Delete(key)
	}
	return nil
}
