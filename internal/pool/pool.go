// Package pool is convkit's one pool of worker goroutines: the parallel
// loops of the kernels (internal/kernel), of the layers (nn) and the
// dynamically scheduled parts of a parallel GEMM (internal/gemm) all hand
// their parts to it.
//
// Workers are started lazily, never more than the most helpers any call
// asked for, and live for the rest of the process. A worker that finishes
// a task polls for the next one for a short while (Spin) before parking:
// the layers of a network issue parallel loops back to back, and waking a
// parked goroutine costs 50–150 µs on a virtualised host (measured here),
// more than many loops take. A caller waiting for its workers polls the
// same way (Latch) instead of parking. The polls yield their P between
// checks and are bounded, so an idle process does not burn CPU.
package pool

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// A Task is one part of a parallel call, run by a worker: Fn(Part, Lo, Hi),
// then Done.Done() when Done is not nil. Fn should be a func value made
// once (a method value stored in a field), not a closure made per call, or
// the call allocates.
type Task struct {
	Fn           func(part, lo, hi int)
	Part, Lo, Hi int
	Done         *Latch
}

// A Latch counts the unfinished parts of a parallel call, like a
// sync.WaitGroup, but its Wait polls for up to Spin before it blocks.
//
// A caller that blocks in WaitGroup.Wait parks its goroutine, and when
// nothing else is runnable its thread goes to sleep in the kernel, leaving
// an idle P: the worker's Done then makes the caller runnable on the
// worker's own P, the worker's next poll yields that P to the caller, and
// the worker waits in the global run queue until the sleeping thread is
// woken (a futex wake-up, 20–150 µs on a virtualised host). The next call's
// part for that worker then starts that much late, on every call: on a
// 2-thread G1 at batch 1 (four 170 µs items) it added 27 µs per call on
// average, a worker found parked on 12 % of calls. Polling keeps both
// goroutines on their threads between back-to-back calls.
type Latch struct {
	left atomic.Int32
	wg   sync.WaitGroup
}

// Add adds n unfinished parts.
func (l *Latch) Add(n int) {
	l.wg.Add(n)
	l.left.Add(int32(n))
}

// Done marks one part finished.
func (l *Latch) Done() {
	// The WaitGroup first: a Wait that sees left reach 0 returns without
	// calling wg.Wait, and must find wg at 0 too, since the next call's Add
	// may follow at once.
	l.wg.Done()
	l.left.Add(-1)
}

// Wait returns when every part added so far is done: it polls for up to
// Spin (see spin), then blocks.
func (l *Latch) Wait() {
	if !spin(func() bool { return l.left.Load() == 0 }) {
		l.wg.Wait()
	}
}

// spin polls done, yielding its P between polls, until it reports true
// (spin returns true) or Spin has passed (false). The workers' wait for a
// task and a Latch's wait for its parts both poll this way before they
// park.
func spin(done func() bool) bool {
	var deadline time.Time
	for !done() {
		now := time.Now()
		if deadline.IsZero() {
			deadline = now.Add(Spin)
		} else if now.After(deadline) {
			return false
		}
		runtime.Gosched()
	}
	return true
}

// Spin is how long a worker polls for the next task, and a Latch for its
// parts, before parking. A network's layers leave serial gaps between
// their parallel loops (a loss, an optimizer step, a small layer): in a
// training step of the anchors' std net (17 tasks per step) a worker was
// found parked 7.8 times per step with 50 µs, 2.4 with 300 µs and 1.4
// with 1 ms; 300 µs made the dws step 8.7 % faster than 50 µs (benchstat,
// 12 interleaved rounds, p = 0.017; std −7 %, n.s.). An idle process stops
// polling after it.
const Spin = 300 * time.Microsecond

var (
	// Buffered so that a caller never waits for a worker to come back to
	// its receive before handing out the next task.
	tasks     = make(chan Task, 256)
	workersMu sync.Mutex
	nWorkers  atomic.Int32
)

// Submit hands t to a worker, starting one if fewer than helpers workers
// exist (helpers is the number of tasks the caller submits for one call).
func Submit(t Task, helpers int) {
	ensure(helpers)
	tasks <- t
}

// Queued returns the number of tasks waiting for a worker.
func Queued() int { return len(tasks) }

func ensure(n int) {
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
	for {
		t, ok := poll()
		if !ok {
			t = <-tasks // park
		}
		t.Fn(t.Part, t.Lo, t.Hi)
		if t.Done != nil {
			t.Done.Done()
		}
	}
}

// poll polls the task queue for up to Spin.
func poll() (t Task, ok bool) {
	ok = spin(func() bool {
		select {
		case t = <-tasks:
			return true
		default:
			return false
		}
	})
	return t, ok
}

// A Team runs parallel loops with a static split: For cuts the items into
// contiguous ranges, one per part, the first run by the caller; or with a
// dynamic one: in ForDynamic the parts claim items one at a time. It holds
// the Latch of its loops so that a loop allocates nothing. A Team runs
// one loop at a time; a loop body must not start another loop on any team.
type Team struct {
	threads int
	done    Latch

	// ForDynamic's loop: the next item to claim, the item count and body,
	// and the claiming loop as a method value made once.
	next  atomic.Int64
	n     int
	fn    func(part, lo, hi int)
	claim func(part, lo, hi int)
}

// NewTeam returns a team of at most threads goroutines (threads ≤ 0 means
// GOMAXPROCS).
func NewTeam(threads int) *Team {
	t := &Team{}
	t.SetThreads(threads)
	return t
}

// SetThreads sets the team size (threads ≤ 0 means GOMAXPROCS).
func (t *Team) SetThreads(threads int) {
	if threads <= 0 {
		threads = runtime.GOMAXPROCS(0)
	}
	t.threads = threads
}

// Threads returns the team size.
func (t *Team) Threads() int { return t.threads }

// Parts returns how many parts For splits n items into: min(threads, n),
// at least 1.
func (t *Team) Parts(n int) int { return max(1, min(t.threads, n)) }

// For calls fn(part, lo, hi) for Parts(n) contiguous, near-equal ranges
// [lo, hi) covering [0, n), in parallel, and returns when all are done.
// Part 0 runs on the calling goroutine.
func (t *Team) For(n int, fn func(part, lo, hi int)) { t.ForParts(n, t.Parts(n), fn) }

// ForParts is For with the number of parts given (1 ≤ parts ≤ n, or 1).
func (t *Team) ForParts(n, parts int, fn func(part, lo, hi int)) {
	if parts <= 1 {
		fn(0, 0, n)
		return
	}
	t.done.Add(parts - 1)
	for p := 1; p < parts; p++ {
		Submit(Task{Fn: fn, Part: p, Lo: p * n / parts, Hi: (p + 1) * n / parts, Done: &t.done}, parts-1)
	}
	fn(0, 0, n/parts)
	t.done.Wait()
}

// ForDynamic calls fn(part, i, i+1) for every item i in [0, n), in
// parallel on Parts(n) parts (part 0 on the calling goroutine), each part
// claiming the next unclaimed item when it is done with one, and returns
// when all are done. Which part runs an item depends on timing: fn must
// give the same results whichever part runs it (per-part scratch is fine;
// per-part accumulators are not). On a shared machine the cores run at
// different speeds from one moment to the next, and the static split of
// For makes every loop wait for its slowest part; here a slowed part
// simply runs fewer items.
func (t *Team) ForDynamic(n int, fn func(part, lo, hi int)) {
	parts := t.Parts(n)
	if parts <= 1 {
		for i := range n {
			fn(0, i, i+1)
		}
		return
	}
	if t.claim == nil {
		t.claim = t.claimLoop
	}
	t.next.Store(0)
	t.n, t.fn = n, fn
	t.done.Add(parts - 1)
	for p := 1; p < parts; p++ {
		Submit(Task{Fn: t.claim, Part: p, Done: &t.done}, parts-1)
	}
	t.claimLoop(0, 0, 0)
	t.done.Wait()
	t.fn = nil
}

// claimLoop is one part of ForDynamic: it claims and runs items until none
// are left.
func (t *Team) claimLoop(part, _, _ int) {
	for {
		i := int(t.next.Add(1) - 1)
		if i >= t.n {
			return
		}
		t.fn(part, i, i+1)
	}
}
