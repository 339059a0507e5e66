package app

import (
	"bytes"
	"encoding/binary"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"encoding/json"
	"fmt"
	"github.com/phalanx-net/phalanx/crypto"

	"github.com/phalanx-net/phalanx/chain/modules/auth"
	"github.com/phalanx-net/phalanx/chain/modules/bank"
	"github.com/phalanx-net/phalanx/chain/modules/computing"
	"github.com/phalanx-net/phalanx/chain/modules/contracts"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
)

// AppState is the application's part of the genesis file (CometBFT's
// "app_state"): one field per module.
type AppState struct {
	Auth auth.Genesis `json:"auth"`
	Bank bank.Genesis `json:"bank"`
	// Registry lists the accepted TEE platforms and measurements.
	Registry registry.Genesis `json:"registry"`
	// Contracts sets the contract limits; absent means the defaults.
	Contracts contracts.Genesis `json:"contracts"`
	// Computing sets the economics; absent means Phala's defaults.
	Computing computing.Genesis `json:"computing"`
}

// Validate checks every module's genesis.
func (s AppState) Validate() error {
	if err := s.Auth.Validate(); err != nil {
		return ErrBadGenesis.Wrap("auth: %v", err)
	}
	if err := s.Bank.Validate(); err != nil {
		return ErrBadGenesis.Wrap("bank: %v", err)
	}
	if err := s.Registry.Validate(); err != nil {
		return ErrBadGenesis.Wrap("registry: %v", err)
	}
	if err := s.Contracts.Validate(); err != nil {
		return ErrBadGenesis.Wrap("contracts: %v", err)
	}
	if err := s.Computing.Validate(); err != nil {
		return ErrBadGenesis.Wrap("computing: %v", err)
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

// blockTimeKey holds the last block's time (unix nanoseconds, 8 bytes
// big-endian), so that mempool checks after a restart run at the same time
// as before it, and enclaves can prove the chain's time.
var blockTimeKey = []byte("app/block_time")

// BlockTimeKey is the state key of the last block's time.
func BlockTimeKey() []byte { return blockTimeKey }

func encodeBlockTime(t time.Time) []byte {
	return binary.BigEndian.AppendUint64(nil, uint64(t.UnixNano()))
}

func decodeBlockTime(b []byte) time.Time {
	if len(b) != 8 {
		return time.Time{}
	}
	return time.Unix(0, int64(binary.BigEndian.Uint64(b))).UTC()
}

// DecodeBlockTime decodes the value of BlockTimeKey.
func DecodeBlockTime(b []byte) (time.Time, error) {
	if len(b) != 8 {
		return time.Time{}, fmt.Errorf("block time is %d bytes, want 8", len(b))
	}
	return decodeBlockTime(b), nil
}

// validatorKeys returns the ed25519 keys of the genesis validators.
func validatorKeys(vs []abci.ValidatorUpdate) ([]crypto.PublicKey, error) {
	out := make([]crypto.PublicKey, 0, len(vs))
	for _, v := range vs {
		if v.PubKeyType != "ed25519" {
			return nil, ErrBadGenesis.Wrap("validator key type %q: only ed25519 validators are supported", v.PubKeyType)
		}
		pk, err := crypto.PublicKeyFromBytes(v.PubKeyBytes)
		if err != nil {
			return nil, ErrBadGenesis.Wrap("validator key: %v", err)
		}
		out = append(out, pk)
	}
	return out, nil
}
