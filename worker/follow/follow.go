package follow

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/cometbft/cometbft/light"
	rpcclient "github.com/cometbft/cometbft/rpc/client"
	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
	"github.com/cometbft/cometbft/types"
)

// Defaults for Options' zero values.
const (
	// DefaultTrustingPeriod is how long a trusted header stays a valid
	// starting point. See the package comment for what it guards against.
	DefaultTrustingPeriod = 14 * 24 * time.Hour
	// DefaultMaxClockDrift is how far past the local clock a header's time
	// may be, as CometBFT's light client allows by default.
	DefaultMaxClockDrift = 10 * time.Second
	// DefaultBatch is CometBFT's default max_request_batch_size, so a
	// follower works against any node configured with the defaults.
	DefaultBatch = 10
	// DefaultPrefetch is the number of batches fetched ahead of the one
	// being verified.
	DefaultPrefetch = 8
	// DefaultPoll is how often Sync asks for new blocks while it waits for
	// a target height the node has not reached.
	DefaultPoll = 100 * time.Millisecond
	// DefaultWitnessTimeout bounds a cross-check's wait for one witness
	// (a request, or a witness a block or two behind the primary).
	DefaultWitnessTimeout = 3 * time.Second
	// maxRange is the most headers one sync round verifies before it
	// cross-checks the last of them and makes it the trusted header, so
	// a long catch-up keeps its progress in pieces of a few seconds.
	maxRange = 10_000
)

// Options configure a Follower.
type Options struct {
	// ChainID is the chain to follow; empty takes Genesis.ChainID.
	ChainID string
	// Genesis is the trust root when there is no checkpoint and no
	// TrustedHash: its validators (at its initial height) must sign the
	// first block. It is also used to check a checkpoint's chain.
	Genesis *types.GenesisDoc
	// TrustedHeight and TrustedHash, when set and there is no checkpoint,
	// are the trust root instead of Genesis: the hash of the header at that
	// height, obtained from a source the operator trusts. They are how a
	// new worker joins a chain whose genesis is older than TrustingPeriod.
	TrustedHeight int64
	TrustedHash   []byte
	// TrustingPeriod bounds the age of the trusted header by the local
	// clock (default DefaultTrustingPeriod); see the package comment.
	TrustingPeriod time.Duration
	// MaxClockDrift is how far a header's time may be ahead of the local
	// clock (default DefaultMaxClockDrift).
	MaxClockDrift time.Duration
	// Batch is the number of signed headers fetched per round trip
	// (default DefaultBatch). A node that refuses a batch this large makes
	// the follower halve it.
	Batch int
	// Prefetch is the number of batches in flight ahead of verification
	// (default DefaultPrefetch).
	Prefetch int
	// Poll is how often Sync polls the node while waiting for a target
	// height (default DefaultPoll).
	Poll time.Duration
	// Witnesses, if set, gives the nodes a sync round cross-checks its
	// last header with (see Providers and the package comment). Nil, or no
	// witness in what it returns, verifies against the validators alone.
	Witnesses Providers
	// WitnessTimeout bounds the wait for one witness in a cross-check
	// (default DefaultWitnessTimeout): a witness that does not answer, or
	// has not reached the height, within it counts as not answering.
	WitnessTimeout time.Duration
	Log            *slog.Logger
	// Now is the local clock used for the trusting period and the clock
	// drift (default time.Now). It is the worker's clock, not the chain's.
	Now func() time.Time
}

func (o *Options) setDefaults() {
	if o.ChainID == "" && o.Genesis != nil {
		o.ChainID = o.Genesis.ChainID
	}
	if o.TrustingPeriod <= 0 {
		o.TrustingPeriod = DefaultTrustingPeriod
	}
	if o.MaxClockDrift <= 0 {
		o.MaxClockDrift = DefaultMaxClockDrift
	}
	if o.Batch <= 0 {
		o.Batch = DefaultBatch
	}
	if o.Prefetch <= 0 {
		o.Prefetch = DefaultPrefetch
	}
	if o.Poll <= 0 {
		o.Poll = DefaultPoll
	}
	if o.WitnessTimeout <= 0 {
		o.WitnessTimeout = DefaultWitnessTimeout
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Follower verifies a chain's headers in order, starting from a trust
// root, and reads state proven against the last verified header. Its
// methods may be called from several goroutines; Syncs run one at a time.
type Follower struct {
	rpc  rpcclient.Client
	http *rpchttp.HTTP // the same client when it can batch, else nil
	opts Options

	genesisVals *types.ValidatorSet // nil when starting from a checkpoint or a trusted hash

	syncMu sync.Mutex // one Sync at a time; guards vals and batch
	vals   map[string]*types.ValidatorSet
	batch  int

	mu      sync.Mutex
	trusted *types.LightBlock
}

// New returns a follower reading from rpc. With trusted nil it starts from
// opts.TrustedHash (if set) or from opts.Genesis; otherwise it resumes from
// trusted, typically a decoded checkpoint, after checking that it belongs
// to the chain and that its own validators signed it.
func New(rpc rpcclient.Client, opts Options, trusted *types.LightBlock) (*Follower, error) {
	opts.setDefaults()
	if rpc == nil {
		return nil, errors.New("follow: no RPC client")
	}
	if opts.ChainID == "" {
		return nil, errors.New("follow: no chain id (set Options.ChainID or Options.Genesis)")
	}
	if opts.Genesis != nil && opts.Genesis.ChainID != opts.ChainID {
		return nil, fmt.Errorf("follow: genesis is for chain %q, options say %q", opts.Genesis.ChainID, opts.ChainID)
	}
	f := &Follower{rpc: rpc, opts: opts, vals: map[string]*types.ValidatorSet{}, batch: opts.Batch}
	f.http, _ = rpc.(*rpchttp.HTTP)
	switch {
	case trusted != nil:
		if err := checkTrusted(trusted, opts); err != nil {
			return nil, err
		}
		f.trusted = trusted
		f.cacheVals(trusted.ValidatorSet)
	case opts.TrustedHeight > 0 || len(opts.TrustedHash) > 0:
		if opts.TrustedHeight <= 0 || len(opts.TrustedHash) == 0 {
			return nil, errors.New("follow: TrustedHeight and TrustedHash go together")
		}
	case opts.Genesis != nil:
		vals, err := genesisValidators(opts.Genesis)
		if err != nil {
			return nil, err
		}
		f.genesisVals = vals
		f.cacheVals(vals)
	default:
		return nil, errors.New("follow: no trust root: give a checkpoint, a trusted hash or the genesis")
	}
	return f, nil
}

// checkTrusted checks that a light block given as the trust root is whole,
// of this chain, and signed by more than two thirds of its own validators.
// It is cheap, and it keeps a corrupted or mixed-up checkpoint from
// becoming a trust root.
func checkTrusted(lb *types.LightBlock, opts Options) error {
	if lb.SignedHeader == nil || lb.ValidatorSet == nil {
		return fmt.Errorf("%w: incomplete light block", ErrBadCheckpoint)
	}
	if lb.ChainID != opts.ChainID {
		return fmt.Errorf("%w: light block of chain %q, following %q", ErrBadCheckpoint, lb.ChainID, opts.ChainID)
	}
	if err := lb.ValidateBasic(opts.ChainID); err != nil {
		return fmt.Errorf("%w: %v", ErrBadCheckpoint, err)
	}
	if g := opts.Genesis; g != nil && lb.Height < g.InitialHeight {
		return fmt.Errorf("%w: height %d is below the chain's initial height %d", ErrBadCheckpoint, lb.Height, g.InitialHeight)
	}
	if err := lb.ValidatorSet.VerifyCommitLight(opts.ChainID, lb.Commit.BlockID, lb.Height, lb.Commit); err != nil {
		return fmt.Errorf("%w: commit: %v", ErrBadCheckpoint, err)
	}
	return nil
}

// genesisValidators builds the validator set of the chain's first block
// the way CometBFT's genesis state does.
func genesisValidators(g *types.GenesisDoc) (vs *types.ValidatorSet, err error) {
	if len(g.Validators) == 0 {
		// The application may choose the validators in InitChain; then
		// only a trusted hash can start the follower.
		return nil, errors.New("follow: the genesis lists no validators; start from a trusted hash")
	}
	vals := make([]*types.Validator, len(g.Validators))
	for i, gv := range g.Validators {
		if gv.PubKey == nil || gv.Power <= 0 {
			return nil, fmt.Errorf("follow: genesis validator %d has no key or no power", i)
		}
		vals[i] = types.NewValidator(gv.PubKey, gv.Power)
	}
	// NewValidatorSet panics on a malformed set (duplicates, overflowing
	// power); a genesis file is input, so that becomes an error.
	defer func() {
		if r := recover(); r != nil {
			vs, err = nil, fmt.Errorf("follow: genesis validators: %v", r)
		}
	}()
	return types.NewValidatorSet(vals), nil
}

// Trusted returns the last verified light block, or nil before the first
// one. The caller must not modify it.
func (f *Follower) Trusted() *types.LightBlock {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.trusted
}

func (f *Follower) setTrusted(lb *types.LightBlock) {
	f.mu.Lock()
	f.trusted = lb
	f.mu.Unlock()
}

// nextHeight is the height Sync verifies next.
func (f *Follower) nextHeight() int64 { return f.heightAfter(f.Trusted()) }

// heightAfter is the height to verify after prev (nil: none verified yet).
func (f *Follower) heightAfter(prev *types.LightBlock) int64 {
	if prev != nil {
		return prev.Height + 1
	}
	if f.opts.TrustedHeight > 0 {
		return f.opts.TrustedHeight
	}
	return f.opts.Genesis.InitialHeight
}

// Sync verifies the heights after the trusted one up to target, in order,
// and calls each (if not nil) with every light block once it is verified.
// Verified blocks become Trusted (the base of Prove and of checkpoints) a
// round at a time: once the last block of the round passed the
// cross-check with the witnesses, if there are any. It stops at the first
// error: a block that does not verify (ErrVerification), a witness's
// conflicting header (ErrConflict), a node that cannot serve one, or an
// error from each, which is returned as it is; what was verified and
// cross-checked before the error stays trusted. With target <= 0 it
// follows up to the node's latest height; a target above the node's
// height makes it wait for the chain (until ctx ends).
func (f *Follower) Sync(ctx context.Context, target int64, each func(lb *types.LightBlock) error) error {
	f.syncMu.Lock()
	defer f.syncMu.Unlock()
	if target <= 0 {
		// One pass to the height the node has now, so that following a
		// fast chain still returns.
		latest, err := f.latestHeight(ctx)
		if err != nil {
			return err
		}
		if target = latest; target < f.nextHeight() {
			return nil
		}
	}
	for {
		next := f.nextHeight()
		if next > target {
			return nil
		}
		latest, err := f.latestHeight(ctx)
		if err != nil {
			return err
		}
		if end := min(latest, target, next+maxRange-1); end >= next {
			err := f.syncRange(ctx, next, end, each)
			if errors.Is(err, errBatchTooLarge) && f.batch > 1 {
				f.batch /= 2
				f.opts.Log.Warn("node refused a batch; fetching fewer headers per round trip", "batch", f.batch)
				continue
			}
			if err != nil {
				return err
			}
			continue
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(f.opts.Poll):
		}
	}
}

func (f *Follower) latestHeight(ctx context.Context) (int64, error) {
	st, err := f.rpc.Status(ctx)
	if err != nil {
		return 0, fmt.Errorf("node status: %w", err)
	}
	return st.SyncInfo.LatestBlockHeight, nil
}

// fetched is one batch of signed headers, in height order.
type fetched struct {
	headers []*types.SignedHeader
	err     error
}

// syncRange verifies heights from..to. A producer keeps up to Prefetch
// batches in flight, each fetched by its own goroutine into its own
// channel; the channels are queued in height order, so verification reads
// them in order whatever order the fetches finish in. The verified blocks
// become trusted when it returns, once the last one passed the
// cross-check, also when it stops early on an error.
func (f *Follower) syncRange(ctx context.Context, from, to int64, each func(*types.LightBlock) error) (err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// base is the trust root of the round's cross-check: the trusted
	// block, or before any, the first one verified from the genesis
	// validators or the trusted hash.
	root := f.Trusted()
	base, head := root, root
	defer func() {
		if head == root {
			return // nothing verified
		}
		if cerr := f.crossCheck(ctx, base, head); cerr != nil {
			if err == nil || errors.Is(cerr, ErrConflict) {
				err = cerr
			}
			return
		}
		f.setTrusted(head)
	}()
	batch := int64(f.batch)
	queue := make(chan chan fetched, f.opts.Prefetch)
	go func() {
		defer close(queue)
		for start := from; start <= to; start += batch {
			end := min(start+batch-1, to)
			ch := make(chan fetched, 1)
			select {
			case queue <- ch:
			case <-ctx.Done():
				return
			}
			go func() {
				hs, err := f.fetchHeaders(ctx, start, end)
				ch <- fetched{hs, err}
			}()
		}
	}()
	started, first := time.Now(), from
	for ch := range queue {
		var r fetched
		select {
		case r = <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
		if r.err != nil {
			return r.err
		}
		for _, sh := range r.headers {
			lb, err := f.verifyNext(ctx, head, sh)
			if err != nil {
				return err
			}
			if head = lb; base == nil {
				base = lb // the first block is the root: nothing before it to cross-check from
			}
			if each != nil {
				if err := each(lb); err != nil {
					return err
				}
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if n := to - first + 1; n >= 1000 {
		el := time.Since(started)
		f.opts.Log.Info("headers verified", "from", first, "to", to, "per_second", int(float64(n)/el.Seconds()))
	}
	return nil
}

// verifyNext verifies sh as the block after prev (nil: the first block,
// or the trusted hash's) and returns it as a light block; it does not
// change the follower.
func (f *Follower) verifyNext(ctx context.Context, prev *types.LightBlock, sh *types.SignedHeader) (lb *types.LightBlock, err error) {
	err = guard(func() error {
		lb, err = f.verifyNextUnguarded(ctx, prev, sh)
		return err
	}, func(p any) error {
		return verificationError(sh.Height, "verification panicked: %v", p)
	})
	return lb, err
}

func (f *Follower) verifyNextUnguarded(ctx context.Context, trusted *types.LightBlock, sh *types.SignedHeader) (*types.LightBlock, error) {
	want := f.heightAfter(trusted)
	if sh.Height != want {
		return nil, verificationError(want, "node answered with height %d", sh.Height)
	}
	if trusted == nil && f.opts.TrustedHeight > 0 {
		return f.verifyTrustedHash(ctx, sh)
	}
	now := f.opts.Now()
	if trusted == nil {
		return f.verifyFirst(sh, now)
	}
	vals, err := f.validators(ctx, sh.Height, sh.ValidatorsHash)
	if err != nil {
		return nil, err
	}
	if err := light.VerifyAdjacent(trusted.SignedHeader, sh, vals, f.opts.TrustingPeriod, now, f.opts.MaxClockDrift); err != nil {
		var expired light.ErrOldHeaderExpired
		if errors.As(err, &expired) {
			err = fmt.Errorf("%w (a new trust root is needed): %w", ErrTrustExpired, err)
		}
		return nil, &VerificationError{Height: sh.Height, Err: err}
	}
	// VerifyAdjacent relies on the validators' signatures alone; a header
	// that does not name its verified predecessor would mean those
	// validators signed two histories, so it is refused too.
	if !sh.LastBlockID.Equals(trusted.Commit.BlockID) {
		return nil, verificationError(sh.Height, "last block id %v is not the verified block %d (%v)", sh.LastBlockID, trusted.Height, trusted.Commit.BlockID)
	}
	return &types.LightBlock{SignedHeader: sh, ValidatorSet: vals}, nil
}

// verifyFirst verifies the chain's first block against the genesis
// validators: the light client's adjacent step has no predecessor header
// here, so its checks are made one by one with the same functions.
func (f *Follower) verifyFirst(sh *types.SignedHeader, now time.Time) (*types.LightBlock, error) {
	g, vals := f.opts.Genesis, f.genesisVals
	if expires := g.GenesisTime.Add(f.opts.TrustingPeriod); !expires.After(now) {
		return nil, &VerificationError{Height: sh.Height, Err: fmt.Errorf("%w: the genesis (%s) expired as a trust root at %s; start from a recent trusted hash",
			ErrTrustExpired, g.GenesisTime.UTC().Format(time.RFC3339), expires.UTC().Format(time.RFC3339))}
	}
	if err := sh.ValidateBasic(f.opts.ChainID); err != nil {
		return nil, &VerificationError{Height: sh.Height, Err: light.ErrInvalidHeader{Reason: err}}
	}
	if sh.Time.Before(g.GenesisTime) {
		return nil, verificationError(sh.Height, "header time %v is before the genesis time %v", sh.Time, g.GenesisTime)
	}
	if !sh.Time.Before(now.Add(f.opts.MaxClockDrift)) {
		return nil, verificationError(sh.Height, "header time %v is in the future (now %v)", sh.Time, now)
	}
	if !bytes.Equal(sh.ValidatorsHash, vals.Hash()) {
		return nil, verificationError(sh.Height, "validators hash %X is not the genesis validators' %X", sh.ValidatorsHash, vals.Hash())
	}
	if err := vals.VerifyCommitLight(f.opts.ChainID, sh.Commit.BlockID, sh.Height, sh.Commit); err != nil {
		return nil, &VerificationError{Height: sh.Height, Err: light.ErrInvalidHeader{Reason: err}}
	}
	return &types.LightBlock{SignedHeader: sh, ValidatorSet: vals}, nil
}

// verifyTrustedHash accepts the header at Options.TrustedHeight if it has
// the trusted hash and more than two thirds of its validators signed it,
// as CometBFT's light client does with its trust options.
func (f *Follower) verifyTrustedHash(ctx context.Context, sh *types.SignedHeader) (*types.LightBlock, error) {
	if err := sh.ValidateBasic(f.opts.ChainID); err != nil {
		return nil, &VerificationError{Height: sh.Height, Err: light.ErrInvalidHeader{Reason: err}}
	}
	if !bytes.Equal(sh.Hash(), f.opts.TrustedHash) {
		return nil, verificationError(sh.Height, "header hash %X is not the trusted hash %X", sh.Hash(), f.opts.TrustedHash)
	}
	now := f.opts.Now()
	if light.HeaderExpired(sh, f.opts.TrustingPeriod, now) {
		return nil, &VerificationError{Height: sh.Height, Err: fmt.Errorf("%w: the trusted header's time is %v", ErrTrustExpired, sh.Time)}
	}
	vals, err := f.validators(ctx, sh.Height, sh.ValidatorsHash)
	if err != nil {
		return nil, err
	}
	lb := &types.LightBlock{SignedHeader: sh, ValidatorSet: vals}
	if err := lb.ValidateBasic(f.opts.ChainID); err != nil {
		return nil, &VerificationError{Height: sh.Height, Err: err}
	}
	if err := vals.VerifyCommitLight(f.opts.ChainID, sh.Commit.BlockID, sh.Height, sh.Commit); err != nil {
		return nil, &VerificationError{Height: sh.Height, Err: light.ErrInvalidHeader{Reason: err}}
	}
	return lb, nil
}
