// Package verify is the verification side of Phalanx's TEE support: what
// attestation evidence is, and how a verifier checks it offline,
// deterministically, for the chain. It holds one Verifier per platform
// (sim, tdx, sevsnp) in one table and no attestation code: nothing here
// talks to configfs-tsm, the SEV guest device or AMD's KDS, so the chain's
// registry links only what verifying needs.
//
// Verify is a pure function of the evidence and the options: the time is
// the block time, the trust anchors are compiled in, and the collateral
// travels in the evidence or the options, so every gatekeeper reaches the
// same verdict and nothing is fetched. The vendors' shared collateral
// (Collateral: Intel's TCB info, QE identity and CRLs per FMSPC, AMD's
// VCEK CRL per product line) is decoded and checked here too, so that a
// chain can store it and judge evidence against it: the TCB status, the
// revocations and the coded errors (Codespace "tee") come from it. Producing evidence is package tee's work
// (tee.Open, Platform.Attest).
package verify
