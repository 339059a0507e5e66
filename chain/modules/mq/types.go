package mq

import (
	"encoding/binary"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/crypto/domain"
)

// ModuleName is the queue's name: its codespace and state prefix.
const ModuleName = "mq"

// Errors.
var (
	// Anything but the sender's next sequence number.
	ErrBadSequence = module.DefineError(ModuleName, 1, "wrong message sequence")
	// Wrong key, wrong chain, altered message.
	ErrBadSignature  = module.DefineError(ModuleName, 2, "message signature does not verify")
	ErrUnknownSender = module.DefineError(ModuleName, 3, "sender is not a registered enclave")
	ErrUnknownTopic  = module.DefineError(ModuleName, 4, "no module handles this topic")
	// Topic or payload too long.
	ErrBadMessage = module.DefineError(ModuleName, 5, "malformed message")
	// A post reporting more messages consumed than the chain ever sent the sender.
	ErrBadConsumed = module.DefineError(ModuleName, 6, "consumed count beyond the messages sent")
)

// Limits.
const (
	MaxTopicLen   = 64
	MaxPayloadLen = 32 << 10
)

// SigningContext is the domain of enclave message signatures.
var SigningContext = crypto.NewContext(domain.MQMessage)

// VerifyGas is charged for checking a message's signature.
const VerifyGas = 30_000

// MsgPost carries one signed enclave message to the chain.
type MsgPost struct {
	Sender    crypto.PublicKey `cbor:"1,keyasint" json:"sender"`
	Seq       uint64           `cbor:"2,keyasint" json:"seq"`
	Topic     string           `cbor:"3,keyasint" json:"topic"`
	Payload   []byte           `cbor:"4,keyasint" json:"payload"`
	Signature []byte           `cbor:"5,keyasint" json:"signature"`
	// Consumed is how many of the chain's messages to the sender the
	// sender has handled for good: its sealed checkpoint, from which it
	// would resume after a crash, records them. The chain deletes those
	// messages (see Keeper.EndBlock). Zero says nothing, and is how a
	// sender that does not report it signs.
	Consumed uint64 `cbor:"6,keyasint,omitempty" json:"consumed,omitempty"`
}

// Type implements module.Msg.
func (*MsgPost) Type() string { return "mq/post" }

// ValidateBasic implements module.Msg.
func (m *MsgPost) ValidateBasic() error {
	if m.Topic == "" || len(m.Topic) > MaxTopicLen {
		return ErrBadMessage.Wrap("topic must be 1 to %d bytes", MaxTopicLen)
	}
	if len(m.Payload) > MaxPayloadLen {
		return ErrBadMessage.Wrap("payload of %d bytes exceeds %d", len(m.Payload), MaxPayloadLen)
	}
	if len(m.Signature) != crypto.SignatureLen {
		return ErrBadSignature.Wrap("signature is %d bytes", len(m.Signature))
	}
	return nil
}

// signed is what a sender signs.
type signed struct {
	ChainID string           `cbor:"1,keyasint"`
	Sender  crypto.PublicKey `cbor:"2,keyasint"`
	Seq     uint64           `cbor:"3,keyasint"`
	Topic   string           `cbor:"4,keyasint"`
	Payload []byte           `cbor:"5,keyasint"`
	// Consumed is left out when zero, so messages signed before it
	// existed keep their signatures.
	Consumed uint64 `cbor:"6,keyasint,omitempty"`
}

// SignBytes returns the bytes an enclave signs, under SigningContext, to
// post a message that reports no consumed count. The chain id keeps a
// message for one chain from being accepted on another.
func SignBytes(chainID string, sender crypto.PublicKey, seq uint64, topic string, payload []byte) []byte {
	return SignBytesConsumed(chainID, sender, seq, 0, topic, payload)
}

// SignBytesConsumed returns the bytes an enclave signs to post a message
// that also reports how many of the chain's messages it has consumed.
func SignBytesConsumed(chainID string, sender crypto.PublicKey, seq, consumed uint64, topic string, payload []byte) []byte {
	return codec.MustMarshal(signed{ChainID: chainID, Sender: sender, Seq: seq, Topic: topic, Payload: payload, Consumed: consumed})
}

// Message is one chain-to-enclave message as stored in the state.
type Message struct {
	Seq     uint64 `cbor:"1,keyasint" json:"seq"`
	Height  int64  `cbor:"2,keyasint" json:"height"`
	Topic   string `cbor:"3,keyasint" json:"topic"`
	Payload []byte `cbor:"4,keyasint" json:"payload"`
}

// DecodeMessage decodes a stored message (for enclaves reading the state).
func DecodeMessage(b []byte) (Message, error) {
	var m Message
	if err := codec.Unmarshal(b, &m); err != nil {
		return m, ErrBadMessage.Wrap("%v", err)
	}
	return m, nil
}

// DecodeCount decodes a stored sequence counter; absent (nil) is zero.
func DecodeCount(b []byte) (uint64, error) {
	if b == nil {
		return 0, nil
	}
	var n uint64
	if err := codec.Unmarshal(b, &n); err != nil {
		return 0, ErrBadMessage.Wrap("counter: %v", err)
	}
	return n, nil
}

// State keys.
var (
	ingressPrefix     = []byte("mq/ingress/")
	egressPrefix      = []byte("mq/egress/")
	egressNextPrefix  = []byte("mq/egress-next/")
	consumedPrefix    = []byte("mq/consumed/")
	egressFirstPrefix = []byte("mq/egress-first/")
	prunePrefix       = []byte("mq/prune/")
)

// ConsumedKey is the key of how many of its messages an enclave reported
// consumed (the highest count it signed).
func ConsumedKey(to crypto.PublicKey) []byte { return withKey(consumedPrefix, to) }

// EgressFirstKey is the key of the lowest sequence number still stored for
// an enclave: the ones below were consumed and deleted.
func EgressFirstKey(to crypto.PublicKey) []byte { return withKey(egressFirstPrefix, to) }

// PruneKey marks an enclave whose consumed messages are not all deleted
// yet; EndBlock walks these marks in key order.
func PruneKey(to crypto.PublicKey) []byte { return withKey(prunePrefix, to) }

// PrunePrefix is the state prefix of the prune marks.
func PrunePrefix() []byte { return prunePrefix }

func withKey(prefix []byte, id crypto.PublicKey) []byte {
	return append(append(make([]byte, 0, len(prefix)+len(id)+8), prefix...), id[:]...)
}

// IngressSeqKey is the key of the next sequence number the chain accepts
// from sender.
func IngressSeqKey(sender crypto.PublicKey) []byte { return withKey(ingressPrefix, sender) }

// EgressCountKey is the key of the number of messages ever sent to an
// enclave; its messages have sequence numbers 0 to count-1.
func EgressCountKey(to crypto.PublicKey) []byte { return withKey(egressNextPrefix, to) }

// EgressKey is the key of the message with sequence seq sent to an enclave.
func EgressKey(to crypto.PublicKey, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(withKey(egressPrefix, to), seq)
}

// Event types and attributes.
const (
	EventPosted = "mq_posted"
	EventSent   = "mq_sent"
	AttrSender  = "sender"
	AttrTo      = "to"
	AttrSeq     = "seq"
	AttrTopic   = "topic"
)
