package enclave

import (
	"context"
	"crypto/hpke"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/modules/mq"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/crypto/domain"
	"github.com/phalanx-net/phalanx/tee"
)

// Version is the enclave's version, bound in its attestation; the chain
// refuses versions below its minimum.
const Version uint32 = 1

// KeysFile is the name of the sealed key file in the enclave's directory.
const KeysFile = "enclave-keys.sealed"

// keysAAD binds the sealed keys to their purpose.
var keysAAD = []byte(domain.EnclaveKeys)

// sealedKeys is the plaintext of KeysFile.
type sealedKeys struct {
	IdentitySeed  []byte `cbor:"1,keyasint"`
	EncryptionKey []byte `cbor:"2,keyasint"`
}

// Enclave holds an enclave's keys on its platform.
type Enclave struct {
	platform tee.Platform
	identity crypto.PrivateKey
	enc      hpke.PrivateKey
	encPub   []byte
	keys     *keyring // master and cluster keys, after OpenSecrets
}

// Open opens the named TEE platform of this machine with opts (see
// tee.Open; opts.Dir defaults to dir, opts.SimVersion to Version), then
// unseals the enclave's keys from dir, or, on first start, creates them
// and seals them there. created reports which happened. Keys that exist
// but do not unseal are an error (ErrSealedKeys), never replaced.
//
// The enclave opens the platform itself and keeps it: the host names it
// and never holds it, so that no host code has the platform's sealing,
// which would open everything the enclave sealed.
func Open(platform string, opts tee.Options, dir string) (e *Enclave, created bool, err error) {
	p, err := openPlatform(platform, opts, dir)
	if err != nil {
		return nil, false, err
	}
	return openKeys(p, dir)
}

// openPlatform opens the named platform with Open's defaults.
func openPlatform(platform string, opts tee.Options, dir string) (tee.Platform, error) {
	if opts.Dir == "" {
		opts.Dir = dir
	}
	if opts.SimVersion == 0 {
		opts.SimVersion = Version
	}
	return tee.Open(platform, opts) // names the platform in its errors
}

// openKeys unseals the enclave's keys from dir, or creates and seals
// them there.
func openKeys(p tee.Platform, dir string) (e *Enclave, created bool, err error) {
	path := filepath.Join(dir, KeysFile)
	sealed, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		e, err = create(p)
		if err != nil {
			return nil, false, err
		}
		if err := e.saveKeys(path); err != nil {
			return nil, false, err
		}
		return e, true, nil
	case err != nil:
		return nil, false, fmt.Errorf("read sealed keys: %w", err)
	}
	plain, err := p.Unseal(sealed, keysAAD)
	if err != nil {
		return nil, false, fmt.Errorf("%w (%s): %v", ErrSealedKeys, path, err)
	}
	var k sealedKeys
	if err := codec.Unmarshal(plain, &k); err != nil {
		return nil, false, fmt.Errorf("%w: %v", ErrSealedKeys, err)
	}
	id, err := crypto.PrivateKeyFromSeed(k.IdentitySeed)
	if err != nil {
		return nil, false, fmt.Errorf("%w: identity: %v", ErrSealedKeys, err)
	}
	enc, err := crypto.EncryptionKEM.NewPrivateKey(k.EncryptionKey)
	if err != nil {
		return nil, false, fmt.Errorf("%w: encryption key: %v", ErrSealedKeys, err)
	}
	return &Enclave{platform: p, identity: id, enc: enc, encPub: enc.PublicKey().Bytes()}, false, nil
}

func create(p tee.Platform) (*Enclave, error) {
	id, err := crypto.GenerateKey()
	if err != nil {
		return nil, err
	}
	enc, err := crypto.GenerateEncryptionKey()
	if err != nil {
		return nil, err
	}
	return &Enclave{platform: p, identity: id, enc: enc, encPub: enc.PublicKey().Bytes()}, nil
}

func (e *Enclave) saveKeys(path string) error {
	encBytes, err := e.enc.Bytes()
	if err != nil {
		return fmt.Errorf("serialize encryption key: %w", err)
	}
	sealed, err := e.platform.Seal(codec.MustMarshal(sealedKeys{IdentitySeed: e.identity.Seed(), EncryptionKey: encBytes}), keysAAD)
	if err != nil {
		return fmt.Errorf("seal keys: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return WriteFileAtomic(path, sealed)
}

// PlatformName names the TEE the enclave runs on. The platform itself is
// not handed out: its sealing would open the enclave's secrets.
func (e *Enclave) PlatformName() string { return e.platform.Name() }

// Secure reports whether the platform protects the enclave (false on sim).
func (e *Enclave) Secure() bool { return e.platform.Secure() }

// Identity returns the enclave's identity key, its id on the chain.
func (e *Enclave) Identity() crypto.PublicKey { return e.identity.Public() }

// EncryptionKey returns the enclave's HPKE public key.
func (e *Enclave) EncryptionKey() []byte { return append([]byte(nil), e.encPub...) }

// Registration attests to the enclave's keys and returns the body of a
// RegisterWorker or RegisterGatekeeper for operator on chainID.
// attestedAt is the enclave's view of the chain's time: the time of the
// latest header it verified.
func (e *Enclave) Registration(ctx context.Context, role registry.Role, chainID string, operator crypto.Address, attestedAt time.Time) (registry.Registration, error) {
	at := attestedAt.Unix()
	rd := registry.ReportData(role, chainID, operator, e.Identity(), e.encPub, Version, at)
	ev, err := e.platform.Attest(ctx, rd)
	if err != nil {
		return registry.Registration{}, fmt.Errorf("attest: %w", err)
	}
	return registry.Registration{Evidence: ev, Identity: e.Identity(), EncryptionKey: e.EncryptionKey(), Version: Version, AttestedAt: at}, nil
}

// Post signs a message for the chain's message queue.
func (e *Enclave) Post(chainID string, seq uint64, topic string, payload []byte) *mq.MsgPost {
	return e.PostConsumed(chainID, seq, 0, topic, payload)
}

// PostConsumed signs a message that also tells the chain how many of its
// messages to this enclave are consumed: counted handled in the sealed
// checkpoint the enclave resumes from. The chain deletes those, so the
// count must never run ahead of the saved checkpoint.
func (e *Enclave) PostConsumed(chainID string, seq, consumed uint64, topic string, payload []byte) *mq.MsgPost {
	id := e.Identity()
	sig := e.identity.Sign(mq.SigningContext, mq.SignBytesConsumed(chainID, id, seq, consumed, topic, payload))
	return &mq.MsgPost{Sender: id, Seq: seq, Topic: topic, Payload: payload, Signature: sig, Consumed: consumed}
}

// SealCheckpoint seals the host's checkpoint (the last verified header,
// the messages handled), which the host keeps on its disk and the enclave
// resumes from.
func (e *Enclave) SealCheckpoint(data []byte) ([]byte, error) { return e.seal("checkpoint", data) }

// UnsealCheckpoint opens a checkpoint sealed by SealCheckpoint. Only the
// checkpoint: the name is fixed, so that no other sealed data of the
// enclave (its secrets, its data key) unseals through here.
func (e *Enclave) UnsealCheckpoint(sealed []byte) ([]byte, error) {
	return e.unseal("checkpoint", sealed)
}

// seal seals data under a name that keeps one kind of sealed data from
// being passed off as another.
func (e *Enclave) seal(name string, data []byte) ([]byte, error) {
	return e.platform.Seal(data, []byte(domain.EnclaveSeal+name))
}

// unseal opens data sealed under name.
func (e *Enclave) unseal(name string, sealed []byte) ([]byte, error) {
	b, err := e.platform.Unseal(sealed, []byte(domain.EnclaveSeal+name))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrSealed, name, err)
	}
	return b, nil
}

// WriteFileAtomic writes a file through a temporary file and a rename, so
// a crash leaves the old or the new content, never a torn one.
func WriteFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
