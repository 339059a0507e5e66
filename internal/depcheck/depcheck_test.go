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
)

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
		why:       "a worker follows the chain by light client and proofs, and its protocol package is what its clients link",
		patterns:  []string{"github.com/phalanx-net/phalanx/worker/follow", "github.com/phalanx-net/phalanx/worker/api"},
		forbidden: append(slices.Clone(database), node...),
	},
	{
		why:       "a client talks to nodes over RPC",
		patterns:  []string{"github.com/phalanx-net/phalanx/sdk/client"},
		forbidden: append(slices.Clone(database), node...),
	},
	{
		why: "modules read and write the state through chain/store's interfaces; only the application opens the database",
		patterns: []string{
			"github.com/phalanx-net/phalanx/chain/module",
			"github.com/phalanx-net/phalanx/chain/store",
			"github.com/phalanx-net/phalanx/chain/query",
			"github.com/phalanx-net/phalanx/chain/modules/auth",
			"github.com/phalanx-net/phalanx/chain/modules/bank",
			"github.com/phalanx-net/phalanx/chain/modules/computing",
			"github.com/phalanx-net/phalanx/chain/modules/contracts",
			"github.com/phalanx-net/phalanx/chain/modules/keys",
			"github.com/phalanx-net/phalanx/chain/modules/mq",
			"github.com/phalanx-net/phalanx/chain/modules/registry",
			"github.com/phalanx-net/phalanx/chain/modules/stakepool",
		},
		forbidden: append(slices.Clone(database), node...),
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

// The canonical encoding is a leaf: everything signs and hashes with it,
// so it depends on nothing of Phalanx.
func TestCodecIsALeaf(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	for _, d := range goList(t, "-deps", "github.com/phalanx-net/phalanx/chain/codec") {
		if strings.HasPrefix(d, "github.com/phalanx-net/phalanx/") && d != "github.com/phalanx-net/phalanx/chain/codec" {
			t.Errorf("chain/codec depends on %s", d)
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
