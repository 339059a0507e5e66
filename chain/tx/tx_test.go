package tx

import (
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/crypto"
)

func sampleTx(t testing.TB) []byte {
	t.Helper()
	seed := sha256.Sum256([]byte("sample"))
	k, _ := crypto.PrivateKeyFromSeed(seed[:])
	signed, err := Sign(Body{
		ChainID: "phalanx-test",
		Nonce:   7,
		Fee:     Fee{GasLimit: 100_000, GasPrice: 100_000},
		Msgs:    []Msg{{Type: "bank/send", Value: codec.MustMarshal(map[int]any{1: make([]byte, 20), 2: 5})}},
		Memo:    "hi",
	}, k)
	if err != nil {
		t.Fatal(err)
	}
	b, err := signed.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecodeRoundTrip(t *testing.T) {
	b := sampleTx(t)
	tx, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.VerifySignature(); err != nil {
		t.Fatal(err)
	}
	again, _ := tx.Encode()
	if string(again) != string(b) {
		t.Fatal("re-encoding changed the bytes")
	}
	// Another nonce under the same signature.
	body := tx.Body
	body.Nonce++
	sb, _ := body.SignBytes()
	forged, _ := codec.Marshal(wireTx{Body: sb, Signature: tx.Signature})
	ftx, err := Decode(forged)
	if err != nil {
		t.Fatal(err)
	}
	if err := ftx.VerifySignature(); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("altered body: %v", err)
	}
}

func TestDecodeRefusesMalformed(t *testing.T) {
	good := sampleTx(t)
	for name, b := range map[string][]byte{
		"empty":     nil,
		"garbage":   []byte("hello"),
		"truncated": good[:len(good)-3],
		"trailing":  append(append([]byte{}, good...), 0),
		"array":     {0x80},
	} {
		if _, err := Decode(b); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", name, err)
		}
	}
}

// FuzzDecode feeds arbitrary bytes to the decoder: it must never panic, and
// whatever it accepts must re-encode to exactly the input.
func FuzzDecode(f *testing.F) {
	f.Add(sampleTx(f))
	f.Add([]byte{})
	f.Add([]byte{0xa2, 0x01, 0xa0, 0x02, 0x40})
	f.Fuzz(func(t *testing.T, b []byte) {
		tx, err := Decode(b)
		if err != nil {
			return
		}
		again, err := tx.Encode()
		if err != nil {
			t.Fatalf("accepted tx does not encode: %v", err)
		}
		if string(again) != string(b) {
			t.Fatalf("accepted non-canonical input")
		}
		_ = tx.VerifySignature()
	})
}

// TestWriteSeedCorpus keeps testdata/ in step with sampleTx when run with
// PHALANX_WRITE_CORPUS=1.
func TestWriteSeedCorpus(t *testing.T) {
	if os.Getenv("PHALANX_WRITE_CORPUS") == "" {
		t.Skip("set PHALANX_WRITE_CORPUS=1 to rewrite the seed corpus")
	}
	b := sampleTx(t)
	content := "go test fuzz v1\n[]byte(" + quote(b) + ")\n"
	if err := os.WriteFile(filepath.Join("testdata", "fuzz", "FuzzDecode", "signed-transfer"), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func quote(b []byte) string {
	const hexd = "0123456789abcdef"
	out := []byte{'"'}
	for _, c := range b {
		out = append(out, '\\', 'x', hexd[c>>4], hexd[c&15])
	}
	return string(append(out, '"'))
}

func TestSigCacheBounded(t *testing.T) {
	c := NewSigCache(4)
	var hs [][32]byte
	for i := range 10 {
		h := sha256.Sum256([]byte{byte(i)})
		hs = append(hs, h)
		c.Add(h)
	}
	if !c.Verified(hs[9]) {
		t.Fatal("newest entry missing")
	}
	if c.Verified(hs[0]) {
		t.Fatal("cache grew past its bound")
	}
	if n := c.m.Len(); n > 4 {
		t.Fatalf("cache holds %d entries", n)
	}
}
