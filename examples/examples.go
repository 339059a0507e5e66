// Package examples carries the example contracts' sources inside the
// phalanx binary, so that it needs no checkout of Phalanx to use them: the
// devnet builds and deploys vault and auction (Deployed), and `phalanx
// contract new` starts a module from voting. Each example is one main
// package in its own folder of this directory.
package examples

import (
	"embed"
	"io/fs"
)

//go:embed vault/main.go auction/main.go voting/main.go voting/main_test.go
var sources embed.FS

// Deployed are the examples a new devnet deploys, by name.
var Deployed = []string{"vault", "auction"}

// Template is the example `phalanx contract new` writes.
const Template = "voting"

// Files returns the example's files (main.go, and main_test.go where it
// has one) by name, or fs.ErrNotExist.
func Files(name string) (map[string][]byte, error) {
	entries, err := fs.ReadDir(sources, name)
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{}
	for _, e := range entries {
		b, err := fs.ReadFile(sources, name+"/"+e.Name())
		if err != nil {
			return nil, err
		}
		files[e.Name()] = b
	}
	return files, nil
}
