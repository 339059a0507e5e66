package enclave_test

import (
	"bytes"
	"context"
	"crypto/hpke"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/modules/keys"
	"github.com/phalanx-net/phalanx/chain/modules/mq"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/enclave"
	"github.com/phalanx-net/phalanx/tee"
)

// keyManager is a holder of the master key answering sealing root
// requests as the chain hands them to it, through its topic table.
type keyManager struct {
	t      *testing.T
	holder *enclave.Enclave
	// allow is the allowlist the requests carry.
	allow []registry.Measurement
	// forge, when set, answers instead of the holder: sealed to the
	// request's key (which the chain publishes) by someone else.
	forge bool
	// proven is what the host says of how it read the answer.
	proven bool
	asked  [][]uint32
}

func newKeyManager(t *testing.T, epochs int, allow ...[]byte) *keyManager {
	t.Helper()
	h, _, err := enclave.Open(tee.Sim, tee.Options{}, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := h.OpenSecrets(t.TempDir()); err != nil {
		t.Fatal(err)
	}
	for e := range epochs {
		if _, err := h.GenerateMaster(uint32(e)); err != nil {
			t.Fatal(err)
		}
	}
	km := &keyManager{t: t, holder: h, proven: true}
	for _, m := range allow {
		km.allow = append(km.allow, registry.Measurement{Platform: tee.Sim, Value: m})
	}
	return km
}

const rootChain = "chain-x"

var rootAt = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// release is the host's side: the chain adds the current epoch (the last
// the holder has) and hands the request to the holder.
func (km *keyManager) release() enclave.Release {
	return enclave.Release{ChainID: rootChain, Sender: releaseOperator, At: rootAt,
		Fetch: func(_ context.Context, m *registry.MsgRequestSealingRoot) ([]byte, bool, error) {
			if err := m.ValidateBasic(); err != nil {
				km.t.Fatalf("the enclave's request does not validate: %v", err)
			}
			epochs := append([]uint32(nil), m.Epochs...)
			cur := km.holder.MasterEpochs()[len(km.holder.MasterEpochs())-1]
			if len(epochs) == 0 || epochs[len(epochs)-1] != cur {
				epochs = append(epochs, cur)
			}
			km.asked = append(km.asked, epochs)
			id := keys.SealingRootID(m.EncryptionKey)
			if km.forge {
				pk, err := crypto.ParseEncryptionPublicKey(m.EncryptionKey)
				if err != nil {
					km.t.Fatal(err)
				}
				g := keys.SealingGrant{Roots: []keys.EpochRoot{{Epoch: cur, Root: bytes.Repeat([]byte{7}, 32)}}}
				sealed, err := sealToKey(pk, keys.SealingRootInfo(rootChain, id), codec.MustMarshal(g))
				if err != nil {
					km.t.Fatal(err)
				}
				return sealed, km.proven, nil
			}
			req := keys.RootRequest{ID: id, Epochs: epochs, Recipient: keys.Recipient{
				Evidence: m.Evidence, EncryptionKey: m.EncryptionKey, Operator: releaseOperator, Role: registry.RoleWorker,
				AttestedAt: m.AttestedAt, Allowlist: km.allow, AllowSim: true, Time: rootAt.Unix() + 5,
			}}
			out, err := km.holder.Handle(enclave.Inbox{ChainID: rootChain}, mq.Message{Topic: keys.TopicRootRequest, Payload: codec.MustMarshal(req)})
			if err != nil {
				km.t.Fatal(err)
			}
			if len(out) != 1 || out[0].Topic != keys.TopicRootShare {
				return nil, false, errors.New("the holder released nothing")
			}
			var sh keys.RootShare
			if err := codec.Unmarshal(out[0].Payload, &sh); err != nil || sh.ID != id {
				km.t.Fatalf("root share %+v, %v", sh, err)
			}
			return sh.Sealed, km.proven, nil
		}}
}

func openWorker(km *keyManager, dir string, measurement []byte) (*enclave.Enclave, bool, error) {
	return enclave.OpenReleased(context.Background(), tee.Sim, tee.Options{SimMeasurement: measurement}, dir, km.release())
}

// A worker whose sealing root the key manager releases keeps no key file:
// it gets its root at every start, recovers its keys with it on the same
// image, and opens nothing as another image.
func TestReleasedSealingRecoversOnlyTheSameImage(t *testing.T) {
	image, other := tee.SimMeasurement(enclave.Version), tee.SimMeasurement(enclave.Version+1)
	km := newKeyManager(t, 1, image, other)
	dir := t.TempDir()
	w, created, err := openWorker(km, dir, image)
	if err != nil || !created {
		t.Fatalf("first start: created %v, %v", created, err)
	}
	for _, f := range []string{tee.SimSealingKeyFile, tee.TDXSealingKeyFile} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			t.Fatalf("a released enclave wrote the key file %s", f)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, enclave.WrappedKeyFile)); err != nil {
		t.Fatalf("no wrapped disk key: %v", err)
	}

	again, created, err := openWorker(km, dir, image)
	if err != nil || created {
		t.Fatalf("restart: created %v, %v", created, err)
	}
	if again.Identity() != w.Identity() {
		t.Fatal("the restarted enclave has another identity: its sealed keys were not recovered")
	}
	if got := km.asked[1]; len(got) != 1 || got[0] != 0 {
		t.Fatalf("the restart asked for epochs %v, want [0]", got)
	}

	_, _, err = openWorker(km, dir, other)
	if !errors.Is(err, enclave.ErrSealingRoot) {
		t.Fatalf("another image opened the disk key: %v", err)
	}
}

// A forged answer (sealed to the request's published key by someone who
// is not a holder) opens nothing on a restart and is refused on a first
// start unless the host proved it against the chain.
func TestReleasedSealingRefusesForgedAnswers(t *testing.T) {
	image := tee.SimMeasurement(enclave.Version)
	km := newKeyManager(t, 1, image)
	dir := t.TempDir()
	if _, _, err := openWorker(km, dir, image); err != nil {
		t.Fatal(err)
	}
	km.forge = true
	if _, _, err := openWorker(km, dir, image); !errors.Is(err, enclave.ErrSealingRoot) {
		t.Fatalf("restart with a forged root: %v", err)
	}

	km.proven = false
	fresh := t.TempDir()
	if _, _, err := openWorker(km, fresh, image); !errors.Is(err, enclave.ErrSealingRoot) {
		t.Fatalf("first start with an unproven answer: %v", err)
	}
	if _, err := os.Stat(filepath.Join(fresh, enclave.KeysFile)); err == nil {
		t.Fatal("keys were sealed under a root no one proved")
	}
}

// A holder refuses a request whose evidence does not verify, whose
// measurement is not allowlisted, or that names a platform that seals by
// itself.
func TestHolderVerifiesRootRequests(t *testing.T) {
	image := tee.SimMeasurement(enclave.Version)
	km := newKeyManager(t, 1) // nothing allowlisted
	if _, _, err := openWorker(km, t.TempDir(), image); err == nil {
		t.Fatal("a holder released a root to a measurement not in the allowlist")
	}
	km.allow = []registry.Measurement{{Platform: tee.Sim, Value: image}}
	w, _, err := enclave.Open(tee.Sim, tee.Options{}, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	reg, err := w.Registration(context.Background(), registry.RoleWorker, rootChain, releaseOperator, rootAt)
	if err != nil {
		t.Fatal(err)
	}
	// A registration's quote does not pass for a sealing root request.
	req := keys.RootRequest{ID: keys.SealingRootID(reg.EncryptionKey), Epochs: []uint32{0}, Recipient: keys.Recipient{
		Evidence: reg.Evidence, EncryptionKey: reg.EncryptionKey, Operator: releaseOperator, AttestedAt: reg.AttestedAt,
		Allowlist: km.allow, AllowSim: true, Time: rootAt.Unix(),
	}}
	out, err := km.holder.Handle(enclave.Inbox{ChainID: rootChain}, mq.Message{Topic: keys.TopicRootRequest, Payload: codec.MustMarshal(req)})
	if err != nil || len(out) != 0 {
		t.Fatalf("a registration's quote got a root: %v, %v", out, err)
	}
}

// After the master key rotates, a restart asks for the roots of the
// epoch its disk key is wrapped under and of the current one, and wraps
// it again under the current one.
func TestReleasedSealingFollowsRotation(t *testing.T) {
	image := tee.SimMeasurement(enclave.Version)
	km := newKeyManager(t, 1, image)
	dir := t.TempDir()
	w, _, err := openWorker(km, dir, image)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := km.holder.GenerateMaster(1); err != nil {
		t.Fatal(err)
	}
	if _, _, err := openWorker(km, dir, image); err != nil {
		t.Fatal(err)
	}
	if got := km.asked[1]; len(got) != 2 || got[0] != 0 || got[1] != 1 {
		t.Fatalf("after a rotation the restart asked for %v, want [0 1]", got)
	}
	again, _, err := openWorker(km, dir, image)
	if err != nil {
		t.Fatal(err)
	}
	if got := km.asked[2]; len(got) != 1 || got[0] != 1 {
		t.Fatalf("once rewrapped the restart asked for %v, want [1]", got)
	}
	if again.Identity() != w.Identity() {
		t.Fatal("the enclave lost its keys across the rotation")
	}
}

func sealToKey(pk hpke.PublicKey, info, secret []byte) ([]byte, error) {
	return hpke.Seal(pk, crypto.EncryptionKDF, crypto.EncryptionAEAD, info, secret)
}
