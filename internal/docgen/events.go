package main

import (
	"fmt"
	"go/ast"
	"go/token"
	"slices"
	"strings"
)

// event is one event type with the attributes its emitters attach.
type event struct {
	Type  string
	Const string // pkg.EventX
	Attrs []attr
	// EmittedBy names the functions that emit it, sorted.
	EmittedBy []string
	pkg       *pkg
	order     int // the constant's place in its package's source
}

// attr is an event attribute. Optional attributes are absent from some
// events of the type: appended under a condition, or left out by one of
// the emitters.
type attr struct {
	Key      string
	Indexed  bool
	Optional bool
}

// site is one place that emits an event.
type site struct {
	typ   string
	attrs []attr
	fn    string
	pos   string
}

// readEvents finds every event the chain emits: each call of
// module.Context's Emit and each abci.Event built by hand, in the packages
// that use chain/module. An event type must be a string constant named
// Event* and each attribute key a string constant, and every Event*
// constant must be emitted somewhere; any other shape is an error, so that
// the table cannot silently miss an event.
func readEvents(r *repo) ([]event, error) {
	byType := map[string]*event{}
	var sites []site
	for _, p := range r.pkgs {
		if p.path == chainModulePath {
			continue // Emit itself
		}
		uses := false
		for _, f := range p.files {
			uses = uses || f.importsPath(chainModulePath)
		}
		if !uses {
			continue
		}
		order := 0
		for _, f := range p.files {
			for _, d := range f.ast.Decls {
				gd, ok := d.(*ast.GenDecl)
				if !ok || gd.Tok != token.CONST {
					continue
				}
				for _, s := range gd.Specs {
					for _, n := range s.(*ast.ValueSpec).Names {
						if !strings.HasPrefix(n.Name, "Event") {
							continue
						}
						v, err := r.str(f, n)
						if err != nil {
							return nil, err
						}
						if prev, dup := byType[v]; dup {
							return nil, fmt.Errorf("%s: event type %q is also %s", r.pos(n), v, prev.Const)
						}
						order++
						byType[v] = &event{Type: v, Const: p.name + "." + n.Name, pkg: p, order: order}
					}
				}
			}
		}
		for _, f := range p.files {
			s, err := r.emitSites(f)
			if err != nil {
				return nil, err
			}
			sites = append(sites, s...)
		}
	}
	for _, s := range sites {
		ev := byType[s.typ]
		if ev == nil {
			return nil, fmt.Errorf("%s: event type %q is not an Event* constant", s.pos, s.typ)
		}
		if err := ev.merge(s); err != nil {
			return nil, err
		}
	}
	out := make([]event, 0, len(byType))
	for _, ev := range byType {
		if len(ev.EmittedBy) == 0 {
			return nil, fmt.Errorf("docgen: %s (%q) is declared but never emitted", ev.Const, ev.Type)
		}
		slices.Sort(ev.EmittedBy)
		ev.EmittedBy = slices.Compact(ev.EmittedBy)
		out = append(out, *ev)
	}
	slices.SortFunc(out, func(a, b event) int {
		if c := strings.Compare(a.pkg.path, b.pkg.path); c != 0 {
			return c
		}
		return a.order - b.order
	})
	return out, nil
}

// merge adds one emitting site's attributes to the event type's.
func (ev *event) merge(s site) error {
	first := len(ev.EmittedBy) == 0
	ev.EmittedBy = append(ev.EmittedBy, s.fn)
	for i := range ev.Attrs {
		if !slices.ContainsFunc(s.attrs, func(a attr) bool { return a.Key == ev.Attrs[i].Key }) {
			ev.Attrs[i].Optional = true
		}
	}
	for _, a := range s.attrs {
		j := slices.IndexFunc(ev.Attrs, func(b attr) bool { return b.Key == a.Key })
		if j < 0 {
			a.Optional = a.Optional || !first
			ev.Attrs = append(ev.Attrs, a)
			continue
		}
		if ev.Attrs[j].Indexed != a.Indexed {
			return fmt.Errorf("%s: attribute %q of %q is indexed at one emitter and not at another", s.pos, a.Key, ev.Type)
		}
		ev.Attrs[j].Optional = ev.Attrs[j].Optional || a.Optional
	}
	return nil
}

// emitSites reads the events emitted in one file.
func (r *repo) emitSites(f *file) ([]site, error) {
	var out []site
	for _, d := range f.ast.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Body == nil {
			continue
		}
		fn := funcName(f.pkg, fd)
		var err error
		var stack []ast.Node
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			if err != nil {
				return false
			}
			if n == nil {
				stack = stack[:len(stack)-1]
				return true
			}
			stack = append(stack, n)
			var s *site
			switch n := n.(type) {
			case *ast.CallExpr:
				s, err = r.emitCall(f, fd, n, slices.Clone(stack))
			case *ast.CompositeLit:
				if f.isRef(n.Type, abciTypesPath, "Event") {
					s, err = r.abciEvent(f, n)
				}
			}
			if s != nil {
				s.fn = fn
				out = append(out, *s)
			}
			return true
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// emitCall reads a call of Context.Emit: ctx.Emit(EventX, attrs...).
func (r *repo) emitCall(f *file, fd *ast.FuncDecl, call *ast.CallExpr, path []ast.Node) (*site, error) {
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != "Emit" || len(call.Args) == 0 {
		return nil, nil
	}
	s := &site{pos: r.pos(call)}
	var err error
	if s.typ, err = r.str(f, call.Args[0]); err != nil {
		return nil, fmt.Errorf("event type: %w", err)
	}
	args := call.Args[1:]
	if call.Ellipsis.IsValid() {
		v, ok := args[len(args)-1].(*ast.Ident)
		if !ok || len(args) != 1 {
			return nil, fmt.Errorf("%s: the attributes of a variadic Emit must be one local variable", s.pos)
		}
		s.attrs, err = r.attrVar(f, fd, v.Name, path)
		return s, err
	}
	for _, a := range args {
		at, err := r.moduleAttr(f, a)
		if err != nil {
			return nil, err
		}
		s.attrs = append(s.attrs, at)
	}
	return s, nil
}

// attrVar reads the attributes a local []module.Attr variable collects
// before it is emitted: its initial literal, and each append. An append
// under a condition that does not also hold the Emit makes its attributes
// optional.
func (r *repo) attrVar(f *file, fd *ast.FuncDecl, name string, emitPath []ast.Node) ([]attr, error) {
	var out []attr
	var err error
	var stack []ast.Node
	add := func(elts []ast.Expr, optional bool) {
		for _, e := range elts {
			if err != nil {
				return
			}
			var a attr
			if a, err = r.moduleAttr(f, e); err == nil {
				a.Optional = optional
				out = append(out, a)
			}
		}
	}
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		if n == nil {
			stack = stack[:len(stack)-1]
			return true
		}
		stack = append(stack, n)
		as, ok := n.(*ast.AssignStmt)
		if !ok || err != nil {
			return true
		}
		for i, lhs := range as.Lhs {
			id, ok := lhs.(*ast.Ident)
			if !ok || id.Name != name || i >= len(as.Rhs) {
				continue
			}
			switch rhs := as.Rhs[i].(type) {
			case *ast.CompositeLit:
				add(rhs.Elts, conditional(stack, emitPath))
			case *ast.CallExpr:
				if fun, ok := rhs.Fun.(*ast.Ident); ok && fun.Name == "append" && len(rhs.Args) > 0 {
					if first, ok := rhs.Args[0].(*ast.Ident); ok && first.Name == name && !rhs.Ellipsis.IsValid() {
						add(rhs.Args[1:], conditional(stack, emitPath))
						continue
					}
				}
				err = fmt.Errorf("%s: %s gets attributes the generator cannot read", r.pos(rhs), name)
			default:
				err = fmt.Errorf("%s: %s gets attributes the generator cannot read", r.pos(rhs), name)
			}
		}
		return true
	})
	if err == nil && out == nil {
		err = fmt.Errorf("%s: no attributes found for %s", r.pos(fd), name)
	}
	return out, err
}

// conditional reports whether the statement at the end of path runs under
// an if, switch, select or loop that the Emit call at emitPath is not
// inside.
func conditional(path, emitPath []ast.Node) bool {
	for _, n := range path {
		switch n.(type) {
		case *ast.IfStmt, *ast.SwitchStmt, *ast.TypeSwitchStmt, *ast.SelectStmt, *ast.ForStmt, *ast.RangeStmt:
			if !slices.Contains(emitPath, n) {
				return true
			}
		}
	}
	return false
}

// moduleAttr reads a module.Attr{Key: AttrX, Value: ..., Index: true}
// literal (its type may be elided inside a []module.Attr literal).
func (r *repo) moduleAttr(f *file, e ast.Expr) (attr, error) {
	lit, ok := e.(*ast.CompositeLit)
	if !ok || (lit.Type != nil && !f.isRef(lit.Type, chainModulePath, "Attr")) {
		return attr{}, fmt.Errorf("%s: an event attribute must be a module.Attr literal", r.pos(e))
	}
	return r.attrFields(f, lit)
}

// attrFields reads the Key and Index fields of an attribute literal.
func (r *repo) attrFields(f *file, lit *ast.CompositeLit) (attr, error) {
	var a attr
	haveKey := false
	for _, el := range lit.Elts {
		kv, ok := el.(*ast.KeyValueExpr)
		if !ok {
			return a, fmt.Errorf("%s: an event attribute's fields must be named", r.pos(el))
		}
		switch k, _ := kv.Key.(*ast.Ident); {
		case k == nil:
		case k.Name == "Key":
			key, err := r.str(f, kv.Value)
			if err != nil {
				return a, fmt.Errorf("attribute key: %w", err)
			}
			a.Key, haveKey = key, true
		case k.Name == "Index":
			id, ok := kv.Value.(*ast.Ident)
			if !ok || (id.Name != "true" && id.Name != "false") {
				return a, fmt.Errorf("%s: Index must be true or false", r.pos(kv.Value))
			}
			a.Indexed = id.Name == "true"
		}
	}
	if !haveKey {
		return a, fmt.Errorf("%s: an event attribute without a Key", r.pos(lit))
	}
	return a, nil
}

// abciEvent reads an abci.Event{Type: EventX, Attributes: []abci.EventAttribute{...}}
// literal, as the application builds its per-transaction fee event.
func (r *repo) abciEvent(f *file, lit *ast.CompositeLit) (*site, error) {
	s := &site{pos: r.pos(lit)}
	haveType := false
	for _, el := range lit.Elts {
		kv, ok := el.(*ast.KeyValueExpr)
		if !ok {
			return nil, fmt.Errorf("%s: an abci.Event's fields must be named", s.pos)
		}
		k, _ := kv.Key.(*ast.Ident)
		switch {
		case k == nil:
		case k.Name == "Type":
			t, err := r.str(f, kv.Value)
			if err != nil {
				return nil, fmt.Errorf("event type: %w", err)
			}
			s.typ, haveType = t, true
		case k.Name == "Attributes":
			attrs, ok := kv.Value.(*ast.CompositeLit)
			if !ok {
				return nil, fmt.Errorf("%s: an abci.Event's attributes must be a literal", r.pos(kv.Value))
			}
			for _, e := range attrs.Elts {
				al, ok := e.(*ast.CompositeLit)
				if !ok {
					return nil, fmt.Errorf("%s: an event attribute must be a literal", r.pos(e))
				}
				a, err := r.attrFields(f, al)
				if err != nil {
					return nil, err
				}
				s.attrs = append(s.attrs, a)
			}
		}
	}
	if !haveType {
		return nil, fmt.Errorf("%s: an abci.Event without a Type", s.pos)
	}
	return s, nil
}
