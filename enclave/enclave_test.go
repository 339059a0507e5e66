package enclave_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/phalanx-net/phalanx/chain/modules/mq"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/enclave"
	"github.com/phalanx-net/phalanx/tee"
)

// sim opens the enclave in dir on the sim platform, whose sealing key is
// in platformDir.
func sim(platformDir, dir string) (*enclave.Enclave, bool, error) {
	return enclave.Open(tee.Sim, tee.Options{Dir: platformDir}, dir)
}

func TestKeysSurviveRestartsSealed(t *testing.T) {
	dir := t.TempDir()
	e, created, err := sim(dir, dir)
	if err != nil || !created {
		t.Fatalf("first open: created=%v err=%v", created, err)
	}
	again, created, err := sim(dir, dir)
	if err != nil || created {
		t.Fatalf("second open: created=%v err=%v", created, err)
	}
	if again.Identity() != e.Identity() || string(again.EncryptionKey()) != string(e.EncryptionKey()) {
		t.Fatal("keys changed across a restart")
	}
	// The keys are never on disk in plaintext: the sealed file holds
	// neither the keys nor even the public identity in clear.
	sealed, err := os.ReadFile(filepath.Join(dir, enclave.KeysFile))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := crypto.ParseEncryptionPublicKey(e.EncryptionKey()); err != nil {
		t.Fatal(err)
	}
	id := e.Identity()
	if containsBytes(sealed, id[:]) || containsBytes(sealed, e.EncryptionKey()[:64]) {
		t.Fatal("the sealed key file holds a key in clear")
	}
}

func containsBytes(hay, needle []byte) bool {
	for i := 0; i+len(needle) <= len(hay); i++ {
		if string(hay[i:i+len(needle)]) == string(needle) {
			return true
		}
	}
	return false
}

// Open opens the platform it is named: by default its sealing key is in
// the enclave's directory, beside the keys it seals; a platform it does
// not know is refused, and no key is made for it.
func TestOpenOpensTheNamedPlatform(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := enclave.Open(tee.Sim, tee.Options{}, dir); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{tee.SimSealingKeyFile, enclave.KeysFile} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	other := t.TempDir()
	if _, _, err := enclave.Open("no-such-tee", tee.Options{}, other); !errors.Is(err, tee.ErrUnknownPlatform) {
		t.Fatalf("unknown platform: %v", err)
	}
	if entries, _ := os.ReadDir(other); len(entries) != 0 {
		t.Fatalf("an unknown platform left %d files", len(entries))
	}
}

func TestTamperedOrForeignKeysRefused(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := sim(dir, dir); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, enclave.KeysFile)
	good, _ := os.ReadFile(path)

	// Another enclave's sealing key cannot unseal them.
	if _, _, err := sim(t.TempDir(), dir); !errors.Is(err, enclave.ErrSealedKeys) {
		t.Fatalf("foreign platform: %v", err)
	}
	// Altered: refused, and the file is left as it was (no new identity).
	bad := append([]byte(nil), good...)
	bad[len(bad)-1] ^= 1
	if err := os.WriteFile(path, bad, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := sim(dir, dir); !errors.Is(err, enclave.ErrSealedKeys) {
		t.Fatalf("tampered keys: %v", err)
	}
	if now, _ := os.ReadFile(path); string(now) != string(bad) {
		t.Fatal("a bad key file was replaced")
	}
}

func TestRegistrationBindsKeysAndVerifies(t *testing.T) {
	dir := t.TempDir()
	e, _, err := sim(dir, dir)
	if err != nil {
		t.Fatal(err)
	}
	op := crypto.ModuleAddress("operator")
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	reg, err := e.Registration(context.Background(), registry.RoleWorker, "chain-x", op, at)
	if err != nil {
		t.Fatal(err)
	}
	v, err := tee.Verify(reg.Evidence, tee.VerifyOptions{Now: at, AllowSim: true})
	if err != nil {
		t.Fatal(err)
	}
	want := registry.ReportData(registry.RoleWorker, "chain-x", op, e.Identity(), e.EncryptionKey(), enclave.Version, at.Unix())
	if v.ReportData != want || reg.Identity != e.Identity() || reg.AttestedAt != at.Unix() || reg.Version != enclave.Version {
		t.Fatalf("registration does not bind the enclave: %+v", reg)
	}
	if string(v.Measurement) != string(tee.SimMeasurement(enclave.Version)) {
		t.Fatal("sim measurement is not the enclave version's")
	}
}

func TestPostSignsForTheQueue(t *testing.T) {
	dir := t.TempDir()
	e, _, err := sim(dir, dir)
	if err != nil {
		t.Fatal(err)
	}
	m := e.Post("chain-x", 4, "registry/online", []byte{0xa0})
	if !crypto.Verify(m.Sender, mq.SigningContext, mq.SignBytes("chain-x", m.Sender, 4, "registry/online", []byte{0xa0}), m.Signature) {
		t.Fatal("signature does not verify")
	}
	if crypto.Verify(m.Sender, mq.SigningContext, mq.SignBytes("chain-y", m.Sender, 4, "registry/online", []byte{0xa0}), m.Signature) {
		t.Fatal("signature verifies for another chain")
	}
	sealed, err := e.SealCheckpoint([]byte("state"))
	if err != nil {
		t.Fatal(err)
	}
	if b, err := e.UnsealCheckpoint(sealed); err != nil || string(b) != "state" {
		t.Fatalf("unseal: %q, %v", b, err)
	}
}

// The host can unseal its checkpoint, and nothing else the enclave
// sealed: its secrets do not open as a checkpoint.
func TestOnlyTheCheckpointUnsealsForTheHost(t *testing.T) {
	dir := t.TempDir()
	e, _, err := sim(dir, dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.OpenSecrets(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := e.GenerateMaster(0); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{enclave.SecretsFile, enclave.KeysFile} {
		sealed, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if b, err := e.UnsealCheckpoint(sealed); !errors.Is(err, enclave.ErrSealed) || b != nil {
			t.Fatalf("%s unsealed as a checkpoint: %v", name, err)
		}
	}
}
