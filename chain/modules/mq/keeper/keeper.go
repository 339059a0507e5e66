package keeper

import (
	"fmt"
	"slices"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/mq"
	"github.com/phalanx-net/phalanx/chain/store"
	"github.com/phalanx-net/phalanx/crypto"
)

// TopicHandler handles an accepted message from an enclave. An error
// refuses the message (and its transaction): its sequence number stays
// unused.
type TopicHandler func(ctx *module.Context, sender crypto.PublicKey, payload []byte) error

// Senders tells the queue which enclaves may post. The registry implements
// it; the queue does not read the registry's state itself.
type Senders interface {
	IsEnclave(r store.Reader, id crypto.PublicKey) bool
}

// Keeper reads and writes the queue's state and routes messages by topic.
// Its topic table is filled when the application is built and never
// changes afterwards.
type Keeper struct {
	senders Senders
	topics  map[string]TopicHandler
}

// NewKeeper returns a queue that accepts messages from the enclaves that
// senders knows.
func NewKeeper(senders Senders) *Keeper {
	return &Keeper{senders: senders, topics: map[string]TopicHandler{}}
}

// Handle routes topic to h; a topic handled twice is a programming error.
func (k *Keeper) Handle(topic string, h TopicHandler) {
	if _, dup := k.topics[topic]; dup {
		panic(fmt.Sprintf("mq: topic %q handled twice", topic))
	}
	k.topics[topic] = h
}

// Topics returns the handled topics, sorted.
func (k *Keeper) Topics() []string {
	out := make([]string, 0, len(k.topics))
	for t := range k.topics {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}

// readCount reads a counter; absent is zero.
func readCount(r store.Reader, key []byte) uint64 {
	var n uint64
	if v := r.Get(key); v != nil {
		store.MustDecode(v, &n)
	}
	return n
}

// NextIngress returns the sequence number the chain accepts next from
// sender.
func (k *Keeper) NextIngress(r store.Reader, sender crypto.PublicKey) uint64 {
	return readCount(r, mq.IngressSeqKey(sender))
}

// EgressCount returns how many messages were ever sent to an enclave.
func (k *Keeper) EgressCount(r store.Reader, to crypto.PublicKey) uint64 {
	return readCount(r, mq.EgressCountKey(to))
}

// Egress returns the message with sequence seq sent to an enclave.
func (k *Keeper) Egress(r store.Reader, to crypto.PublicKey, seq uint64) (mq.Message, bool) {
	v := r.Get(mq.EgressKey(to, seq))
	if v == nil {
		return mq.Message{}, false
	}
	var m mq.Message
	store.MustDecode(v, &m)
	return m, true
}

// Send queues a message for an enclave in the current block.
func (k *Keeper) Send(ctx *module.Context, to crypto.PublicKey, topic string, payload []byte) {
	kv := ctx.Store()
	seq := readCount(kv, mq.EgressCountKey(to))
	kv.Set(mq.EgressKey(to, seq), codec.MustMarshal(mq.Message{Seq: seq, Height: ctx.Block.Height, Topic: topic, Payload: payload}))
	kv.Set(mq.EgressCountKey(to), codec.MustMarshal(seq+1))
	ctx.Emit(mq.EventSent,
		module.Attr{Key: mq.AttrTo, Value: to, Index: true},
		module.Attr{Key: mq.AttrSeq, Value: module.Uint(seq)},
		module.Attr{Key: mq.AttrTopic, Value: module.Text(topic), Index: true},
	)
}
