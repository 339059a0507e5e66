package tee

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"

	"github.com/phalanx-net/phalanx/tee/internal/simsign"
)

// SimWarning is what a program running on the sim platform tells its
// operator, at every start-up and in its status output.
const SimWarning = "SIM TEE: no hardware protects this enclave; its keys and data are readable by the machine's owner, and anyone can forge its attestation. Development only."

// SimSealingKeyFile is the name of the sim platform's sealing key file in
// Options.Dir.
const SimSealingKeyFile = "sim-sealing.key"

// simPlatform is the software-only platform. The enclave boundary exists
// in code only: the machine's owner reads its memory, its sealing key is a
// plain file, and anyone can forge its quotes with the public sim vendor
// key. See SimWarning.
type simPlatform struct {
	measurement []byte
	*sealer
}

func openSim(opts Options) (*simPlatform, error) {
	if opts.Dir == "" {
		return nil, fmt.Errorf("sim: %w", errNoDir)
	}
	m := opts.SimMeasurement
	if m == nil {
		v := opts.SimVersion
		if v == 0 {
			v = DefaultSimVersion
		}
		m = SimMeasurement(v)
	}
	if len(m) != SimMeasurementSize {
		return nil, fmt.Errorf("sim: measurement of %d bytes, want %d", len(m), SimMeasurementSize)
	}
	path := filepath.Join(opts.Dir, SimSealingKeyFile)
	return &simPlatform{
		measurement: bytes.Clone(m),
		// The "sealing" is the file's existence: it protects nothing from
		// anyone who can read the directory.
		sealer: &sealer{platform: Sim, root: rootSource(opts, path)},
	}, nil
}

func (*simPlatform) Name() string { return Sim }
func (*simPlatform) Secure() bool { return false }

// Attest returns a sim quote binding data to the sim measurement, signed
// with the public sim vendor key.
func (p *simPlatform) Attest(ctx context.Context, data ReportData) (Evidence, error) {
	if err := ctx.Err(); err != nil {
		return Evidence{}, err
	}
	q, err := simsign.Sign(p.measurement, data)
	if err != nil {
		return Evidence{}, fmt.Errorf("sim quote: %w", err)
	}
	return Evidence{Platform: Sim, Quote: q}, nil
}

func (p *simPlatform) Measurement(context.Context) ([]byte, error) {
	return bytes.Clone(p.measurement), nil
}
