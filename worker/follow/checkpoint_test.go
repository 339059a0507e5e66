package follow_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"testing"
	"time"

	cmtproto "github.com/cometbft/cometbft/api/cometbft/types/v1"
	cmtversion "github.com/cometbft/cometbft/api/cometbft/version/v1"
	"github.com/cometbft/cometbft/types"
	"github.com/cometbft/cometbft/version"

	"github.com/phalanx-net/phalanx/internal/fuzzlimit"
	"github.com/phalanx-net/phalanx/worker/follow"
)

// signers are validators whose keys a test holds, to make light blocks
// (or forge them, with keys the chain never saw).
type signers struct {
	pvs []types.MockPV
	set *types.ValidatorSet
}

func newSigners(n int) *signers {
	s := &signers{}
	vals := make([]*types.Validator, n)
	for i := range vals {
		pv := types.NewMockPV()
		s.pvs = append(s.pvs, pv)
		vals[i] = types.NewValidator(pv.PrivKey.PubKey(), 10)
	}
	s.set = types.NewValidatorSet(vals)
	return s
}

// commit signs a precommit for header h by every signer.
func (s *signers) commit(t testing.TB, h *types.Header, parts types.PartSetHeader) *types.Commit {
	t.Helper()
	id := types.BlockID{Hash: h.Hash(), PartSetHeader: parts}
	c := &types.Commit{Height: h.Height, BlockID: id}
	for i, v := range s.set.Validators {
		var pv types.MockPV
		for _, p := range s.pvs {
			if bytes.Equal(p.PrivKey.PubKey().Address(), v.Address) {
				pv = p
			}
		}
		ts := h.Time.Add(time.Millisecond)
		vote := &types.Vote{Type: types.PrecommitType, Height: h.Height, BlockID: id, Timestamp: ts, ValidatorAddress: v.Address, ValidatorIndex: int32(i)}
		pb := vote.ToProto()
		if err := pv.SignVote(h.ChainID, pb, false); err != nil {
			t.Fatal(err)
		}
		c.Signatures = append(c.Signatures, types.CommitSig{BlockIDFlag: types.BlockIDFlagCommit, ValidatorAddress: v.Address, Timestamp: ts, Signature: pb.Signature})
	}
	return c
}

func hash32(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

// lightBlock makes a valid light block at height signed by s.
func (s *signers) lightBlock(t testing.TB, chainID string, height int64) *types.LightBlock {
	t.Helper()
	h := &types.Header{
		Version: cmtversion.Consensus{Block: version.BlockProtocol}, ChainID: chainID, Height: height,
		Time:           time.Now().Add(-time.Minute).UTC(),
		LastBlockID:    types.BlockID{Hash: hash32("prev"), PartSetHeader: types.PartSetHeader{Total: 1, Hash: hash32("prev parts")}},
		LastCommitHash: hash32("c"), DataHash: hash32("d"), ValidatorsHash: s.set.Hash(), NextValidatorsHash: s.set.Hash(),
		ConsensusHash: hash32("cp"), AppHash: hash32("app"), LastResultsHash: hash32("r"), EvidenceHash: hash32("e"),
		ProposerAddress: s.set.GetProposer().Address,
	}
	c := s.commit(t, h, types.PartSetHeader{Total: 1, Hash: hash32("parts")})
	return &types.LightBlock{SignedHeader: &types.SignedHeader{Header: h, Commit: c}, ValidatorSet: s.set}
}

func TestCheckpointRoundTrip(t *testing.T) {
	lb := newSigners(4).lightBlock(t, "test-chain", 42)
	raw, err := follow.EncodeCheckpoint(lb)
	if err != nil {
		t.Fatal(err)
	}
	got, err := follow.DecodeCheckpoint(raw)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Hash(), lb.Hash()) || !bytes.Equal(got.ValidatorSet.Hash(), lb.ValidatorSet.Hash()) || got.Height != 42 {
		t.Fatalf("decoded light block differs: %v", got)
	}
	if _, err := follow.New(nopClient{}, follow.Options{ChainID: "test-chain"}, got); err != nil {
		t.Fatalf("resume from the decoded checkpoint: %v", err)
	}
}

func TestCheckpointRefused(t *testing.T) {
	s := newSigners(4)
	lb := s.lightBlock(t, "test-chain", 42)
	if _, err := follow.New(nopClient{}, follow.Options{ChainID: "other-chain"}, lb); !errors.Is(err, follow.ErrBadCheckpoint) {
		t.Fatalf("checkpoint of another chain: got %v, want ErrBadCheckpoint", err)
	}

	// A checkpoint whose commit was signed by keys other than its
	// validators' is consistent (ValidateBasic passes) but not signed.
	forged := newSigners(4).lightBlock(t, "test-chain", 42)
	forged.ValidatorSet = s.set
	forged.ValidatorsHash = s.set.Hash()
	forged.NextValidatorsHash = s.set.Hash()
	forged.Commit.BlockID.Hash = forged.Header.Hash()
	raw, err := follow.EncodeCheckpoint(forged)
	if err != nil {
		t.Fatal(err)
	}
	dec, err := follow.DecodeCheckpoint(raw)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	if _, err := follow.New(nopClient{}, follow.Options{ChainID: "test-chain"}, dec); !errors.Is(err, follow.ErrBadCheckpoint) {
		t.Fatalf("checkpoint with foreign signatures: got %v, want ErrBadCheckpoint", err)
	}

	good, _ := follow.EncodeCheckpoint(lb)
	for name, b := range map[string][]byte{
		"empty":     nil,
		"garbage":   []byte("not a light block"),
		"truncated": good[:len(good)/2],
		"no header": mustMarshal(t, &cmtproto.LightBlock{ValidatorSet: mustProto(t, lb).ValidatorSet}),
		"no vals":   mustMarshal(t, &cmtproto.LightBlock{SignedHeader: mustProto(t, lb).SignedHeader}),
	} {
		if _, err := follow.DecodeCheckpoint(b); !errors.Is(err, follow.ErrBadCheckpoint) {
			t.Errorf("%s: got %v, want ErrBadCheckpoint", name, err)
		}
	}
}

func mustProto(t testing.TB, lb *types.LightBlock) *cmtproto.LightBlock {
	pb, err := lb.ToProto()
	if err != nil {
		t.Fatal(err)
	}
	return pb
}

func mustMarshal(t testing.TB, pb *cmtproto.LightBlock) []byte {
	b, err := pb.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// FuzzDecodeCheckpoint: any input decodes to a valid light block or an
// ErrBadCheckpoint, never a panic; what decodes re-encodes to a light
// block with the same header.
//
// A checkpoint of four validators is 3 kB and decoding one checks its
// hashes, so Go's default 60 s of minimization per new input took a whole
// 45 s run (about 20 executions); minimization is capped at 100 runs, a
// one-validator light block seeds the smallest valid shape, and inputs
// above maxFuzzCheckpoint (a light block of ~60 validators) are skipped:
// DecodeCheckpoint's own bound is 8 MiB and mutating such inputs is slow.
func FuzzDecodeCheckpoint(f *testing.F) {
	const maxFuzzCheckpoint = 16 << 10
	fuzzlimit.Minimize(f, "100x")
	good, err := follow.EncodeCheckpoint(newSigners(4).lightBlock(f, "fuzz-chain", 7))
	if err != nil {
		f.Fatal(err)
	}
	one, err := follow.EncodeCheckpoint(newSigners(1).lightBlock(f, "c", 1))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:len(good)-3])
	f.Add(one)
	f.Add([]byte{0x0a, 0x00, 0x12, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > maxFuzzCheckpoint {
			t.Skip("larger than the checkpoints fuzzed")
		}
		lb, err := follow.DecodeCheckpoint(b)
		if err != nil {
			if !errors.Is(err, follow.ErrBadCheckpoint) {
				t.Fatalf("error %v is not ErrBadCheckpoint", err)
			}
			return
		}
		if err := lb.ValidateBasic(lb.ChainID); err != nil {
			t.Fatalf("decoded an invalid light block: %v", err)
		}
		again, err := follow.EncodeCheckpoint(lb)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		lb2, err := follow.DecodeCheckpoint(again)
		if err != nil {
			t.Fatalf("decode the re-encoding: %v", err)
		}
		if !bytes.Equal(lb.Hash(), lb2.Hash()) {
			t.Fatalf("header changed across a round trip")
		}
	})
}
