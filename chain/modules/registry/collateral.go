package registry

import (
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
