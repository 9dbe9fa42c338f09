//go:build amd64 && !purego

package asm

// dw3x3s1AVX2 is the assembly body of DwConv3x3S1Pad; see it for the loop.
// x0 is the first window row; the other two are at byte offsets d1 and d2
// from it; all three advance by xstep bytes per output row and y by ystep
// bytes. nv is the number of non-edge outputs per row; flags: bit 0 acc,
// bit 1 left pad, bit 2 right pad.
//
//go:noescape
func dw3x3s1AVX2(x0 *float32, d1, d2, xstep int, y *float32, ystep, rows, nv int, w *float32, bias float32, flags int)

// dw3x3s2AVX2 is the assembly body of DwConv3x3S2Pad, with the arguments
// of dw3x3s1AVX2. Without a right pad it loads one value past the last
// valid column of each window row (and discards it).
//
//go:noescape
func dw3x3s2AVX2(x0 *float32, d1, d2, xstep int, y *float32, ystep, rows, nv int, w *float32, bias float32, flags int)

// dw3x3s1GradAVX2 is the assembly body of DwGrad3x3S1.
//
//go:noescape
func dw3x3s1GradAVX2(x *float32, xs int, dy *float32, dys, rows, n int, acc *float32)

// dw3x3s1GradPadAVX2 is the assembly body of DwGrad3x3S1Pad, with the row
// arguments of dw3x3s1AVX2; it adds the vector part's sums to acc[0:9] and
// stores the edge sums in edge[0:16] (see the assembly).
//
//go:noescape
func dw3x3s1GradPadAVX2(x0 *float32, d1, d2, xstep int, dy *float32, dystep, rows, nv int, acc, edge *float32, flags int)
