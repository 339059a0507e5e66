package bank

import (
	"crypto/sha256"
	"errors"
	"testing"

	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/crypto"
)

func addr(name string) crypto.Address {
	s := sha256.Sum256([]byte(name))
	var a crypto.Address
	copy(a[:], s[:])
	return a
}

func seed(t *testing.T, grants ...GenesisAccount) Genesis {
	t.Helper()
	g, err := SeedGenesis(Allocation{PrivateSale: addr("sale"), Developers: addr("dev"), Airdrop: addr("air"), Testers: addr("testers")}, grants)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestSeedAllocationIsExact(t *testing.T) {
	g := seed(t, GenesisAccount{Name: "alice", Address: addr("alice"), Amount: pha.Tokens(1_000_000)})
	if g.Supply.Cmp(pha.Tokens(1_000_000_000)) != 0 {
		t.Fatalf("supply %s", g.Supply.PHA())
	}
	want := map[string]pha.Amount{
		"private-sale": pha.Tokens(150_000_000),
		"developers":   pha.Tokens(50_000_000),
		"airdrop":      pha.Tokens(90_000_000),
		"testers":      pha.Tokens(9_000_000), // 10 M less alice's grant
		RewardPool:     pha.Tokens(700_000_000),
		"alice":        pha.Tokens(1_000_000),
	}
	for _, a := range g.Accounts {
		if w, ok := want[a.Name]; !ok || w.Cmp(a.Amount) != 0 {
			t.Errorf("%s holds %s", a.Name, a.Amount.PHA())
		}
		delete(want, a.Name)
	}
	if len(want) != 0 {
		t.Errorf("missing accounts: %v", want)
	}
	for _, a := range g.Accounts {
		if a.Name == RewardPool && a.Address != crypto.ModuleAddress(RewardPool) {
			t.Error("reward pool is not the module account")
		}
	}
}

func TestGenesisValidation(t *testing.T) {
	if _, err := SeedGenesis(Allocation{PrivateSale: addr("s"), Developers: addr("d"), Airdrop: addr("a"), Testers: addr("t")},
		[]GenesisAccount{{Name: "greedy", Address: addr("g"), Amount: pha.Tokens(10_000_001)}}); !errors.Is(err, ErrBadGenesis) {
		t.Fatalf("grants over the testers' share: %v", err)
	}
	cases := map[string]func(g *Genesis){
		"short of the supply":  func(g *Genesis) { g.Accounts[0].Amount = pha.Tokens(1) },
		"over the supply":      func(g *Genesis) { g.Supply = pha.Tokens(999_999_999) },
		"duplicate address":    func(g *Genesis) { g.Accounts[1].Address = g.Accounts[0].Address },
		"zero address":         func(g *Genesis) { g.Accounts[2].Address = crypto.Address{} },
		"module account moved": func(g *Genesis) { g.Accounts[4].Address = addr("elsewhere") },
	}
	for name, mutate := range cases {
		g := seed(t)
		mutate(&g)
		if err := g.Validate(); !errors.Is(err, ErrBadGenesis) {
			t.Errorf("%s: %v, want ErrBadGenesis", name, err)
		}
	}
}
