package module

import (
	"fmt"
	"reflect"
	"slices"

	"github.com/phalanx-net/phalanx/chain/codec"
)

// Msg is one action in a transaction. Its type name ("bank/send") selects
// the handler; ValidateBasic checks what can be checked without state.
type Msg interface {
	Type() string
	ValidateBasic() error
}

// Handler executes a message against the context's state.
type Handler func(ctx *Context, msg Msg) error

type route struct {
	typ     reflect.Type // the message's struct type
	handler Handler
}

// Router maps message type names to their Go types and handlers.
type Router struct {
	routes map[string]route
}

// NewRouter returns an empty router.
func NewRouter() *Router { return &Router{routes: map[string]route{}} }

// Register adds a message type M (a pointer to a struct) and its handler;
// registering a type name twice is a programming error.
func Register[M Msg](r *Router, h func(ctx *Context, msg M) error) {
	var zero M
	t := reflect.TypeOf(zero)
	if t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		panic(fmt.Sprintf("module: message %T must be a pointer to a struct", zero))
	}
	name := reflect.New(t.Elem()).Interface().(Msg).Type()
	if _, dup := r.routes[name]; dup {
		panic(fmt.Sprintf("module: message type %q registered twice", name))
	}
	r.routes[name] = route{typ: t.Elem(), handler: func(ctx *Context, m Msg) error { return h(ctx, m.(M)) }}
}

// Known reports whether a message type is registered.
func (r *Router) Known(typ string) bool {
	_, ok := r.routes[typ]
	return ok
}

// Types returns the registered message types, sorted.
func (r *Router) Types() []string {
	out := make([]string, 0, len(r.routes))
	for k := range r.routes {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Decode decodes a message of the named type. It returns ok=false for an
// unknown type and an error for a body that does not decode canonically.
func (r *Router) Decode(typ string, body []byte) (msg Msg, ok bool, err error) {
	rt, ok := r.routes[typ]
	if !ok {
		return nil, false, nil
	}
	p := reflect.New(rt.typ)
	if err := codec.Unmarshal(body, p.Interface()); err != nil {
		return nil, true, err
	}
	return p.Interface().(Msg), true, nil
}

// Handle runs the handler of msg's type.
func (r *Router) Handle(ctx *Context, msg Msg) error {
	rt, ok := r.routes[msg.Type()]
	if !ok {
		return fmt.Errorf("module: no handler for %q", msg.Type())
	}
	return rt.handler(ctx, msg)
}
