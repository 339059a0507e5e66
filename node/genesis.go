package node

import (
	"encoding/json"
	"fmt"
	"time"

	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/phalanx-net/phalanx/chain/app"
)

// Validator is a genesis gatekeeper.
type Validator struct {
	Identity
	Power int64
}

// NewGenesis builds a genesis document: CometBFT's consensus part (chain
// id, time, validators, consensus parameters) with the application's state
// as app_state.
//
// Block gas is unlimited (max_gas = -1): each transaction's gas is bounded
// by the chain's max_tx_gas and paid for, and a block by its 4 MB size; a
// block gas limit would make CometBFT reap by the senders' gas limits,
// which are generous estimates, and cut blocks short.
func NewGenesis(chainID string, genesisTime time.Time, validators []Validator, st app.AppState) (*cmttypes.GenesisDoc, error) {
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
