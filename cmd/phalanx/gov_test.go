package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/phalanx-net/phalanx/chain/modules/gov"
	"github.com/phalanx-net/phalanx/devnet"
	"github.com/phalanx-net/phalanx/devnet/devnettest"
)

// TestGovernanceCLI: on a devnet, alice's nominated stake votes through
// a change of staking's parameters, which takes effect; a proposal only
// bob votes on (he has no stake) fails quorum; the CLI's refusals say
// why.
func TestGovernanceCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a devnet")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	p := devnet.GovParams()
	p.VotingPeriod = 3
	d := devnettest.Start(t, ctx, devnet.Config{Gatekeepers: 1, BlockTime: 100 * time.Millisecond, Gov: &p})
	h := "--home=" + d.Home

	mustRun(t, "tx", "gov", "submit", "params", "alice", "staking", `{"max_validators": 50}`, "--title", "More validators", "--deposit", "100PHA", h)
	mustRun(t, "tx", "gov", "submit", "text", "bob", "--title", "Bob's idea", "--deposit", "100PHA", h)
	mustRun(t, "tx", "gov", "vote", "alice", "0", "yes", h)
	mustRun(t, "tx", "gov", "vote", "bob", "1", "yes", h)
	if out := mustRun(t, "query", "gov", "proposal", "0", h); !strings.Contains(out, "voting_period") || !strings.Contains(out, "so far: yes 100,000 PHA") ||
		!strings.Contains(out, `changes staking's parameters: {"max_validators": 50}`) {
		t.Fatalf("query gov proposal 0:\n%s", out)
	}
	if out := mustRun(t, "query", "gov", "tally", "1", h); !strings.Contains(out, "yes 0 PHA") || !strings.Contains(out, "no quorum") {
		t.Fatalf("query gov tally 1:\n%s", out)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"tx", "gov", "vote", "alice", "0", "maybe"}, "want yes, abstain, no or veto"},
		{[]string{"tx", "gov", "vote", "alice", "9", "yes"}, "no such proposal"},
		{[]string{"tx", "gov", "submit", "params", "alice", "staking", `{"max_validators": 0}`, "--title", "t"}, "max_validators must be 1"},
		{[]string{"tx", "gov", "submit", "params", "alice", "staking", `{"max_validator": 5}`, "--title", "t"}, "unknown field"},
		{[]string{"tx", "gov", "submit", "spend", "alice", "bob", "999999999PHA", "--title", "t"}, "treasury spend"},
		{[]string{"tx", "gov", "submit", "text", "alice"}, "required flag"},
	} {
		out, err := run(t, "", append(c.args, h)...)
		if err == nil || !strings.Contains(err.Error()+out, c.want) {
			t.Errorf("phalanx %v: err %v, output %q; want %q", c.args, err, out, c.want)
		}
	}

	var props []struct {
		ID     uint64     `json:"id"`
		Status gov.Status `json:"status"`
		Reason string     `json:"reason"`
	}
	for {
		mustJSON(t, mustRun(t, "query", "gov", "proposals", "-o", "json", h), &props)
		if len(props) == 2 && !props[0].Status.Open() && !props[1].Status.Open() {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("proposals not decided: %+v", props)
		case <-time.After(200 * time.Millisecond):
		}
	}
	if props[0].Status != gov.Passed || props[1].Status != gov.Rejected || !strings.Contains(props[1].Reason, "no quorum") {
		t.Fatalf("proposals %+v", props)
	}
	out := mustRun(t, "query", "staking", "validators", h)
	if !strings.Contains(out, "the top 50 by stake") {
		t.Fatalf("max_validators after the change passed:\n%s", out)
	}
}
