package keeper_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	registrykeeper "github.com/phalanx-net/phalanx/chain/modules/registry/keeper"
	"github.com/phalanx-net/phalanx/crypto"
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

type failingHook struct{ told *int }

func (h failingHook) StandingLost(ctx *module.Context, lost []registrykeeper.Lost) error {
	*h.told += len(lost)
	ctx.Store().Set([]byte("registry/scratch"), []byte{1})
	return errors.New("cannot")
}

// A module that fails to drop what an enclave had neither undoes the
// loss nor keeps its own half-done writes.
func TestLossStandsWhenAHookFails(t *testing.T) {
	e := newEnv(t)
	ek := newEnclave(t, "w1")
	if err := e.register(ek, e.now.Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	told := 0
	reg := e.reg.OnStandingLost(failingHook{&told})
	e.now = e.now.Add(registry.DefaultRegistrationTTL * time.Second)
	ctx := module.NewContext(e.state, module.Block{ChainID: chainID, Height: 11, Time: e.now}, crypto.Address{}, nil, nil)
	if err := reg.EndBlock(ctx); err != nil {
		t.Fatal(err)
	}
	w, _ := e.reg.Worker(e.state, ek.id.Public())
	if w.Lost != registry.ReasonExpired || w.LostHeight != 11 || told != 1 {
		t.Fatalf("record %+v, hook told of %d", w, told)
	}
	if e.state.Get([]byte("registry/scratch")) != nil {
		t.Fatal("the failed hook's writes were kept")
	}
	if len(ctx.Events()) != 1 || ctx.Events()[0].Type != registry.EventStanding {
		t.Fatalf("events %v", ctx.Events())
	}
	// Once lost, it is not lost again.
	if err := reg.EndBlock(ctx); err != nil || told != 1 {
		t.Fatalf("a second end of block: %v, told %d", err, told)
	}
}

func TestStandingReasons(t *testing.T) {
	m := []byte{1, 2, 3}
	p := registry.Params{AllowSim: true, MinWorkerVersion: 2, RegistrationTTL: 100,
		Measurements: []registry.Measurement{{Platform: "sim", Value: m}}}
	e := registry.Enclave{Platform: "sim", Measurement: m, Version: 2, AttestedAt: 1000}
	for _, c := range []struct {
		name   string
		change func(*registry.Params, *registry.Enclave)
		role   registry.Role
		now    int64
		want   registry.Reason
	}{
		{"in standing", nil, registry.RoleWorker, 1099, registry.InStanding},
		{"expired", nil, registry.RoleWorker, 1100, registry.ReasonExpired},
		{"measurement dropped", func(p *registry.Params, _ *registry.Enclave) { p.Measurements = nil }, registry.RoleWorker, 1000, registry.ReasonMeasurement},
		{"sim refused", func(p *registry.Params, _ *registry.Enclave) { p.AllowSim = false }, registry.RoleWorker, 1000, registry.ReasonPlatform},
		{"worker too old", func(_ *registry.Params, e *registry.Enclave) { e.Version = 1 }, registry.RoleWorker, 1000, registry.ReasonVersion},
		{"a gatekeeper has no minimum version", func(_ *registry.Params, e *registry.Enclave) { e.Version = 1 }, registry.RoleGatekeeper, 1000, registry.InStanding},
	} {
		p, e := p, e
		if c.change != nil {
			c.change(&p, &e)
		}
		if got := registry.Standing(p, c.role, e, c.now); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
}
