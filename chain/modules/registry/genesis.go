package registry

import (
	"github.com/phalanx-net/phalanx/crypto"
)

// Genesis is the registry's part of the genesis file.
type Genesis struct {
	Params Params `json:"params"`
	// Validators are the genesis validators' keys, whose accounts are
	// recorded as validator accounts. They are not in the file: CometBFT
	// passes them to InitChain, and the application sets them here.
	Validators []crypto.PublicKey `json:"-"`
}

// Validate checks the genesis.
func (g Genesis) Validate() error {
	if err := g.Params.Validate(); err != nil {
		return ErrBadGenesis.Wrap("%v", err)
	}
	return nil
}

// DefaultGenesis returns the parameters of a public network: no sim, and
// an empty allowlist that the genesis author fills with the measurements
// of the releases the network accepts.
func DefaultGenesis(council crypto.Address) Genesis {
	p := DefaultParams()
	p.Council = council
	return Genesis{Params: p}
}

// ModuleName names the module whose section of app_state this is.
func (Genesis) ModuleName() string { return ModuleName }
