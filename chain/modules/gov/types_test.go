package gov_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/modules/gov"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/tee"
)

// Messages and parameters that cannot be right are refused before any
// state is read, each with the module's code.
func TestValidateRefusals(t *testing.T) {
	var someone crypto.Address
	someone[0] = 1
	ok := gov.MsgSubmit{Title: "t"}
	for name, m := range map[string]interface{ ValidateBasic() error }{
		"no title":             &gov.MsgSubmit{},
		"a title with a line":  &gov.MsgSubmit{Title: "a\nb"},
		"a title too long":     &gov.MsgSubmit{Title: strings.Repeat("t", gov.MaxTitle+1)},
		"a summary not utf-8":  &gov.MsgSubmit{Title: "t", Summary: "\xff"},
		"two contents":         &gov.MsgSubmit{Title: "t", Content: gov.Content{Spend: &gov.Spend{To: someone, Amount: pha.Tokens(1)}, Upgrade: &gov.Upgrade{Name: "v2", Height: 9}}},
		"changes not json":     &gov.MsgSubmit{Title: "t", Content: gov.Content{Params: &gov.ParamChange{Module: "staking", Changes: []byte("{")}}},
		"changes not object":   &gov.MsgSubmit{Title: "t", Content: gov.Content{Params: &gov.ParamChange{Module: "staking", Changes: []byte("[1]")}}},
		"changes of nobody":    &gov.MsgSubmit{Title: "t", Content: gov.Content{Params: &gov.ParamChange{Changes: []byte("{}")}}},
		"an empty allowlist":   &gov.MsgSubmit{Title: "t", Content: gov.Content{Allowlist: &gov.AllowlistChange{}}},
		"an empty measurement": &gov.MsgSubmit{Title: "t", Content: gov.Content{Allowlist: &gov.AllowlistChange{Add: []registry.Measurement{{Platform: tee.TDX}}}}},
		"a spend to nobody":    &gov.MsgSubmit{Title: "t", Content: gov.Content{Spend: &gov.Spend{Amount: pha.Tokens(1)}}},
		"a spend of zero":      &gov.MsgSubmit{Title: "t", Content: gov.Content{Spend: &gov.Spend{To: someone}}},
		"an upgrade unnamed":   &gov.MsgSubmit{Title: "t", Content: gov.Content{Upgrade: &gov.Upgrade{Height: 9}}},
		"an upgrade with a /":  &gov.MsgSubmit{Title: "t", Content: gov.Content{Upgrade: &gov.Upgrade{Name: "a/b", Height: 9}}},
		"an upgrade at 0":      &gov.MsgSubmit{Title: "t", Content: gov.Content{Upgrade: &gov.Upgrade{Name: "v2"}}},
		"a deposit of zero":    &gov.MsgDeposit{Proposal: 1},
		"a vote of nothing":    &gov.MsgVote{Proposal: 1},
		"a vote of 5":          &gov.MsgVote{Proposal: 1, Option: 5},
	} {
		if err := m.ValidateBasic(); !errors.Is(err, gov.ErrBadMsg) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := ok.ValidateBasic(); err != nil {
		t.Fatal(err)
	}
	for name, change := range map[string]func(*gov.Params){
		"no deposit":         func(p *gov.Params) { p.MinDeposit = pha.Zero },
		"no voting period":   func(p *gov.Params) { p.VotingPeriod = 0 },
		"no deposit period":  func(p *gov.Params) { p.MaxDepositPeriod = -1 },
		"a voting decade":    func(p *gov.Params) { p.VotingPeriod = 10 * 365 * 24 * 3600 },
		"no quorum":          func(p *gov.Params) { p.QuorumBP = 0 },
		"a threshold of all": func(p *gov.Params) { p.ThresholdBP = 10_000 },
		"a veto above all":   func(p *gov.Params) { p.VetoBP = 10_001 },
		"nothing open":       func(p *gov.Params) { p.MaxOpen = 0 },
	} {
		p := gov.DefaultParams()
		change(&p)
		if err := p.Validate(); !errors.Is(err, gov.ErrBadParams) {
			t.Errorf("%s: %v", name, err)
		}
	}
	for _, s := range []string{"yes", "abstain", "no", "veto", "no_with_veto"} {
		if _, err := gov.ParseOption(s); err != nil {
			t.Errorf("%s: %v", s, err)
		}
	}
	if _, err := gov.ParseOption("maybe"); !errors.Is(err, gov.ErrBadMsg) {
		t.Errorf("maybe: %v", err)
	}
}

// FuzzMsgs decodes arbitrary bytes as each governance message: nothing
// panics, and a message that validates encodes back to what decodes to
// it and shows as JSON (the proposal queries show its content so).
func FuzzMsgs(f *testing.F) {
	var someone crypto.Address
	someone[3] = 9
	for _, m := range []any{
		&gov.MsgSubmit{Title: "raise max_validators", Content: gov.Content{Params: &gov.ParamChange{Module: "staking", Changes: json.RawMessage(`{"max_validators":50}`)}}, Deposit: pha.Tokens(1_000)},
		&gov.MsgSubmit{Title: "allow", Content: gov.Content{Allowlist: &gov.AllowlistChange{Add: []registry.Measurement{{Platform: tee.TDX, Value: make([]byte, 48)}}}}},
		&gov.MsgSubmit{Title: "pay", Content: gov.Content{Spend: &gov.Spend{To: someone, Amount: pha.Tokens(5)}}},
		&gov.MsgSubmit{Title: "v2", Content: gov.Content{Upgrade: &gov.Upgrade{Name: "v2", Height: 100, Info: "phalanx 2"}}},
		&gov.MsgDeposit{Proposal: 3, Amount: pha.Tokens(1)},
		&gov.MsgVote{Proposal: 3, Option: gov.Veto},
	} {
		f.Add(codec.MustMarshal(m))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, m := range []interface{ ValidateBasic() error }{&gov.MsgSubmit{}, &gov.MsgDeposit{}, &gov.MsgVote{}} {
			if codec.Unmarshal(b, m) != nil || m.ValidateBasic() != nil {
				continue
			}
			if _, err := json.Marshal(m); err != nil {
				t.Fatalf("a valid %T does not show as JSON: %v", m, err)
			}
			again := codec.MustMarshal(m)
			if err := codec.Unmarshal(again, m); err != nil {
				t.Fatalf("a valid %T does not decode from its own encoding: %v", m, err)
			}
		}
	})
}
