package envelope

import (
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hpke"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"

	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/crypto/domain"
)

// Session key schedule. The exported session secret is the root; HKDF
// labels keep the request key and every per-message response key apart.
const (
	sessionExporter     = domain.EnvelopeSession
	sessionRequestLabel = domain.EnvelopeSessionRequest
	sessionRespLabel    = domain.EnvelopeSessionResponse // followed by the 8-byte sequence
)

// seqLen is the size of the big-endian sequence number starting a session
// message.
const seqLen = 8

// SessionIDLen is the size of a session ID.
const SessionIDLen = 16

// session is the state both ends derive from the setup.
type session struct {
	id     [SessionIDLen]byte
	secret []byte
	aead   cipher.AEAD // AES-256-GCM under the request key
}

func newSession(setup []byte, export func(string, int) ([]byte, error)) (*session, error) {
	secret, err := export(sessionExporter, 32)
	if err != nil {
		return nil, fmt.Errorf("envelope: export session secret: %w", err)
	}
	reqKey, err := hkdf.Expand(sha256.New, secret, sessionRequestLabel, 32)
	if err != nil {
		return nil, fmt.Errorf("envelope: derive session key: %w", err)
	}
	aead, err := newGCM(reqKey)
	if err != nil {
		return nil, err
	}
	s := &session{secret: secret, aead: aead}
	sum := sha256.Sum256(setup)
	copy(s.id[:], sum[:])
	return s, nil
}

// nonce is the sequence number, big-endian, left-padded to the nonce size.
// Each sequence number is used once per session key, so nonces never repeat.
func (s *session) nonce(seq uint64) []byte {
	n := make([]byte, s.aead.NonceSize())
	binary.BigEndian.PutUint64(n[len(n)-seqLen:], seq)
	return n
}

// aad binds a message to its session and position: session ID || sequence.
func (s *session) aad(seq uint64) []byte {
	return binary.BigEndian.AppendUint64(append([]byte(nil), s.id[:]...), seq)
}

// responseKey derives the key of the response to message seq.
func (s *session) responseKey(seq uint64) (*ResponseKey, error) {
	label := string(binary.BigEndian.AppendUint64([]byte(sessionRespLabel), seq))
	raw, err := hkdf.Expand(sha256.New, s.secret, label, ResponseKeyLen)
	if err != nil {
		return nil, fmt.Errorf("envelope: derive response key: %w", err)
	}
	return newResponseKey(raw)
}

// ClientSession seals many requests after a single HPKE setup. It is safe
// for concurrent use.
type ClientSession struct {
	s    *session
	next atomic.Uint64 // next sequence number to use
}

// NewClientSession starts a session with the enclave key pk for the purpose
// named by info. setup is the HPKE encapsulation, EncLen bytes, to send to
// the server once, before or with the first message.
func NewClientSession(pk hpke.PublicKey, info string) (setup []byte, s *ClientSession, err error) {
	if err := checkPublicKey(pk); err != nil {
		return nil, nil, err
	}
	enc, sender, err := hpke.NewSender(pk, crypto.EncryptionKDF, crypto.EncryptionAEAD, []byte(info))
	if err != nil {
		return nil, nil, fmt.Errorf("envelope: new session: %w", err)
	}
	sess, err := newSession(enc, sender.Export)
	if err != nil {
		return nil, nil, err
	}
	return enc, &ClientSession{s: sess}, nil
}

// ID identifies the session: the first 16 bytes of SHA-256(setup). Both
// ends compute the same ID.
func (c *ClientSession) ID() [SessionIDLen]byte { return c.s.id }

// Seal encrypts the next request of the session: msg is the 8-byte
// big-endian sequence number followed by the AES-256-GCM ciphertext. resp
// is the key the response to this message will be sealed under.
func (c *ClientSession) Seal(plaintext []byte) (msg []byte, resp *ResponseKey, err error) {
	// Take the next number without ever wrapping around, which would reuse
	// nonces; a plain Add could wrap under concurrent calls.
	var seq uint64
	for {
		seq = c.next.Load()
		if seq == math.MaxUint64 {
			return nil, nil, errors.New("envelope: session sequence numbers exhausted")
		}
		if c.next.CompareAndSwap(seq, seq+1) {
			break
		}
	}
	resp, err = c.s.responseKey(seq)
	if err != nil {
		return nil, nil, err
	}
	msg = make([]byte, seqLen, seqLen+len(plaintext)+c.s.aead.Overhead())
	binary.BigEndian.PutUint64(msg, seq)
	msg = c.s.aead.Seal(msg, c.s.nonce(seq), plaintext, c.s.aad(seq))
	return msg, resp, nil
}

// ServerSession opens the requests of one client session. It is safe for
// concurrent use, and accepts each sequence number at most once.
type ServerSession struct {
	s *session

	mu     sync.Mutex
	window replayWindow
}

// OpenServerSession accepts a session setup made by NewClientSession with
// the same info. A setup for another key or info is not detected here (the
// KEM rejects implicitly) but every message of it fails with ErrDecrypt.
func OpenServerSession(k hpke.PrivateKey, info string, setup []byte) (*ServerSession, error) {
	if err := checkPrivateKey(k); err != nil {
		return nil, err
	}
	if len(setup) != EncLen {
		return nil, fmt.Errorf("%w: session setup is %d bytes, want %d", ErrMalformed, len(setup), EncLen)
	}
	r, err := hpke.NewRecipient(setup, k, crypto.EncryptionKDF, crypto.EncryptionAEAD, []byte(info))
	if err != nil {
		return nil, fmt.Errorf("%w: session setup: %v", ErrDecrypt, err)
	}
	sess, err := newSession(setup, r.Export)
	if err != nil {
		return nil, err
	}
	return &ServerSession{s: sess}, nil
}

// ID identifies the session, as [ClientSession.ID].
func (s *ServerSession) ID() [SessionIDLen]byte { return s.s.id }

// Open decrypts a message of the session and returns its sequence number,
// its plaintext and the key to seal the response under. A sequence number
// already accepted, or more than the replay window below the highest one
// accepted, is refused with ErrReplay.
func (s *ServerSession) Open(msg []byte) (seq uint64, plaintext []byte, resp *ResponseKey, err error) {
	if len(msg) < seqLen+s.s.aead.Overhead() {
		return 0, nil, nil, fmt.Errorf("%w: session message is %d bytes, want at least %d", ErrMalformed, len(msg), seqLen+s.s.aead.Overhead())
	}
	seq = binary.BigEndian.Uint64(msg)
	// Check first so that replays cost no decryption, but record only after
	// authentication, so forged messages cannot move the window.
	s.mu.Lock()
	err = s.window.check(seq)
	s.mu.Unlock()
	if err != nil {
		return 0, nil, nil, err
	}
	plaintext, err = s.s.aead.Open(nil, s.s.nonce(seq), msg[seqLen:], s.s.aad(seq))
	if err != nil {
		return 0, nil, nil, fmt.Errorf("%w: session message %d: %v", ErrDecrypt, seq, err)
	}
	// Check again: another goroutine may have accepted the same message
	// while this one was decrypting.
	s.mu.Lock()
	err = s.window.accept(seq)
	s.mu.Unlock()
	if err != nil {
		return 0, nil, nil, err
	}
	resp, err = s.s.responseKey(seq)
	if err != nil {
		return 0, nil, nil, err
	}
	return seq, plaintext, resp, nil
}
