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

// func dot2x4AVX2(w *float32, ldw int, x *float32, ldx int, k int, out *float32)
//
//	for i < 2, j < 4: out[4i + j] = Σ_{t<k} w[i·ldw + t]·x[j·ldx + t]   (k a multiple of 8)
//
// Two weight rows against four input vectors: per 8 values 6 loads feed
// 8 FMAs, where a single dot product needs 2 loads per FMA, so the
// loop runs at the FMA rate instead of the load rate.
TEXT ·dot2x4AVX2(SB), NOSPLIT, $0-48
	MOVQ   w+0(FP), SI
	MOVQ   ldw+8(FP), DI
	SHLQ   $2, DI
	ADDQ   SI, DI               // DI = second weight row
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

d24_loop:
	CMPQ        CX, $8
	JLT         d24_reduce
	VMOVUPS     (SI)(AX*1), Y8   // w0
	VMOVUPS     (DI)(AX*1), Y9   // w1
	VMOVUPS     (R8)(AX*1), Y10  // x0
	VFMADD231PS Y10, Y8, Y0
	VFMADD231PS Y10, Y9, Y4
	VMOVUPS     (R9)(AX*1), Y11  // x1
	VFMADD231PS Y11, Y8, Y1
	VFMADD231PS Y11, Y9, Y5
	VMOVUPS     (R10)(AX*1), Y12 // x2
	VFMADD231PS Y12, Y8, Y2
	VFMADD231PS Y12, Y9, Y6
	VMOVUPS     (R11)(AX*1), Y13 // x3
	VFMADD231PS Y13, Y8, Y3
	VFMADD231PS Y13, Y9, Y7
	ADDQ        $32, AX
	SUBQ        $8, CX
	JMP         d24_loop

d24_reduce:
	MOVQ   out+40(FP), BX
	HSUM8(Y0, X0, X8)
	VMOVSS X0, (BX)
	HSUM8(Y1, X1, X8)
	VMOVSS X1, 4(BX)
	HSUM8(Y2, X2, X8)
	VMOVSS X2, 8(BX)
	HSUM8(Y3, X3, X8)
	VMOVSS X3, 12(BX)
	HSUM8(Y4, X4, X8)
	VMOVSS X4, 16(BX)
	HSUM8(Y5, X5, X8)
	VMOVSS X5, 20(BX)
	HSUM8(Y6, X6, X8)
	VMOVSS X6, 24(BX)
	HSUM8(Y7, X7, X8)
	VMOVSS X7, 28(BX)
	VZEROUPPER
	RET
