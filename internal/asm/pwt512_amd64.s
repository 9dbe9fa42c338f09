//go:build amd64 && !purego

#include "textflag.h"

// The channel-vectorised GEMM tile (Sgemm32x7T): 32 rows of C (output
// channels, two ZMM of 16 lanes) by up to 7 columns (positions of the
// output plane), each row's 7 sums in the lanes of 7 ZMM accumulators per
// 16 rows. The k loop broadcasts the 7 values of step p (lda apart; the
// pointwise forward hands it X copied into tiles of 7 positions) against
// the two 16-channel vectors of the packed weight panel. At the end the 8×16 blocks (7 columns and a zero one) are
// transposed in registers and each C row gets its r columns by one masked
// store.

#define KC   CX // remaining k steps
#define APTR SI // &a[p*lda]
#define BPTR DI // &b[p*32]
#define LDA  R8 // lda * 4
#define CPTR DX // current C row
#define LDC  R9 // ldc * 4
#define TMP  R10
#define PF   R11 // next line to prefetch
#define PFN  R12 // lines left to prefetch

#define BV0 Z30
#define BV1 Z31
#define AV0 Z28
#define AV1 Z29

// ROW2(OFF, AV, C, D): position OFF/4 of the k step at APTR, broadcast
// into AV, times the two weight vectors into its chains C (channels 0–15)
// and D (16–31).
#define ROW2(OFF, AV, C, D) \
	VBROADCASTSS OFF(APTR), AV; \
	VFMADD231PS  BV0, AV, C;    \
	VFMADD231PS  BV1, AV, D

// FMA7X2: one k step, the 7 positions at APTR, the weight vectors in BV0
// and BV1.
#define FMA7X2 \
	ROW2(0, AV0, Z0, Z7);   \
	ROW2(4, AV1, Z1, Z8);   \
	ROW2(8, AV0, Z2, Z9);   \
	ROW2(12, AV1, Z3, Z10); \
	ROW2(16, AV0, Z4, Z11); \
	ROW2(20, AV1, Z5, Z12); \
	ROW2(24, AV0, Z6, Z13)

// TRANSPOSE8(R0, …, R7): R0–R7 hold rows 0–7 of an 8×16 block (row i,
// column j in lane j of Ri); afterwards W0–W7 (Z20–Z27) hold its columns:
// Wm lanes 0–7 column m, lanes 8–15 column 4+m; Wm+4 columns 8+m and
// 12+m (m < 4). Uses Z14–Z19, AV0 and AV1 as scratch.
#define TRANSPOSE8(R0, R1, R2, R3, R4, R5, R6, R7) \
	VUNPCKLPS  R1, R0, Z14;          \
	VUNPCKHPS  R1, R0, Z15;          \
	VUNPCKLPS  R3, R2, Z16;          \
	VUNPCKHPS  R3, R2, Z17;          \
	VUNPCKLPS  R5, R4, Z18;          \
	VUNPCKHPS  R5, R4, Z19;          \
	VUNPCKLPS  R7, R6, AV0;          \
	VUNPCKHPS  R7, R6, AV1;          \
	VSHUFPS    $0x44, Z16, Z14, Z20; \
	VSHUFPS    $0xEE, Z16, Z14, Z21; \
	VSHUFPS    $0x44, Z17, Z15, Z22; \
	VSHUFPS    $0xEE, Z17, Z15, Z23; \
	VSHUFPS    $0x44, AV0, Z18, Z24; \
	VSHUFPS    $0xEE, AV0, Z18, Z25; \
	VSHUFPS    $0x44, AV1, Z19, Z26; \
	VSHUFPS    $0xEE, AV1, Z19, Z27; \
	VSHUFF32X4 $0x44, Z24, Z20, Z14; \
	VSHUFF32X4 $0xEE, Z24, Z20, Z15; \
	VSHUFF32X4 $0x44, Z25, Z21, Z16; \
	VSHUFF32X4 $0xEE, Z25, Z21, Z17; \
	VSHUFF32X4 $0x44, Z26, Z22, Z18; \
	VSHUFF32X4 $0xEE, Z26, Z22, Z19; \
	VSHUFF32X4 $0x44, Z27, Z23, AV0; \
	VSHUFF32X4 $0xEE, Z27, Z23, AV1; \
	VSHUFF32X4 $0xD8, Z14, Z14, Z20; \
	VSHUFF32X4 $0xD8, Z15, Z15, Z24; \
	VSHUFF32X4 $0xD8, Z16, Z16, Z21; \
	VSHUFF32X4 $0xD8, Z17, Z17, Z25; \
	VSHUFF32X4 $0xD8, Z18, Z18, Z22; \
	VSHUFF32X4 $0xD8, Z19, Z19, Z26; \
	VSHUFF32X4 $0xD8, AV0, AV0, Z23; \
	VSHUFF32X4 $0xD8, AV1, AV1, Z27

// STLO(W) / STHI(W): C row at CPTR gets lanes 0–7 / 8–15 of W (the first
// r of them: mask K1), then CPTR moves on one row.
#define STLO(W) \
	VMOVUPS W, K1, (CPTR); \
	ADDQ    LDC, CPTR

#define STHI(W) \
	VEXTRACTF64X4 $1, W, Y14; \
	VMOVUPS       Z14, K1, (CPTR);  \
	ADDQ          LDC, CPTR

// STORE16: C rows CPTR … CPTR+15·ldc from W0–W7 (as TRANSPOSE8 leaves them).
#define STORE16 \
	STLO(Z20); STLO(Z21); STLO(Z22); STLO(Z23); \
	STHI(Z20); STHI(Z21); STHI(Z22); STHI(Z23); \
	STLO(Z24); STLO(Z25); STLO(Z26); STLO(Z27); \
	STHI(Z24); STHI(Z25); STHI(Z26); STHI(Z27)

// ===========================================================================
// func sgemm32x7TAVX512(k int, a *float32, lda int, b, bias, c *float32, ldc, r int, pf *float32, pfn int)
//
//	acc[i][j] = bias[i] (0 if bias == nil), then for p < k in order
//	acc[i][j] = fma(b[p*32+i], a[p*lda+j], acc[i][j])   i < 32, j < 7
//	c[i*ldc+j] = acc[i][j]                               j < r
//
// k > 0, 1 ≤ r ≤ 7; a is read for all 7 columns.
// ===========================================================================
TEXT ·sgemm32x7TAVX512(SB), NOSPLIT, $0-80
	MOVQ k+0(FP), KC
	MOVQ a+8(FP), APTR
	MOVQ lda+16(FP), LDA
	SHLQ $2, LDA
	MOVQ b+24(FP), BPTR
	MOVQ bias+32(FP), TMP
	MOVQ c+40(FP), CPTR
	MOVQ ldc+48(FP), LDC
	SHLQ $2, LDC
	TESTQ TMP, TMP
	JEQ  t7_zero
	VMOVUPS (TMP), Z0
	VMOVUPS 64(TMP), Z7
	JMP  t7_init
t7_zero:
	VPXORD Z0, Z0, Z0
	VPXORD Z7, Z7, Z7
t7_init:
	VMOVAPS Z0, Z1
	VMOVAPS Z0, Z2
	VMOVAPS Z0, Z3
	VMOVAPS Z0, Z4
	VMOVAPS Z0, Z5
	VMOVAPS Z0, Z6
	VMOVAPS Z7, Z8
	VMOVAPS Z7, Z9
	VMOVAPS Z7, Z10
	VMOVAPS Z7, Z11
	VMOVAPS Z7, Z12
	VMOVAPS Z7, Z13

	MOVQ pf+64(FP), PF
	MOVQ pfn+72(FP), PFN

t7_loop2:
	CMPQ    KC, $2
	JLT     t7_tail
	TESTQ      PFN, PFN
	JEQ        t7_nopf
	PREFETCHT1 (PF)
	ADDQ       $64, PF
	DECQ       PFN
t7_nopf:
	VMOVUPS (BPTR), BV0
	VMOVUPS 64(BPTR), BV1
	FMA7X2
	ADDQ    LDA, APTR
	VMOVUPS 128(BPTR), BV0
	VMOVUPS 192(BPTR), BV1
	FMA7X2
	ADDQ    LDA, APTR
	ADDQ    $256, BPTR
	SUBQ    $2, KC
	JMP     t7_loop2

t7_tail:
	TESTQ   KC, KC
	JEQ     t7_epi
	VMOVUPS (BPTR), BV0
	VMOVUPS 64(BPTR), BV1
	FMA7X2

t7_epi:
	MOVQ   r+56(FP), TMP
	LEAQ   ·laneMask16(SB), AX
	KMOVW  (AX)(TMP*2), K1
	VPXORD Z29, Z29, Z29
	TRANSPOSE8(Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z29)
	STORE16
	VPXORD Z29, Z29, Z29
	TRANSPOSE8(Z7, Z8, Z9, Z10, Z11, Z12, Z13, Z29)
	STORE16
	VZEROUPPER
	RET
