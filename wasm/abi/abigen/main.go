// Command abigen writes the contract SDK's host imports from the host ABI
// table (package abi). It is run by `go generate ./wasm/abi`.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/phalanx-net/phalanx/wasm/abi"
)

func main() {
	out := flag.String("o", "", "file to write")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "abigen: -o is required")
		os.Exit(2)
	}
	src, err := abi.SDKImports()
	if err != nil {
		fmt.Fprintln(os.Stderr, "abigen:", err)
		os.Exit(1)
	}
	if err := os.WriteFile(*out, src, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "abigen:", err)
		os.Exit(1)
	}
}
