package module

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/phalanx-net/phalanx/chain/store"
	"github.com/phalanx-net/phalanx/crypto"
)

// empty is a state with no keys.
type empty struct{}

func (empty) Get([]byte) []byte                      { return nil }
func (empty) Iterate([]byte, func(k, v []byte) bool) {}

type testGenesis struct {
	N int `json:"n"`
}

func (g testGenesis) Validate() error {
	if g.N < 0 {
		return errors.New("n is negative")
	}
	return nil
}

// testModule writes its genesis n under its name, appends its name to the
// key "order" at the end of a block, and fails there if told to.
type testModule struct {
	name    string
	failEnd bool
	badSum  bool
}

func (m testModule) Name() string { return m.name }

func (m testModule) ValidateGenesis(raw json.RawMessage) error {
	_, err := ReadGenesis[testGenesis](raw)
	return err
}

func (m testModule) InitGenesis(ctx *Context, raw json.RawMessage, _ ChainGenesis) error {
	g, err := ReadGenesis[testGenesis](raw)
	if err != nil {
		return err
	}
	ctx.Store().Set([]byte(m.name), []byte{byte(g.N)})
	return nil
}

func (m testModule) EndBlock(ctx *Context, info EndBlockInfo) error {
	kv := ctx.Store()
	kv.Set([]byte("order"), append(kv.Get([]byte("order")), m.name...))
	ctx.Emit("end_" + m.name)
	if m.failEnd {
		return errors.New("broken")
	}
	return nil
}

func (m testModule) Queries() []Query {
	return []Query{FixedQuery("/"+m.name+"/n", []byte(m.name)), ListQuery("/"+m.name+"/all", []byte(m.name))}
}

func (m testModule) CheckState(store.Reader) error { return nil }

func (m testModule) CheckBlock(changes *store.Cache, _ store.Reader) error {
	if m.badSum {
		return errors.New("supply changed")
	}
	return nil
}

func TestManagerGenesis(t *testing.T) {
	m := NewManager(testModule{name: "a"}, testModule{name: "b"})
	st := store.NewCache(empty{})
	ctx := NewContext(st, Block{}, [20]byte{}, nil, nil)
	if err := m.InitGenesis(ctx, map[string]json.RawMessage{"a": json.RawMessage(`{"n":7}`)}, ChainGenesis{}); err != nil {
		t.Fatal(err)
	}
	if got := st.Get([]byte("a")); len(got) != 1 || got[0] != 7 {
		t.Fatalf("a's genesis wrote %v", got)
	}
	if got := st.Get([]byte("b")); len(got) != 1 || got[0] != 0 {
		t.Fatalf("b, without a section, wrote %v, want its zero genesis", got)
	}
	for _, bad := range []struct{ name, raw, want string }{
		{"c", `{}`, `unknown section "c"`},
		{"a", `{"n":-1}`, "a: n is negative"},
		{"a", `{"m":1}`, `a: json: unknown field "m"`},
		{"a", `{"n":1} {}`, "a: trailing data"},
	} {
		err := m.ValidateGenesis(map[string]json.RawMessage{bad.name: json.RawMessage(bad.raw)})
		if err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("section %s %s: %v, want %q", bad.name, bad.raw, err, bad.want)
		}
	}
}

func TestManagerEndBlockIsAllOrNothing(t *testing.T) {
	st := store.NewCache(empty{})
	ctx := NewContext(st, Block{}, [20]byte{}, nil, nil)
	if err := NewManager(testModule{name: "b"}, testModule{name: "a"}).EndBlock(ctx, EndBlockInfo{}); err != nil {
		t.Fatal(err)
	}
	if got := string(st.Get([]byte("order"))); got != "ba" {
		t.Fatalf("end of block ran in order %q, want the module list's, ba", got)
	}
	if len(ctx.Events()) != 2 || ctx.Events()[0].Type != "end_b" {
		t.Fatalf("events %v", ctx.Events())
	}

	st = store.NewCache(empty{})
	ctx = NewContext(st, Block{}, [20]byte{}, nil, nil)
	err := NewManager(testModule{name: "a"}, testModule{name: "b", failEnd: true}).EndBlock(ctx, EndBlockInfo{})
	if err == nil || !strings.Contains(err.Error(), "b: broken") {
		t.Fatalf("a failing end of block: %v", err)
	}
	if st.Get([]byte("order")) != nil || len(ctx.Events()) != 0 {
		t.Fatalf("a failed end of block left %q and events %v", st.Get([]byte("order")), ctx.Events())
	}
}

func TestManagerTables(t *testing.T) {
	m := NewManager(testModule{name: "a"}, testModule{name: "b", badSum: true})
	m.AddQuery(FixedQuery("/app/x", []byte("x")))
	if got := strings.Join(m.QueryPaths(), " "); got != "/a/all /a/n /app/x /b/all /b/n" {
		t.Fatalf("query paths %s", got)
	}
	q, ok := m.Query("/b/n")
	if !ok || q.Module != "b" {
		t.Fatalf("query /b/n: %+v %v", q, ok)
	}
	if q, _ := m.Query("/app/x"); q.Module != "app" {
		t.Fatalf("an added query belongs to %q", q.Module)
	}
	if err := m.CheckBlock(store.NewCache(empty{}), empty{}); err == nil {
		t.Fatal("a broken invariant went unreported")
	}
	if b, ok := Get[testModule](m); !ok || b.name != "a" {
		t.Fatalf("Get found %+v %v, want the first of its type", b, ok)
	}
	for _, dup := range []func(){
		func() { NewManager(testModule{name: "a"}, testModule{name: "a"}) },
		func() { m.AddQuery(FixedQuery("/a/n", nil)) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("a duplicate did not panic")
				}
			}()
			dup()
		}()
	}
}

func TestQueryData(t *testing.T) {
	q := Uint64Query("/x", "pool id", func(id uint64) []byte { return []byte{byte(id)} })
	if k, err := q.Key([]byte{0, 0, 0, 0, 0, 0, 0, 9}); err != nil || k[0] != 9 {
		t.Fatalf("key %v, %v", k, err)
	}
	if _, err := q.Key([]byte{1}); err == nil || err.Error() != "wants an 8-byte pool id" {
		t.Fatalf("short data: %v", err)
	}
	if _, err := AddressQuery("/y", func(crypto.Address) []byte { return nil }).Key(make([]byte, 19)); err == nil {
		t.Fatal("a 19-byte address was accepted")
	}
}

// validating sets one validator update at the end of a block.
type validating struct {
	name  string
	power int64
}

func (v validating) Name() string { return v.name }
func (v validating) EndBlock(ctx *Context, _ EndBlockInfo) error {
	ctx.UpdateValidators(ValidatorUpdate{Key: crypto.PublicKey{1}, Power: v.power})
	return nil
}

// The validator updates a module makes at the end of a block reach the
// caller's context, in the modules' order, as its events do.
func TestEndBlockValidatorUpdates(t *testing.T) {
	m := NewManager(validating{"a", 5}, validating{"b", 0})
	ctx := NewContext(store.NewCache(empty{}), Block{Height: 1}, crypto.Address{}, nil, nil)
	if err := m.EndBlock(ctx, EndBlockInfo{}); err != nil {
		t.Fatal(err)
	}
	u := ctx.ValidatorUpdates()
	if len(u) != 2 || u[0].Power != 5 || u[1].Power != 0 || u[0].Key != (crypto.PublicKey{1}) {
		t.Fatalf("updates %+v", u)
	}
}
