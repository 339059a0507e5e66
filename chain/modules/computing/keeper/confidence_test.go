package keeper_test

import (
	"testing"
	"time"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/fixed"
	"github.com/phalanx-net/phalanx/chain/modules/computing"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	registrykeeper "github.com/phalanx-net/phalanx/chain/modules/registry/keeper"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/tee/verify"
)

// setConfidence writes a confidence level on a worker's registration, as
// a registration judged against collateral would.
func (e *env) setConfidence(id crypto.PublicKey, level uint8) {
	rec, ok := registrykeeper.Records{}.Worker(e.State, id)
	if !ok {
		e.T.Fatal("no registration")
	}
	rec.Confidence = level
	e.State.Set(registry.WorkerKey(id), codec.MustMarshal(rec))
}

// A worker's confidence level scales its value and share from its
// registration; a re-attestation's new level counts from the next
// heartbeat.
func TestConfidenceLevelSetsConf(t *testing.T) {
	e, w, op := newEnv(t)
	id := w.Identity()
	e.setConfidence(id, 5) // OutOfDate within its grace
	if err := e.post(w, computing.TopicBenchmark, computing.Benchmark{Iterations: 1000, SpanMillis: 6000}); err != nil {
		t.Fatal(err)
	}
	if rec := e.worker(id); rec.Conf.Cmp(fixed.MustParse("0.7")) != 0 {
		t.Fatalf("conf %s after the benchmark, want 0.7", rec.Conf)
	}
	if err := e.Run(op, &computing.MsgStart{Worker: id, Stake: pha.Tokens(2000)}); err != nil {
		t.Fatal(err)
	}
	// Ve = (1 + 0.7 × 0.5) × (2000 + 300) = 3105.
	if rec := e.worker(id); rec.Ve.Cmp(fixed.Int(3105)) != 0 {
		t.Fatalf("Ve %s, want 3105", rec.Ve)
	}

	e.setConfidence(id, 1)
	e.Advance(time.Hour)
	e.endBlock()
	rec := e.worker(id)
	if rec.Challenged == 0 {
		t.Fatal("no challenge")
	}
	if err := e.post(w, computing.TopicHeartbeat, computing.Heartbeat{Height: rec.ChallengeHeight, Iterations: 1000, SpanMillis: 6000}); err != nil {
		t.Fatal(err)
	}
	rec = e.worker(id)
	want, err := computing.Share(rec.V, rec.P, fixed.One())
	if err != nil {
		t.Fatal(err)
	}
	if rec.Conf.Cmp(fixed.One()) != 0 || rec.Share.Cmp(want) != 0 {
		t.Fatalf("after the heartbeat: conf %s, share %s, want 1 and %s", rec.Conf, rec.Share, want)
	}
	if got := e.c.Totals(e.State).Share; got.Cmp(want) != 0 {
		t.Fatalf("Σshare %s, want the worker's %s", got, want)
	}
}

func TestConfOfEachLevel(t *testing.T) {
	for level, want := range []string{"1", "1", "1", "1", "0.8", "0.7", "1"} {
		if got := computing.Conf(uint8(level)); got.Cmp(fixed.MustParse(want)) != 0 {
			t.Errorf("level %d: conf %s, want %s", level, got, want)
		}
	}
	harmless, other := []string{"INTEL-SA-00334"}, []string{"INTEL-SA-00334", "INTEL-SA-00837"}
	for _, c := range []struct {
		tcb   *verify.TCB
		rated bool
		want  uint8
	}{
		{&verify.TCB{Status: "UpToDate"}, true, 1},
		{&verify.TCB{Status: "SWHardeningNeeded", AdvisoryIDs: other}, true, 2},
		{&verify.TCB{Status: "ConfigurationNeeded"}, true, 3},
		{&verify.TCB{Status: "ConfigurationNeeded", AdvisoryIDs: harmless}, true, 3},
		{&verify.TCB{Status: "ConfigurationNeeded", AdvisoryIDs: other}, true, 4},
		{&verify.TCB{Status: "ConfigurationAndSWHardeningNeeded", AdvisoryIDs: harmless}, true, 3},
		{&verify.TCB{Status: "ConfigurationAndSWHardeningNeeded", AdvisoryIDs: other}, true, 4},
		{&verify.TCB{Status: "OutOfDate"}, true, 5},
		{&verify.TCB{Status: "OutOfDateConfigurationNeeded"}, true, 5},
		{&verify.TCB{Status: "Revoked"}, true, 0},
		{&verify.TCB{ProductLine: "Milan", ReportedTCB: 0x7308000000000003}, true, 1},
		{&verify.TCB{ProductLine: "Milan", ReportedTCB: 0x7308000000000003}, false, 0},
		{&verify.TCB{Status: "UpToDate"}, false, 0},
		{nil, true, 0},
	} {
		if got := registry.ConfidenceLevel(c.tcb, c.rated); got != c.want {
			t.Errorf("%+v (rated %v): level %d, want %d", c.tcb, c.rated, got, c.want)
		}
	}
}
