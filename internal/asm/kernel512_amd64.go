//go:build amd64 && !purego

package asm

import "golang.org/x/sys/cpu"

// cpuHasAVX512 reports whether the CPU has AVX512F and the OS saves the ZMM
// state (x/sys/cpu checks both).
func cpuHasAVX512() bool { return cpu.X86.HasAVX512F }

// sgemm6x16AVX512 is sgemm6x16AVX2 (pf == nil) or sgemm6x16PFAVX2 with ZMM
// registers; bit-identical results.
//
//go:noescape
func sgemm6x16AVX512(kc int, a, b, c *float32, ldc int, alpha, beta float32, pf *float32, pfld int)

// sgemm6x32AVX512 is sgemm6x16AVX512 on two adjacent packed B micro-panels
// (b and b + 16·kc) into C columns 0–15 and 16–31; pf, when not nil, has
// two lines per k step prefetched.
//
//go:noescape
func sgemm6x32AVX512(kc int, a, b, c *float32, ldc int, alpha, beta float32, pf *float32, pfld int)

// sgemm2x32AVX512 is sgemm2x16AVX2 on two adjacent packed B micro-panels.
//
//go:noescape
func sgemm2x32AVX512(kc int, a, b, c *float32, ldc int, alpha, beta float32)

// sgemm6x16RowsAVX512 is sgemm6x16RowsAVX2 (kc > 0), tiles two at a time;
// with crop ≠ nil the tiles go to C through the table of an asm.Crop.
//
//go:noescape
func sgemm6x16RowsAVX512(kc int, a, b *float32, off *int, nb int, c *float32, ldc int, crop *int64)

// sgemm2x16RowsAVX512 is sgemm2x16RowsAVX2 (kc > 0), tiles two at a time.
//
//go:noescape
func sgemm2x16RowsAVX512(kc int, a, b *float32, off *int, nb int, c *float32, ldc int, crop *int64)

// dot3x4AVX512 is dot3x4AVX2 with ZMM registers, k a multiple of 16
// (rounded differently: 16 lanes).
//
//go:noescape
func dot3x4AVX512(w *float32, ldw int, x *float32, ldx int, k int, out *float32)

// dw3x3s1AVX512 is dw3x3s1AVX2 with ZMM registers (64, 16 and a masked
// tail of outputs per step); bit-identical results.
//
//go:noescape
func dw3x3s1AVX512(x0 *float32, d1, d2, xstep int, y *float32, ystep, rows, nv int, w *float32, bias float32, flags int)

// dw3x3s1SameAVX512: a whole h×wd plane (1 ≤ wd ≤ 16) of a 3×3 stride-1
// convolution with one zero row/column of padding per side, from the
// unpadded plane (see the assembly); acc ≠ 0 adds to y instead of bias.
//
//go:noescape
func dw3x3s1SameAVX512(w, x *float32, h, wd int, y *float32, bias float32, acc int)

// sgemm6x48AVX512 is sgemm6x16AVX512 (no prefetch) on three adjacent
// packed B micro-panels into C columns 0–47.
//
//go:noescape
func sgemm6x48AVX512(kc int, a, b, c *float32, ldc int, alpha, beta float32)

// sgemm6x49AVX512 is sgemm6x48AVX512 plus sgemm6x1AVX2 on the column b1
// (stride ldb1) into out[0:6], in one pass over the A panel (kc > 0).
//
//go:noescape
func sgemm6x49AVX512(kc int, a, b, c *float32, ldc int, alpha, beta float32, b1 *float32, ldb1 int, out *float32)

// sgemm6x36AVX512 is sgemm6x32AVX512 (no prefetch) plus sgemm6x8AVX2's sums
// of the first four columns of the packed micro-panel b1, column j's six
// rows into out[8j:8j+6], in one pass over the A panel.
//
//go:noescape
func sgemm6x36AVX512(kc int, a, b, c *float32, ldc int, alpha, beta float32, b1 *float32, out *float32)

// sgemm4x16RowsAVX512 is two sgemm2x16RowsAVX2 calls (rows 0–1 and 2–3 of
// the A panel at a) in one pass: c rows 0–3, bit-identical.
//
//go:noescape
func sgemm4x16RowsAVX512(kc int, a, b *float32, off *int, nb int, c *float32, ldc int, crop *int64)

// chanRows4AVX512 is chanRows4AVX2 with ZMM registers (32 and 16 outputs
// per step, a K-masked tail); bit-identical results.
//
//go:noescape
func chanRows4AVX512(y *float32, yf int, x *float32, ps int, w *float32, wf, taps, n int, acc bool)
