// Package keyring stores named ed25519 account keys in a directory.
//
// A keyring lives in <dir>/keyring-<backend> and holds one JSON file per
// key, named <name>.json and written with mode 0600. Each file carries the
// key's public information (name, address, public key) in the clear, so
// listing and showing keys never needs a passphrase, plus the key's 32-byte
// ed25519 seed:
//
//   - with [BackendFile] the seed is encrypted with age to the keyring's
//     passphrase (an scrypt recipient), one passphrase for the whole keyring;
//   - with [BackendTest] the seed is stored in hex, unencrypted. It exists for
//     devnets and tests, where keys are throwaway and prompts get in the way.
//
// The first key added to an empty file keyring sets its passphrase (the
// [Prompt] is asked to confirm it); later operations check the passphrase by
// decrypting an existing key. A [Keyring] value remembers the passphrase after
// the first successful prompt, so one command never prompts twice.
//
// [Keyring.Export] and [Keyring.Import] move a key between keyrings of either
// backend as an ASCII-armored age file encrypted to a separate export
// passphrase.
package keyring
