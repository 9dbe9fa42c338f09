// Package asm holds convkit's hand-written SIMD micro-kernels and their
// pure-Go twins.
//
// Every exported kernel has three implementations that compute the same
// documented loop:
//
//   - an AVX2+FMA Go-assembly version (*_amd64.s, built under
//     `amd64 && !purego`),
//   - a pure-Go twin (always compiled; for the GEMM and vector kernels in
//     generic_*.go, exported with a "Generic" suffix so other packages'
//     tests can compare against it),
//   - a stub (*_noasm.go, `!amd64 || purego`) that routes the asm entry
//     points to the Go twins so the package builds everywhere.
//
// GEMM and vector kernels (api.go): the micro-kernels Sgemm6x16,
// Sgemm6x16Prefetch and Sgemm6x8, the packing helpers PackMR, PackNR and
// PackPanelNR used by internal/gemm, and the vector helpers Axpy, Dot,
// Scale, AddBias and AddBiasRelu. The exported entry points validate their
// slice arguments and then dispatch: the assembly is used when the CPU has
// AVX2 and FMA (HasAVX2FMA) and it has not been switched off with
// SetUseAsm(false) or the environment variable CONVKIT_IMPL=generic (read
// once at init).
//
// The GEMM micro-kernels (Sgemm6x16, Sgemm6x16Prefetch, Sgemm6x32,
// Sgemm2x32, Sgemm6x16Rows, Sgemm2x16Rows) have a second assembly version
// for CPUs with AVX512F (kernel512_amd64.s), used unless SetUseAVX512(false)
// or CONVKIT_IMPL=avx2; it is bit-identical to the AVX2 version.
//
// Results of the assembly and the Go twins are not bit-identical: the assembly uses fused
// multiply-adds and, for reductions, a different summation order. Callers and
// tests must compare with a rounding-error tolerance.
package asm
