package stakepool

import (
	"encoding/binary"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/fixed"
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/crypto"
)

// ModuleName is the module's name: its codespace, state prefix and module
// account (which holds delegations and unclaimed rewards).
const ModuleName = "stakepool"

// WithdrawGrace is how long a queued withdrawal may wait for free stake
// before the pool's workers are stopped (7 days, in seconds of block
// time).
const WithdrawGrace = 7 * 24 * 3600

// Errors.
var (
	ErrBadMsg     = module.DefineError(ModuleName, 1, "invalid stake pool message")
	ErrNoPool     = module.DefineError(ModuleName, 2, "no such pool")
	ErrNotOwner   = module.DefineError(ModuleName, 3, "sender does not own the pool")
	ErrCommission = module.DefineError(ModuleName, 4, "commission must be between 0 and 100 %")
	ErrCap        = module.DefineError(ModuleName, 5, "delegation exceeds the pool's cap")
	ErrShares     = module.DefineError(ModuleName, 6, "withdrawal larger than the delegator's stake")
	ErrWorker     = module.DefineError(ModuleName, 7, "worker cannot be added to this pool")
	ErrFreeStake  = module.DefineError(ModuleName, 8, "not enough free stake in the pool")
	ErrNothing    = module.DefineError(ModuleName, 9, "nothing to claim")
	ErrNotInPool  = module.DefineError(ModuleName, 10, "worker is not in this pool")
)

// Pool is a stake pool.
type Pool struct {
	ID         uint64             `cbor:"1,keyasint" json:"id"`
	Owner      crypto.Address     `cbor:"2,keyasint" json:"owner"`
	Commission fixed.Num          `cbor:"3,keyasint" json:"commission"` // 0..1
	Cap        pha.Amount         `cbor:"4,keyasint" json:"cap"`        // zero: no cap
	Workers    []crypto.PublicKey `cbor:"5,keyasint" json:"workers"`
	// Stake is all the PHA delegated; Free is what no worker holds.
	Stake pha.Amount `cbor:"6,keyasint" json:"stake"`
	Free  pha.Amount `cbor:"7,keyasint" json:"free"`
	// Shares total the delegators' shares: one per PHA delegated while
	// no slash lowered Stake; a share is worth Stake/Shares PHA.
	Shares fixed.Num `cbor:"8,keyasint" json:"shares"`
	// RewardPerShare accumulates the delegators' rewards, in PHA.
	RewardPerShare fixed.Num `cbor:"9,keyasint" json:"reward_per_share"`
	// OwnerRewards is the commission not yet claimed.
	OwnerRewards pha.Amount `cbor:"10,keyasint" json:"owner_rewards"`
	// Rewarded is everything the pool was ever paid.
	Rewarded pha.Amount `cbor:"11,keyasint" json:"rewarded"`
	// Queue holds the withdrawals waiting for free stake, oldest first.
	Queue []Withdrawal `cbor:"12,keyasint" json:"queue"`
	// Slashed is the stake the pool's workers lost for wrong results.
	Slashed pha.Amount `cbor:"13,keyasint,omitzero" json:"slashed,omitzero"`
}

// Withdrawal is a queued withdrawal.
type Withdrawal struct {
	Delegator crypto.Address `cbor:"1,keyasint" json:"delegator"`
	Amount    pha.Amount     `cbor:"2,keyasint" json:"amount"`
	Since     int64          `cbor:"3,keyasint" json:"since"` // block time, unix ns
}

// Delegation is one delegator's part of a pool.
type Delegation struct {
	Pool      uint64         `cbor:"1,keyasint" json:"pool"`
	Delegator crypto.Address `cbor:"2,keyasint" json:"delegator"`
	Shares    fixed.Num      `cbor:"3,keyasint" json:"shares"`
	// Debt is RewardPerShare × Shares when last settled.
	Debt fixed.Num `cbor:"4,keyasint" json:"debt"`
	// Pending is settled but unclaimed rewards.
	Pending pha.Amount `cbor:"5,keyasint" json:"pending"`
}

// Messages.

// MsgCreate creates a pool owned by its sender.
type MsgCreate struct {
	Commission fixed.Num  `cbor:"1,keyasint" json:"commission"`
	Cap        pha.Amount `cbor:"2,keyasint" json:"cap"`
}

// MsgAddWorker adds a worker the owner operates.
type MsgAddWorker struct {
	Pool   uint64           `cbor:"1,keyasint" json:"pool"`
	Worker crypto.PublicKey `cbor:"2,keyasint" json:"worker"`
}

// MsgStartWorker starts a pool's worker computing with pool stake.
type MsgStartWorker struct {
	Pool   uint64           `cbor:"1,keyasint" json:"pool"`
	Worker crypto.PublicKey `cbor:"2,keyasint" json:"worker"`
	Stake  pha.Amount       `cbor:"3,keyasint" json:"stake"`
}

// MsgStopWorker stops a pool's worker.
type MsgStopWorker struct {
	Pool   uint64           `cbor:"1,keyasint" json:"pool"`
	Worker crypto.PublicKey `cbor:"2,keyasint" json:"worker"`
}

// MsgReclaimWorker returns a cooled-down worker's stake to the pool.
type MsgReclaimWorker struct {
	Pool   uint64           `cbor:"1,keyasint" json:"pool"`
	Worker crypto.PublicKey `cbor:"2,keyasint" json:"worker"`
}

// MsgDelegate puts PHA into a pool.
type MsgDelegate struct {
	Pool   uint64     `cbor:"1,keyasint" json:"pool"`
	Amount pha.Amount `cbor:"2,keyasint" json:"amount"`
}

// MsgWithdraw takes PHA out of a pool, now or when stake is freed.
type MsgWithdraw struct {
	Pool   uint64     `cbor:"1,keyasint" json:"pool"`
	Amount pha.Amount `cbor:"2,keyasint" json:"amount"`
}

// MsgClaim pays the sender's rewards from a pool (and, for its owner,
// the commission).
type MsgClaim struct {
	Pool uint64 `cbor:"1,keyasint" json:"pool"`
}

func (*MsgCreate) Type() string        { return "stakepool/create" }
func (*MsgAddWorker) Type() string     { return "stakepool/add-worker" }
func (*MsgStartWorker) Type() string   { return "stakepool/start-worker" }
func (*MsgStopWorker) Type() string    { return "stakepool/stop-worker" }
func (*MsgReclaimWorker) Type() string { return "stakepool/reclaim-worker" }
func (*MsgDelegate) Type() string      { return "stakepool/delegate" }
func (*MsgWithdraw) Type() string      { return "stakepool/withdraw" }
func (*MsgClaim) Type() string         { return "stakepool/claim" }

// ValidateBasic implements module.Msg.
func (m *MsgCreate) ValidateBasic() error {
	if m.Commission.Cmp(fixed.One()) > 0 {
		return ErrCommission.Wrap("%s", m.Commission)
	}
	return nil
}

// ValidateBasic implements module.Msg.
func (*MsgAddWorker) ValidateBasic() error     { return nil }
func (*MsgStopWorker) ValidateBasic() error    { return nil }
func (*MsgReclaimWorker) ValidateBasic() error { return nil }
func (*MsgClaim) ValidateBasic() error         { return nil }

// ValidateBasic implements module.Msg.
func (m *MsgStartWorker) ValidateBasic() error { return positive(m.Stake) }

// ValidateBasic implements module.Msg.
func (m *MsgDelegate) ValidateBasic() error { return positive(m.Amount) }

// ValidateBasic implements module.Msg.
func (m *MsgWithdraw) ValidateBasic() error { return positive(m.Amount) }

func positive(a pha.Amount) error {
	if a.IsZero() {
		return ErrBadMsg.Wrap("amount must be positive")
	}
	return nil
}

// State keys.
var (
	nextPoolKey   = []byte("stakepool/next")
	poolPrefix    = []byte("stakepool/pool/")
	delegPrefix   = []byte("stakepool/delegation/")
	workerPoolPre = []byte("stakepool/worker/")
)

// NextPoolKey is the state key of the next pool's id.
func NextPoolKey() []byte { return nextPoolKey }

// PoolKey is the state key of a pool.
func PoolKey(id uint64) []byte { return binary.BigEndian.AppendUint64(clone(poolPrefix), id) }

// PoolPrefix is the state prefix of all pools.
func PoolPrefix() []byte { return poolPrefix }

// DelegationKey is the state key of a delegation.
func DelegationKey(pool uint64, d crypto.Address) []byte {
	return append(binary.BigEndian.AppendUint64(clone(delegPrefix), pool), d[:]...)
}

// WorkerPoolKey is the state key of the pool a worker belongs to.
func WorkerPoolKey(w crypto.PublicKey) []byte { return append(clone(workerPoolPre), w[:]...) }

func clone(b []byte) []byte { return append(make([]byte, 0, len(b)+40), b...) }

// Events.
const (
	EventCreated  = "stakepool_created"
	EventReward   = "stakepool_reward"
	EventQueued   = "stakepool_withdrawal_queued"
	EventSlashed  = "stakepool_slashed"
	AttrPool      = "pool"
	AttrDelegator = "delegator"
	AttrAmount    = "amount"
)

// Decode decodes a stored record of this module (for clients).
func Decode[T Pool | Delegation](v []byte) (T, error) {
	var out T
	err := codec.Unmarshal(v, &out)
	return out, err
}

// Value is what shares of a pool are worth: Stake × shares / Shares,
// rounded down.
func Value(p Pool, shares fixed.Num) (pha.Amount, error) {
	if p.Shares.IsZero() {
		return pha.Amount{}, nil
	}
	v, err := shares.MulDiv(fixed.FromPHA(p.Stake), p.Shares)
	return v.PHA(), err
}
