package api

import (
	"testing"
	"time"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/crypto"
)

// FuzzDecode feeds arbitrary bytes to the decoders of everything a worker
// receives: nothing panics, and a signature never verifies by accident.
func FuzzDecode(f *testing.F) {
	k, err := crypto.PrivateKeyFromSeed(make([]byte, 32))
	if err != nil {
		f.Fatal(err)
	}
	now := time.Unix(1_800_000_000, 0)
	f.Add(codec.MustMarshal(NewSignedQuery(k, Query{ChainID: "c", Method: "m", Args: []byte("{}")}, now)))
	f.Add(codec.MustMarshal(NewSignedHello(k, Hello{ChainID: "c"}, now)))
	f.Add(codec.MustMarshal(OpenSession{Setup: []byte{1, 2}, Hello: []byte{3}}))
	f.Add(codec.MustMarshal(SessionQuery{Method: "m"}))
	f.Add([]byte{0xa2, 0x01, 0xa0, 0x02, 0x40})
	f.Fuzz(func(t *testing.T, b []byte) {
		var sq SignedQuery
		if codec.Unmarshal(b, &sq) == nil && sq.Verify() {
			// Only the seeds are validly signed.
			if sq.Query.Caller != k.Public() {
				t.Fatalf("a forged query verifies: %x", b)
			}
		}
		var sh SignedHello
		if codec.Unmarshal(b, &sh) == nil {
			sh.Verify()
		}
		var o OpenSession
		codec.Unmarshal(b, &o)
		var s SessionQuery
		codec.Unmarshal(b, &s)
		var a Answer
		codec.Unmarshal(b, &a)
	})
}
