package computing

import (
	"encoding/binary"
	"fmt"
	"strconv"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/fixed"
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/crypto"
)

// ModuleName is the module's name: its codespace, state prefix and the
// module account that holds computing stakes.
const ModuleName = "computing"

// Module accounts the rewards flow through.
const (
	// Gatekeepers accumulates the gatekeepers' share of rewards and fees
	// during a block; the block's end pays it out by voting power.
	Gatekeepers = "gatekeeper-rewards"
	// Treasury receives the treasury's share.
	Treasury = "treasury"
)

// Errors.
var (
	ErrBadMsg      = module.DefineError(ModuleName, 1, "invalid computing message")
	ErrNoWorker    = module.DefineError(ModuleName, 2, "no such worker")
	ErrNotOperator = module.DefineError(ModuleName, 3, "sender is not the worker's operator")
	ErrState       = module.DefineError(ModuleName, 4, "worker is not in a state that allows this")
	ErrScoreTooLow = module.DefineError(ModuleName, 5, "benchmark score below the minimum")
	ErrStakeTooLow = module.DefineError(ModuleName, 6, "stake below k·√P")
	ErrCoolingDown = module.DefineError(ModuleName, 7, "cooldown not over")
	ErrNoChallenge = module.DefineError(ModuleName, 8, "heartbeat without an open challenge")
	ErrBadGenesis  = module.DefineError(ModuleName, 9, "invalid computing genesis")
	// Code 10 is not used again: the council check is the registry's.

	ErrAlreadyScored = module.DefineError(ModuleName, 11, "worker already has a benchmark score")
)

// Params are the economics' parameters, set in genesis; durations are in
// seconds of block time.
type Params struct {
	MaxP       uint64    `cbor:"1,keyasint" json:"max_p"`     // P is capped at this
	MinP       uint64    `cbor:"2,keyasint" json:"min_p"`     // P needed to start computing
	InstantP   fixed.Num `cbor:"3,keyasint" json:"instant_p"` // cap of the instant P, relative to P
	StakeK     fixed.Num `cbor:"4,keyasint" json:"stake_k"`   // PHA; stake ≥ k·√P
	Cooldown   int64     `cbor:"5,keyasint" json:"cooldown"`  // after stopping, before the stake comes back
	Challenge  fixed.Num `cbor:"6,keyasint" json:"challenges_per_hour"`
	MaxChall   uint32    `cbor:"7,keyasint" json:"max_challenges_per_block"`
	Window     int64     `cbor:"8,keyasint" json:"heartbeat_window"` // to answer a challenge
	Re         fixed.Num `cbor:"9,keyasint" json:"re"`
	CostK      fixed.Num `cbor:"10,keyasint" json:"cost_k"` // PHA per P per year
	CostB      fixed.Num `cbor:"11,keyasint" json:"cost_b"` // PHA per year
	Rho        fixed.Num `cbor:"12,keyasint" json:"rho"`    // V's growth factor per hour while idle
	VMax       fixed.Num `cbor:"13,keyasint" json:"v_max"`
	Slash      fixed.Num `cbor:"14,keyasint" json:"slash_per_hour"` // V's loss per hour while unresponsive
	Budget     fixed.Num `cbor:"15,keyasint" json:"budget_per_day"` // PHA per day of block time
	Decay      fixed.Num `cbor:"16,keyasint" json:"budget_decay"`   // the budget's factor every DecayPeriod
	DecayEvery int64     `cbor:"17,keyasint" json:"budget_decay_period"`
	PoolShare  fixed.Num `cbor:"18,keyasint" json:"pool_share"`
	GKShare    fixed.Num `cbor:"19,keyasint" json:"gatekeeper_share"`
	// The treasury gets the rest: 1 − pool − gatekeepers.
	Hour int64 `cbor:"20,keyasint" json:"hour"` // the length of "an hour" in the rates above (3600; a devnet shortens it)
	// SlashWrongResult is the fraction of a worker's stake taken, to the
	// treasury, each time its contract result differs from the one its
	// cluster's majority settled on.
	SlashWrongResult fixed.Num `cbor:"21,keyasint" json:"slash_wrong_result"`
}

// DefaultParams are Phala's numbers (docs/economics.md).
func DefaultParams() Params {
	return Params{
		MaxP: 6000, MinP: 50, InstantP: fixed.MustParse("1.2"), StakeK: fixed.Int(50),
		Cooldown: 7 * 24 * 3600, Challenge: fixed.Int(2), MaxChall: 20, Window: 120,
		Re: fixed.MustParse("1.5"), CostK: fixed.MustParse("0.0415625"), CostB: fixed.MustParse("88.59375"),
		Rho: fixed.MustParse("1.0002"), VMax: fixed.Int(30_000), Slash: fixed.MustParse("0.001"),
		Budget: fixed.Int(720_000), Decay: fixed.MustParse("0.75"), DecayEvery: 180 * 24 * 3600,
		PoolShare: fixed.MustParse("0.7"), GKShare: fixed.MustParse("0.1"), Hour: 3600,
		SlashWrongResult: fixed.MustParse("0.05"),
	}
}

// Validate checks the parameters.
func (p Params) Validate() error {
	shares, err := p.PoolShare.Add(p.GKShare)
	switch {
	case err != nil || shares.Cmp(fixed.One()) > 0:
		return fmt.Errorf("pool and gatekeeper shares exceed 1")
	case p.MaxP == 0 || p.MinP > p.MaxP:
		return fmt.Errorf("min_p %d must be at most max_p %d, which must be positive", p.MinP, p.MaxP)
	case p.Hour <= 0 || p.Window <= 0 || p.Cooldown < 0 || p.DecayEvery <= 0:
		return fmt.Errorf("hour, heartbeat_window and budget_decay_period must be positive")
	case p.Rho.Cmp(fixed.One()) < 0 || p.Slash.Cmp(fixed.One()) > 0 || p.Decay.Cmp(fixed.One()) > 0:
		return fmt.Errorf("rho must be at least 1, slash_per_hour and budget_decay at most 1")
	case p.SlashWrongResult.Cmp(fixed.One()) >= 0:
		// All of it would leave a pool with shares and no stake behind them.
		return fmt.Errorf("slash_wrong_result must be below 1")
	case p.MaxChall == 0:
		return fmt.Errorf("max_challenges_per_block must be positive")
	}
	return nil
}

// State is a worker's computing state.
type State uint8

// States: Ready → Idle ⇄ Unresponsive → CoolingDown → Ready.
const (
	Unscored     State = 0 // registered, no benchmark score yet
	Ready        State = 1
	Idle         State = 2 // computing, and answering its challenges
	Unresponsive State = 3
	CoolingDown  State = 4
)

func (s State) String() string {
	switch s {
	case Unscored:
		return "unscored"
	case Ready:
		return "ready"
	case Idle:
		return "idle"
	case Unresponsive:
		return "unresponsive"
	case CoolingDown:
		return "cooling down"
	}
	return "state " + strconv.Itoa(int(s))
}

// Worker is a worker's computing record.
type Worker struct {
	ID       crypto.PublicKey `cbor:"1,keyasint" json:"id"`
	Operator crypto.Address   `cbor:"2,keyasint" json:"operator"`
	State    State            `cbor:"3,keyasint" json:"state"`
	P        uint64           `cbor:"4,keyasint" json:"p"`         // initial benchmark score
	InstantP uint64           `cbor:"5,keyasint" json:"instant_p"` // last reported, capped
	Conf     fixed.Num        `cbor:"6,keyasint" json:"conf"`
	Stake    pha.Amount       `cbor:"7,keyasint" json:"stake"`
	Ve       fixed.Num        `cbor:"8,keyasint" json:"ve"`
	V        fixed.Num        `cbor:"9,keyasint" json:"v"`
	Share    fixed.Num        `cbor:"10,keyasint" json:"share"`   // as of Updated
	Updated  int64            `cbor:"11,keyasint" json:"updated"` // block time (unix ns) V was last brought up to date
	Paid     int64            `cbor:"12,keyasint" json:"paid"`    // block time of the last payment
	// Challenged is the block time of the open challenge, 0 if none.
	Challenged    int64      `cbor:"13,keyasint" json:"challenged"`
	CoolingSince  int64      `cbor:"14,keyasint" json:"cooling_since"`
	Earned        pha.Amount `cbor:"15,keyasint" json:"earned"`
	Heartbeats    uint64     `cbor:"16,keyasint" json:"heartbeats"`
	Missed        uint64     `cbor:"17,keyasint" json:"missed"`
	LastHeartbeat int64      `cbor:"18,keyasint" json:"last_heartbeat"`
	// ChallengeHeight is the height of the open challenge.
	ChallengeHeight int64 `cbor:"19,keyasint" json:"challenge_height"`
	// LastHeartbeatHeight is the block of the last heartbeat: the last
	// time the chain saw the worker online.
	LastHeartbeatHeight int64 `cbor:"20,keyasint,omitempty" json:"last_heartbeat_height,omitempty"`
	// WrongResults counts the contract results of the worker that
	// differed from its cluster's settled one; Slashed is the stake they
	// cost it, in all.
	WrongResults uint64     `cbor:"21,keyasint,omitempty" json:"wrong_results,omitempty"`
	Slashed      pha.Amount `cbor:"22,keyasint,omitzero" json:"slashed,omitzero"`
}

// Totals are the network-wide sums.
type Totals struct {
	// Share is Σ share of the computing workers, as of their last update.
	Share fixed.Num `cbor:"1,keyasint" json:"share"`
	// Paid is everything paid from the reward pool so far.
	Paid pha.Amount `cbor:"2,keyasint" json:"paid"`
	// Start is the block time the budget schedule counts from (unix ns).
	Start int64 `cbor:"3,keyasint" json:"start"`
	// LastBlock is the previous block's time, for the challenge odds.
	LastBlock int64 `cbor:"4,keyasint" json:"last_block"`
}

// Topics. A challenge is no message: the worker reads its open challenge
// (Challenged, ChallengeHeight) from its record.
const (
	TopicBenchmark = "computing/benchmark" // enclave → chain: Benchmark
	TopicHeartbeat = "computing/heartbeat" // enclave → chain: Heartbeat
)

// Benchmark reports a worker's CPU benchmark: iterations over a span.
type Benchmark struct {
	Iterations uint64 `cbor:"1,keyasint" json:"iterations"`
	SpanMillis uint64 `cbor:"2,keyasint" json:"span_ms"`
}

// Heartbeat answers a challenge with the worker's instant score.
type Heartbeat struct {
	Height     int64  `cbor:"1,keyasint" json:"height"` // the challenge's
	Iterations uint64 `cbor:"2,keyasint" json:"iterations"`
	SpanMillis uint64 `cbor:"3,keyasint" json:"span_ms"`
}

// Messages.

// MsgStart starts a worker computing with a stake from its operator.
type MsgStart struct {
	Worker crypto.PublicKey `cbor:"1,keyasint" json:"worker"`
	Stake  pha.Amount       `cbor:"2,keyasint" json:"stake"`
}

// MsgStop starts a worker's cooldown.
type MsgStop struct {
	Worker crypto.PublicKey `cbor:"1,keyasint" json:"worker"`
}

// MsgReclaim returns a cooled-down worker's stake to its operator.
type MsgReclaim struct {
	Worker crypto.PublicKey `cbor:"1,keyasint" json:"worker"`
}

func (*MsgStart) Type() string   { return "computing/start" }
func (*MsgStop) Type() string    { return "computing/stop" }
func (*MsgReclaim) Type() string { return "computing/reclaim" }

// ValidateBasic implements module.Msg.
func (m *MsgStart) ValidateBasic() error {
	if m.Stake.IsZero() {
		return ErrBadMsg.Wrap("no stake")
	}
	return nil
}

// ValidateBasic implements module.Msg.
func (*MsgStop) ValidateBasic() error { return nil }

// ValidateBasic implements module.Msg.
func (*MsgReclaim) ValidateBasic() error { return nil }

// State keys.
var (
	paramsKey    = []byte("computing/params")
	totalsKey    = []byte("computing/totals")
	workerPrefix = []byte("computing/worker/")
)

// ParamsKey is the state key of the parameters.
func ParamsKey() []byte { return paramsKey }

// TotalsKey is the state key of the totals.
func TotalsKey() []byte { return totalsKey }

// WorkerKey is the state key of a worker's computing record.
func WorkerKey(id crypto.PublicKey) []byte {
	return append(append(make([]byte, 0, len(workerPrefix)+32), workerPrefix...), id[:]...)
}

// WorkerPrefix is the state prefix of all computing records.
func WorkerPrefix() []byte { return workerPrefix }

// Events.
const (
	EventScored    = "computing_scored"
	EventState     = "computing_state"
	EventChallenge = "computing_challenge"
	EventReward    = "computing_reward"
	EventSlashed   = "computing_slashed"
	AttrWorker     = "worker"
	AttrState      = "state"
	AttrAmount     = "amount"
	AttrP          = "p"
	AttrPool       = "pool"
)

// Decode decodes a stored record of this module (for clients).
func Decode[T Worker | Totals | Params](v []byte) (T, error) {
	var out T
	err := codec.Unmarshal(v, &out)
	return out, err
}

func be64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

// Account is the module account that holds computing stakes.
func Account() crypto.Address { return crypto.ModuleAddress(ModuleName) }
