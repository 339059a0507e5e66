package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/phalanx-net/phalanx/chain/snapshot"
	"github.com/phalanx-net/phalanx/chain/statedb"
)

// SnapshotOptions configure the state sync snapshots a node takes.
type SnapshotOptions struct {
	// Dir is where snapshots are kept; required when Interval > 0.
	Dir string
	// Interval takes a snapshot after every block whose height is a
	// multiple of it; 0 takes none (the node still restores from peers').
	Interval int64
	// KeepRecent is how many snapshots are kept and offered (at least 1).
	KeepRecent int
	// ChunkBytes is the chunk cut size; 0 is snapshot.ChunkBytes. Nodes
	// that should serve the same snapshot must use the same size.
	ChunkBytes int
}

// snapshots takes snapshots in the background and serves them. A nil
// *snapshots is "snapshots off": every method works on it.
type snapshots struct {
	opts  SnapshotOptions
	store *snapshot.Store
	log   *slog.Logger

	wg      sync.WaitGroup
	mu      sync.Mutex
	running bool
	quit    chan struct{}
}

func openSnapshots(o SnapshotOptions, log *slog.Logger) (*snapshots, error) {
	if o.Interval < 0 || o.KeepRecent < 0 {
		return nil, fmt.Errorf("snapshot interval %d and keep-recent %d must not be negative", o.Interval, o.KeepRecent)
	}
	if o.Dir == "" {
		if o.Interval > 0 {
			return nil, errors.New("snapshots need a directory")
		}
		return nil, nil
	}
	o.KeepRecent = max(o.KeepRecent, 1)
	st, err := snapshot.OpenStore(o.Dir)
	if err != nil {
		return nil, err
	}
	return &snapshots{opts: o, store: st, log: log, quit: make(chan struct{})}, nil
}

// due reports whether a snapshot is to be taken after committing height.
func (s *snapshots) due(height int64) bool {
	return s != nil && s.opts.Interval > 0 && height%s.opts.Interval == 0
}

// span is how many blocks back the oldest snapshot kept may be: those
// blocks must stay for a node that restores it.
func (s *snapshots) span() int64 {
	if s == nil || s.opts.Interval <= 0 {
		return 0
	}
	return s.opts.Interval * int64(s.opts.KeepRecent)
}

// take starts a snapshot of version height in the background: the
// exporter is opened now, so the version cannot be pruned before it is
// read, and the export runs beside the next blocks. If the previous one
// is still being written this one is skipped.
func (s *snapshots) take(tree *statedb.Tree, height int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running {
		return errors.New("the previous snapshot is still being written")
	}
	snap, err := tree.Snapshot(height)
	if err != nil {
		return err
	}
	ex, err := snap.Exporter()
	if err != nil {
		return err
	}
	s.running = true
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		start := time.Now()
		info, err := s.store.Write(height, s.opts.ChunkBytes, func(yield func(statedb.ExportNode) error) error {
			return ex.Each(func(n statedb.ExportNode) error {
				select {
				case <-s.quit:
					return errStopping
				default:
				}
				return yield(n)
			})
		})
		ex.Close()
		if err == nil {
			err = s.store.Prune(s.opts.KeepRecent)
		}
		s.mu.Lock()
		s.running = false
		s.mu.Unlock()
		if err != nil {
			select {
			case <-s.quit:
				s.log.Info("state sync snapshot abandoned: the node is stopping", "height", height)
			default:
				s.log.Error("state sync snapshot failed", "height", height, "err", err)
			}
			return
		}
		s.log.Info("state sync snapshot taken", "height", height, "chunks", info.Chunks, "took", time.Since(start).Round(time.Millisecond))
	}()
	return nil
}

var errStopping = errors.New("the node is stopping")

// stop ends a snapshot being written and waits for it.
func (s *snapshots) stop() {
	if s == nil {
		return
	}
	s.mu.Lock()
	select {
	case <-s.quit:
	default:
		close(s.quit)
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// ListSnapshots offers the snapshots this node keeps to a peer that
// state syncs.
func (a *App) ListSnapshots(context.Context, *abci.ListSnapshotsRequest) (*abci.ListSnapshotsResponse, error) {
	res := &abci.ListSnapshotsResponse{}
	if a.snaps == nil {
		return res, nil
	}
	list, err := a.snaps.store.List()
	if err != nil {
		return nil, err
	}
	for _, i := range list {
		res.Snapshots = append(res.Snapshots, &abci.Snapshot{Height: uint64(i.Height), Format: i.Format, Chunks: i.Chunks, Hash: i.Hash, Metadata: i.Metadata})
	}
	return res, nil
}

// LoadSnapshotChunk serves a chunk of a snapshot; an empty chunk tells the
// peer this node does not have it (any more).
func (a *App) LoadSnapshotChunk(_ context.Context, req *abci.LoadSnapshotChunkRequest) (*abci.LoadSnapshotChunkResponse, error) {
	if a.snaps == nil || req.Format != snapshot.Format || req.Height == 0 || req.Height > 1<<62 {
		return &abci.LoadSnapshotChunkResponse{}, nil
	}
	c, err := a.snaps.store.Chunk(int64(req.Height), req.Chunk)
	if err != nil {
		if !errors.Is(err, snapshot.ErrNotFound) {
			a.log.Error("snapshot chunk unreadable", "height", req.Height, "chunk", req.Chunk, "err", err)
		}
		return &abci.LoadSnapshotChunkResponse{}, nil
	}
	return &abci.LoadSnapshotChunkResponse{Chunk: c}, nil
}

// restore is a state sync restore under way: the snapshot CometBFT
// offered, the app hash its light client verified for that height, and
// the importer the chunks go into, in order.
type restore struct {
	height  int64
	appHash []byte
	meta    snapshot.Metadata
	next    uint32
	imp     *statedb.Importer
}

// OfferSnapshot starts restoring a snapshot into this node's empty state.
// The metadata is the peer's word: it is checked for shape here, each
// chunk against it as it comes, and the whole against the trusted app
// hash at the end.
func (a *App) OfferSnapshot(_ context.Context, req *abci.OfferSnapshotRequest) (res *abci.OfferSnapshotResponse, err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	defer recoverIO(&err)
	if a.closed {
		return nil, ErrClosed
	}
	reject := func(result abci.OfferSnapshotResult, why string, args ...any) (*abci.OfferSnapshotResponse, error) {
		a.log.Warn("state sync snapshot refused", append([]any{"reason", why}, args...)...)
		return &abci.OfferSnapshotResponse{Result: result}, nil
	}
	s := req.Snapshot
	if s == nil {
		return reject(abci.OFFER_SNAPSHOT_RESULT_REJECT, "no snapshot")
	}
	if s.Format != snapshot.Format {
		return reject(abci.OFFER_SNAPSHOT_RESULT_REJECT_FORMAT, "unknown format", "format", s.Format)
	}
	if s.Height == 0 || s.Height > 1<<62 {
		return reject(abci.OFFER_SNAPSHOT_RESULT_REJECT, "bad height", "height", s.Height)
	}
	meta, err := snapshot.DecodeMetadata(s.Metadata)
	if err != nil {
		return reject(abci.OFFER_SNAPSHOT_RESULT_REJECT, err.Error(), "height", s.Height)
	}
	if uint32(len(meta.ChunkHashes)) != s.Chunks || !bytes.Equal(meta.Hash(), s.Hash) {
		return reject(abci.OFFER_SNAPSHOT_RESULT_REJECT, "metadata does not match the snapshot's chunk count and hash", "height", s.Height)
	}
	if len(req.AppHash) == 0 {
		return reject(abci.OFFER_SNAPSHOT_RESULT_REJECT, "no trusted app hash", "height", s.Height)
	}
	if err := a.abortRestore(); err != nil {
		return nil, err
	}
	if v := a.tree.Version(); v != 0 {
		// State sync is for an empty node; CometBFT does not offer
		// snapshots to one with state, so this is not a peer's doing.
		return reject(abci.OFFER_SNAPSHOT_RESULT_ABORT, "the node already has state", "version", v)
	}
	imp, err := a.tree.Import(int64(s.Height))
	if err != nil {
		return nil, err
	}
	a.restore = &restore{height: int64(s.Height), appHash: bytes.Clone(req.AppHash), meta: meta, imp: imp}
	a.log.Info("restoring a state sync snapshot", "height", s.Height, "chunks", s.Chunks)
	return &abci.OfferSnapshotResponse{Result: abci.OFFER_SNAPSHOT_RESULT_ACCEPT}, nil
}

// abortRestore drops a restore under way and the state it wrote.
func (a *App) abortRestore() error {
	if a.restore == nil {
		return nil
	}
	a.restore.imp.Close()
	a.restore = nil
	return a.tree.Reset()
}

// ApplySnapshotChunk adds the next chunk of the snapshot being restored.
// A chunk whose hash is not the listed one is fetched again from another
// peer; a snapshot whose chunks do not form a tree, or whose tree does not
// have the trusted app hash, is refused and its state wiped, so that
// CometBFT can try another.
func (a *App) ApplySnapshotChunk(_ context.Context, req *abci.ApplySnapshotChunkRequest) (res *abci.ApplySnapshotChunkResponse, err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	defer recoverIO(&err)
	if a.closed {
		return nil, ErrClosed
	}
	r := a.restore
	if r == nil {
		return &abci.ApplySnapshotChunkResponse{Result: abci.APPLY_SNAPSHOT_CHUNK_RESULT_ABORT}, nil
	}
	refuse := func(why error) (*abci.ApplySnapshotChunkResponse, error) {
		a.log.Warn("state sync snapshot refused", "height", r.height, "chunk", req.Index, "err", why)
		if err := a.abortRestore(); err != nil {
			return nil, err
		}
		return &abci.ApplySnapshotChunkResponse{Result: abci.APPLY_SNAPSHOT_CHUNK_RESULT_REJECT_SNAPSHOT}, nil
	}
	switch {
	case req.Index < r.next:
		return &abci.ApplySnapshotChunkResponse{Result: abci.APPLY_SNAPSHOT_CHUNK_RESULT_ACCEPT}, nil // applied already
	case req.Index > r.next:
		return &abci.ApplySnapshotChunkResponse{Result: abci.APPLY_SNAPSHOT_CHUNK_RESULT_RETRY, RefetchChunks: []uint32{r.next}}, nil
	}
	if err := r.meta.CheckChunk(req.Index, req.Chunk); err != nil {
		a.log.Warn("state sync chunk refused; fetching it again", "height", r.height, "chunk", req.Index, "sender", req.Sender, "err", err)
		res := &abci.ApplySnapshotChunkResponse{Result: abci.APPLY_SNAPSHOT_CHUNK_RESULT_RETRY, RefetchChunks: []uint32{req.Index}}
		if req.Sender != "" {
			res.RejectSenders = []string{req.Sender}
		}
		return res, nil
	}
	// From here the chunk is the one the metadata lists: if it is bad,
	// the snapshot is.
	nodes, err := snapshot.Decode(req.Chunk)
	if err != nil {
		return refuse(err)
	}
	for _, n := range nodes {
		if n.Version > r.height {
			return refuse(fmt.Errorf("node of version %d in a snapshot of height %d", n.Version, r.height))
		}
		if err := r.imp.Add(n); err != nil {
			return refuse(err)
		}
	}
	r.next++
	if int(r.next) < len(r.meta.ChunkHashes) {
		return &abci.ApplySnapshotChunkResponse{Result: abci.APPLY_SNAPSHOT_CHUNK_RESULT_ACCEPT}, nil
	}
	if err := r.imp.Commit(); err != nil {
		return refuse(err)
	}
	if got := a.tree.Hash(); !bytes.Equal(got, r.appHash) {
		return refuse(fmt.Errorf("restored state has app hash %X, the light client verified %X", got, r.appHash))
	}
	// What the app keeps beside the tree is derived from it.
	if err := a.loadCommitted(); err != nil {
		return nil, err
	}
	if err := a.modules.CheckState(a.tree); err != nil {
		return refuse(fmt.Errorf("restored state: %w", err))
	}
	if err := writeRestored(a.dir, r.height); err != nil {
		return nil, err
	}
	a.firstBlock = r.height + 1
	a.restore = nil
	a.log.Info("state sync snapshot restored", "height", r.height, "app_hash", fmt.Sprintf("%X", r.appHash))
	return &abci.ApplySnapshotChunkResponse{Result: abci.APPLY_SNAPSHOT_CHUNK_RESULT_ACCEPT}, nil
}

// restoredFile, in the state's directory, holds the height of the snapshot
// the node was restored from: its block store starts after it.
const restoredFile = "application.restored"

func readRestored(dir string) (int64, error) {
	b, err := os.ReadFile(filepath.Join(dir, restoredFile))
	if errors.Is(err, os.ErrNotExist) {
		return 1, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read restore height: %w", err)
	}
	h, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil || h <= 0 {
		return 0, fmt.Errorf("%s: not a height: %q", filepath.Join(dir, restoredFile), b)
	}
	return h + 1, nil
}

func writeRestored(dir string, height int64) error {
	if err := os.WriteFile(filepath.Join(dir, restoredFile), []byte(strconv.FormatInt(height, 10)+"\n"), 0o600); err != nil {
		return fmt.Errorf("record restore height: %w", err)
	}
	return nil
}
