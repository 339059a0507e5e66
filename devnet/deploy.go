package devnet

import (
	"context"
	"fmt"
	"time"

	"github.com/phalanx-net/phalanx/chain/modules/keys"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/crypto/keyring"
	"github.com/phalanx-net/phalanx/sdk/client"
)

// Contract is a contract module the devnet deploys at its first start.
type Contract struct {
	Name string
	Wasm []byte
}

// ClusterGasPrice is what the devnet's cluster charges per unit of
// contract gas (in units of PHA): a 50-million-gas command escrows
// 0.05 PHA.
var ClusterGasPrice = pha.Units(1000)

// deploy gives a devnet with workers its cluster and its contracts, from
// the developers' account: at the first start it waits until every
// gatekeeper enclave holds the master key and creates a cluster of all
// the workers (cluster 0 of a new chain), whether or not there are
// contracts to deploy; then it deploys cfg.Contracts to that cluster,
// unless the devnet has deployed contracts already. A resumed devnet has
// both.
func (d *Devnet) deploy(ctx context.Context) error {
	if len(d.info.Workers) == 0 || (len(d.info.Clusters) > 0 && (len(d.info.Contracts) > 0 || len(d.cfg.Contracts) == 0)) {
		return nil
	}
	cl, err := client.New(d.info.Gatekeepers[0].RPC)
	if err != nil {
		return err
	}
	kr, err := keyring.Open(d.cfg.Home, keyring.BackendTest, nil)
	if err != nil {
		return err
	}
	dev, err := kr.PrivateKey("developers")
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	if len(d.info.Clusters) == 0 {
		if err := d.waitMasterKey(ctx, cl); err != nil {
			return err
		}
		var workers []crypto.PublicKey
		for _, w := range d.info.Workers {
			workers = append(workers, w.ID)
		}
		id, err := cl.CreateCluster(ctx, dev, workers, ClusterGasPrice, pha.Tokens(100))
		if err != nil {
			return fmt.Errorf("create the devnet cluster: %w", err)
		}
		d.info.Clusters = []ClusterInfo{{ID: id, Workers: workers}}
		d.cfg.Log.Info("cluster created", "cluster", id, "workers", len(workers))
	}
	if len(d.info.Contracts) > 0 {
		return nil
	}
	cluster := d.info.Clusters[0].ID
	for _, c := range d.cfg.Contracts {
		code, err := cl.UploadCode(ctx, dev, c.Wasm)
		if err != nil {
			return fmt.Errorf("upload %s: %w", c.Name, err)
		}
		id, err := cl.Instantiate(ctx, dev, code, cluster, []byte(c.Name), c.Name)
		if err != nil {
			return fmt.Errorf("instantiate %s: %w", c.Name, err)
		}
		if _, err := cl.WaitContractKey(ctx, id, 2*time.Minute); err != nil {
			return fmt.Errorf("%s: the workers did not publish its key: %w", c.Name, err)
		}
		d.info.Contracts = append(d.info.Contracts, ContractInfo{Name: c.Name, ID: id, Cluster: cluster})
		d.cfg.Log.Info("contract deployed", "name", c.Name, "id", id, "cluster", cluster)
	}
	return nil
}

// waitMasterKey waits until the master key exists and every running
// gatekeeper enclave holds it.
func (d *Devnet) waitMasterKey(ctx context.Context, cl *client.Client) error {
	for {
		st, err := cl.KeysStatus(ctx)
		if err == nil && st.Epochs > 0 {
			all := true
			for _, g := range d.info.Gatekeepers {
				q, err := cl.Get(ctx, "/store", keys.HolderKey(st.Epochs-1, g.Enclave), 0, false)
				if err != nil || q.Value == nil {
					all = false
					break
				}
			}
			if all {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for the gatekeepers to share the master key: %w", ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}
