// Package module is the contract between the application and its modules.
//
// A module implements Module (its name, which is also its codespace, its
// section of app_state and the first element of its query paths) and,
// beside it, the Has… interfaces for what it has: HasMsgs (messages and
// their handlers on the Router), HasGenesis (its section of app_state,
// decoded strictly by ReadGenesis), HasQueries (its ABCI query paths, each
// naming one state key or listing a prefix), HasEndBlock (work at the end
// of every block), HasInvariants (checks of the whole state and of each
// block's changes) and HasMetrics (gauges read from the state, events to
// count). The Manager holds the modules in one list and answers for all of
// them; chain/app builds that list once (app.NewModules), and the
// application, the economics simulation and the documentation generator
// use it.
//
// The package also holds what every handler runs in: the Context (state
// charged to a gas meter, the block, the sender, events), the Msg
// interface, and coded errors that travel to clients in ABCI results
// (DefineError; Errors lists them).
//
// The modules are the folders under chain/modules, each in two packages
// of the same files for the same things. The wire package (chain/modules/
// bank) holds what clients and enclaves need: doc.go, types.go (messages,
// state keys, events), errors, genesis.go (its Genesis and its checks).
// Its keeper package (chain/modules/bank/keeper) holds the state code:
// keeper.go, msgs.go (handlers), genesis.go (InitGenesis), block.go
// where it has end-of-block work, and module.go, its Module. A module
// never reaches into another's state: it calls the other's keeper.
package module
