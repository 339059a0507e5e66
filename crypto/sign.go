package crypto

import (
	"crypto/ed25519"

	"crypto/rand"
	"encoding/hex"
	"fmt"
	cmtcrypto "github.com/cometbft/cometbft/crypto"
	cmted "github.com/cometbft/cometbft/crypto/ed25519"
	"strings"
)

// PublicKeyLen is the length of an ed25519 public key.
const PublicKeyLen = ed25519.PublicKeySize

// SignatureLen is the length of an ed25519 signature.
const SignatureLen = ed25519.SignatureSize

// PublicKey is an ed25519 account or enclave identity key.
type PublicKey [PublicKeyLen]byte

// PublicKeyFromBytes checks the length of raw and returns it as a public key.
func PublicKeyFromBytes(raw []byte) (PublicKey, error) {
	var p PublicKey
	if len(raw) != PublicKeyLen {
		return p, fmt.Errorf("%w: %d bytes, want %d", ErrBadPublicKey, len(raw), PublicKeyLen)
	}
	copy(p[:], raw)
	return p, nil
}

// Address returns the account address of the key.
func (p PublicKey) Address() Address { return AddressOf(p) }

// String returns the key in hex.
func (p PublicKey) String() string { return hex.EncodeToString(p[:]) }

// MarshalText implements encoding.TextMarshaler: hex.
func (p PublicKey) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler: hex.
func (p *PublicKey) UnmarshalText(b []byte) error {
	raw, err := hex.DecodeString(string(b))
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadPublicKey, err)
	}
	k, err := PublicKeyFromBytes(raw)
	if err != nil {
		return err
	}
	*p = k
	return nil
}

// PrivateKey is an ed25519 private key.
type PrivateKey struct {
	key ed25519.PrivateKey
}

// GenerateKey returns a new private key from the operating system's
// randomness.
func GenerateKey() (PrivateKey, error) {
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return PrivateKey{}, fmt.Errorf("generate ed25519 key: %w", err)
	}
	return PrivateKey{key: k}, nil
}

// PrivateKeyFromSeed returns the private key of a 32-byte ed25519 seed.
func PrivateKeyFromSeed(seed []byte) (PrivateKey, error) {
	if len(seed) != ed25519.SeedSize {
		return PrivateKey{}, fmt.Errorf("%w: seed of %d bytes, want %d", ErrBadPrivateKey, len(seed), ed25519.SeedSize)
	}
	return PrivateKey{key: ed25519.NewKeyFromSeed(seed)}, nil
}

// Seed returns the 32-byte seed the key was made from. It is the secret to
// store and back up.
func (k PrivateKey) Seed() []byte { return k.key.Seed() }

// Public returns the public key.
func (k PrivateKey) Public() PublicKey {
	var p PublicKey
	copy(p[:], k.key[32:])
	return p
}

// Sign signs msg under ctx.
func (k PrivateKey) Sign(ctx Context, msg []byte) []byte {
	return ed25519.Sign(k.key, ctx.message(msg))
}

// Context names what a signature is for. Two contexts never produce
// signatures that verify for each other, because the context and a NUL byte
// are prepended to the message before signing.
type Context string

// NewContext checks and returns a signing context. Contexts are fixed
// strings chosen by the code ("phalanx/tx: v1"), never user input.
func NewContext(s string) Context {
	if s == "" || strings.IndexByte(s, 0) >= 0 {
		panic(fmt.Sprintf("crypto: invalid signing context %q", s))
	}
	return Context(s)
}

func (c Context) message(msg []byte) []byte {
	out := make([]byte, 0, len(c)+1+len(msg))
	out = append(out, c...)
	out = append(out, 0)
	return append(out, msg...)
}

// Verify reports whether sig is pub's signature of msg under ctx.
//
// Signatures are made with Go's crypto/ed25519 (RFC 8032) and verified with
// CometBFT's ed25519, which applies the ZIP-215 validity rules (with
// curve25519-voi). ZIP-215 defines exactly which signatures are valid so
// that single and batch verification always agree; the chain caches
// verification results and verifies blocks in batches, so one rule for
// every path and every node is a consensus requirement, not a detail.
// It is also 1.7 times faster than crypto/ed25519's Verify, and batches
// are faster still (docs/performance.md). Every signature a correct signer
// makes is valid under both rules.
func Verify(pub PublicKey, ctx Context, msg, sig []byte) bool {
	if len(sig) != SignatureLen {
		return false
	}
	return cmted.PubKey(pub[:]).VerifySignature(ctx.message(msg), sig)
}

// BatchVerifier checks many signatures at once, about three times faster
// per signature than one by one, under the same rules as Verify.
type BatchVerifier struct {
	bv   cmtcrypto.BatchVerifier
	n    int
	skip []bool // entries refused before batching (malformed)
}

// NewBatchVerifier returns an empty batch.
func NewBatchVerifier() *BatchVerifier {
	return &BatchVerifier{bv: cmted.NewBatchVerifier()}
}

// Add queues a signature to check.
func (b *BatchVerifier) Add(pub PublicKey, ctx Context, msg, sig []byte) {
	b.n++
	if len(sig) != SignatureLen || b.bv.Add(cmted.PubKey(pub[:]), ctx.message(msg), sig) != nil {
		b.skip = append(b.skip, true)
		return
	}
	b.skip = append(b.skip, false)
}

// Verify checks the queued signatures and returns, in order, whether each
// is valid.
func (b *BatchVerifier) Verify() []bool {
	out := make([]bool, b.n)
	if b.n == 0 {
		return out
	}
	_, valid := b.bv.Verify()
	j := 0
	for i := range out {
		if b.skip[i] {
			continue
		}
		out[i] = j < len(valid) && valid[j]
		j++
	}
	return out
}
