// Package contracts keeps confidential contracts on the chain: clusters
// of workers, uploaded code, contract instances, and the ordered log of
// commands each cluster executes, with the results its workers agree on.
//
// The chain never sees a contract's input, state or output in the clear.
// A command's input is sealed with HPKE to the contract's public key; the
// cluster's workers, which derive the contract's private key from the
// cluster key (chain/modules/keys), execute the commands of their
// cluster's log in order, keep the state sealed, and each post a result
// through the message queue: the output sealed for the caller
// (deterministically, under a key exported from the input's HPKE
// context, so every honest worker posts the same bytes) and a commitment
// to the contract's new state. The chain records a result once more than
// half of the cluster's workers posted the same one, pays the gas used to
// the agreeing workers' operators, refunds the rest of the caller's
// escrow, and names any worker that posted something else: it is removed
// from the cluster and penalized (the computing module slashes it). A
// command no majority agreed on by its deadline (result_timeout of block
// time) is closed at the end of a block (EndBlock) as StatusNoMajority and
// its escrow refunded. A cluster below its minimum size takes no new
// commands.
//
// This package is the module's wire side: messages, state keys, records,
// events, errors, genesis and the helpers clients need. It links no state
// code; the keeper is package chain/modules/contracts/keeper.
package contracts
