package gobuild

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"

	"github.com/phalanx-net/phalanx/sdk/contract"
)

// SDKPath is the contract SDK's module path.
const SDKPath = "github.com/phalanx-net/phalanx/sdk/contract"

// SDKDir is the folder, inside a contract module, that holds its copy of
// the SDK.
const SDKDir = "phalanx-sdk"

// ErrNotEmpty means NewModule was asked to write into a folder that holds
// something already.
var ErrNotEmpty = errors.New("the folder is not empty")

// sdkGoVersion is the Go version the SDK's go.mod asks for.
func sdkGoVersion() string {
	raw, err := fs.ReadFile(contract.Source, "go.mod")
	if err != nil {
		panic(err) // the SDK embeds its go.mod: a broken build
	}
	f, err := modfile.ParseLax("go.mod", raw, nil)
	if err != nil || f.Go == nil {
		panic(fmt.Sprintf("the SDK's embedded go.mod: %v", err))
	}
	return f.Go.Version
}

// NewModule writes a contract module in dir, which must not exist or be
// empty: a go.mod for modulePath that requires the SDK and replaces it
// with a copy written into dir/phalanx-sdk, and files (by name, relative
// to dir). Written out, the module builds and tests offline, and the
// go.mod stays the author's: `go get` and `go mod tidy` of their own
// dependencies work as in any module.
func NewModule(dir, modulePath string, files map[string][]byte) error {
	if err := module.CheckImportPath(modulePath); err != nil {
		return fmt.Errorf("module path: %w", err)
	}
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return fmt.Errorf("%w: %s", ErrNotEmpty, dir)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	mod, err := goMod(modulePath)
	if err != nil {
		return err
	}
	all := map[string][]byte{"go.mod": mod}
	for name, b := range files {
		all[name] = b
	}
	err = fs.WalkDir(contract.Source, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if strings.HasSuffix(p, "_test.go") {
			return nil // the SDK's own tests are not the author's
		}
		b, err := fs.ReadFile(contract.Source, p)
		all[path.Join(SDKDir, p)] = b
		return err
	})
	if err != nil {
		return err
	}
	for name, b := range all {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// goMod is a contract module's go.mod.
func goMod(modulePath string) ([]byte, error) {
	f := &modfile.File{}
	f.AddModuleStmt(modulePath)
	if err := f.AddGoStmt(sdkGoVersion()); err != nil {
		return nil, err
	}
	if err := f.AddRequire(SDKPath, "v0.0.0"); err != nil {
		return nil, err
	}
	if err := f.AddReplace(SDKPath, "", "./"+SDKDir, ""); err != nil {
		return nil, err
	}
	f.Replace[0].Syntax.Before = []modfile.Comment{
		{Token: "// The contract SDK is the copy in ./" + SDKDir + ": this module builds and"},
		{Token: "// tests with no network and no checkout of Phalanx."},
	}
	return f.Format()
}

// BuildFiles writes files into a new temporary contract module (module
// path name) and builds it: the module's bytes. Nothing of the working
// directory, nor any go.work, takes part.
func BuildFiles(name string, files map[string][]byte) ([]byte, error) {
	tmp, err := os.MkdirTemp("", "phalanx-"+name)
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	dir := filepath.Join(tmp, name)
	if err := NewModule(dir, name, files); err != nil {
		return nil, err
	}
	return buildBytes(dir, "GOWORK=off")
}
