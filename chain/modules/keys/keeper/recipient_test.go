package keeper_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/modules/internal/modtest"
	"github.com/phalanx-net/phalanx/chain/modules/keys"
	keyskeeper "github.com/phalanx-net/phalanx/chain/modules/keys/keeper"
	mqkeeper "github.com/phalanx-net/phalanx/chain/modules/mq/keeper"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	registrykeeper "github.com/phalanx-net/phalanx/chain/modules/registry/keeper"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/enclave"
	"github.com/phalanx-net/phalanx/tee"
	"github.com/phalanx-net/phalanx/tee/verify"
)

// The chain's requests to a key holder carry the recipient's
// registration as the registry recorded it, evidence included, and the
// registry's rules at the request's block, so the holder's enclave can
// verify the recipient itself.
func TestRequestsCarryTheRecordedRegistration(t *testing.T) {
	e := modtest.New(t)
	v1, v2, op := modtest.Key("validator-1"), modtest.Key("validator-2"), modtest.Key("operator")
	q := mqkeeper.NewKeeper(registrykeeper.Records{})
	k := keyskeeper.NewKeeper(q, registrykeeper.Records{})
	reg := registrykeeper.NewKeeper(q, k).OnStandingLost(k)
	e.Use(registrykeeper.Module{Keeper: reg}, keyskeeper.Module{Keeper: k}, mqkeeper.Module{Keeper: q})
	g := e.RegistryGenesis(modtest.Key("council").Public().Address())
	g.Validators = []crypto.PublicKey{v1.Public(), v2.Public()}
	if err := reg.InitGenesis(e.Ctx(), g); err != nil {
		t.Fatal(err)
	}
	for _, a := range []crypto.PrivateKey{v1, v2, op} {
		e.Fund(a.Public().Address(), pha.Tokens(1000))
	}
	inbox := func(en *enclave.Enclave, topic string) []keys.HandoverRequest {
		var out []keys.HandoverRequest
		for i := range q.EgressCount(e.State, en.Identity()) {
			m, _ := q.Egress(e.State, en.Identity(), i)
			if m.Topic == topic {
				var r keys.HandoverRequest
				if err := codec.Unmarshal(m.Payload, &r); err != nil {
					t.Fatal(err)
				}
				out = append(out, r)
			}
		}
		return out
	}

	g1, g2, w := e.NewEnclave(), e.NewEnclave(), e.NewEnclave()
	e.Register(g1, registry.RoleGatekeeper, v1)
	e.Advance(time.Second)
	pub, err := g1.GenerateMaster(0)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Post(op, g1, keys.TopicPublish, keys.Publish{Epoch: 0, PublicKey: pub}); err != nil {
		t.Fatal(err)
	}
	e.Advance(time.Second)
	e.Register(g2, registry.RoleGatekeeper, v2)
	reqs := inbox(g1, keys.TopicHandoverRequest)
	if len(reqs) != 1 {
		t.Fatalf("%d handover requests", len(reqs))
	}
	rec, ok := registrykeeper.Records{}.Gatekeeper(e.State, g2.Identity())
	ev, kept := (registrykeeper.Records{}).Evidence(e.State, registry.RoleGatekeeper, g2.Identity())
	if !ok || !kept {
		t.Fatalf("the registry did not keep the evidence: %+v", rec)
	}
	wantRecipient(t, reqs[0].Recipient, registry.RoleGatekeeper, rec, ev, e.Now)

	e.Advance(time.Second)
	e.Register(w, registry.RoleWorker, op)
	wrec, ok := registrykeeper.Records{}.Worker(e.State, w.Identity())
	wev, kept := (registrykeeper.Records{}).Evidence(e.State, registry.RoleWorker, w.Identity())
	if !ok || !kept {
		t.Fatalf("the registry did not keep the worker's evidence: %+v", wrec)
	}
	if err := k.RequestClusterKey(e.Ctx(), 5, 0, 0, nil, wrec); err != nil {
		t.Fatal(err)
	}
	var cr []keys.ClusterRequest
	for i := range q.EgressCount(e.State, g1.Identity()) {
		m, _ := q.Egress(e.State, g1.Identity(), i)
		if m.Topic == keys.TopicClusterRequest {
			var r keys.ClusterRequest
			if err := codec.Unmarshal(m.Payload, &r); err != nil {
				t.Fatal(err)
			}
			cr = append(cr, r)
		}
	}
	if len(cr) != 1 {
		t.Fatalf("%d cluster requests", len(cr))
	}
	wantRecipient(t, cr[0].Recipient, registry.RoleWorker, wrec, wev, e.Now)
}

func wantRecipient(t *testing.T, r *keys.Recipient, role registry.Role, rec registry.Enclave, ev verify.Evidence, now time.Time) {
	t.Helper()
	if r == nil {
		t.Fatal("the request carries no registration")
	}
	if r.Role != role || r.Identity != rec.Identity || !bytes.Equal(r.EncryptionKey, rec.EncryptionKey) || r.Operator != rec.Operator ||
		r.Version != rec.Version || r.AttestedAt != rec.AttestedAt || r.Time != now.Unix() {
		t.Fatalf("recipient %+v, record %+v", r, rec)
	}
	if r.Evidence.Platform != ev.Platform || !bytes.Equal(r.Evidence.Quote, ev.Quote) {
		t.Fatal("the request's evidence is not the recorded one")
	}
	if !r.AllowSim || len(r.Allowlist) != 1 || r.Allowlist[0].Platform != tee.Sim || !bytes.Equal(r.Allowlist[0].Value, tee.SimMeasurement(enclave.Version)) {
		t.Fatalf("allowlist %+v, allow sim %v", r.Allowlist, r.AllowSim)
	}
}
