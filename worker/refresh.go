package worker

import (
	"time"

	"github.com/phalanx-net/phalanx/chain/modules/registry"
)

// refreshDue reports whether the enclave should register again although
// the chain has its record: three quarters of the way from its
// attestation to its expiry (a quarter of the ttl, some 42 hours of the
// default week, is left for the new registration to reach a block
// through node failures and retries), or once it lost its standing (an expired
// registration regains it; one the chain no longer accepts is refused,
// and the refusal stops the host with the reason). A record without an
// expiry, written before expiries existed, is left alone until the
// chain gives it one.
func refreshDue(rec registry.Enclave, now time.Time) bool {
	if !rec.InStanding() {
		return true
	}
	if rec.Expires == 0 || rec.Expires <= rec.AttestedAt {
		return rec.Expires != 0
	}
	life := rec.Expires - rec.AttestedAt
	at := rec.AttestedAt + life*3/4
	return now.Unix() >= at
}
