package e2e

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Op is what a perturbation does to a node.
type Op string

const (
	// Kill sends SIGKILL and leaves the node down.
	Kill Op = "kill"
	// Start starts a node that is down, on the data it had.
	Start Op = "start"
	// Restart is Kill then Start at once: a crash and a supervisor's
	// restart.
	Restart Op = "restart"
	// Pause stops the process (SIGSTOP): a node that hangs, its sockets
	// open.
	Pause Op = "pause"
	// Resume continues a paused node (SIGCONT).
	Resume Op = "resume"
	// Wipe kills a gatekeeper, deletes its data and starts it again. It
	// keeps its keys, its enclave's sealed state and its double-sign guard
	// (config/, enclave/, data/priv_validator_state.json) and must catch up
	// by block sync. Workers cannot be wiped: the chain deletes the
	// messages a worker's saved checkpoint has consumed, so a worker that
	// lost its checkpoint cannot rejoin under its identity and stops with
	// an error that says so (an operator starts a new worker instead).
	Wipe Op = "wipe"
)

// Manifest is a fault run: the network, the load, and the perturbations
// in order.
type Manifest struct {
	// Gatekeepers is the number of validators (default 4).
	Gatekeepers int `json:"gatekeepers"`
	// Workers is the number of workers (default 0).
	Workers int `json:"workers"`
	// Commands deploys the example vault contract on a cluster of every
	// worker and sends deposit commands beside the transfers (needs a
	// worker).
	Commands bool `json:"commands"`
	// Senders is the number of accounts the load generator sends from,
	// each one transfer at a time (default 4).
	Senders int `json:"senders"`
	// Warmup is how long the load runs before the first perturbation
	// (default 5s).
	Warmup Duration `json:"warmup"`
	// Progress is how many blocks the chain must make after each
	// perturbation that leaves a quorum up (default 3), within
	// ProgressTimeout (default 60s).
	Progress        int64    `json:"progress"`
	ProgressTimeout Duration `json:"progress_timeout"`
	// Perturbations run in order, each after the previous one's progress
	// check.
	Perturbations []Perturbation `json:"perturbations"`
}

// Perturbation is one step of a Manifest.
type Perturbation struct {
	// Node is "gk<i>" or "wk<i>", counting from 0.
	Node string `json:"node"`
	Op   Op     `json:"op"`
	// After is how long to wait before the step (default none), and
	// AfterBlocks how many blocks; both may be set.
	After       Duration `json:"after"`
	AfterBlocks int64    `json:"after_blocks"`
	// Hold keeps the load running for this long after the step's progress
	// check, before the next step: the window measured with the network
	// in this shape.
	Hold Duration `json:"hold"`
}

func (p Perturbation) String() string { return string(p.Op) + " " + p.Node }

// Duration is a time.Duration written as "1m30s" in JSON.
type Duration struct{ time.Duration }

func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration: want a string such as \"30s\": %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("duration: %w", err)
	}
	d.Duration = v
	return nil
}

// LoadManifest reads a manifest from a JSON file and validates it.
func LoadManifest(path string) (Manifest, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return Manifest{}, err
	}
	return parseManifest(path, raw)
}

func parseManifest(name string, raw []byte) (Manifest, error) {
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return Manifest{}, fmt.Errorf("%s: %w", name, err)
	}
	if err := m.Validate(); err != nil {
		return Manifest{}, fmt.Errorf("%s: %w", name, err)
	}
	return m, nil
}

func (m *Manifest) setDefaults() {
	if m.Gatekeepers == 0 {
		m.Gatekeepers = 4
	}
	if m.Senders == 0 {
		m.Senders = 4
	}
	if m.Warmup.Duration == 0 {
		m.Warmup.Duration = 5 * time.Second
	}
	if m.Progress == 0 {
		m.Progress = 3
	}
	if m.ProgressTimeout.Duration == 0 {
		m.ProgressTimeout.Duration = time.Minute
	}
}

// nodeState is what a node is between steps.
type nodeState int

const (
	up nodeState = iota
	down
	paused
)

// Validate sets the defaults and checks that every step names a node of
// the network and applies to the state the earlier steps left it in (no
// start of a running node, no resume of one not paused), and that the
// run ends with every node up, so the final checks see them all.
func (m *Manifest) Validate() error {
	m.setDefaults()
	if m.Gatekeepers < 1 || m.Gatekeepers > 16 {
		return fmt.Errorf("gatekeepers: %d, want 1 to 16", m.Gatekeepers)
	}
	if m.Workers < 0 || m.Workers > 8 {
		return fmt.Errorf("workers: %d, want 0 to 8", m.Workers)
	}
	if m.Senders < 1 || m.Senders > 256 {
		return fmt.Errorf("senders: %d, want 1 to 256", m.Senders)
	}
	if m.Commands && m.Workers == 0 {
		return errors.New("commands need at least one worker")
	}
	state := map[string]nodeState{}
	for i, p := range m.Perturbations {
		_, _, err := m.node(p.Node)
		if err != nil {
			return fmt.Errorf("step %d (%s): %w", i+1, p, err)
		}
		if p.AfterBlocks < 0 || p.After.Duration < 0 || p.Hold.Duration < 0 {
			return fmt.Errorf("step %d (%s): negative wait", i+1, p)
		}
		if p.Op == Wipe && strings.HasPrefix(p.Node, "wk") {
			return fmt.Errorf("step %d (%s): a worker cannot be wiped: the chain deletes the messages its checkpoint consumed, so it could not rejoin under its identity", i+1, p)
		}
		s := state[p.Node]
		next, ok := map[Op]map[nodeState]nodeState{
			Kill:    {up: down, paused: down},
			Start:   {down: up},
			Restart: {up: up, paused: up, down: up},
			Pause:   {up: paused},
			Resume:  {paused: up},
			Wipe:    {up: up, down: up, paused: up},
		}[p.Op][s]
		if !ok {
			if _, known := map[Op]bool{Kill: true, Start: true, Restart: true, Pause: true, Resume: true, Wipe: true}[p.Op]; !known {
				return fmt.Errorf("step %d: unknown op %q (want kill, start, restart, pause, resume or wipe)", i+1, p.Op)
			}
			return fmt.Errorf("step %d (%s): the node is %s", i+1, p, [...]string{"up", "down", "paused"}[s])
		}
		state[p.Node] = next
	}
	for name, s := range state {
		if s != up {
			return fmt.Errorf("%s is left %s at the end: the final checks need every node up", name, [...]string{"up", "down", "paused"}[s])
		}
	}
	return nil
}

// node parses "gk<i>" or "wk<i>".
func (m *Manifest) node(name string) (kind string, i int, err error) {
	if len(name) < 3 {
		return "", 0, fmt.Errorf("node %q: want gk<i> or wk<i>", name)
	}
	kind = name[:2]
	i, err = strconv.Atoi(name[2:])
	if err != nil || i < 0 {
		return "", 0, fmt.Errorf("node %q: want gk<i> or wk<i>", name)
	}
	switch {
	case kind == "gk" && i < m.Gatekeepers, kind == "wk" && i < m.Workers:
		return kind, i, nil
	case kind == "gk" || kind == "wk":
		return "", 0, fmt.Errorf("node %q: the network has %d gatekeepers and %d workers", name, m.Gatekeepers, m.Workers)
	}
	return "", 0, errors.New("node " + strconv.Quote(name) + ": want gk<i> or wk<i>")
}

//go:embed manifests/*.json
var builtin embed.FS

// Builtin returns one of the manifests this package carries: "short"
// (the form `go test ./e2e` runs), "long" (`phalanx bench faults`) or
// "commands" (contract commands across worker restarts).
func Builtin(name string) (Manifest, error) {
	raw, err := builtin.ReadFile("manifests/" + name + ".json")
	if err != nil {
		return Manifest{}, fmt.Errorf("no built-in manifest %q (want short, long or commands)", name)
	}
	return parseManifest(name, raw)
}
