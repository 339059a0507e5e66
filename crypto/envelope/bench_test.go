package envelope

import "testing"

var (
	benchRequest  = make([]byte, 256)
	benchResponse = make([]byte, 1024)
)

// BenchmarkRequest is one full one-shot exchange: the client seals a
// request, the server opens it and seals the response, the client opens it.
func BenchmarkRequest(b *testing.B) {
	k, _ := testKeys(b)
	pk := k.PublicKey()
	b.ReportAllocs()
	for b.Loop() {
		req, clientResp, err := SealRequest(pk, testInfo, benchRequest)
		if err != nil {
			b.Fatal(err)
		}
		_, serverResp, err := OpenRequest(k, testInfo, req)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := clientResp.Open(serverResp.Seal(benchResponse)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOpenSealServer is the server's share of a one-shot exchange, the
// HPKE open+seal rate an enclave can sustain per core.
func BenchmarkOpenSealServer(b *testing.B) {
	k, _ := testKeys(b)
	req, _, err := SealRequest(k.PublicKey(), testInfo, benchRequest)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		_, resp, err := OpenRequest(k, testInfo, req)
		if err != nil {
			b.Fatal(err)
		}
		resp.Seal(benchResponse)
	}
}

// BenchmarkSession is the server's share of a session exchange: Open and
// the response's Seal, per message. The client's messages are sealed in
// batches outside the timer.
func BenchmarkSession(b *testing.B) {
	c, s := newTestSession(b)
	const batch = 1024
	msgs := make([][]byte, 0, batch)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%batch == 0 {
			b.StopTimer()
			msgs = msgs[:0]
			for range batch {
				msg, _, err := c.Seal(benchRequest)
				if err != nil {
					b.Fatal(err)
				}
				msgs = append(msgs, msg)
			}
			b.StartTimer()
		}
		_, _, resp, err := s.Open(msgs[i%batch])
		if err != nil {
			b.Fatal(err)
		}
		resp.Seal(benchResponse)
	}
}
