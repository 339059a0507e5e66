package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/phalanx-net/phalanx/examples"
	"github.com/phalanx-net/phalanx/wasm/gobuild"
)

func newContractCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "contract",
		Short: "Write, build, upload, instantiate, call and query confidential contracts",
	}
	cmd.AddCommand(newContractNewCmd(c), newContractBuildCmd(c), newContractUploadCmd(c), newContractInstantiateCmd(c),
		newContractCallCmd(c), newContractQueryCmd(c), newContractShowCmd(c))
	return cmd
}

func newContractNewCmd(c *cli) *cobra.Command {
	var modulePath string
	cmd := &cobra.Command{
		Use:   "new DIR",
		Short: "Start a contract module in DIR: a working contract, its test and the SDK",
		Long: `Writes a Go module in DIR, which must not exist or be empty:

  main.go       a small working contract, a confidential vote
  main_test.go  its test, run natively with plain ` + "`go test`" + `
  go.mod        the module; it requires the contract SDK and replaces it
                with the copy in phalanx-sdk/
  phalanx-sdk/  the contract SDK (standard library only)

so the module builds and tests with no network and no checkout of Phalanx;
` + "`go get`" + ` and ` + "`go mod tidy`" + ` of your own dependencies work as in any module. The
module path is DIR's name unless --module gives one. Then:

  cd DIR && go test
  phalanx contract build DIR`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := args[0]
			abs, err := filepath.Abs(dir)
			if err != nil {
				return err
			}
			mp := modulePath
			if mp == "" {
				mp = filepath.Base(abs)
			}
			files, err := examples.Files(examples.Template)
			if err != nil {
				return err
			}
			if err := gobuild.NewModule(dir, mp, files); err != nil {
				if modulePath == "" && !errors.Is(err, gobuild.ErrNotEmpty) {
					return fmt.Errorf("%w (the module path is DIR's name unless --module gives one)", err)
				}
				return err
			}
			return c.print(map[string]string{"dir": abs, "module": mp}, func(w io.Writer) {
				fmt.Fprintf(w, "Created the contract module %s in %s:\n", mp, dir)
				fmt.Fprintf(w, "  main.go       a confidential vote: the methods vote, results and my_vote\n")
				fmt.Fprintf(w, "  main_test.go  its test\n")
				fmt.Fprintf(w, "  phalanx-sdk/  the contract SDK, which go.mod uses in place of a download\n")
				fmt.Fprintf(w, "Test it:  cd %s && go test\nBuild it: phalanx contract build %s\n", dir, dir)
			})
		},
	}
	cmd.Flags().StringVar(&modulePath, "module", "", "the module path (default: DIR's name)")
	return cmd
}

func newContractBuildCmd(c *cli) *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "build DIR",
		Short: "Build the Go contract in DIR into a .wasm module",
		Long: `Builds the Go contract in DIR (a main package of a Go module, such as the one
` + "`phalanx contract new`" + ` writes) with the Go toolchain, exactly as

  cd DIR && GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -trimpath -o OUT .

does, from whatever folder it is run in; -trimpath keeps this machine's
paths out of the module, so the same source gives the same bytes on every
machine with the same Go version. OUT defaults to DIR's name with .wasm, in
the current directory.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := args[0]
			if out == "" {
				abs, err := filepath.Abs(dir)
				if err != nil {
					return err
				}
				out = filepath.Base(abs) + ".wasm"
			}
			if err := gobuild.Build(dir, out, c.stderr); err != nil {
				if errors.Is(err, gobuild.ErrNoModule) {
					return fmt.Errorf("%w\nA contract is a main package in a Go module: `phalanx contract new NAME` writes one that builds", err)
				}
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
