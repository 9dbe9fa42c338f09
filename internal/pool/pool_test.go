package pool

import (
	"sync/atomic"
	"testing"
	"time"
)

// TestFor checks that For covers every item exactly once with contiguous,
// near-equal parts, for team sizes 1–5 and item counts 0–40.
func TestFor(t *testing.T) {
	for threads := 1; threads <= 5; threads++ {
		tm := NewTeam(threads)
		for n := 0; n <= 40; n++ {
			hits := make([]atomic.Int32, n)
			var parts atomic.Int32
			tm.For(n, func(part, lo, hi int) {
				parts.Add(1)
				if want := part * n / tm.Parts(n); n > 0 && lo != want {
					t.Errorf("threads %d n %d: part %d starts at %d, want %d", threads, n, part, lo, want)
				}
				for i := lo; i < hi; i++ {
					hits[i].Add(1)
				}
			})
			if int(parts.Load()) != tm.Parts(n) {
				t.Errorf("threads %d n %d: %d parts ran, want %d", threads, n, parts.Load(), tm.Parts(n))
			}
			for i := range hits {
				if h := hits[i].Load(); h != 1 {
					t.Fatalf("threads %d n %d: item %d ran %d times", threads, n, i, h)
				}
			}
		}
	}
}

// TestForAllocs checks that a loop, static or dynamic, allocates nothing
// once the workers run.
func TestForAllocs(t *testing.T) {
	tm := NewTeam(3)
	var sum atomic.Int64
	fn := func(_, lo, hi int) { sum.Add(int64(hi - lo)) }
	for name, loop := range map[string]func(int, func(part, lo, hi int)){"For": tm.For, "ForDynamic": tm.ForDynamic} {
		loop(100, fn)
		if a := testing.AllocsPerRun(100, func() { loop(100, fn) }); a != 0 {
			t.Errorf("%s allocates %v times per loop, want 0", name, a)
		}
	}
}

// TestLatch checks that Wait returns only once every part is done, both
// when the parts finish while it polls and when one outlasts Spin and Wait
// blocks, over rounds that reuse the latch at once (a Done's late counter
// update must not end a later round early).
func TestLatch(t *testing.T) {
	var l Latch
	for round := range 200 {
		parts := 1 + round%4
		var done atomic.Int32
		l.Add(parts)
		for p := range parts {
			go func() {
				if round%10 == 0 && p == 0 {
					time.Sleep(3 * Spin) // past the poll: Wait blocks
				}
				done.Add(1)
				l.Done()
			}()
		}
		l.Wait()
		if d := done.Load(); int(d) != parts {
			t.Fatalf("round %d: Wait returned after %d of %d parts", round, d, parts)
		}
	}
}

// TestForDynamic checks that ForDynamic runs every item exactly once, one
// item per call, with part numbers below Parts(n).
func TestForDynamic(t *testing.T) {
	for threads := 1; threads <= 4; threads++ {
		tm := NewTeam(threads)
		for n := 0; n <= 40; n++ {
			hits := make([]atomic.Int32, n)
			tm.ForDynamic(n, func(part, lo, hi int) {
				if hi != lo+1 || part < 0 || part >= tm.Parts(n) {
					t.Errorf("threads %d n %d: call (%d, %d, %d)", threads, n, part, lo, hi)
					return
				}
				hits[lo].Add(1)
			})
			for i := range hits {
				if h := hits[i].Load(); h != 1 {
					t.Fatalf("threads %d n %d: item %d ran %d times", threads, n, i, h)
				}
			}
		}
	}
}
