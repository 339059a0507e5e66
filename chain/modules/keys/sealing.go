package keys

import (
	"crypto/sha256"
	"encoding/binary"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/crypto/domain"
)

// Sealing roots. An enclave on a platform with no sealing key of its own
// (TDX) asks for its sealing root in registry/request-sealing-root; the
// chain, once the registry has verified the request, sends it to every
// holder of the epochs it needs (TopicRootRequest). Each holder's enclave
// verifies it again, derives the roots and seals them to the request's
// fresh key (TopicRootShare); the chain keeps the first answer under
// SealingRootAnswerKey, where the enclave's host reads it, for
// RootBlocks blocks.

// Topics of the sealing root exchange.
const (
	// TopicRootRequest asks a holder for an enclave's sealing roots
	// (payload RootRequest).
	TopicRootRequest = "keys/root-request"
	// TopicRootShare carries them back, sealed (payload RootShare).
	TopicRootShare = "keys/root-share"
)

// RootBlocks is how many blocks the chain keeps a sealing root request
// and its answer: the requesting host reads the answer within a few
// blocks, or asks again with a new key.
const RootBlocks = 600

// RootIDSize is the size of a sealing root request's id.
const RootIDSize = sha256.Size

// SealingRootID is the id of the sealing root request whose fresh key is
// encKey: what the enclave's host looks its answer up by.
func SealingRootID(encKey []byte) [RootIDSize]byte {
	return sha256.Sum256(append([]byte(domain.KeysSealingRootID), encKey...))
}

// RootRequest is the payload of TopicRootRequest.
type RootRequest struct {
	ID [RootIDSize]byte `cbor:"1,keyasint" json:"id"`
	// Epochs are the master-key epochs to derive roots of, the current
	// one last.
	Epochs []uint32 `cbor:"2,keyasint" json:"epochs"`
	// Recipient is the requesting enclave's evidence and what it binds
	// (Identity, Role and Version unused), with the registry's rules at
	// the request's block: the holder's enclave verifies it before it
	// derives anything.
	Recipient Recipient `cbor:"3,keyasint" json:"recipient"`
}

// RootShare is a holder's answer to a RootRequest: a SealingGrant sealed
// to the request's key under SealingRootInfo.
type RootShare struct {
	ID     [RootIDSize]byte `cbor:"1,keyasint" json:"id"`
	Sealed []byte           `cbor:"2,keyasint" json:"sealed"`
}

// RootAnswer is what the chain keeps of the first RootShare to a request.
type RootAnswer struct {
	ID     [RootIDSize]byte `cbor:"1,keyasint" json:"id"`
	Sealed []byte           `cbor:"2,keyasint" json:"sealed"`
	From   crypto.PublicKey `cbor:"3,keyasint" json:"from"`
	Height int64            `cbor:"4,keyasint" json:"height"`
}

// RootPending is what the chain keeps of a request until it expires.
type RootPending struct {
	Epochs []uint32 `cbor:"1,keyasint" json:"epochs"`
	Height int64    `cbor:"2,keyasint" json:"height"`
}

// SealingGrant is the plaintext of a RootShare: the enclave's sealing
// root of each epoch asked for, in the request's order.
type SealingGrant struct {
	Roots []EpochRoot `cbor:"1,keyasint"`
}

// EpochRoot is an enclave's sealing root derived from one epoch's master
// key.
type EpochRoot struct {
	Epoch uint32 `cbor:"1,keyasint"`
	Root  []byte `cbor:"2,keyasint"`
}

// SealingRootInfo is the HPKE info a SealingGrant is sealed under: it
// binds the chain and the request.
func SealingRootInfo(chainID string, id [RootIDSize]byte) []byte {
	return codec.MustMarshal([]any{domain.KeysSealingRoot, chainID, id[:]})
}

var (
	rootRequestPrefix = []byte("keys/root/request/") // id → RootPending
	rootAnswerPrefix  = []byte("keys/root/answer/")  // id → RootAnswer
	rootExpiryPrefix  = []byte("keys/root/expiry/")  // height, id: the request's last block
)

// SealingRootRequestKey is the state key of a pending request.
func SealingRootRequestKey(id [RootIDSize]byte) []byte {
	return append(clone(rootRequestPrefix), id[:]...)
}

// SealingRootAnswerKey is the state key of a request's answer.
func SealingRootAnswerKey(id [RootIDSize]byte) []byte {
	return append(clone(rootAnswerPrefix), id[:]...)
}

// SealingRootExpiryKey indexes a request by the last height it is kept.
func SealingRootExpiryKey(height int64, id [RootIDSize]byte) []byte {
	return append(binary.BigEndian.AppendUint64(clone(rootExpiryPrefix), uint64(height)), id[:]...)
}

// SealingRootExpiryPrefix is the prefix of SealingRootExpiryKeys.
func SealingRootExpiryPrefix() []byte { return clone(rootExpiryPrefix) }

// Events of the sealing root exchange.
const (
	EventRootRequested = "keys_root_requested"
	EventRootReleased  = "keys_root_released"
	AttrRequest        = "request"
)

// DecodeRootAnswer decodes a RootAnswer read from the state.
func DecodeRootAnswer(b []byte) (RootAnswer, error) {
	var a RootAnswer
	err := codec.Unmarshal(b, &a)
	return a, err
}
