//go:build amd64 && !purego

package main

import "golang.org/x/sys/cpu"

//go:noescape
func fmaYMM(n int)

//go:noescape
func fmaZMM(n int)

// kernels returns the FMA loops this CPU can run: 8 lanes with AVX2+FMA,
// 16 with AVX512F.
func kernels() []kernel {
	var ks []kernel
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		ks = append(ks, kernel{"AVX2 (YMM)", 8, fmaYMM})
	}
	if cpu.X86.HasAVX512F {
		ks = append(ks, kernel{"AVX-512 (ZMM)", 16, fmaZMM})
	}
	return ks
}
