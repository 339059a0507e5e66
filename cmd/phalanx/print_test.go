package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/phalanx-net/phalanx/chain/modules/contracts"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
)

// A worker that sent its online message at height 10 and heartbeats since
// was last online at its last heartbeat, not at 10.
func TestPrintEnclaveLastOnline(t *testing.T) {
	e := registry.Enclave{Platform: "sim", LastSeenHeight: 10, SyncedHeight: 9}
	for _, c := range []struct {
		heartbeat int64
		want      string
	}{
		{130, "last online     height 130 (its last heartbeat)"},
		{0, "last online     height 10 (had verified the chain to 9)"},
	} {
		var b bytes.Buffer
		printEnclave(&b, e, c.heartbeat)
		if !strings.Contains(b.String(), c.want) {
			t.Errorf("heartbeat at %d: %s; want %q", c.heartbeat, b.String(), c.want)
		}
	}
}

// A name with a newline and an escape (possible in state written before
// names were checked) stays on its line, its control bytes shown escaped.
func TestPrintContractsEscapesNames(t *testing.T) {
	var b bytes.Buffer
	printContracts(&b, []contracts.Contract{{Name: "vote\nContract 00 fake\x1b[0m", PublicKey: []byte{1}}})
	out := b.String()
	if strings.Contains(out, "\x1b") || strings.Count(out, "\n") != 2 || !strings.Contains(out, `"vote\nContract 00 fake\x1b[0m"`) {
		t.Fatalf("contract show printed %q", out)
	}
}

// A worker's record shows its TCB status, advisories and confidence
// level with the factor it earns by.
func TestPrintEnclaveTCB(t *testing.T) {
	var b bytes.Buffer
	printEnclave(&b, registry.Enclave{Platform: "tdx", Scope: "tdx/fmspc/B0C06F000000", TCBStatus: "ConfigurationAndSWHardeningNeeded",
		TCBDate: 1723593600, Advisories: []string{"INTEL-SA-00615", "INTEL-SA-00837"}, Confidence: 4}, 0)
	for _, want := range []string{"collateral      tdx/fmspc/B0C06F000000", "tcb status      ConfigurationAndSWHardeningNeeded (level of 2024-08-14)",
		"advisories      INTEL-SA-00615, INTEL-SA-00837", "confidence      level 4 (conf 0.8)"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("%s\nlacks %q", b.String(), want)
		}
	}
	b.Reset()
	printEnclave(&b, registry.Enclave{Platform: "sim"}, 0)
	if !strings.Contains(b.String(), "confidence      not assessed (conf 1)") {
		t.Errorf("a sim worker: %s", b.String())
	}
}
