package keyring

import "errors"

var (
	// ErrBadBackend is returned for a backend name other than "file" or
	// "test".
	ErrBadBackend = errors.New("unknown keyring backend")
	// ErrBadName is returned for a key name that is empty, longer than 64
	// characters, uses characters outside [A-Za-z0-9._-] or starts with '.'
	// or '-'.
	ErrBadName = errors.New("invalid key name")
	// ErrExists is returned when adding or importing a key under a name that
	// is already taken.
	ErrExists = errors.New("key already exists")
	// ErrNotFound is returned for a key name the keyring does not hold.
	ErrNotFound = errors.New("key not found")
	// ErrWrongPassphrase is returned when a keyring or export passphrase does
	// not decrypt the key.
	ErrWrongPassphrase = errors.New("wrong passphrase")
	// ErrEmptyPassphrase is returned for an empty passphrase.
	ErrEmptyPassphrase = errors.New("passphrase is empty")
	// ErrPassphraseMismatch is for a [Prompt] to return when the two entries of
	// a new passphrase differ.
	ErrPassphraseMismatch = errors.New("passphrases do not match")
	// ErrNoPrompt is returned when a file keyring needs its passphrase but was
	// opened without a [Prompt].
	ErrNoPrompt = errors.New("file keyring needs a passphrase but has no prompt")
	// ErrCorrupt is returned for a key file or export that cannot be parsed or
	// whose contents are inconsistent (for instance, an address that does not
	// match the public key).
	ErrCorrupt = errors.New("corrupt key data")
)
