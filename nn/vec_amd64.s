//go:build amd64 && !purego

#include "textflag.h"

// AVX2 bodies of the element-wise kernels of vec.go, over one plane of n
// floats: 32 elements per iteration (four YMM registers), then 8, then a
// scalar tail. Arithmetic is the Go twins' operation for operation (no FMA
// contraction), so the element-wise results are identical; sums are
// float32, eight lanes times four partial sums, reduced at the end.
//
// A ReLU passes where its output y is not ≤ 0 (y > 0 or NaN): the mask is
// VCMPPS predicate 6, NLE_US (y NLE 0), or with y in memory, where it must
// be the second operand, predicate 9, NGE_US (0 NGE y); both are true for
// unordered operands.

// HSUM reduces the eight lanes of Y into the low lane of X (X is Y's low
// half), using T (an X register) as scratch.
#define HSUM(Y, X, T) \
	VEXTRACTF128 $1, Y, T \
	VADDPS       T, X, X  \
	VMOVHLPS     X, X, T  \
	VADDPS       T, X, X  \
	VMOVSHDUP    X, T     \
	VADDSS       T, X, X

// func momentsAVX2(x *float32, n int, k float32) (s, sq float32)
//
//	for i < n { d := x[i] − k; s += d; sq += d·d }
TEXT ·momentsAVX2(SB), NOSPLIT, $0-32
	MOVQ         x+0(FP), SI
	MOVQ         n+8(FP), CX
	VBROADCASTSS k+16(FP), Y15
	VXORPS       Y0, Y0, Y0   // Σd, four partial sums Y0..Y3
	VXORPS       Y1, Y1, Y1
	VXORPS       Y2, Y2, Y2
	VXORPS       Y3, Y3, Y3
	VXORPS       Y4, Y4, Y4   // Σd², Y4..Y7
	VXORPS       Y5, Y5, Y5
	VXORPS       Y6, Y6, Y6
	VXORPS       Y7, Y7, Y7

mom_loop32:
	CMPQ   CX, $32
	JLT    mom_loop8
	VMOVUPS (SI), Y8
	VMOVUPS 32(SI), Y9
	VMOVUPS 64(SI), Y10
	VMOVUPS 96(SI), Y11
	VSUBPS Y15, Y8, Y8
	VSUBPS Y15, Y9, Y9
	VSUBPS Y15, Y10, Y10
	VSUBPS Y15, Y11, Y11
	VADDPS Y8, Y0, Y0
	VADDPS Y9, Y1, Y1
	VADDPS Y10, Y2, Y2
	VADDPS Y11, Y3, Y3
	VMULPS Y8, Y8, Y8
	VMULPS Y9, Y9, Y9
	VMULPS Y10, Y10, Y10
	VMULPS Y11, Y11, Y11
	VADDPS Y8, Y4, Y4
	VADDPS Y9, Y5, Y5
	VADDPS Y10, Y6, Y6
	VADDPS Y11, Y7, Y7
	ADDQ   $128, SI
	SUBQ   $32, CX
	JMP    mom_loop32

mom_loop8:
	CMPQ    CX, $8
	JLT     mom_reduce
	VMOVUPS (SI), Y8
	VSUBPS  Y15, Y8, Y8
	VADDPS  Y8, Y0, Y0
	VMULPS  Y8, Y8, Y8
	VADDPS  Y8, Y4, Y4
	ADDQ    $32, SI
	SUBQ    $8, CX
	JMP     mom_loop8

mom_reduce:
	VADDPS Y1, Y0, Y0
	VADDPS Y3, Y2, Y2
	VADDPS Y2, Y0, Y0
	VADDPS Y5, Y4, Y4
	VADDPS Y7, Y6, Y6
	VADDPS Y6, Y4, Y4
	HSUM(Y0, X0, X8)
	HSUM(Y4, X4, X8)
	TESTQ  CX, CX
	JEQ    mom_done

mom_loop1:
	VMOVSS (SI), X8
	VSUBSS X15, X8, X8
	VADDSS X8, X0, X0
	VMULSS X8, X8, X8
	VADDSS X8, X4, X4
	ADDQ   $4, SI
	DECQ   CX
	JNE    mom_loop1

mom_done:
	VMOVSS X0, s+24(FP)
	VMOVSS X4, sq+28(FP)
	VZEROUPPER
	RET

// func normAVX2(y, x *float32, n int, mu, s, t float32, relu bool)
//
//	for i < n { v := (x[i] − mu)·s + t; if relu && v ≤ 0 { v = 0 }; y[i] = v }
TEXT ·normAVX2(SB), NOSPLIT, $0-37
	MOVQ         y+0(FP), DI
	MOVQ         x+8(FP), SI
	MOVQ         n+16(FP), CX
	VBROADCASTSS mu+24(FP), Y13
	VBROADCASTSS s+28(FP), Y14
	VBROADCASTSS t+32(FP), Y15
	MOVBLZX      relu+36(FP), DX
	VXORPS       Y12, Y12, Y12

norm_loop32:
	CMPQ    CX, $32
	JLT     norm_loop8
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS 64(SI), Y2
	VMOVUPS 96(SI), Y3
	VSUBPS  Y13, Y0, Y0
	VSUBPS  Y13, Y1, Y1
	VSUBPS  Y13, Y2, Y2
	VSUBPS  Y13, Y3, Y3
	VMULPS  Y14, Y0, Y0
	VMULPS  Y14, Y1, Y1
	VMULPS  Y14, Y2, Y2
	VMULPS  Y14, Y3, Y3
	VADDPS  Y15, Y0, Y0
	VADDPS  Y15, Y1, Y1
	VADDPS  Y15, Y2, Y2
	VADDPS  Y15, Y3, Y3
	TESTQ   DX, DX
	JEQ     norm_store32
	VCMPPS  $6, Y12, Y0, Y4 // v NLE 0
	VCMPPS  $6, Y12, Y1, Y5
	VCMPPS  $6, Y12, Y2, Y6
	VCMPPS  $6, Y12, Y3, Y7
	VANDPS  Y4, Y0, Y0
	VANDPS  Y5, Y1, Y1
	VANDPS  Y6, Y2, Y2
	VANDPS  Y7, Y3, Y3

norm_store32:
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ    $128, SI
	ADDQ    $128, DI
	SUBQ    $32, CX
	JMP     norm_loop32

norm_loop8:
	CMPQ    CX, $8
	JLT     norm_tail
	VMOVUPS (SI), Y0
	VSUBPS  Y13, Y0, Y0
	VMULPS  Y14, Y0, Y0
	VADDPS  Y15, Y0, Y0
	TESTQ   DX, DX
	JEQ     norm_store8
	VCMPPS  $6, Y12, Y0, Y4
	VANDPS  Y4, Y0, Y0

norm_store8:
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	SUBQ    $8, CX
	JMP     norm_loop8

norm_tail:
	TESTQ CX, CX
	JEQ   norm_done

norm_loop1:
	VMOVSS (SI), X0
	VSUBSS X13, X0, X0
	VMULSS X14, X0, X0
	VADDSS X15, X0, X0
	TESTQ  DX, DX
	JEQ    norm_store1
	VCMPSS $6, X12, X0, X4
	VANDPS X4, X0, X0

norm_store1:
	VMOVSS X0, (DI)
	ADDQ   $4, SI
	ADDQ   $4, DI
	DECQ   CX
	JNE    norm_loop1

norm_done:
	VZEROUPPER
	RET

// The fused BatchNorm2d → ReLU backward recomputes the ReLU's mask from
// the BatchNorm input x instead of reading the ReLU output: z = (x − mu)·s
// + t is the forward's expression, operation for operation, so z NLE 0
// is exactly where the ReLU passed, and the backward reads two streams
// (dy, x) instead of three.

// func gradSumsAVX2(gr, x *float32, n int, mu, s, t float32, relu bool) (sg, sgx float32)
//
//	for i < n { d := x[i] − mu; gi := gr[i], or 0 when relu and d·s + t ≤ 0; sg += gi; sgx += gi·d }
TEXT ·gradSumsAVX2(SB), NOSPLIT, $0-48
	MOVQ         gr+0(FP), SI
	MOVQ         x+8(FP), BX
	MOVQ         n+16(FP), CX
	VBROADCASTSS mu+24(FP), Y15
	VBROADCASTSS s+28(FP), Y13
	VBROADCASTSS t+32(FP), Y12
	MOVBLZX      relu+36(FP), DX
	VXORPS       Y14, Y14, Y14
	VXORPS       Y0, Y0, Y0 // Σg, Y0 Y1
	VXORPS       Y1, Y1, Y1
	VXORPS       Y4, Y4, Y4 // Σg·(x − mu), Y4 Y5
	VXORPS       Y5, Y5, Y5

gs_loop16:
	CMPQ    CX, $16
	JLT     gs_loop8
	VMOVUPS (SI), Y8
	VMOVUPS 32(SI), Y9
	VMOVUPS (BX), Y10
	VMOVUPS 32(BX), Y11
	VSUBPS  Y15, Y10, Y10 // d = x − mu
	VSUBPS  Y15, Y11, Y11
	TESTQ   DX, DX
	JEQ     gs_sum16
	VMULPS  Y13, Y10, Y2  // z = d·s + t
	VMULPS  Y13, Y11, Y3
	VADDPS  Y12, Y2, Y2
	VADDPS  Y12, Y3, Y3
	VCMPPS  $6, Y14, Y2, Y2 // z NLE 0
	VCMPPS  $6, Y14, Y3, Y3
	VANDPS  Y2, Y8, Y8
	VANDPS  Y3, Y9, Y9

gs_sum16:
	VADDPS  Y8, Y0, Y0
	VADDPS  Y9, Y1, Y1
	VMULPS  Y10, Y8, Y8
	VMULPS  Y11, Y9, Y9
	VADDPS  Y8, Y4, Y4
	VADDPS  Y9, Y5, Y5
	ADDQ    $64, SI
	ADDQ    $64, BX
	SUBQ    $16, CX
	JMP     gs_loop16

gs_loop8:
	CMPQ    CX, $8
	JLT     gs_reduce
	VMOVUPS (SI), Y8
	VMOVUPS (BX), Y10
	VSUBPS  Y15, Y10, Y10
	TESTQ   DX, DX
	JEQ     gs_sum8
	VMULPS  Y13, Y10, Y2
	VADDPS  Y12, Y2, Y2
	VCMPPS  $6, Y14, Y2, Y2
	VANDPS  Y2, Y8, Y8

gs_sum8:
	VADDPS  Y8, Y0, Y0
	VMULPS  Y10, Y8, Y8
	VADDPS  Y8, Y4, Y4
	ADDQ    $32, SI
	ADDQ    $32, BX
	SUBQ    $8, CX
	JMP     gs_loop8

gs_reduce:
	VADDPS Y1, Y0, Y0
	VADDPS Y5, Y4, Y4
	HSUM(Y0, X0, X8)
	HSUM(Y4, X4, X8)
	TESTQ  CX, CX
	JEQ    gs_done

gs_loop1:
	VMOVSS (SI), X8
	VMOVSS (BX), X10
	VSUBSS X15, X10, X10
	TESTQ  DX, DX
	JEQ    gs_sum1
	VMULSS X13, X10, X2
	VADDSS X12, X2, X2
	VCMPSS $6, X14, X2, X2
	VANDPS X2, X8, X8

gs_sum1:
	VADDSS X8, X0, X0
	VMULSS X10, X8, X8
	VADDSS X8, X4, X4
	ADDQ   $4, SI
	ADDQ   $4, BX
	DECQ   CX
	JNE    gs_loop1

gs_done:
	VMOVSS X0, sg+40(FP)
	VMOVSS X4, sgx+44(FP)
	VZEROUPPER
	RET

// func gradInputAVX2(dx, gr, x *float32, n int, a, c0, k, mu, s, t float32, relu bool)
//
//	for i < n { d := x[i] − mu; gi := gr[i], or 0 when relu and d·s + t ≤ 0; dx[i] = a·gi − c0 − k·d }
TEXT ·gradInputAVX2(SB), NOSPLIT, $0-57
	MOVQ         dx+0(FP), DI
	MOVQ         gr+8(FP), SI
	MOVQ         x+16(FP), BX
	MOVQ         n+24(FP), CX
	VBROADCASTSS a+32(FP), Y8
	VBROADCASTSS c0+36(FP), Y9
	VBROADCASTSS k+40(FP), Y10
	VBROADCASTSS mu+44(FP), Y11
	VBROADCASTSS s+48(FP), Y12
	VBROADCASTSS t+52(FP), Y13
	MOVBLZX      relu+56(FP), DX
	VXORPS       Y14, Y14, Y14

gi_loop16:
	CMPQ    CX, $16
	JLT     gi_loop8
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS (BX), Y2
	VMOVUPS 32(BX), Y3
	VSUBPS  Y11, Y2, Y2     // d = x − mu
	VSUBPS  Y11, Y3, Y3
	TESTQ   DX, DX
	JEQ     gi_calc16
	VMULPS  Y12, Y2, Y4     // z = d·s + t
	VMULPS  Y12, Y3, Y5
	VADDPS  Y13, Y4, Y4
	VADDPS  Y13, Y5, Y5
	VCMPPS  $6, Y14, Y4, Y4 // z NLE 0
	VCMPPS  $6, Y14, Y5, Y5
	VANDPS  Y4, Y0, Y0
	VANDPS  Y5, Y1, Y1

gi_calc16:
	VMULPS  Y8, Y0, Y0      // a·g
	VMULPS  Y8, Y1, Y1
	VSUBPS  Y9, Y0, Y0      // − c0
	VSUBPS  Y9, Y1, Y1
	VMULPS  Y10, Y2, Y2     // k·d
	VMULPS  Y10, Y3, Y3
	VSUBPS  Y2, Y0, Y0
	VSUBPS  Y3, Y1, Y1
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	ADDQ    $64, SI
	ADDQ    $64, BX
	ADDQ    $64, DI
	SUBQ    $16, CX
	JMP     gi_loop16

gi_loop8:
	CMPQ    CX, $8
	JLT     gi_tail
	VMOVUPS (SI), Y0
	VMOVUPS (BX), Y2
	VSUBPS  Y11, Y2, Y2
	TESTQ   DX, DX
	JEQ     gi_calc8
	VMULPS  Y12, Y2, Y4
	VADDPS  Y13, Y4, Y4
	VCMPPS  $6, Y14, Y4, Y4
	VANDPS  Y4, Y0, Y0

gi_calc8:
	VMULPS  Y8, Y0, Y0
	VSUBPS  Y9, Y0, Y0
	VMULPS  Y10, Y2, Y2
	VSUBPS  Y2, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, BX
	ADDQ    $32, DI
	SUBQ    $8, CX
	JMP     gi_loop8

gi_tail:
	TESTQ CX, CX
	JEQ   gi_done

gi_loop1:
	VMOVSS (SI), X0
	VMOVSS (BX), X2
	VSUBSS X11, X2, X2
	TESTQ  DX, DX
	JEQ    gi_calc1
	VMULSS X12, X2, X4
	VADDSS X13, X4, X4
	VCMPSS $6, X14, X4, X4
	VANDPS X4, X0, X0

gi_calc1:
	VMULSS X8, X0, X0
	VSUBSS X9, X0, X0
	VMULSS X10, X2, X2
	VSUBSS X2, X0, X0
	VMOVSS X0, (DI)
	ADDQ   $4, SI
	ADDQ   $4, BX
	ADDQ   $4, DI
	DECQ   CX
	JNE    gi_loop1

gi_done:
	VZEROUPPER
	RET

// func maskAVX2(dx, gr, y *float32, n int)
//
//	for i < n { dx[i] = g[i] where y[i] is not ≤ 0, else +0 }
TEXT ·maskAVX2(SB), NOSPLIT, $0-32
	MOVQ   dx+0(FP), DI
	MOVQ         gr+8(FP), SI
	MOVQ   y+16(FP), DX
	MOVQ   n+24(FP), CX
	VXORPS Y15, Y15, Y15

mask_loop32:
	CMPQ    CX, $32
	JLT     mask_loop8
	VCMPPS  $9, (DX), Y15, Y4
	VCMPPS  $9, 32(DX), Y15, Y5
	VCMPPS  $9, 64(DX), Y15, Y6
	VCMPPS  $9, 96(DX), Y15, Y7
	VANDPS  (SI), Y4, Y0
	VANDPS  32(SI), Y5, Y1
	VANDPS  64(SI), Y6, Y2
	VANDPS  96(SI), Y7, Y3
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ    $128, SI
	ADDQ    $128, DX
	ADDQ    $128, DI
	SUBQ    $32, CX
	JMP     mask_loop32

mask_loop8:
	CMPQ    CX, $8
	JLT     mask_tail
	VCMPPS  $9, (DX), Y15, Y4
	VANDPS  (SI), Y4, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DX
	ADDQ    $32, DI
	SUBQ    $8, CX
	JMP     mask_loop8

mask_tail:
	TESTQ CX, CX
	JEQ   mask_done

mask_loop1:
	VMOVSS (DX), X4
	VCMPSS $6, X15, X4, X4
	VMOVSS (SI), X0
	VANDPS X4, X0, X0
	VMOVSS X0, (DI)
	ADDQ   $4, SI
	ADDQ   $4, DX
	ADDQ   $4, DI
	DECQ   CX
	JNE    mask_loop1

mask_done:
	VZEROUPPER
	RET
