// Package registry keeps the enclaves the chain trusts: which TEE
// platforms and code measurements are accepted, and a record for each
// worker and gatekeeper enclave that proved, by remote attestation, that it
// runs accepted code on a genuine TEE.
//
// RegisterWorker and RegisterGatekeeper verify the attestation evidence
// deterministically at block time (verify.Verify, of tee/verify, with the block time as
// "now"; the collateral travels in the transaction), check that the quote's
// report data binds the enclave's keys, its operator, the chain id, the
// worker version and the claimed attestation time, and check the
// measurement against the allowlist. The vendors' collateral (Intel's TCB
// info, QE identity and CRLs per FMSPC, AMD's VCEK CRL per product line)
// reaches the chain in MsgSubmitCollateral, from anyone; registrations
// are verified against the stored set of their scope, and the TCB status
// it gives decides them and sets the worker's confidence level. Until a
// governance module exists the
// allowlist and parameters are changed by a council account named in the
// genesis file (MsgUpdateParams).
//
// This package is the module's wire side: messages, records, state keys,
// the report data an enclave's quote must bind, events, errors and
// genesis. It links no state code; the keeper is package
// chain/modules/registry/keeper.
package registry
