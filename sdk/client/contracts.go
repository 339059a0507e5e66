package client

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/phalanx-net/phalanx/chain/codec"
	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/contracts"
	"github.com/phalanx-net/phalanx/chain/modules/keys"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/crypto/envelope"
)

// Query paths of the contracts and keys modules (as chain/app serves them).
const (
	pathKeysStatus = "/keys/status"
	pathCluster    = "/contracts/cluster"
	pathCode       = "/contracts/code"
	pathContract   = "/contracts/contract"
	pathResult     = "/contracts/result"
	pathClusters   = "/contracts/clusters"
	pathContracts  = "/contracts/contracts"
)

// Errors of the contract calls.
var (
	ErrNotFound = errors.New("not found")
	ErrNotReady = errors.New("contract has no public key yet")
	// ErrContractFailed matches a FailedError.
	ErrContractFailed = errors.New("contract failed to instantiate")
)

// FailedError is a contract whose instantiation its workers agreed had
// failed: it takes no commands.
type FailedError struct {
	Contract contracts.Hash
	// Status is the instantiation's (contracts.StatusInitFailed, say),
	// Reason what the chain recorded, e.g. "init failed: panic: ...".
	Status uint8
	Reason string
}

func (e *FailedError) Error() string {
	return fmt.Sprintf("contract %s failed to instantiate: %s", e.Contract, e.Reason)
}

// Is matches ErrContractFailed.
func (e *FailedError) Is(target error) bool { return target == ErrContractFailed }

func failedError(ct contracts.Contract) error {
	return &FailedError{Contract: ct.ID, Status: ct.Status, Reason: ct.Reason()}
}

// KeysStatus returns the master key status.
func (c *Client) KeysStatus(ctx context.Context) (keys.Status, error) {
	q, err := c.Get(ctx, pathKeysStatus, nil, 0, false)
	if err != nil {
		return keys.Status{}, err
	}
	return keys.DecodeStatus(q.Value)
}

func getRecord[T contracts.Cluster | contracts.Code | contracts.Contract | contracts.Result](ctx context.Context, c *Client, path string, data []byte, what string) (T, error) {
	var zero T
	q, err := c.Get(ctx, path, data, 0, false)
	if err != nil {
		return zero, err
	}
	if q.Value == nil {
		return zero, fmt.Errorf("%w: %s", ErrNotFound, what)
	}
	return contracts.Decode[T](q.Value)
}

// Cluster returns a cluster.
func (c *Client) Cluster(ctx context.Context, id uint64) (contracts.Cluster, error) {
	return getRecord[contracts.Cluster](ctx, c, pathCluster, binary.BigEndian.AppendUint64(nil, id), "cluster "+strconv.FormatUint(id, 10))
}

// Code returns an uploaded code's record.
func (c *Client) Code(ctx context.Context, h contracts.Hash) (contracts.Code, error) {
	return getRecord[contracts.Code](ctx, c, pathCode, h[:], "code "+h.String())
}

// Contract returns a contract.
func (c *Client) Contract(ctx context.Context, id contracts.Hash) (contracts.Contract, error) {
	return getRecord[contracts.Contract](ctx, c, pathContract, id[:], "contract "+id.String())
}

// CommandResult returns a command's recorded result.
func (c *Client) CommandResult(ctx context.Context, cluster, seq uint64) (contracts.Result, error) {
	data := binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(nil, cluster), seq)
	return getRecord[contracts.Result](ctx, c, pathResult, data, fmt.Sprintf("result %d/%d", cluster, seq))
}

// list reads a list query (a CBOR array of stored records) and decodes
// each record with decode.
func list[T any](ctx context.Context, c *Client, path string, decode func([]byte) (T, error)) ([]T, error) {
	q, err := c.Get(ctx, path, nil, 0, false)
	if err != nil {
		return nil, err
	}
	var raws []codec.RawMessage
	if err := codec.Unmarshal(q.Value, &raws); err != nil {
		return nil, fmt.Errorf("decode the list of %s: %w", path, err)
	}
	out := make([]T, 0, len(raws))
	for _, r := range raws {
		v, err := decode(r)
		if err != nil {
			return nil, fmt.Errorf("decode a record of %s: %w", path, err)
		}
		out = append(out, v)
	}
	return out, nil
}

// Clusters lists every cluster.
func (c *Client) Clusters(ctx context.Context) ([]contracts.Cluster, error) {
	return list(ctx, c, pathClusters, contracts.Decode[contracts.Cluster])
}

// Contracts lists every contract.
func (c *Client) Contracts(ctx context.Context) ([]contracts.Contract, error) {
	return list(ctx, c, pathContracts, contracts.Decode[contracts.Contract])
}

// eventAttr returns the value of an attribute of the first event of typ.
func eventAttr(r *Result, typ, key string) (string, bool) {
	for _, e := range r.Events {
		if e.Type != typ {
			continue
		}
		for _, a := range e.Attributes {
			if a.Key == key {
				return a.Value, true
			}
		}
	}
	return "", false
}

// CreateCluster creates a cluster of workers owned by key and returns its
// id.
func (c *Client) CreateCluster(ctx context.Context, key crypto.PrivateKey, workers []crypto.PublicKey, gasPrice, deposit pha.Amount) (uint64, error) {
	return c.CreateClusterFrom(ctx, key, &contracts.MsgCreateCluster{Workers: workers, GasPrice: gasPrice, Deposit: deposit})
}

// CreateClusterFrom creates the cluster m describes (with every setting,
// such as its minimum size) and returns its id.
func (c *Client) CreateClusterFrom(ctx context.Context, key crypto.PrivateKey, m *contracts.MsgCreateCluster) (uint64, error) {
	r, err := c.Submit(ctx, key, []module.Msg{m}, TxOptions{GasLimit: 1_000_000 + 200_000*uint64(len(m.Workers))})
	if err != nil {
		return 0, err
	}
	v, ok := eventAttr(r, contracts.EventClusterCreated, contracts.AttrCluster)
	if !ok {
		return 0, fmt.Errorf("cluster created in tx %s, but its id is not in the events", r.Hash)
	}
	return strconv.ParseUint(v, 10, 64)
}

// UploadCode uploads a contract module (compressed on the way) and
// returns its hash. Code the chain stores already is not sent again, so
// nothing is paid for it: StoredCode tells beforehand.
func (c *Client) UploadCode(ctx context.Context, key crypto.PrivateKey, wasm []byte) (contracts.Hash, error) {
	h := contracts.Hash(sha256.Sum256(wasm))
	if _, stored, err := c.StoredCode(ctx, wasm); err != nil || stored {
		return h, err
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(wasm)
	zw.Close()
	p, err := c.ContractsParams(ctx)
	if err != nil {
		return h, err
	}
	// The transaction's bytes, the module's validation, and storing the
	// prepared module (a little larger than the module) at 30 gas a byte.
	gas := 1_000_000 + 10*uint64(buf.Len()) + (p.CodeByteGas+40)*uint64(len(wasm))
	_, err = c.Submit(ctx, key, []module.Msg{&contracts.MsgUploadCode{Gzip: buf.Bytes()}}, TxOptions{GasLimit: gas, Timeout: time.Minute})
	return h, err
}

// StoredCode returns the record of a module the chain already stores, by
// the hash of its bytes.
func (c *Client) StoredCode(ctx context.Context, wasm []byte) (contracts.Code, bool, error) {
	rec, err := c.Code(ctx, sha256.Sum256(wasm))
	if errors.Is(err, ErrNotFound) {
		return rec, false, nil
	}
	return rec, err == nil, err
}

// ContractsParams returns the contracts module's parameters.
func (c *Client) ContractsParams(ctx context.Context) (contracts.Params, error) {
	q, err := c.Get(ctx, "/contracts/params", nil, 0, false)
	if err != nil {
		return contracts.Params{}, err
	}
	return contracts.Decode[contracts.Params](q.Value)
}

// Instantiate creates a contract from code in a cluster and returns its
// id; the contract takes commands once WaitContractKey returns.
func (c *Client) Instantiate(ctx context.Context, key crypto.PrivateKey, code contracts.Hash, cluster uint64, salt []byte, name string) (contracts.Hash, error) {
	_, err := c.Submit(ctx, key, []module.Msg{&contracts.MsgInstantiate{Code: code, Cluster: cluster, Salt: salt, Name: name}}, TxOptions{GasLimit: 500_000})
	if err != nil {
		return contracts.Hash{}, err
	}
	return contracts.ContractID(key.Public().Address(), code, cluster, salt), nil
}

// WaitContractKey waits until the contract's workers have published its
// public key, and returns the contract. If they agree that its
// instantiation failed instead, it returns at once with a *FailedError.
func (c *Client) WaitContractKey(ctx context.Context, id contracts.Hash, timeout time.Duration) (contracts.Contract, error) {
	return poll(ctx, timeout, func() (contracts.Contract, bool, error) {
		ct, err := c.Contract(ctx, id)
		if err == nil && ct.Failed() {
			return ct, true, failedError(ct)
		}
		return ct, err == nil && ct.PublicKey != nil, ignoreNotFound(err)
	})
}

func ignoreNotFound(err error) error {
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

func poll[T any](ctx context.Context, timeout time.Duration, f func() (T, bool, error)) (T, error) {
	if timeout == 0 {
		timeout = time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		v, ok, err := f()
		if err != nil || ok {
			return v, err
		}
		select {
		case <-ctx.Done():
			return v, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Command is a sent command: where it is in its cluster's log, and the
// key its output opens with.
type Command struct {
	Contract contracts.Hash
	Cluster  uint64
	Seq      uint64
	Height   int64
	response *envelope.ResponseKey
}

// Output is a command's outcome as its caller sees it.
type Output struct {
	Status  uint8  `json:"status"`
	Text    string `json:"status_text"`
	GasUsed uint64 `json:"gas_used"`
	// Data is the contract's output, or what only the caller may read of
	// a failure (the contract's error message, a panic's), decrypted.
	Data []byte `json:"data"`
	// Error says why the command failed: the status's name and its
	// detail, e.g. "panic: runtime error: index out of range [5] with
	// length 3" or "out of gas: used 50000000 of 50000000". Empty on
	// success.
	Error  string `json:"error,omitempty"`
	Height int64  `json:"height"`
	Paid   string `json:"paid"`
}

// SealCall seals a call's method and arguments to a contract's key, for
// caller's command.
func SealCall(chainID string, ct contracts.Contract, caller crypto.Address, method string, args []byte) ([]byte, *envelope.ResponseKey, error) {
	pk, err := crypto.ParseEncryptionPublicKey(ct.PublicKey)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrNotReady, err)
	}
	return envelope.SealRequest(pk, contracts.SealInfo(chainID, ct.ID, caller), codec.MustMarshal(contracts.CallInput{Method: method, Args: args}))
}

// Call seals method and args to the contract's key and sends them as a
// command paid by key, with gasLimit gas for the contract; it returns
// once the command's transaction is committed.
func (c *Client) Call(ctx context.Context, key crypto.PrivateKey, id contracts.Hash, method string, args []byte, gasLimit uint64) (*Command, error) {
	p, err := c.SendCall(ctx, key, id, method, args, gasLimit, nil)
	if err != nil {
		return nil, err
	}
	return p.Committed(ctx)
}

// PendingCommand is a command whose transaction was admitted to the
// mempool but may not be committed yet.
type PendingCommand struct {
	c        *Client
	hash     []byte
	raw      []byte  // the signed transaction, resent if its node dies
	found    *Result // the result, if the broadcast found it committed
	contract contracts.Hash
	cluster  uint64
	response *envelope.ResponseKey
}

// Committed waits for the command's transaction and returns the command.
// An outcome it cannot tell is an *UnknownError, as for Submit.
func (p *PendingCommand) Committed(ctx context.Context) (*Command, error) {
	r := p.found
	if r == nil {
		var err error
		if r, err = p.c.wait(ctx, p.hash, p.raw, time.Minute); err != nil {
			return nil, err
		}
	} else if err := resultErr(r); err != nil {
		return nil, err
	}
	v, ok := eventAttr(r, contracts.EventCommand, contracts.AttrSeq)
	if !ok {
		return nil, fmt.Errorf("command sent in tx %s, but its sequence is not in the events", r.Hash)
	}
	seq, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return nil, err
	}
	return &Command{Contract: p.contract, Cluster: p.cluster, Seq: seq, Height: r.Height, response: p.response}, nil
}

// SendCall seals and broadcasts a command without waiting for its
// commit, so a sender can send several in a row: nonce, if set, is the
// transaction's nonce (the next one of the account otherwise).
func (c *Client) SendCall(ctx context.Context, key crypto.PrivateKey, id contracts.Hash, method string, args []byte, gasLimit uint64, nonce *uint64) (*PendingCommand, error) {
	ct, err := c.Contract(ctx, id)
	if err != nil {
		return nil, err
	}
	if ct.Failed() {
		return nil, failedError(ct)
	}
	if ct.PublicKey == nil {
		if cl, err := c.Cluster(ctx, ct.Cluster); err == nil && cl.KeyGen > ct.KeyGen {
			return nil, fmt.Errorf("%w: contract %s: its key is being replaced after a worker left cluster %d; call again in a few blocks (WaitContractKey waits for it)",
				ErrNotReady, id, ct.Cluster)
		}
		return nil, fmt.Errorf("%w: %s", ErrNotReady, id)
	}
	chainID, err := c.ChainID(ctx)
	if err != nil {
		return nil, err
	}
	input, resp, err := SealCall(chainID, ct, key.Public().Address(), method, args)
	if err != nil {
		return nil, err
	}
	t, err := c.Build(ctx, key, []module.Msg{&contracts.MsgCall{Contract: id, Input: input, GasLimit: gasLimit}},
		TxOptions{GasLimit: 300_000 + 20*uint64(len(input)), Nonce: nonce})
	if err != nil {
		return nil, err
	}
	raw, err := t.Encode()
	if err != nil {
		return nil, err
	}
	s, err := c.broadcast(ctx, raw)
	if err != nil {
		return nil, err
	}
	return &PendingCommand{c: c, hash: s.hash, raw: raw, found: s.found, contract: id, cluster: ct.Cluster, response: resp}, nil
}

// Wait waits for the command's result and decrypts its output.
func (c *Client) Wait(ctx context.Context, cmd *Command, timeout time.Duration) (*Output, error) {
	res, err := poll(ctx, timeout, func() (contracts.Result, bool, error) {
		r, err := c.CommandResult(ctx, cmd.Cluster, cmd.Seq)
		return r, err == nil, ignoreNotFound(err)
	})
	if err != nil {
		return nil, fmt.Errorf("waiting for command %d of cluster %d: %w", cmd.Seq, cmd.Cluster, err)
	}
	out := &Output{Status: res.Status, Text: contracts.StatusText(res.Status), GasUsed: res.GasUsed, Height: res.Height, Paid: res.Paid.PHA()}
	if len(res.Output) > 0 {
		if out.Data, err = cmd.response.Open(res.Output); err != nil {
			return out, fmt.Errorf("the recorded output does not decrypt with this command's key: %w", err)
		}
	}
	if res.Status != contracts.StatusOK {
		// What the caller alone reads says more than the public message.
		out.Error = res.Reason()
		if len(out.Data) > 0 {
			out.Error = contracts.Reason(res.Status, string(out.Data))
		}
	}
	return out, nil
}
