package bank_test

import (
	"errors"
	"testing"
	"time"

	"github.com/phalanx-net/phalanx/chain/modules/bank"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/crypto"
)

// The schedule: all locked before the cliff, the time's share released
// at the cliff, then linearly, nothing from the end; never increasing.
func TestVestingLocked(t *testing.T) {
	v := bank.Vesting{Amount: pha.Tokens(1000), Start: 1000, Cliff: 1250, End: 2000}
	for _, c := range []struct {
		at   int64
		want pha.Amount
	}{
		{0, pha.Tokens(1000)}, {1000, pha.Tokens(1000)}, {1249, pha.Tokens(1000)},
		{1250, pha.Tokens(750)}, {1500, pha.Tokens(500)}, {1999, pha.Tokens(1)}, {2000, pha.Zero}, {1 << 40, pha.Zero},
	} {
		if got := v.Locked(c.at); got.Cmp(c.want) != 0 {
			t.Errorf("at %d: locked %s, want %s", c.at, got, c.want)
		}
	}
	odd := bank.Vesting{Amount: pha.Units(7), Start: 0, Cliff: 0, End: 3}
	prev := odd.Amount
	for at := int64(-1); at <= 4; at++ {
		got := odd.Locked(at)
		if prev.Lt(got) {
			t.Fatalf("at %d: locked %s rose from %s", at, got, prev)
		}
		prev = got
	}
	if got := odd.Locked(1); got.Cmp(pha.Units(4)) != 0 { // 7·2/3 rounded down
		t.Errorf("7 units at 1/3: locked %s, want 4", got)
	}
}

func TestVestingGenesisChecks(t *testing.T) {
	a := func(n byte) crypto.Address { var x crypto.Address; x[0] = n; return x }
	ok := bank.Vesting{Amount: pha.Tokens(10), Start: 0, Cliff: 10, End: 20}
	for name, c := range map[string]struct {
		acc bank.GenesisAccount
	}{
		"more than the balance": {bank.GenesisAccount{Name: "x", Address: a(1), Amount: pha.Tokens(5), Vesting: &ok}},
		"cliff after the end":   {bank.GenesisAccount{Name: "x", Address: a(1), Amount: pha.Tokens(10), Vesting: &bank.Vesting{Amount: pha.Tokens(10), Start: 0, Cliff: 30, End: 20}}},
		"no time to vest in":    {bank.GenesisAccount{Name: "x", Address: a(1), Amount: pha.Tokens(10), Vesting: &bank.Vesting{Amount: pha.Tokens(10), Start: 5, Cliff: 5, End: 5}}},
		"zero":                  {bank.GenesisAccount{Name: "x", Address: a(1), Amount: pha.Tokens(10), Vesting: &bank.Vesting{Start: 0, Cliff: 1, End: 2}}},
		"a module account":      {bank.GenesisAccount{Name: bank.RewardPool, Address: crypto.ModuleAddress(bank.RewardPool), Amount: pha.Tokens(10), Vesting: &ok}},
	} {
		g := bank.Genesis{Supply: c.acc.Amount, Accounts: []bank.GenesisAccount{c.acc}}
		if err := g.Validate(); !errors.Is(err, bank.ErrBadGenesis) {
			t.Errorf("%s: %v", name, err)
		}
	}
	g := bank.Genesis{Supply: pha.Tokens(10), Accounts: []bank.GenesisAccount{{Name: "x", Address: a(1), Amount: pha.Tokens(10), Vesting: &ok}}}
	if err := g.Validate(); err != nil {
		t.Fatal(err)
	}
}

// The seed vests the private sale's allocation whole and the developers'
// but for their liquid share, from the genesis time.
func TestVestSeed(t *testing.T) {
	a := func(n byte) crypto.Address { var x crypto.Address; x[0] = n; return x }
	g, err := bank.SeedGenesis(bank.Allocation{PrivateSale: a(1), Developers: a(2), Airdrop: a(3), Testers: a(4)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := g.VestSeed(start); err != nil {
		t.Fatal(err)
	}
	for _, acc := range g.Accounts {
		v := acc.Vesting
		switch acc.Name {
		case "private-sale":
			if v == nil || v.Amount.Cmp(acc.Amount) != 0 || v.Cliff != start.Add(bank.PrivateSaleCliff).Unix() || v.End != start.Add(bank.PrivateSaleEnd).Unix() {
				t.Errorf("private sale: %+v", v)
			}
		case "developers":
			liquid, _ := acc.Amount.Sub(v.Amount)
			if liquid.Cmp(pha.Tokens(bank.DevelopersLiquidPHA)) != 0 || v.Start != start.Unix() || v.End != start.Add(bank.DevelopersEnd).Unix() {
				t.Errorf("developers: %+v, liquid %s", v, liquid)
			}
		default:
			if v != nil {
				t.Errorf("%s vests", acc.Name)
			}
		}
	}
}
