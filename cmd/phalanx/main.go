// Command phalanx is the one binary of Phalanx: it runs a local devnet or
// a gatekeeper node, manages keys, sends transactions, queries the chain
// and runs benchmarks.
package main

import (
	"fmt"
	"os"
)

func main() {
	if err := newRootCmd(os.Stdin, os.Stdout, os.Stderr).Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		os.Exit(exitCode(err))
	}
}
