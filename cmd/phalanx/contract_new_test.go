package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// mustContracts lists the contracts on chain, as `contract show -o json`
// prints them.
func mustContracts(t *testing.T, home string) []struct{ ID, Name string } {
	t.Helper()
	var list []struct{ ID, Name string }
	if err := json.Unmarshal([]byte(mustRun(t, "contract", "show", home, "-o", "json")), &list); err != nil {
		t.Fatal(err)
	}
	return list
}

// offlineGo makes the go command of this test, and of the commands it
// runs, behave as on a fresh machine where Phalanx is not published: no
// module proxy, an empty module cache, no workspace, no toolchain
// download.
func offlineGo(t *testing.T) {
	t.Setenv("GOPROXY", "off")
	t.Setenv("GOFLAGS", "")
	t.Setenv("GOWORK", "off")
	t.Setenv("GOTOOLCHAIN", "local")
	t.Setenv("GOMODCACHE", t.TempDir())
}

// testContractOutside does what a contract author does, in folders
// outside the repository, against the devnet in home: `contract new`,
// `go test` in the new module, `contract build` from another folder,
// then upload, instantiate with a name, call and query by that name.
func testContractOutside(t *testing.T, home string) {
	if testing.Short() {
		t.Skip("runs the Go toolchain")
	}
	offlineGo(t)
	work := t.TempDir()
	t.Chdir(work)
	if o := mustRun(t, "contract", "new", "voting"); !strings.Contains(o, "Created the contract module voting in voting") {
		t.Fatalf("contract new: %s", o)
	}
	if o, err := run(t, "", "contract", "new", "voting"); err == nil || !strings.Contains(err.Error(), "the folder is not empty: voting") {
		t.Fatalf("contract new over an existing module: %v %s", err, o)
	}
	gotest := exec.Command("go", "test", "./...")
	gotest.Dir = filepath.Join(work, "voting")
	if o, err := gotest.CombinedOutput(); err != nil || !bytes.Contains(o, []byte("ok  \tvoting")) {
		t.Fatalf("go test in the new module: %v\n%s", err, o)
	}

	t.Chdir(t.TempDir())
	if o := mustRun(t, "contract", "build", filepath.Join(work, "voting")); !strings.Contains(o, "Built voting.wasm") {
		t.Fatalf("contract build: %s", o)
	}
	if _, err := os.Stat("voting.wasm"); err != nil {
		t.Fatalf("contract build wrote no voting.wasm here: %v", err)
	}
	up := mustRun(t, "contract", "upload", "alice", "voting.wasm", home)
	code := strings.TrimSpace(up[strings.LastIndex(up, "code ")+5:])
	if o := mustRun(t, "contract", "instantiate", "alice", code, "--cluster", "0", "--name", "voting", home); !strings.Contains(o, "is ready") {
		t.Fatalf("instantiate: %s", o)
	}
	mustRun(t, "contract", "call", "alice", "voting", "vote", "yes", home)
	mustRun(t, "contract", "call", "bob", "voting", "vote", `"no"`, home)
	if o := mustRun(t, "contract", "query", "carol", "voting", "results", home); !strings.Contains(o, `Output: {"no":1,"yes":1}`) {
		t.Fatalf("results: %s", o)
	}
	if o := mustRun(t, "contract", "call", "bob", "voting", "my_vote", home); !strings.Contains(o, "Output: no") {
		t.Fatalf("bob's vote: %s", o)
	}
	if o, err := run(t, "", "contract", "query", "carol", "voting", "my_vote", home); err == nil || !strings.Contains(err.Error()+o, "you have not voted") {
		t.Fatalf("carol's vote: %v\n%s", err, o)
	}
}

// TestContractBuildNeedsAModule checks the advice for a folder that is in
// no Go module, run from another working directory.
func TestContractBuildNeedsAModule(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "loose")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n\nfunc main() {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir())
	_, err := run(t, "", "contract", "build", dir)
	if err == nil || !strings.Contains(err.Error(), dir+" has no go.mod") || !strings.Contains(err.Error(), "`phalanx contract new NAME` writes one") {
		t.Fatalf("build outside a module: %v", err)
	}
	if _, err := os.Stat("loose.wasm"); err == nil {
		t.Fatal("a failed build wrote loose.wasm")
	}
}

func TestArgsJSON(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, ""}, // empty input: the argument's zero value
		{[]string{"7"}, "7"},
		{[]string{"yes"}, `"yes"`},
		{[]string{`{"end":9}`}, `{"end":9}`},
		{[]string{"a", "b"}, `["a","b"]`},
	} {
		if got := string(argsJSON(c.args)); got != c.want {
			t.Errorf("argsJSON(%q) = %q, want %q", c.args, got, c.want)
		}
	}
}
