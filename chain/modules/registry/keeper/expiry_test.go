package keeper_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
)

func TestRegistrationExpiresTTLAfterItsAttestation(t *testing.T) {
	e := newEnv(t)
	ek := newEnclave(t, "w1")
	at := e.now.Add(-time.Minute)
	if err := e.register(ek, at); err != nil {
		t.Fatal(err)
	}
	w, _ := e.reg.Worker(e.state, ek.id.Public())
	if want := at.Unix() + registry.DefaultRegistrationTTL; w.Expires != want || !w.InStanding() {
		t.Fatalf("expires %d, want %d (record %+v)", w.Expires, want, w)
	}
	if e.state.Get(registry.ExpiryKey(w.Expires, registry.RoleWorker, ek.id.Public())) == nil {
		t.Fatal("the registration is not in the expiry index")
	}
	// A refresh moves it in the index.
	e.height, e.now = 20, e.now.Add(time.Hour)
	if err := e.register(ek, e.now); err != nil {
		t.Fatal(err)
	}
	w2, _ := e.reg.Worker(e.state, ek.id.Public())
	if w2.Expires != e.now.Unix()+registry.DefaultRegistrationTTL {
		t.Fatalf("refreshed expiry %d", w2.Expires)
	}
	if e.state.Get(registry.ExpiryKey(w.Expires, registry.RoleWorker, ek.id.Public())) != nil ||
		e.state.Get(registry.ExpiryKey(w2.Expires, registry.RoleWorker, ek.id.Public())) == nil {
		t.Fatal("the refresh left the index at the old expiry")
	}
}

func TestExpiryNeverBeyondTheEvidence(t *testing.T) {
	p := registry.DefaultParams()
	e := registry.Enclave{AttestedAt: 1_000_000, EvidenceExpires: 1_000_100}
	if got := registry.Expiry(p, e); got != 1_000_100 {
		t.Fatalf("expiry %d, want the evidence's 1000100", got)
	}
	e.EvidenceExpires = 0 // sim: no certificates
	p.RegistrationTTL = 600
	if got := registry.Expiry(p, e); got != 1_000_600 {
		t.Fatalf("expiry %d, want attested_at + 600", got)
	}
}

// Records and parameters written before the standing fields existed
// decode, and encode again to the same bytes.
func TestOldRecordsAndParamsDecode(t *testing.T) {
	p := registry.DefaultParams()
	p.RegistrationTTL = 0
	old := codec.MustMarshal(p)
	q, err := registry.DecodeParams(old)
	if err != nil || q.TTL() != registry.DefaultRegistrationTTL {
		t.Fatalf("params without registration_ttl: %+v, %v", q, err)
	}
	rec, err := registry.DecodeEnclave(codec.MustMarshal(registry.Enclave{AttestedAt: 5, Version: 1}))
	if err != nil || !rec.InStanding() || rec.Expires != 0 {
		t.Fatalf("old record: %+v, %v", rec, err)
	}
	if string(codec.MustMarshal(rec)) != string(codec.MustMarshal(registry.Enclave{AttestedAt: 5, Version: 1})) {
		t.Fatal("an old record does not encode to its bytes")
	}
}

// A genesis file written before registration_ttl existed still loads,
// with the default.
func TestGenesisWithoutTTLLoads(t *testing.T) {
	g := registry.DefaultGenesis(key(t, "council").Public().Address())
	raw, err := json.Marshal(g)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	if m["params"]["registration_ttl"] != float64(registry.DefaultRegistrationTTL) {
		t.Fatalf("a new genesis does not write registration_ttl: %s", raw)
	}
	delete(m["params"], "registration_ttl")
	raw, _ = json.Marshal(m)
	got, err := module.ReadGenesis[registry.Genesis](raw)
	if err != nil {
		t.Fatal(err)
	}
	if got.Params.TTL() != registry.DefaultRegistrationTTL {
		t.Fatalf("ttl %d", got.Params.TTL())
	}
	bad := got
	bad.Params.RegistrationTTL = -1
	if bad.Validate() == nil {
		t.Fatal("a negative registration_ttl validates")
	}
}
