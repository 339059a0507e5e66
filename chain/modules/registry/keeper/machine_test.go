package keeper

import (
	"errors"
	"testing"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	"github.com/phalanx-net/phalanx/chain/store"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/tee/verify"
)

type emptyState struct{}

func (emptyState) Get([]byte) []byte                      { return nil }
func (emptyState) Iterate([]byte, func(k, v []byte) bool) {}

func TestOneMachineOneWorker(t *testing.T) {
	const now = 1_000_000
	measurement := []byte("the image")
	p := registry.DefaultParams()
	p.Measurements = []registry.Measurement{{Platform: verify.TDX, Value: measurement}}
	kv := store.NewCache(emptyState{})
	k := Keeper{}
	id := func(b byte) crypto.PublicKey { return crypto.PublicKey{b} }
	// record records worker w, attested at, with its standing lost for a
	// reason or not.
	record := func(w crypto.PublicKey, lost registry.Reason, attested int64) {
		kv.Set(registry.WorkerKey(w), codec.MustMarshal(registry.Enclave{Identity: w, Platform: verify.TDX, Measurement: measurement,
			AttestedAt: attested, Lost: lost}))
	}
	machineA := verify.Verified{Platform: verify.TDX, Machine: []byte("ppid of machine a"), Measurement: measurement}
	machineB := verify.Verified{Platform: verify.TDX, Machine: []byte("ppid of machine b"), Measurement: measurement}

	if err := k.claimMachine(kv, p, machineA, id(1), now); err != nil {
		t.Fatalf("the first worker on machine a: %v", err)
	}
	record(id(1), registry.InStanding, now-10)
	if err := k.claimMachine(kv, p, machineA, id(1), now); err != nil {
		t.Fatalf("the same worker again (a refresh): %v", err)
	}
	if err := k.claimMachine(kv, p, machineA, id(2), now); !errors.Is(err, registry.ErrMachineTaken) {
		t.Fatalf("a second worker on machine a: %v, want ErrMachineTaken", err)
	}
	if err := k.claimMachine(kv, p, machineB, id(2), now); err != nil {
		t.Fatalf("the second worker on machine b: %v", err)
	}
	if err := k.claimMachine(kv, p, verify.Verified{Platform: verify.SEVSNP, Machine: []byte("ppid of machine a")}, id(3), now); err != nil {
		t.Fatalf("an id of another platform is another machine: %v", err)
	}
	if err := k.claimMachine(kv, p, verify.Verified{Platform: verify.Sim}, id(4), now); err != nil {
		t.Fatalf("sim names no machine: %v", err)
	}

	// A worker that lost its standing, or whose registration expired,
	// leaves its machine to the next.
	record(id(1), registry.ReasonMeasurement, now-10)
	if err := k.claimMachine(kv, p, machineA, id(5), now); err != nil {
		t.Fatalf("machine a after its worker lost its standing: %v", err)
	}
	record(id(5), registry.InStanding, now-p.TTL()) // expired at now, not yet marked
	if err := k.claimMachine(kv, p, machineA, id(6), now); err != nil {
		t.Fatalf("machine a after its worker's registration expired: %v", err)
	}
	if got, want := kv.Get(registry.MachineKey(verify.TDX, machineA.Machine)), id(6); string(got) != string(want[:]) {
		t.Fatalf("machine a is recorded for %x, want the last worker", got)
	}
}
