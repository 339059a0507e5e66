// Package keeper is the staking module's state side: it keeps the
// candidates, nominations and the unbonding queue, moves bonded PHA into
// the module account and back through the bank, and pays unbondings at
// the end of the block they complete in.
package keeper
