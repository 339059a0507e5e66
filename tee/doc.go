// Package tee is Phalanx's view of trusted execution environments: it
// produces attestation evidence and seals data on the platform an enclave
// runs on. Verifying evidence, deterministically, for the chain, is
// package tee/verify's work, which a verifier imports alone; tee repeats
// its types and Verify so that an attesting program needs one import.
//
// Each platform has an attester (Platform: Attest, Measurement, Seal) and
// a verifier (verify.Verifier), paired in one table of platforms
// (platforms.go); Open, Known and Insecure look a name up there, so code
// that differs by platform does not switch on its name.
//
// Three platforms exist. On Intel TDX and AMD SEV-SNP the whole worker
// runs in a confidential VM; quotes come from the Linux configfs-tsm
// interface and are verified with Google's go-tdx-guest and go-sev-guest
// against Intel's and AMD's roots. The sim platform is software only and
// protects nothing: the machine's owner reads its memory, its sealing key
// is a plain file, and its quotes are signed with a simulated vendor key
// whose seed is public, so anyone can forge them. It exists so that the
// whole attestation path runs on a laptop; a chain accepts sim evidence
// only when told to (VerifyOptions.AllowSim), and programs on sim print
// SimWarning.
//
// Verification is a pure function of the evidence and the options: the time is
// the block time, the trust anchors are compiled in, and the collateral
// travels in the evidence, so every gatekeeper reaches the same verdict
// and nothing is fetched. Attesting is where the network may be used: the
// SEV-SNP platform fetches its VCEK from AMD when the host does not
// supply it.
package tee
