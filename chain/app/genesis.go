package app

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/phalanx-net/phalanx/chain/modules/auth"
	"github.com/phalanx-net/phalanx/chain/modules/bank"
)

// AppState is the application's part of the genesis file (CometBFT's
// "app_state"): one field per module.
type AppState struct {
	Auth auth.Genesis `json:"auth"`
	Bank bank.Genesis `json:"bank"`
}

// Validate checks every module's genesis.
func (s AppState) Validate() error {
	if err := s.Auth.Validate(); err != nil {
		return ErrBadGenesis.Wrap("auth: %v", err)
	}
	if err := s.Bank.Validate(); err != nil {
		return ErrBadGenesis.Wrap("bank: %v", err)
	}
	return nil
}

// ParseAppState decodes and validates app_state. Unknown fields are
// refused, so a typo in a genesis file is an error, not a silent default.
func ParseAppState(raw []byte) (AppState, error) {
	var s AppState
	d := json.NewDecoder(bytes.NewReader(raw))
	d.DisallowUnknownFields()
	if err := d.Decode(&s); err != nil {
		return s, ErrBadGenesis.Wrap("app_state: %v", err)
	}
	if d.More() {
		return s, ErrBadGenesis.Wrap("app_state: trailing data")
	}
	return s, s.Validate()
}

// MarshalAppState encodes app_state for a genesis file.
func MarshalAppState(s AppState) (json.RawMessage, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode app_state: %w", err)
	}
	return b, nil
}
