package worker

import (
	"testing"
	"time"

	"github.com/phalanx-net/phalanx/chain/modules/registry"
)

func TestRefreshDueAtThreeQuartersOfTheRegistration(t *testing.T) {
	rec := registry.Enclave{AttestedAt: 1000, Expires: 1000 + 400}
	for _, c := range []struct {
		now  int64
		want bool
	}{{1000, false}, {1299, false}, {1300, true}, {1500, true}} {
		if got := refreshDue(rec, time.Unix(c.now, 0)); got != c.want {
			t.Errorf("at %d: %v, want %v", c.now, got, c.want)
		}
	}
	if refreshDue(registry.Enclave{AttestedAt: 1000}, time.Unix(1<<40, 0)) {
		t.Error("a record without an expiry is refreshed")
	}
	lost := rec
	lost.Lost = registry.ReasonExpired
	if !refreshDue(lost, time.Unix(1000, 0)) {
		t.Error("an expired registration is not registered again")
	}
}
