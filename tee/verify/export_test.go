package verify

import (
	"crypto/x509"
	"time"

	"github.com/google/go-tdx-guest/pcs"
	tdxpb "github.com/google/go-tdx-guest/proto/tdx"
)

// Internals the external tests (package verify_test, which shares the
// conformance suite with package tee's tests) look at.
var (
	ParseTDXQuote     = parseTDXQuote
	CheckTDAttributes = checkTDAttributes
	CheckTDQEIdentity = checkTDQEIdentity
	IntelRoot         = intelRoot
	SNPChainOf        = snpCertChain
	ErrVerifierPanic  = errVerifierPanic
)

const (
	TDQEISVProdID      = tdQEISVProdID
	TDXMeasurementSize = tdxMeasurementSize
)

var (
	CheckNotRevoked   = checkNotRevoked
	CheckSNPPolicy    = checkSNPPolicy
	ConvergeTDXStatus = convergeTDXStatus
)

// EvaluateTDXTCB evaluates a TDX machine's TCB against collateral checked
// at now, from the quote's parts the evaluation reads: the PCK
// certificate, TEE_TCB_SVN, MRSIGNERSEAM, SEAMATTRIBUTES and the quoting
// enclave's ISV SVN. It lets a test evaluate a quote that go-tdx-guest
// cannot parse (version 5).
func EvaluateTDXTCB(c *TDXCollateral, now time.Time, pckDER, teeTCBSVN, mrSignerSeam, seamAttributes []byte, qeSVN uint32) (status string, advisories []string, err error) {
	col, err := c.check(now)
	if err != nil {
		return "", nil, err
	}
	pck, err := x509.ParseCertificate(pckDER)
	if err != nil {
		return "", nil, err
	}
	ext, err := pcs.PckCertificateExtensions(pck)
	if err != nil {
		return "", nil, err
	}
	body := &tdxpb.TDQuoteBody{TeeTcbSvn: teeTCBSVN, MrSignerSeam: mrSignerSeam, SeamAttributes: seamAttributes}
	ev, err := evaluateTDXTCB(col, ext, body, &tdxpb.EnclaveReport{IsvSvn: qeSVN})
	return ev.status, ev.advisories, err
}

// TDXQEReport is the quoting enclave's report in a parsed quote.
func TDXQEReport(q *tdxQuote) *tdxpb.EnclaveReport {
	return q.signed.GetCertificationData().GetQeReportCertificationData().GetQeReport()
}

// TDXBody is the TD report of a parsed quote.
func TDXBody(q *tdxQuote) tdxBody { return q.body }
