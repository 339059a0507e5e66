package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// modulePath is the Go module whose source is read.
const modulePath = "github.com/phalanx-net/phalanx"

// Import paths whose identifiers the readers recognize.
const (
	chainModulePath = modulePath + "/chain/module"
	abciTypesPath   = "github.com/cometbft/cometbft/abci/types"
)

// repo is the module's non-test Go source, parsed, one package per
// directory.
type repo struct {
	root   string
	fset   *token.FileSet
	pkgs   []*pkg // sorted by import path
	byPath map[string]*pkg
}

// pkg is one parsed package.
type pkg struct {
	path  string // import path
	name  string
	files []*file
	// consts holds the package-level constants, unresolved.
	consts map[string]constDecl
}

// file is one parsed file with its imports by local name.
type file struct {
	pkg     *pkg
	ast     *ast.File
	imports map[string]string // local name → import path
}

type constDecl struct {
	file  *file
	value ast.Expr
}

// findRoot returns the directory of the module's go.mod, searching upward
// from dir.
func findRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && strings.HasPrefix(string(b), "module "+modulePath+"\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("docgen: no go.mod of %s above the working directory", modulePath)
		}
		dir = parent
	}
}

// loadRepo parses every non-test Go file of the module under root. It
// skips testdata, hidden directories and nested modules (the contract SDK
// is a module of its own and defines no chain errors or events).
func loadRepo(root string) (*repo, error) {
	r := &repo{root: root, fset: token.NewFileSet(), byPath: map[string]*pkg{}}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if p != root && (name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "node_modules") {
				return filepath.SkipDir
			}
			if p != root {
				if _, err := os.Stat(filepath.Join(p, "go.mod")); err == nil {
					return filepath.SkipDir
				}
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		return r.parseFile(p)
	})
	if err != nil {
		return nil, fmt.Errorf("docgen: reading the source: %w", err)
	}
	slices.SortFunc(r.pkgs, func(a, b *pkg) int { return strings.Compare(a.path, b.path) })
	return r, nil
}

func (r *repo) parseFile(p string) error {
	f, err := parser.ParseFile(r.fset, p, nil, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return err
	}
	rel, err := filepath.Rel(r.root, filepath.Dir(p))
	if err != nil {
		return err
	}
	ipath := modulePath
	if rel != "." {
		ipath += "/" + filepath.ToSlash(rel)
	}
	pk := r.byPath[ipath]
	if pk == nil {
		pk = &pkg{path: ipath, name: f.Name.Name, consts: map[string]constDecl{}}
		r.byPath[ipath] = pk
		r.pkgs = append(r.pkgs, pk)
	}
	fl := &file{pkg: pk, ast: f, imports: map[string]string{}}
	for _, im := range f.Imports {
		ip, err := strconv.Unquote(im.Path.Value)
		if err != nil {
			return err
		}
		name := path.Base(ip)
		if im.Name != nil {
			name = im.Name.Name
		}
		fl.imports[name] = ip
	}
	pk.files = append(pk.files, fl)
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, s := range gd.Specs {
			vs := s.(*ast.ValueSpec)
			for i, n := range vs.Names {
				if i < len(vs.Values) {
					pk.consts[n.Name] = constDecl{file: fl, value: vs.Values[i]}
				}
			}
		}
	}
	return nil
}

// imports reports whether f imports the package at ipath.
func (f *file) importsPath(ipath string) bool {
	for _, p := range f.imports {
		if p == ipath {
			return true
		}
	}
	return false
}

// isRef reports whether e names the identifier sel of the package at ipath,
// from f: pkg.Sel from outside, or a bare Sel inside that package.
func (f *file) isRef(e ast.Expr, ipath, sel string) bool {
	switch e := e.(type) {
	case *ast.SelectorExpr:
		x, ok := e.X.(*ast.Ident)
		return ok && e.Sel.Name == sel && f.imports[x.Name] == ipath
	case *ast.Ident:
		return e.Name == sel && f.pkg.path == ipath
	}
	return false
}

// pos formats a node's position relative to the repository's root.
func (r *repo) pos(n ast.Node) string {
	p := r.fset.Position(n.Pos())
	if rel, err := filepath.Rel(r.root, p.Filename); err == nil {
		p.Filename = filepath.ToSlash(rel)
	}
	return p.String()
}

// str evaluates e, in f, as a string constant: a literal, a constant of the
// package, or a constant of another package of the module.
func (r *repo) str(f *file, e ast.Expr) (string, error) {
	return r.strDepth(f, e, 0)
}

func (r *repo) strDepth(f *file, e ast.Expr, depth int) (string, error) {
	if depth > 16 {
		return "", fmt.Errorf("%s: constant defined in a cycle", r.pos(e))
	}
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind == token.STRING {
			return strconv.Unquote(e.Value)
		}
	case *ast.Ident:
		if c, ok := f.pkg.consts[e.Name]; ok {
			return r.strDepth(c.file, c.value, depth+1)
		}
	case *ast.SelectorExpr:
		if x, ok := e.X.(*ast.Ident); ok {
			if p := r.byPath[f.imports[x.Name]]; p != nil {
				if c, ok := p.consts[e.Sel.Name]; ok {
					return r.strDepth(c.file, c.value, depth+1)
				}
			}
		}
	case *ast.ParenExpr:
		return r.strDepth(f, e.X, depth+1)
	}
	return "", fmt.Errorf("%s: %s is not a string constant the generator can read", r.pos(e), exprText(e))
}

// exprText is a short rendering of an expression for error messages.
func exprText(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.SelectorExpr:
		return exprText(e.X) + "." + e.Sel.Name
	case *ast.BasicLit:
		return e.Value
	}
	return fmt.Sprintf("%T", e)
}

// commentText joins a comment group's lines into one line.
func commentText(g *ast.CommentGroup) string {
	if g == nil {
		return ""
	}
	return strings.Join(strings.Fields(g.Text()), " ")
}

// funcName names a function declaration as pkg.Func or pkg.Type.Method.
func funcName(p *pkg, fd *ast.FuncDecl) string {
	if fd.Recv == nil || len(fd.Recv.List) == 0 {
		return p.qualifier() + "." + fd.Name.Name
	}
	t := fd.Recv.List[0].Type
	if s, ok := t.(*ast.StarExpr); ok {
		t = s.X
	}
	if ix, ok := t.(*ast.IndexExpr); ok {
		t = ix.X
	}
	return p.qualifier() + "." + exprText(t) + "." + fd.Name.Name
}

// qualifier is the name the package's code is known by in the tables:
// its name, except that a module's keeper package is named as its
// importers alias it (bankkeeper), since every module has one.
func (p *pkg) qualifier() string {
	if dir, base := path.Split(p.path); base == "keeper" && p.name == "keeper" && dir != "" {
		return path.Base(dir) + "keeper"
	}
	return p.name
}
