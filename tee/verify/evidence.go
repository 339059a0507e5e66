package verify

import "time"

// Platform names, as they appear in evidence, genesis files and flags.
const (
	Sim    = "sim"    // software only: protects nothing, for development
	TDX    = "tdx"    // Intel TDX confidential VM
	SEVSNP = "sevsnp" // AMD SEV-SNP confidential VM
)

// ReportDataSize is the size of the caller's data a quote binds.
const ReportDataSize = 64

// ReportData is what a quote binds besides the measurement: Phalanx puts a
// hash of the enclave's public keys, its operator and the chain id there.
type ReportData [ReportDataSize]byte

// Evidence is a platform's attestation with everything needed to verify
// it offline: the registering party fetches the collateral (certificate
// chains) when it attests, so verification never touches the network.
type Evidence struct {
	Platform string `cbor:"1,keyasint" json:"platform"`
	// Quote is the platform's signed statement: a raw TDX DCAP quote, a
	// raw SEV-SNP attestation report, or a sim quote.
	Quote []byte `cbor:"2,keyasint" json:"quote"`
	// Collateral is platform-specific: for SEV-SNP the VCEK certificate
	// and the AMD ASK/ARK chain; for TDX nothing (the PCK chain is inside
	// the quote); for sim nothing.
	Collateral []byte `cbor:"3,keyasint,omitempty" json:"collateral,omitempty"`
}

// Verified is what verification establishes about evidence.
type Verified struct {
	Platform string
	// Measurement identifies the code: MRTD||RTMR0..3 on TDX, the launch
	// measurement on SEV-SNP, the simulated measurement on sim.
	Measurement []byte
	ReportData  ReportData
	// Debug is set for an enclave whose memory its host can read (a debug
	// TD, an SNP guest whose policy allows debugging). Such evidence is
	// genuine but proves no confidentiality; the registry refuses it.
	Debug bool
	// NotAfter is when the evidence's certificates stop being valid.
	NotAfter time.Time
	// Machine identifies the physical platform the evidence comes from,
	// as its vendor's certificate names it: on TDX the PPID (platform
	// provisioning id) in the PCK certificate, on SEV-SNP the chip id the
	// VCEK is issued for. Two enclaves with one Machine run on one
	// machine. It is nil on sim, which has no machine to name.
	Machine []byte
	// TCB is the machine's patch level and configuration: for TDX only
	// when verified against collateral (Options.Collateral), whose TCB
	// info gives the status; for SEV-SNP always, read from the verified
	// report.
	TCB *TCB
}

// Options say how to verify evidence. Verification is a pure function of
// the evidence and these options: Now is the block time, never the wall
// clock, so every gatekeeper reaches the same answer.
type Options struct {
	Now time.Time
	// AllowSim accepts evidence of an insecure platform (sim); only a
	// development chain sets it.
	AllowSim bool
	// Collateral is the vendor's collateral for the evidence's scope
	// (TDXCollateral for TDX, SNPCRL for SEV-SNP), as the chain stores
	// it. With it, verification also checks revocation and the TCB
	// status, and (TDX) takes the quoting enclave's identity from it.
	// Nil verifies as before collateral existed.
	Collateral Collateral
	// SNP is the SEV-SNP guest policy to enforce; nil enforces none (the
	// caller judges Verified.Debug, as before).
	SNP *SNPPolicy
}
