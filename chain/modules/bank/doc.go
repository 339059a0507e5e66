// Package bank keeps PHA balances and the total supply, moves PHA between
// accounts (the bank/send message) and holds the module accounts, such as
// the fee collector and the computing-reward pool, whose funds only module
// code moves.
//
// Its invariant, checked at the end of every block, is that the balances
// add up to the total supply; a violation halts the node instead of
// committing the block.
//
// This package is the module's wire side: messages, state keys, events,
// errors, genesis and the helpers clients need. It links no state code;
// the keeper is package chain/modules/bank/keeper.
package bank
