package gemm

import (
	"sync"
	"sync/atomic"

	"github.com/convkit/convkit/internal/pool"
)

// Parallel calls are executed by the process-wide worker pool
// (internal/pool) plus the calling goroutine.
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
	next  atomic.Int64 // next part to claim
	left  pool.Latch   // parts not finished
	refs  atomic.Int32 // participants still holding the job (caller + workers)
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

// help is a pool worker's share of j: claim parts until none are left,
// then drop the worker's reference.
func (j *job) help(_, _, _ int) {
	j.participate()
	j.unref()
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
	sent := 0
	// Workers still busy with (or not yet woken for) earlier calls would not
	// help this one in time: only queue while the queue is short. This also
	// bounds the number of jobs in flight.
	for sent < helpers && pool.Queued() < helpers {
		pool.Submit(pool.Task{Fn: j.helpFn}, helpers)
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
