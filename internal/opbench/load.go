package opbench

import (
	"bufio"
	"context"
	"os"
	"strconv"
	"strings"
	"time"
)

// The quiet-gating thresholds of the anchors' benchutil.py: a timed loop
// during which other processes used more than MaxOtherLoad cores is
// retried, by default up to maxTries times, and before each try the
// harness waits (at most Options.QuietWait; benchutil waits 240 s) for a
// quietWindow during which they used less than quietThreshold cores.
const (
	MaxOtherLoad   = 0.15 // cores; exported for callers that gate their own loops
	maxTries       = 4
	quietThreshold = 0.15
	quietWindow    = 500 * time.Millisecond
)

// userHZ is the unit of /proc/stat: Linux reports CPU time in 1/100 s on
// every architecture (USER_HZ), whatever the kernel's internal HZ.
const userHZ = 100

// machineBusy returns the CPU time, in seconds, that all processes have
// spent since boot: user, nice, system, irq, softirq and steal, as
// benchutil.py counts it. ok is false where /proc/stat is unavailable.
func machineBusy() (s float64, ok bool) {
	f, err := os.Open("/proc/stat")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	line, err := bufio.NewReader(f).ReadString('\n')
	if err != nil {
		return 0, false
	}
	fields := strings.Fields(line)
	if len(fields) < 9 || fields[0] != "cpu" {
		return 0, false
	}
	var ticks float64
	for _, i := range []int{1, 2, 3, 6, 7, 8} { // user nice system, irq softirq steal
		v, err := strconv.ParseFloat(fields[i], 64)
		if err != nil {
			return 0, false
		}
		ticks += v
	}
	return ticks / userHZ, true
}

// loadProbe measures how many cores other processes used between its
// start and its stop: the machine's busy time minus this process's own
// CPU time, over the wall time.
type loadProbe struct {
	wall      time.Time
	busy, own float64
	ok        bool
}

func startProbe() loadProbe {
	b, ok := machineBusy()
	o, ok2 := processCPU()
	return loadProbe{wall: time.Now(), busy: b, own: o, ok: ok && ok2}
}

// minProbe is the shortest window over which the load is reported:
// /proc/stat counts in 10 ms ticks, so a shorter window would be mostly
// rounding error (over 100 ms a tick is 0.1 core).
const minProbe = 100 * time.Millisecond

// other returns the cores used by other processes since the start, or
// ok false if that cannot be measured here or the window was too short.
func (p loadProbe) other() (load float64, ok bool) {
	dw := time.Since(p.wall).Seconds()
	b, ok1 := machineBusy()
	o, ok2 := processCPU()
	if !p.ok || !ok1 || !ok2 || dw < minProbe.Seconds() {
		return 0, false
	}
	return max(0, ((b-p.busy)-(o-p.own))/dw), true
}

// WaitQuiet blocks until other processes use fewer than quietThreshold
// (0.15) cores over a quietWindow (500 ms), maxWait passes, or ctx is
// done; only then does it return ctx's error. It returns at once where
// the load cannot be measured.
func WaitQuiet(ctx context.Context, maxWait time.Duration) error {
	deadline := time.Now().Add(maxWait)
	for {
		p := startProbe()
		if !p.ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(quietWindow):
		}
		if l, ok := p.other(); !ok || l < quietThreshold || time.Now().After(deadline) {
			return nil
		}
	}
}
