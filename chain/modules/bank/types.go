package bank

import (
	"fmt"
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/crypto"
)

// ModuleName is the bank's name: its codespace and state prefix.
const ModuleName = "bank"

// Module accounts known at genesis.
const (
	// FeeCollector receives every transaction fee; the rewards work shares
	// it out.
	FeeCollector = "fee-collector"
	// RewardPool holds the 700 M PHA that pay computing rewards over time.
	RewardPool = "reward-pool"
)

// ModuleAccounts lists the module accounts in a fixed order.
var ModuleAccounts = []string{FeeCollector, RewardPool}

// State keys.
var (
	balancePrefix = []byte("bank/balance/")
	supplyKey     = []byte("bank/supply")
)

// BalanceKey is the state key of an account's balance; the value is the
// amount in canonical CBOR (absent means zero).
func BalanceKey(a crypto.Address) []byte {
	return append(append(make([]byte, 0, len(balancePrefix)+len(a)), balancePrefix...), a[:]...)
}

// BalancePrefix is the state prefix of all balances.
func BalancePrefix() []byte { return balancePrefix }

// SupplyKey is the state key of the total supply.
func SupplyKey() []byte { return supplyKey }

// Errors.
var (
	// A transfer of more than the balance.
	ErrInsufficientFunds = module.DefineError(ModuleName, 1, "insufficient funds")
	// A zero amount or a zero recipient.
	ErrInvalidAmount = module.DefineError(ModuleName, 2, "invalid amount")
	// The balances no longer add up to the supply: the node halts; never a transaction's result.
	ErrSupplyInvariant = module.DefineError(ModuleName, 3, "supply invariant violated")
	ErrBadGenesis      = module.DefineError(ModuleName, 4, "invalid bank genesis")
)

// MsgSend moves Amount from the transaction's sender to To.
type MsgSend struct {
	To     crypto.Address `cbor:"1,keyasint" json:"to"`
	Amount pha.Amount     `cbor:"2,keyasint" json:"amount"`
}

// Type implements module.Msg.
func (*MsgSend) Type() string { return "bank/send" }

// ValidateBasic implements module.Msg.
func (m *MsgSend) ValidateBasic() error {
	if m.Amount.IsZero() {
		return ErrInvalidAmount.Wrap("cannot send zero")
	}
	if m.To.IsZero() {
		return ErrInvalidAmount.Wrap("recipient is the zero address")
	}
	return nil
}

// Event types and attributes.
const (
	EventTransfer = "transfer"
	AttrSender    = "sender"
	AttrRecipient = "recipient"
	AttrAmount    = "amount"
)

// DecodeAmount decodes a stored amount; clients use it on query results.
func DecodeAmount(v []byte) (pha.Amount, error) {
	var a pha.Amount
	if v == nil {
		return a, nil
	}
	// Amount's own decoder accepts only the canonical encoding.
	if err := a.UnmarshalCBOR(v); err != nil {
		return a, fmt.Errorf("decode stored amount: %w", err)
	}
	return a, nil
}
