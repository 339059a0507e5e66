package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	check := flag.Bool("check", false, "only report whether "+protocolDoc+" is up to date (exit status 1 if not)")
	flag.Parse()
	if err := run(*check); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(check bool) error {
	root, err := findRoot(".")
	if err != nil {
		return err
	}
	current, want, err := Generate(root)
	if err != nil {
		return err
	}
	if bytes.Equal(current, want) {
		return nil
	}
	if check {
		return fmt.Errorf("docgen: %s's generated tables are out of date: run %s", protocolDoc, regenerate)
	}
	return os.WriteFile(filepath.Join(root, protocolDoc), want, 0o644)
}
