package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/phalanx-net/phalanx/wasm/gobuild"
)

func newContractCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "contract",
		Short: "Build, upload, instantiate, call and query confidential contracts",
	}
	cmd.AddCommand(newContractBuildCmd(c), newContractUploadCmd(c), newContractInstantiateCmd(c),
		newContractCallCmd(c), newContractQueryCmd(c), newContractShowCmd(c))
	return cmd
}

func newContractBuildCmd(c *cli) *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "build DIR",
		Short: "Build the Go contract in DIR into a .wasm module",
		Long: `Builds the Go contract in DIR (a main package with //go:wasmexport functions) with the Go
toolchain, exactly as

  GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -trimpath -o OUT DIR

does; -trimpath keeps this machine's paths out of the module, so the same
source gives the same bytes on every machine with the same Go version.
OUT defaults to DIR's name with .wasm, in the current directory.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := args[0]
			if st, err := os.Stat(dir); err != nil || !st.IsDir() {
				return fmt.Errorf("%s is not a directory with a Go contract", dir)
			}
			if out == "" {
				abs, err := filepath.Abs(dir)
				if err != nil {
					return err
				}
				out = filepath.Base(abs) + ".wasm"
			}
			if err := gobuild.Build(dir, out, c.stderr); err != nil {
				return err
			}
			st, err := os.Stat(out)
			if err != nil {
				return err
			}
			fmt.Fprintf(c.stdout, "Built %s (%d bytes)\n", out, st.Size())
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "where to write the module (default: DIR's name + .wasm)")
	return cmd
}
