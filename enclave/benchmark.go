package enclave

import (
	"crypto/sha256"
	"time"
)

// BenchmarkChunk is the work of one benchmark iteration: SHA-256 over
// this many bytes. A current server core does a few hundred iterations a
// second, so P (iterations per 6 s) lands in the hundreds to thousands,
// Phala's range, below the chain's cap.
const BenchmarkChunk = 4 << 20

// Benchmark runs the fixed CPU benchmark for span and reports the
// iterations done and the time they took, in milliseconds. It measures
// this machine, by its own clock, inside the enclave; the chain turns the
// figure into the score P. It runs on one core.
func Benchmark(span time.Duration) (iterations, spanMillis uint64) {
	buf := make([]byte, BenchmarkChunk)
	var sum [32]byte
	start := time.Now()
	for time.Since(start) < span {
		copy(buf, sum[:]) // each iteration depends on the last
		sum = sha256.Sum256(buf)
		iterations++
	}
	return iterations, uint64(max(time.Since(start).Milliseconds(), 1))
}
