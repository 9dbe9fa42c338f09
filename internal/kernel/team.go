package kernel

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// A Team runs parallel loops of one kernel on a process-wide pool of worker
// goroutines (started lazily, never more than the largest team needs, and
// kept for the life of the process) plus the calling goroutine. It holds the
// WaitGroup of its loops so that a loop allocates nothing. A Team runs one
// loop at a time; the loop body must not start another loop on any team.
type Team struct {
	threads int
	wg      sync.WaitGroup
}

// NewTeam returns a team of at most threads goroutines (threads ≤ 0 means
// GOMAXPROCS).
func NewTeam(threads int) *Team {
	if threads <= 0 {
		threads = runtime.GOMAXPROCS(0)
	}
	return &Team{threads: threads}
}

// Threads returns the team size.
func (t *Team) Threads() int { return t.threads }

// Parts returns how many parts For splits n items into: min(threads, n),
// at least 1.
func (t *Team) Parts(n int) int { return max(1, min(t.threads, n)) }

// For calls fn(part, lo, hi) for Parts(n) contiguous, near-equal ranges
// [lo, hi) covering [0, n), in parallel, and returns when all are done.
// Part 0 runs on the calling goroutine. fn should be a func value built
// once (a method value stored in a field), not a closure made per call,
// or the call allocates.
func (t *Team) For(n int, fn func(part, lo, hi int)) {
	parts := t.Parts(n)
	if parts == 1 {
		fn(0, 0, n)
		return
	}
	ensureWorkers(parts - 1)
	t.wg.Add(parts - 1)
	for p := 1; p < parts; p++ {
		workCh <- work{fn: fn, part: p, lo: p * n / parts, hi: (p + 1) * n / parts, wg: &t.wg}
	}
	fn(0, 0, n/parts)
	t.wg.Wait()
}

type work struct {
	fn           func(part, lo, hi int)
	part, lo, hi int
	wg           *sync.WaitGroup
}

var (
	// Buffered so that a caller never waits for a worker to come back to
	// its receive before handing out the next part.
	workCh    = make(chan work, 256)
	workersMu sync.Mutex
	nWorkers  atomic.Int32
)

func ensureWorkers(n int) {
	if int(nWorkers.Load()) >= n {
		return
	}
	workersMu.Lock()
	for int(nWorkers.Load()) < n {
		go worker()
		nWorkers.Add(1)
	}
	workersMu.Unlock()
}

func worker() {
	for w := range workCh {
		w.fn(w.part, w.lo, w.hi)
		w.wg.Done()
	}
}

// minParallelMACs is the work below which a kernel runs on one goroutine:
// handing a part to a worker and waiting for it costs a few microseconds,
// while 256 Ki multiply-adds take about 5 µs on one core.
var minParallelMACs atomic.Int64

func init() { minParallelMACs.Store(256 << 10) }

// SetParallelThreshold sets the work (multiply-adds per call) below which
// kernels built afterwards run on one goroutine, and returns the previous
// value. Tests set it to 0 so that small shapes exercise the threaded code.
func SetParallelThreshold(macs int64) int64 { return minParallelMACs.Swap(macs) }

// threadsFor returns the team size for a call of macs multiply-adds.
func threadsFor(threads int, macs int64) int {
	if macs < minParallelMACs.Load() {
		return 1
	}
	return threads
}

// ceilDiv returns ⌈a/b⌉ for b > 0 and any sign of a.
func ceilDiv(a, b int) int { return -floorDiv(-a, b) }

// floorDiv returns ⌊a/b⌋ for b > 0 and any sign of a.
func floorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// clamp returns v limited to [lo, hi].
func clamp(v, lo, hi int) int { return max(lo, min(v, hi)) }
