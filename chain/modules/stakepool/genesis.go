package stakepool

// Genesis is the module's part of the genesis file. It has no fields: the
// module's state starts empty, since pools are created by their owners'
// messages. The type exists so that every module initializes the same way;
// the application's genesis file has no section for it yet.
type Genesis struct{}

// DefaultGenesis returns the (empty) genesis.
func DefaultGenesis() Genesis { return Genesis{} }

// Validate checks the genesis; an empty one is always valid.
func (Genesis) Validate() error { return nil }
