package module

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/phalanx-net/phalanx/chain/store"
	"github.com/phalanx-net/phalanx/crypto"
)

// Module is one chain module as the application sees it. Name is the
// module's name, which is also its codespace, its part of app_state and
// the first element of its query paths. A module implements, beside it,
// the Has… interfaces for what it has: most have messages and a genesis,
// few have end-of-block work, one has invariants.
type Module interface {
	Name() string
}

// HasMsgs is a module with messages.
type HasMsgs interface {
	Module
	RegisterMsgs(r *Router)
}

// ChainGenesis is what the genesis file says outside app_state that a
// module may need.
type ChainGenesis struct {
	// Validators are the genesis validators' consensus keys, in the
	// genesis file's order, and Powers their voting powers.
	Validators []crypto.PublicKey
	Powers     []int64
}

// HasGenesis is a module with a part of app_state. raw is the module's
// section, nil when the genesis file has none: a module then starts from
// its zero Genesis (DecodeGenesis), which must mean its defaults.
type HasGenesis interface {
	Module
	ValidateGenesis(raw json.RawMessage) error
	InitGenesis(ctx *Context, raw json.RawMessage, chain ChainGenesis) error
}

// Genesis is a module's section of app_state, as a program that writes a
// genesis file builds it.
type Genesis interface {
	// ModuleName is the module whose section this is.
	ModuleName() string
	Validate() error
}

// DecodeGenesis decodes a module's section of app_state into G: nil is the
// zero G, and unknown fields or trailing data are refused, so that a typo
// in a genesis file is an error rather than a silent default.
func DecodeGenesis[G any](raw json.RawMessage) (G, error) {
	var g G
	if raw == nil {
		return g, nil
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.DisallowUnknownFields()
	if err := d.Decode(&g); err != nil {
		return g, err
	}
	if d.More() {
		return g, fmt.Errorf("trailing data")
	}
	return g, nil
}

// Vote is a validator's vote on the last block, as CometBFT reports it.
type Vote struct {
	// Account is where the validator's share of rewards goes: its
	// staking candidate's operator, or its consensus key's account.
	Account crypto.Address
	// Validator is the validator's consensus address (its key's).
	Validator crypto.Address
	Power     int64
}

// EndBlockInfo is what the end of a block tells the modules beside the
// context: the block's hash (the chain's randomness) and who signed the
// previous block.
type EndBlockInfo struct {
	Hash []byte
	// Votes are the validators that signed the previous block; Signed
	// says whether the block had a last commit at all (the first does
	// not), so that an empty Votes means every validator was absent.
	Votes  []Vote
	Signed bool
	// DoubleSigners are the consensus addresses of validators CometBFT
	// has evidence of signing two blocks at one height.
	DoubleSigners []crypto.Address
}

// HasEndBlock is a module with work at the end of every block. The
// manager runs them in the order of its module list.
type HasEndBlock interface {
	Module
	EndBlock(ctx *Context, info EndBlockInfo) error
}

// HasInvariants is a module that can check that the state is sound: the
// whole state when a node starts or restores a snapshot, and each block's
// changes before they commit (a broken invariant halts the chain rather
// than commit).
type HasInvariants interface {
	Module
	CheckState(r store.Reader) error
	CheckBlock(changes *store.Cache, before store.Reader) error
}

// Gauge is a metric a module reads from the committed state after each
// commit. Value is for display: the only floats in the chain's code.
type Gauge struct {
	Name, Help string // the metric is phalanx_<Name>
	Value      func(r store.Reader) float64
}

// CountedEvent is an event type the application counts in the metric
// phalanx_events_total under the label Name. With Attr set, only events
// whose attribute Attr has the value Value are counted.
type CountedEvent struct {
	Type        string
	Attr, Value string
	Name        string
}

// HasMetrics is a module with metrics of its own.
type HasMetrics interface {
	Module
	Gauges() []Gauge
	CountedEvents() []CountedEvent
}

// ReadGenesis decodes a module's section of app_state (DecodeGenesis) and
// validates it.
func ReadGenesis[G interface{ Validate() error }](raw json.RawMessage) (G, error) {
	g, err := DecodeGenesis[G](raw)
	if err != nil {
		return g, err
	}
	return g, g.Validate()
}

// InitGenesisWith reads a module's section (ReadGenesis) and writes it
// with init, its keeper's InitGenesis: the body of most modules'
// HasGenesis.InitGenesis.
func InitGenesisWith[G interface{ Validate() error }](ctx *Context, raw json.RawMessage, init func(*Context, G) error) error {
	g, err := ReadGenesis[G](raw)
	if err != nil {
		return err
	}
	return init(ctx, g)
}

// Section, embedded in a module's Module, gives it HasGenesis's
// ValidateGenesis for a section that decodes strictly into G and
// validates (ReadGenesis). The module writes InitGenesis itself, with
// its keeper (InitGenesisWith).
type Section[G interface{ Validate() error }] struct{}

// ValidateGenesis reads the section and validates it.
func (Section[G]) ValidateGenesis(raw json.RawMessage) error {
	_, err := ReadGenesis[G](raw)
	return err
}

// HasParams is a module whose parameters governance can change.
type HasParams interface {
	Module
	// ChangeParams applies changes, a JSON object of some of the
	// parameters' fields named as in the module's params query, to the
	// parameters in kv: it validates the result and stores it, or
	// changes nothing and says why.
	ChangeParams(kv store.KV, changes json.RawMessage) error
}

// ApplyChanges decodes changes, a JSON object of some of P's fields, onto
// a copy of cur, strictly (an unknown field or trailing data is an error,
// so that a misspelt name is not a silent no-op), and validates the
// result. Decoding the same bytes onto the same parameters gives the
// same result on every node: the fields are integers, strings and
// amounts, never floats.
func ApplyChanges[P interface{ Validate() error }](cur P, changes json.RawMessage) (P, error) {
	// A copy that shares no slice with cur: decoding into a slice reuses
	// its array, and cur must stay as it was if the changes are refused.
	var next P
	b, err := json.Marshal(cur)
	if err != nil {
		return cur, err
	}
	if err := json.Unmarshal(b, &next); err != nil {
		return cur, err
	}
	d := json.NewDecoder(bytes.NewReader(changes))
	d.DisallowUnknownFields()
	if err := d.Decode(&next); err != nil {
		return cur, fmt.Errorf("parameter changes: %w", err)
	}
	if d.More() {
		return cur, fmt.Errorf("parameter changes: trailing data")
	}
	if err := next.Validate(); err != nil {
		return cur, err
	}
	return next, nil
}
