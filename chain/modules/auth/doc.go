// Package auth keeps accounts' nonces and the parameters every transaction
// is held to (size, gas, minimum gas price), and checks a transaction's
// nonce and fee before its messages run.
//
// auth has no messages of its own: accounts come into being when they first
// receive PHA and their nonce starts at 0.
//
// This package is the module's wire side: messages, state keys, records,
// events, errors, genesis and the helpers clients need. It links no state
// code; the keeper is package chain/modules/auth/keeper.
package auth
