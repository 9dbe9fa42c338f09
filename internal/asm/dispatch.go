package asm

import (
	"os"
	"sync/atomic"
)

// HasAVX2FMA reports whether the AVX2+FMA assembly kernels are compiled into
// this binary (amd64 without the purego tag) and supported by the CPU (and
// the OS saves YMM state). It is a variable only so that it can be computed
// at init; treat it as read-only. Use SetUseAsm to switch paths.
var HasAVX2FMA = haveAsmImpl && cpuHasAVX2FMA()

// useAsm is the live dispatch decision read by every exported kernel.
var useAsm atomic.Bool

// EnvImpl is the environment variable read at init: CONVKIT_IMPL=generic
// forces the pure-Go twins for the whole process.
const EnvImpl = "CONVKIT_IMPL"

func init() {
	useAsm.Store(HasAVX2FMA && os.Getenv(EnvImpl) != "generic")
}

// SetUseAsm selects the assembly kernels (on=true, effective only when
// HasAVX2FMA) or the pure-Go twins (on=false) for all subsequent calls, and
// returns the previous setting. It is meant for tests and benchmarks that
// exercise both paths in one binary; the switch is atomic, but a call that is
// already running keeps whichever path it started with per kernel call.
func SetUseAsm(on bool) (prev bool) {
	return useAsm.Swap(on && HasAVX2FMA)
}

// UsingAsm reports whether the exported kernels currently dispatch to the
// assembly implementations.
func UsingAsm() bool { return useAsm.Load() }
