package devnettest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/crypto/keyring"
	"github.com/phalanx-net/phalanx/devnet"
	"github.com/phalanx-net/phalanx/internal/syncbuf"
	"github.com/phalanx-net/phalanx/sdk/client"
)

// Net is a running devnet and what tests reach for in it.
type Net struct {
	*devnet.Devnet
	// Home is the devnet's directory.
	Home string
	// Info is devnet.json as the devnet wrote it.
	Info devnet.Info
	// Client talks to gk0.
	Client *client.Client
	// Keyring is the devnet's test keyring: the development and
	// allocation keys.
	Keyring *keyring.Keyring
	// Logs holds every line the network logged, debug included, unless
	// the config brought its own Log (then it is empty).
	Logs *syncbuf.Buffer
}

// Start starts a devnet of cfg for t and stops it when t ends, printing
// its logs if t failed; it skips t under -short. cfg's Home defaults to a
// temporary directory of t, and its ports are chosen free (FreePorts)
// unless cfg gives a BasePort.
func Start(t testing.TB, ctx context.Context, cfg devnet.Config) *Net {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a network")
	}
	if cfg.Home == "" {
		cfg.Home = t.TempDir()
	}
	n, err := Launch(ctx, cfg)
	if err != nil {
		if n != nil && n.Logs.Len() > 0 {
			t.Logf("devnet logs:\n%s", n.Logs.String())
		}
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := n.Stop(); err != nil {
			t.Errorf("stopping the devnet: %v", err)
		}
		if t.Failed() && n.Logs.Len() > 0 {
			t.Logf("devnet logs:\n%s", n.Logs.String())
		}
	})
	return n
}

// Launch starts a devnet of cfg, whose Home must be set, for a network
// several tests share (started once, stopped by TestMain); Start is the
// usual way. Ports are chosen free unless cfg gives a BasePort. On an
// error the returned Net, if not nil, holds only the logs.
func Launch(ctx context.Context, cfg devnet.Config) (*Net, error) {
	if cfg.Home == "" {
		return nil, errors.New("devnettest: the config has no Home")
	}
	n := &Net{Home: cfg.Home, Logs: &syncbuf.Buffer{}}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(n.Logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if cfg.BasePort == 0 {
		cfg.FreePorts = true
	}
	d, err := devnet.Start(ctx, cfg)
	if err != nil {
		return n, fmt.Errorf("start the devnet: %w", err)
	}
	n.Devnet = d
	if n.Info, err = devnet.ReadInfo(cfg.Home); err != nil {
		d.Stop()
		return n, fmt.Errorf("devnet.json: %w", err)
	}
	if n.Client, err = client.New(n.Info.Gatekeepers[0].RPC); err != nil {
		d.Stop()
		return n, err
	}
	if n.Keyring, err = keyring.Open(cfg.Home, keyring.BackendTest, nil); err != nil {
		d.Stop()
		return n, err
	}
	return n, nil
}

// Key returns the private key of the devnet's key name ("alice",
// "testers", ...).
func (n *Net) Key(t testing.TB, name string) crypto.PrivateKey {
	t.Helper()
	k, err := n.Keyring.PrivateKey(name)
	if err != nil {
		t.Fatalf("devnet key %s: %v", name, err)
	}
	return k
}

// Addr returns the address of the devnet's key name.
func (n *Net) Addr(t testing.TB, name string) crypto.Address {
	t.Helper()
	return n.Key(t, name).Public().Address()
}

// ClientOf returns a client of gatekeeper i.
func (n *Net) ClientOf(t testing.TB, i int) *client.Client {
	t.Helper()
	c, err := client.New(n.Info.Gatekeepers[i].RPC)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// WaitFor polls cond every 50 ms until it holds, failing t with what it
// waited for when ctx ends first.
func WaitFor(t testing.TB, ctx context.Context, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v", what, ctx.Err())
		case <-tick.C:
		}
	}
}
