// Package gov is the network's governance: holders of bonded stake
// decide proposals that change the chain's rules.
//
// A proposal is submitted with a deposit. Once its deposits reach
// MinDeposit within MaxDepositPeriod it is open to votes for
// VotingPeriod; otherwise it expires and its deposits are paid back.
// Votes (yes, abstain, no, veto) are weighted by bonded stake, counted
// when the voting period ends: a candidate's vote carries its self-bond
// and the nominations behind it, except those whose nominator voted
// itself, whose own vote counts for its stake instead.
//
// The tally passes a proposal when the stake that voted is at least
// Quorum of all bonded stake, veto is at most Veto of the votes cast,
// and yes is more than Threshold of the votes other than abstain. A
// vetoed proposal's deposits go to the treasury (the supply is fixed,
// so nothing is burned); every other proposal's are paid back.
//
// A proposal that passes is carried out at the end of its voting
// period's block: a change to a module's parameters (validated by the
// module against its parameters then), a change to the TEE allowlist, a
// spend from the treasury, or a software upgrade at a height, at which
// every node stops until its operator runs a binary that knows the
// upgrade. A text proposal carries nothing out.
//
// This package is the module's wire side: messages, records, parameters,
// the tally, state keys, events and errors. The keeper is package
// chain/modules/gov/keeper.
package gov
