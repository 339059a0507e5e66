package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	"github.com/phalanx-net/phalanx/tee/pcs"
	"github.com/phalanx-net/phalanx/tee/verify"
	"github.com/phalanx-net/phalanx/worker"
)

// collateralFile is what `tee collateral fetch` writes and `submit`
// reads: a vendor's collateral in its canonical encoding, with what it
// covers and when it expires for people to read.
type collateralFile struct {
	Platform string    `json:"platform"`
	Scope    string    `json:"scope"`
	Issued   time.Time `json:"issued"`
	Expires  time.Time `json:"expires"`
	// Collateral is the canonical encoding (verify.ParseCollateral).
	Collateral registry.HexBytes `json:"collateral"`
}

func newCollateralFile(c verify.Collateral) (collateralFile, error) {
	b, err := c.Marshal()
	if err != nil {
		return collateralFile{}, err
	}
	return collateralFile{Platform: c.Platform(), Scope: c.Scope(), Issued: c.Issued().UTC(), Expires: verify.CollateralExpires(c).UTC(), Collateral: b}, nil
}

// readCollateralFile reads a file `fetch` wrote, or TDX collateral in the
// JSON form PCS clients write (Intel's PCCS, dcap-qvl).
func readCollateralFile(path string) (verify.Collateral, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f collateralFile
	if err := json.Unmarshal(raw, &f); err == nil && f.Platform != "" && len(f.Collateral) > 0 {
		return verify.ParseCollateral(f.Platform, f.Collateral)
	}
	if c, err := verify.ParseTDXCollateralJSON(raw); err == nil {
		return c, nil
	}
	return nil, fmt.Errorf("%s is neither a collateral file of `phalanx tee collateral fetch` nor TDX collateral as PCS clients write it", path)
}

func newTEECollateralCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "collateral",
		Short: "Fetch the vendors' collateral (Intel PCS, AMD KDS) and submit it to the chain",
		Long: `The chain verifies TDX and SEV-SNP registrations against the vendors'
collateral it stores, one set per scope (a TDX FMSPC, an SEV-SNP product
line), newest first. Anyone may submit it: the vendors sign it, and the
chain checks the signatures up to the pinned roots. An operator fetches
the collateral of its machines' scope before it expires and submits it;
'phalanx status' shows when each stored set expires.`,
	}
	cmd.AddCommand(newTEECollateralFetchCmd(c), newTEECollateralSubmitCmd(c))
	return cmd
}

func newTEECollateralFetchCmd(c *cli) *cobra.Command {
	var platform, fmspc, ca, product, out, from string
	var f pcs.Fetcher
	var submit bool
	var tf txFlags
	cmd := &cobra.Command{
		Use:   "fetch",
		Short: "Download a scope's collateral from Intel PCS or AMD KDS into a file, and optionally submit it",
		Long: `Downloads the collateral of one scope over HTTPS:
  --platform tdx --fmspc HEX [--ca platform|processor]: Intel PCS's TCB info
    and QE identity (tdx/certification/v4), the PCK CA's CRL
    (sgx/certification/v4/pckcrl) and the root CA's CRL (at the distribution
    point the PCK CA's certificate names), with their issuer chains;
  --platform sevsnp --product Milan|Genoa|...: AMD KDS's VCEK CRL
    (vcek/v1/<product>/crl).
The FMSPC of a machine is shown by 'phalanx tee verify' on its quote, and
the CA by the issuer of its PCK certificate. It writes the collateral to
--out (default <platform>-<fmspc or product>.collateral.json), says when
it expires and whether it checks now, and with --submit sends it from
--from's key (registry/submit-collateral).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := context.WithTimeout(cmd.Context(), time.Minute)
			defer cancel()
			var col verify.Collateral
			var err error
			switch platform {
			case verify.TDX:
				if fmspc == "" {
					return errors.New("--platform tdx needs --fmspc")
				}
				col, err = f.TDX(ctx, fmspc, ca)
				if out == "" {
					out = "tdx-" + strings.ToUpper(fmspc) + ".collateral.json"
				}
			case verify.SEVSNP:
				if product == "" {
					return errors.New("--platform sevsnp needs --product")
				}
				col, err = f.SNP(ctx, product)
				if out == "" {
					out = "sevsnp-" + product + ".collateral.json"
				}
			default:
				return fmt.Errorf("--platform %q: want tdx or sevsnp", platform)
			}
			if err != nil {
				return err
			}
			file, err := newCollateralFile(col)
			if err != nil {
				return err
			}
			b, err := json.MarshalIndent(file, "", "  ")
			if err != nil {
				return err
			}
			if err := os.WriteFile(out, append(b, '\n'), 0o644); err != nil {
				return err
			}
			checkErr := col.Check(time.Now())
			text := func(w io.Writer) {
				fmt.Fprintf(w, "Collateral   %s\n", file.Scope)
				fmt.Fprintf(w, "Issued       %s\n", file.Issued.Format(time.RFC3339))
				fmt.Fprintf(w, "Expires      %s\n", file.Expires.Format(time.RFC3339))
				if checkErr != nil {
					fmt.Fprintf(w, "Check now    FAILS: %v\n", checkErr)
				} else {
					fmt.Fprintln(w, "Check now    ok: signed up to the vendor's root, every part current")
				}
				fmt.Fprintf(w, "Written to   %s\n", out)
			}
			if !submit {
				return c.print(file, text)
			}
			if from == "" {
				return errors.New("--submit needs --from, the key that pays for the transaction")
			}
			text(cmd.ErrOrStderr())
			return c.submitCollateral(from, col, tf)
		},
	}
	cmd.Flags().StringVar(&platform, "platform", "", "tdx or sevsnp")
	cmd.Flags().StringVar(&fmspc, "fmspc", "", "tdx: the machines' FMSPC, 12 hex digits")
	cmd.Flags().StringVar(&ca, "ca", pcs.CAPlatform, "tdx: the CA that issues the machines' PCK certificates, platform or processor")
	cmd.Flags().StringVar(&product, "product", "", "sevsnp: the product line, Milan, Genoa, ...")
	cmd.Flags().StringVar(&out, "out", "", "the file to write")
	cmd.Flags().StringVar(&f.IntelURL, "pcs-url", pcs.DefaultIntelURL, "Intel PCS's base URL (or a caching service's)")
	cmd.Flags().StringVar(&f.AMDURL, "kds-url", pcs.DefaultAMDURL, "AMD KDS's base URL")
	cmd.Flags().StringVar(&f.RootCRLURL, "root-crl-url", "", "tdx: where Intel's root CA CRL is (default: the distribution point in the PCK CA's certificate)")
	cmd.Flags().BoolVar(&submit, "submit", false, "submit the collateral to the chain as well")
	cmd.Flags().StringVar(&from, "from", "", "with --submit: the key that sends and pays for the transaction")
	tf.addWithGas(cmd, worker.CollateralGas)
	c.addClientFlags(cmd)
	c.addKeyringFlags(cmd)
	return cmd
}

func newTEECollateralSubmitCmd(c *cli) *cobra.Command {
	var from string
	var tf txFlags
	cmd := &cobra.Command{
		Use:   "submit FILE",
		Short: "Submit collateral to the chain (registry/submit-collateral), from --from's key",
		Long: `Sends registry/submit-collateral with the collateral in FILE: a file
'phalanx tee collateral fetch' wrote, or TDX collateral in the JSON form
PCS clients write (Intel's PCCS, dcap-qvl). Any account may send it and
pays its gas (the registry's verify_gas). The chain refuses collateral
that does not check at the block time (the tee codes: tee/2 a signature,
tee/3 expired) and collateral not newer than the set it stores for the
scope (registry/17).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if from == "" {
				return errors.New("--from is required: the key that sends and pays for the transaction")
			}
			col, err := readCollateralFile(args[0])
			if err != nil {
				return err
			}
			return c.submitCollateral(from, col, tf)
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "the key that sends and pays for the transaction")
	tf.addWithGas(cmd, worker.CollateralGas)
	c.addClientFlags(cmd)
	c.addKeyringFlags(cmd)
	return cmd
}

// submitCollateral sends registry/submit-collateral from the key from.
func (c *cli) submitCollateral(from string, col verify.Collateral, f txFlags) error {
	body, err := col.Marshal()
	if err != nil {
		return err
	}
	key, cl, ctx, cancel, err := c.signer(from)
	if err != nil {
		return err
	}
	defer cancel()
	res, err := cl.Submit(ctx, key, []module.Msg{&registry.MsgSubmitCollateral{Platform: col.Platform(), Collateral: body}}, f.options())
	if res == nil && err != nil {
		return c.txError(err)
	}
	if perr := c.printTxResult(res, func(w io.Writer) {
		fmt.Fprintf(w, "Collateral of %s submitted.\n", col.Scope())
	}); perr != nil {
		return perr
	}
	return err
}

func newQueryCollateralCmd(c *cli) *cobra.Command {
	var prove bool
	cmd := &cobra.Command{
		Use:   "collateral [SCOPE]",
		Short: "List the vendor collateral the chain stores, or show one scope's (tdx/fmspc/<FMSPC>, sevsnp/<line>)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, ctx, cancel, err := c.connect()
			if err != nil {
				return err
			}
			defer cancel()
			st, err := cl.Status(ctx)
			if err != nil {
				return c.explainConn(err)
			}
			var cols []registry.Collateral
			if len(args) == 1 {
				col, err := cl.Collateral(ctx, args[0], prove)
				if err != nil {
					return c.explainConn(err)
				}
				cols = []registry.Collateral{col}
			} else if cols, err = cl.Collaterals(ctx); err != nil {
				return c.explainConn(err)
			}
			out := collateralStatuses(cols, st.SyncInfo.LatestBlockTime)
			return c.print(out, func(w io.Writer) { printCollateral(w, out) })
		},
	}
	cmd.Flags().BoolVar(&prove, "prove", false, "with SCOPE: check the answer's Merkle proof against the block header")
	c.addClientFlags(cmd)
	return cmd
}
