package registry

import (
	"bytes"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"slices"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/crypto/domain"
	"github.com/phalanx-net/phalanx/tee/verify"
)

// ModuleName is the registry's name: its codespace and state prefix.
const ModuleName = "registry"

// Errors.
var (
	// Bad quote, bad signature or certificate chain, certificates not valid at the block time.
	ErrBadAttestation = module.DefineError(ModuleName, 1, "attestation does not verify")
	// The quote is genuine but its code is not one the chain accepts.
	ErrNotAllowlisted = module.DefineError(ModuleName, 2, "measurement not allowlisted")
	// The chain's genesis does not accept the sim platform.
	ErrSimNotAllowed = module.DefineError(ModuleName, 3, "sim TEE not allowed on this chain")
	// The quote vouches for other keys, another operator, another chain, version or time.
	ErrReportData = module.DefineError(ModuleName, 4, "report data does not bind the registration")
	// Attested_at after the block time or more than max_attestation_age before it.
	ErrStaleAttestation = module.DefineError(ModuleName, 5, "attestation too old or from the future")
	ErrVersionTooLow    = module.DefineError(ModuleName, 6, "worker version below the minimum")
	ErrKeysChanged      = module.DefineError(ModuleName, 7, "enclave already registered with other keys or operator")
	// Register-gatekeeper from an account that is not a validator's: a
	// genesis validator's, or the consensus-key account of a staking
	// candidate.
	ErrNotValidator = module.DefineError(ModuleName, 8, "sender is not a validator account")
	ErrNotCouncil   = module.DefineError(ModuleName, 9, "sender is not the council")
	ErrBadParams    = module.DefineError(ModuleName, 10, "invalid registry parameters")
	ErrBadMsg       = module.DefineError(ModuleName, 11, "invalid registry message")
	// A debug TD, or an SNP guest whose policy allows debugging.
	ErrDebugEnclave = module.DefineError(ModuleName, 12, "debug enclave refused")
	// A message from an unknown enclave.
	ErrNotRegistered = module.DefineError(ModuleName, 13, "enclave not registered")
	ErrBadGenesis    = module.DefineError(ModuleName, 14, "invalid registry genesis")
	// A re-registration must carry a later attested_at.
	ErrAttestationReused = module.DefineError(ModuleName, 15, "attestation not newer than the recorded one")
	// An enclave whose registration expired, or whose measurement, platform
	// or version the chain no longer accepts: it re-registers to regain it.
	ErrNoStanding = module.DefineError(ModuleName, 16, "enclave has lost its standing")
	// A worker on a machine whose vendor certificate another worker in
	// standing registered with: one machine computes for one worker.
	ErrMachineTaken = module.DefineError(ModuleName, 20, "another worker is registered on this machine")
)

// Role says what an enclave is registered as; it is bound in the report
// data so a worker's quote cannot register a gatekeeper.
type Role uint8

// Roles.
const (
	RoleWorker     Role = 1
	RoleGatekeeper Role = 2
)

func (r Role) String() string {
	switch r {
	case RoleWorker:
		return "worker"
	case RoleGatekeeper:
		return "gatekeeper"
	}
	return fmt.Sprintf("role(%d)", uint8(r))
}

// HexBytes is a byte string written in hex in JSON.
type HexBytes []byte

func (h HexBytes) String() string { return hex.EncodeToString(h) }

// MarshalText implements encoding.TextMarshaler.
func (h HexBytes) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (h *HexBytes) UnmarshalText(b []byte) error {
	v, err := hex.DecodeString(string(b))
	if err != nil {
		return fmt.Errorf("hex: %w", err)
	}
	*h = v
	return nil
}

// Measurement is one allowlisted enclave measurement.
type Measurement struct {
	Platform string   `cbor:"1,keyasint" json:"platform"`
	Value    HexBytes `cbor:"2,keyasint" json:"value"`
	// Note says what the measurement is (a release, an image), for people.
	Note string `cbor:"3,keyasint,omitempty" json:"note,omitempty"`
}

// Params are the registry's parameters.
type Params struct {
	// AllowSim accepts the sim platform, which protects nothing. Only a
	// development chain sets it.
	AllowSim bool `cbor:"1,keyasint" json:"allow_sim"`
	// Measurements is the allowlist, sorted by (platform, value).
	Measurements []Measurement `cbor:"2,keyasint" json:"measurements"`
	// MinWorkerVersion refuses enclaves older than this version.
	MinWorkerVersion uint32 `cbor:"3,keyasint" json:"min_worker_version"`
	// MaxAttestationAge bounds, in seconds of block time, how long before
	// its block a registration may have been attested.
	MaxAttestationAge int64 `cbor:"4,keyasint" json:"max_attestation_age"`
	// Council is the bootstrap council: an account that may change these
	// parameters (registry/update-params) and rotate the master key
	// beside governance, until governance sets it to the zero address
	// (none), its only other value.
	Council crypto.Address `cbor:"5,keyasint" json:"council"`
	// VerifyGas is charged for verifying one attestation: a quote check
	// costs a gatekeeper one to two milliseconds.
	VerifyGas uint64 `cbor:"6,keyasint" json:"verify_gas"`
	// RegistrationTTL is how long, in seconds of block time, a
	// registration keeps its standing after the attestation it carried
	// (never beyond its evidence's certificates): an enclave re-attests
	// before then. Zero, as in parameters written before it existed,
	// means DefaultRegistrationTTL; it is left out of the encoding then,
	// so those parameters keep their bytes.
	RegistrationTTL int64 `cbor:"7,keyasint,omitempty" json:"registration_ttl,omitempty"`
	// RequireCollateral refuses TDX and SEV-SNP evidence of a scope (FMSPC,
	// product line) for which the chain stores no vendor collateral
	// (registry/submit-collateral). Stored collateral is used whether or
	// not it is required. Off by default, so chains written before it
	// keep working; a public network turns it on once its operators
	// submit collateral.
	RequireCollateral bool `cbor:"8,keyasint,omitempty" json:"require_collateral,omitempty"`
	// OutOfDateGrace is how long, in seconds, a TDX TCB status of
	// OutOfDate (or OutOfDateConfigurationNeeded) is accepted after the
	// date of the TCB level the machine matches; zero accepts none.
	OutOfDateGrace int64 `cbor:"9,keyasint,omitempty" json:"outofdate_grace,omitempty"`
	// SNPMinimumTCB is the lowest SEV-SNP reported TCB accepted per
	// product line, sorted by line. When it lists any, SEV-SNP guests
	// must also run at VMPL 0 without debugging or a migration agent, and
	// a product line it does not list is refused (verify.SNPPolicy).
	SNPMinimumTCB []SNPMinimum `cbor:"10,keyasint,omitempty" json:"snp_minimum_tcb,omitempty"`
}

// DefaultRegistrationTTL is the registration_ttl of a chain that sets
// none: a week, long enough that an enclave offline for a weekend keeps
// its place, short enough that one that stopped attesting is gone within
// days.
const DefaultRegistrationTTL = 7 * 24 * 3600

// MaxRegistrationTTL bounds registration_ttl (ten years), so an expiry
// never overflows.
const MaxRegistrationTTL = 10 * 365 * 24 * 3600

// DefaultParams accept no platform and no measurement: a public network
// lists its measurements in its genesis file.
func DefaultParams() Params {
	return Params{MaxAttestationAge: 3600, VerifyGas: 2_000_000, RegistrationTTL: DefaultRegistrationTTL}
}

// TTL returns registration_ttl in seconds, the default when unset.
func (p Params) TTL() int64 {
	if p.RegistrationTTL == 0 {
		return DefaultRegistrationTTL
	}
	return p.RegistrationTTL
}

// Validate checks the parameters.
func (p Params) Validate() error {
	if p.MaxAttestationAge <= 0 {
		return ErrBadParams.Wrap("max_attestation_age must be positive")
	}
	if p.RegistrationTTL < 0 || p.RegistrationTTL > MaxRegistrationTTL {
		return ErrBadParams.Wrap("registration_ttl must be 0 (the default, %d s) to %d s, not %d", DefaultRegistrationTTL, MaxRegistrationTTL, p.RegistrationTTL)
	}
	if err := p.validateTCB(); err != nil {
		return err
	}
	for i, m := range p.Measurements {
		if _, err := verify.Lookup(m.Platform); err != nil {
			return ErrBadParams.Wrap("measurement %d: unknown platform %q", i, m.Platform)
		}
		if len(m.Value) == 0 || len(m.Value) > 256 {
			return ErrBadParams.Wrap("measurement %d: %d bytes", i, len(m.Value))
		}
		if i > 0 && compareMeasurement(p.Measurements[i-1], m) >= 0 {
			return ErrBadParams.Wrap("measurements must be sorted by platform and value, without duplicates")
		}
	}
	return nil
}

func compareMeasurement(a, b Measurement) int {
	if c := cmpString(a.Platform, b.Platform); c != 0 {
		return c
	}
	return bytes.Compare(a.Value, b.Value)
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// SortMeasurements sorts an allowlist as Params.Validate wants it.
func SortMeasurements(ms []Measurement) { slices.SortFunc(ms, compareMeasurement) }

// Allowed reports whether a measurement on a platform is allowlisted.
func (p Params) Allowed(platform string, value []byte) bool {
	_, ok := slices.BinarySearchFunc(p.Measurements, Measurement{Platform: platform, Value: value}, compareMeasurement)
	return ok
}

// Enclave is what the chain records about an attested enclave.
type Enclave struct {
	// Identity signs the enclave's messages; it is the enclave's id.
	Identity crypto.PublicKey `cbor:"1,keyasint" json:"identity"`
	// EncryptionKey is the enclave's HPKE public key: secrets for it are
	// sealed to this key.
	EncryptionKey HexBytes       `cbor:"2,keyasint" json:"encryption_key"`
	Operator      crypto.Address `cbor:"3,keyasint" json:"operator"`
	Platform      string         `cbor:"4,keyasint" json:"platform"`
	Measurement   HexBytes       `cbor:"5,keyasint" json:"measurement"`
	Version       uint32         `cbor:"6,keyasint" json:"version"`
	// AttestedAt is the attestation time the enclave claimed and the chain
	// accepted (unix seconds of block time).
	AttestedAt int64 `cbor:"7,keyasint" json:"attested_at"`
	// EvidenceExpires is when the attestation's certificates expire (unix
	// seconds; 0 for sim, which has none).
	EvidenceExpires  int64 `cbor:"8,keyasint" json:"evidence_expires"`
	RegisteredHeight int64 `cbor:"9,keyasint" json:"registered_height"`
	RefreshedHeight  int64 `cbor:"10,keyasint" json:"refreshed_height"`
	// LastSeenHeight is the block of the enclave's last "online" message.
	LastSeenHeight int64 `cbor:"11,keyasint" json:"last_seen_height"`
	// SyncedHeight is the chain height the enclave had verified then.
	SyncedHeight int64 `cbor:"12,keyasint" json:"synced_height"`
	// Validator is set for a gatekeeper: its validator account.
	Validator crypto.Address `cbor:"13,keyasint,omitempty" json:"validator,omitzero"`
	// Expires is when the registration loses its standing unless the
	// enclave re-attests (unix seconds of block time): Expiry of the
	// record under the parameters. Records written before it existed
	// have none; the chain computes theirs (Standing).
	Expires int64 `cbor:"14,keyasint,omitempty" json:"expires,omitempty"`
	// Lost says why the enclave lost its standing, and LostHeight in
	// which block; both are absent while it has it.
	Lost       Reason `cbor:"15,keyasint,omitempty" json:"lost,omitempty"`
	LostHeight int64  `cbor:"16,keyasint,omitempty" json:"lost_height,omitempty"`
	// Scope is the collateral scope of the enclave's evidence
	// ("tdx/fmspc/<FMSPC>", "sevsnp/<product line>"), empty for sim:
	// newly stored collateral of the scope re-evaluates the record.
	Scope string `cbor:"17,keyasint,omitempty" json:"collateral_scope,omitempty"`
	// TCBStatus is Intel's TCB status of a TDX enclave verified against
	// collateral (verify.TCBUpToDate, ...), or Revoked once newer
	// collateral revoked its PCK or its TCB; empty when not assessed.
	TCBStatus string `cbor:"18,keyasint,omitempty" json:"tcb_status,omitempty"`
	// Advisories are the Intel security advisories its TCB level names.
	Advisories []string `cbor:"19,keyasint,omitempty" json:"advisories,omitempty"`
	// TCBDate is the date of the TDX TCB level it matches (unix
	// seconds), from which outofdate_grace counts.
	TCBDate int64 `cbor:"20,keyasint,omitempty" json:"tcb_date,omitempty"`
	// ReportedTCB is an SEV-SNP enclave's reported TCB (kds.TCBVersion).
	ReportedTCB uint64 `cbor:"21,keyasint,omitempty" json:"reported_tcb,omitempty"`
	// Confidence is the worker's confidence level, 1 (best) to 5, from
	// its TCB status (ConfidenceLevel); 0 when not assessed. It scales
	// its rewards (computing.Conf).
	Confidence uint8 `cbor:"22,keyasint,omitempty" json:"confidence,omitempty"`
}

// InStanding reports whether the record has its standing: it may compute,
// be in clusters and be handed keys.
func (e Enclave) InStanding() bool { return e.Lost == InStanding }

// Expiry is when a registration attested at e.AttestedAt loses its
// standing under p: registration_ttl after the attestation, when its
// evidence's certificates expire, or when the grace of an OutOfDate TCB
// ends, whichever comes first.
func Expiry(p Params, e Enclave) int64 {
	t := e.AttestedAt + p.TTL()
	if e.EvidenceExpires > 0 && e.EvidenceExpires < t {
		t = e.EvidenceExpires
	}
	if end, ok := outOfDateUntil(p, e); ok && end < t {
		t = end
	}
	return t
}

// Insecure reports whether nothing protects the enclave (sim).
func (e Enclave) Insecure() bool { return verify.Insecure(e.Platform) }

// Registration is the body of RegisterWorker and RegisterGatekeeper.
type Registration struct {
	Evidence      verify.Evidence  `cbor:"1,keyasint" json:"evidence"`
	Identity      crypto.PublicKey `cbor:"2,keyasint" json:"identity"`
	EncryptionKey HexBytes         `cbor:"3,keyasint" json:"encryption_key"`
	Version       uint32           `cbor:"4,keyasint" json:"version"`
	AttestedAt    int64            `cbor:"5,keyasint" json:"attested_at"`
}

func (r *Registration) validate() error {
	if _, err := crypto.ParseEncryptionPublicKey(r.EncryptionKey); err != nil {
		return ErrBadMsg.Wrap("%v", err)
	}
	if r.Identity == (crypto.PublicKey{}) {
		return ErrBadMsg.Wrap("zero identity key")
	}
	if len(r.Evidence.Quote) == 0 || len(r.Evidence.Quote) > MaxEvidenceBytes || len(r.Evidence.Collateral) > MaxEvidenceBytes {
		return ErrBadMsg.Wrap("evidence must be 1 to %d bytes", MaxEvidenceBytes)
	}
	if r.AttestedAt <= 0 {
		return ErrBadMsg.Wrap("attested_at must be a positive unix time")
	}
	return nil
}

// MaxEvidenceBytes bounds a quote and its collateral (a TDX quote with
// its certificate chain is about 5 KB, SNP collateral about 6 KB).
const MaxEvidenceBytes = 16 << 10

// MsgRegisterWorker registers (or refreshes) a worker enclave operated by
// the transaction's sender.
type MsgRegisterWorker struct{ Registration }

// Type implements module.Msg.
func (*MsgRegisterWorker) Type() string { return "registry/register-worker" }

// ValidateBasic implements module.Msg.
func (m *MsgRegisterWorker) ValidateBasic() error { return m.validate() }

// MsgRegisterGatekeeper registers (or refreshes) the enclave of the
// gatekeeper whose validator account sends it.
type MsgRegisterGatekeeper struct{ Registration }

// Type implements module.Msg.
func (*MsgRegisterGatekeeper) Type() string { return "registry/register-gatekeeper" }

// ValidateBasic implements module.Msg.
func (m *MsgRegisterGatekeeper) ValidateBasic() error { return m.validate() }

// MsgUpdateParams replaces the parameters; only the council may send it.
type MsgUpdateParams struct {
	Params Params `cbor:"1,keyasint" json:"params"`
}

// Type implements module.Msg.
func (*MsgUpdateParams) Type() string { return "registry/update-params" }

// ValidateBasic implements module.Msg.
func (m *MsgUpdateParams) ValidateBasic() error { return m.Params.Validate() }

// reportDataContext separates Phalanx's report data from any other use of
// the same quote.
const reportDataContext = domain.RegistryReportData

// bound is what the report data commits to.
type bound struct {
	Role          Role             `cbor:"1,keyasint"`
	ChainID       string           `cbor:"2,keyasint"`
	Operator      crypto.Address   `cbor:"3,keyasint"`
	Identity      crypto.PublicKey `cbor:"4,keyasint"`
	EncryptionKey []byte           `cbor:"5,keyasint"`
	Version       uint32           `cbor:"6,keyasint"`
	AttestedAt    int64            `cbor:"7,keyasint"`
}

// ReportData is what an enclave must put in its quote to register: a
// SHA-512 hash of its role, the chain id, its operator, its two public
// keys, its version and the attestation time. Binding the keys makes the
// quote vouch for them; binding the operator and chain id keeps anyone
// from registering the quote for another operator or on another chain.
func ReportData(role Role, chainID string, operator crypto.Address, identity crypto.PublicKey, encKey []byte, version uint32, attestedAt int64) verify.ReportData {
	b := codec.MustMarshal(bound{Role: role, ChainID: chainID, Operator: operator, Identity: identity, EncryptionKey: encKey, Version: version, AttestedAt: attestedAt})
	return sha512.Sum512(append([]byte(reportDataContext), b...))
}

// Event types and attributes.
const (
	EventRegistered = "enclave_registered"
	EventOnline     = "enclave_online"
	AttrIdentity    = "identity"
	AttrRole        = "role"
	AttrOperator    = "operator"
	AttrPlatform    = "platform"
	AttrRefresh     = "refresh"
)

// Topics of the messages the registry exchanges with enclaves.
const (
	// TopicRegistered goes to an enclave when its registration is recorded.
	TopicRegistered = "registry/registered"
	// TopicOnline comes from an enclave that has verified the chain up to
	// a height; the chain records when it last heard from it.
	TopicOnline = "registry/online"
)

// Registered is the payload of TopicRegistered.
type Registered struct {
	Role       Role  `cbor:"1,keyasint"`
	Height     int64 `cbor:"2,keyasint"`
	AttestedAt int64 `cbor:"3,keyasint"`
	Refresh    bool  `cbor:"4,keyasint"`
}

// Online is the payload of TopicOnline.
type Online struct {
	Version      uint32 `cbor:"1,keyasint"`
	SyncedHeight int64  `cbor:"2,keyasint"`
}

// State keys.
var (
	paramsKey        = []byte("registry/params")
	workerPrefix     = []byte("registry/worker/")
	gatekeeperPrefix = []byte("registry/gatekeeper/")
	validatorPrefix  = []byte("registry/validator/")
)

// ParamsKey is the state key of the parameters.
func ParamsKey() []byte { return paramsKey }

// WorkerKey is the state key of a worker's record.
func WorkerKey(id crypto.PublicKey) []byte {
	return append(append(make([]byte, 0, len(workerPrefix)+len(id)), workerPrefix...), id[:]...)
}

// GatekeeperKey is the state key of a gatekeeper enclave's record.
func GatekeeperKey(id crypto.PublicKey) []byte {
	return append(append(make([]byte, 0, len(gatekeeperPrefix)+len(id)), gatekeeperPrefix...), id[:]...)
}

// WorkerPrefix is the state prefix of all worker records.
func WorkerPrefix() []byte { return workerPrefix }

// GatekeeperPrefix is the state prefix of all gatekeeper records.
func GatekeeperPrefix() []byte { return gatekeeperPrefix }

// ValidatorKey marks a validator's account.
func ValidatorKey(a crypto.Address) []byte {
	return append(append(make([]byte, 0, len(validatorPrefix)+len(a)), validatorPrefix...), a[:]...)
}

// DecodeEnclave decodes a stored enclave record (for clients).
func DecodeEnclave(v []byte) (Enclave, error) {
	var e Enclave
	err := codec.Unmarshal(v, &e)
	return e, err
}

// DecodeParams decodes stored parameters (for clients).
func DecodeParams(v []byte) (Params, error) {
	var p Params
	err := codec.Unmarshal(v, &p)
	return p, err
}
