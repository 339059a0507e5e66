package verify

import (
	"crypto/x509"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/google/go-sev-guest/kds"
	"github.com/google/go-tdx-guest/pcs"
)

// EvidenceScope returns the scope of the collateral that judges ev
// ("tdx/fmspc/<FMSPC>", "sevsnp/<product line>", as Collateral.Scope
// names it), read from the evidence without verifying it: a store looks
// the collateral up by it before it verifies the evidence against it. The
// sim platform has no collateral, and its scope is "". A failure wraps
// ErrUnknownPlatform or ErrInvalidEvidence.
//
// What it reads is not yet verified, so a forged scope only chooses
// which collateral the evidence is then verified against; verification
// refuses collateral of another scope (ErrCollateralMismatch).
func EvidenceScope(ev Evidence) (string, error) {
	if len(ev.Quote) > MaxQuoteSize || len(ev.Collateral) > MaxCollateralSize {
		return "", fmt.Errorf("%w: evidence exceeds its size limits", ErrInvalidEvidence)
	}
	switch ev.Platform {
	case TDX:
		_, chain, err := parseTDXQuote(ev.Quote)
		if err != nil {
			return "", err
		}
		ext, err := pcs.PckCertificateExtensions(chain.PCKCertificate)
		if err != nil {
			return "", fmt.Errorf("%w: tdx PCK certificate extensions: %w", ErrInvalidEvidence, err)
		}
		return "tdx/fmspc/" + strings.ToUpper(ext.FMSPC), nil
	case SEVSNP:
		col, err := ParseSNPCollateral(ev.Collateral)
		if err != nil {
			return "", err
		}
		line, err := SNPProductLine(ev.Quote, col.VCEK)
		if err != nil {
			return "", err
		}
		return "sevsnp/" + line, nil
	}
	if _, err := Lookup(ev.Platform); err != nil {
		return "", err
	}
	return "", nil
}

// CollateralExpires returns when the first part of c stops being valid:
// the earliest nextUpdate of its TCB info, QE identity and CRLs, or
// notAfter of a signing certificate. It does not verify c (Check does);
// it tells a store, and the operators who renew the collateral, how long
// the collateral serves. The zero time if a part does not decode.
func CollateralExpires(c Collateral) time.Time {
	switch c := c.(type) {
	case *TDXCollateral:
		return c.expires()
	case *SNPCRL:
		crl, err := x509.ParseRevocationList(c.CRL)
		if err != nil {
			return time.Time{}
		}
		return crl.NextUpdate
	}
	return time.Time{}
}

func (c *TDXCollateral) expires() time.Time {
	var first time.Time
	earliest := func(t time.Time) {
		if first.IsZero() || t.Before(first) {
			first = t
		}
	}
	var info pcs.TcbInfo
	var qe pcs.EnclaveIdentity
	if json.Unmarshal(c.TCBInfo, &info) != nil || json.Unmarshal(c.QEIdentity, &qe) != nil {
		return time.Time{}
	}
	earliest(info.NextUpdate)
	earliest(qe.NextUpdate)
	for _, der := range [][]byte{c.PCKCRL, c.RootCACRL} {
		crl, err := x509.ParseRevocationList(der)
		if err != nil {
			return time.Time{}
		}
		earliest(crl.NextUpdate)
	}
	for _, chain := range [][][]byte{c.TCBInfoIssuerChain, c.QEIdentityIssuerChain, c.PCKCRLIssuerChain} {
		for _, der := range chain {
			cert, err := x509.ParseCertificate(der)
			if err != nil {
				return time.Time{}
			}
			earliest(cert.NotAfter)
		}
	}
	return first
}

// SNPTCBAtLeast reports whether an SEV-SNP reported TCB is at least a
// minimum (both kds.TCBVersion encodings): each component at least the
// minimum's, the rule SNPPolicy.MinimumTCB applies.
func SNPTCBAtLeast(reported, minimum uint64) bool {
	return kds.TCBPartsLE(kds.DecomposeTCBVersion(kds.TCBVersion(minimum)), kds.DecomposeTCBVersion(kds.TCBVersion(reported)))
}

// SNPProductLineSupported reports whether the product line ("Milan",
// "Genoa", ...) has pinned roots.
func SNPProductLineSupported(line string) bool {
	_, _, err := snpRoots(line)
	return err == nil
}
