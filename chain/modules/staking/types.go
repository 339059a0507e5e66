package staking

import (
	"crypto/ed25519"
	"encoding/binary"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/crypto"
)

// ModuleName is the module's name: its codespace, state prefix and module
// account, which holds every bonded and unbonding PHA.
const ModuleName = "staking"

// Account is the module account.
func Account() crypto.Address { return crypto.ModuleAddress(ModuleName) }

// Errors.
var (
	ErrBadMsg       = module.DefineError(ModuleName, 1, "invalid staking message")
	ErrNoCandidate  = module.DefineError(ModuleName, 2, "no such candidate")
	ErrSelfBond     = module.DefineError(ModuleName, 3, "self-bond below the minimum")
	ErrKeyTaken     = module.DefineError(ModuleName, 4, "consensus key already used")
	ErrKeyChange    = module.DefineError(ModuleName, 5, "a candidate's consensus key does not change")
	ErrNotBonded    = module.DefineError(ModuleName, 6, "unbonding more than is bonded")
	ErrBadParams    = module.DefineError(ModuleName, 7, "invalid staking parameters")
	ErrTooManyQueue = module.DefineError(ModuleName, 8, "too many unbondings waiting")
	ErrNotJailed    = module.DefineError(ModuleName, 9, "candidate is not jailed")
	ErrStillJailed  = module.DefineError(ModuleName, 10, "candidate's jail time has not passed")
)

// ConsensusKeySize is the size of a CometBFT ed25519 consensus key.
const ConsensusKeySize = ed25519.PublicKeySize

// MaxUnbondings bounds the unbondings one account may have waiting, so
// that an account cannot fill the queue with dust.
const MaxUnbondings = 7

// Params are the module's parameters.
type Params struct {
	// EpochBlocks is the length of an epoch in blocks: the active set is
	// elected at the end of each.
	EpochBlocks uint64 `cbor:"1,keyasint" json:"epoch_blocks"`
	// MaxValidators is the size of the active set.
	MaxValidators uint32 `cbor:"2,keyasint" json:"max_validators"`
	// MinSelfBond is what a candidate must bond of its own to stand.
	MinSelfBond pha.Amount `cbor:"3,keyasint" json:"min_self_bond"`
	// UnbondingTime is how long unbonded stake waits, in seconds of
	// block time, before it is paid back.
	UnbondingTime int64 `cbor:"4,keyasint" json:"unbonding_time"`
	// MinValidators is the fewest eligible candidates an election needs
	// to take effect; with fewer, the active set stays as it is, so that
	// the chain never passes to a handful of early bonders.
	MinValidators uint32 `cbor:"5,keyasint" json:"min_validators"`
	// A validator that misses more than MaxMissed of a window of
	// SignedWindow blocks is jailed for downtime and loses
	// DowntimeSlashBP of its stake (basis points); one that signs two
	// blocks at a height loses DoubleSignSlashBP and is jailed for good.
	// A jailed candidate is no validator and cannot be elected; after
	// JailTime seconds its operator may unjail it (staking/unjail).
	SignedWindow      uint32 `cbor:"6,keyasint" json:"signed_window"`
	MaxMissed         uint32 `cbor:"7,keyasint" json:"max_missed"`
	DowntimeSlashBP   uint32 `cbor:"8,keyasint" json:"downtime_slash_bp"`
	DoubleSignSlashBP uint32 `cbor:"9,keyasint" json:"double_sign_slash_bp"`
	JailTime          int64  `cbor:"10,keyasint" json:"jail_time"`
}

// DefaultParams: an epoch of 14,400 blocks (a day at 6 s), 4 to 100
// validators, 10,000 PHA of self-bond, 7 days of unbonding; jailed for
// missing more than 500 of 1,000 blocks (0.1 % slashed) or for signing
// twice (5 %, for good), for 10 minutes at least.
func DefaultParams() Params {
	return Params{EpochBlocks: 14_400, MaxValidators: 100, MinSelfBond: pha.Tokens(10_000), UnbondingTime: 7 * 24 * 3600, MinValidators: 4,
		SignedWindow: 1_000, MaxMissed: 500, DowntimeSlashBP: 10, DoubleSignSlashBP: 500, JailTime: 600}
}

// Validate checks the parameters.
func (p Params) Validate() error {
	switch {
	case p.EpochBlocks == 0:
		return ErrBadParams.Wrap("epoch_blocks must be positive")
	case p.MaxValidators == 0 || p.MaxValidators > 10_000:
		return ErrBadParams.Wrap("max_validators must be 1 to 10,000")
	case p.MinSelfBond.IsZero():
		return ErrBadParams.Wrap("min_self_bond must be positive")
	case p.UnbondingTime <= 0:
		return ErrBadParams.Wrap("unbonding_time must be positive")
	case p.MinValidators == 0 || p.MinValidators > p.MaxValidators:
		return ErrBadParams.Wrap("min_validators must be 1 to max_validators")
	case p.SignedWindow == 0 || p.MaxMissed >= p.SignedWindow:
		return ErrBadParams.Wrap("signed_window must be positive and above max_missed")
	case p.DowntimeSlashBP > 10_000 || p.DoubleSignSlashBP > 10_000:
		return ErrBadParams.Wrap("a slash is at most 10,000 basis points")
	case p.JailTime < 0:
		return ErrBadParams.Wrap("jail_time must not be negative")
	}
	return nil
}

// Candidate is an account that stands for the gatekeeper set.
type Candidate struct {
	Operator     crypto.Address    `cbor:"1,keyasint" json:"operator"`
	ConsensusKey registry.HexBytes `cbor:"2,keyasint" json:"consensus_key"`
	// SelfBond is the operator's own stake; Nominated the nominators'.
	SelfBond  pha.Amount `cbor:"3,keyasint" json:"self_bond"`
	Nominated pha.Amount `cbor:"4,keyasint" json:"nominated"`
	// Appointed marks a genesis validator, which holds its seat by the
	// genesis until elections take effect.
	Appointed bool  `cbor:"5,keyasint,omitempty" json:"appointed,omitempty"`
	Since     int64 `cbor:"6,keyasint" json:"since"` // the height it became a candidate
	// Jailed candidates are no validators and cannot be elected until
	// unjailed, after JailedUntil (unix seconds); a Tombstoned one (it
	// signed twice) never.
	Jailed      bool  `cbor:"7,keyasint,omitempty" json:"jailed,omitempty"`
	JailedUntil int64 `cbor:"8,keyasint,omitempty" json:"jailed_until,omitempty"`
	Tombstoned  bool  `cbor:"9,keyasint,omitempty" json:"tombstoned,omitempty"`
	// Missed counts the blocks it did not sign in the window that began
	// at WindowStart, while a validator.
	Missed      uint32 `cbor:"10,keyasint,omitempty" json:"missed,omitempty"`
	WindowStart int64  `cbor:"11,keyasint,omitempty" json:"window_start,omitempty"`
	// Slashed is all the stake it and its nominators lost.
	Slashed pha.Amount `cbor:"12,keyasint,omitzero" json:"slashed,omitzero"`
	// RewardIndex is the rewards its nominators earned per RewardScale
	// units of nominated stake, summed since it stood: a nomination is
	// owed its amount × (RewardIndex − its own index) / RewardScale.
	RewardIndex pha.Amount `cbor:"13,keyasint,omitzero" json:"reward_index,omitzero"`
}

// RewardScale is the fixed point of reward indexes: 10^18, so that a
// block's reward of one unit over a billion PHA of nominations (10^21
// units) still moves the index by a thousand.
var RewardScale = pha.Units(1_000_000_000_000_000_000)

// RewardsPool is the module account that holds nominators' rewards until
// they are paid.
const RewardsPool = "staking-rewards"

// Stake is the candidate's total stake.
func (c Candidate) Stake() pha.Amount {
	s, err := c.SelfBond.Add(c.Nominated)
	if err != nil { // both are parts of the supply
		panic(err)
	}
	return s
}

// Nomination is a holder's stake behind a candidate.
type Nomination struct {
	Nominator crypto.Address `cbor:"1,keyasint" json:"nominator"`
	Candidate crypto.Address `cbor:"2,keyasint" json:"candidate"`
	Amount    pha.Amount     `cbor:"3,keyasint" json:"amount"`
	// RewardIndex is its candidate's RewardIndex when its rewards were
	// last paid.
	RewardIndex pha.Amount `cbor:"4,keyasint,omitzero" json:"reward_index,omitzero"`
}

// Owed returns the rewards a nomination of c is owed.
func (n Nomination) Owed(c Candidate) pha.Amount {
	d, err := c.RewardIndex.Sub(n.RewardIndex)
	if err != nil { // an index only grows
		return pha.Zero
	}
	o, err := n.Amount.MulDiv(d, RewardScale)
	if err != nil {
		return pha.Zero
	}
	return o
}

// Unbonding is stake on its way back to its account.
type Unbonding struct {
	Account   crypto.Address `cbor:"1,keyasint" json:"account"`
	Candidate crypto.Address `cbor:"2,keyasint" json:"candidate"`
	Amount    pha.Amount     `cbor:"3,keyasint" json:"amount"`
	// Completes is when it is paid back (unix seconds of block time).
	Completes int64 `cbor:"4,keyasint" json:"completes"`
}

// Messages.

// MsgBond makes the sender a candidate with Amount of its own stake, or
// adds Amount to its self-bond. The first bond names the consensus key
// the candidate's node signs blocks with; later ones may leave it out.
type MsgBond struct {
	ConsensusKey registry.HexBytes `cbor:"1,keyasint,omitempty" json:"consensus_key,omitempty"`
	Amount       pha.Amount        `cbor:"2,keyasint" json:"amount"`
}

// MsgNominate puts Amount of the sender's behind a candidate.
type MsgNominate struct {
	Candidate crypto.Address `cbor:"1,keyasint" json:"candidate"`
	Amount    pha.Amount     `cbor:"2,keyasint" json:"amount"`
}

// MsgUnbond starts paying back Amount of the sender's stake behind
// Candidate: its self-bond when Candidate is the sender, else its
// nomination. A self-bond either stays at MinSelfBond or above, or goes
// whole.
type MsgUnbond struct {
	Candidate crypto.Address `cbor:"1,keyasint" json:"candidate"`
	Amount    pha.Amount     `cbor:"2,keyasint" json:"amount"`
}

// MsgClaim pays the sender the rewards its nomination of Candidate is
// owed (they are paid too whenever the nomination changes).
type MsgClaim struct {
	Candidate crypto.Address `cbor:"1,keyasint" json:"candidate"`
}

func (*MsgClaim) Type() string { return "staking/claim" }

// ValidateBasic implements module.Msg.
func (m *MsgClaim) ValidateBasic() error {
	if m.Candidate.IsZero() {
		return ErrBadMsg.Wrap("a claim names a candidate")
	}
	return nil
}

// MsgUnjail makes the sender's jailed candidacy eligible again, after
// its jail time.
type MsgUnjail struct{}

func (*MsgUnjail) Type() string { return "staking/unjail" }

// ValidateBasic implements module.Msg.
func (*MsgUnjail) ValidateBasic() error { return nil }

func (*MsgBond) Type() string     { return "staking/bond" }
func (*MsgNominate) Type() string { return "staking/nominate" }
func (*MsgUnbond) Type() string   { return "staking/unbond" }

// ValidateBasic implements module.Msg.
func (m *MsgBond) ValidateBasic() error {
	if m.Amount.IsZero() {
		return ErrBadMsg.Wrap("bond of zero")
	}
	if m.ConsensusKey != nil && len(m.ConsensusKey) != ConsensusKeySize {
		return ErrBadMsg.Wrap("consensus key of %d bytes, want %d (ed25519)", len(m.ConsensusKey), ConsensusKeySize)
	}
	return nil
}

// ValidateBasic implements module.Msg.
func (m *MsgNominate) ValidateBasic() error {
	if m.Amount.IsZero() || m.Candidate.IsZero() {
		return ErrBadMsg.Wrap("a nomination needs a candidate and an amount")
	}
	return nil
}

// ValidateBasic implements module.Msg.
func (m *MsgUnbond) ValidateBasic() error {
	if m.Amount.IsZero() || m.Candidate.IsZero() {
		return ErrBadMsg.Wrap("an unbonding needs a candidate and an amount")
	}
	return nil
}

// Events and their attributes.
const (
	EventBonded    = "staking_bonded"
	EventNominated = "staking_nominated"
	EventUnbonding = "staking_unbonding"
	EventUnbonded  = "staking_unbonded"
	// EventElected is an election that changed the active set;
	// EventElectionKept one with too few eligible candidates.
	EventElected      = "staking_elected"
	EventElectionKept = "staking_election_kept"
	// EventJailed is a validator jailed (AttrReason downtime or
	// double-sign), with the stake it lost.
	EventJailed   = "staking_jailed"
	EventUnjailed = "staking_unjailed"
	// EventRewarded is a nomination's rewards paid to its nominator.
	EventRewarded  = "staking_rewarded"
	AttrReason     = "reason"
	AttrValidators = "validators"
	AttrEligible   = "eligible"
	AttrCandidate  = "candidate"
	AttrAccount    = "account"
	AttrAmount     = "amount"
	AttrCompletes  = "completes"
)

// State keys.
var (
	paramsKey        = []byte("staking/params")
	candidatePrefix  = []byte("staking/candidate/")  // operator → Candidate
	consKeyPrefix    = []byte("staking/conskey/")    // consensus key → operator
	nominationPrefix = []byte("staking/nomination/") // candidate, nominator → Nomination
	unbondingPrefix  = []byte("staking/unbonding/")  // completes (8), seq (8) → Unbonding
	pendingPrefix    = []byte("staking/pending/")    // account → count of its unbondings waiting
	unbondingSeqKey  = []byte("staking/unbonding-seq")
	activePrefix     = []byte("staking/active/")   // consensus key → Validator
	consAddrPrefix   = []byte("staking/consaddr/") // consensus key's address → operator
)

// Validator is a member of the active set: the validators CometBFT
// runs with.
type Validator struct {
	ConsensusKey registry.HexBytes `cbor:"1,keyasint" json:"consensus_key"`
	Power        int64             `cbor:"2,keyasint" json:"power"`
}

// DecodeValidator decodes a stored member of the active set.
func DecodeValidator(b []byte) (Validator, error) {
	var v Validator
	err := codec.Unmarshal(b, &v)
	return v, err
}

// ActiveKey is the state key of a validator of the active set.
func ActiveKey(consensusKey []byte) []byte { return cat(activePrefix, consensusKey) }

// ActivePrefix is the prefix of the active set.
func ActivePrefix() []byte { return activePrefix }

// ConsensusAddressKey names the operator whose consensus key has the
// address a (the address CometBFT names validators by).
func ConsensusAddressKey(a crypto.Address) []byte { return cat(consAddrPrefix, a[:]) }

func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// ParamsKey is the state key of the parameters.
func ParamsKey() []byte { return paramsKey }

// CandidateKey is the state key of a candidate.
func CandidateKey(op crypto.Address) []byte { return cat(candidatePrefix, op[:]) }

// CandidatePrefix is the prefix of every candidate.
func CandidatePrefix() []byte { return candidatePrefix }

// ConsensusKeyIndex is the state key that names the candidate of a
// consensus key.
func ConsensusKeyIndex(key []byte) []byte { return cat(consKeyPrefix, key) }

// NominationKey is the state key of a nomination.
func NominationKey(candidate, nominator crypto.Address) []byte {
	return cat(nominationPrefix, candidate[:], nominator[:])
}

// NominationPrefix is the prefix of every nomination; with a candidate,
// of that candidate's.
func NominationPrefix(candidate *crypto.Address) []byte {
	if candidate == nil {
		return nominationPrefix
	}
	return cat(nominationPrefix, candidate[:])
}

// UnbondingKey is the state key of an unbonding, in completion order.
func UnbondingKey(completes int64, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(cat(unbondingPrefix), uint64(completes)), seq)
}

// UnbondingPrefix is the prefix of the unbonding queue.
func UnbondingPrefix() []byte { return unbondingPrefix }

// PendingKey counts an account's unbondings waiting.
func PendingKey(a crypto.Address) []byte { return cat(pendingPrefix, a[:]) }

// UnbondingSeqKey is the state key of the next unbonding's sequence.
func UnbondingSeqKey() []byte { return unbondingSeqKey }

// DecodeCandidate decodes a stored candidate.
func DecodeCandidate(b []byte) (Candidate, error) {
	var c Candidate
	err := codec.Unmarshal(b, &c)
	return c, err
}

// DecodeNomination decodes a stored nomination.
func DecodeNomination(b []byte) (Nomination, error) {
	var n Nomination
	err := codec.Unmarshal(b, &n)
	return n, err
}
