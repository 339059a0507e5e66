package verify

// Internals the external tests (package verify_test, which shares the
// conformance suite with package tee's tests) look at.
var (
	ParseTDXQuote     = parseTDXQuote
	CheckTDQEIdentity = checkTDQEIdentity
	IntelRoot         = intelRoot
	SNPChainOf        = snpCertChain
	ErrVerifierPanic  = errVerifierPanic
)

const (
	TDQEISVProdID      = tdQEISVProdID
	TDXMeasurementSize = tdxMeasurementSize
)
