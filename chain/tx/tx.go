package tx

import (
	"crypto/sha256"
	"fmt"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/crypto/domain"
)

// SigningContext is the domain-separation context of transaction signatures.
var SigningContext = crypto.NewContext(domain.Tx)

// Limits of the envelope itself; the chain's parameters may be stricter.
const (
	MaxMsgs       = 64
	MaxMemoBytes  = 256
	MaxChainIDLen = 64
)

// Tx is a signed transaction.
type Tx struct {
	Body      Body   `cbor:"1,keyasint"`
	Signature []byte `cbor:"2,keyasint"`

	// signBytes are the body's bytes as decoded, so that the signature is
	// checked against exactly what was received without encoding again.
	signBytes []byte
}

// wireTx is a transaction with its body left encoded.
type wireTx struct {
	Body      codec.RawMessage `cbor:"1,keyasint"`
	Signature []byte           `cbor:"2,keyasint"`
}

// Body is what the sender signs.
type Body struct {
	ChainID string           `cbor:"1,keyasint"`
	Sender  crypto.PublicKey `cbor:"2,keyasint"` // the account's key; its address is derived
	Nonce   uint64           `cbor:"3,keyasint"` // the account's next nonce: 0, 1, 2, ...
	Fee     Fee              `cbor:"4,keyasint"`
	Msgs    []Msg            `cbor:"5,keyasint"`
	Memo    string           `cbor:"6,keyasint,omitempty"`
}

// Fee is what the sender offers to pay: up to GasLimit gas at GasPrice
// units of PHA per gas. The sender pays gas used × price; the balance must
// cover GasLimit × price when the transaction runs.
type Fee struct {
	GasLimit uint64 `cbor:"1,keyasint"`
	GasPrice uint64 `cbor:"2,keyasint"`
}

// Max returns GasLimit × GasPrice.
func (f Fee) Max() pha.Amount {
	a, _ := pha.Units(f.GasLimit).MulUint64(f.GasPrice) // < 2^128: cannot overflow
	return a
}

// Msg is a message in its envelope: the type name and the encoded message.
type Msg struct {
	Type  string           `cbor:"1,keyasint"`
	Value codec.RawMessage `cbor:"2,keyasint"`
}

// NewMsg encodes m for a transaction body.
func NewMsg(m module.Msg) (Msg, error) {
	b, err := codec.Marshal(m)
	if err != nil {
		return Msg{}, fmt.Errorf("encode %s: %w", m.Type(), err)
	}
	return Msg{Type: m.Type(), Value: b}, nil
}

// SenderAddress returns the sender's account address.
func (b *Body) SenderAddress() crypto.Address { return b.Sender.Address() }

// SignBytes returns the canonical encoding of the body, the bytes signed.
func (b *Body) SignBytes() ([]byte, error) { return codec.Marshal(b) }

// SignBytes returns the bytes the signature covers: the body exactly as
// decoded, or, for a transaction built in memory, the body's encoding.
func (t *Tx) SignBytes() ([]byte, error) {
	if t.signBytes != nil {
		return t.signBytes, nil
	}
	return t.Body.SignBytes()
}

// Sign returns the transaction of body signed by key. The body's Sender is
// set to key's public key.
func Sign(body Body, key crypto.PrivateKey) (*Tx, error) {
	body.Sender = key.Public()
	sb, err := body.SignBytes()
	if err != nil {
		return nil, err
	}
	return &Tx{Body: body, Signature: key.Sign(SigningContext, sb), signBytes: sb}, nil
}

// Encode returns the transaction's bytes, as broadcast and put in blocks.
func (t *Tx) Encode() ([]byte, error) {
	body, err := t.SignBytes()
	if err != nil {
		return nil, err
	}
	return codec.Marshal(wireTx{Body: body, Signature: t.Signature})
}

// Hash returns the transaction hash CometBFT uses: SHA-256 of its bytes.
func Hash(txBytes []byte) [32]byte { return sha256.Sum256(txBytes) }

// Decode parses transaction bytes. It refuses, with ErrMalformed or
// ErrNoMsgs, anything but one canonical transaction with well-formed
// envelope fields, and never panics. The size limit, the chain id and
// everything that needs state are checked by the application.
//
// The transaction remembers the body's bytes: its signature is checked
// against them, so change a decoded body only to sign it anew.
func Decode(b []byte) (*Tx, error) {
	var w wireTx
	if err := codec.Unmarshal(b, &w); err != nil {
		return nil, ErrMalformed.Wrap("%v", err)
	}
	t := Tx{Signature: w.Signature, signBytes: w.Body}
	if err := codec.Unmarshal(w.Body, &t.Body); err != nil {
		return nil, ErrMalformed.Wrap("body: %v", err)
	}
	if err := t.checkShape(); err != nil {
		return nil, err
	}
	return &t, nil
}

func (t *Tx) checkShape() error {
	switch {
	case len(t.Signature) != crypto.SignatureLen:
		return ErrMalformed.Wrap("signature is %d bytes, want %d", len(t.Signature), crypto.SignatureLen)
	case t.Body.ChainID == "" || len(t.Body.ChainID) > MaxChainIDLen:
		return ErrMalformed.Wrap("chain id must be 1 to %d bytes", MaxChainIDLen)
	case len(t.Body.Memo) > MaxMemoBytes:
		return ErrMalformed.Wrap("memo is %d bytes, the limit is %d", len(t.Body.Memo), MaxMemoBytes)
	case len(t.Body.Msgs) == 0:
		return ErrNoMsgs
	case len(t.Body.Msgs) > MaxMsgs:
		return ErrMalformed.Wrap("%d messages, the limit is %d", len(t.Body.Msgs), MaxMsgs)
	}
	for i, m := range t.Body.Msgs {
		if m.Type == "" || len(m.Value) == 0 {
			return ErrMalformed.Wrap("message %d has no type or value", i)
		}
	}
	return nil
}

// VerifySignature checks the signature. Its result for given transaction
// bytes never changes, so callers with the bytes use a SigCache.
func (t *Tx) VerifySignature() error {
	sb, err := t.SignBytes()
	if err != nil {
		return ErrMalformed.Wrap("%v", err)
	}
	if !crypto.Verify(t.Body.Sender, SigningContext, sb, t.Signature) {
		return ErrBadSignature.Wrap("signature does not match sender %s", t.Body.SenderAddress())
	}
	return nil
}
