package main

import (
	"testing"

	"github.com/phalanx-net/phalanx/sdk/contract/contracttest"
)

// TestVoting runs the contract's handlers natively, against an in-memory
// store: `go test` in this folder, no devnet needed.
func TestVoting(t *testing.T) {
	c := contracttest.New()
	alice, bob, carol := [20]byte{1}, [20]byte{2}, [20]byte{3}
	for _, step := range []struct {
		caller  [20]byte
		method  string
		input   string // JSON, as `phalanx contract call` sends it
		output  string
		failure string
	}{
		{alice, "results", "", "{}", ""},
		{alice, "vote", `"yes"`, "", ""},
		{bob, "vote", `"no"`, "", ""},
		{carol, "vote", `"yes"`, "", ""},
		{alice, "results", "", `{"no":1,"yes":2}`, ""},
		{carol, "vote", `"no"`, "", ""}, // carol changes her mind
		{bob, "results", "", `{"no":2,"yes":1}`, ""},
		{alice, "my_vote", "", "yes", ""},
		{carol, "my_vote", "", "no", ""},
		{[20]byte{4}, "my_vote", "", "", "you have not voted"},
		{bob, "vote", "", "", "an option is 1 to 64 bytes, as a JSON string"},
		{bob, "vote", "42", "", "input for vote: json: cannot unmarshal number into Go value of type string"},
		{bob, "my_vote", "", "no", ""}, // a failed call changed nothing
	} {
		c.Caller = step.caller
		out, err := c.Call(step.method, step.input)
		if step.failure != "" {
			if err == nil || err.Error() != step.failure {
				t.Fatalf("%s(%s): error %v, want %q", step.method, step.input, err, step.failure)
			}
			continue
		}
		if err != nil || string(out) != step.output {
			t.Fatalf("%s(%s) = %q, %v; want %q", step.method, step.input, out, err, step.output)
		}
	}
}
