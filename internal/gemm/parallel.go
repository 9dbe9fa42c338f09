package gemm

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Parallel calls are executed by a process-wide pool of worker goroutines
// plus the calling goroutine. Workers are started lazily, never more than the
// largest thread count requested (capped by GOMAXPROCS), and live for the rest
// of the process.
//
// A call is split into more parts (C rectangles) than threads, and every
// participant claims parts from a shared atomic counter until none are left.
// This dynamic schedule matters in practice: waking a parked worker can take
// 50-150 µs on a virtualised host (measured here), and cores shared with
// other processes run at different speeds. With static one-part-per-thread
// scheduling a late or slowed worker delays the whole call by its full
// share; here the caller simply processes the parts the worker has not
// claimed yet, and returns as soon as all parts are done without waiting for
// a worker that woke too late to get any.

// team is the part-claiming state of one parallel call, embedded in job.
type team struct {
	parts int
	next  atomic.Int64   // next part to claim
	left  sync.WaitGroup // parts not finished
	refs  atomic.Int32   // participants still holding the job (caller + workers)
}

var (
	// Buffered so that a caller never waits for a worker to come back to
	// its receive: queued participations are picked up as soon as a worker
	// is free (and are no-ops if all parts are gone by then).
	workCh    = make(chan *job, 256)
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

// workerSpin is how long a worker keeps polling for the next call before
// parking. Back-to-back calls (consecutive layers) then find it awake
// instead of paying the wake-up latency; the poll yields its P between
// checks, and the spin is bounded, so an idle process does not burn CPU.
const workerSpin = 50 * time.Microsecond

func worker() {
	for {
		j, ok := pollWork()
		if !ok {
			j = <-workCh // park
		}
		j.participate()
		j.unref()
	}
}

// pollWork polls workCh for up to workerSpin.
func pollWork() (*job, bool) {
	var deadline time.Time
	for {
		select {
		case j := <-workCh:
			return j, true
		default:
		}
		now := time.Now()
		if deadline.IsZero() {
			deadline = now.Add(workerSpin)
		} else if now.After(deadline) {
			return nil, false
		}
		runtime.Gosched()
	}
}

// participate claims and runs parts of j until none are left.
func (j *job) participate() {
	for {
		p := int(j.next.Add(1) - 1)
		if p >= j.parts {
			return
		}
		j.runPart(p)
		j.left.Done()
	}
}

// unref drops one participant's reference; the last one returns j to the
// free list (so a worker that wakes after the call has returned never sees
// a recycled job).
func (j *job) unref() {
	if j.refs.Add(-1) == 0 {
		j.release()
	}
}

// run executes parts 0..parts-1 of j with the caller and up to helpers pool
// workers, and returns when all parts are done. j must not be used by the
// caller afterwards (it is released by its last participant).
func (j *job) run(parts, helpers int) {
	helpers = max(0, min(helpers, parts-1))
	j.parts = parts
	j.next.Store(0)
	j.left.Add(parts)
	j.refs.Store(int32(helpers) + 1)
	ensureWorkers(helpers)
	sent := 0
	// Workers still busy with (or not yet woken for) earlier calls would not
	// help this one in time: only queue while the queue is short. This also
	// bounds the number of jobs in flight.
	for sent < helpers && len(workCh) < helpers {
		workCh <- j
		sent++
	}
	j.refs.Add(int32(sent - helpers))
	j.participate()
	j.left.Wait()
	j.unref()
}

// freeList is a mutex-protected stack of reusable scratch objects. Unlike
// sync.Pool it never drops items (so steady-state calls are guaranteed not to
// allocate) and it does not migrate items between per-P caches; the retained
// memory is bounded by the peak number of concurrently running parts times
// the largest buffer each needed.
type freeList[T any] struct {
	mu    sync.Mutex
	items []*T
}

func (l *freeList[T]) get() *T {
	l.mu.Lock()
	defer l.mu.Unlock()
	if n := len(l.items); n > 0 {
		it := l.items[n-1]
		l.items[n-1] = nil
		l.items = l.items[:n-1]
		return it
	}
	return new(T)
}

func (l *freeList[T]) put(it *T) {
	l.mu.Lock()
	l.items = append(l.items, it)
	l.mu.Unlock()
}
