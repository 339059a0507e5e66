// Package keeper is the bank's state code: balances and the supply, the
// transfers module code and the bank/send message make, and the supply
// invariant checked at the end of every block. The messages, keys and
// genesis are in package bank.
package keeper
