package main

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/tee/verify"
)

func newTEECmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "tee",
		Short: "Inspect TEE attestation evidence; fetch and submit the vendors' collateral",
	}
	cmd.AddCommand(newTEEVerifyCmd(c), newTEECollateralCmd(c))
	return cmd
}

// snpCollateralFile is the --collateral file of an SEV-SNP report: what
// AMD's KDS serves for it, in JSON.
type snpCollateralFile struct {
	// VCEK is the DER VCEK certificate, in hex (KDS's
	// /vcek/v1/<line>/<chip id>?... answer). Required.
	VCEK string `json:"vcek"`
	// CertChain is KDS's cert_chain document (ASK, then ARK, in PEM);
	// optional, the pinned chain of the product line by default.
	CertChain string `json:"cert_chain,omitempty"`
	// CRL is KDS's /vcek/v1/<line>/crl answer, DER in hex; optional.
	CRL string `json:"crl,omitempty"`
}

// teeVerifyOut is what `tee verify` prints.
type teeVerifyOut struct {
	Platform    string    `json:"platform"`
	At          time.Time `json:"at"`
	Measurement string    `json:"measurement"`
	ReportData  string    `json:"report_data"`
	Debug       bool      `json:"debug"`
	NotAfter    time.Time `json:"not_after"`
	// Collateral is the scope of the collateral verified against; empty
	// without collateral.
	Collateral string `json:"collateral,omitempty"`
	// TDX, with collateral.
	TCBStatus   string     `json:"tcb_status,omitempty"`
	AdvisoryIDs []string   `json:"advisory_ids,omitempty"`
	TCBDate     *time.Time `json:"tcb_date,omitempty"`
	FMSPC       string     `json:"fmspc,omitempty"`
	// SEV-SNP.
	ProductLine string  `json:"product_line,omitempty"`
	ReportedTCB string  `json:"reported_tcb,omitempty"`
	Policy      string  `json:"policy,omitempty"`
	VMPL        *uint32 `json:"vmpl,omitempty"`
}

func newTEEVerifyCmd(c *cli) *cobra.Command {
	var collateralFile, at, platform, minTCB string
	var allowMA bool
	cmd := &cobra.Command{
		Use:   "verify QUOTE",
		Short: "Verify a TDX quote or SEV-SNP report offline and show its platform, measurement and TCB",
		Long: `Verify a TDX quote or SEV-SNP report offline, as the chain does, and show
what it establishes: the platform, the measurement, and the TCB status.

QUOTE is a file holding a raw TDX DCAP quote or a raw SEV-SNP attestation
report (binary, or hex text). The platform is guessed from its size (an
SNP report is 1184 bytes) unless --platform says it.

--collateral names the vendor's collateral:
  - TDX: Intel PCS's collateral for the quote's platform, as JSON with the
    fields tcb_info, tcb_info_signature, tcb_info_issuer_chain,
    qe_identity, qe_identity_signature, qe_identity_issuer_chain, pck_crl,
    pck_crl_issuer_chain and root_ca_crl (the form Intel's PCCS and
    dcap-qvl write). With it the TCB status (UpToDate, OutOfDate, ...) and
    Intel's advisories are shown, revocation is checked, and the quoting
    enclave is checked against Intel's signed identity. Without it only
    the quote's signatures and PCK chain are checked.
  - SEV-SNP (required): JSON with "vcek", the DER VCEK certificate in hex;
    optionally "cert_chain", KDS's ASK/ARK PEM document (the pinned chain
    of the product line by default); and optionally "crl", KDS's VCEK CRL,
    DER in hex, against which the VCEK's revocation is checked.

--at is the time to verify at (RFC 3339; default now). --min-tcb enforces
an SEV-SNP policy: that minimum reported TCB (hex, as the report encodes
it), VMPL 0, no debugging, and no migration agent unless
--allow-migration-agent.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			quote, err := readQuoteFile(args[0])
			if err != nil {
				return err
			}
			now := time.Now().UTC().Truncate(time.Second)
			if at != "" {
				if now, err = time.Parse(time.RFC3339, at); err != nil {
					return fmt.Errorf("--at: %w", err)
				}
			}
			if platform == "" {
				platform = verify.TDX
				if len(quote) == snpReportSize {
					platform = verify.SEVSNP
				}
			}
			ev := verify.Evidence{Platform: platform, Quote: quote}
			opts := verify.Options{Now: now}
			var raw []byte
			if collateralFile != "" {
				if raw, err = os.ReadFile(collateralFile); err != nil {
					return err
				}
			}
			switch platform {
			case verify.TDX:
				if raw != nil {
					if opts.Collateral, err = verify.ParseTDXCollateralJSON(raw); err != nil {
						return fmt.Errorf("%s: %w", collateralFile, err)
					}
				}
			case verify.SEVSNP:
				if raw == nil {
					return errors.New("an SEV-SNP report needs --collateral with its VCEK")
				}
				var line string
				if ev.Collateral, line, opts.Collateral, err = snpCollateral(quote, raw); err != nil {
					return fmt.Errorf("%s: %w", collateralFile, err)
				}
				if minTCB != "" {
					minimum, err := strconv.ParseUint(strings.TrimPrefix(minTCB, "0x"), 16, 64)
					if err != nil {
						return fmt.Errorf("--min-tcb: %w", err)
					}
					opts.SNP = &verify.SNPPolicy{MinimumTCB: map[string]uint64{line: minimum}, AllowMigrationAgent: allowMA}
				}
			default:
				return fmt.Errorf("--platform must be %s or %s, not %q", verify.TDX, verify.SEVSNP, platform)
			}
			v, err := verify.Verify(ev, opts)
			if err != nil {
				var coded *module.Error
				if errors.As(err, &coded) {
					return fmt.Errorf("%s does not verify (%s/%d): %w", args[0], coded.Codespace, coded.Code, err)
				}
				return fmt.Errorf("%s does not verify: %w", args[0], err)
			}
			out := teeVerifyOut{
				Platform: v.Platform, At: now, Measurement: hex.EncodeToString(v.Measurement),
				ReportData: hex.EncodeToString(v.ReportData[:]), Debug: v.Debug, NotAfter: v.NotAfter,
			}
			if opts.Collateral != nil {
				out.Collateral = opts.Collateral.Scope()
			}
			if t := v.TCB; t != nil {
				out.TCBStatus, out.AdvisoryIDs, out.FMSPC, out.ProductLine = t.Status, t.AdvisoryIDs, t.FMSPC, t.ProductLine
				if !t.Date.IsZero() {
					d := t.Date
					out.TCBDate = &d
				}
				if v.Platform == verify.SEVSNP {
					vmpl := t.VMPL
					out.ReportedTCB, out.Policy, out.VMPL = fmt.Sprintf("%#016x", t.ReportedTCB), fmt.Sprintf("%#x", t.Policy), &vmpl
				}
			}
			return c.print(out, func(w io.Writer) { printTEEVerify(w, out) })
		},
	}
	f := cmd.Flags()
	f.StringVar(&collateralFile, "collateral", "", "the vendor's collateral for the quote (JSON; see above)")
	f.StringVar(&at, "at", "", "time to verify at, RFC 3339 (default now)")
	f.StringVar(&platform, "platform", "", "tdx or sevsnp (default: from the quote's size)")
	f.StringVar(&minTCB, "min-tcb", "", "SEV-SNP: the minimum reported TCB to accept, hex; enforces the guest policy too")
	f.BoolVar(&allowMA, "allow-migration-agent", false, "SEV-SNP: with --min-tcb, accept a guest policy that allows a migration agent")
	return cmd
}

// snpReportSize is the size of an SEV-SNP attestation report.
const snpReportSize = 1184

func printTEEVerify(w io.Writer, o teeVerifyOut) {
	fmt.Fprintf(w, "Platform     %s\nVerified at  %s\nMeasurement  %s\nReport data  %s\nDebug        %v\nValid until  %s\n",
		o.Platform, o.At.Format(time.RFC3339), o.Measurement, o.ReportData, o.Debug, o.NotAfter.UTC().Format(time.RFC3339))
	switch {
	case o.Platform == verify.SEVSNP:
		fmt.Fprintf(w, "Product line %s\nReported TCB %s\nPolicy       %s\nVMPL         %d\n", o.ProductLine, o.ReportedTCB, o.Policy, *o.VMPL)
		if o.Collateral != "" {
			fmt.Fprintf(w, "Revocation   checked against %s\n", o.Collateral)
		}
	case o.Collateral == "":
		fmt.Fprintf(w, "TCB status   unknown (no collateral: only the signatures and the PCK chain are checked)\n")
	default:
		adv := "none"
		if len(o.AdvisoryIDs) > 0 {
			adv = strings.Join(o.AdvisoryIDs, ", ")
		}
		fmt.Fprintf(w, "FMSPC        %s\nTCB status   %s (level of %s)\nAdvisories   %s\n", o.FMSPC, o.TCBStatus, o.TCBDate.Format(time.DateOnly), adv)
	}
}

// readQuoteFile reads a quote or report, binary or in hex.
func readQuoteFile(name string) ([]byte, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	if t := bytes.TrimSpace(b); len(t) > 0 && len(t)%2 == 0 {
		if d, err := hex.DecodeString(string(t)); err == nil {
			return d, nil
		}
	}
	return b, nil
}

// snpCollateral reads an SEV-SNP collateral file: the evidence's
// collateral (VCEK and chain), the report's product line and, if the file
// has a CRL, the verification's collateral.
func snpCollateral(report, file []byte) (ev []byte, line string, col verify.Collateral, err error) {
	var f snpCollateralFile
	dec := json.NewDecoder(bytes.NewReader(file))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, "", nil, err
	}
	vcek, err := hex.DecodeString(f.VCEK)
	if err != nil || len(vcek) == 0 {
		return nil, "", nil, fmt.Errorf("vcek: want the DER certificate in hex (%v)", err)
	}
	line, err = verify.SNPProductLine(report, vcek)
	if err != nil {
		return nil, "", nil, err
	}
	chain := []byte(f.CertChain)
	if len(chain) == 0 {
		if chain, err = verify.SNPCertChain(line); err != nil {
			return nil, "", nil, err
		}
	}
	ev, err = verify.SNPCollateral{VCEK: vcek, CertChain: chain}.Marshal()
	if err != nil {
		return nil, "", nil, err
	}
	if f.CRL == "" {
		return ev, line, nil, nil
	}
	crl, err := hex.DecodeString(f.CRL)
	if err != nil {
		return nil, "", nil, fmt.Errorf("crl: %w", err)
	}
	return ev, line, &verify.SNPCRL{ProductLine: line, CRL: crl}, nil
}
