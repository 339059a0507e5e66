package keyring

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"filippo.io/age"
	"filippo.io/age/armor"

	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/crypto/domain"
)

// Backend selects how a keyring protects its private keys.
type Backend string

const (
	// BackendFile encrypts each key with the keyring passphrase (age,
	// scrypt recipient). Use it for any key that matters.
	BackendFile Backend = "file"
	// BackendTest stores keys unencrypted. Use it for devnets and tests only.
	BackendTest Backend = "test"
)

// ParseBackend parses a backend name, "file" or "test".
func ParseBackend(s string) (Backend, error) {
	switch b := Backend(s); b {
	case BackendFile, BackendTest:
		return b, nil
	}
	return "", fmt.Errorf("%w: %q (want %q or %q)", ErrBadBackend, s, BackendFile, BackendTest)
}

// Prompt asks the user for a passphrase. message names what is asked for,
// such as "Keyring passphrase", without trailing punctuation. confirm=true
// means this is a new passphrase and should be asked twice; a prompt whose
// two entries differ should return [ErrPassphraseMismatch].
type Prompt func(message string, confirm bool) (string, error)

// Key is the public information of a stored key.
type Key struct {
	Name      string           `json:"name"`
	Address   crypto.Address   `json:"address"`
	PublicKey crypto.PublicKey `json:"public_key"`
}

// DefaultWorkFactor is the log2 scrypt cost of a passphrase encryption
// unless the keyring is opened with [WorkFactor]: age's default (about a
// second), what a stolen key file should cost an attacker per guess.
const DefaultWorkFactor = 18

// Option tunes a keyring opened by [Open].
type Option func(*Keyring) error

// WorkFactor sets the log2 scrypt cost of the keys and exports the keyring
// encrypts from now on (10 to 22). Tests lower it so that they run in
// milliseconds; nothing else should. It changes no existing file, and the
// decrypting side reads each file's factor from the file, so a key written
// under one factor opens under any.
func WorkFactor(logN int) Option {
	return func(k *Keyring) error {
		if logN < 10 || logN > 22 {
			return fmt.Errorf("keyring: scrypt work factor %d: want 10 to 22", logN)
		}
		k.workFactor = logN
		return nil
	}
}

// maxNameLen bounds key names so that file names stay well below any file
// system's limit.
const maxNameLen = 64

const (
	keyFileVersion = 1
	keyFileExt     = ".json"
	// exportType marks the plaintext inside an export, so Import refuses an
	// age file that decrypts but holds something else.
	exportType = domain.KeyringExport
)

// Keyring is a directory of named keys. Its methods are safe for concurrent
// use by one process; two processes adding the same name at once may race
// (the later rename wins).
type Keyring struct {
	dir     string
	backend Backend
	prompt  Prompt
	// workFactor is the log2 scrypt cost of what it encrypts.
	workFactor int

	mu         sync.Mutex // guards passphrase and serialises prompting
	passphrase string     // file backend: the verified passphrase, once known
}

// Open opens the keyring in dir/keyring-<backend>, creating the directory
// with mode 0700 if needed. prompt may be nil for [BackendTest]; a file
// keyring opened without a prompt can list and show keys but not use them.
func Open(dir string, backend Backend, prompt Prompt, opts ...Option) (*Keyring, error) {
	if _, err := ParseBackend(string(backend)); err != nil {
		return nil, err
	}
	if dir == "" {
		return nil, errors.New("keyring: empty directory")
	}
	kdir := filepath.Join(dir, "keyring-"+string(backend))
	k := &Keyring{dir: kdir, backend: backend, prompt: prompt, workFactor: DefaultWorkFactor}
	for _, o := range opts {
		if err := o(k); err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(kdir, 0o700); err != nil {
		return nil, fmt.Errorf("keyring: create %s: %w", kdir, err)
	}
	return k, nil
}

// Backend returns the keyring's backend.
func (k *Keyring) Backend() Backend { return k.backend }

// Dir returns the directory holding the key files, dir/keyring-<backend>.
func (k *Keyring) Dir() string { return k.dir }

// keyFile is the on-disk form of a key. Exactly one of Seed (test backend)
// and EncryptedSeed (file backend) is set.
type keyFile struct {
	Version       int              `json:"version"`
	Name          string           `json:"name"`
	Address       crypto.Address   `json:"address"`
	PublicKey     crypto.PublicKey `json:"public_key"`
	Seed          string           `json:"seed,omitempty"`           // hex
	EncryptedSeed string           `json:"encrypted_seed,omitempty"` // armored age file
}

func (f *keyFile) key() Key { return Key{Name: f.Name, Address: f.Address, PublicKey: f.PublicKey} }

// exportFile is the plaintext inside an export.
type exportFile struct {
	Type    string         `json:"type"`
	Address crypto.Address `json:"address"`
	Seed    string         `json:"seed"` // hex
}

// validateName returns nil if name can be used as a key name: it is also
// a file name, so it must not be able to name another path.
func validateName(name string) error {
	if name == "" || len(name) > maxNameLen {
		return fmt.Errorf("%w: %q must be 1 to %d characters", ErrBadName, name, maxNameLen)
	}
	for _, r := range name {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-'
		if !ok {
			return fmt.Errorf("%w: %q may only use letters, digits, '.', '_' and '-'", ErrBadName, name)
		}
	}
	// A leading '.' would allow "." and ".." and hidden files (the keyring's
	// own temporary files start with '.'); a leading '-' reads as a flag on
	// the command line.
	if name[0] == '.' || name[0] == '-' {
		return fmt.Errorf("%w: %q may not start with '.' or '-'", ErrBadName, name)
	}
	return nil
}

func (k *Keyring) path(name string) string { return filepath.Join(k.dir, name+keyFileExt) }

// Add generates a new key and stores it under name.
func (k *Keyring) Add(name string) (Key, error) {
	priv, err := crypto.GenerateKey()
	if err != nil {
		return Key{}, fmt.Errorf("keyring: %w", err)
	}
	return k.store(name, priv)
}

// AddSeed stores the key of a 32-byte ed25519 seed under name.
func (k *Keyring) AddSeed(name string, seed []byte) (Key, error) {
	priv, err := crypto.PrivateKeyFromSeed(seed)
	if err != nil {
		return Key{}, fmt.Errorf("keyring: %w", err)
	}
	return k.store(name, priv)
}

// store writes priv under name, refusing to replace an existing key.
func (k *Keyring) store(name string, priv crypto.PrivateKey) (Key, error) {
	// Check the name before asking for a passphrase, so a typo does not cost
	// the user a prompt and a second of scrypt.
	if err := k.checkFree(name); err != nil {
		return Key{}, err
	}
	pub := priv.Public()
	f := keyFile{
		Version:   keyFileVersion,
		Name:      name,
		Address:   pub.Address(),
		PublicKey: pub,
	}
	seed := priv.Seed()
	switch k.backend {
	case BackendTest:
		f.Seed = hex.EncodeToString(seed)
	case BackendFile:
		pass, err := k.writePassphrase()
		if err != nil {
			return Key{}, err
		}
		enc, err := encrypt(seed, pass, k.workFactor)
		if err != nil {
			return Key{}, fmt.Errorf("keyring: encrypt key %q: %w", name, err)
		}
		f.EncryptedSeed = string(enc)
	}
	data, err := json.MarshalIndent(&f, "", "  ")
	if err != nil {
		return Key{}, fmt.Errorf("keyring: encode key %q: %w", name, err)
	}
	// Check again: the prompt may have taken a while.
	if err := k.checkFree(name); err != nil {
		return Key{}, err
	}
	if err := writeFileAtomic(k.dir, k.path(name), append(data, '\n')); err != nil {
		return Key{}, fmt.Errorf("keyring: write key %q: %w", name, err)
	}
	return f.key(), nil
}

// checkFree returns nil if name is valid and not taken.
func (k *Keyring) checkFree(name string) error {
	if err := validateName(name); err != nil {
		return err
	}
	switch _, err := os.Lstat(k.path(name)); {
	case err == nil:
		return fmt.Errorf("%w: %q in %s", ErrExists, name, k.dir)
	case errors.Is(err, fs.ErrNotExist):
		return nil
	default:
		return fmt.Errorf("keyring: %w", err)
	}
}

// Get returns the public information of the key name. It never needs the
// passphrase.
func (k *Keyring) Get(name string) (Key, error) {
	f, err := k.load(name)
	if err != nil {
		return Key{}, err
	}
	return f.key(), nil
}

// List returns every key in the keyring, sorted by name.
func (k *Keyring) List() ([]Key, error) {
	entries, err := os.ReadDir(k.dir)
	if err != nil {
		return nil, fmt.Errorf("keyring: %w", err)
	}
	keys := []Key{} // not nil: an empty keyring lists as [] in JSON
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), keyFileExt)
		// Skip temporary files and anything else that is not a key file.
		if !ok || !e.Type().IsRegular() || validateName(name) != nil {
			continue
		}
		f, err := k.load(name)
		if err != nil {
			return nil, err
		}
		keys = append(keys, f.key())
	}
	// Sort by key name, not file name: "a-b.json" sorts before "a.json".
	sort.Slice(keys, func(i, j int) bool { return keys[i].Name < keys[j].Name })
	return keys, nil
}

// load reads and checks the key file of name.
func (k *Keyring) load(name string) (*keyFile, error) {
	if err := validateName(name); err != nil {
		return nil, err
	}
	p := k.path(name)
	data, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %q in %s", ErrNotFound, name, k.dir)
	}
	if err != nil {
		return nil, fmt.Errorf("keyring: %w", err)
	}
	var f keyFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrCorrupt, p, err)
	}
	switch {
	case f.Name != name && strings.EqualFold(f.Name, name):
		// A case-insensitive file system found another key's file.
		return nil, fmt.Errorf("%w: %q in %s (there is a key %q)", ErrNotFound, name, k.dir, f.Name)
	case f.Version != keyFileVersion:
		return nil, fmt.Errorf("%w: %s: version %d, want %d", ErrCorrupt, p, f.Version, keyFileVersion)
	case f.Name != name:
		return nil, fmt.Errorf("%w: %s holds key %q", ErrCorrupt, p, f.Name)
	case f.Address != f.PublicKey.Address():
		return nil, fmt.Errorf("%w: %s: address does not match the public key", ErrCorrupt, p)
	}
	// Each backend accepts only its own form, so a plaintext seed dropped
	// into a file keyring is noticed rather than silently used.
	switch k.backend {
	case BackendTest:
		if f.Seed == "" || f.EncryptedSeed != "" {
			return nil, fmt.Errorf("%w: %s: test keyring file without a plaintext seed", ErrCorrupt, p)
		}
	case BackendFile:
		if f.EncryptedSeed == "" || f.Seed != "" {
			return nil, fmt.Errorf("%w: %s: file keyring file without an encrypted seed", ErrCorrupt, p)
		}
	}
	return &f, nil
}

// PrivateKey returns the private key name. With the file backend it asks
// for the keyring passphrase unless this Keyring already knows it.
func (k *Keyring) PrivateKey(name string) (crypto.PrivateKey, error) {
	f, err := k.load(name)
	if err != nil {
		return crypto.PrivateKey{}, err
	}
	var seed []byte
	switch k.backend {
	case BackendTest:
		seed, err = hex.DecodeString(f.Seed)
		if err != nil {
			return crypto.PrivateKey{}, fmt.Errorf("%w: key %q: seed: %v", ErrCorrupt, name, err)
		}
	case BackendFile:
		seed, err = k.decryptKey(f)
		if err != nil {
			return crypto.PrivateKey{}, err
		}
	}
	return privateKeyOf(f, seed)
}

// privateKeyOf makes the private key of seed and checks it is the key the
// file's public fields describe.
func privateKeyOf(f *keyFile, seed []byte) (crypto.PrivateKey, error) {
	priv, err := crypto.PrivateKeyFromSeed(seed)
	if err != nil {
		return crypto.PrivateKey{}, fmt.Errorf("%w: key %q: %v", ErrCorrupt, f.Name, err)
	}
	if priv.Public() != f.PublicKey {
		return crypto.PrivateKey{}, fmt.Errorf("%w: key %q: seed does not match the public key", ErrCorrupt, f.Name)
	}
	return priv, nil
}

// decryptKey decrypts a file-backend seed with the keyring passphrase,
// prompting for it if this Keyring does not know it yet. The passphrase is
// remembered only once it has decrypted a key.
func (k *Keyring) decryptKey(f *keyFile) ([]byte, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.passphrase != "" {
		return decrypt([]byte(f.EncryptedSeed), k.passphrase, fmt.Sprintf("key %q", f.Name))
	}
	pass, err := k.ask("Keyring passphrase", false)
	if err != nil {
		return nil, err
	}
	seed, err := decrypt([]byte(f.EncryptedSeed), pass, fmt.Sprintf("key %q", f.Name))
	if err != nil {
		return nil, err
	}
	k.passphrase = pass
	return seed, nil
}

// writePassphrase returns the passphrase to encrypt a new key with. An
// empty keyring gets a new passphrase, confirmed; otherwise the passphrase
// must decrypt an existing key, so that one keyring never ends up with keys
// under different passphrases.
func (k *Keyring) writePassphrase() (string, error) {
	k.mu.Lock()
	known := k.passphrase
	k.mu.Unlock()
	if known != "" {
		return known, nil
	}
	keys, err := k.List()
	if err != nil {
		return "", err
	}
	if len(keys) > 0 {
		f, err := k.load(keys[0].Name)
		if err != nil {
			return "", err
		}
		if _, err := k.decryptKey(f); err != nil {
			return "", err
		}
		k.mu.Lock()
		defer k.mu.Unlock()
		return k.passphrase, nil
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	pass, err := k.ask("New keyring passphrase", true)
	if err != nil {
		return "", err
	}
	k.passphrase = pass
	return pass, nil
}

// ask calls the prompt. k.mu must be held.
func (k *Keyring) ask(message string, confirm bool) (string, error) {
	if k.prompt == nil {
		return "", fmt.Errorf("keyring %s: %w", k.dir, ErrNoPrompt)
	}
	pass, err := k.prompt(message, confirm)
	if err != nil {
		return "", fmt.Errorf("keyring passphrase: %w", err)
	}
	if pass == "" {
		return "", fmt.Errorf("keyring passphrase: %w", ErrEmptyPassphrase)
	}
	return pass, nil
}

// Delete removes the key name.
func (k *Keyring) Delete(name string) error {
	// Load rather than just remove, so that a name that only matches another
	// key's file on a case-insensitive file system is refused.
	if _, err := k.load(name); err != nil {
		return err
	}
	if err := os.Remove(k.path(name)); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%w: %q in %s", ErrNotFound, name, k.dir)
		}
		return fmt.Errorf("keyring: delete key %q: %w", name, err)
	}
	syncDir(k.dir)
	return nil
}

// Export returns the key name as an ASCII-armored age file encrypted to
// exportPassphrase. It works with both backends; with the file backend it
// needs the keyring passphrase too.
func (k *Keyring) Export(name, exportPassphrase string) ([]byte, error) {
	if exportPassphrase == "" {
		return nil, fmt.Errorf("export passphrase: %w", ErrEmptyPassphrase)
	}
	priv, err := k.PrivateKey(name)
	if err != nil {
		return nil, err
	}
	plain, err := json.Marshal(exportFile{
		Type:    exportType,
		Address: priv.Public().Address(),
		Seed:    hex.EncodeToString(priv.Seed()),
	})
	if err != nil {
		return nil, fmt.Errorf("keyring: export %q: %w", name, err)
	}
	out, err := encrypt(plain, exportPassphrase, k.workFactor)
	if err != nil {
		return nil, fmt.Errorf("keyring: export %q: %w", name, err)
	}
	return out, nil
}

// Import stores under name the key of an export made by [Keyring.Export].
func (k *Keyring) Import(name string, armored []byte, exportPassphrase string) (Key, error) {
	// Refuse a taken name before the (slow) decryption.
	if err := k.checkFree(name); err != nil {
		return Key{}, err
	}
	if exportPassphrase == "" {
		return Key{}, fmt.Errorf("export passphrase: %w", ErrEmptyPassphrase)
	}
	plain, err := decrypt(armored, exportPassphrase, "the export")
	if err != nil {
		return Key{}, err
	}
	var e exportFile
	if err := json.Unmarshal(plain, &e); err != nil || e.Type != exportType {
		return Key{}, fmt.Errorf("%w: not a phalanx key export", ErrCorrupt)
	}
	seed, err := hex.DecodeString(e.Seed)
	if err != nil || len(seed) != ed25519.SeedSize {
		return Key{}, fmt.Errorf("%w: export holds a bad seed", ErrCorrupt)
	}
	priv, err := crypto.PrivateKeyFromSeed(seed)
	if err != nil {
		return Key{}, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if priv.Public().Address() != e.Address {
		return Key{}, fmt.Errorf("%w: export's address does not match its key", ErrCorrupt)
	}
	return k.store(name, priv)
}

// encrypt encrypts plain to passphrase as an armored age file, at scrypt
// cost 2^logN.
func encrypt(plain []byte, passphrase string, logN int) ([]byte, error) {
	r, err := age.NewScryptRecipient(passphrase)
	if err != nil {
		return nil, err
	}
	r.SetWorkFactor(logN)
	var buf bytes.Buffer
	aw := armor.NewWriter(&buf)
	w, err := age.Encrypt(aw, r)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(plain); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	if err := aw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// decrypt decrypts an armored age file with passphrase. what names the data
// in errors.
func decrypt(armored []byte, passphrase, what string) ([]byte, error) {
	id, err := age.NewScryptIdentity(passphrase)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, ErrEmptyPassphrase)
	}
	r, err := age.Decrypt(armor.NewReader(bytes.NewReader(armored)), id)
	if errors.Is(err, age.ErrIncorrectIdentity) {
		return nil, fmt.Errorf("%s: %w", what, ErrWrongPassphrase)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrCorrupt, what, err)
	}
	plain, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrCorrupt, what, err)
	}
	return plain, nil
}

// writeFileAtomic writes data to path through a temporary file in dir and a
// rename, so a crash leaves either the old file or the new one, never half
// a key. The file gets mode 0600 (os.CreateTemp's default).
func writeFileAtomic(dir, path string, data []byte) (err error) {
	tmp, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	// CreateTemp already uses 0600; chmod anyway so the guarantee does not
	// rest on an implementation detail.
	if err := tmp.Chmod(0o600); err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	syncDir(dir)
	return nil
}

// syncDir flushes a directory entry change to disk. It is best effort: some
// platforms cannot sync directories, and the file data is already synced.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}
