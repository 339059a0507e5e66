package verify

import (
	"crypto/x509"
	"fmt"
	"time"

	sevabi "github.com/google/go-sev-guest/abi"
	"github.com/google/go-sev-guest/kds"
	spb "github.com/google/go-sev-guest/proto/sevsnp"
	"github.com/google/go-sev-guest/validate"
	"github.com/google/go-sev-guest/verify/trust"

	"github.com/phalanx-net/phalanx/chain/codec"
)

// SNPCRL is AMD's collateral for the SEV-SNP machines of one product line:
// the certificate revocation list that AMD's KDS serves at
// /vcek/v1/<line>/crl, signed by the line's ARK. (The ASK and ARK are
// pinned; the VCEK, which is per chip and TCB, travels in each evidence's
// SNPCollateral as before.)
//
// go-sev-guest can fetch and check this CRL itself (CheckRevocations),
// but it keeps the CRL in its process-wide root table and reuses it
// until its nextUpdate, so its answer would depend on what ran before;
// it is checked here instead, with the same rule (signed by the ARK, not
// revoking the ASK) and the VCEK's revocation and the CRL's window on
// top.
type SNPCRL struct {
	// ProductLine is the line ("Milan", "Genoa", ...) whose ARK signs
	// the CRL.
	ProductLine string `cbor:"1,keyasint"`
	// CRL is the DER CRL as KDS serves it.
	CRL []byte `cbor:"2,keyasint"`
}

// Platform is SEV-SNP.
func (*SNPCRL) Platform() string { return SEVSNP }

// Scope is "sevsnp/" and the product line.
func (c *SNPCRL) Scope() string { return "sevsnp/" + c.ProductLine }

// Issued is the CRL's thisUpdate; the zero time if it does not decode.
func (c *SNPCRL) Issued() time.Time {
	crl, err := x509.ParseRevocationList(c.CRL)
	if err != nil {
		return time.Time{}
	}
	return crl.ThisUpdate
}

// Marshal returns the collateral's canonical encoding.
func (c *SNPCRL) Marshal() ([]byte, error) { return codec.Marshal(c) }

// ParseSNPCRL decodes collateral written by SNPCRL.Marshal. It checks the
// form only; Check verifies it.
func ParseSNPCRL(b []byte) (*SNPCRL, error) {
	var c SNPCRL
	if err := codec.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("%w: sevsnp collateral: %w", ErrInvalidCollateral, err)
	}
	if _, _, err := snpRoots(c.ProductLine); err != nil {
		return nil, err
	}
	if len(c.CRL) == 0 {
		return nil, fmt.Errorf("%w: sevsnp collateral needs the CRL", ErrInvalidCollateral)
	}
	return &c, nil
}

func (snpVerifier) ParseCollateral(b []byte) (Collateral, error) { return ParseSNPCRL(b) }

// snpRoots returns the pinned ASK and ARK of a product line.
func snpRoots(line string) (ask, ark *x509.Certificate, err error) {
	roots, ok := trust.DefaultRootCerts[line]
	if !ok || roots.ProductCerts == nil || roots.ProductCerts.Ask == nil || roots.ProductCerts.Ark == nil {
		return nil, nil, fmt.Errorf("%w: sevsnp product line %q is not supported", ErrInvalidCollateral, line)
	}
	return roots.ProductCerts.Ask, roots.ProductCerts.Ark, nil
}

// Check verifies that the CRL is signed by the product line's pinned ARK,
// that now lies in its thisUpdate … nextUpdate, and that it does not
// revoke the ASK; see Collateral.
func (c *SNPCRL) Check(now time.Time) error {
	_, err := c.check(now)
	return err
}

func (c *SNPCRL) check(now time.Time) (*x509.RevocationList, error) {
	ask, ark, err := snpRoots(c.ProductLine)
	if err != nil {
		return nil, err
	}
	crl, err := x509.ParseRevocationList(c.CRL)
	if err != nil {
		return nil, fmt.Errorf("%w: sevsnp CRL: %w", ErrInvalidCollateral, err)
	}
	if err := checkCRL("sevsnp "+c.ProductLine+" CRL", crl, ark, now); err != nil {
		return nil, err
	}
	if err := checkNotRevoked("sevsnp ASK", crl, ask); err != nil {
		return nil, err
	}
	return crl, nil
}

// SNPPolicy is what a verifier requires of SEV-SNP guests beyond genuine
// evidence; the chain's governance sets it.
type SNPPolicy struct {
	// MinimumTCB is the lowest reported TCB accepted per product line
	// (kds.TCBVersion encoding; each component must be at least the
	// minimum's). A product line without an entry is refused.
	MinimumTCB map[string]uint64
	// AllowMigrationAgent accepts guests whose policy allows a migration
	// agent, which can export the guest's memory to another machine.
	AllowMigrationAgent bool
}

// snpPolicyMigrateMA is bit 18 of the guest policy: the guest may be
// associated with a migration agent.
const snpPolicyMigrateMA = 1 << 18

// checkSNPPolicy checks a verified report against a policy: a guest policy
// without debugging (and without a migration agent unless allowed), VMPL
// 0, a VCEK certifying the report's reported TCB, and a reported TCB at
// least the product line's minimum. The checks that name the failure
// come first; go-sev-guest's validate package then checks the report's
// remaining consistency (committed ≤ current TCB, the VCEK's chip id, the
// policy's reserved bits) under the same rules.
func checkSNPPolicy(report *spb.Report, vcekDER []byte, vcekTCB kds.TCBVersion, line string, p *SNPPolicy) error {
	policy := report.GetPolicy()
	switch {
	case policy&snpPolicyDebug != 0:
		return fmt.Errorf("%w: guest policy %#x allows debugging", ErrGuestPolicy, policy)
	case policy&snpPolicyMigrateMA != 0 && !p.AllowMigrationAgent:
		return fmt.Errorf("%w: guest policy %#x allows a migration agent", ErrGuestPolicy, policy)
	case report.GetVmpl() != 0:
		return fmt.Errorf("%w: report requested at VMPL %d, want 0", ErrGuestPolicy, report.GetVmpl())
	}
	reported := kds.TCBVersion(report.GetReportedTcb())
	if vcekTCB != reported {
		return fmt.Errorf("%w: VCEK certifies TCB %#x, the report's reported TCB is %#x", ErrVCEKTCBMismatch, uint64(vcekTCB), uint64(reported))
	}
	minimum, ok := p.MinimumTCB[line]
	if !ok {
		return fmt.Errorf("%w: no minimum TCB is set for product line %q", ErrTCBBelowMinimum, line)
	}
	minParts := kds.DecomposeTCBVersion(kds.TCBVersion(minimum))
	if !kds.TCBPartsLE(minParts, kds.DecomposeTCBVersion(reported)) {
		return fmt.Errorf("%w: reported TCB %#x (%+v) is below %s's minimum %#x (%+v)", ErrTCBBelowMinimum,
			uint64(reported), kds.DecomposeTCBVersion(reported), line, minimum, minParts)
	}
	vmpl := 0
	opts := &validate.Options{
		GuestPolicy: sevabi.SnpPolicy{
			SMT:        true,
			MigrateMA:  p.AllowMigrationAgent,
			CXLAllowed: true,
		},
		MinimumTCB:                minParts,
		PermitProvisionalFirmware: true,
		VMPL:                      &vmpl,
	}
	att := &spb.Attestation{Report: report, CertificateChain: &spb.CertificateChain{VcekCert: vcekDER}}
	if err := validate.SnpAttestation(att, opts); err != nil {
		return fmt.Errorf("%w: %w", ErrGuestPolicy, err)
	}
	return nil
}
