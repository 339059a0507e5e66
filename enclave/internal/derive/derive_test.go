package derive

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"
)

// The derivations are part of the chain's state: a contract's published
// public key and every cluster key depend on their labels, byte for byte.
// These are the values of the derivations as they were first written; a
// label that changes fails here.
func TestDerivationsAreStable(t *testing.T) {
	master := make([]byte, KeyLen)
	for i := range master {
		master[i] = byte(i)
	}
	hash := func(b []byte) []byte { h := sha256.Sum256(b); return h[:] }
	pub, err := MasterPublicKey(master)
	if err != nil {
		t.Fatal(err)
	}
	ck := ClusterKey(master, 3, 0)
	contract, err := ContractKey(ck, [32]byte{9})
	if err != nil {
		t.Fatal(err)
	}
	seed := ContractSeed(ck, [32]byte{9}, 7)
	for _, c := range []struct {
		name string
		got  []byte
		want string
	}{
		{"master public key (sha256)", hash(pub), "f7ebf79fbb51a0bda1e787c5ed2f20dc2c2647ff8cd91a6b174ed6aa020519a8"},
		{"cluster key, generation 0", ck, "dd9b16e06ae803b6eebe11f2ae26119ce1bfb2da2afb27bff51f2d1e1aaaacca"},
		{"cluster key, generation 2", ClusterKey(master, 3, 2), "d5291ce2e1a934d58d3a39b3742ebd1f08d7bf32e412b9c75782351215593265"},
		{"contract public key (sha256)", hash(contract.PublicKey().Bytes()), "a14f595fbc47962713d32392701c46b71c71cb1bd0faae38e99ba08bf6358ab2"},
		{"command seed", seed[:], "fe176c650eeedd701ce7ffed81d7a72230cf2899dc74f15a681d11400016657a"},
	} {
		if got := hex.EncodeToString(c.got); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
}

// A sealing root depends on each of the master key, the platform, the
// measurement and the machine, and fields cannot be shifted from one to
// the next.
func TestSealingRootBindsEachInput(t *testing.T) {
	master := make([]byte, KeyLen)
	other := append([]byte{1}, master[1:]...)
	base := SealingRoot(master, "tdx", []byte("measurement"), []byte("machine"))
	if got := hex.EncodeToString(base); got != "2c9a4726b0eb31abc666047fd172a2d09ff814c82fd42f0d6a538d84cf38ad5e" {
		t.Errorf("sealing root = %s: the derivation changed, and every TDX worker's sealed data with it", got)
	}
	for name, r := range map[string][]byte{
		"another master key":  SealingRoot(other, "tdx", []byte("measurement"), []byte("machine")),
		"another platform":    SealingRoot(master, "sim", []byte("measurement"), []byte("machine")),
		"another measurement": SealingRoot(master, "tdx", []byte("measurement2"), []byte("machine")),
		"another machine":     SealingRoot(master, "tdx", []byte("measurement"), []byte("machine2")),
		"shifted fields":      SealingRoot(master, "tdx", []byte("measurementm"), []byte("achine")),
	} {
		if hex.EncodeToString(r) == hex.EncodeToString(base) {
			t.Errorf("%s gives the same root", name)
		}
	}
}
