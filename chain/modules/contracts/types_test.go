package contracts

import (
	"crypto/sha256"
	"testing"

	"github.com/phalanx-net/phalanx/chain/codec"
)

func TestOKResultEncodingUnchanged(t *testing.T) {
	v := ResultVote{Cluster: 1, Seq: 2, GasUsed: 3, Output: []byte{4}, StateRoot: Hash{5}}
	var fields map[int]any
	if err := codec.Unmarshal(codec.MustMarshal(v), &fields); err != nil {
		t.Fatal(err)
	}
	if len(fields) != 6 {
		t.Fatalf("an OK vote has fields %v, want 1..6", fields)
	}
	v.Status, v.Message = StatusOutOfGas, "used 3 of 3"
	if err := codec.Unmarshal(codec.MustMarshal(v), &fields); err != nil || fields[7] != "used 3 of 3" {
		t.Fatalf("a failed vote's message: %v, %v", fields, err)
	}
}

func TestHashText(t *testing.T) {
	h := Hash(sha256.Sum256([]byte("x")))
	b, _ := h.MarshalText()
	var back Hash
	if err := back.UnmarshalText(b); err != nil || back != h {
		t.Fatalf("round trip: %v, %s", err, back)
	}
	for _, bad := range []string{"", "zz", string(b[:63]) + "g"} {
		if _, err := ParseHash(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}
