package web

import (
	"github.com/phalanx-net/phalanx/internal/safetext"

	"cmp"
	"context"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"math/big"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	coretypes "github.com/cometbft/cometbft/rpc/core/types"

	"github.com/phalanx-net/phalanx/chain/modules/computing"
	"github.com/phalanx-net/phalanx/chain/modules/contracts"
	"github.com/phalanx-net/phalanx/chain/modules/gov"
	"github.com/phalanx-net/phalanx/chain/modules/registry"
	"github.com/phalanx-net/phalanx/chain/modules/stakepool"
	"github.com/phalanx-net/phalanx/chain/modules/staking"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/crypto"
	"github.com/phalanx-net/phalanx/sdk/client"
	"github.com/phalanx-net/phalanx/tee"
)

//go:embed templates/*.html
var files embed.FS

// Server serves the dashboard of the node that cl talks to.
type Server struct {
	cl    *client.Client
	log   *slog.Logger
	pages map[string]*template.Template
	poll  time.Duration

	// The overview of the latest height, shared by every viewer: each
	// one refetches the page at every block.
	mu     sync.Mutex
	cached *Overview
}

// New returns a dashboard over cl (usually the node's local client).
func New(cl *client.Client, log *slog.Logger) (*Server, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{cl: cl, log: log, pages: map[string]*template.Template{}, poll: 250 * time.Millisecond}
	funcs := template.FuncMap{
		"pha":   func(a pha.Amount) string { return a.PHA() },
		"short": func(s fmt.Stringer) string { return shorten(s.String()) },
		// Text another user chose (a contract's name) shows its control
		// characters as escapes rather than acting on them.
		"show": safetext.Show,
		"ago":  func(t time.Time) string { return time.Since(t).Round(time.Second).String() },
		"sim":  tee.Insecure,
		// A worker's confidence level and the factor it scales its
		// rewards by.
		"confidence": func(level uint8) string {
			if level == registry.ConfidenceUnassessed {
				return "— (conf 1)"
			}
			return fmt.Sprintf("%d (conf %s)", level, computing.Conf(level))
		},
		// "at" shows unix seconds of block time; "clock" unix nanoseconds.
		"at": func(unix int64) string {
			if unix == 0 {
				return "never"
			}
			return time.Unix(unix, 0).UTC().Format("2006-01-02 15:04:05")
		},
		"clock": func(unixNano int64) string {
			if unixNano == 0 {
				return "never"
			}
			return time.Unix(0, unixNano).UTC().Format("15:04:05")
		},
	}
	for _, page := range []string{"index", "block", "tx", "account", "error"} {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(files, "templates/layout.html", "templates/"+page+".html")
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", page, err)
		}
		s.pages[page] = t
	}
	return s, nil
}

func shorten(s string) string {
	if len(s) <= 16 {
		return s
	}
	return s[:8] + "…" + s[len(s)-6:]
}

// Handler returns the dashboard's routes.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.index)
	mux.HandleFunc("GET /block/{height}", s.block)
	mux.HandleFunc("GET /tx/{hash}", s.tx)
	mux.HandleFunc("GET /account/{addr}", s.account)
	mux.HandleFunc("GET /events", s.events)
	return mux
}

func (s *Server) render(w http.ResponseWriter, page string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := s.pages[page].Execute(w, data); err != nil {
		s.log.Warn("dashboard page", "page", page, "err", err)
	}
}

func (s *Server) fail(w http.ResponseWriter, code int, err error) {
	w.WriteHeader(code)
	s.render(w, "error", map[string]any{"Title": http.StatusText(code), "Error": err.Error()})
}

// Block is a row of the recent blocks.
type Block struct {
	Height   int64
	Time     time.Time
	Txs      int
	Interval time.Duration
	Hash     string
}

// TxRow is a recent transaction.
type TxRow struct {
	Hash   string
	Height int64
}

// WorkerRow joins a worker's registration and computing records.
type WorkerRow struct {
	registry.Enclave
	Computing *computing.Worker
	Sim       bool
}

// ExpiresAt is when the worker's registration expires unless it
// re-attests.
func (r WorkerRow) ExpiresAt() time.Time { return time.Unix(r.Expires, 0).UTC() }

// Overview is the index page's data.
type Overview struct {
	Title       string
	ChainID     string
	Height      int64
	Interval    time.Duration
	Blocks      []Block
	Txs         []TxRow       // the latest transactions, newest first
	Plot        template.HTML // block intervals, SVG
	Values      template.HTML // workers' V and P, SVG
	Emission    template.HTML // rewards paid over height, SVG
	Validators  []Validator
	Gatekeepers []registry.Enclave
	Workers     []WorkerRow
	// Collateral is the vendor collateral the chain stores, with its
	// state at the latest block's time.
	Collateral []CollateralRow
	Clusters   []contracts.Cluster
	Contracts  []contracts.Contract
	Pools      []stakepool.Pool
	// Candidates are the gatekeeper candidates, the active set first;
	// Proposals the open governance proposals, with their running tally.
	Candidates []CandidateRow
	Proposals  []ProposalRow
	Treasury   pha.Amount
	RewardPool pha.Amount
	Paid       pha.Amount
	Supply     pha.Amount
	SimWarning string
}

// CollateralRow is one stored collateral set and its state: current,
// expiring within registry.CollateralRenewal, or expired.
type CollateralRow struct {
	Scope           string
	Issued, Expires time.Time
	State           string
}

// collateralRows describes the stored sets at block time now.
func collateralRows(cols []registry.Collateral, now time.Time) []CollateralRow {
	out := make([]CollateralRow, 0, len(cols))
	for _, c := range cols {
		out = append(out, CollateralRow{Scope: c.Scope, Issued: time.Unix(c.Issued, 0).UTC(), Expires: time.Unix(c.Expires, 0).UTC(), State: c.Health(now)})
	}
	return out
}

// CandidateRow is a gatekeeper candidate: its stake, its power in the
// active set (0: not in it), and its uptime in the current window.
type CandidateRow struct {
	staking.Candidate
	Power int64
	// Window is how many blocks of the current signing window have
	// passed; Missed (the candidate's) how many of them it did not sign.
	Window int64
}

// Uptime is the share of the window's blocks it signed, in percent, for
// display.
func (r CandidateRow) Uptime() string {
	if r.Power == 0 || r.Window <= 0 {
		return "-"
	}
	signed := max(r.Window-int64(r.Missed), 0)
	return fmt.Sprintf("%d.%d%%", signed*100/r.Window, signed*1000/r.Window%10)
}

// ProposalRow is an open proposal and its tally so far.
type ProposalRow struct {
	gov.Proposal
	Running *gov.TallyResult
}

// Validator is a gatekeeper's consensus key and power.
type Validator struct {
	Address crypto.Address
	Power   int64
}

// currentOverview returns the overview, computed once per height.
func (s *Server) currentOverview(ctx context.Context) (*Overview, error) {
	st, err := s.cl.Status(ctx)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cached != nil && s.cached.Height == st.SyncInfo.LatestBlockHeight {
		return s.cached, nil
	}
	o, err := s.overview(ctx, st)
	if err == nil {
		s.cached = o
	}
	return o, err
}

// overview reads everything the index shows, as of st.
func (s *Server) overview(ctx context.Context, st *coretypes.ResultStatus) (*Overview, error) {
	o := &Overview{Title: "Phalanx " + st.NodeInfo.Network, ChainID: st.NodeInfo.Network, Height: st.SyncInfo.LatestBlockHeight, SimWarning: tee.SimWarning}
	rpc := s.cl.RPC()
	if o.Height > 0 {
		min := max(o.Height-40, 1)
		bi, err := rpc.BlockchainInfo(ctx, min, o.Height)
		if err != nil {
			return nil, err
		}
		metas := bi.BlockMetas // newest first
		for i, m := range metas {
			b := Block{Height: m.Header.Height, Time: m.Header.Time, Txs: m.NumTxs, Hash: m.BlockID.Hash.String()}
			if i+1 < len(metas) {
				b.Interval = m.Header.Time.Sub(metas[i+1].Header.Time).Round(time.Millisecond)
			}
			o.Blocks = append(o.Blocks, b)
		}
		if len(o.Blocks) > 1 {
			span := o.Blocks[0].Time.Sub(o.Blocks[len(o.Blocks)-1].Time)
			o.Interval = (span / time.Duration(len(o.Blocks)-1)).Round(time.Millisecond)
		}
		o.Plot = intervalPlot(o.Blocks)
		// The latest transactions, from the newest blocks that have some.
		for _, b := range o.Blocks {
			if b.Txs == 0 || len(o.Txs) >= 10 {
				continue
			}
			h := b.Height
			if blk, err := rpc.Block(ctx, &h); err == nil {
				for _, t := range blk.Block.Txs {
					o.Txs = append(o.Txs, TxRow{Hash: strings.ToUpper(hex.EncodeToString(t.Hash())), Height: h})
				}
			}
		}
		if len(o.Blocks) > 12 {
			o.Blocks = o.Blocks[:12]
		}
	}
	if vals, err := rpc.Validators(ctx, nil, nil, nil); err == nil {
		for _, v := range vals.Validators {
			a, _ := crypto.AddressFromBytes(v.Address)
			o.Validators = append(o.Validators, Validator{Address: a, Power: v.VotingPower})
		}
	}
	// The rest is best effort: a page with what the node could answer.
	o.Gatekeepers, _ = s.cl.Gatekeepers(ctx)
	regs, _ := s.cl.Workers(ctx)
	comps, _ := s.cl.ComputingWorkers(ctx)
	byID := map[crypto.PublicKey]*computing.Worker{}
	for i := range comps {
		byID[comps[i].ID] = &comps[i]
	}
	for _, e := range regs {
		o.Workers = append(o.Workers, WorkerRow{Enclave: e, Computing: byID[e.Identity], Sim: tee.Insecure(e.Platform)})
	}
	if cols, err := s.cl.Collaterals(ctx); err == nil {
		o.Collateral = collateralRows(cols, st.SyncInfo.LatestBlockTime)
	}
	o.Clusters, _ = s.cl.Clusters(ctx)
	o.Contracts, _ = s.cl.Contracts(ctx)
	o.Pools, _ = s.cl.Pools(ctx)
	o.Candidates = s.candidates(ctx, o.Height)
	if props, err := s.cl.Proposals(ctx); err == nil {
		for _, p := range props {
			if !p.Status.Open() {
				continue
			}
			row := ProposalRow{Proposal: p}
			if p.Status == gov.VotingPeriod {
				if t, err := s.cl.Tally(ctx, p.ID); err == nil {
					row.Running = &t
				}
			}
			o.Proposals = append(o.Proposals, row)
		}
	}
	o.Treasury, _, _ = s.cl.Balance(ctx, crypto.ModuleAddress(computing.Treasury), false)
	o.Supply, _, _ = s.cl.Supply(ctx, false)
	o.RewardPool, _, _ = s.cl.Balance(ctx, crypto.ModuleAddress("reward-pool"), false)
	if t, err := s.cl.ComputingTotals(ctx); err == nil {
		o.Paid = t.Paid
	}
	o.Values = valuePlot(o.Workers)
	o.Emission = emissionPlot(s.emissionHistory(ctx, o.Height))
	return o, nil
}

// candidates lists the candidates with their power and uptime, the
// active set first (by power), then the others by stake.
func (s *Server) candidates(ctx context.Context, height int64) []CandidateRow {
	cands, err := s.cl.Candidates(ctx)
	if err != nil {
		return nil
	}
	power := map[string]int64{}
	if vals, err := s.cl.ActiveValidators(ctx); err == nil {
		for _, v := range vals {
			power[string(v.ConsensusKey)] = v.Power
		}
	}
	out := make([]CandidateRow, 0, len(cands))
	for _, c := range cands {
		out = append(out, CandidateRow{Candidate: c, Power: power[string(c.ConsensusKey)], Window: height - c.WindowStart})
	}
	slices.SortStableFunc(out, func(a, b CandidateRow) int {
		if a.Power != b.Power {
			return cmp.Compare(b.Power, a.Power)
		}
		return b.Stake().Cmp(a.Stake())
	})
	return out
}

// emissionHistory reads the rewards paid at 40 heights spread over the
// last blocks the node keeps (the state of past heights is queryable for
// its last 10,000 versions).
func (s *Server) emissionHistory(ctx context.Context, height int64) []sample {
	const points, window = 40, 9000
	from := max(height-window, 2)
	if height-from < points {
		return nil
	}
	var out []sample
	for i := range points + 1 {
		h := from + (height-from)*int64(i)/points
		q, err := s.cl.Get(ctx, "/computing/totals", nil, h, false)
		if err != nil || q.Value == nil {
			continue
		}
		t, err := computing.Decode[computing.Totals](q.Value)
		if err != nil {
			continue
		}
		f, _ := new(big.Rat).SetFrac(t.Paid.Big(), big.NewInt(1e12)).Float64() // display only
		out = append(out, sample{height: h, paid: f})
	}
	return out
}

func (s *Server) index(w http.ResponseWriter, r *http.Request) {
	o, err := s.currentOverview(r.Context())
	if err != nil {
		s.fail(w, http.StatusBadGateway, err)
		return
	}
	s.render(w, "index", o)
}

func (s *Server) block(w http.ResponseWriter, r *http.Request) {
	h, err := strconv.ParseInt(r.PathValue("height"), 10, 64)
	if err != nil || h <= 0 {
		s.fail(w, http.StatusBadRequest, fmt.Errorf("%q is not a block height", r.PathValue("height")))
		return
	}
	b, err := s.cl.RPC().Block(r.Context(), &h)
	if err != nil {
		s.fail(w, http.StatusNotFound, err)
		return
	}
	type txRow struct{ Hash string }
	var txs []txRow
	for _, t := range b.Block.Txs {
		txs = append(txs, txRow{Hash: strings.ToUpper(hex.EncodeToString(t.Hash()))})
	}
	s.render(w, "block", map[string]any{"Title": fmt.Sprintf("Block %d", h), "Block": b.Block, "Hash": b.BlockID.Hash.String(), "Txs": txs, "Prev": h - 1})
}

func (s *Server) tx(w http.ResponseWriter, r *http.Request) {
	hash, err := hex.DecodeString(r.PathValue("hash"))
	if err != nil || len(hash) != 32 {
		s.fail(w, http.StatusBadRequest, fmt.Errorf("%q is not a transaction hash", r.PathValue("hash")))
		return
	}
	res, err := s.cl.Tx(r.Context(), hash)
	if errors.Is(err, client.ErrTxNotFound) {
		s.fail(w, http.StatusNotFound, err)
		return
	} else if err != nil {
		s.fail(w, http.StatusBadGateway, err)
		return
	}
	var msgs []string
	var sender crypto.Address
	if res.Tx != nil {
		sender = res.Tx.Body.Sender.Address()
		for _, m := range res.Tx.Body.Msgs {
			msgs = append(msgs, m.Type)
		}
	}
	s.render(w, "tx", map[string]any{"Title": "Transaction " + shorten(res.Hash), "Tx": res, "Msgs": msgs, "Sender": sender})
}

func (s *Server) account(w http.ResponseWriter, r *http.Request) {
	a, err := crypto.ParseAddress(r.PathValue("addr"))
	if err != nil {
		s.fail(w, http.StatusBadRequest, err)
		return
	}
	bal, height, err := s.cl.Balance(r.Context(), a, false)
	if err != nil {
		s.fail(w, http.StatusBadGateway, err)
		return
	}
	acc, _ := s.cl.Account(r.Context(), a)
	s.render(w, "account", map[string]any{"Title": "Account " + shorten(a.String()), "Address": a, "Balance": bal, "Nonce": acc.Nonce, "Height": height})
}

// events streams the chain's height as server-sent events, one per new
// block, until the client goes away.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	var last int64
	t := time.NewTicker(s.poll)
	defer t.Stop()
	for {
		if st, err := s.cl.Status(r.Context()); err == nil && st.SyncInfo.LatestBlockHeight != last {
			last = st.SyncInfo.LatestBlockHeight
			fmt.Fprintf(w, "event: height\ndata: %d\n\n", last)
			flusher.Flush()
		}
		select {
		case <-r.Context().Done():
			return
		case <-t.C:
		}
	}
}
