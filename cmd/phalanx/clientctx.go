package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/devnet"
	"github.com/phalanx-net/phalanx/node"
	"github.com/phalanx-net/phalanx/sdk/client"
)

// nodeURLs resolves which nodes to talk to: --node if given (a
// comma-separated list, or the flag repeated); else every gatekeeper of
// the devnet in --home; else the RPC address of the node home in --home;
// else CometBFT's default local address. A client asks them in turn (see
// sdk/client).
func (c *cli) nodeURLs() []string {
	if len(c.nodes) > 0 {
		return c.nodes
	}
	if info, err := devnet.ReadInfo(c.home); err == nil && len(info.Gatekeepers) > 0 {
		var urls []string
		for _, g := range info.Gatekeepers {
			urls = append(urls, g.RPC)
		}
		return urls
	}
	if cfg, err := node.LoadConfig(c.home); err == nil {
		return []string{node.HTTPURL(cfg.RPC.ListenAddress)}
	}
	return []string{"http://127.0.0.1:26657"}
}

// nodeURL is the first of nodeURLs, for the commands that follow one node.
func (c *cli) nodeURL() string { return c.nodeURLs()[0] }

// isDevnetHome reports whether --home holds a devnet.
func (c *cli) isDevnetHome() bool {
	_, err := os.Stat(filepath.Join(c.home, devnet.InfoFile))
	return err == nil
}

// connect returns a client of the node and a context bounding one command.
func (c *cli) connect() (*client.Client, context.Context, context.CancelFunc, error) {
	cl, err := client.NewMulti(c.nodeURLs())
	if err != nil {
		return nil, nil, nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	return cl, ctx, cancel, nil
}

// resolveAddress reads an address, or the name of a key in the keyring.
func (c *cli) resolveAddress(s string) (crypto.Address, error) {
	if a, err := crypto.ParseAddress(s); err == nil {
		return a, nil
	}
	kr, err := c.openKeyring()
	if err != nil {
		return crypto.Address{}, fmt.Errorf("%q is not an address, and the keyring cannot be opened: %w", s, err)
	}
	k, err := kr.Get(s)
	if err != nil {
		return crypto.Address{}, fmt.Errorf("%q is neither an address (pha1...) nor a key in %s: %w", s, kr.Dir(), err)
	}
	return k.Address, nil
}

// explainConn adds a hint to errors that mean no node answered; an
// answer from a running node (a refusal, a record not found) is left as
// it is, since the hint would send the user looking in the wrong place.
func (c *cli) explainConn(err error) error {
	if !client.IsUnreachable(err) {
		return err
	}
	return fmt.Errorf("%w\n(no node answers at %s: start one with `phalanx devnet`, or pass --node)", err, strings.Join(c.nodeURLs(), ", "))
}
