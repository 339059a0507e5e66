package enclave

import (
	"context"
	"crypto/hpke"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"golang.org/x/crypto/chacha20poly1305"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/modules/keys"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/crypto/domain"
	"github.com/phalanx-net/phalanx/enclave/internal/derive"
	"github.com/phalanx-net/phalanx/tee"
)

// A sealing root released by the key manager.
//
// On a platform with no sealing key (TDX), the enclave seals with a
// random disk key, which it keeps on the disk wrapped (sealed) under its
// sealing root: WrappedKeyFile holds the epoch of the master key the
// root derives from, in the clear, and the disk key sealed under that
// root. At every start the enclave asks the key manager for its roots of
// that epoch and of the current one, opens the disk key with the first
// and, when the master key has rotated since, wraps it again under the
// second. The disk key itself never changes, so nothing else sealed has
// to be sealed again.

// WrappedKeyFile is the name of the wrapped disk key in the enclave's
// directory.
const WrappedKeyFile = "enclave-disk-key.wrapped"

// ErrSealingRoot is returned when the key manager's answer does not open
// the enclave's wrapped disk key: the enclave is another image or runs on
// another machine than the one that wrapped it, or the answer is not the
// key manager's.
var ErrSealingRoot = errors.New("the sealing root released does not open this enclave's disk key")

// Release is how the host takes an enclave's sealing root request to the
// chain and brings back the answer.
type Release struct {
	ChainID string
	// Sender is the account that pays for the request; the request's
	// report data binds it.
	Sender crypto.Address
	// At is the chain's time as the host last saw it: the attestation's
	// time.
	At time.Time
	// Fetch sends the request and returns the sealed answer the chain
	// keeps for it (keys.RootAnswer.Sealed), and whether it was read
	// with a proof against a header the host verified. An enclave with
	// no wrapped key yet accepts only a proven answer: nothing else tells
	// it the answer is the key manager's. One with a wrapped key knows it
	// by the answer opening that key.
	Fetch func(ctx context.Context, m *registry.MsgRequestSealingRoot) (sealed []byte, proven bool, err error)
}

// wrappedKey is the content of WrappedKeyFile.
type wrappedKey struct {
	Epoch  uint32 `cbor:"1,keyasint"`
	Sealed []byte `cbor:"2,keyasint"` // nonce || XChaCha20-Poly1305 of the disk key
}

// OpenReleased is Open for an enclave whose sealing root the key manager
// releases (tee.Options.Released): on TDX, and on sim when asked, it
// opens the platform without a key file, obtains its root through rel,
// and then opens or creates its keys as Open does. On a platform that
// derives its own sealing key (SEV-SNP) it is Open.
func OpenReleased(ctx context.Context, platform string, opts tee.Options, dir string, rel Release) (*Enclave, bool, error) {
	if platform == tee.SEVSNP {
		return Open(platform, opts, dir)
	}
	opts.Released = true
	p, err := openPlatform(platform, opts, dir)
	if err != nil {
		return nil, false, err
	}
	r, ok := p.(tee.Releasable)
	if !ok {
		return nil, false, fmt.Errorf("platform %s: no released sealing", platform)
	}
	if err := unlock(ctx, r, dir, rel); err != nil {
		return nil, false, err
	}
	return openKeys(p, dir)
}

// unlock obtains the platform's sealing root: the disk key, opened with
// (or, on first start, wrapped under) the key manager's roots.
func unlock(ctx context.Context, p tee.Releasable, dir string, rel Release) error {
	path := filepath.Join(dir, WrappedKeyFile)
	wrapped, err := readWrapped(path)
	if err != nil {
		return err
	}
	eph, err := crypto.GenerateEncryptionKey()
	if err != nil {
		return err
	}
	m := &registry.MsgRequestSealingRoot{EncryptionKey: eph.PublicKey().Bytes(), AttestedAt: rel.At.Unix()}
	if wrapped != nil {
		m.Epochs = []uint32{wrapped.Epoch}
	}
	if m.Evidence, err = p.Attest(ctx, registry.SealingRootReportData(rel.ChainID, rel.Sender, m.EncryptionKey, m.AttestedAt)); err != nil {
		return fmt.Errorf("attest the sealing root request: %w", err)
	}
	sealed, proven, err := rel.Fetch(ctx, m)
	if err != nil {
		return fmt.Errorf("sealing root: %w", err)
	}
	if wrapped == nil && !proven {
		return fmt.Errorf("%w: a first start takes only an answer proven against the chain", ErrSealingRoot)
	}
	grant, err := openGrant(eph, rel.ChainID, keys.SealingRootID(m.EncryptionKey), sealed)
	if err != nil {
		return err
	}
	cur := grant.Roots[len(grant.Roots)-1]
	var disk []byte
	if wrapped != nil {
		i := slices.IndexFunc(grant.Roots, func(r keys.EpochRoot) bool { return r.Epoch == wrapped.Epoch })
		if i < 0 {
			return fmt.Errorf("%w: the answer has no root of epoch %d", ErrSealingRoot, wrapped.Epoch)
		}
		if disk, err = unwrapKey(grant.Roots[i].Root, *wrapped); err != nil {
			return err
		}
	} else {
		disk = make([]byte, 32)
		rand.Read(disk)
	}
	if wrapped == nil || wrapped.Epoch != cur.Epoch {
		if err := writeWrapped(path, wrapKey(cur.Root, cur.Epoch, disk)); err != nil {
			return fmt.Errorf("write the wrapped disk key: %w", err)
		}
	}
	return p.Release(disk)
}

func openGrant(eph hpke.PrivateKey, chainID string, id [keys.RootIDSize]byte, sealed []byte) (keys.SealingGrant, error) {
	plain, err := hpke.Open(eph, crypto.EncryptionKDF, crypto.EncryptionAEAD, keys.SealingRootInfo(chainID, id), sealed)
	if err != nil {
		return keys.SealingGrant{}, fmt.Errorf("%w: the answer is not sealed to this request: %v", ErrSealingRoot, err)
	}
	var g keys.SealingGrant
	if err := codec.Unmarshal(plain, &g); err != nil {
		return keys.SealingGrant{}, fmt.Errorf("%w: %v", ErrSealingRoot, err)
	}
	if len(g.Roots) == 0 {
		return keys.SealingGrant{}, fmt.Errorf("%w: the answer carries no root", ErrSealingRoot)
	}
	for _, r := range g.Roots {
		if len(r.Root) != derive.KeyLen {
			return keys.SealingGrant{}, fmt.Errorf("%w: a root of %d bytes", ErrSealingRoot, len(r.Root))
		}
	}
	return g, nil
}

func wrapAAD(epoch uint32) []byte {
	return binary.BigEndian.AppendUint32([]byte(domain.EnclaveWrappedRoot), epoch)
}

func wrapKey(root []byte, epoch uint32, disk []byte) wrappedKey {
	aead, err := chacha20poly1305.NewX(root)
	if err != nil {
		panic(err) // roots are checked to be 32 bytes
	}
	nonce := make([]byte, aead.NonceSize())
	rand.Read(nonce)
	return wrappedKey{Epoch: epoch, Sealed: aead.Seal(nonce, nonce, disk, wrapAAD(epoch))}
}

func unwrapKey(root []byte, w wrappedKey) ([]byte, error) {
	aead, err := chacha20poly1305.NewX(root)
	if err != nil {
		return nil, err
	}
	if len(w.Sealed) < aead.NonceSize()+aead.Overhead() {
		return nil, fmt.Errorf("%w: the wrapped key is %d bytes", ErrSealingRoot, len(w.Sealed))
	}
	n := aead.NonceSize()
	disk, err := aead.Open(nil, w.Sealed[:n], w.Sealed[n:], wrapAAD(w.Epoch))
	if err != nil {
		return nil, fmt.Errorf("%w (epoch %d): another image or machine wrapped it, or the answer is not the key manager's", ErrSealingRoot, w.Epoch)
	}
	return disk, nil
}

// readWrapped reads the wrapped disk key; nil when there is none yet.
func readWrapped(path string) (*wrappedKey, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the wrapped disk key: %w", err)
	}
	var w wrappedKey
	if err := codec.Unmarshal(b, &w); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrSealingRoot, path, err)
	}
	return &w, nil
}

func writeWrapped(path string, w wrappedKey) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return WriteFileAtomic(path, codec.MustMarshal(w))
}

// releaseRoot answers a sealing root request as a holder of the master
// key: it verifies the requesting enclave's evidence itself, then derives
// the enclave's root of each epoch asked for from the platform, the
// measurement and the machine the evidence establishes, and seals them
// to the request's key. A request that does not verify gets nothing.
func (e *Enclave) releaseRoot(in Inbox, r keys.RootRequest) ([]Outgoing, error) {
	sealed, err := e.rootGrant(in.ChainID, r)
	if err != nil {
		in.Log.Warn("sealing root refused", "request", fmt.Sprintf("%x", r.ID[:8]), "err", err)
		return nil, nil
	}
	return one(keys.TopicRootShare, keys.RootShare{ID: r.ID, Sealed: sealed}), nil
}

func (e *Enclave) rootGrant(chainID string, r keys.RootRequest) ([]byte, error) {
	rc := &r.Recipient
	if r.ID != keys.SealingRootID(rc.EncryptionKey) {
		return nil, fmt.Errorf("%w: the request's id is not its key's", ErrRecipient)
	}
	if !registry.ReleasesSealing(rc.Evidence.Platform) {
		return nil, fmt.Errorf("%w: %s enclaves seal by themselves", ErrRecipient, rc.Evidence.Platform)
	}
	v, err := verifyRecipient(rc, registry.SealingRootReportData(chainID, rc.Operator, rc.EncryptionKey, rc.AttestedAt))
	if err != nil {
		return nil, err
	}
	if len(r.Epochs) == 0 || len(r.Epochs) > registry.MaxRootEpochs+1 {
		return nil, fmt.Errorf("%d epochs asked for", len(r.Epochs))
	}
	g := keys.SealingGrant{}
	for _, ep := range r.Epochs {
		m, err := e.master(ep)
		if err != nil {
			return nil, err
		}
		g.Roots = append(g.Roots, keys.EpochRoot{Epoch: ep, Root: derive.SealingRoot(m, v.Platform, v.Measurement, v.Machine)})
	}
	return sealTo(rc.EncryptionKey, keys.SealingRootInfo(chainID, r.ID), codec.MustMarshal(g))
}
