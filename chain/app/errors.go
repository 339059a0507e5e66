package app

import "github.com/phalanx-net/phalanx/chain/module"

// Codespace of the application's own errors.
const Codespace = "app"

var (
	ErrUnknownQuery = module.DefineError(Codespace, 1, "unknown query path")
	ErrBadQuery     = module.DefineError(Codespace, 2, "bad query")
	ErrNotReady     = module.DefineError(Codespace, 3, "chain has not committed its first block yet")
	ErrHalted       = module.DefineError(Codespace, 4, "node halted: a broken invariant, or an upgrade this binary does not know")
	ErrBadGenesis   = module.DefineError(Codespace, 5, "invalid genesis")
	ErrClosed       = module.DefineError(Codespace, 6, "application closed")
	// ErrUpgradeNeeded halts a node at the height of an upgrade
	// governance planned that its binary does not implement.
	ErrUpgradeNeeded = module.DefineError(Codespace, 7, "upgrade needed")
)
