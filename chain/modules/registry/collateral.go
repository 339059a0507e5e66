package registry

import (
	"slices"
	"strings"
	"time"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/tee/verify"
)

// Errors of the collateral store.
var (
	// Valid collateral whose issue date is not after the stored set's for
	// its scope: the chain keeps the newest.
	ErrCollateralNotNewer = module.DefineError(ModuleName, 17, "collateral not newer than the stored set")
	// Require_collateral is set and the chain stores no collateral for the
	// evidence's scope (FMSPC, product line): someone submits it first.
	ErrNoCollateral = module.DefineError(ModuleName, 18, "no collateral stored for the evidence's scope")
	// A TDX TCB status of OutOfDate whose level's date is more than
	// outofdate_grace ago.
	ErrTCBOutOfDate = module.DefineError(ModuleName, 19, "TCB out of date beyond the grace period")
)

// MsgSubmitCollateral stores a vendor's collateral (Intel's TCB info, QE
// identity and CRLs for one FMSPC; AMD's VCEK CRL for one product line)
// for the registrations of its scope to be verified against. Anyone may
// send it: the vendors sign the collateral, the chain checks the
// signatures up to the pinned roots at block time, and it keeps only the
// newest valid set per scope.
type MsgSubmitCollateral struct {
	Platform string `cbor:"1,keyasint" json:"platform"`
	// Collateral is the canonical encoding of a verify.Collateral
	// (verify.TDXCollateral, verify.SNPCRL).
	Collateral HexBytes `cbor:"2,keyasint" json:"collateral"`
}

// Type implements module.Msg.
func (*MsgSubmitCollateral) Type() string { return "registry/submit-collateral" }

// ValidateBasic implements module.Msg.
func (m *MsgSubmitCollateral) ValidateBasic() error {
	if !verify.Secure(m.Platform) {
		return ErrBadMsg.Wrap("collateral of platform %q: only tdx and sevsnp have collateral", m.Platform)
	}
	if len(m.Collateral) == 0 || len(m.Collateral) > verify.MaxCollateralSize {
		return ErrBadMsg.Wrap("collateral must be 1 to %d bytes", verify.MaxCollateralSize)
	}
	return nil
}

// Collateral is the set the chain keeps for one scope: the newest valid
// collateral submitted for it.
type Collateral struct {
	Platform string `cbor:"1,keyasint" json:"platform"`
	// Scope is verify.Collateral.Scope: "tdx/fmspc/<FMSPC>" or
	// "sevsnp/<product line>".
	Scope string `cbor:"2,keyasint" json:"scope"`
	// Issued is the vendor's issue date (TCB info's issueDate, the CRL's
	// thisUpdate), unix seconds; a newer set must be issued later.
	Issued int64 `cbor:"3,keyasint" json:"issued"`
	// Expires is when its first part stops being valid (unix seconds):
	// from then on, evidence of the scope is refused until newer
	// collateral is submitted.
	Expires int64 `cbor:"4,keyasint" json:"expires"`
	// Body is the collateral's canonical encoding, as submitted.
	Body HexBytes `cbor:"5,keyasint" json:"body"`
	// Height and Submitter say in which block and by whom it was stored.
	Height    int64          `cbor:"6,keyasint" json:"height"`
	Submitter crypto.Address `cbor:"7,keyasint" json:"submitter"`
}

// Parse decodes the stored collateral for verification.
func (c Collateral) Parse() (verify.Collateral, error) {
	return verify.ParseCollateral(c.Platform, c.Body)
}

// Event of stored collateral, and its attributes.
const (
	EventCollateral = "collateral_stored"
	AttrScope       = "scope"
	AttrIssued      = "issued"
	AttrExpires     = "expires"
)

// State keys of the collateral store.
var (
	collateralPrefix       = []byte("registry/collateral/")
	collateralRescanPrefix = []byte("registry/rescan-collateral/")
)

// CollateralKey is the state key of the collateral of a scope. The scope
// begins with the platform, so the key is one per (platform, scope).
func CollateralKey(scope string) []byte {
	return append(append(make([]byte, 0, len(collateralPrefix)+len(scope)), collateralPrefix...), scope...)
}

// CollateralPrefix is the state prefix of every stored collateral set.
func CollateralPrefix() []byte { return collateralPrefix }

// CollateralRescanKey is present in the block that stored new collateral
// for scope, until its end checks the records of that scope against it.
func CollateralRescanKey(scope string) []byte {
	return append(append(make([]byte, 0, len(collateralRescanPrefix)+len(scope)), collateralRescanPrefix...), scope...)
}

// CollateralRescanPrefix is the state prefix of the scopes to check.
func CollateralRescanPrefix() []byte { return collateralRescanPrefix }

// DecodeCollateral decodes a stored collateral set (for clients).
func DecodeCollateral(v []byte) (Collateral, error) {
	var c Collateral
	err := codec.Unmarshal(v, &c)
	return c, err
}

// SNPMinimum is the lowest SEV-SNP reported TCB accepted on a product
// line.
type SNPMinimum struct {
	ProductLine string `cbor:"1,keyasint" json:"product_line"`
	// TCB is in the report's REPORTED_TCB encoding (kds.TCBVersion): each
	// component of a guest's reported TCB must be at least this one's.
	TCB uint64 `cbor:"2,keyasint" json:"tcb"`
}

// validateTCB checks the parameters that judge a TCB.
func (p Params) validateTCB() error {
	if p.OutOfDateGrace < 0 || p.OutOfDateGrace > MaxRegistrationTTL {
		return ErrBadParams.Wrap("outofdate_grace must be 0 to %d s, not %d", MaxRegistrationTTL, p.OutOfDateGrace)
	}
	for i, m := range p.SNPMinimumTCB {
		if !verify.SNPProductLineSupported(m.ProductLine) {
			return ErrBadParams.Wrap("snp_minimum_tcb %d: product line %q is not supported", i, m.ProductLine)
		}
		if i > 0 && p.SNPMinimumTCB[i-1].ProductLine >= m.ProductLine {
			return ErrBadParams.Wrap("snp_minimum_tcb must be sorted by product line, without duplicates")
		}
	}
	return nil
}

// SNPPolicy is the SEV-SNP policy the parameters enforce: nil while
// snp_minimum_tcb lists no product line.
func (p Params) SNPPolicy() *verify.SNPPolicy {
	if len(p.SNPMinimumTCB) == 0 {
		return nil
	}
	pol := &verify.SNPPolicy{MinimumTCB: make(map[string]uint64, len(p.SNPMinimumTCB))}
	for _, m := range p.SNPMinimumTCB {
		pol.MinimumTCB[m.ProductLine] = m.TCB
	}
	return pol
}

// OutOfDate reports whether a TDX TCB status is one of Intel's out of
// date ones, which outofdate_grace admits for a while.
func OutOfDate(status string) bool {
	return status == verify.TCBOutOfDate || status == verify.TCBOutOfDateConfigurationNeeded
}

// outOfDateUntil returns when the grace of a record's OutOfDate TCB ends.
func outOfDateUntil(p Params, e Enclave) (int64, bool) {
	if !OutOfDate(e.TCBStatus) {
		return 0, false
	}
	return e.TCBDate + p.OutOfDateGrace, true
}

// TCBOK reports whether what the chain recorded of an enclave's TCB
// still passes under p at now: not Revoked, an OutOfDate TCB within its
// grace, an SEV-SNP reported TCB at least its line's minimum. Records
// without a scope (sim, or written before collateral) pass.
func TCBOK(p Params, e Enclave, now int64) bool {
	if e.TCBStatus == verify.TCBRevoked {
		return false
	}
	if end, ok := outOfDateUntil(p, e); ok && now >= end {
		return false
	}
	if e.Platform == verify.SEVSNP && e.Scope != "" {
		if pol := p.SNPPolicy(); pol != nil {
			minimum, ok := pol.MinimumTCB[strings.TrimPrefix(e.Scope, "sevsnp/")]
			if !ok || !verify.SNPTCBAtLeast(e.ReportedTCB, minimum) {
				return false
			}
		}
	}
	return true
}

// State keys of the evidence an enclave registered with, kept so that
// newly stored collateral can judge it again.
var evidencePrefix = []byte("registry/evidence/")

// EvidenceKey is the state key of the evidence of an enclave in role
// (the role byte, then the identity).
func EvidenceKey(role Role, id crypto.PublicKey) []byte {
	return append(append(append(make([]byte, 0, len(evidencePrefix)+1+len(id)), evidencePrefix...), byte(role)), id[:]...)
}

// Confidence levels, Phala's: 1 is the best assessed TCB, 5 the worst
// still accepted. ConfidenceUnassessed is a worker whose TCB no
// collateral rated (sim; TDX and SEV-SNP verified without collateral,
// which the chain then does not store for their scope).
const (
	ConfidenceUnassessed uint8 = 0
	ConfidenceMax        uint8 = 5
)

// ConfidenceAdvisories are the Intel advisories that leave a platform
// whose configuration is needed at level 3 rather than 4: Phala's list
// (its IAS_QUOTE_ADVISORY_ID_WHITELIST), advisories whose mitigation is
// outside the enclave's reach and judged harmless to it.
var ConfidenceAdvisories = []string{"INTEL-SA-00219", "INTEL-SA-00334", "INTEL-SA-00381", "INTEL-SA-00389"}

// ConfidenceLevel maps what verification established of a TCB to a
// confidence level, as Phala maps Intel's statuses: UpToDate 1,
// SWHardeningNeeded 2, ConfigurationNeeded and
// ConfigurationAndSWHardeningNeeded 3, or 4 when an advisory outside
// ConfidenceAdvisories is named, OutOfDate and
// OutOfDateConfigurationNeeded (within the grace) 5. An SEV-SNP machine
// verified against stored collateral (its VCEK not revoked, its reported
// TCB at or above the governance's minimum) is level 1: AMD rates no
// status beyond that. rated says whether the chain's collateral took
// part; without it, or with a status the chain refuses (Revoked), the
// TCB is unassessed.
func ConfidenceLevel(tcb *verify.TCB, rated bool) uint8 {
	if tcb == nil || !rated {
		return ConfidenceUnassessed
	}
	if tcb.ProductLine != "" {
		return 1
	}
	switch tcb.Status {
	case verify.TCBUpToDate:
		return 1
	case verify.TCBSWHardeningNeeded:
		return 2
	case verify.TCBConfigurationNeeded, verify.TCBConfigurationAndSWHardeningNeeded:
		for _, a := range tcb.AdvisoryIDs {
			if !slices.Contains(ConfidenceAdvisories, a) {
				return 4
			}
		}
		return 3
	case verify.TCBOutOfDate, verify.TCBOutOfDateConfigurationNeeded:
		return 5
	}
	return ConfidenceUnassessed
}

// CollateralRenewal is how long before it expires a stored set is due
// for renewal: status and the dashboard flag it from then on, so that an
// operator submits newer collateral before registrations of its scope are
// refused.
const CollateralRenewal = 7 * 24 * time.Hour

// Collateral states, as Health reports them.
const (
	CollateralCurrent = "current"
	CollateralDue     = "expires soon"
	CollateralExpired = "expired"
)

// Health says whether the set is current at now, expires within
// CollateralRenewal, or has expired.
func (c Collateral) Health(now time.Time) string {
	switch exp := time.Unix(c.Expires, 0); {
	case !now.Before(exp):
		return CollateralExpired
	case now.Add(CollateralRenewal).After(exp):
		return CollateralDue
	}
	return CollateralCurrent
}
