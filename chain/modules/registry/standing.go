package registry

import (
	"encoding/binary"
	"fmt"

	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/tee/verify"
)

// Reason says why an enclave lost its standing.
type Reason uint8

// Reasons. InStanding is none: the enclave has its standing.
const (
	InStanding Reason = 0
	// ReasonExpired: registration_ttl passed since the attestation the
	// enclave last registered, or its evidence's certificates expired.
	ReasonExpired Reason = 1
	// ReasonMeasurement: the council removed its measurement from the
	// allowlist.
	ReasonMeasurement Reason = 2
	// ReasonPlatform: the chain no longer accepts its platform (sim, once
	// allow_sim is off).
	ReasonPlatform Reason = 3
	// ReasonVersion: a worker below a raised min_worker_version.
	ReasonVersion Reason = 4
	// ReasonTCB: its TCB no longer passes: collateral stored since
	// revoked its PCK or VCEK or its TCB level, a raised SEV-SNP minimum
	// is above its reported TCB, or the grace of its OutOfDate TCB ended.
	ReasonTCB Reason = 5
	// ReasonRetired: a gatekeeper whose validator left the gatekeeper
	// set for good (its candidate unbonded all its self-bond, or signed
	// two blocks at a height): it holds no master key from then on, and
	// the key rotates without it.
	ReasonRetired Reason = 6
)

func (r Reason) String() string {
	switch r {
	case InStanding:
		return "in standing"
	case ReasonExpired:
		return "expired"
	case ReasonMeasurement:
		return "measurement"
	case ReasonPlatform:
		return "platform"
	case ReasonVersion:
		return "version"
	case ReasonTCB:
		return "tcb"
	case ReasonRetired:
		return "retired"
	}
	return fmt.Sprintf("reason(%d)", uint8(r))
}

// Standing says whether a record still has its standing at block time
// now (unix seconds) under the parameters p, and if not, why: the same
// rules a registration is checked by, applied to what the chain recorded
// of it, and its expiry. It is a pure function of its arguments, so
// every node decides the same in the same block. What collateral says of
// an enclave's TCB is judged from what its record holds (TCBOK); the end
// of a block that stored new collateral re-evaluates the records of its
// scope and writes the verdict there.
func Standing(p Params, role Role, e Enclave, now int64) Reason {
	switch {
	case verify.Insecure(e.Platform) && !p.AllowSim:
		return ReasonPlatform
	case !p.Allowed(e.Platform, e.Measurement):
		return ReasonMeasurement
	case role == RoleWorker && e.Version < p.MinWorkerVersion:
		return ReasonVersion
	case !TCBOK(p, e, now):
		return ReasonTCB
	case now >= Expiry(p, e):
		return ReasonExpired
	}
	return InStanding
}

// Event of a loss of standing, and its attribute.
const (
	EventStanding = "enclave_standing"
	AttrReason    = "reason"
)

// State keys of the standing bookkeeping.
var (
	expiryPrefix = []byte("registry/expiry/")
	rescanKey    = []byte("registry/rescan")
	retirePrefix = []byte("registry/retire/")
)

// RetirePrefix is the state prefix of the retirement marks.
func RetirePrefix() []byte { return retirePrefix }

// RetireKey marks a validator account whose gatekeeper enclaves lose
// their standing at the end of the block (ReasonRetired).
func RetireKey(a crypto.Address) []byte {
	return append(append(make([]byte, 0, len(retirePrefix)+len(a)), retirePrefix...), a[:]...)
}

// ExpiryPrefix is the state prefix of the expiry index.
func ExpiryPrefix() []byte { return expiryPrefix }

// ExpiryKey indexes an enclave in standing by its expiry (unix seconds,
// 8 bytes big-endian), then its role and identity, so that the end of a
// block finds the registrations due without reading the others.
func ExpiryKey(expires int64, role Role, id crypto.PublicKey) []byte {
	k := binary.BigEndian.AppendUint64(append(make([]byte, 0, len(expiryPrefix)+8+1+len(id)), expiryPrefix...), uint64(expires))
	return append(append(k, byte(role)), id[:]...)
}

// ParseExpiryKey splits an ExpiryKey.
func ParseExpiryKey(key []byte) (expires int64, role Role, id crypto.PublicKey, ok bool) {
	rest := key[len(expiryPrefix):]
	if len(rest) != 8+1+len(id) {
		return 0, 0, id, false
	}
	copy(id[:], rest[9:])
	return int64(binary.BigEndian.Uint64(rest)), Role(rest[8]), id, true
}

// RescanKey is present after a change of the parameters, until the end
// of the block checks every record's standing against them once.
func RescanKey() []byte { return rescanKey }

// RecordKey is the state key of an enclave's record in role.
func RecordKey(role Role, id crypto.PublicKey) []byte {
	if role == RoleGatekeeper {
		return GatekeeperKey(id)
	}
	return WorkerKey(id)
}
