package gov

// Genesis is the module's part of the genesis file: its parameters; a
// genesis file without a "gov" section gets DefaultParams.
type Genesis struct {
	Params *Params `json:"params,omitempty"`
}

// DefaultGenesis returns the genesis with DefaultParams.
func DefaultGenesis() Genesis {
	p := DefaultParams()
	return Genesis{Params: &p}
}

// ParamsOrDefault returns the genesis's parameters, or DefaultParams.
func (g Genesis) ParamsOrDefault() Params {
	if g.Params == nil {
		return DefaultParams()
	}
	return *g.Params
}

// Validate checks the parameters, if given.
func (g Genesis) Validate() error {
	if g.Params == nil {
		return nil
	}
	return g.Params.Validate()
}

// ModuleName names the module whose section of app_state this is.
func (Genesis) ModuleName() string { return ModuleName }
