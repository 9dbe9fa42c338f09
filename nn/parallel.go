package nn

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// par runs the parallel loops of one layer (BatchNorm2d, ReLU, pools) on a
// process-wide, bounded pool of worker goroutines plus the calling
// goroutine, as conv's kernels do. It holds the layer's thread setting and
// the WaitGroup of its loops, so that a loop allocates nothing. A layer runs
// one loop at a time and a loop body never starts another loop.
//
// The split of a loop never changes a result: every item (a channel, a
// plane, a chunk of elements) is computed by the same code whatever the
// number of parts, so outputs are identical for every thread count.
type par struct {
	threads int // SetThreads value; ≤ 0 means GOMAXPROCS
	wg      sync.WaitGroup
}

// minParallelWork is the work (tensor elements a loop reads or writes)
// below which a loop runs on the calling goroutine: handing a part to a
// worker and waiting for it costs a few microseconds, about what one core
// takes for 16 Ki elements of an element-wise loop.
const minParallelWork = 32 << 10

// parts returns how many parts a loop over n items touching work elements
// is split into: at most the thread setting, GOMAXPROCS and n, and one
// when the work is small.
func (p *par) parts(n, work int) int {
	t := p.threads
	if procs := runtime.GOMAXPROCS(0); t <= 0 || t > procs {
		t = procs
	}
	t = min(t, n, max(1, work/minParallelWork))
	return max(t, 1)
}

// run calls fn(lo, hi) for near-equal contiguous ranges covering [0, n),
// in parallel, and returns when all are done. work is the number of
// elements the whole loop touches (see parts). fn should be a method value
// stored once in the layer, not a closure made per call, or the call
// allocates.
func (p *par) run(n, work int, fn func(lo, hi int)) {
	parts := p.parts(n, work)
	if parts == 1 {
		fn(0, n)
		return
	}
	ensureWorkers(parts - 1)
	p.wg.Add(parts - 1)
	for i := 1; i < parts; i++ {
		workCh <- parWork{fn: fn, lo: i * n / parts, hi: (i + 1) * n / parts, wg: &p.wg}
	}
	fn(0, n/parts)
	p.wg.Wait()
}

type parWork struct {
	fn     func(lo, hi int)
	lo, hi int
	wg     *sync.WaitGroup
}

var (
	// Buffered so that a caller never waits for a worker to come back to
	// its receive before handing out the next part.
	workCh    = make(chan parWork, 64)
	workersMu sync.Mutex
	nWorkers  atomic.Int32
)

// ensureWorkers starts worker goroutines until there are at least n. They
// live as long as the process; there are never more than GOMAXPROCS − 1
// (the most any loop asks for), whatever the thread settings.
func ensureWorkers(n int) {
	if int(nWorkers.Load()) >= n {
		return
	}
	workersMu.Lock()
	for int(nWorkers.Load()) < n {
		go parWorker()
		nWorkers.Add(1)
	}
	workersMu.Unlock()
}

func parWorker() {
	for w := range workCh {
		w.fn(w.lo, w.hi)
		w.wg.Done()
	}
}
