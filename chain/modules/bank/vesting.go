package bank

import (
	"time"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/crypto"
)

// Vesting locks part of a genesis account's balance and releases it over
// time: nothing of Amount before Cliff, then linearly from Start, so that
// at the cliff the share of the time since Start is released at once and
// the rest by End. Locked tokens count in the supply and cannot leave the
// account by a transfer, a fee or an escrow; they can be bonded in
// staking (and so vote), as Cosmos SDK's vesting accounts delegate:
// DelegatedVesting is the locked part of what the account has bonded,
// DelegatedFree the rest, and what must stay in the account is what is
// locked less DelegatedVesting (Held). Times are unix seconds of block
// time.
type Vesting struct {
	Amount pha.Amount `cbor:"1,keyasint" json:"amount"`
	Start  int64      `cbor:"2,keyasint" json:"start"`
	Cliff  int64      `cbor:"3,keyasint" json:"cliff"`
	End    int64      `cbor:"4,keyasint" json:"end"`
	// DelegatedVesting and DelegatedFree split what the account has
	// bonded between locked and free tokens; a stake paid back reduces
	// DelegatedFree first. A slashed stake is never paid back, so the
	// locked tokens it took stay counted as bonded: the account, not the
	// schedule, lost them.
	DelegatedVesting pha.Amount `cbor:"5,keyasint,omitzero" json:"delegated_vesting,omitzero"`
	DelegatedFree    pha.Amount `cbor:"6,keyasint,omitzero" json:"delegated_free,omitzero"`
}

// Held returns what must stay in the account at now: what is locked less
// what of it is bonded.
func (v Vesting) Held(now int64) pha.Amount {
	h, err := v.Locked(now).Sub(v.DelegatedVesting)
	if err != nil {
		return pha.Zero
	}
	return h
}

// ErrLocked is a debit that would take an account below what its vesting
// still locks.
var ErrLocked = module.DefineError(ModuleName, 5, "balance locked by vesting")

// Locked returns how much of Amount is still locked at now (unix
// seconds): all of it before Cliff, none from End, and in between
// Amount·(End−now)/(End−Start), rounded down.
func (v Vesting) Locked(now int64) pha.Amount {
	switch {
	case now < v.Cliff:
		return v.Amount
	case now >= v.End:
		return pha.Zero
	}
	left, err := v.Amount.MulDiv(pha.Units(uint64(v.End-now)), pha.Units(uint64(v.End-v.Start)))
	if err != nil { // left ≤ Amount: cannot overflow
		return v.Amount
	}
	return left
}

// Validate checks a schedule: a positive amount, Start ≤ Cliff ≤ End and
// Start < End.
func (v Vesting) Validate() error {
	switch {
	case v.Amount.IsZero():
		return ErrBadGenesis.Wrap("vesting of zero")
	case v.Start < 0 || v.Cliff < v.Start || v.End < v.Cliff || v.End <= v.Start:
		return ErrBadGenesis.Wrap("vesting from %d, cliff %d, to %d: want start ≤ cliff ≤ end and start < end", v.Start, v.Cliff, v.End)
	}
	return nil
}

var vestingPrefix = []byte("bank/vesting/")

// VestingKey is the state key of an account's vesting schedule (absent:
// nothing locked).
func VestingKey(a crypto.Address) []byte {
	return append(append(make([]byte, 0, len(vestingPrefix)+len(a)), vestingPrefix...), a[:]...)
}

// DecodeVesting decodes a stored schedule.
func DecodeVesting(b []byte) (Vesting, error) {
	var v Vesting
	err := codec.Unmarshal(b, &v)
	return v, err
}

// The seed's vesting (docs/decisions.md): the private sale's 15 % locked
// for six months, then released linearly until two years; the developers'
// 5 % for a year, then until four years, but for DevelopersLiquidPHA,
// liquid from genesis for the fees the developers' account pays (it is
// the bootstrap council, and deploys the first contracts). The airdrop
// and the testers' share are liquid; the reward pool is the computing
// module's to pay out.
const (
	PrivateSaleCliff    = 180 * 24 * time.Hour
	PrivateSaleEnd      = 730 * 24 * time.Hour
	DevelopersCliff     = 365 * 24 * time.Hour
	DevelopersEnd       = 1460 * 24 * time.Hour
	DevelopersLiquidPHA = 1_000_000
)

// VestSeed puts the seed's vesting, from start, on the private sale's and
// the developers' accounts of a seed genesis (found by their names).
func (g *Genesis) VestSeed(start time.Time) error {
	s := start.Unix()
	sched := func(amount pha.Amount, cliff, end time.Duration) *Vesting {
		return &Vesting{Amount: amount, Start: s, Cliff: s + int64(cliff/time.Second), End: s + int64(end/time.Second)}
	}
	found := 0
	for i := range g.Accounts {
		switch a := &g.Accounts[i]; a.Name {
		case "private-sale":
			a.Vesting = sched(a.Amount, PrivateSaleCliff, PrivateSaleEnd)
			found++
		case "developers":
			locked, err := a.Amount.Sub(pha.Tokens(DevelopersLiquidPHA))
			if err != nil {
				return ErrBadGenesis.Wrap("the developers hold less than their liquid %d PHA", DevelopersLiquidPHA)
			}
			a.Vesting = sched(locked, DevelopersCliff, DevelopersEnd)
			found++
		}
	}
	if found != 2 {
		return ErrBadGenesis.Wrap("not a seed genesis: no private-sale and developers accounts")
	}
	return g.Validate()
}
