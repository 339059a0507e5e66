package auth

// Genesis is auth's part of the genesis file.
type Genesis struct {
	Params Params `json:"params"`
}

// DefaultGenesis returns the default parameters.
func DefaultGenesis() Genesis { return Genesis{Params: DefaultParams()} }

// Validate checks the genesis.
func (g Genesis) Validate() error { return g.Params.Validate() }

// ModuleName names the module whose section of app_state this is.
func (Genesis) ModuleName() string { return ModuleName }
