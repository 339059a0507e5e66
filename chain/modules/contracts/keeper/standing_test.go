package keeper_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/phalanx-net/phalanx/chain/modules/computing"
	"github.com/phalanx-net/phalanx/chain/modules/contracts"
	"github.com/phalanx-net/phalanx/chain/modules/keys"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	registrykeeper "github.com/phalanx-net/phalanx/chain/modules/registry/keeper"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/enclave"
	"github.com/phalanx-net/phalanx/tee"
)

// endBlock runs the modules' end of block and moves the clock on.
func (f *fixture) endBlock(t *testing.T) {
	t.Helper()
	if err := f.EndBlock([]byte{byte(f.Height)}); err != nil {
		t.Fatal(err)
	}
	f.Advance(time.Second)
}

// updateParams has the council change the registry's parameters.
func (f *fixture) updateParams(t *testing.T, change func(*registry.Params)) {
	t.Helper()
	p := f.reg.Params(f.State)
	change(&p)
	f.fund(f.council.Public().Address(), pha.Tokens(1))
	if err := f.run(f.council, &registry.MsgUpdateParams{Params: p}); err != nil {
		t.Fatal(err)
	}
}

// lostStanding returns the enclaves the events of the blocks so far say
// lost their standing, with the reason.
func (f *fixture) lostStanding() map[string]string {
	out := map[string]string{}
	for _, ev := range f.Emitted {
		if ev.Type != registry.EventStanding {
			continue
		}
		var id, reason string
		for _, a := range ev.Attributes {
			switch a.Key {
			case registry.AttrIdentity:
				id = a.Value
			case registry.AttrReason:
				reason = a.Value
			}
		}
		out[id] = reason
	}
	return out
}

// computingWorker benchmarks and starts a worker, so it earns and is
// challenged.
func (f *fixture) startComputing(t *testing.T, w *enclave.Enclave) {
	t.Helper()
	if err := f.post(w, computing.TopicBenchmark, computing.Benchmark{Iterations: 1000, SpanMillis: 6000}); err != nil {
		t.Fatal(err)
	}
	f.fund(f.operator.Public().Address(), pha.Tokens(2000))
	if err := f.run(f.operator, &computing.MsgStart{Worker: w.Identity(), Stake: pha.Tokens(2000)}); err != nil {
		t.Fatal(err)
	}
}

// A worker whose registration expired loses its standing in the next
// block: the computing module stops it, it leaves its cluster, which
// gets a key generation sent only to the workers left, and it is not
// sent a cluster key or taken into a cluster again until it
// re-registers. A worker that re-attested in time keeps its place.
func TestExpiredWorkerLosesItsStanding(t *testing.T) {
	f := newFixture(t)
	if err := f.run(f.operator, &contracts.MsgCreateCluster{Workers: f.ids()}); err != nil {
		t.Fatal(err)
	}
	answered := 0
	f.shareAll(t, &answered)
	f.startComputing(t, f.workers[2])
	// The council shortens the ttl: the next block moves every record
	// to its expiry under it.
	f.updateParams(t, func(p *registry.Params) { p.RegistrationTTL = 3600 })
	f.endBlock(t)
	gone := f.workers[2]
	rec, _ := f.reg.Worker(f.State, gone.Identity())
	if !rec.InStanding() || rec.Expires != rec.AttestedAt+3600 {
		t.Fatalf("after the ttl change: %+v", rec)
	}
	// Workers 0 and 1 and the gatekeeper re-attest before the hour is
	// over; 2 does not.
	f.Advance(50 * time.Minute)
	for _, w := range f.workers[:2] {
		f.register(w, registry.RoleWorker, f.operator)
	}
	f.register(f.gk, registry.RoleGatekeeper, key(t, "validator"))
	f.Advance(10 * time.Minute)
	f.endBlock(t)

	lost := f.lostStanding()
	if len(lost) != 1 || lost[gone.Identity().String()] != registry.ReasonExpired.String() {
		t.Fatalf("lost their standing: %v", lost)
	}
	if rec, _ := f.reg.Worker(f.State, gone.Identity()); rec.Lost != registry.ReasonExpired || rec.LostHeight == 0 {
		t.Fatalf("the record of the expired worker: %+v", rec)
	}
	if w, _ := f.comp.Worker(f.State, gone.Identity()); w.State != computing.CoolingDown {
		t.Fatalf("the expired worker computes on: %s", w.State)
	}
	c, _ := f.c.Cluster(f.State, 0)
	if c.Has(gone.Identity()) || len(c.Workers) != 2 || c.KeyGen != 1 {
		t.Fatalf("the cluster after the loss: %+v", c)
	}
	to := f.shareAll(t, &answered)
	slices.SortFunc(to, contracts.ComparePublicKeys)
	if !slices.Equal(to, c.Workers) {
		t.Fatalf("generation 1 was asked for %v, the cluster is %v", to, c.Workers)
	}
	// Nothing more for it: no cluster, no start, no key.
	wantErr(t, "add the expired worker", f.run(f.operator, &contracts.MsgAddWorker{Cluster: 0, Worker: gone.Identity()}), registry.ErrNoStanding)
	wantErr(t, "a cluster of the expired worker", f.run(f.operator, &contracts.MsgCreateCluster{Workers: []crypto.PublicKey{gone.Identity()}}), registry.ErrNoStanding)
	before := len(f.inbox(gone, keys.TopicClusterKey))
	if err := f.post(f.gk, keys.TopicClusterShare, keys.ClusterShare{Cluster: 0, Worker: gone.Identity(), Epoch: 0, Sealed: unopened}); err != nil &&
		!errors.Is(err, keys.ErrUnexpected) {
		t.Fatal(err)
	}
	if len(f.inbox(gone, keys.TopicClusterKey)) != before {
		t.Fatal("a cluster key was forwarded to a worker without standing")
	}
	// The registrations that were refreshed are still due at their new
	// expiry, not at the old one.
	f.Advance(30 * time.Minute)
	f.endBlock(t)
	if n := len(f.lostStanding()); n != 1 {
		t.Fatalf("%d enclaves lost their standing after the refreshes", n)
	}
	// Re-registering gives it its standing back: the owner may add it again.
	f.register(gone, registry.RoleWorker, f.operator)
	if rec, _ := f.reg.Worker(f.State, gone.Identity()); !rec.InStanding() || rec.LostHeight != 0 {
		t.Fatalf("re-registered: %+v", rec)
	}
	if err := f.run(f.operator, &contracts.MsgAddWorker{Cluster: 0, Worker: gone.Identity()}); err != nil {
		t.Fatal(err)
	}
}

// The council's removal of a measurement from the allowlist takes the
// standing of every enclave of that build in the next block, and of no
// other.
func TestRemovedMeasurementLosesItsStanding(t *testing.T) {
	f := newFixture(t)
	other := f.NewEnclaveMeasured(enclave.Version + 1)
	f.updateParams(t, func(p *registry.Params) {
		p.Measurements = append(p.Measurements, registry.Measurement{Platform: tee.Sim, Value: tee.SimMeasurement(enclave.Version + 1)})
		registry.SortMeasurements(p.Measurements)
	})
	f.endBlock(t)
	f.register(other, registry.RoleWorker, f.operator)
	f.workers = append(f.workers, other)
	if err := f.run(f.operator, &contracts.MsgCreateCluster{Workers: f.ids()}); err != nil {
		t.Fatal(err)
	}
	f.updateParams(t, func(p *registry.Params) {
		p.Measurements = slices.DeleteFunc(p.Measurements, func(m registry.Measurement) bool {
			return string(m.Value) == string(tee.SimMeasurement(enclave.Version+1))
		})
	})
	if rec, _ := f.reg.Worker(f.State, other.Identity()); !rec.InStanding() {
		t.Fatal("standing lost before the end of the block")
	}
	f.endBlock(t)
	lost := f.lostStanding()
	if len(lost) != 1 || lost[other.Identity().String()] != registry.ReasonMeasurement.String() {
		t.Fatalf("lost their standing: %v", lost)
	}
	if c, _ := f.c.Cluster(f.State, 0); c.Has(other.Identity()) || len(c.Workers) != 3 || c.KeyGen != 1 {
		t.Fatalf("the cluster after the loss: %+v", c)
	}
	// Its re-registration is refused: the chain no longer accepts its code.
	reg, err := other.Registration(t.Context(), registry.RoleWorker, chainID, f.operator.Public().Address(), f.Now.Add(-time.Second))
	if err != nil {
		t.Fatal(err)
	}
	wantErr(t, "re-registration of the removed build", f.run(f.operator, &registry.MsgRegisterWorker{Registration: reg}), registry.ErrNotAllowlisted)
}

// twoHolders is an env whose two gatekeepers hold the master key of
// epoch 0.
func twoHolders(t *testing.T) (e *env, g1, g2 *enclave.Enclave, v1, v2 crypto.PrivateKey) {
	t.Helper()
	v1, v2 = key(t, "validator-1"), key(t, "validator-2")
	e = newEnv(t, v1, v2)
	e.fund(v1.Public().Address(), pha.Tokens(10))
	e.fund(v2.Public().Address(), pha.Tokens(10))
	g1, g2 = e.newEnclave(), e.newEnclave()
	e.register(g1, registry.RoleGatekeeper, v1)
	e.register(g2, registry.RoleGatekeeper, v2)
	pub, err := g1.GenerateMaster(0)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.post(g1, keys.TopicPublish, keys.Publish{Epoch: 0, PublicKey: pub}); err != nil {
		t.Fatal(err)
	}
	r := decode[keys.HandoverRequest](t, e.inbox(g1, keys.TopicHandoverRequest)[0])
	sealed, err := g1.HandOver(chainID, r)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.post(g1, keys.TopicHandover, keys.Handover{To: g2.Identity(), Epoch: 0, Sealed: sealed}); err != nil {
		t.Fatal(err)
	}
	h := decode[keys.Handover](t, e.inbox(g2, keys.TopicMasterKey)[0])
	if _, err := g2.ReceiveMaster(chainID, 0, h.Sealed); err != nil {
		t.Fatal(err)
	}
	if err := e.post(g2, keys.TopicReceived, keys.Received{Epoch: 0, PublicKey: pub}); err != nil {
		t.Fatal(err)
	}
	if hs := e.keys.Holders(e.State, 0); len(hs) != 2 {
		t.Fatalf("holders %v", hs)
	}
	return e, g1, g2, v1, v2
}

// A gatekeeper enclave that loses its standing leaves the holders of the
// master key, which rotates: the gatekeeper left makes the next key, and
// it is handed to nobody without standing.
func TestGatekeeperWithoutStandingLeavesTheHoldersAndTheKeyRotates(t *testing.T) {
	e, g1, g2, _, v2 := twoHolders(t)
	p := e.reg.Params(e.State)
	p.RegistrationTTL = 3600
	e.fund(e.council.Public().Address(), pha.Tokens(1))
	if err := e.run(e.council, &registry.MsgUpdateParams{Params: p}); err != nil {
		t.Fatal(err)
	}
	if err := e.EndBlock(nil); err != nil {
		t.Fatal(err)
	}
	e.Advance(50 * time.Minute)
	e.register(g2, registry.RoleGatekeeper, v2) // g2 re-attests, g1 does not
	e.Advance(10 * time.Minute)
	if err := e.EndBlock(nil); err != nil {
		t.Fatal(err)
	}
	if hs := e.keys.Holders(e.State, 0); len(hs) != 1 || hs[0] != g2.Identity() {
		t.Fatalf("holders after the loss: %v", hs)
	}
	s := e.keys.Status(e.State)
	if !s.Generating || s.Generator != g2.Identity() {
		t.Fatalf("no rotation by the gatekeeper left: %+v", s)
	}
	gen := e.inbox(g2, keys.TopicGenerate)
	if len(gen) != 1 || decode[keys.Generate](t, gen[0]).Epoch != 1 {
		t.Fatalf("generate requests to the gatekeeper left: %v", gen)
	}
	pub1, err := g2.GenerateMaster(1)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.post(g2, keys.TopicPublish, keys.Publish{Epoch: 1, PublicKey: pub1}); err != nil {
		t.Fatal(err)
	}
	for _, m := range e.inbox(g2, keys.TopicHandoverRequest) {
		if r := decode[keys.HandoverRequest](t, m); r.To == g1.Identity() {
			t.Fatalf("a handover to the gatekeeper without standing was asked for: %+v", r)
		}
	}
	// It may not pose as a holder either.
	wantErr(t, "a handover by the gatekeeper without standing", e.post(g1, keys.TopicHandover, keys.Handover{To: g2.Identity(), Epoch: 0}), keys.ErrNotHolder)
}

// A gatekeeper whose validator leaves the gatekeeper set for good
// (staking retires its account) loses its standing at the end of the
// block, leaves the holders, and the key rotates without it; its account
// may not register a gatekeeper enclave again.
func TestRetiredGatekeeperLeavesTheHolders(t *testing.T) {
	e, g1, g2, v1, _ := twoHolders(t)
	registrykeeper.Records{}.Retire(e.State, v1.Public().Address())
	if err := e.EndBlock(nil); err != nil {
		t.Fatal(err)
	}
	if rec, _ := e.reg.Gatekeeper(e.State, g1.Identity()); rec.Lost != registry.ReasonRetired {
		t.Fatalf("the retired gatekeeper's record: %+v", rec)
	}
	if hs := e.keys.Holders(e.State, 0); len(hs) != 1 || hs[0] != g2.Identity() {
		t.Fatalf("holders after the retirement: %v", hs)
	}
	if s := e.keys.Status(e.State); !s.Generating || s.Generator != g2.Identity() {
		t.Fatalf("no rotation without the retired gatekeeper: %+v", s)
	}
	reg, err := g1.Registration(context.Background(), registry.RoleGatekeeper, chainID, v1.Public().Address(), e.Now.Add(-time.Second))
	if err != nil {
		t.Fatal(err)
	}
	wantErr(t, "a registration from the retired account", e.run(v1, &registry.MsgRegisterGatekeeper{Registration: reg}), registry.ErrNotValidator)
}

// When the chain stops accepting a platform, every enclave on it loses
// its standing in the same block, the gatekeepers too: the workers still
// leave their clusters although no gatekeeper is left to send a new key,
// and none can be started computing.
func TestEveryoneLosesTheirStandingAtOnce(t *testing.T) {
	f := newFixture(t)
	if err := f.run(f.operator, &contracts.MsgCreateCluster{Workers: f.ids()}); err != nil {
		t.Fatal(err)
	}
	if err := f.post(f.workers[0], computing.TopicBenchmark, computing.Benchmark{Iterations: 1000, SpanMillis: 6000}); err != nil {
		t.Fatal(err)
	}
	f.updateParams(t, func(p *registry.Params) { p.AllowSim = false })
	f.endBlock(t)
	lost := f.lostStanding()
	if len(lost) != 4 {
		t.Fatalf("lost their standing: %v", lost)
	}
	for _, r := range lost {
		if r != registry.ReasonPlatform.String() {
			t.Fatalf("reasons: %v", lost)
		}
	}
	if c, _ := f.c.Cluster(f.State, 0); len(c.Workers) != 0 || c.KeyGen != 1 {
		t.Fatalf("the cluster after everyone lost their standing: %+v", c)
	}
	if hs := f.keys.Holders(f.State, 0); len(hs) != 0 {
		t.Fatalf("holders left: %v", hs)
	}
	f.fund(f.operator.Public().Address(), pha.Tokens(2000))
	wantErr(t, "start a worker without standing", f.run(f.operator, &computing.MsgStart{Worker: f.workers[0].Identity(), Stake: pha.Tokens(2000)}), registry.ErrNoStanding)
}

// A cluster whose last worker lost its standing parks its contracts'
// rekeys instead of logging them again at every deadline (which would
// grow its log, unpaid, for as long as the cluster stays empty); the
// owner's next worker asks for them again.
func TestEmptyClusterParksItsRekeys(t *testing.T) {
	r := newReady(t, 1)
	r.updateParams(t, func(p *registry.Params) { p.RegistrationTTL = 3600 })
	r.endBlock(t)
	r.Advance(50 * time.Minute)
	r.register(r.gk, registry.RoleGatekeeper, key(t, "validator"))
	r.Advance(10 * time.Minute)
	r.endBlock(t)
	c, _ := r.c.Cluster(r.State, 0)
	if len(c.Workers) != 0 || c.KeyGen != 1 {
		t.Fatalf("the cluster after its one worker expired: %+v", c)
	}
	rekey, _ := r.c.Command(r.State, 0, c.Commands-1)
	if rekey.Kind != contracts.KindRekey || rekey.KeyGen != 1 {
		t.Fatalf("the last command: %+v", rekey)
	}
	r.closeAt(t, rekey.Deadline)
	if res, ok := r.c.Result(r.State, 0, rekey.Seq); !ok || res.Status != contracts.StatusNoMajority {
		t.Fatalf("the rekey at its deadline: %+v", res)
	}
	r.Advance(30 * time.Minute) // past another deadline
	r.endBlock(t)
	if c2, _ := r.c.Cluster(r.State, 0); c2.Commands != c.Commands {
		t.Fatalf("an empty cluster logged %d more commands", c2.Commands-c.Commands)
	}
	w := r.newEnclave()
	r.register(w, registry.RoleWorker, r.operator)
	if err := r.run(r.operator, &contracts.MsgAddWorker{Cluster: 0, Worker: w.Identity()}); err != nil {
		t.Fatal(err)
	}
	c, _ = r.c.Cluster(r.State, 0)
	again, _ := r.c.Command(r.State, 0, c.Commands-1)
	if again.Seq != rekey.Seq+1 || again.Kind != contracts.KindRekey || again.KeyGen != 1 || again.Contract != r.contract {
		t.Fatalf("adding a worker to the empty cluster logged %+v, want the rekey again", again)
	}
}
