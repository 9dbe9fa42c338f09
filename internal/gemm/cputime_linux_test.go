//go:build linux

package gemm

import "golang.org/x/sys/unix"

// threadCPUSeconds returns the CPU time consumed by the calling OS thread.
// The benchmarks use it (with the goroutine locked to its thread, -cpu 1) to
// report a second throughput figure that ignores time the thread spent
// descheduled, which makes numbers from a shared, busy machine comparable.
func threadCPUSeconds() (float64, bool) {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		return 0, false
	}
	return float64(ts.Sec) + float64(ts.Nsec)*1e-9, true
}
