package module

import "github.com/phalanx-net/phalanx/chain/store"

// gasKV charges a GasMeter for every state access made by a handler.
type gasKV struct {
	kv    store.KV
	meter *GasMeter
	costs GasCosts
}

func (g gasKV) Get(key []byte) []byte {
	v := g.kv.Get(key)
	_ = g.meter.Consume(g.costs.ReadFlat+g.costs.ReadPerByte*uint64(len(key)+len(v)), "state read")
	return v
}

func (g gasKV) Iterate(prefix []byte, fn func(key, value []byte) bool) {
	g.kv.Iterate(prefix, func(k, v []byte) bool {
		if g.meter.Consume(g.costs.IterNext+g.costs.ReadPerByte*uint64(len(k)+len(v)), "state iteration") != nil {
			return false
		}
		return fn(k, v)
	})
}

func (g gasKV) Set(key, value []byte) {
	_ = g.meter.Consume(g.costs.WriteFlat+g.costs.WritePerByte*uint64(len(key)+len(value)), "state write")
	g.kv.Set(key, value)
}

func (g gasKV) Delete(key []byte) {
	_ = g.meter.Consume(g.costs.DeleteFlat, "state delete")
	g.kv.Delete(key)
}
