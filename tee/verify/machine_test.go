package verify_test

import (
	"bytes"
	"encoding/hex"
	"testing"

	"github.com/phalanx-net/phalanx/tee/internal/teetest"
	"github.com/phalanx-net/phalanx/tee/verify"
)

// The machine an SNP report comes from is its chip id, as
// tee/testdata/README.md gives it for each sample.
func TestSNPMachineIsTheChipID(t *testing.T) {
	chips := []string{
		"d49554ec717f4e5b0fe6b143bcf0405bd7ae304727edf46603f2a76aef6a3abc15d7af38db757039029f0efacfd08e244324884738c72b082e2f87a44d541eb6",
		"c38427a30d4c7af9d96f7a15b97269825a64cb76a2352ffd5d18115d89ad473f8e8c0bcd9a5d9286612bad4aadfb4426205a3b9e4fea82301135a170e477524e",
		"0506ffba875e939c2729d20c74eb72b4c5ba6bf7ea1faaa640141f12c6d64782fb487f68ce69dcd021e914cc0d9244327bc121f0242d6470903ad1d4aaea4ad1",
	}
	for i, s := range teetest.SNPSamples {
		v, err := verify.Verify(s.Evidence(t), verify.Options{Now: teetest.SampleNow})
		if err != nil {
			t.Fatal(err)
		}
		if got := hex.EncodeToString(v.Machine); got != chips[i] {
			t.Errorf("%s: machine %s, want its chip id %s", s.Name, got, chips[i])
		}
	}
}

// The machine a TDX quote comes from is the PPID its PCK certificate
// names: 16 bytes, and another for another machine.
func TestTDXMachineIsThePPID(t *testing.T) {
	var machines [][]byte
	for _, s := range teetest.TDXSamples {
		v, err := verify.Verify(s.Evidence(t), verify.Options{Now: teetest.SampleNow})
		if err != nil {
			t.Fatal(err)
		}
		if len(v.Machine) != 16 {
			t.Fatalf("%s: machine %x, want a 16-byte PPID", s.File, v.Machine)
		}
		for _, m := range machines {
			if bytes.Equal(m, v.Machine) {
				t.Errorf("%s: the same PPID %x as another sample's, from another machine", s.File, m)
			}
		}
		machines = append(machines, v.Machine)
	}
}
