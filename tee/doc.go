// Package tee is Phalanx's view of trusted execution environments: it
// produces attestation evidence and seals data on the platform an enclave
// runs on, and verifies evidence from any platform, deterministically, for
// the chain.
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
// Verify is a pure function of the evidence and the options: the time is
// the block time, the trust anchors are compiled in, and the collateral
// travels in the evidence, so every gatekeeper reaches the same verdict
// and nothing is fetched. Attesting is where the network may be used: the
// SEV-SNP platform fetches its VCEK from AMD when the host does not
// supply it.
package tee
