package devnet

import (
	"context"
	"errors"
	"testing"
	"time"

	dbm "github.com/cometbft/cometbft-db"

	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/crypto/keyring"
	"github.com/phalanx-net/phalanx/node"
	"github.com/phalanx-net/phalanx/sdk/client"
)

// TestRestartIndexesCommittedTransactionsTheIndexLacks (node's
// reindexTail, tested here since the node package's own tests register
// CometBFT's metrics): a gatekeeper
// whose transaction index lost a committed transaction (as a kill -9
// between the commit and the index leaves it) indexes it again when it
// starts, so a lookup by hash finds it.
func TestRestartIndexesCommittedTransactionsTheIndexLacks(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a network")
	}
	home := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	d, err := Start(ctx, Config{Home: home, Gatekeepers: 1, FreePorts: true, BlockTime: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { d.Stop() }()
	info := d.Info()
	kr, err := keyring.Open(home, keyring.BackendTest, nil)
	if err != nil {
		t.Fatal(err)
	}
	alice, err := kr.PrivateKey("alice")
	if err != nil {
		t.Fatal(err)
	}
	bob, err := kr.PrivateKey("bob")
	if err != nil {
		t.Fatal(err)
	}
	cl, err := client.New(info.Gatekeepers[0].RPC)
	if err != nil {
		t.Fatal(err)
	}
	res, err := cl.Send(ctx, alice, bob.Public().Address(), pha.Tokens(1), client.TxOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.StopGatekeeper(0); err != nil {
		t.Fatal(err)
	}

	// The index loses the transaction: its entry by hash goes.
	c, err := node.LoadConfig(info.Gatekeepers[0].Home)
	if err != nil {
		t.Fatal(err)
	}
	c.SetRoot(info.Gatekeepers[0].Home)
	db, err := dbm.NewDB("tx_index", dbm.BackendType(c.DBBackend), c.DBDir())
	if err != nil {
		t.Fatal(err)
	}
	hash := res.Raw.Hash
	if ok, err := db.Has(hash); err != nil || !ok {
		t.Fatalf("the index has no entry for %X (%v): the test deletes the wrong key", hash, err)
	}
	if err := db.Delete(hash); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	if err := d.StartGatekeeper(ctx, 0); err != nil {
		t.Fatal(err)
	}
	// A new client: the old one's kept-alive connection is to the
	// stopped node's RPC.
	if cl, err = client.New(info.Gatekeepers[0].RPC); err != nil {
		t.Fatal(err)
	}
	got, err := cl.Tx(ctx, hash)
	if err != nil {
		if errors.Is(err, client.ErrTxNotFound) {
			t.Fatalf("the restarted node does not find the committed transaction %X", hash)
		}
		t.Fatal(err)
	}
	if got.Height != res.Height || got.Code != 0 || got.Hash != res.Hash {
		t.Fatalf("the transaction found after the restart %+v, committed as %+v", got, res)
	}
}
