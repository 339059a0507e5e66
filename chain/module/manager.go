package module

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/phalanx-net/phalanx/chain/store"
	"github.com/phalanx-net/phalanx/crypto"
)

// Manager holds the chain's modules in one list, whose order is the order
// of their genesis and end-of-block work, and answers for all of them: the
// message router, the query table, genesis, the end of a block,
// invariants and metrics. The application, the economics simulation and
// the modules' test bench each build theirs from the same modules.
type Manager struct {
	modules []Module
	router  *Router
	queries map[string]Query
}

// NewManager returns a manager of mods, in that order, and registers
// their messages and queries. Two modules of one name, one message type or
// one query path registered twice are programming errors: it panics.
func NewManager(mods ...Module) *Manager {
	m := &Manager{router: NewRouter(), queries: map[string]Query{}}
	names := map[string]bool{}
	for _, mod := range mods {
		if names[mod.Name()] {
			panic(fmt.Sprintf("module: two modules named %q", mod.Name()))
		}
		names[mod.Name()] = true
		m.modules = append(m.modules, mod)
		if h, ok := mod.(HasMsgs); ok {
			h.RegisterMsgs(m.router)
		}
		if h, ok := mod.(HasQueries); ok {
			for _, q := range h.Queries() {
				q.Module = mod.Name()
				m.AddQuery(q)
			}
		}
	}
	return m
}

// HasQueries is a module with queries.
type HasQueries interface {
	Module
	Queries() []Query
}

// AddQuery adds a query that no module owns (the application's own).
func (m *Manager) AddQuery(q Query) {
	if _, dup := m.queries[q.Path]; dup {
		panic(fmt.Sprintf("module: query path %q registered twice", q.Path))
	}
	if q.Module == "" {
		q.Module = "app"
	}
	m.queries[q.Path] = q
}

// Modules returns the modules in their order.
func (m *Manager) Modules() []Module { return slices.Clone(m.modules) }

// Router returns the router of every module's messages.
func (m *Manager) Router() *Router { return m.router }

// Query returns the query of a path.
func (m *Manager) Query(path string) (Query, bool) {
	q, ok := m.queries[path]
	return q, ok
}

// QueryPaths returns every query path, sorted.
func (m *Manager) QueryPaths() []string {
	out := make([]string, 0, len(m.queries))
	for p := range m.queries {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// ValidateGenesis checks app_state's sections: each module validates its
// own, absent or not, and a section no module owns is refused.
func (m *Manager) ValidateGenesis(sections map[string]json.RawMessage) error {
	owned := map[string]bool{}
	for _, mod := range m.modules {
		h, ok := mod.(HasGenesis)
		if !ok {
			continue
		}
		owned[mod.Name()] = true
		if err := h.ValidateGenesis(sections[mod.Name()]); err != nil {
			return fmt.Errorf("%s: %w", mod.Name(), err)
		}
	}
	for _, name := range sortedKeys(sections) {
		if !owned[name] {
			return fmt.Errorf("unknown section %q", name)
		}
	}
	return nil
}

// InitGenesis writes every module's genesis state, in module order.
func (m *Manager) InitGenesis(ctx *Context, sections map[string]json.RawMessage, chain ChainGenesis) error {
	if err := m.ValidateGenesis(sections); err != nil {
		return err
	}
	for _, mod := range m.modules {
		if h, ok := mod.(HasGenesis); ok {
			if err := h.InitGenesis(ctx, sections[mod.Name()], chain); err != nil {
				return fmt.Errorf("%s: %w", mod.Name(), err)
			}
		}
	}
	return nil
}

// EndBlock runs the modules' end-of-block work, in module order, in one
// cache over ctx's state, so that a failure leaves none of it half done.
// The events go to ctx.
func (m *Manager) EndBlock(ctx *Context, info EndBlockInfo) error {
	c := store.NewCache(ctx.Store())
	ectx := NewContext(c, ctx.Block, crypto.Address{}, nil, ctx.Log)
	for _, mod := range m.modules {
		if h, ok := mod.(HasEndBlock); ok {
			if err := h.EndBlock(ectx, info); err != nil {
				return fmt.Errorf("%s: %w", mod.Name(), err)
			}
		}
	}
	c.Write(ctx.Store())
	ctx.AppendEvents(ectx.Events())
	ctx.UpdateValidators(ectx.ValidatorUpdates()...)
	return nil
}

// CheckState checks every module's invariants over a whole state.
func (m *Manager) CheckState(r store.Reader) error {
	for _, mod := range m.modules {
		if h, ok := mod.(HasInvariants); ok {
			if err := h.CheckState(r); err != nil {
				return err
			}
		}
	}
	return nil
}

// CheckBlock checks every module's invariants over a block's changes.
func (m *Manager) CheckBlock(changes *store.Cache, before store.Reader) error {
	for _, mod := range m.modules {
		if h, ok := mod.(HasInvariants); ok {
			if err := h.CheckBlock(changes, before); err != nil {
				return err
			}
		}
	}
	return nil
}

// Gauges returns every module's gauges, in module order.
func (m *Manager) Gauges() []Gauge {
	var out []Gauge
	for _, mod := range m.modules {
		if h, ok := mod.(HasMetrics); ok {
			out = append(out, h.Gauges()...)
		}
	}
	return out
}

// CountedEvents returns the events every module wants counted.
func (m *Manager) CountedEvents() []CountedEvent {
	var out []CountedEvent
	for _, mod := range m.modules {
		if h, ok := mod.(HasMetrics); ok {
			out = append(out, h.CountedEvents()...)
		}
	}
	return out
}

// Get returns the manager's module of type M: how the application, a
// test or the simulation reaches one module's keeper.
func Get[M Module](m *Manager) (M, bool) {
	for _, mod := range m.modules {
		if x, ok := mod.(M); ok {
			return x, true
		}
	}
	var zero M
	return zero, false
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
