// Command fmapeak measures the single-precision FMA peak of one core: twelve
// independent fused multiply-add chains (enough to cover the FMA latency
// times the pipes of current x86 cores), with 8-lane YMM registers (AVX2,
// as the anchors' fma_peak.c) and, where the CPU has AVX512F, 16-lane ZMM
// registers. On a core with two full-width 512-bit FMA pipes (AMD Zen 5)
// the second is twice the first; on Zen 4, which splits a ZMM FMA in two,
// they are equal. docs/performance.md compares convkit's GEMM-bound
// operators with the faster of the two.
//
//	go run ./scripts/fmapeak [-reps 21] [-iters 20000000]
//
// It prints the median, minimum and maximum GFLOP/s over the repetitions;
// run it on a quiet machine, like the other benchmarks.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"slices"
	"time"
)

type kernel struct {
	name  string
	lanes int
	run   func(n int)
}

// chains is the number of independent FMA chains per iteration of the
// assembly loops.
const chains = 12

func main() {
	reps := flag.Int("reps", 21, "timed repetitions (the median is reported)")
	iters := flag.Int("iters", 20_000_000, "loop iterations per repetition")
	flag.Parse()
	if *reps < 1 || *iters < 1 {
		fmt.Fprintln(os.Stderr, "fmapeak: -reps and -iters must be positive")
		os.Exit(2)
	}
	ks := kernels()
	if len(ks) == 0 {
		fmt.Fprintln(os.Stderr, "fmapeak: no FMA kernel for this build (amd64 with AVX2+FMA, without -tags purego)")
		os.Exit(1)
	}
	runtime.LockOSThread()
	for _, k := range ks {
		k.run(*iters / 10) // warm up (clock ramp)
		rates := make([]float64, *reps)
		for i := range rates {
			t := time.Now()
			k.run(*iters)
			rates[i] = float64(*iters) * chains * float64(k.lanes) * 2 / time.Since(t).Seconds() * 1e-9
		}
		slices.Sort(rates)
		fmt.Printf("%-14s median %6.1f GFLOP/s  (min %.1f, max %.1f, %d reps of %d × %d FMAs × %d lanes)\n",
			k.name, rates[len(rates)/2], rates[0], rates[len(rates)-1], *reps, *iters, chains, k.lanes)
	}
}
