//go:build amd64 && !purego

#include "textflag.h"

// The AVX2 twin of the channel-vectorised GEMM tile (pwt512_amd64.s):
// the same fused multiply-adds in the same order for every element, so the
// results are bit-identical; the 32 channels are done as four passes of 8
// (seven YMM accumulators each), and each 8×8 block is transposed in
// registers and stored with VMASKMOVPS.

#define KC   CX  // remaining k steps
#define APTR SI  // &a[p*lda]
#define BPTR DI  // &b[p*32 + 8h]
#define LDA  R8  // lda * 4
#define CPTR DX  // current C row
#define LDC  R9  // ldc * 4
#define TMP  R10
#define MPTR R12 // &the store mask
#define H    R13 // 32·h: byte offset of the pass's 8 channels

// FMA7(AOFF, B, R): accumulator R += Y8 · a[AOFF bytes on] (broadcast
// into B).
#define FMA7(AOFF, B, R) \
	VBROADCASTSS AOFF(APTR), B; \
	VFMADD231PS  Y8, B, R

// STCOL(Y): the C row at CPTR gets the first r lanes of Y (mask Y15), then
// CPTR moves on one row.
#define STCOL(Y) \
	VMASKMOVPS Y, Y15, (CPTR); \
	ADDQ       LDC, CPTR

// ===========================================================================
// func sgemm32x7TAVX2(k int, a *float32, lda int, b, bias, c *float32, ldc, r int)
//
// sgemm32x7TAVX512 without prefetching: k > 0, 1 ≤ r ≤ 7.
// ===========================================================================
TEXT ·sgemm32x7TAVX2(SB), NOSPLIT, $0-64
	MOVQ lda+16(FP), LDA
	SHLQ $2, LDA
	MOVQ c+40(FP), CPTR
	MOVQ ldc+48(FP), LDC
	SHLQ $2, LDC
	MOVQ $8, TMP
	SUBQ r+56(FP), TMP
	LEAQ ·laneMask8(SB), MPTR
	LEAQ (MPTR)(TMP*4), MPTR
	XORQ H, H

t7a_pass:
	MOVQ  k+0(FP), KC
	MOVQ  a+8(FP), APTR
	MOVQ  b+24(FP), BPTR
	ADDQ  H, BPTR
	MOVQ  bias+32(FP), TMP
	TESTQ TMP, TMP
	JEQ   t7a_zero
	VMOVUPS (TMP)(H*1), Y0
	JMP   t7a_init

t7a_zero:
	VXORPS Y0, Y0, Y0

t7a_init:
	VMOVAPS Y0, Y1
	VMOVAPS Y0, Y2
	VMOVAPS Y0, Y3
	VMOVAPS Y0, Y4
	VMOVAPS Y0, Y5
	VMOVAPS Y0, Y6

t7a_loop:
	VMOVUPS (BPTR), Y8
	FMA7(0, Y9, Y0)
	FMA7(4, Y10, Y1)
	FMA7(8, Y9, Y2)
	FMA7(12, Y10, Y3)
	FMA7(16, Y9, Y4)
	FMA7(20, Y10, Y5)
	FMA7(24, Y9, Y6)
	ADDQ LDA, APTR
	ADDQ $128, BPTR
	DECQ KC
	JNE  t7a_loop

	// Transpose rows Y0–Y6 (and a zero row Y7) into columns: per 128-bit
	// lane q, Y0–Y3 get rows 0–3 of columns 4q…4q+3, Y4–Y7 rows 4–7.
	VXORPS     Y7, Y7, Y7
	VUNPCKLPS  Y1, Y0, Y8
	VUNPCKHPS  Y1, Y0, Y9
	VUNPCKLPS  Y3, Y2, Y10
	VUNPCKHPS  Y3, Y2, Y11
	VUNPCKLPS  Y5, Y4, Y12
	VUNPCKHPS  Y5, Y4, Y13
	VUNPCKLPS  Y7, Y6, Y14
	VUNPCKHPS  Y7, Y6, Y15
	VSHUFPS    $0x44, Y10, Y8, Y0
	VSHUFPS    $0xEE, Y10, Y8, Y1
	VSHUFPS    $0x44, Y11, Y9, Y2
	VSHUFPS    $0xEE, Y11, Y9, Y3
	VSHUFPS    $0x44, Y14, Y12, Y4
	VSHUFPS    $0xEE, Y14, Y12, Y5
	VSHUFPS    $0x44, Y15, Y13, Y6
	VSHUFPS    $0xEE, Y15, Y13, Y7
	VPERM2F128 $0x20, Y4, Y0, Y8  // column 0: rows 0–3 and 4–7
	VPERM2F128 $0x20, Y5, Y1, Y9  // column 1
	VPERM2F128 $0x20, Y6, Y2, Y10 // column 2
	VPERM2F128 $0x20, Y7, Y3, Y11 // column 3
	VPERM2F128 $0x31, Y4, Y0, Y12 // column 4
	VPERM2F128 $0x31, Y5, Y1, Y13 // column 5
	VPERM2F128 $0x31, Y6, Y2, Y14 // column 6
	VPERM2F128 $0x31, Y7, Y3, Y0  // column 7
	VMOVDQU    (MPTR), Y15
	STCOL(Y8)
	STCOL(Y9)
	STCOL(Y10)
	STCOL(Y11)
	STCOL(Y12)
	STCOL(Y13)
	STCOL(Y14)
	STCOL(Y0)

	ADDQ $32, H
	CMPQ H, $128
	JLT  t7a_pass
	VZEROUPPER
	RET
