package nn

import (
	"runtime"

	"github.com/convkit/convkit/internal/pool"
)

// par runs the parallel loops of one layer (BatchNorm2d, ReLU, pools) on
// the process-wide worker pool (internal/pool) plus the calling goroutine,
// as conv's kernels do. It holds the layer's thread setting and a team
// (with the WaitGroup of its loops), so that a loop allocates nothing. A layer runs
// one loop at a time and a loop body never starts another loop.
//
// The split of a loop never changes a result: every item (a channel, a
// plane, a chunk of elements) is computed by the same code whatever the
// number of parts, so outputs are identical for every thread count.
type par struct {
	threads int // SetThreads value; ≤ 0 means GOMAXPROCS
	team    pool.Team
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

// run calls fn(part, lo, hi) for near-equal contiguous ranges covering
// [0, n), in parallel, and returns when all are done. work is the number
// of elements the whole loop touches (see parts). fn should be a method
// value stored once in the layer, not a closure made per call, or the call
// allocates.
func (p *par) run(n, work int, fn func(part, lo, hi int)) {
	p.team.ForParts(n, p.parts(n, work), fn)
}
