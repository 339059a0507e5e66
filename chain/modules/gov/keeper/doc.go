// Package keeper is the governance module's state machine: it takes
// proposals, deposits and votes, and at the end of each block closes the
// deposit and voting periods that ended, tallies, and carries out what
// passed.
package keeper
