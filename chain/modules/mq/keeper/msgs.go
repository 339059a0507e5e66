package keeper

import (
	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/mq"
	"github.com/phalanx-net/phalanx/crypto"
)

// RegisterMsgs adds the queue's messages to the router.
func (k *Keeper) RegisterMsgs(r *module.Router) {
	module.Register(r, k.handlePost)
}

// handlePost accepts a message if it carries its sender's next sequence
// number and signature, then hands it to its topic's module. Checks run
// cheapest first; any failure changes nothing.
func (k *Keeper) handlePost(ctx *module.Context, m *mq.MsgPost) error {
	h, ok := k.topics[m.Topic]
	if !ok {
		return mq.ErrUnknownTopic.Wrap("%q", m.Topic)
	}
	kv := ctx.Store()
	want := readCount(kv, mq.IngressSeqKey(m.Sender))
	if m.Seq != want {
		return mq.ErrBadSequence.Wrap("sender %s: got %d, want %d", m.Sender, m.Seq, want)
	}
	if !k.senders.IsEnclave(kv, m.Sender) {
		return mq.ErrUnknownSender.Wrap("%s", m.Sender)
	}
	if err := ctx.ConsumeGas(mq.VerifyGas, "mq signature"); err != nil {
		return err
	}
	if !crypto.Verify(m.Sender, mq.SigningContext, mq.SignBytesConsumed(ctx.Block.ChainID, m.Sender, m.Seq, m.Consumed, m.Topic, m.Payload), m.Signature) {
		return mq.ErrBadSignature.Wrap("sender %s, seq %d", m.Sender, m.Seq)
	}
	// The count was signed after the messages it counts were sent, and
	// the chain only ever adds messages: a count beyond them is a lie.
	if sent := readCount(kv, mq.EgressCountKey(m.Sender)); m.Consumed > sent {
		return mq.ErrBadConsumed.Wrap("sender %s reports %d consumed of %d sent", m.Sender, m.Consumed, sent)
	}
	if err := h(ctx, m.Sender, m.Payload); err != nil {
		return err
	}
	kv.Set(mq.IngressSeqKey(m.Sender), codec.MustMarshal(m.Seq+1))
	k.recordConsumed(kv, m.Sender, m.Consumed)
	ctx.Emit(mq.EventPosted,
		module.Attr{Key: mq.AttrSender, Value: m.Sender, Index: true},
		module.Attr{Key: mq.AttrSeq, Value: module.Uint(m.Seq)},
		module.Attr{Key: mq.AttrTopic, Value: module.Text(m.Topic), Index: true},
	)
	return nil
}
