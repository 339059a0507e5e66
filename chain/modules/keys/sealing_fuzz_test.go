package keys_test

import (
	"testing"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/modules/keys"
)

// The sealing root exchange's payloads come from outside: a holder's
// share through the message queue, the chain's answer to a host. Each
// decodes without panicking, and what decodes is canonical: it encodes
// back to the same bytes.
func FuzzSealingRootPayloads(f *testing.F) {
	var id [keys.RootIDSize]byte
	id[0] = 1
	f.Add(codec.MustMarshal(keys.RootShare{ID: id, Sealed: []byte{1, 2, 3}}))
	f.Add(codec.MustMarshal(keys.RootAnswer{ID: id, Sealed: []byte{4}, Height: 9}))
	f.Add(codec.MustMarshal(keys.RootRequest{ID: id, Epochs: []uint32{0, 1}}))
	f.Add(codec.MustMarshal(keys.RootPending{Epochs: []uint32{2}, Height: 3}))
	f.Add([]byte{})
	f.Add([]byte{0xa2, 0x01, 0x58, 0x20})
	f.Fuzz(func(t *testing.T, b []byte) {
		if a, err := keys.DecodeRootAnswer(b); err == nil {
			if again := codec.MustMarshal(a); string(again) != string(b) {
				t.Fatalf("RootAnswer %x re-encodes as %x", b, again)
			}
		}
		var s keys.RootShare
		if codec.Unmarshal(b, &s) == nil {
			if again := codec.MustMarshal(s); string(again) != string(b) {
				t.Fatalf("RootShare %x re-encodes as %x", b, again)
			}
		}
		var r keys.RootRequest
		if codec.Unmarshal(b, &r) == nil {
			if again := codec.MustMarshal(r); string(again) != string(b) {
				t.Fatalf("RootRequest %x re-encodes as %x", b, again)
			}
		}
		var p keys.RootPending
		if codec.Unmarshal(b, &p) == nil {
			if again := codec.MustMarshal(p); string(again) != string(b) {
				t.Fatalf("RootPending %x re-encodes as %x", b, again)
			}
		}
	})
}
