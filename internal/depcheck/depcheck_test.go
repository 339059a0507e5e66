package depcheck

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// rule forbids the packages matched by patterns from linking any of
// forbidden, directly or not.
type rule struct {
	why       string
	patterns  []string
	forbidden []string
}

var (
	database = []string{"github.com/cosmos/iavl", "github.com/syndtr/goleveldb/leveldb"}
	node     = []string{"github.com/cometbft/cometbft/node", "github.com/cometbft/cometbft/mempool"}
	wasm     = []string{"github.com/tetratelabs/wazero"}
)

// modules are the chain's modules: each has a wire package (the module's
// path) and a keeper package beside it (its path + "/keeper").
var modules = []string{"auth", "bank", "computing", "contracts", "keys", "mq", "registry", "stakepool"}

func modulePaths(suffix string) []string {
	var out []string
	for _, m := range modules {
		out = append(out, "github.com/phalanx-net/phalanx/chain/modules/"+m+suffix)
	}
	return out
}

func concat(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// through are the only packages through which a forbidden package may
// be linked, and why. CometBFT's RPC result types carry the node's p2p
// info, whose package reads CometBFT's config, which names the database
// backends: every client of CometBFT's RPC links goleveldb that way, and
// never opens a database with it.
var through = map[string]string{
	"github.com/cometbft/cometbft-db": "CometBFT's RPC types → p2p → config → cometbft-db",
}

var rules = []rule{
	{
		why:       "an enclave runs contracts and holds keys; it reads the chain through proofs, not a database or a node",
		patterns:  []string{"github.com/phalanx-net/phalanx/enclave/..."},
		forbidden: append(slices.Clone(database), node...),
	},
	{
		why:       "a worker follows the chain by light client and proofs",
		patterns:  []string{"github.com/phalanx-net/phalanx/worker/follow"},
		forbidden: append(slices.Clone(database), node...),
	},
	{
		why:       "the worker's protocol package is what its clients link: messages, not a worker",
		patterns:  []string{"github.com/phalanx-net/phalanx/worker/api"},
		forbidden: concat(database, node, wasm),
	},
	{
		why:       "a client talks to nodes over RPC and runs no contract",
		patterns:  []string{"github.com/phalanx-net/phalanx/sdk/client"},
		forbidden: concat(database, node, wasm),
	},
	{
		why: "a module's wire package (messages, keys, records, events, errors, genesis) is what clients, " +
			"workers and enclaves link; the state code is in the keepers",
		patterns:  modulePaths(""),
		forbidden: concat(database, node, wasm, modulePaths("/keeper")),
	},
	{
		why: "modules read and write the state through chain/store's interfaces; only the application opens the database",
		patterns: append([]string{
			"github.com/phalanx-net/phalanx/chain/module",
			"github.com/phalanx-net/phalanx/chain/store",
			"github.com/phalanx-net/phalanx/chain/query",
		}, modulePaths("/keeper")...),
		forbidden: append(slices.Clone(database), node...),
	},
	{
		why:       "the state machine verifies collateral that transactions carry; it never fetches any",
		patterns:  []string{"github.com/phalanx-net/phalanx/chain/...", "github.com/phalanx-net/phalanx/tee/verify"},
		forbidden: []string{"github.com/phalanx-net/phalanx/tee/pcs"},
	},
}

func TestForbiddenDependencies(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	for _, r := range rules {
		for _, p := range r.patterns {
			importers := map[string][]string{} // package → the deps that import it
			for _, line := range strings.Split(strings.TrimSpace(string(goListRaw(t, "-deps", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", p))), "\n") {
				f := strings.Fields(line)
				for _, imp := range f[1:] {
					importers[imp] = append(importers[imp], f[0])
				}
			}
			for _, f := range r.forbidden {
				for _, by := range importers[f] {
					if _, ok := through[by]; !ok {
						t.Errorf("%s links %s through %s (see `go list -deps %s`): %s", p, f, by, p, r.why)
					}
				}
			}
		}
	}
}

// Leaves depend on nothing of Phalanx: the canonical encoding, since
// everything signs and hashes with it, and the label registry, which
// imports only the standard library so that anything may import it.
func TestLeaves(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	for _, leaf := range []struct {
		path    string
		stdOnly bool
	}{
		{"github.com/phalanx-net/phalanx/chain/codec", false},
		{"github.com/phalanx-net/phalanx/crypto/domain", true},
	} {
		for _, d := range goList(t, "-deps", leaf.path) {
			if d == leaf.path {
				continue
			}
			if strings.HasPrefix(d, "github.com/phalanx-net/phalanx/") {
				t.Errorf("%s depends on %s", leaf.path, d)
			}
			if first, _, _ := strings.Cut(d, "/"); leaf.stdOnly && strings.Contains(first, ".") {
				t.Errorf("%s depends on %s, outside the standard library", leaf.path, d)
			}
		}
	}
}

func goList(t *testing.T, args ...string) []string {
	t.Helper()
	return strings.Fields(string(goListRaw(t, args...)))
}

func goListRaw(t *testing.T, args ...string) []byte {
	t.Helper()
	out, err := exec.Command("go", append([]string{"list"}, args...)...).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("go list %v: %v\n%s", args, err, ee.Stderr)
		}
		t.Fatalf("go list %v: %v", args, err)
	}
	return out
}
