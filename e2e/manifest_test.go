package e2e

import (
	"strings"
	"testing"
)

func TestManifestValidate(t *testing.T) {
	steps := func(ps ...Perturbation) Manifest { return Manifest{Workers: 1, Perturbations: ps} }
	for _, c := range []struct {
		name string
		m    Manifest
		want string
	}{
		{"unknown node", steps(Perturbation{Node: "gk4", Op: Restart}), `node "gk4": the network has 4 gatekeepers and 1 workers`},
		{"bad name", steps(Perturbation{Node: "node1", Op: Restart}), `node "node1": want gk<i> or wk<i>`},
		{"unknown op", steps(Perturbation{Node: "gk0", Op: "reboot"}), `unknown op "reboot"`},
		{"start a running node", steps(Perturbation{Node: "gk0", Op: Start}), "step 1 (start gk0): the node is up"},
		{"resume a running node", steps(Perturbation{Node: "wk0", Op: Resume}), "step 1 (resume wk0): the node is up"},
		{"kill twice", steps(Perturbation{Node: "gk1", Op: Kill}, Perturbation{Node: "gk1", Op: Kill}), "step 2 (kill gk1): the node is down"},
		{"left down", steps(Perturbation{Node: "gk1", Op: Kill}), "gk1 is left down at the end"},
		{"left paused", steps(Perturbation{Node: "gk1", Op: Pause}), "gk1 is left paused at the end"},
		{"negative wait", steps(Perturbation{Node: "gk1", Op: Restart, AfterBlocks: -1}), "negative wait"},
		{"too many senders", Manifest{Senders: 1000}, "senders: 1000, want 1 to 256"},
	} {
		err := c.m.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error with %q", c.name, err, c.want)
		}
	}
	ok := steps(Perturbation{Node: "gk1", Op: Kill}, Perturbation{Node: "gk1", Op: Start},
		Perturbation{Node: "gk2", Op: Pause}, Perturbation{Node: "gk2", Op: Resume}, Perturbation{Node: "wk0", Op: Wipe})
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	if ok.Gatekeepers != 4 || ok.Senders != 4 || ok.Progress != 3 {
		t.Fatalf("defaults not set: %+v", ok)
	}
}

// The manifests in testdata load and are valid.
func TestManifestFiles(t *testing.T) {
	for _, name := range []string{"short.json", "long.json"} {
		m, err := LoadManifest("testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Perturbations) == 0 {
			t.Fatalf("%s has no perturbations", name)
		}
	}
	if _, err := LoadManifest("testdata/short.json.missing"); err == nil {
		t.Fatal("a missing file loaded")
	}
}
