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

// HasAVX512 reports whether the AVX-512 versions of the GEMM micro-kernels
// (kernel512_amd64.s) can run: HasAVX2FMA (the AVX-512 set replaces only
// some of the AVX2 kernels), and the CPU has AVX512F with the OS saving
// ZMM state. Treat it as read-only; SetUseAVX512 switches.
var HasAVX512 = HasAVX2FMA && cpuHasAVX512()

// useAVX512 selects the AVX-512 GEMM kernels when the assembly is in use.
var useAVX512 atomic.Bool

// EnvImpl is the environment variable read at init: CONVKIT_IMPL=generic
// forces the pure-Go twins for the whole process, CONVKIT_IMPL=avx2 the
// AVX2 kernels on a CPU that has AVX-512.
const EnvImpl = "CONVKIT_IMPL"

func init() {
	env := os.Getenv(EnvImpl)
	useAsm.Store(HasAVX2FMA && env != "generic")
	useAVX512.Store(HasAVX512 && env != "avx2")
}

// SetUseAVX512 selects the AVX-512 GEMM micro-kernels (on=true, effective
// only when HasAVX512) or their AVX2 twins for all subsequent calls while
// the assembly is in use, and returns the previous setting. The two sets
// compute bit-identical results (kernel512_amd64.s); the switch exists so
// tests exercise both on one machine and to measure the difference.
func SetUseAVX512(on bool) (prev bool) {
	return useAVX512.Swap(on && HasAVX512)
}

// KernelSet names the kernels the exported entry points dispatch to now:
// "avx512" (the GEMM micro-kernels in their AVX-512 version, the rest
// AVX2), "avx2" or "generic" (the pure-Go twins).
func KernelSet() string {
	switch {
	case UsingAVX512():
		return "avx512"
	case UsingAsm():
		return "avx2"
	}
	return "generic"
}

// UsingAVX512 reports whether the GEMM micro-kernels currently dispatch to
// the AVX-512 assembly. The GEMM driver then hands them two 16-column
// panels per call (Sgemm6x32, Sgemm2x32).
func UsingAVX512() bool { return useAsm.Load() && useAVX512.Load() }

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
