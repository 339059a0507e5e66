package web_test

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/phalanx-net/phalanx/chain/module"
	"github.com/phalanx-net/phalanx/chain/modules/gov"
	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/devnet"
	"github.com/phalanx-net/phalanx/devnet/devnettest"
	"github.com/phalanx-net/phalanx/sdk/client"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// TestDashboard runs a devnet with a worker and a transfer, loads every
// page of its dashboard and its metrics, then drives the dashboard in a
// browser. (One devnet: only one node of a process serves metrics.)
func TestDashboard(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	d := devnettest.Start(t, ctx, devnet.Config{Gatekeepers: 1, Workers: 1, BlockTime: 100 * time.Millisecond})
	info, cl := d.Info, d.Client
	url := info.Dashboard
	if url == "" {
		t.Fatal("devnet.json has no dashboard")
	}
	bob := d.Addr(t, "bob")
	res, err := cl.Send(ctx, d.Key(t, "alice"), bob, pha.Tokens(3), client.TxOptions{})
	if err != nil {
		t.Fatal(err)
	}

	// An open proposal alice voted for, with her nominated stake.
	alice := d.Key(t, "alice")
	if _, err := cl.Submit(ctx, alice, []module.Msg{&gov.MsgSubmit{Title: "A dashboard proposal", Deposit: pha.Tokens(100)}}, client.TxOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Submit(ctx, alice, []module.Msg{&gov.MsgVote{Proposal: 0, Option: gov.Yes}}, client.TxOptions{}); err != nil {
		t.Fatal(err)
	}

	code, body := get(t, url+"/")
	for _, want := range []string{"Gatekeeper candidates", "validator</td>", "100.0%", "Open proposals", "A dashboard proposal", "yes 100,000 PHA", "Treasury"} {
		if code != http.StatusOK || !strings.Contains(body, want) {
			t.Fatalf("overview (%d) lacks %q:\n%s", code, want, body)
		}
	}
	w := info.Workers[0].ID.String()
	for _, want := range []string{"Recent blocks", "Gatekeepers", w[:8], "sim (protects nothing)", "protects nothing", "Stake pools", "<svg", "V and P", "<th>standing</th>", "until 20"} {
		if code != http.StatusOK || !strings.Contains(body, want) {
			t.Fatalf("overview (%d) lacks %q:\n%s", code, want, body)
		}
	}
	if code, body := get(t, url+"/tx/"+res.Hash); code != http.StatusOK || !strings.Contains(body, "bank/send") || !strings.Contains(body, "succeeded") {
		t.Fatalf("tx page (%d): %s", code, body)
	}
	if code, body := get(t, url+"/block/"+itoa(res.Height)); code != http.StatusOK || !strings.Contains(body, strings.ToUpper(res.Hash)) {
		t.Fatalf("block page (%d): %s", code, body)
	}
	if code, body := get(t, url+"/account/"+bob.String()); code != http.StatusOK || !strings.Contains(body, "1,000,003 PHA") {
		t.Fatalf("account page (%d): %s", code, body)
	}
	for path, want := range map[string]int{
		"/tx/zz": http.StatusBadRequest, "/tx/" + strings.Repeat("ab", 32): http.StatusNotFound,
		"/block/0": http.StatusBadRequest, "/block/99999999": http.StatusNotFound, "/account/pha1nope": http.StatusBadRequest,
	} {
		if code, _ := get(t, url+path); code != want {
			t.Errorf("%s: %d, want %d", path, code, want)
		}
	}

	// Prometheus metrics: CometBFT's and the application's on the
	// gatekeeper, the worker's on its query server.
	if info.Metrics == "" {
		t.Fatal("devnet.json has no metrics URL")
	}
	code, body = get(t, info.Metrics)
	for _, want := range []string{"cometbft_consensus_height", `phalanx_txs_total{result="ok",type="bank/send"}`, "phalanx_reward_pool_pha", "phalanx_height"} {
		if code != http.StatusOK || !strings.Contains(body, want) {
			t.Fatalf("gatekeeper metrics (%d) lack %q", code, want)
		}
	}
	code, body = get(t, info.Workers[0].Query+"/metrics")
	for _, want := range []string{`phalanx_worker_enclave_platform{insecure="true",platform="sim"} 1`, "phalanx_worker_heartbeats_total", "phalanx_worker_height", "phalanx_worker_mq_backlog"} {
		if code != http.StatusOK || !strings.Contains(body, want) {
			t.Fatalf("worker metrics (%d) lack %q", code, want)
		}
	}

	t.Run("browser", func(t *testing.T) { browse(t, ctx, info, res) })

	// The live stream sends the height as blocks come.
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url+"/events", nil)
	stream, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Body.Close()
	sc := bufio.NewScanner(stream.Body)
	var events int
	for sc.Scan() && events < 2 {
		if strings.HasPrefix(sc.Text(), "data: ") {
			events++
		}
	}
	if events < 2 {
		t.Fatal("no height events")
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
