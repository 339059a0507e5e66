package follow

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	dbm "github.com/cometbft/cometbft-db"
	cmtlog "github.com/cometbft/cometbft/libs/log"
	"github.com/cometbft/cometbft/light"
	"github.com/cometbft/cometbft/light/provider"
	dbs "github.com/cometbft/cometbft/light/store/db"
	"github.com/cometbft/cometbft/types"
)

// Providers returns the light providers of one cross-check: primary is
// the node the follower reads from now, witnesses are the other nodes. It
// is called once per sync round, so a caller that fails over from one
// node to another hands the light client the right roles each time. A
// witness must be a different node from the primary: a node that
// confirms its own header proves nothing.
type Providers func() (primary provider.Provider, witnesses []provider.Provider)

// crossCheck has CometBFT's light client confirm head, which the follower
// verified from base, with the witnesses. The light client starts from
// base (a block the follower trusts), verifies head from the primary by
// its skipping verification and runs its detector: it asks every witness
// for the header at head's height and, when one serves a different one,
// verifies the witness's header too, and if both verify, reports the
// evidence to both sides and returns light.ErrLightClientAttack. That
// comes back as a *ConflictError, and so does a header the light client
// verified that is not head. Anything else that keeps the cross-check
// from confirming head (no witness answered in time, witnesses that lag
// or disagree without proof) is logged and head is accepted on the
// validators' signatures alone, as without witnesses: a dead witness must
// not stall the follower.
func (f *Follower) crossCheck(ctx context.Context, base, head *types.LightBlock) error {
	if f.opts.Witnesses == nil || head.Height <= base.Height {
		return nil
	}
	primary, witnesses := f.opts.Witnesses()
	if primary == nil || len(witnesses) == 0 {
		return nil
	}
	bound := func(p provider.Provider) provider.Provider {
		return boundedProvider{Provider: p, timeout: f.opts.WitnessTimeout, poll: f.opts.Poll}
	}
	ws := make([]provider.Provider, len(witnesses))
	for i, w := range witnesses {
		ws[i] = bound(w)
	}
	// A fresh client and store per round: its trust root is the follower's
	// (base), and a witness it dropped as faulty is asked again next round
	// rather than lost for good when it was only restarting.
	store := dbs.New(dbm.NewMemDB(), "")
	if err := store.SaveLightBlock(base); err != nil {
		return fmt.Errorf("cross-check: %w", err)
	}
	lc, err := light.NewClientFromTrustedStore(f.opts.ChainID, f.opts.TrustingPeriod, bound(primary), ws, store,
		light.SkippingVerification(light.DefaultTrustLevel), light.MaxClockDrift(f.opts.MaxClockDrift),
		light.Logger(lightLogger{f.opts.Log}))
	if err != nil {
		return fmt.Errorf("cross-check: %w", err)
	}
	got, err := lc.VerifyLightBlockAtHeight(ctx, head.Height, f.opts.Now())
	var conflicting light.ErrConflictingHeaders
	switch {
	case err == nil:
	case ctx.Err() != nil:
		return ctx.Err()
	case errors.Is(err, light.ErrLightClientAttack) || errors.As(err, &conflicting):
		return &ConflictError{Height: head.Height, Err: err}
	default:
		f.opts.Log.Warn("header not cross-checked: no witness confirmed it; it stands on the validators' signatures alone",
			"height", head.Height, "witnesses", len(witnesses), "err", err)
		return nil
	}
	if !bytes.Equal(got.Hash(), head.Hash()) {
		return &ConflictError{Height: head.Height, Err: fmt.Errorf("the light client verified header %X, the follower %X", got.Hash(), head.Hash())}
	}
	f.opts.Log.Debug("header cross-checked", "height", head.Height, "witnesses", len(witnesses))
	return nil
}

// boundedProvider keeps a provider from stalling a cross-check. Each
// request gets timeout; a node that lags (has not reached the height) is
// asked again until timeout, then counts as not answering; and transport
// errors become provider.ErrNoResponse, which the light client ignores,
// rather than a reason to drop the node for good. A node that serves a
// bad light block keeps the light client's error, so it is dropped for
// the round. Without the lag wait the light client would sleep 2 × its
// clock drift + its block lag (30 s by default) for a witness one block
// behind.
type boundedProvider struct {
	provider.Provider
	timeout, poll time.Duration
}

func (p boundedProvider) LightBlock(ctx context.Context, height int64) (*types.LightBlock, error) {
	deadline := time.Now().Add(p.timeout)
	for {
		rctx, cancel := context.WithDeadline(ctx, deadline)
		lb, err := p.Provider.LightBlock(rctx, height)
		cancel()
		var bad provider.ErrBadLightBlock
		switch {
		case err == nil:
			return lb, nil
		case ctx.Err() != nil:
			return nil, ctx.Err()
		case errors.As(err, &bad) || errors.Is(err, provider.ErrLightBlockNotFound):
			return nil, err
		case errors.Is(err, provider.ErrHeightTooHigh) && time.Now().Add(p.poll).Before(deadline):
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(p.poll):
			}
		default:
			return nil, provider.ErrNoResponse
		}
	}
}

// ReportEvidence is bounded like LightBlock: the light client reports
// evidence before it returns the attack.
func (p boundedProvider) ReportEvidence(ctx context.Context, ev types.Evidence) error {
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	return p.Provider.ReportEvidence(ctx, ev)
}

func (p boundedProvider) String() string { return fmt.Sprint(p.Provider) }

// lightLogger passes the light client's log to the follower's: its info
// lines (one per verified header) at debug level, its errors as warnings,
// since it logs some for nodes that merely do not answer; an attack comes
// back from Sync as a *ConflictError for the caller to report.
type lightLogger struct{ l *slog.Logger }

func (l lightLogger) Debug(msg string, kv ...any)  { l.l.Debug("light client: "+msg, kv...) }
func (l lightLogger) Info(msg string, kv ...any)   { l.l.Debug("light client: "+msg, kv...) }
func (l lightLogger) Error(msg string, kv ...any)  { l.l.Error("light client: "+msg, kv...) }
func (l lightLogger) With(kv ...any) cmtlog.Logger { return lightLogger{l.l.With(kv...)} }
