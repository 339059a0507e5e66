package main

import (
	"cmp"
	"fmt"
	"go/ast"
	"go/token"
	"slices"
	"strconv"
)

// codedError is one module.DefineError call, as the source has it.
type codedError struct {
	Codespace string
	Code      uint32
	Desc      string
	Name      string // pkg.ErrX
	When      string // the comment on the declaration, if any
	pos       string
}

// readErrors finds every module.DefineError call of the module. Each must
// initialize a package-level variable with constant arguments; anything
// else is an error, so that no coded error escapes the table.
func readErrors(r *repo) ([]codedError, error) {
	var out []codedError
	for _, p := range r.pkgs {
		for _, f := range p.files {
			if f.pkg.path != chainModulePath && !f.importsPath(chainModulePath) {
				continue
			}
			declared := map[*ast.CallExpr]bool{}
			for _, d := range f.ast.Decls {
				gd, ok := d.(*ast.GenDecl)
				if !ok || gd.Tok != token.VAR {
					continue
				}
				for _, s := range gd.Specs {
					vs := s.(*ast.ValueSpec)
					for i, v := range vs.Values {
						call, ok := v.(*ast.CallExpr)
						if !ok || !f.isRef(call.Fun, chainModulePath, "DefineError") || i >= len(vs.Names) {
							continue
						}
						e, err := r.readError(f, call)
						if err != nil {
							return nil, err
						}
						e.Name = p.name + "." + vs.Names[i].Name
						e.When = commentText(vs.Doc)
						if e.When == "" {
							e.When = commentText(vs.Comment)
						}
						if e.When == "" && !gd.Lparen.IsValid() {
							e.When = commentText(gd.Doc)
						}
						declared[call] = true
						out = append(out, e)
					}
				}
			}
			var stray error
			ast.Inspect(f.ast, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if ok && stray == nil && !declared[call] && f.isRef(call.Fun, chainModulePath, "DefineError") {
					stray = fmt.Errorf("%s: DefineError must initialize a package-level variable, or the error is not in the table", r.pos(call))
				}
				return true
			})
			if stray != nil {
				return nil, stray
			}
		}
	}
	seen := map[[2]string]codedError{}
	for _, e := range out {
		k := [2]string{e.Codespace, strconv.FormatUint(uint64(e.Code), 10)}
		if prev, dup := seen[k]; dup {
			return nil, fmt.Errorf("%s: error %s/%d is also defined at %s", e.pos, e.Codespace, e.Code, prev.pos)
		}
		seen[k] = e
	}
	slices.SortFunc(out, func(a, b codedError) int {
		return cmp.Or(cmp.Compare(codespaceRank(a.Codespace), codespaceRank(b.Codespace)),
			cmp.Compare(a.Codespace, b.Codespace), cmp.Compare(a.Code, b.Code))
	})
	return out, nil
}

func (r *repo) readError(f *file, call *ast.CallExpr) (codedError, error) {
	e := codedError{pos: r.pos(call)}
	if len(call.Args) != 3 {
		return e, fmt.Errorf("%s: DefineError takes 3 arguments", e.pos)
	}
	var err error
	if e.Codespace, err = r.str(f, call.Args[0]); err != nil {
		return e, fmt.Errorf("codespace: %w", err)
	}
	lit, ok := call.Args[1].(*ast.BasicLit)
	if !ok || lit.Kind != token.INT {
		return e, fmt.Errorf("%s: the code must be an integer literal", e.pos)
	}
	code, err := strconv.ParseUint(lit.Value, 0, 32)
	if err != nil {
		return e, fmt.Errorf("%s: code: %w", e.pos, err)
	}
	e.Code = uint32(code)
	if e.Desc, err = r.str(f, call.Args[2]); err != nil {
		return e, fmt.Errorf("description: %w", err)
	}
	return e, nil
}

// codespaceRank orders the table: the envelope's refusals and gas first,
// as a transaction meets them, then the modules by name, then the
// application's own and internal errors.
func codespaceRank(cs string) int {
	switch cs {
	case "tx":
		return 0
	case "gas":
		return 1
	case "app":
		return 3
	case "internal":
		return 4
	}
	return 2
}
