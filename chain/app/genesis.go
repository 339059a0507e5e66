package app

import (
	"bytes"
	"encoding/binary"
	"time"

	"encoding/json"
	"fmt"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/crypto"
)

// AppState is the application's part of the genesis file (CometBFT's
// "app_state"): one section per module that has a genesis, keyed by the
// module's name. A module without a section starts from its zero
// Genesis, its defaults.
type AppState map[string]json.RawMessage

// NewAppState returns an app_state of the given modules' sections.
func NewAppState(gs ...module.Genesis) (AppState, error) {
	s := AppState{}
	for _, g := range gs {
		if err := s.Set(g); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Set sets a module's section.
func (s AppState) Set(g module.Genesis) error {
	b, err := json.Marshal(g)
	if err != nil {
		return fmt.Errorf("encode %s genesis: %w", g.ModuleName(), err)
	}
	s[g.ModuleName()] = b
	return nil
}

// Section decodes a module's section into g (its zero value when the
// section is absent).
func (s AppState) Section(g module.Genesis) error {
	raw, ok := s[g.ModuleName()]
	if !ok {
		return nil
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.DisallowUnknownFields()
	if err := d.Decode(g); err != nil {
		return ErrBadGenesis.Wrap("%s: %v", g.ModuleName(), err)
	}
	return nil
}

// Validate checks every module's section, and that every section is a
// module's.
func (s AppState) Validate() error {
	if err := genesisModules.ValidateGenesis(s); err != nil {
		return ErrBadGenesis.Wrap("%v", err)
	}
	return nil
}

// genesisModules validates app_state without building an application.
var genesisModules = NewModules()

// ParseAppState decodes and validates app_state. Unknown sections and
// unknown fields are refused, so a typo in a genesis file is an error,
// not a silent default.
func ParseAppState(raw []byte) (AppState, error) {
	var s AppState
	d := json.NewDecoder(bytes.NewReader(raw))
	if err := d.Decode(&s); err != nil {
		return nil, ErrBadGenesis.Wrap("app_state: %v", err)
	}
	if d.More() {
		return nil, ErrBadGenesis.Wrap("app_state: trailing data")
	}
	if s == nil {
		s = AppState{}
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
func validatorKeys(vs []abci.ValidatorUpdate) ([]crypto.PublicKey, []int64, error) {
	out := make([]crypto.PublicKey, 0, len(vs))
	powers := make([]int64, 0, len(vs))
	for _, v := range vs {
		if v.PubKeyType != "ed25519" {
			return nil, nil, ErrBadGenesis.Wrap("validator key type %q: only ed25519 validators are supported", v.PubKeyType)
		}
		pk, err := crypto.PublicKeyFromBytes(v.PubKeyBytes)
		if err != nil {
			return nil, nil, ErrBadGenesis.Wrap("validator key: %v", err)
		}
		out = append(out, pk)
		powers = append(powers, v.Power)
	}
	return out, powers, nil
}

// abciValidatorUpdates is the block's validator updates as CometBFT takes
// them.
func abciValidatorUpdates(us []module.ValidatorUpdate) []abci.ValidatorUpdate {
	if len(us) == 0 {
		return nil
	}
	out := make([]abci.ValidatorUpdate, len(us))
	for i, u := range us {
		out[i] = abci.ValidatorUpdate{Power: u.Power, PubKeyType: "ed25519", PubKeyBytes: append([]byte(nil), u.Key[:]...)}
	}
	return out
}
