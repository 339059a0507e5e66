// Package pcs fetches the vendors' collateral over HTTPS: Intel's TCB
// info, QE identity and CRLs for a TDX FMSPC from Intel's Provisioning
// Certification Service (PCS), and AMD's VCEK CRL for an SEV-SNP product
// line from its Key Distribution Service (KDS), and builds the
// tee/verify collateral that registry/submit-collateral carries to the
// chain. It is operator tooling: the state machine never links it, and
// verifies what it fetched against the pinned roots at block time.
package pcs
