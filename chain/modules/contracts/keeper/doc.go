// Package keeper is the contracts module's state code: its Keeper handles
// the module's messages and results, settles and refunds commands, and
// closes the ones past their deadline at the end of a block. It validates
// and instruments uploaded code with the wasm engine, which is why it is
// apart from package contracts: clients link the messages, keys and
// records without the engine.
package keeper
