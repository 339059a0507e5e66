package mq

// Genesis is the module's part of the genesis file. It has no fields: the
// module's state starts empty, since queues come into being with the first
// message to or from an enclave. The type exists so that every module
// initializes the same way; the application's genesis file has no section
// for it yet.
type Genesis struct{}

// DefaultGenesis returns the (empty) genesis.
func DefaultGenesis() Genesis { return Genesis{} }

// Validate checks the genesis; an empty one is always valid.
func (Genesis) Validate() error { return nil }
