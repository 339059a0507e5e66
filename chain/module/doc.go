// Package module is the contract between the application and its modules:
// the context a message handler or block hook runs in (state charged to a
// gas meter, the block, the sender, events), the Msg interface, the router
// that maps message type names to handlers, and coded errors that travel
// to clients in ABCI results (DefineError; Errors lists them).
//
// The modules are the folders under chain/modules (auth, bank, computing,
// contracts, keys, mq, registry, stakepool). Each has doc.go, types.go,
// keeper.go and msgs.go, and block.go or genesis.go where it has per-block
// work or a part of the genesis; chain/app registers their messages on one
// router and calls their block hooks. A module never reaches into another's
// state, it calls the other's keeper.
package module
