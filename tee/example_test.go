package tee_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/phalanx-net/phalanx/tee"
)

// A worker attests on its platform; the chain verifies the evidence at
// the block time. On sim, the chain must allow sim.
func ExampleVerify() {
	dir, _ := os.MkdirTemp("", "enclave")
	defer os.RemoveAll(dir)
	p, err := tee.Open(tee.Sim, tee.Options{Dir: dir})
	if err != nil {
		fmt.Println(err)
		return
	}
	var data tee.ReportData
	copy(data[:], "hash of the enclave's keys, operator, chain id")
	ev, err := p.Attest(context.Background(), data)
	if err != nil {
		fmt.Println(err)
		return
	}

	blockTime := time.Date(2025, 9, 1, 0, 0, 0, 0, time.UTC)
	_, err = tee.Verify(ev, tee.VerifyOptions{Now: blockTime})
	fmt.Println(err)
	v, err := tee.Verify(ev, tee.VerifyOptions{Now: blockTime, AllowSim: true})
	fmt.Println(err, v.Platform, v.ReportData == data)
	// Output:
	// sim TEE evidence not allowed
	// <nil> sim true
}
