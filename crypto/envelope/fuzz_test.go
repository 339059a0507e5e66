package envelope

import (
	"bytes"
	"crypto/hpke"
	"errors"
	"testing"

	"github.com/phalanx-net/phalanx/crypto"
)

// fuzzKey is derived from a fixed seed so that the valid requests stored in
// testdata/fuzz keep opening from one run to the next.
func fuzzKey(t testing.TB) hpke.PrivateKey {
	t.Helper()
	k, err := crypto.EncryptionKEM.DeriveKeyPair([]byte("phalanx/envelope: fuzz key"))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// checkOpenErr fails unless err is one of the package's typed errors.
func checkOpenErr(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrDecrypt) && !errors.Is(err, ErrReplay) {
		t.Fatalf("untyped error: %v", err)
	}
}

// checkResponse checks that a response key from an opened message works.
func checkResponse(t *testing.T, resp *ResponseKey) {
	t.Helper()
	got, err := resp.Open(resp.Seal([]byte("answer")))
	if err != nil || string(got) != "answer" {
		t.Fatalf("response round trip: %q, %v", got, err)
	}
}

func FuzzOpenRequest(f *testing.F) {
	k := fuzzKey(f)
	f.Add([]byte{})
	f.Add(make([]byte, EncLen+hpkeOverhead))
	f.Fuzz(func(t *testing.T, req []byte) {
		plaintext, resp, err := OpenRequest(k, testInfo, req)
		if err != nil {
			checkOpenErr(t, err)
			if plaintext != nil || resp != nil {
				t.Fatalf("results returned with error %v", err)
			}
			return
		}
		if len(plaintext) != len(req)-EncLen-hpkeOverhead {
			t.Fatalf("%d-byte request opened to %d bytes", len(req), len(plaintext))
		}
		checkResponse(t, resp)
	})
}

func FuzzSessionOpen(f *testing.F) {
	k := fuzzKey(f)
	f.Add(make([]byte, EncLen), []byte{})
	f.Add(make([]byte, EncLen), make([]byte, seqLen+16))
	f.Fuzz(func(t *testing.T, setup, msg []byte) {
		s, err := OpenServerSession(k, testInfo, setup)
		if err != nil {
			checkOpenErr(t, err)
			return
		}
		seq, plaintext, resp, err := s.Open(msg)
		if err != nil {
			checkOpenErr(t, err)
			return
		}
		if seq != uint64(msg[0])<<56|uint64(msg[1])<<48|uint64(msg[2])<<40|uint64(msg[3])<<32|
			uint64(msg[4])<<24|uint64(msg[5])<<16|uint64(msg[6])<<8|uint64(msg[7]) {
			t.Fatalf("sequence %d does not match the message", seq)
		}
		if len(plaintext) != len(msg)-seqLen-16 {
			t.Fatalf("%d-byte message opened to %d bytes", len(msg), len(plaintext))
		}
		checkResponse(t, resp)
		// The same message again is a replay.
		if _, _, _, err := s.Open(bytes.Clone(msg)); !errors.Is(err, ErrReplay) {
			t.Fatalf("second open: err = %v", err)
		}
	})
}
