package bank

import (
	"fmt"
	"slices"

	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/crypto"
)

// TotalSupply is the seed's supply: 1,000,000,000 PHA.
var TotalSupply = pha.Tokens(1_000_000_000)

// The seed's allocation, in whole PHA.
const (
	PrivateSalePHA = 150_000_000 // 15 %
	DevelopersPHA  = 50_000_000  // 5 %
	AirdropPHA     = 90_000_000  // 9 %
	TestersPHA     = 10_000_000  // 1 %
	RewardPoolPHA  = 700_000_000 // 70 %, the computing-reward pool
)

// Genesis is the bank's part of the genesis file.
type Genesis struct {
	// Supply is the total supply; the accounts must add up to it exactly.
	Supply   pha.Amount       `json:"supply"`
	Accounts []GenesisAccount `json:"accounts"`
}

// GenesisAccount is one funded account. Name is a label for people
// ("developers", "alice"); for a module account it must be the module
// account's name and Address its derived address.
type GenesisAccount struct {
	Name    string         `json:"name,omitempty"`
	Address crypto.Address `json:"address"`
	Amount  pha.Amount     `json:"amount"`
	// Vesting, if set, locks Vesting.Amount (at most Amount) of the
	// account's balance on its schedule.
	Vesting *Vesting `json:"vesting,omitempty"`
}

// Allocation names the accounts that receive the seed's allocation.
type Allocation struct {
	PrivateSale, Developers, Airdrop, Testers crypto.Address
}

// SeedGenesis returns the seed's allocation: 15 % private sale, 5 %
// developers, 9 % airdrop, 1 % testers, 70 % in the reward pool module
// account, 1,000,000,000 PHA in all. Grants are paid to extra accounts out
// of the testers' share, so the total stays exact; it is an error if they
// exceed it.
func SeedGenesis(a Allocation, grants []GenesisAccount) (Genesis, error) {
	testers := pha.Tokens(TestersPHA)
	for _, g := range grants {
		var err error
		if testers, err = testers.Sub(g.Amount); err != nil {
			return Genesis{}, ErrBadGenesis.Wrap("grants exceed the testers' allocation of %s", pha.Tokens(TestersPHA).PHA())
		}
	}
	accounts := []GenesisAccount{
		{Name: "private-sale", Address: a.PrivateSale, Amount: pha.Tokens(PrivateSalePHA)},
		{Name: "developers", Address: a.Developers, Amount: pha.Tokens(DevelopersPHA)},
		{Name: "airdrop", Address: a.Airdrop, Amount: pha.Tokens(AirdropPHA)},
		{Name: "testers", Address: a.Testers, Amount: testers},
		{Name: RewardPool, Address: crypto.ModuleAddress(RewardPool), Amount: pha.Tokens(RewardPoolPHA)},
	}
	accounts = append(accounts, grants...)
	g := Genesis{Supply: TotalSupply, Accounts: accounts}
	return g, g.Validate()
}

// Validate checks the genesis: valid addresses, no account twice, module
// accounts at their derived addresses, and balances that add up to the
// supply exactly.
func (g Genesis) Validate() error {
	var sum pha.Amount
	seen := make(map[crypto.Address]string, len(g.Accounts))
	for i, acc := range g.Accounts {
		label := acc.Name
		if label == "" {
			label = fmt.Sprintf("account %d", i)
		}
		if acc.Address.IsZero() {
			return ErrBadGenesis.Wrap("%s has no address", label)
		}
		if prev, dup := seen[acc.Address]; dup {
			return ErrBadGenesis.Wrap("%s and %s have the same address %s", prev, label, acc.Address)
		}
		seen[acc.Address] = label
		if slices.Contains(ModuleAccounts, acc.Name) && acc.Address != crypto.ModuleAddress(acc.Name) {
			return ErrBadGenesis.Wrap("module account %s must have address %s", acc.Name, crypto.ModuleAddress(acc.Name))
		}
		if v := acc.Vesting; v != nil {
			if slices.Contains(ModuleAccounts, acc.Name) {
				return ErrBadGenesis.Wrap("module account %s cannot vest", acc.Name)
			}
			if err := v.Validate(); err != nil {
				return fmt.Errorf("%s: %w", label, err)
			}
			if acc.Amount.Lt(v.Amount) {
				return ErrBadGenesis.Wrap("%s vests %s of its %s", label, v.Amount.PHA(), acc.Amount.PHA())
			}
		}
		var err error
		if sum, err = sum.Add(acc.Amount); err != nil {
			return ErrBadGenesis.Wrap("balances overflow")
		}
	}
	if sum.Cmp(g.Supply) != 0 {
		return ErrBadGenesis.Wrap("balances add up to %s but the total supply is %s", sum.PHA(), g.Supply.PHA())
	}
	return nil
}

// ModuleName names the module whose section of app_state this is.
func (Genesis) ModuleName() string { return ModuleName }
