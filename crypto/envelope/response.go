package envelope

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"

	"github.com/phalanx-net/phalanx/crypto/domain"
)

// ResponseKeyLen is the size of a ResponseKey's raw bytes.
const ResponseKeyLen = 32

// Sizes of a sealed response: a synthetic nonce before the AES-256-GCM
// ciphertext, and the GCM tag after it.
const (
	responseNonceLen = 12
	responseTagLen   = 16
	// ResponseOverhead is how much longer a sealed response is than its
	// plaintext.
	ResponseOverhead = responseNonceLen + responseTagLen
)

// Labels deriving a response key's two subkeys, so the nonce MAC and the
// cipher never share a key.
const (
	responseEncLabel = domain.EnvelopeResponseEnc
	responseMACLabel = domain.EnvelopeResponseNonce
)

// ResponseKey is the key one response is sealed under. It is exported from
// the request's HPKE context (or derived per message in a session), so
// whoever opened the request holds the same key as its sender.
//
// Sealing is deterministic: the same key and plaintext always give the same
// ciphertext, so enclaves that answer the same request identically agree
// byte for byte on the encrypted answer. See the package documentation for
// why that is safe.
type ResponseKey struct {
	raw    [ResponseKeyLen]byte
	macKey []byte
	aead   cipher.AEAD
}

// ResponseKeyFromBytes rebuilds a key stored from [ResponseKey.Bytes].
func ResponseKeyFromBytes(b []byte) (*ResponseKey, error) {
	if len(b) != ResponseKeyLen {
		return nil, fmt.Errorf("%w: response key is %d bytes, want %d", ErrMalformed, len(b), ResponseKeyLen)
	}
	return newResponseKey(b)
}

func newResponseKey(raw []byte) (*ResponseKey, error) {
	// raw is a uniformly random 32-byte secret (an HPKE export or an HKDF
	// output), so it serves directly as the HKDF pseudorandom key.
	encKey, err := hkdf.Expand(sha256.New, raw, responseEncLabel, 32)
	if err != nil {
		return nil, fmt.Errorf("envelope: derive response key: %w", err)
	}
	macKey, err := hkdf.Expand(sha256.New, raw, responseMACLabel, 32)
	if err != nil {
		return nil, fmt.Errorf("envelope: derive response key: %w", err)
	}
	aead, err := newGCM(encKey)
	if err != nil {
		return nil, err
	}
	k := &ResponseKey{macKey: macKey, aead: aead}
	copy(k.raw[:], raw)
	return k, nil
}

// Bytes returns a copy of the raw 32-byte key, for a caller to store and
// later pass to [ResponseKeyFromBytes].
func (k *ResponseKey) Bytes() []byte {
	return append([]byte(nil), k.raw[:]...)
}

// Seal encrypts a response: nonce || AES-256-GCM ciphertext and tag, where
// the nonce is derived from the plaintext.
func (k *ResponseKey) Seal(plaintext []byte) []byte {
	out := make([]byte, responseNonceLen, ResponseOverhead+len(plaintext))
	copy(out, k.nonce(plaintext))
	return k.aead.Seal(out, out[:responseNonceLen], plaintext, nil)
}

// Open decrypts a response sealed by Seal under the same key.
func (k *ResponseKey) Open(ciphertext []byte) ([]byte, error) {
	if len(ciphertext) < ResponseOverhead {
		return nil, fmt.Errorf("%w: response is %d bytes, want at least %d", ErrMalformed, len(ciphertext), ResponseOverhead)
	}
	nonce, ct := ciphertext[:responseNonceLen], ciphertext[responseNonceLen:]
	plaintext, err := k.aead.Open(nil, nonce, ct, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: response: %v", ErrDecrypt, err)
	}
	// GCM already authenticated the message; checking the nonce too makes
	// Seal's output the only ciphertext that opens, so an encrypted answer
	// has exactly one valid encoding.
	if subtle.ConstantTimeCompare(nonce, k.nonce(plaintext)) != 1 {
		return nil, fmt.Errorf("%w: response nonce does not match its plaintext", ErrDecrypt)
	}
	return plaintext, nil
}

// nonce is the synthetic nonce of plaintext: a MAC of it, as in SIV modes.
// Equal plaintexts share a nonce, which gives determinism; different ones
// get different nonces, so a response key used for two different answers
// (a replayed request answered again later) never reuses a GCM nonce.
func (k *ResponseKey) nonce(plaintext []byte) []byte {
	m := hmac.New(sha256.New, k.macKey)
	m.Write(plaintext)
	return m.Sum(nil)[:responseNonceLen]
}

// newGCM returns AES-256-GCM under a 32-byte key.
func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("envelope: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("envelope: %w", err)
	}
	return aead, nil
}
