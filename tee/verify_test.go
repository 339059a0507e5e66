package tee

import (
	"sync"
	"testing"
)

// Gatekeepers verify in several goroutines at once (mempool checks beside
// block execution); verdicts must not interfere.
func TestVerifyConcurrent(t *testing.T) {
	type job struct {
		ev   Evidence
		opts VerifyOptions
		ok   bool
	}
	var jobs []job
	for _, s := range tdxSamples {
		ev := s.evidence(t)
		jobs = append(jobs, job{ev, VerifyOptions{Now: sampleNow}, true})
		jobs = append(jobs, job{Evidence{Platform: TDX, Quote: flip(ev.Quote, tdxFlipBytes[0])}, VerifyOptions{Now: sampleNow}, false})
	}
	for _, s := range snpSamples {
		ev := s.evidence(t)
		jobs = append(jobs, job{ev, VerifyOptions{Now: sampleNow}, true})
		jobs = append(jobs, job{Evidence{Platform: SEVSNP, Quote: ev.Quote}, VerifyOptions{Now: sampleNow}, false})
	}
	for _, q := range simFuzzSeeds(t) {
		jobs = append(jobs, job{Evidence{Platform: Sim, Quote: q}, VerifyOptions{AllowSim: true}, true})
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 3 * len(jobs) {
				j := jobs[(i+g)%len(jobs)]
				if _, err := Verify(j.ev, j.opts); (err == nil) != j.ok {
					t.Errorf("%s: err %v, want ok=%v", j.ev.Platform, err, j.ok)
				}
			}
		}()
	}
	wg.Wait()
}
