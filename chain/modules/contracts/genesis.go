package contracts

// Genesis is the module's part of the genesis file. A genesis without it
// gets DefaultParams.
type Genesis struct {
	Params Params `json:"params"`
}

// ParamsOrDefault returns the genesis parameters, DefaultParams if it has none.
func (g Genesis) ParamsOrDefault() Params {
	if g.Params == (Params{}) {
		return DefaultParams()
	}
	return g.Params
}

// Validate checks the genesis.
func (g Genesis) Validate() error {
	if err := g.ParamsOrDefault().Validate(); err != nil {
		return ErrBadGenesis.Wrap("%v", err)
	}
	return nil
}

// DefaultGenesis returns the default parameters.
func DefaultGenesis() Genesis { return Genesis{Params: DefaultParams()} }

// ModuleName names the module whose section of app_state this is.
func (Genesis) ModuleName() string { return ModuleName }
