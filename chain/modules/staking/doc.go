// Package staking is the ledger of the gatekeepers' stake: a candidate
// bonds PHA under a consensus key of its own (not its account's key),
// holders nominate candidates with theirs, and stake leaves through an
// unbonding period, during which it is still the network's to slash.
// Elect ranks the candidates for the active set: the top MaxValidators by
// total stake among those with at least MinSelfBond of their own, with
// voting power from stake.
//
// What this package does not do yet: hand the elected set to CometBFT
// (the validator set is the genesis one), require a candidate's enclave
// to hold the master key, slash, jail, or bond locked (vesting) tokens.
//
// This package is the module's wire side: messages, records, parameters,
// state keys, events, errors and the election. The keeper is package
// chain/modules/staking/keeper.
package staking
