package node

import (
	"encoding/json"
	"fmt"
	"time"

	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/phalanx-net/phalanx/chain/app"
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/bank"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/crypto"
)

// Validator is a genesis gatekeeper.
type Validator struct {
	Identity
	Power int64
}

// DefaultValidatorGrant is what a genesis grants each validator account
// unless told otherwise: enough for thousands of its gatekeeper enclave's
// registrations and messages (a registration costs about 0.3 PHA at the
// default gas price).
var DefaultValidatorGrant = pha.Tokens(1_000)

// ValidatorAccount returns the address of the gatekeeper's validator
// account: the account of its consensus key. It pays for the gatekeeper
// enclave's registration and messages, and receives the gatekeeper's
// rewards.
func (id Identity) ValidatorAccount() (crypto.Address, error) {
	pk, err := crypto.PublicKeyFromBytes(id.ValidatorPubKey.Bytes())
	if err != nil {
		return crypto.Address{}, fmt.Errorf("validator key of %s: %w", id.Moniker, err)
	}
	return pk.Address(), nil
}

// ValidatorGrants returns a genesis account for each validator's account,
// named "<moniker>-validator", holding amount (none if amount is zero).
func ValidatorGrants(vals []Validator, amount pha.Amount) ([]bank.GenesisAccount, error) {
	if amount.IsZero() {
		return nil, nil
	}
	out := make([]bank.GenesisAccount, 0, len(vals))
	for _, v := range vals {
		addr, err := v.ValidatorAccount()
		if err != nil {
			return nil, err
		}
		out = append(out, bank.GenesisAccount{Name: v.Moniker + "-validator", Address: addr, Amount: amount})
	}
	return out, nil
}

// NewGenesis builds a genesis document: CometBFT's consensus part (chain
// id, time, validators, consensus parameters) with the application's state
// as app_state.
//
// Block gas is unlimited (max_gas = -1): each transaction's gas is bounded
// by the chain's max_tx_gas and paid for, and a block by its 4 MB size; a
// block gas limit would make CometBFT reap by the senders' gas limits,
// which are generous estimates, and cut blocks short.
func NewGenesis(chainID string, genesisTime time.Time, validators []Validator, sections ...module.Genesis) (*cmttypes.GenesisDoc, error) {
	st, err := app.NewAppState(sections...)
	if err != nil {
		return nil, err
	}
	raw, err := app.MarshalAppState(st)
	if err != nil {
		return nil, err
	}
	params := cmttypes.DefaultConsensusParams()
	params.Block.MaxGas = -1
	doc := &cmttypes.GenesisDoc{
		ChainID:         chainID,
		GenesisTime:     genesisTime.UTC(),
		InitialHeight:   1,
		ConsensusParams: params,
		AppState:        json.RawMessage(raw),
	}
	for _, v := range validators {
		doc.Validators = append(doc.Validators, cmttypes.GenesisValidator{
			Address: v.ValidatorPubKey.Address(), PubKey: v.ValidatorPubKey, Power: v.Power, Name: v.Moniker,
		})
	}
	if err := doc.ValidateAndComplete(); err != nil {
		return nil, fmt.Errorf("genesis: %w", err)
	}
	return doc, nil
}

// LoadGenesis reads a genesis file and validates both its CometBFT part and
// the application state, so a bad file is refused before a node starts.
func LoadGenesis(path string) (*cmttypes.GenesisDoc, error) {
	doc, err := cmttypes.GenesisDocFromFile(path)
	if err != nil {
		return nil, fmt.Errorf("genesis %s: %w", path, err)
	}
	if _, err := app.ParseAppState(doc.AppState); err != nil {
		return nil, fmt.Errorf("genesis %s: %w", path, err)
	}
	return doc, nil
}
