//go:build amd64 && !purego

package nn

import "golang.org/x/sys/cpu"

// haveVec reports whether the AVX2 kernels of vec_amd64.s can run here.
var haveVec = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// The AVX2 bodies of the plane kernels; see vec.go for the dispatch and
// the Go twins, and vec_amd64.s for the code. Pointers are to the first
// element of slices of at least n elements.

//go:noescape
func momentsAVX2(x *float32, n int, k float32) (s, sq float32)

//go:noescape
func normAVX2(y, x *float32, n int, mu, s, t float32, relu bool)

//go:noescape
func gradSumsAVX2(gr, x *float32, n int, mu, s, t float32, relu bool) (sg, sgx float32)

//go:noescape
func gradInputAVX2(dx, gr, x *float32, n int, a, c0, k, mu, s, t float32, relu bool)

//go:noescape
func maskAVX2(dx, gr, y *float32, n int)
