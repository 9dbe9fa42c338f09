//go:build amd64 && !purego

#include "textflag.h"

// HSUM8 reduces the eight lanes of Y (low half X) into X's low lane, with
// T (an X register) as scratch.
#define HSUM8(Y, X, T) \
	VEXTRACTF128 $1, Y, T \
	VADDPS       T, X, X  \
	VMOVHLPS     X, X, T  \
	VADDPS       T, X, X  \
	VMOVSHDUP    X, T     \
	VADDSS       T, X, X

// func dot3x4AVX2(w *float32, ldw int, x *float32, ldx int, k int, out *float32)
//
//	for i < 3, j < 4: out[4i + j] = Σ_{t<k} w[i·ldw + t]·x[j·ldx + t]   (k a multiple of 8)
//
// Three weight rows against four input vectors: per 8 values 7 loads feed
// 12 FMAs into 12 independent accumulators (two rows × four images had 8,
// exactly the FMA latency × throughput). On L1-resident rows it measured
// 62–81 GFLOP/s, within noise of the two-row form's 72–78.
TEXT ·dot3x4AVX2(SB), NOSPLIT, $0-48
	MOVQ   w+0(FP), SI
	MOVQ   ldw+8(FP), DX
	SHLQ   $2, DX
	LEAQ   (SI)(DX*1), DI       // DI = second weight row
	LEAQ   (DI)(DX*1), DX       // DX = third weight row
	MOVQ   x+16(FP), R8
	MOVQ   ldx+24(FP), R12
	SHLQ   $2, R12
	LEAQ   (R8)(R12*1), R9      // R8..R11: the four input vectors
	LEAQ   (R9)(R12*1), R10
	LEAQ   (R10)(R12*1), R11
	MOVQ   k+32(FP), CX
	XORQ   AX, AX               // byte offset into every row
	VXORPS Y0, Y0, Y0           // Y0..Y3: row 0 · x0..x3
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4           // Y4..Y7: row 1 · x0..x3
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8           // Y8..Y11: row 2 · x0..x3
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11

d34_loop:
	CMPQ        CX, $8
	JLT         d34_reduce
	VMOVUPS     (SI)(AX*1), Y12  // w0
	VMOVUPS     (DI)(AX*1), Y13  // w1
	VMOVUPS     (DX)(AX*1), Y14  // w2
	VMOVUPS     (R8)(AX*1), Y15  // x0
	VFMADD231PS Y15, Y12, Y0
	VFMADD231PS Y15, Y13, Y4
	VFMADD231PS Y15, Y14, Y8
	VMOVUPS     (R9)(AX*1), Y15  // x1
	VFMADD231PS Y15, Y12, Y1
	VFMADD231PS Y15, Y13, Y5
	VFMADD231PS Y15, Y14, Y9
	VMOVUPS     (R10)(AX*1), Y15 // x2
	VFMADD231PS Y15, Y12, Y2
	VFMADD231PS Y15, Y13, Y6
	VFMADD231PS Y15, Y14, Y10
	VMOVUPS     (R11)(AX*1), Y15 // x3
	VFMADD231PS Y15, Y12, Y3
	VFMADD231PS Y15, Y13, Y7
	VFMADD231PS Y15, Y14, Y11
	ADDQ        $32, AX
	SUBQ        $8, CX
	JMP         d34_loop

d34_reduce:
	MOVQ   out+40(FP), BX
	HSUM8(Y0, X0, X12)
	VMOVSS X0, (BX)
	HSUM8(Y1, X1, X12)
	VMOVSS X1, 4(BX)
	HSUM8(Y2, X2, X12)
	VMOVSS X2, 8(BX)
	HSUM8(Y3, X3, X12)
	VMOVSS X3, 12(BX)
	HSUM8(Y4, X4, X12)
	VMOVSS X4, 16(BX)
	HSUM8(Y5, X5, X12)
	VMOVSS X5, 20(BX)
	HSUM8(Y6, X6, X12)
	VMOVSS X6, 24(BX)
	HSUM8(Y7, X7, X12)
	VMOVSS X7, 28(BX)
	HSUM8(Y8, X8, X12)
	VMOVSS X8, 32(BX)
	HSUM8(Y9, X9, X12)
	VMOVSS X9, 36(BX)
	HSUM8(Y10, X10, X12)
	VMOVSS X10, 40(BX)
	HSUM8(Y11, X11, X12)
	VMOVSS X11, 44(BX)
	VZEROUPPER
	RET

// HSUM16 reduces the sixteen lanes of Z (low halves Y, X) into X's low
// lane, with YT/XT (the same register) as scratch.
#define HSUM16(Z, Y, X, YT, XT) \
	VEXTRACTF32X8 $1, Z, YT \
	VADDPS        YT, Y, Y  \
	HSUM8(Y, X, XT)

// SUM16OUT(Z, Y, X, OFF): the sum of Z's 16 lanes (Y12 scratch) stored
// at OFF(BX).
#define SUM16OUT(Z, Y, X, OFF) \
	HSUM16(Z, Y, X, Y12, X12); \
	VMOVSS X, OFF(BX)

// func dot3x4AVX512(w *float32, ldw int, x *float32, ldx int, k int, out *float32)
//
// dot3x4AVX2 with ZMM registers (k a multiple of 16): per 16 values 7 loads
// feed 12 FMAs of twice the width. The lanes sum t mod 16 instead of t mod
// 8, so the result rounds differently from dot3x4AVX2's.
TEXT ·dot3x4AVX512(SB), NOSPLIT, $0-48
	MOVQ   w+0(FP), SI
	MOVQ   ldw+8(FP), DX
	SHLQ   $2, DX
	LEAQ   (SI)(DX*1), DI
	LEAQ   (DI)(DX*1), DX
	MOVQ   x+16(FP), R8
	MOVQ   ldx+24(FP), R12
	SHLQ   $2, R12
	LEAQ   (R8)(R12*1), R9
	LEAQ   (R9)(R12*1), R10
	LEAQ   (R10)(R12*1), R11
	MOVQ   k+32(FP), CX
	XORQ   AX, AX
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11

z34_loop:
	CMPQ        CX, $16
	JLT         z34_reduce
	VMOVUPS     (SI)(AX*1), Z12
	VMOVUPS     (DI)(AX*1), Z13
	VMOVUPS     (DX)(AX*1), Z14
	VMOVUPS     (R8)(AX*1), Z15
	VFMADD231PS Z15, Z12, Z0
	VFMADD231PS Z15, Z13, Z4
	VFMADD231PS Z15, Z14, Z8
	VMOVUPS     (R9)(AX*1), Z15
	VFMADD231PS Z15, Z12, Z1
	VFMADD231PS Z15, Z13, Z5
	VFMADD231PS Z15, Z14, Z9
	VMOVUPS     (R10)(AX*1), Z15
	VFMADD231PS Z15, Z12, Z2
	VFMADD231PS Z15, Z13, Z6
	VFMADD231PS Z15, Z14, Z10
	VMOVUPS     (R11)(AX*1), Z15
	VFMADD231PS Z15, Z12, Z3
	VFMADD231PS Z15, Z13, Z7
	VFMADD231PS Z15, Z14, Z11
	ADDQ        $64, AX
	SUBQ        $16, CX
	JMP         z34_loop

z34_reduce:
	MOVQ   out+40(FP), BX
	SUM16OUT(Z0, Y0, X0, 0)
	SUM16OUT(Z1, Y1, X1, 4)
	SUM16OUT(Z2, Y2, X2, 8)
	SUM16OUT(Z3, Y3, X3, 12)
	SUM16OUT(Z4, Y4, X4, 16)
	SUM16OUT(Z5, Y5, X5, 20)
	SUM16OUT(Z6, Y6, X6, 24)
	SUM16OUT(Z7, Y7, X7, 28)
	SUM16OUT(Z8, Y8, X8, 32)
	SUM16OUT(Z9, Y9, X9, 36)
	SUM16OUT(Z10, Y10, X10, 40)
	SUM16OUT(Z11, Y11, X11, 44)
	VZEROUPPER
	RET
