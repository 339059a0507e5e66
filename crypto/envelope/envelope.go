package envelope

import (
	"crypto/hpke"
	"fmt"

	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/crypto/domain"
)

// EncLen is the size of the KEM encapsulation (HPKE "enc") that starts a
// request and forms a session setup: an ML-KEM-768 ciphertext (1088 bytes)
// and an X25519 share (32 bytes).
const EncLen = 1088 + 32

// hpkeOverhead is the tag the HPKE AEAD (ChaCha20-Poly1305) adds.
const hpkeOverhead = 16

// responseExporter is the HPKE exporter context of a one-shot request's
// response key.
const responseExporter = domain.EnvelopeResponse

// SealRequest encrypts plaintext to the enclave key pk for the purpose named
// by info (e.g. "phalanx/command v1"), and returns the request, enc ||
// ciphertext, and the key the enclave's response will be sealed under.
func SealRequest(pk hpke.PublicKey, info string, plaintext []byte) (req []byte, resp *ResponseKey, err error) {
	if err := checkPublicKey(pk); err != nil {
		return nil, nil, err
	}
	enc, s, err := hpke.NewSender(pk, crypto.EncryptionKDF, crypto.EncryptionAEAD, []byte(info))
	if err != nil {
		return nil, nil, fmt.Errorf("envelope: seal request: %w", err)
	}
	ct, err := s.Seal(nil, plaintext)
	if err != nil {
		return nil, nil, fmt.Errorf("envelope: seal request: %w", err)
	}
	key, err := s.Export(responseExporter, ResponseKeyLen)
	if err != nil {
		return nil, nil, fmt.Errorf("envelope: export response key: %w", err)
	}
	req = make([]byte, 0, len(enc)+len(ct))
	req = append(append(req, enc...), ct...)
	resp, err = newResponseKey(key)
	if err != nil {
		return nil, nil, err
	}
	return req, resp, nil
}

// OpenRequest decrypts a request made by SealRequest with the same info, and
// returns its plaintext and the key to seal the response under. Opening the
// same request twice gives the same response key.
func OpenRequest(k hpke.PrivateKey, info string, req []byte) (plaintext []byte, resp *ResponseKey, err error) {
	if err := checkPrivateKey(k); err != nil {
		return nil, nil, err
	}
	if len(req) < EncLen+hpkeOverhead {
		return nil, nil, fmt.Errorf("%w: request is %d bytes, want at least %d", ErrMalformed, len(req), EncLen+hpkeOverhead)
	}
	r, err := hpke.NewRecipient(req[:EncLen], k, crypto.EncryptionKDF, crypto.EncryptionAEAD, []byte(info))
	if err != nil {
		// The length is right, so only the content can be wrong, e.g. an
		// X25519 share of low order.
		return nil, nil, fmt.Errorf("%w: request encapsulation: %v", ErrDecrypt, err)
	}
	plaintext, err = r.Open(nil, req[EncLen:])
	if err != nil {
		return nil, nil, fmt.Errorf("%w: request: %v", ErrDecrypt, err)
	}
	key, err := r.Export(responseExporter, ResponseKeyLen)
	if err != nil {
		return nil, nil, fmt.Errorf("envelope: export response key: %w", err)
	}
	resp, err = newResponseKey(key)
	if err != nil {
		return nil, nil, err
	}
	return plaintext, resp, nil
}

// checkPublicKey refuses keys of another suite: their encapsulation would
// not have the size the wire formats rely on.
func checkPublicKey(pk hpke.PublicKey) error {
	if pk == nil {
		return fmt.Errorf("%w: nil public key", crypto.ErrBadEncryptionKey)
	}
	if id := pk.KEM().ID(); id != crypto.EncryptionKEM.ID() {
		return fmt.Errorf("%w: KEM %#04x, want %#04x", crypto.ErrBadEncryptionKey, id, crypto.EncryptionKEM.ID())
	}
	return nil
}

func checkPrivateKey(k hpke.PrivateKey) error {
	if k == nil {
		return fmt.Errorf("%w: nil private key", crypto.ErrBadEncryptionKey)
	}
	if id := k.KEM().ID(); id != crypto.EncryptionKEM.ID() {
		return fmt.Errorf("%w: KEM %#04x, want %#04x", crypto.ErrBadEncryptionKey, id, crypto.EncryptionKEM.ID())
	}
	return nil
}
