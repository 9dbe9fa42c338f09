package kernel

import (
	"sync/atomic"

	"github.com/convkit/convkit/internal/pool"
)

// A Team runs a kernel's parallel loops on the process-wide worker pool
// (internal/pool) plus the calling goroutine: For splits n items into
// min(threads, n) contiguous ranges, part 0 on the caller.
type Team = pool.Team

// NewTeam returns a team of at most threads goroutines (threads ≤ 0 means
// GOMAXPROCS).
func NewTeam(threads int) *Team { return pool.NewTeam(threads) }

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
