// Package staking is the ledger of the gatekeepers' stake: a candidate
// bonds PHA under a consensus key of its own (not its account's key),
// holders nominate candidates with theirs, and stake leaves through an
// unbonding period, during which it is still the network's to slash.
// At the end of each epoch the candidates with at least MinSelfBond of
// their own whose gatekeeper enclave holds the current master key are
// ranked by stake (Elect); the top MaxValidators become CometBFT's
// validators, at a voting power of their stake in whole PHA, if they are
// at least MinValidators. The genesis validators are the active set
// until then.
//
// A validator that misses too many blocks, or signs two blocks at a
// height, is jailed and slashed: its stake, its nominators' and the
// unbondings from it lose a fraction, which goes to the treasury.
//
// A validator's share of the gatekeepers' rewards is shared by stake:
// the operator's part is paid at once, the nominators' part raises the
// candidate's reward index and is paid to each nomination when it
// changes or its nominator claims (staking/claim). Locked (vesting)
// tokens can be bonded, and so vote in governance, but not spent. A
// candidate that leaves for good retires its gatekeeper enclave, and the
// master key rotates without it.
//
// This package is the module's wire side: messages, records, parameters,
// state keys, events, errors and the election. The keeper is package
// chain/modules/staking/keeper.
package staking
