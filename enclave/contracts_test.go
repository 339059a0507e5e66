package enclave

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/modules/contracts"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/crypto/envelope"
	"github.com/phalanx-net/phalanx/tee"
	"github.com/phalanx-net/phalanx/wasm"
	"github.com/phalanx-net/phalanx/wasm/wasmtest"
)

const chainID = "phalanx-test"

func openEnclave(t *testing.T, dir string) *Enclave {
	t.Helper()
	e, _, err := Open(tee.Sim, tee.Options{}, dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.OpenSecrets(dir); err != nil {
		t.Fatal(err)
	}
	return e
}

// vaultLoader builds the example vault and loads it prepared, as a
// worker loads code from the chain.
func vaultLoader(t *testing.T) CodeLoader {
	t.Helper()
	vault, err := wasmtest.Build("../examples/vault")
	if err != nil {
		t.Fatal(err)
	}
	prepared, err := wasm.Prepare(context.Background(), vault)
	if err != nil {
		t.Fatal(err)
	}
	return func(context.Context, contracts.Hash) ([]byte, error) { return prepared, nil }
}

// memStore is an in-memory Backend, as the host's database would be.
type memStore struct {
	mu sync.Mutex
	m  map[string][]byte
}

func (m *memStore) Get(key []byte) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return bytes.Clone(m.m[string(key)]), nil
}

func (m *memStore) Apply(ops []StoreOp) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, op := range ops {
		if op.Delete {
			delete(m.m, string(op.Key))
		} else {
			m.m[string(op.Key)] = bytes.Clone(op.Value)
		}
	}
	return nil
}

// Close keeps the entries: the store of a directory outlives a restart.
func (m *memStore) Close() error { return nil }

var stores sync.Map // dir → *memStore

// hostStore returns the host's store for the sealed contract state in
// dir: the same one each time, as a worker reopens its database.
func hostStore(t *testing.T, dir string) Backend {
	t.Helper()
	s, _ := stores.LoadOrStore(dir, &memStore{m: map[string][]byte{}})
	return s.(*memStore)
}

// setup gives n worker enclaves the key of cluster 0 from a gatekeeper.
func setup(t *testing.T, n int) (dirs []string, enclaves []*Enclave) {
	t.Helper()
	gk := openEnclave(t, t.TempDir())
	if _, err := gk.GenerateMaster(0); err != nil {
		t.Fatal(err)
	}
	for range n {
		dir := t.TempDir()
		w := openEnclave(t, dir)
		sealed, err := gk.sealCluster(chainID, 0, 0, 0, nil, w.Identity(), w.EncryptionKey())
		if err != nil {
			t.Fatal(err)
		}
		if err := w.ReceiveCluster(chainID, 0, 0, 0, sealed); err != nil {
			t.Fatal(err)
		}
		dirs, enclaves = append(dirs, dir), append(enclaves, w)
	}
	return dirs, enclaves
}

func TestWorkersAgreeAndRefuseBadInput(t *testing.T) {
	ctx := context.Background()
	load := vaultLoader(t)
	dirs, encs := setup(t, 2)
	var xs []*Contracts
	for i := range encs {
		x, err := encs[i].OpenContracts(ctx, ContractsConfig{ChainID: chainID, Dir: dirs[i], Store: hostStore(t, dirs[i])})
		if err != nil {
			t.Fatal(err)
		}
		xs = append(xs, x)
	}
	ct := contracts.Contract{ID: contracts.Hash{5}, Code: contracts.Hash{6}, Cluster: 0}
	alice := crypto.Address{1}
	at := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC).UnixNano()

	// Instantiation: both derive the same public key.
	inst := contracts.Command{Cluster: 0, Seq: 0, Kind: contracts.KindInstantiate, Contract: ct.ID, Height: 3, Time: at}
	var pub []byte
	for _, x := range xs {
		v, err := x.Execute(ctx, inst, ct, load)
		if err != nil {
			t.Fatal(err)
		}
		if pub != nil && !bytes.Equal(pub, v.Output) {
			t.Fatal("workers derive different contract keys")
		}
		pub = v.Output
	}
	ct.PublicKey = pub
	pk, err := crypto.ParseEncryptionPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	seal := func(caller crypto.Address, method, args string) ([]byte, *envelope.ResponseKey) {
		in, resp, err := envelope.SealRequest(pk, contracts.SealInfo(chainID, ct.ID, caller), codec.MustMarshal(contracts.CallInput{Method: method, Args: []byte(args)}))
		if err != nil {
			t.Fatal(err)
		}
		return in, resp
	}
	deposit, resp := seal(alice, "deposit", "41")
	cmds := []contracts.Command{
		{Seq: 1, Kind: contracts.KindCall, Contract: ct.ID, Caller: alice, Input: deposit, GasLimit: 50_000_000, Height: 4, Time: at},
		// alice's sealed input sent by someone else does not open.
		{Seq: 2, Kind: contracts.KindCall, Contract: ct.ID, Caller: crypto.Address{2}, Input: deposit, GasLimit: 50_000_000, Height: 5, Time: at},
		{Seq: 3, Kind: contracts.KindCall, Contract: ct.ID, Caller: alice, Input: []byte("garbage"), GasLimit: 50_000_000, Height: 5, Time: at},
	}
	balance, _ := seal(alice, "my_balance", "{}")
	cmds = append(cmds, contracts.Command{Seq: 4, Kind: contracts.KindCall, Contract: ct.ID, Caller: alice, Input: balance, GasLimit: 1_000, Height: 6, Time: at})
	want := []uint8{contracts.StatusOK, contracts.StatusBadInput, contracts.StatusBadInput, contracts.StatusOutOfGas}
	wantMsg := []string{"", "it does not decrypt with the contract's key for this caller", "it does not decrypt with the contract's key for this caller", "used 1000 of 1000"}
	var votes [2][]contracts.ResultVote
	for i, x := range xs {
		for j, c := range cmds {
			v, err := x.Execute(ctx, c, ct, load)
			if err != nil {
				t.Fatal(err)
			}
			if v.Status != want[j] || v.Message != wantMsg[j] {
				t.Fatalf("command %d: %q, want %q", c.Seq, v.Reason(), contracts.Reason(want[j], wantMsg[j]))
			}
			votes[i] = append(votes[i], v)
		}
	}
	for j := range cmds {
		if votes[0][j].Digest() != votes[1][j].Digest() {
			t.Fatalf("command %d: the workers' votes differ", cmds[j].Seq)
		}
	}
	if out, err := resp.Open(votes[0][0].Output); err != nil || len(out) != 0 {
		t.Fatalf("deposit output: %q, %v", out, err)
	}
	if votes[0][0].StateRoot == contracts.InitialStateRoot(ct.ID) || votes[0][1].StateRoot != votes[0][0].StateRoot {
		t.Fatal("the state root did not move with the deposit only")
	}

	// Out of order: refused, nothing recorded.
	if _, err := xs[0].Execute(ctx, cmds[0], ct, load); !errors.Is(err, ErrOutOfOrder) {
		t.Fatalf("replayed command: %v", err)
	}
	// A query sees the state; results wait to be posted until marked.
	q, err := xs[0].exec.Query(ctx, ct, alice, "my_balance", []byte("{}"), 50_000_000, 6, time.Unix(0, at), load)
	if err != nil || q.Status != contracts.StatusOK || string(q.Output) != "41" {
		t.Fatalf("query: %+v %v", q, err)
	}
	if p, _ := xs[0].Pending(0); len(p) != 5 {
		t.Fatalf("%d pending results, want 5", len(p))
	}
	if err := xs[0].MarkPosted(0, 3); err != nil {
		t.Fatal(err)
	}

	// After a restart: the same progress, pending results and state.
	xs[0].Close(ctx)
	x, err := encs[0].OpenContracts(ctx, ContractsConfig{ChainID: chainID, Dir: dirs[0], Store: hostStore(t, dirs[0])})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close(ctx)
	if n, _ := x.Progress(0); n != 5 {
		t.Fatalf("progress %d after a restart, want 5", n)
	}
	if p, _ := x.Pending(0); len(p) != 1 || p[0].Seq != 4 {
		t.Fatalf("pending after a restart: %+v", p)
	}
	if root, ok, _ := x.StateRoot(ct.ID); !ok || root != votes[0][3].StateRoot {
		t.Fatal("state root lost across a restart")
	}
	xs[1].Close(ctx)
}

// Every way a contract fails is a vote with its own status and a public
// message built from public facts only; what the contract said (a panic's
// message) is sealed for the caller. Two workers vote byte-identical
// results for each. A contract whose initialization fails or never ends
// is voted failed at its instantiation, with the reason, and answers
// queries with it.
func TestWorkersAgreeOnEveryFailure(t *testing.T) {
	probe, err := wasmtest.Probe()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	modules := map[contracts.Hash][]byte{}
	add := func(mod []byte) contracts.Hash {
		t.Helper()
		prepared, err := wasm.Prepare(ctx, mod)
		if err != nil {
			t.Fatal(err)
		}
		h := contracts.Hash(sha256.Sum256(mod))
		modules[h] = prepared
		return h
	}
	load := func(_ context.Context, h contracts.Hash) ([]byte, error) { return modules[h], nil }
	probeCode := add(probe)
	initPanic, _ := wasmtest.ProbeWithInit(probe, wasmtest.InitPanic)
	initLoop, _ := wasmtest.ProbeWithInit(probe, wasmtest.InitLoop)
	panicCode, loopCode := add(initPanic), add(initLoop)

	dirs, encs := setup(t, 2)
	var xs []*Contracts
	for i := range encs {
		x, err := encs[i].OpenContracts(ctx, ContractsConfig{ChainID: chainID, Dir: dirs[i], Store: hostStore(t, dirs[i])})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { x.Close(ctx) })
		xs = append(xs, x)
	}
	ct := contracts.Contract{ID: contracts.Hash{7}, Code: probeCode}
	alice := crypto.Address{1}
	at := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC).UnixNano()
	var pub []byte
	for _, x := range xs {
		v, err := x.Execute(ctx, contracts.Command{Seq: 0, Kind: contracts.KindInstantiate, Contract: ct.ID, Height: 3, Time: at}, ct, load)
		if err != nil || v.Status != contracts.StatusOK {
			t.Fatalf("instantiate the probe: %+v, %v", v, err)
		}
		pub = v.Output
	}
	ct.PublicKey = pub
	pk, err := crypto.ParseEncryptionPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}

	const secret = "the vault's key is 4242"
	memory := fmt.Sprintf("more than %d bytes", wasm.DefaultMemoryLimitPages*65536)
	root := contracts.InitialStateRoot(ct.ID)
	cases := []struct {
		method, args string
		gas          uint64
		status       uint8
		public       string // the recorded message
		private      string // what the sealed output opens to (its start, for a bad pointer)
	}{
		{"echo", "hi", 0, contracts.StatusOK, "", "hi"},
		{"fail", "", 0, contracts.StatusError, "", "not allowed"},
		{"panic", secret, 0, contracts.StatusPanic, "", secret},
		{"index", "", 0, contracts.StatusPanic, "", "runtime error: index out of range [5] with length 3"},
		{"loop", "", 5_000_000, contracts.StatusOutOfGas, "used 5000000 of 5000000", ""},
		{"bomb", "", 0, contracts.StatusMemoryLimit, memory, ""},
		{"bigemit", "", 0, contracts.StatusOutputTooLarge, "more than 65536 bytes", ""},
		{"bigvalue", "", 0, contracts.StatusValueTooLarge, "more than 65536 bytes", ""},
		{"bigkey", "", 0, contracts.StatusKeyTooLarge, "more than 1024 bytes", ""},
		{"deadlock", "", 0, contracts.StatusTrap, "", "fatal error: all goroutines are asleep - deadlock!"},
		{"badptr", "", 0, contracts.StatusBadPointer, "", "contract passed a bad pointer or length to the host: storage key at 4294967280+64 is outside memory ("},
	}
	for i, c := range cases {
		gas := c.gas
		if gas == 0 {
			gas = 2_000_000_000
		}
		in, resp, err := envelope.SealRequest(pk, contracts.SealInfo(chainID, ct.ID, alice), codec.MustMarshal(contracts.CallInput{Method: c.method, Args: []byte(c.args)}))
		if err != nil {
			t.Fatal(err)
		}
		cmd := contracts.Command{Seq: uint64(1 + i), Kind: contracts.KindCall, Contract: ct.ID, Caller: alice, Input: in, GasLimit: gas, Height: 4, Time: at}
		var votes []contracts.ResultVote
		for _, x := range xs {
			v, err := x.Execute(ctx, cmd, ct, load)
			if err != nil {
				t.Fatalf("%s: %v", c.method, err)
			}
			votes = append(votes, v)
		}
		v := votes[0]
		if v.Digest() != votes[1].Digest() {
			t.Fatalf("%s: the workers' votes differ:\n%+v\n%+v", c.method, v, votes[1])
		}
		if v.Status != c.status || v.Message != c.public {
			t.Errorf("%s: recorded %q, want %q", c.method, v.Reason(), contracts.Reason(c.status, c.public))
		}
		if strings.Contains(v.Message, secret) {
			t.Errorf("%s: the recorded message holds what the contract said", c.method)
		}
		var private []byte
		if len(v.Output) > 0 {
			if private, err = resp.Open(v.Output); err != nil {
				t.Fatalf("%s: the output does not open for the caller: %v", c.method, err)
			}
		}
		if string(private) != c.private && !(c.status == contracts.StatusBadPointer && strings.HasPrefix(string(private), c.private)) {
			t.Errorf("%s: the caller reads %q, want %q", c.method, private, c.private)
		}
		if c.status == contracts.StatusOK {
			root = v.StateRoot
		} else if v.StateRoot != root {
			t.Errorf("%s: a failed call moved the state root", c.method)
		}
	}

	// Instantiations of codes whose initialization panics or never ends.
	seq := uint64(1 + len(cases))
	for _, c := range []struct {
		code contracts.Hash
		want string
	}{
		{panicCode, "panic: the probe's init panics on purpose"},
		{loopCode, fmt.Sprintf("out of gas: used %d of %d", wasm.DefaultInitGas, wasm.DefaultInitGas)},
	} {
		bad := contracts.Contract{ID: contracts.Hash{byte(seq)}, Code: c.code}
		var votes []contracts.ResultVote
		for _, x := range xs {
			v, err := x.Execute(ctx, contracts.Command{Seq: seq, Kind: contracts.KindInstantiate, Contract: bad.ID, Height: 5, Time: at}, bad, load)
			if err != nil {
				t.Fatal(err)
			}
			votes = append(votes, v)
		}
		if votes[0].Digest() != votes[1].Digest() {
			t.Fatalf("init %s: the workers' votes differ", c.want)
		}
		if v := votes[0]; v.Status != contracts.StatusInitFailed || v.Message != c.want || len(v.Output) != 0 {
			t.Fatalf("instantiation: %+v, want init failed: %s", v, c.want)
		}
		q, err := xs[0].exec.Query(ctx, bad, alice, "echo", nil, 50_000_000, 6, time.Unix(0, at), load)
		if err != nil || q.Status != contracts.StatusInitFailed || q.Reason() != "init failed: "+c.want {
			t.Fatalf("query of the failed contract: %+v, %v", q, err)
		}
		if _, ok, _ := xs[0].StateRoot(bad.ID); ok {
			t.Fatal("a failed contract has a state root")
		}
		seq++
	}

	// A query reports its failure to its caller, the panic's message too.
	q, err := xs[0].exec.Query(ctx, ct, alice, "panic", []byte(secret), 50_000_000, 6, time.Unix(0, at), load)
	if err != nil || q.Status != contracts.StatusPanic || q.Reason() != "panic: "+secret || q.Public != "" {
		t.Fatalf("panicking query: %+v, %v", q, err)
	}
	q, err = xs[0].exec.Query(ctx, ct, alice, "loop", nil, 1_000_000, 6, time.Unix(0, at), load)
	if err != nil || q.Reason() != "out of gas: used 1000000 of 1000000" {
		t.Fatalf("query out of gas: %+v, %v", q, err)
	}
}
