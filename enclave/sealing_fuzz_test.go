package enclave

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/modules/keys"
	"github.com/phalanx-net/phalanx/crypto"
)

// The wrapped disk key is read from a disk the host controls: whatever
// it holds, reading and unwrapping it does not panic, and nothing but
// the wrap made under the root opens with it.
func FuzzWrappedKey(f *testing.F) {
	root := bytes.Repeat([]byte{7}, 32)
	disk := bytes.Repeat([]byte{9}, 32)
	genuine := codec.MustMarshal(wrapKey(root, 3, disk))
	f.Add(genuine)
	f.Add(codec.MustMarshal(wrappedKey{Epoch: 3}))
	f.Add([]byte{0xa2, 0x01, 0x03, 0x02, 0x40})
	f.Add([]byte{})
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte) {
		path := filepath.Join(dir, WrappedKeyFile)
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		w, err := readWrapped(path)
		if err != nil || w == nil {
			return
		}
		got, err := unwrapKey(root, *w)
		if err != nil {
			return
		}
		if !bytes.Equal(got, disk) || w.Epoch != 3 {
			t.Fatalf("%x unwrapped to %x at epoch %d", b, got, w.Epoch)
		}
	})
}

// A sealing root answer's plaintext is the key manager's, but the
// enclave decodes it before it knows: any plaintext sealed to the
// request's key decodes without panicking, and a grant it accepts has
// only roots of the right size.
func FuzzRootGrant(f *testing.F) {
	eph, err := crypto.GenerateEncryptionKey()
	if err != nil {
		f.Fatal(err)
	}
	pub := eph.PublicKey().Bytes()
	id := keys.SealingRootID(pub)
	f.Add(codec.MustMarshal(keys.SealingGrant{Roots: []keys.EpochRoot{{Epoch: 0, Root: make([]byte, 32)}}}))
	f.Add(codec.MustMarshal(keys.SealingGrant{Roots: []keys.EpochRoot{{Epoch: 1, Root: []byte{1}}}}))
	f.Add(codec.MustMarshal(keys.SealingGrant{}))
	f.Add([]byte{0xa1, 0x01, 0x81, 0xa2, 0x01, 0x00, 0x02, 0x40})
	f.Fuzz(func(t *testing.T, plain []byte) {
		sealed, err := sealTo(pub, keys.SealingRootInfo("c", id), plain)
		if err != nil {
			t.Fatal(err)
		}
		g, err := openGrant(eph, "c", id, sealed)
		if err != nil {
			return
		}
		if len(g.Roots) == 0 {
			t.Fatal("an empty grant was accepted")
		}
		for _, r := range g.Roots {
			if len(r.Root) != 32 {
				t.Fatalf("a root of %d bytes was accepted", len(r.Root))
			}
		}
	})
}
