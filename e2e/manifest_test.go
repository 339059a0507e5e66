package e2e

import (
	"os"
	"path/filepath"
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
		{"wipe a worker", steps(Perturbation{Node: "wk0", Op: Wipe}), "a worker cannot be wiped"},
		{"negative wait", steps(Perturbation{Node: "gk1", Op: Restart, AfterBlocks: -1}), "negative wait"},
		{"too many senders", Manifest{Senders: 1000}, "senders: 1000, want 1 to 256"},
	} {
		err := c.m.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error with %q", c.name, err, c.want)
		}
	}
	ok := steps(Perturbation{Node: "gk1", Op: Kill}, Perturbation{Node: "gk1", Op: Start},
		Perturbation{Node: "gk2", Op: Pause}, Perturbation{Node: "gk2", Op: Resume}, Perturbation{Node: "gk3", Op: Wipe})
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	if ok.Gatekeepers != 4 || ok.Senders != 4 || ok.Progress != 3 {
		t.Fatalf("defaults not set: %+v", ok)
	}
}

// The built-in manifests load and are valid; a file loads the same way.
func TestManifestFiles(t *testing.T) {
	for _, name := range []string{"short", "long", "commands"} {
		m, err := Builtin(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := LoadManifest("manifests/" + name + ".json")
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Perturbations) == 0 || len(f.Perturbations) != len(m.Perturbations) {
			t.Fatalf("%s: %d perturbations built in, %d from the file", name, len(m.Perturbations), len(f.Perturbations))
		}
	}
	if _, err := Builtin("medium"); err == nil || !strings.Contains(err.Error(), `no built-in manifest "medium"`) {
		t.Fatalf("Builtin(medium): %v", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`{"gatekeepers": 4, "perturbation": []}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadManifest(bad); err == nil || !strings.Contains(err.Error(), `unknown field "perturbation"`) {
		t.Fatalf("a misspelt field: %v", err)
	}
}
