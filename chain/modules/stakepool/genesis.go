package stakepool

// Genesis is the module's part of the genesis file. It has no fields: the
// module's state starts empty, since pools are created by their owners'
// messages. A genesis file may have an empty "stakepool" section, or none.
type Genesis struct{}

// DefaultGenesis returns the (empty) genesis.
func DefaultGenesis() Genesis { return Genesis{} }

// Validate checks the genesis; an empty one is always valid.
func (Genesis) Validate() error { return nil }

// ModuleName names the module whose section of app_state this is.
func (Genesis) ModuleName() string { return ModuleName }
