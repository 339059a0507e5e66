// Package module is the contract between the application and its modules:
// the context a message handler runs in (state, block, sender, gas,
// events), the Msg interface, the router that maps message types to
// handlers, and coded errors that travel to clients in ABCI results.
//
// Every module under chain/modules has the same shape (types.go, keeper.go,
// msgs.go, block.go, genesis.go) and plugs in here; a module never reaches
// into another's state, it calls the other's keeper.
package module
