package verify

import (
	"bytes"
	"crypto/x509"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/go-tdx-guest/pcs"
	tdxpb "github.com/google/go-tdx-guest/proto/tdx"
)

// TCB evaluation of a TDX quote against Intel's collateral, as Intel
// specifies it for TCB info version 3 and its Quote Verification Library
// does: the platform's TCB level (the PCK certificate's SGX components and
// PCE SVN, and the TD report's TEE_TCB_SVN), the TDX module's level (its
// module identity), and the quoting enclave's level (QE identity), each
// with its status and advisories, converged to one status.
//
// It is written here rather than taken from go-tdx-guest, whose
// collateral path accepts only UpToDate, without saying which status it
// found or naming an advisory (see docs/decisions.md); a test checks that
// both match the same levels on Intel's real collateral.

// tdxTCBComponents is the number of SGX and TDX TCB components a TCB level
// lists, as the PCK certificate and TEE_TCB_SVN hold them.
const tdxTCBComponents = 16

// tdxEvaluation is the converged result of evaluateTDXTCB.
type tdxEvaluation struct {
	status     string
	advisories []string
	date       time.Time
}

// evaluateTDXTCB evaluates the TCB of a quote's platform (pck: its PCK
// certificate's extensions; body: its TD report) and quoting enclave (qe)
// against checked collateral. A TCB lower than every level Intel lists
// wraps ErrTCBBelowMinimum; a status of Revoked is returned as a status,
// for the caller to refuse.
func evaluateTDXTCB(col *tdxCollateral, pck *pcs.PckExtensions, body tdxBody, qe *tdxpb.EnclaveReport) (tdxEvaluation, error) {
	info := &col.tcbInfo
	teeTCBSVN := body.GetTeeTcbSvn()
	if len(teeTCBSVN) != tdxTCBComponents {
		return tdxEvaluation{}, fmt.Errorf("%w: tdx TEE_TCB_SVN of %d bytes", ErrInvalidEvidence, len(teeTCBSVN))
	}

	// The TDX module. With a module of major version > 0 (TEE_TCB_SVN[1])
	// its identity "TDX_<version>" gives its signer, attributes and TCB
	// levels, by ISV SVN (TEE_TCB_SVN[0]); the TCB levels then compare the
	// TDX components from the third on.
	module := info.TdxModule
	var moduleLevel *pcs.TcbLevel
	if teeTCBSVN[1] > 0 {
		id := fmt.Sprintf("TDX_%02X", teeTCBSVN[1])
		i := slices.IndexFunc(info.TdxModuleIdentities, func(m pcs.TdxModuleIdentity) bool { return strings.EqualFold(m.ID, id) })
		if i < 0 {
			return tdxEvaluation{}, fmt.Errorf("%w: tdx TCB info has no identity of TDX module %s", ErrTCBBelowMinimum, id)
		}
		mi := info.TdxModuleIdentities[i]
		module = pcs.TdxModule{Mrsigner: mi.Mrsigner, Attributes: mi.Attributes, AttributesMask: mi.AttributesMask}
		for j := range mi.TcbLevels {
			if uint32(teeTCBSVN[0]) >= mi.TcbLevels[j].Tcb.Isvsvn {
				moduleLevel = &mi.TcbLevels[j]
				break
			}
		}
		if moduleLevel == nil {
			return tdxEvaluation{}, fmt.Errorf("%w: tdx module %s SVN %d is below every level Intel lists", ErrTCBBelowMinimum, id, teeTCBSVN[0])
		}
	}
	if !bytes.Equal(module.Mrsigner.Bytes, body.GetMrSignerSeam()) {
		return tdxEvaluation{}, fmt.Errorf("%w: tdx module signer %x is not Intel's (%x)", ErrSignature, body.GetMrSignerSeam(), module.Mrsigner.Bytes)
	}
	if !maskedEqual(body.GetSeamAttributes(), module.AttributesMask.Bytes, module.Attributes.Bytes) {
		return tdxEvaluation{}, fmt.Errorf("%w: tdx module attributes %x do not match Intel's %x under mask %x", ErrSignature, body.GetSeamAttributes(), module.Attributes.Bytes, module.AttributesMask.Bytes)
	}

	// The platform.
	tdxFrom := 0
	if teeTCBSVN[1] > 0 {
		tdxFrom = 2
	}
	var platform *pcs.TcbLevel
	for i := range info.TcbLevels {
		l := &info.TcbLevels[i]
		if componentsAtLeast(pck.TCB.CPUSvnComponents, l.Tcb.SgxTcbcomponents, 0) &&
			pck.TCB.PCESvn >= l.Tcb.Pcesvn &&
			componentsAtLeast(teeTCBSVN, l.Tcb.TdxTcbcomponents, tdxFrom) {
			platform = l
			break
		}
	}
	if platform == nil {
		return tdxEvaluation{}, fmt.Errorf("%w: tdx platform TCB (CPU SVN %x, PCE SVN %d, TEE TCB SVN %x) is below every level Intel lists for FMSPC %s",
			ErrTCBBelowMinimum, pck.TCB.CPUSvnComponents, pck.TCB.PCESvn, teeTCBSVN, info.Fmspc)
	}

	// The quoting enclave, by ISV SVN. Intel's verifier takes a QE below
	// every listed level as Revoked.
	qeStatus, qeAdvisories := TCBRevoked, []string(nil)
	for _, l := range col.qeIdentity.TcbLevels {
		if qe.GetIsvSvn() >= l.Tcb.Isvsvn {
			qeStatus, qeAdvisories = string(l.TcbStatus), l.AdvisoryIDs
			break
		}
	}

	status := string(platform.TcbStatus)
	advisories := slices.Clone(platform.AdvisoryIDs)
	if moduleLevel != nil {
		status = convergeTDXStatus(status, string(moduleLevel.TcbStatus))
		advisories = append(advisories, moduleLevel.AdvisoryIDs...)
	}
	status = convergeTDXStatus(status, qeStatus)
	advisories = append(advisories, qeAdvisories...)
	slices.Sort(advisories)
	advisories = slices.Compact(advisories)

	date, err := time.Parse(time.RFC3339, platform.TcbDate)
	if err != nil {
		return tdxEvaluation{}, fmt.Errorf("%w: tdx TCB level date %q: %w", ErrInvalidCollateral, platform.TcbDate, err)
	}
	return tdxEvaluation{status: status, advisories: advisories, date: date}, nil
}

// convergeTDXStatus folds a component's status (the TDX module's, or the
// quoting enclave's) into the platform's, as Intel's verifier does: a
// component out of date makes the whole out of date (keeping "configuration
// needed"), a revoked one revokes it, and any other leaves it.
func convergeTDXStatus(platform, component string) string {
	switch component {
	case TCBRevoked:
		return TCBRevoked
	case TCBOutOfDate:
		switch platform {
		case TCBUpToDate, TCBSWHardeningNeeded:
			return TCBOutOfDate
		case TCBConfigurationNeeded, TCBConfigurationAndSWHardeningNeeded:
			return TCBOutOfDateConfigurationNeeded
		}
	}
	return platform
}

// componentsAtLeast reports whether every SVN of have from index from on
// is at least the level's. A level that does not list every component
// matches nothing.
func componentsAtLeast(have []byte, level []pcs.TcbComponent, from int) bool {
	if len(have) != tdxTCBComponents || len(level) != tdxTCBComponents {
		return false
	}
	for i := from; i < tdxTCBComponents; i++ {
		if have[i] < level[i].Svn {
			return false
		}
	}
	return true
}

// maskedEqual reports whether v under mask is want; all three the same
// length.
func maskedEqual(v, mask, want []byte) bool {
	if len(v) != len(mask) || len(v) != len(want) {
		return false
	}
	for i := range v {
		if v[i]&mask[i] != want[i] {
			return false
		}
	}
	return true
}

// checkQEIdentity checks that a quoting enclave's report is that of the
// enclave Intel's signed QE identity describes: its signer, product id,
// and MISCSELECT and attributes under their masks. It takes the place of
// the identity compiled into checkTDQEIdentity once collateral is given.
func checkQEIdentity(qe *tdxpb.EnclaveReport, id *pcs.EnclaveIdentity) error {
	var misc [4]byte
	binary.LittleEndian.PutUint32(misc[:], qe.GetMiscSelect())
	switch {
	case !bytes.Equal(qe.GetMrSigner(), id.Mrsigner.Bytes):
		return fmt.Errorf("%w: tdx quoting enclave signer %x is not Intel's TD QE (%x)", ErrSignature, qe.GetMrSigner(), id.Mrsigner.Bytes)
	case qe.GetIsvProdId() != uint32(id.IsvProdID):
		return fmt.Errorf("%w: tdx quoting enclave product %d is not Intel's TD QE (%d)", ErrSignature, qe.GetIsvProdId(), id.IsvProdID)
	case !maskedEqual(misc[:], id.MiscselectMask.Bytes, id.Miscselect.Bytes):
		return fmt.Errorf("%w: tdx quoting enclave MISCSELECT %x is not Intel's TD QE's", ErrSignature, misc)
	case !maskedEqual(qe.GetAttributes(), id.AttributesMask.Bytes, id.Attributes.Bytes):
		return fmt.Errorf("%w: tdx quoting enclave attributes %x are not Intel's TD QE's (a debug QE?)", ErrSignature, qe.GetAttributes())
	}
	return nil
}

// verifyTDXCollateral does what collateral adds to a TDX quote's
// verification: the collateral itself, that it is for the quote's
// platform, revocation of the PCK chain, the quoting enclave's identity,
// and the TCB status.
func verifyTDXCollateral(c *TDXCollateral, quote *tdxQuote, pck, intermediate *x509.Certificate, now time.Time) (*TCB, error) {
	col, err := c.check(now)
	if err != nil {
		return nil, err
	}
	ext, err := pcs.PckCertificateExtensions(pck)
	if err != nil {
		return nil, fmt.Errorf("%w: tdx PCK certificate extensions: %w", ErrInvalidEvidence, err)
	}
	// PCS writes hex in upper case, go-tdx-guest in lower case.
	if !strings.EqualFold(ext.FMSPC, col.tcbInfo.Fmspc) || !strings.EqualFold(ext.PCEID, col.tcbInfo.PceID) {
		return nil, fmt.Errorf("%w: tdx collateral is for FMSPC %s PCE %s, the quote's platform is FMSPC %s PCE %s",
			ErrCollateralMismatch, col.tcbInfo.Fmspc, col.tcbInfo.PceID, strings.ToUpper(ext.FMSPC), ext.PCEID)
	}
	// The PCK CRL must be that of the quote's PCK CA (the platform and
	// processor CAs each have one).
	if col.pckCRL.Issuer.String() != intermediate.Subject.String() || col.pckCRL.CheckSignatureFrom(intermediate) != nil {
		return nil, fmt.Errorf("%w: tdx collateral's PCK CRL is %q's, the quote's PCK is issued by %q",
			ErrCollateralMismatch, col.pckCRL.Issuer.CommonName, intermediate.Subject.CommonName)
	}
	if err := checkNotRevoked("tdx PCK certificate", col.pckCRL, pck); err != nil {
		return nil, err
	}
	if err := checkNotRevoked("tdx PCK CA", col.rootCRL, intermediate); err != nil {
		return nil, err
	}
	qe := quote.signed.GetCertificationData().GetQeReportCertificationData().GetQeReport()
	if err := checkQEIdentity(qe, &col.qeIdentity); err != nil {
		return nil, err
	}
	ev, err := evaluateTDXTCB(col, ext, quote.body, qe)
	if err != nil {
		return nil, err
	}
	tcb := &TCB{Status: ev.status, AdvisoryIDs: ev.advisories, Date: ev.date, FMSPC: strings.ToUpper(ext.FMSPC)}
	if ev.status == TCBRevoked {
		return tcb, fmt.Errorf("%w: tdx platform of FMSPC %s (advisories %s)", ErrTCBRevoked, tcb.FMSPC, strings.Join(ev.advisories, ", "))
	}
	return tcb, nil
}
