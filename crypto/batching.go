package crypto

import (
	"runtime"
	"sync"
)

// maxBatch bounds a batch: past about 64 signatures a larger batch saves
// little more per signature and only delays the first caller.
const maxBatch = 64

type verifyJob struct {
	pub      PublicKey
	ctx      Context
	msg, sig []byte
	done     chan bool
}

// BatchingVerifier verifies signatures that arrive one at a time from many
// goroutines (the mempool checks of transactions coming in through RPC
// connections) in batches: each of its workers takes whatever requests are
// queued, up to 64, and checks them together, which costs about half as
// much per signature as checking them one by one. A request that finds the
// queue empty is checked at once, alone, so batching adds no waiting; it
// only pays off under load, which is when it matters.
type BatchingVerifier struct {
	queue chan verifyJob
}

// NewBatchingVerifier starts workers goroutines (0: one per CPU) that live
// as long as the process.
func NewBatchingVerifier(workers int) *BatchingVerifier {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	v := &BatchingVerifier{queue: make(chan verifyJob, 4*maxBatch)}
	for range workers {
		go v.work()
	}
	return v
}

// Verify reports whether sig is pub's signature of msg under ctx, with the
// rules of the package-level Verify.
func (v *BatchingVerifier) Verify(pub PublicKey, ctx Context, msg, sig []byte) bool {
	job := verifyJob{pub: pub, ctx: ctx, msg: msg, sig: sig, done: make(chan bool, 1)}
	v.queue <- job
	return <-job.done
}

func (v *BatchingVerifier) work() {
	jobs := make([]verifyJob, 0, maxBatch)
	for job := range v.queue {
		jobs = append(jobs[:0], job)
	drain:
		for len(jobs) < maxBatch {
			select {
			case j := <-v.queue:
				jobs = append(jobs, j)
			default:
				break drain
			}
		}
		if len(jobs) == 1 {
			job.done <- Verify(job.pub, job.ctx, job.msg, job.sig)
			continue
		}
		bv := NewBatchVerifier()
		for _, j := range jobs {
			bv.Add(j.pub, j.ctx, j.msg, j.sig)
		}
		for i, ok := range bv.Verify() {
			jobs[i].done <- ok
		}
	}
}

var (
	sharedVerifierOnce sync.Once
	sharedVerifier     *BatchingVerifier
)

// SharedBatchingVerifier returns the process's batching verifier.
func SharedBatchingVerifier() *BatchingVerifier {
	sharedVerifierOnce.Do(func() { sharedVerifier = NewBatchingVerifier(0) })
	return sharedVerifier
}
