package tee

import (
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"golang.org/x/crypto/chacha20poly1305"

	"github.com/phalanx-net/phalanx/crypto/domain"
)

// Sealed data is sealFormat || nonce || XChaCha20-Poly1305 ciphertext. The
// format byte is authenticated with the caller's additional data.
// XChaCha20's 24-byte nonces are random, so one key can seal any number of
// messages without a counter kept on disk.
const sealFormat = 1

// sealKeySize is the size of a sealing key and of a sealing key file.
const sealKeySize = 32

// sealer seals with an AEAD key derived, per platform, from a root secret
// that only the platform's enclave can obtain: a firmware-derived key on
// SEV-SNP, a key file elsewhere.
type sealer struct {
	platform string
	// root returns the root secret, creating it if create is set and it
	// does not exist yet.
	root func(create bool) ([]byte, error)

	mu  sync.Mutex
	key []byte // derived on first use
}

func (s *sealer) aeadKey(create bool) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.key != nil {
		return s.key, nil
	}
	root, err := s.root(create)
	if err != nil {
		return nil, err
	}
	// The root secret is used for nothing else, but deriving the AEAD key
	// under the platform's name keeps a key file copied to another
	// platform's directory from opening its data.
	key, err := hkdf.Key(sha256.New, root, nil, fmt.Sprintf(domain.TEESealingKey, s.platform), chacha20poly1305.KeySize)
	if err != nil {
		return nil, err
	}
	s.key = key
	return key, nil
}

// Seal encrypts plaintext under the platform's sealing key.
func (s *sealer) Seal(plaintext, aad []byte) ([]byte, error) {
	key, err := s.aeadKey(true)
	if err != nil {
		return nil, fmt.Errorf("%s seal: %w", s.platform, err)
	}
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 1+aead.NonceSize(), 1+aead.NonceSize()+len(plaintext)+aead.Overhead())
	out[0] = sealFormat
	rand.Read(out[1:]) // never fails (crypto/rand)
	return aead.Seal(out, out[1:], plaintext, sealAAD(aad)), nil
}

// Unseal decrypts data sealed by Seal with the same aad.
func (s *sealer) Unseal(sealed, aad []byte) ([]byte, error) {
	key, err := s.aeadKey(false)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrUnseal, s.platform, err)
	}
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		return nil, err
	}
	if len(sealed) < 1+aead.NonceSize()+aead.Overhead() || sealed[0] != sealFormat {
		return nil, fmt.Errorf("%w: %s: not sealed data of format %d", ErrUnseal, s.platform, sealFormat)
	}
	nonce, ct := sealed[1:1+aead.NonceSize()], sealed[1+aead.NonceSize():]
	plain, err := aead.Open(nil, nonce, ct, sealAAD(aad))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: sealed by another key, with other additional data, or altered", ErrUnseal, s.platform)
	}
	return plain, nil
}

func sealAAD(aad []byte) []byte {
	return append([]byte{sealFormat}, aad...)
}

// rootSlot holds a sealing root released from outside the platform.
type rootSlot struct {
	mu   sync.Mutex
	root []byte
}

func (r *rootSlot) get(bool) ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.root == nil {
		return nil, ErrNotReleased
	}
	return r.root, nil
}

func (r *rootSlot) set(root []byte) error {
	if len(root) != sealKeySize {
		return fmt.Errorf("sealing root of %d bytes, want %d", len(root), sealKeySize)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.root != nil {
		return errors.New("the sealing root was released already")
	}
	r.root = append([]byte(nil), root...)
	return nil
}

// rootSource is where a platform with no sealing key of its own takes
// its root from: the released slot, or else the key file at path.
func rootSource(opts Options, path string) func(create bool) ([]byte, error) {
	if opts.slot != nil {
		return opts.slot.get
	}
	return keyFile(path, opts.Log)
}

// keyFile returns a root-secret source reading a 32-byte key from path,
// created with 0600 permissions on first use. The file is the whole
// secret: whoever can read it can unseal.
func keyFile(path string, log *slog.Logger) func(create bool) ([]byte, error) {
	return func(create bool) ([]byte, error) {
		key, err := readKeyFile(path)
		if err == nil || !errors.Is(err, fs.ErrNotExist) || !create {
			return key, err
		}
		key, created, err := createKeyFile(path)
		if created {
			log.Info("created sealing key file", "path", path)
		}
		return key, err
	}
}

func readKeyFile(path string) ([]byte, error) {
	key, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("sealing key: %w", err)
	}
	if len(key) != sealKeySize {
		return nil, fmt.Errorf("sealing key %s: %d bytes, want %d", path, len(key), sealKeySize)
	}
	return key, nil
}

// createKeyFile writes a fresh random key to path unless another process
// got there first, in which case that key is used: the key is written to
// a temporary file and linked into place, which fails if path exists, so
// a key once used is never replaced and never read half-written.
func createKeyFile(path string) (key []byte, created bool, err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, false, fmt.Errorf("sealing key: %w", err)
	}
	key = make([]byte, sealKeySize)
	rand.Read(key)
	tmp, err := os.CreateTemp(dir, filepath.Base(path)+".new-*") // 0600
	if err != nil {
		return nil, false, fmt.Errorf("sealing key: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(key)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, false, fmt.Errorf("sealing key: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			key, err = readKeyFile(path)
			return key, false, err
		}
		return nil, false, fmt.Errorf("sealing key: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return key, true, nil
}
