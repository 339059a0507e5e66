package app

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/phalanx-net/phalanx/chain/pha"
	"github.com/phalanx-net/phalanx/chain/tx"
)

// Refusals at the mempool check are counted by code: they never reach a
// block, where the other transactions are counted.
func TestMetricsCountRefusals(t *testing.T) {
	h := newHarness(t)
	reg := prometheus.NewRegistry()
	m, err := NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	h.app.metrics = m
	bobAddr := bob.Public().Address()
	h.check(sendTx(t, alice, 5, bobAddr, pha.Tokens(1)))                                          // nonce too high
	h.check(sendTx(t, alice, 5, bobAddr, pha.Tokens(1)))                                          // again
	h.check(sendTx(t, alice, 0, bobAddr, pha.Tokens(1), func(b *tx.Body) { b.Fee.GasPrice = 1 })) // price too low
	h.check(sendTx(t, alice, 0, bobAddr, pha.Tokens(1)))                                          // admitted: counted in its block
	h.check([]byte("not a transaction"))
	refused := func(typ string, e error) float64 {
		return counter(t, reg, "phalanx_txs_refused_total", map[string]string{"stage": "check", "type": typ, "result": resultLabel(e)})
	}
	if n := refused("bank/send", tx.ErrFutureNonce); n != 2 {
		t.Errorf("%v nonce-too-high refusals counted, want 2", n)
	}
	if n := refused("bank/send", tx.ErrGasPriceTooLow); n != 1 {
		t.Errorf("%v price refusals counted, want 1", n)
	}
	if n := refused("undecodable", tx.ErrMalformed); n != 1 {
		t.Errorf("%v undecodable refusals counted, want 1", n)
	}
	h.block(sendTx(t, alice, 0, bobAddr, pha.Tokens(1)))
	if n := counter(t, reg, "phalanx_txs_total", map[string]string{"type": "bank/send", "result": "ok"}); n != 1 {
		t.Errorf("%v transfers counted in blocks, want 1", n)
	}
}

// counter returns the value of the counter name with exactly labels.
func counter(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	metrics:
		for _, m := range mf.GetMetric() {
			if len(m.GetLabel()) != len(labels) {
				continue
			}
			for _, l := range m.GetLabel() {
				if labels[l.GetName()] != l.GetValue() {
					continue metrics
				}
			}
			return m.GetCounter().GetValue()
		}
	}
	return 0
}

func resultLabel(e error) string {
	r := txResult{err: e}
	_, res := r.labels()
	return res
}
