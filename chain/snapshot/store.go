package snapshot

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/phalanx-net/phalanx/chain/statedb"
)

// Info describes a snapshot a node keeps: CometBFT's Snapshot fields.
type Info struct {
	Height   int64
	Format   uint32
	Chunks   uint32
	Hash     []byte
	Metadata []byte
}

// ErrNotFound is returned for a snapshot or chunk the node does not have.
var ErrNotFound = errors.New("snapshot not found")

// Store keeps snapshots as files: dir/<height>/metadata and one file per
// chunk, dir/<height>/<index>. A snapshot is written under a temporary
// name and renamed when complete, so a crash leaves no half snapshot that
// would be offered to peers.
type Store struct {
	dir string
}

// OpenStore opens (creating it if needed) the snapshot directory dir.
func OpenStore(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("snapshot directory: %w", err)
	}
	// Leftovers of a snapshot interrupted by a crash.
	tmps, _ := filepath.Glob(filepath.Join(dir, "tmp-*"))
	for _, t := range tmps {
		os.RemoveAll(t)
	}
	return &Store{dir: dir}, nil
}

func (s *Store) path(height int64) string {
	return filepath.Join(s.dir, strconv.FormatInt(height, 10))
}

// Write takes a snapshot at height: export must call yield with every node
// of that version of the tree, in export order. chunkSize is the cut size
// (0: ChunkBytes).
func (s *Store) Write(height int64, chunkSize int, export func(yield func(statedb.ExportNode) error) error) (Info, error) {
	if height <= 0 {
		return Info{}, fmt.Errorf("snapshot at height %d", height)
	}
	tmp, err := os.MkdirTemp(s.dir, "tmp-")
	if err != nil {
		return Info{}, fmt.Errorf("snapshot %d: %w", height, err)
	}
	defer os.RemoveAll(tmp) // after a successful rename there is nothing left
	var meta Metadata
	c := NewChunker(chunkSize, func(chunk []byte) error {
		if len(meta.ChunkHashes) >= MaxChunks {
			return fmt.Errorf("state too large for %d chunks", MaxChunks)
		}
		name := filepath.Join(tmp, strconv.Itoa(len(meta.ChunkHashes)))
		meta.ChunkHashes = append(meta.ChunkHashes, sha256.Sum256(chunk))
		return os.WriteFile(name, chunk, 0o600)
	})
	if err := export(c.Add); err != nil {
		return Info{}, fmt.Errorf("snapshot %d: %w", height, err)
	}
	if err := c.Close(); err != nil {
		return Info{}, fmt.Errorf("snapshot %d: %w", height, err)
	}
	raw := meta.Encode()
	if err := os.WriteFile(filepath.Join(tmp, "metadata"), raw, 0o600); err != nil {
		return Info{}, fmt.Errorf("snapshot %d: %w", height, err)
	}
	final := s.path(height)
	if err := os.RemoveAll(final); err != nil {
		return Info{}, fmt.Errorf("snapshot %d: %w", height, err)
	}
	if err := os.Rename(tmp, final); err != nil {
		return Info{}, fmt.Errorf("snapshot %d: %w", height, err)
	}
	return Info{Height: height, Format: Format, Chunks: uint32(len(meta.ChunkHashes)), Hash: meta.Hash(), Metadata: raw}, nil
}

// heights returns the heights of the snapshots kept, newest first.
func (s *Store) heights() ([]int64, error) {
	ents, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("snapshot directory: %w", err)
	}
	var hs []int64
	for _, e := range ents {
		if h, err := strconv.ParseInt(e.Name(), 10, 64); err == nil && e.IsDir() && h > 0 {
			hs = append(hs, h)
		}
	}
	slices.Sort(hs)
	slices.Reverse(hs)
	return hs, nil
}

// List returns the snapshots kept, newest first. One whose metadata does
// not read is left out (and removed by the next Prune).
func (s *Store) List() ([]Info, error) {
	hs, err := s.heights()
	if err != nil {
		return nil, err
	}
	var out []Info
	for _, h := range hs {
		raw, err := os.ReadFile(filepath.Join(s.path(h), "metadata"))
		if err != nil {
			continue
		}
		m, err := DecodeMetadata(raw)
		if err != nil {
			continue
		}
		out = append(out, Info{Height: h, Format: Format, Chunks: uint32(len(m.ChunkHashes)), Hash: m.Hash(), Metadata: raw})
	}
	return out, nil
}

// Chunk returns chunk i of the snapshot at height.
func (s *Store) Chunk(height int64, i uint32) ([]byte, error) {
	b, err := os.ReadFile(filepath.Join(s.path(height), strconv.FormatUint(uint64(i), 10)))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w: height %d chunk %d", ErrNotFound, height, i)
	}
	if err != nil {
		return nil, fmt.Errorf("snapshot %d chunk %d: %w", height, i, err)
	}
	return b, nil
}

// Prune deletes all but the newest keep snapshots.
func (s *Store) Prune(keep int) error {
	hs, err := s.heights()
	if err != nil {
		return err
	}
	var errs []error
	for i, h := range hs {
		if i >= keep {
			errs = append(errs, os.RemoveAll(s.path(h)))
		}
	}
	return errors.Join(errs...)
}
