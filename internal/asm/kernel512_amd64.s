//go:build amd64 && !purego

#include "textflag.h"

// AVX-512 versions of the GEMM micro-kernels (selected when the CPU has
// AVX512F, see dispatch.go). On a core with two full-width 512-bit FMA
// pipes (AMD Zen 5, Intel server cores) a ZMM FMA does twice the work of a
// YMM one per cycle (on Zen 5: 220 against 108 GFLOP/s, BenchmarkSgemmWide).
// On Zen 4, which splits a ZMM FMA in two, they should run at the AVX2
// kernels' rate (not measured: no Zen 4 machine in these sessions).
//
// Every kernel here computes each output element by exactly the operations
// of its AVX2 twin in kernel_amd64.s — the same fused multiply-adds in the
// same order of k, the same epilogue — so results are bit-identical
// whichever set runs, and pairing two 16-column tiles into one 32-column
// call (the point of the wide kernels: two B vectors share each broadcast
// of A, 8 loads per 12 FMAs instead of 7 per 6) changes nothing but speed.
//
// Register use: Z0–Z11 accumulators (Z0–Z23 in the four-tile row-table
// loop, with its B vectors in Z24–Z27), Z28/Z29 broadcast A values,
// Z30/Z31 the B vectors of a k step.

#define KC   CX // remaining k steps
#define APTR SI // &a[p*6]
#define BPTR DI // &b[p*16] (first panel / tile)
#define B2   BX // bytes from the first B panel to the second
#define CPTR DX // current C row
#define LDC  R8 // ldc * 4
#define TMP  R9
#define PF   R10 // next line to prefetch
#define PFLD R11 // pfld * 4

#define BV0 Z30
#define BV1 Z31
#define AV0 Z28
#define AV1 Z29

// Epilogue registers (free once the k loop is done).
#define ALPHA Z28
#define BETA  Z29
#define T0    Z30

// ---------------------------------------------------------------------------
// Six rows × one or two 16-column panels: accumulators Z0–Z5 (panel 0,
// rows 0–5) and Z6–Z11 (panel 1).
// ---------------------------------------------------------------------------

// FMA6X1: the six rows of one k step on BV0 (A column at APTR+AOFF).
#define FMA6X1(AOFF) \
	VBROADCASTSS (AOFF)(APTR), AV0;    \
	VFMADD231PS  BV0, AV0, Z0;         \
	VBROADCASTSS (AOFF+4)(APTR), AV1;  \
	VFMADD231PS  BV0, AV1, Z1;         \
	VBROADCASTSS (AOFF+8)(APTR), AV0;  \
	VFMADD231PS  BV0, AV0, Z2;         \
	VBROADCASTSS (AOFF+12)(APTR), AV1; \
	VFMADD231PS  BV0, AV1, Z3;         \
	VBROADCASTSS (AOFF+16)(APTR), AV0; \
	VFMADD231PS  BV0, AV0, Z4;         \
	VBROADCASTSS (AOFF+20)(APTR), AV1; \
	VFMADD231PS  BV0, AV1, Z5

// FMA6X2: the six rows of one k step on BV0 (panel 0) and BV1 (panel 1).
#define FMA6X2(AOFF) \
	VBROADCASTSS (AOFF)(APTR), AV0;    \
	VFMADD231PS  BV0, AV0, Z0;         \
	VFMADD231PS  BV1, AV0, Z6;         \
	VBROADCASTSS (AOFF+4)(APTR), AV1;  \
	VFMADD231PS  BV0, AV1, Z1;         \
	VFMADD231PS  BV1, AV1, Z7;         \
	VBROADCASTSS (AOFF+8)(APTR), AV0;  \
	VFMADD231PS  BV0, AV0, Z2;         \
	VFMADD231PS  BV1, AV0, Z8;         \
	VBROADCASTSS (AOFF+12)(APTR), AV1; \
	VFMADD231PS  BV0, AV1, Z3;         \
	VFMADD231PS  BV1, AV1, Z9;         \
	VBROADCASTSS (AOFF+16)(APTR), AV0; \
	VFMADD231PS  BV0, AV0, Z4;         \
	VFMADD231PS  BV1, AV0, Z10;        \
	VBROADCASTSS (AOFF+20)(APTR), AV1; \
	VFMADD231PS  BV0, AV1, Z5;         \
	VFMADD231PS  BV1, AV1, Z11

// FMA6X3: the six rows of one k step on three B vectors Z24–Z26 into the
// 18 chains Z0–Z17 (row i: Z(3i) … Z(3i+2)).
#define FMA6X3(AOFF) \
	VBROADCASTSS (AOFF)(APTR), AV0;    \
	VFMADD231PS  Z24, AV0, Z0;         \
	VFMADD231PS  Z25, AV0, Z1;         \
	VFMADD231PS  Z26, AV0, Z2;         \
	VBROADCASTSS (AOFF+4)(APTR), AV1;  \
	VFMADD231PS  Z24, AV1, Z3;         \
	VFMADD231PS  Z25, AV1, Z4;         \
	VFMADD231PS  Z26, AV1, Z5;         \
	VBROADCASTSS (AOFF+8)(APTR), AV0;  \
	VFMADD231PS  Z24, AV0, Z6;         \
	VFMADD231PS  Z25, AV0, Z7;         \
	VFMADD231PS  Z26, AV0, Z8;         \
	VBROADCASTSS (AOFF+12)(APTR), AV1; \
	VFMADD231PS  Z24, AV1, Z9;         \
	VFMADD231PS  Z25, AV1, Z10;        \
	VFMADD231PS  Z26, AV1, Z11;        \
	VBROADCASTSS (AOFF+16)(APTR), AV0; \
	VFMADD231PS  Z24, AV0, Z12;        \
	VFMADD231PS  Z25, AV0, Z13;        \
	VFMADD231PS  Z26, AV0, Z14;        \
	VBROADCASTSS (AOFF+20)(APTR), AV1; \
	VFMADD231PS  Z24, AV1, Z15;        \
	VFMADD231PS  Z25, AV1, Z16;        \
	VFMADD231PS  Z26, AV1, Z17

// FMA6X4: the six rows of one k step on four B vectors Z24–Z27 into the
// 24 chains Z0–Z23 (row i: Z(4i) … Z(4i+3)); the row-table kernel's widest
// tile.
#define FMA6X4(AOFF) \
	VBROADCASTSS (AOFF)(APTR), AV0;    \
	VFMADD231PS  Z24, AV0, Z0;         \
	VFMADD231PS  Z25, AV0, Z1;         \
	VFMADD231PS  Z26, AV0, Z2;         \
	VFMADD231PS  Z27, AV0, Z3;         \
	VBROADCASTSS (AOFF+4)(APTR), AV1;  \
	VFMADD231PS  Z24, AV1, Z4;         \
	VFMADD231PS  Z25, AV1, Z5;         \
	VFMADD231PS  Z26, AV1, Z6;         \
	VFMADD231PS  Z27, AV1, Z7;         \
	VBROADCASTSS (AOFF+8)(APTR), AV0;  \
	VFMADD231PS  Z24, AV0, Z8;         \
	VFMADD231PS  Z25, AV0, Z9;         \
	VFMADD231PS  Z26, AV0, Z10;        \
	VFMADD231PS  Z27, AV0, Z11;        \
	VBROADCASTSS (AOFF+12)(APTR), AV1; \
	VFMADD231PS  Z24, AV1, Z12;        \
	VFMADD231PS  Z25, AV1, Z13;        \
	VFMADD231PS  Z26, AV1, Z14;        \
	VFMADD231PS  Z27, AV1, Z15;        \
	VBROADCASTSS (AOFF+16)(APTR), AV0; \
	VFMADD231PS  Z24, AV0, Z16;        \
	VFMADD231PS  Z25, AV0, Z17;        \
	VFMADD231PS  Z26, AV0, Z18;        \
	VFMADD231PS  Z27, AV0, Z19;        \
	VBROADCASTSS (AOFF+20)(APTR), AV1; \
	VFMADD231PS  Z24, AV1, Z20;        \
	VFMADD231PS  Z25, AV1, Z21;        \
	VFMADD231PS  Z26, AV1, Z22;        \
	VFMADD231PS  Z27, AV1, Z23

#define ZERO6 \
	VPXORD Z0, Z0, Z0; \
	VPXORD Z1, Z1, Z1; \
	VPXORD Z2, Z2, Z2; \
	VPXORD Z3, Z3, Z3; \
	VPXORD Z4, Z4, Z4; \
	VPXORD Z5, Z5, Z5

#define ZERO12 \
	ZERO6;               \
	VPXORD Z6, Z6, Z6;   \
	VPXORD Z7, Z7, Z7;   \
	VPXORD Z8, Z8, Z8;   \
	VPXORD Z9, Z9, Z9;   \
	VPXORD Z10, Z10, Z10; \
	VPXORD Z11, Z11, Z11

// ZERO16, ZERO18, ZERO24: Z0 up to Z15, Z17 or Z23.
#define ZERO16 \
	ZERO12;               \
	VPXORD Z12, Z12, Z12; \
	VPXORD Z13, Z13, Z13; \
	VPXORD Z14, Z14, Z14; \
	VPXORD Z15, Z15, Z15

#define ZERO18 \
	ZERO16;               \
	VPXORD Z16, Z16, Z16; \
	VPXORD Z17, Z17, Z17

#define ZERO24 \
	ZERO18;               \
	VPXORD Z18, Z18, Z18; \
	VPXORD Z19, Z19, Z19; \
	VPXORD Z20, Z20, Z20; \
	VPXORD Z21, Z21, Z21; \
	VPXORD Z22, Z22, Z22; \
	VPXORD Z23, Z23, Z23

// ZSTORE_BETA(R, OFF): c[OFF bytes on] = alpha*R + beta*c, as the AVX2
// STORE_BETA: T0 = beta*c; T0 = R*alpha + T0 (fused).
#define ZSTORE_BETA(R, OFF) \
	VMULPS      OFF(CPTR), BETA, T0; \
	VFMADD231PS ALPHA, R, T0;        \
	VMOVUPS     T0, OFF(CPTR)

// ZSTORE_ZERO(R, OFF): c = alpha*R (c not read).
#define ZSTORE_ZERO(R, OFF) \
	VMULPS  ALPHA, R, R; \
	VMOVUPS R, OFF(CPTR)

// EPI_BEGIN(ZLABEL): ALPHA = alpha; on to ZLABEL when beta == ±0 (C is
// not read), else BETA = beta.
#define EPI_BEGIN(ZLABEL) \
	VBROADCASTSS alpha+40(FP), ALPHA; \
	MOVL         beta+44(FP), AX;     \
	ANDL         $0x7fffffff, AX;     \
	JEQ          ZLABEL;              \
	VBROADCASTSS beta+44(FP), BETA

// EPIROW1/2/3(R…, STORE): one C row of one, two or three panels through
// STORE (ZSTORE_BETA or ZSTORE_ZERO), then the next row.
#define EPIROW1(R0, STORE) \
	STORE(R0, 0); \
	ADDQ LDC, CPTR

#define EPIROW2(R0, R1, STORE) \
	STORE(R0, 0);  \
	STORE(R1, 64); \
	ADDQ LDC, CPTR

#define EPIROW3(R0, R1, R2, STORE) \
	STORE(R0, 0);   \
	STORE(R1, 64);  \
	STORE(R2, 128); \
	ADDQ LDC, CPTR

// EPI6X1 / EPI6X2: C = alpha*acc (+ beta*C unless beta == ±0) for one or two
// panels, then return; ZLABEL names the beta == 0 branch.
#define EPI6X1(ZLABEL) \
	EPI_BEGIN(ZLABEL);         \
	EPIROW1(Z0, ZSTORE_BETA);  \
	EPIROW1(Z1, ZSTORE_BETA);  \
	EPIROW1(Z2, ZSTORE_BETA);  \
	EPIROW1(Z3, ZSTORE_BETA);  \
	EPIROW1(Z4, ZSTORE_BETA);  \
	EPIROW1(Z5, ZSTORE_BETA);  \
	VZEROUPPER;                \
	RET;                       \
ZLABEL:                        \
	EPIROW1(Z0, ZSTORE_ZERO);  \
	EPIROW1(Z1, ZSTORE_ZERO);  \
	EPIROW1(Z2, ZSTORE_ZERO);  \
	EPIROW1(Z3, ZSTORE_ZERO);  \
	EPIROW1(Z4, ZSTORE_ZERO);  \
	EPIROW1(Z5, ZSTORE_ZERO);  \
	VZEROUPPER;                \
	RET

#define EPI6X2(ZLABEL) \
	EPI_BEGIN(ZLABEL);              \
	EPIROW2(Z0, Z6, ZSTORE_BETA);   \
	EPIROW2(Z1, Z7, ZSTORE_BETA);   \
	EPIROW2(Z2, Z8, ZSTORE_BETA);   \
	EPIROW2(Z3, Z9, ZSTORE_BETA);   \
	EPIROW2(Z4, Z10, ZSTORE_BETA);  \
	EPIROW2(Z5, Z11, ZSTORE_BETA);  \
	VZEROUPPER;                     \
	RET;                            \
ZLABEL:                             \
	EPIROW2(Z0, Z6, ZSTORE_ZERO);   \
	EPIROW2(Z1, Z7, ZSTORE_ZERO);   \
	EPIROW2(Z2, Z8, ZSTORE_ZERO);   \
	EPIROW2(Z3, Z9, ZSTORE_ZERO);   \
	EPIROW2(Z4, Z10, ZSTORE_ZERO);  \
	EPIROW2(Z5, Z11, ZSTORE_ZERO);  \
	VZEROUPPER;                     \
	RET

// EPI6X3: the same for three panels, accumulators Z0–Z17 (row i: Z(3i) …
// Z(3i+2)).
#define EPI6X3(ZLABEL) \
	EPI_BEGIN(ZLABEL);                    \
	EPIROW3(Z0, Z1, Z2, ZSTORE_BETA);     \
	EPIROW3(Z3, Z4, Z5, ZSTORE_BETA);     \
	EPIROW3(Z6, Z7, Z8, ZSTORE_BETA);     \
	EPIROW3(Z9, Z10, Z11, ZSTORE_BETA);   \
	EPIROW3(Z12, Z13, Z14, ZSTORE_BETA);  \
	EPIROW3(Z15, Z16, Z17, ZSTORE_BETA);  \
	VZEROUPPER;                           \
	RET;                                  \
ZLABEL:                                   \
	EPIROW3(Z0, Z1, Z2, ZSTORE_ZERO);     \
	EPIROW3(Z3, Z4, Z5, ZSTORE_ZERO);     \
	EPIROW3(Z6, Z7, Z8, ZSTORE_ZERO);     \
	EPIROW3(Z9, Z10, Z11, ZSTORE_ZERO);   \
	EPIROW3(Z12, Z13, Z14, ZSTORE_ZERO);  \
	EPIROW3(Z15, Z16, Z17, ZSTORE_ZERO);  \
	VZEROUPPER;                           \
	RET

// ===========================================================================
// func sgemm6x16AVX512(kc int, a, b, c *float32, ldc int, alpha, beta float32, pf *float32, pfld int)
//
// sgemm6x16AVX2 (pf == nil) or sgemm6x16PFAVX2: one 6x16 tile in six ZMM
// accumulators. Six chains cannot hide the FMA latency (4 cycles × 2 pipes
// want eight), so this single-panel kernel runs at about 70 % of the pair
// kernel's rate (151 against 220 GFLOP/s on L1 data, BenchmarkSgemmWide);
// the driver uses it only for a lone panel.
// ===========================================================================
TEXT ·sgemm6x16AVX512(SB), NOSPLIT, $0-64
	MOVQ kc+0(FP), KC
	MOVQ a+8(FP), APTR
	MOVQ b+16(FP), BPTR
	MOVQ c+24(FP), CPTR
	MOVQ ldc+32(FP), LDC
	SHLQ $2, LDC
	MOVQ pf+48(FP), PF
	MOVQ pfld+56(FP), PFLD
	SHLQ $2, PFLD
	ZERO6
	TESTQ PF, PF
	JNE   z1_pf_loop

z1_loop:
	TESTQ   KC, KC
	JEQ     z1_epi
	VMOVUPS (BPTR), BV0
	FMA6X1(0)
	ADDQ    $24, APTR
	ADDQ    $64, BPTR
	DECQ    KC
	JMP     z1_loop

z1_pf_loop:
	TESTQ      KC, KC
	JEQ        z1_epi
	VMOVUPS    (BPTR), BV0
	PREFETCHT0 (PF)
	FMA6X1(0)
	ADDQ       PFLD, PF
	ADDQ       $24, APTR
	ADDQ       $64, BPTR
	DECQ       KC
	JMP        z1_pf_loop

z1_epi:
	EPI6X1(z1_beta_zero)

// ===========================================================================
// func sgemm6x32AVX512(kc int, a, b, c *float32, ldc int, alpha, beta float32, pf *float32, pfld int)
//
//	acc[i][j] = Σ_{p<kc} a[p*6+i] * b[p*16+j]            j < 16
//	acc[i][j] = Σ_{p<kc} a[p*6+i] * b[16*kc + p*16+j-16]  16 ≤ j < 32
//	c[i*ldc+j] = alpha*acc[i][j] (+ beta*c[i*ldc+j] unless beta == ±0)
//
// Two adjacent packed B micro-panels (the second right after the first)
// against one packed A micro-panel: twelve ZMM chains, two B loads and six
// broadcasts per twelve FMAs. When pf != nil, k step p also prefetches the
// two lines at pf + p*pfld floats (the rows of the next pair of panels).
// ===========================================================================
TEXT ·sgemm6x32AVX512(SB), NOSPLIT, $0-64
	MOVQ kc+0(FP), KC
	MOVQ a+8(FP), APTR
	MOVQ b+16(FP), BPTR
	MOVQ c+24(FP), CPTR
	MOVQ ldc+32(FP), LDC
	SHLQ $2, LDC
	MOVQ pf+48(FP), PF
	MOVQ pfld+56(FP), PFLD
	SHLQ $2, PFLD
	MOVQ KC, B2
	SHLQ $6, B2 // 16 floats * 4 bytes per k step
	ZERO12
	TESTQ PF, PF
	JNE   z2_pf_loop

z2_loop:
	TESTQ   KC, KC
	JEQ     z2_epi
	VMOVUPS (BPTR), BV0
	VMOVUPS (BPTR)(B2*1), BV1
	FMA6X2(0)
	ADDQ    $24, APTR
	ADDQ    $64, BPTR
	DECQ    KC
	JMP     z2_loop

z2_pf_loop:
	TESTQ      KC, KC
	JEQ        z2_epi
	VMOVUPS    (BPTR), BV0
	VMOVUPS    (BPTR)(B2*1), BV1
	PREFETCHT0 (PF)
	PREFETCHT0 64(PF)
	FMA6X2(0)
	ADDQ       PFLD, PF
	ADDQ       $24, APTR
	ADDQ       $64, BPTR
	DECQ       KC
	JMP        z2_pf_loop

z2_epi:
	EPI6X2(z2_beta_zero)

// ===========================================================================
// Two rows (the last 2 or 4 rows of a matrix whose rows are not a multiple
// of 6). As in the AVX2 twins, even and odd k steps accumulate separately
// and are added before the store. Chains: E0a/E1a rows 0/1 even k, O0a/O1a
// odd k, for the tile's first 16 columns (a) and second (b).
// ===========================================================================
#define E0A Z0
#define E1A Z1
#define O0A Z2
#define O1A Z3
#define E0B Z4
#define E1B Z5
#define O0B Z6
#define O1B Z7

#define ZERO8 \
	VPXORD Z0, Z0, Z0; \
	VPXORD Z1, Z1, Z1; \
	VPXORD Z2, Z2, Z2; \
	VPXORD Z3, Z3, Z3; \
	VPXORD Z4, Z4, Z4; \
	VPXORD Z5, Z5, Z5; \
	VPXORD Z6, Z6, Z6; \
	VPXORD Z7, Z7, Z7

// F2X1(AOFF, C0, C1): rows 0 and 1 of a k step on BV0 into chains C0, C1.
#define F2X1(AOFF, C0, C1) \
	VBROADCASTSS AOFF(APTR), AV0;   \
	VBROADCASTSS AOFF+4(APTR), AV1; \
	VFMADD231PS  BV0, AV0, C0;      \
	VFMADD231PS  BV0, AV1, C1

// F2X2(AOFF, C0, C1, D0, D1): rows 0 and 1 on BV0 (chains C) and BV1 (D).
#define F2X2(AOFF, C0, C1, D0, D1) \
	VBROADCASTSS AOFF(APTR), AV0;   \
	VBROADCASTSS AOFF+4(APTR), AV1; \
	VFMADD231PS  BV0, AV0, C0;      \
	VFMADD231PS  BV1, AV0, D0;      \
	VFMADD231PS  BV0, AV1, C1;      \
	VFMADD231PS  BV1, AV1, D1

// ===========================================================================
// func sgemm2x32AVX512(kc int, a, b, c *float32, ldc int, alpha, beta float32)
//
// sgemm2x16AVX2 on two adjacent packed B micro-panels (the second 16*kc
// floats after the first): c rows 0 and 1, columns 0–31.
// ===========================================================================
TEXT ·sgemm2x32AVX512(SB), NOSPLIT, $0-48
	MOVQ kc+0(FP), KC
	MOVQ a+8(FP), APTR
	MOVQ b+16(FP), BPTR
	MOVQ c+24(FP), CPTR
	MOVQ ldc+32(FP), LDC
	SHLQ $2, LDC
	MOVQ KC, B2
	SHLQ $6, B2
	ZERO8

p2_k2:
	CMPQ    KC, $2
	JLT     p2_k1
	VMOVUPS (BPTR), BV0
	VMOVUPS (BPTR)(B2*1), BV1
	F2X2(0, E0A, E1A, E0B, E1B)
	VMOVUPS 64(BPTR), BV0
	VMOVUPS 64(BPTR)(B2*1), BV1
	F2X2(24, O0A, O1A, O0B, O1B)
	ADDQ    $48, APTR
	ADDQ    $128, BPTR
	SUBQ    $2, KC
	JMP     p2_k2

p2_k1:
	TESTQ   KC, KC
	JEQ     p2_sum
	VMOVUPS (BPTR), BV0
	VMOVUPS (BPTR)(B2*1), BV1
	F2X2(0, E0A, E1A, E0B, E1B)

p2_sum:
	VADDPS O0A, E0A, E0A
	VADDPS O1A, E1A, E1A
	VADDPS O0B, E0B, E0B
	VADDPS O1B, E1B, E1B
	EPI_BEGIN(p2_beta_zero)
	EPIROW2(E0A, E0B, ZSTORE_BETA)
	EPIROW2(E1A, E1B, ZSTORE_BETA)
	VZEROUPPER
	RET

p2_beta_zero:
	EPIROW2(E0A, E0B, ZSTORE_ZERO)
	EPIROW2(E1A, E1B, ZSTORE_ZERO)
	VZEROUPPER
	RET

// ===========================================================================
// Row-table kernels: sgemm6x16RowsAVX2 and sgemm2x16RowsAVX2 with the nb
// tiles taken several at a time (64 or 32 adjacent columns of each row for
// six rows, 32 for two) and a last odd tile alone.
// ===========================================================================
#define ROFF  R12 // &off[p]
#define RNB   R13 // tiles left
#define RA0   R14 // a (start of the A panel)
#define ROFF0 BX  // off (start of the row table)
#define RCOL  AX  // &c[16*blk]

// ZSTORE2(R0, R1): c row = R0 (columns 0–15), R1 (16–31); next row.
#define ZSTORE2(R0, R1) \
	VMOVUPS R0, (CPTR);   \
	VMOVUPS R1, 64(CPTR); \
	ADDQ    LDC, CPTR

// ZSTORE3(R0, R1, R2): c row = R0, R1, R2 (48 columns); next row.
#define ZSTORE3(R0, R1, R2) \
	VMOVUPS R0, (CPTR);    \
	VMOVUPS R1, 64(CPTR);  \
	VMOVUPS R2, 128(CPTR); \
	ADDQ    LDC, CPTR

// ZSTORE4(R0, R1, R2, R3): c row = R0 … R3 (64 columns); next row.
#define ZSTORE4(R0, R1, R2, R3) \
	VMOVUPS R0, (CPTR);    \
	VMOVUPS R1, 64(CPTR);  \
	VMOVUPS R2, 128(CPTR); \
	VMOVUPS R3, 192(CPTR); \
	ADDQ    LDC, CPTR

#define ZSTORE1(R0) \
	VMOVUPS R0, (CPTR); \
	ADDQ    LDC, CPTR


// Cropping stores (crop ≠ nil): a tile's vector goes to C through two
// masked stores, the lanes of one output row at the tile's own place plus
// the row's delta and the lanes of the next output row at that row's
// delta (asm.Crop: the padded-width domain's garbage columns dropped).
// The table holds per tile the two element deltas and the two lane masks.
#define CROPP R10 // &crop[4·tile]
#define C2PTR R11 // current C row of the second store

// CROPSTART(VOFF): masks and row pointers of the tile at RCOL + VOFF bytes.
#define CROPSTART(VOFF) \
	KMOVW 16(CROPP), K1;            \
	KMOVW 24(CROPP), K2;            \
	MOVQ  (CROPP), TMP;             \
	LEAQ  VOFF(RCOL)(TMP*4), CPTR;  \
	MOVQ  8(CROPP), TMP;            \
	LEAQ  VOFF(RCOL)(TMP*4), C2PTR; \
	ADDQ  $32, CROPP

// CROPROW(R): one C row of the tile from R; next row.
#define CROPROW(R) \
	VMOVUPS R, K1, (CPTR);  \
	VMOVUPS R, K2, (C2PTR); \
	ADDQ    LDC, CPTR;      \
	ADDQ    LDC, C2PTR

#define CROP6(VOFF, R0, R1, R2, R3, R4, R5) \
	CROPSTART(VOFF); \
	CROPROW(R0);     \
	CROPROW(R1);     \
	CROPROW(R2);     \
	CROPROW(R3);     \
	CROPROW(R4);     \
	CROPROW(R5)

#define CROP4(VOFF, R0, R1, R2, R3) \
	CROPSTART(VOFF); \
	CROPROW(R0);     \
	CROPROW(R1);     \
	CROPROW(R2);     \
	CROPROW(R3)

#define CROP2(VOFF, R0, R1) \
	CROPSTART(VOFF); \
	CROPROW(R0);     \
	CROPROW(R1)

// ===========================================================================
// func sgemm6x16RowsAVX512(kc int, a, b *float32, off *int, nb int, c *float32, ldc int, crop *int64)
// ===========================================================================
TEXT ·sgemm6x16RowsAVX512(SB), NOSPLIT, $0-64
	MOVQ crop+56(FP), CROPP
	MOVQ a+8(FP), RA0
	MOVQ b+16(FP), BPTR
	MOVQ off+24(FP), ROFF0
	MOVQ nb+32(FP), RNB
	MOVQ c+40(FP), RCOL
	MOVQ ldc+48(FP), LDC
	SHLQ $2, LDC

	// Four tiles (64 columns) at a time: 24 chains, one row-table load,
	// four B loads and six broadcasts per 24 FMAs.
r6_quad:
	CMPQ RNB, $4
	JLT  r6_pair
	MOVQ kc+0(FP), KC
	MOVQ RA0, APTR
	MOVQ ROFF0, ROFF
	ZERO24

r6_quad_k:
	MOVQ    (ROFF), TMP // off[p]
	VMOVUPS (BPTR)(TMP*4), Z24
	VMOVUPS 64(BPTR)(TMP*4), Z25
	VMOVUPS 128(BPTR)(TMP*4), Z26
	VMOVUPS 192(BPTR)(TMP*4), Z27
	FMA6X4(0)
	ADDQ    $24, APTR
	ADDQ    $8, ROFF
	DECQ    KC
	JNE     r6_quad_k

	TESTQ CROPP, CROPP
	JEQ   r6_quad_plain
	CROP6(0, Z0, Z4, Z8, Z12, Z16, Z20)
	CROP6(64, Z1, Z5, Z9, Z13, Z17, Z21)
	CROP6(128, Z2, Z6, Z10, Z14, Z18, Z22)
	CROP6(192, Z3, Z7, Z11, Z15, Z19, Z23)
	JMP   r6_quad_next

r6_quad_plain:
	MOVQ RCOL, CPTR
	ZSTORE4(Z0, Z1, Z2, Z3)
	ZSTORE4(Z4, Z5, Z6, Z7)
	ZSTORE4(Z8, Z9, Z10, Z11)
	ZSTORE4(Z12, Z13, Z14, Z15)
	ZSTORE4(Z16, Z17, Z18, Z19)
	ZSTORE4(Z20, Z21, Z22, Z23)

r6_quad_next:
	ADDQ $256, BPTR // next quad: 64 columns on
	ADDQ $256, RCOL
	SUBQ $4, RNB
	JMP  r6_quad

r6_pair:
	CMPQ RNB, $2
	JLT  r6_single
	MOVQ kc+0(FP), KC
	MOVQ RA0, APTR
	MOVQ ROFF0, ROFF
	ZERO12

r6_pair_k:
	MOVQ    (ROFF), TMP // off[p]
	VMOVUPS (BPTR)(TMP*4), BV0
	VMOVUPS 64(BPTR)(TMP*4), BV1
	FMA6X2(0)
	ADDQ    $24, APTR
	ADDQ    $8, ROFF
	DECQ    KC
	JNE     r6_pair_k

	TESTQ CROPP, CROPP
	JEQ   r6_pair_plain
	CROP6(0, Z0, Z1, Z2, Z3, Z4, Z5)
	CROP6(64, Z6, Z7, Z8, Z9, Z10, Z11)
	JMP   r6_pair_next

r6_pair_plain:
	MOVQ RCOL, CPTR
	ZSTORE2(Z0, Z6)
	ZSTORE2(Z1, Z7)
	ZSTORE2(Z2, Z8)
	ZSTORE2(Z3, Z9)
	ZSTORE2(Z4, Z10)
	ZSTORE2(Z5, Z11)

r6_pair_next:
	ADDQ $128, BPTR // next pair: 32 columns on
	ADDQ $128, RCOL
	SUBQ $2, RNB
	JMP  r6_pair

r6_single:
	TESTQ RNB, RNB
	JEQ   r6_done
	MOVQ  kc+0(FP), KC
	MOVQ  RA0, APTR
	MOVQ  ROFF0, ROFF
	ZERO6

r6_single_k:
	MOVQ    (ROFF), TMP
	VMOVUPS (BPTR)(TMP*4), BV0
	FMA6X1(0)
	ADDQ    $24, APTR
	ADDQ    $8, ROFF
	DECQ    KC
	JNE     r6_single_k

	TESTQ CROPP, CROPP
	JEQ   r6_single_plain
	CROP6(0, Z0, Z1, Z2, Z3, Z4, Z5)
	JMP   r6_done

r6_single_plain:
	MOVQ RCOL, CPTR
	ZSTORE1(Z0)
	ZSTORE1(Z1)
	ZSTORE1(Z2)
	ZSTORE1(Z3)
	ZSTORE1(Z4)
	ZSTORE1(Z5)

r6_done:
	VZEROUPPER
	RET

// ===========================================================================
// func sgemm2x16RowsAVX512(kc int, a, b *float32, off *int, nb int, c *float32, ldc int, crop *int64)
// ===========================================================================
// F2X4(AOFF, C0, C1, D0, D1, E0, E1, F0, F1): rows 0–1 on BV0 (chains
// C), BV1 (D), Z24 (E) and Z25 (F).
#define F2X4(AOFF, C0, C1, D0, D1, E0, E1, F0, F1) \
	VBROADCASTSS AOFF(APTR), AV0;   \
	VBROADCASTSS AOFF+4(APTR), AV1; \
	VFMADD231PS  BV0, AV0, C0;      \
	VFMADD231PS  BV1, AV0, D0;      \
	VFMADD231PS  Z24, AV0, E0;      \
	VFMADD231PS  Z25, AV0, F0;      \
	VFMADD231PS  BV0, AV1, C1;      \
	VFMADD231PS  BV1, AV1, D1;      \
	VFMADD231PS  Z24, AV1, E1;      \
	VFMADD231PS  Z25, AV1, F1

TEXT ·sgemm2x16RowsAVX512(SB), NOSPLIT, $0-64
	MOVQ crop+56(FP), CROPP
	MOVQ a+8(FP), RA0
	MOVQ b+16(FP), BPTR
	MOVQ off+24(FP), ROFF0
	MOVQ nb+32(FP), RNB
	MOVQ c+40(FP), RCOL
	MOVQ ldc+48(FP), LDC
	SHLQ $2, LDC

	// Four tiles at a time: 16 chains (even and odd k per tile and row),
	// six loads per 8 FMAs, against four per 4 for a pair of tiles: on
	// G1's 288 taps in L1 134–143 GFLOP/s instead of 110–119
	// (BenchmarkSgemmRows/2x16). Chains: tile t rows 0–1 in Z(4t), Z(4t+1) for
	// even k, Z(4t+2), Z(4t+3) for odd k.
r2_quad:
	CMPQ   RNB, $4
	JLT    r2_pair
	MOVQ   kc+0(FP), KC
	MOVQ   RA0, APTR
	MOVQ   ROFF0, ROFF
	ZERO16

r2_quad_k2:
	CMPQ    KC, $2
	JLT     r2_quad_k1
	MOVQ    (ROFF), TMP
	VMOVUPS (BPTR)(TMP*4), BV0
	VMOVUPS 64(BPTR)(TMP*4), BV1
	VMOVUPS 128(BPTR)(TMP*4), Z24
	VMOVUPS 192(BPTR)(TMP*4), Z25
	F2X4(0, Z0, Z1, Z4, Z5, Z8, Z9, Z12, Z13)
	MOVQ    8(ROFF), TMP
	VMOVUPS (BPTR)(TMP*4), BV0
	VMOVUPS 64(BPTR)(TMP*4), BV1
	VMOVUPS 128(BPTR)(TMP*4), Z24
	VMOVUPS 192(BPTR)(TMP*4), Z25
	F2X4(24, Z2, Z3, Z6, Z7, Z10, Z11, Z14, Z15)
	ADDQ    $48, APTR
	ADDQ    $16, ROFF
	SUBQ    $2, KC
	JMP     r2_quad_k2

r2_quad_k1:
	TESTQ   KC, KC
	JEQ     r2_quad_store
	MOVQ    (ROFF), TMP
	VMOVUPS (BPTR)(TMP*4), BV0
	VMOVUPS 64(BPTR)(TMP*4), BV1
	VMOVUPS 128(BPTR)(TMP*4), Z24
	VMOVUPS 192(BPTR)(TMP*4), Z25
	F2X4(0, Z0, Z1, Z4, Z5, Z8, Z9, Z12, Z13)

r2_quad_store:
	VADDPS Z2, Z0, Z0
	VADDPS Z3, Z1, Z1
	VADDPS Z6, Z4, Z4
	VADDPS Z7, Z5, Z5
	VADDPS Z10, Z8, Z8
	VADDPS Z11, Z9, Z9
	VADDPS Z14, Z12, Z12
	VADDPS Z15, Z13, Z13
	TESTQ  CROPP, CROPP
	JEQ    r2_quad_plain
	CROP2(0, Z0, Z1)
	CROP2(64, Z4, Z5)
	CROP2(128, Z8, Z9)
	CROP2(192, Z12, Z13)
	JMP    r2_quad_next

r2_quad_plain:
	MOVQ RCOL, CPTR
	ZSTORE4(Z0, Z4, Z8, Z12)
	ZSTORE4(Z1, Z5, Z9, Z13)

r2_quad_next:
	ADDQ $256, BPTR
	ADDQ $256, RCOL
	SUBQ $4, RNB
	JMP  r2_quad

r2_pair:
	CMPQ RNB, $2
	JLT  r2_single
	MOVQ kc+0(FP), KC
	MOVQ RA0, APTR
	MOVQ ROFF0, ROFF
	ZERO8

r2_pair_k2:
	CMPQ    KC, $2
	JLT     r2_pair_k1
	MOVQ    (ROFF), TMP
	VMOVUPS (BPTR)(TMP*4), BV0
	VMOVUPS 64(BPTR)(TMP*4), BV1
	F2X2(0, E0A, E1A, E0B, E1B)
	MOVQ    8(ROFF), TMP
	VMOVUPS (BPTR)(TMP*4), BV0
	VMOVUPS 64(BPTR)(TMP*4), BV1
	F2X2(24, O0A, O1A, O0B, O1B)
	ADDQ    $48, APTR
	ADDQ    $16, ROFF
	SUBQ    $2, KC
	JMP     r2_pair_k2

r2_pair_k1:
	TESTQ   KC, KC
	JEQ     r2_pair_store
	MOVQ    (ROFF), TMP
	VMOVUPS (BPTR)(TMP*4), BV0
	VMOVUPS 64(BPTR)(TMP*4), BV1
	F2X2(0, E0A, E1A, E0B, E1B)

r2_pair_store:
	VADDPS O0A, E0A, E0A
	VADDPS O1A, E1A, E1A
	VADDPS O0B, E0B, E0B
	VADDPS O1B, E1B, E1B
	TESTQ  CROPP, CROPP
	JEQ    r2_pair_plain
	CROP2(0, E0A, E1A)
	CROP2(64, E0B, E1B)
	JMP    r2_pair_next

r2_pair_plain:
	MOVQ   RCOL, CPTR
	ZSTORE2(E0A, E0B)
	ZSTORE2(E1A, E1B)

r2_pair_next:
	ADDQ   $128, BPTR
	ADDQ   $128, RCOL
	SUBQ   $2, RNB
	JMP    r2_pair

r2_single:
	TESTQ RNB, RNB
	JEQ   r2_done
	MOVQ  kc+0(FP), KC
	MOVQ  RA0, APTR
	MOVQ  ROFF0, ROFF
	ZERO8

r2_single_k2:
	CMPQ    KC, $2
	JLT     r2_single_k1
	MOVQ    (ROFF), TMP
	VMOVUPS (BPTR)(TMP*4), BV0
	F2X1(0, E0A, E1A)
	MOVQ    8(ROFF), TMP
	VMOVUPS (BPTR)(TMP*4), BV0
	F2X1(24, O0A, O1A)
	ADDQ    $48, APTR
	ADDQ    $16, ROFF
	SUBQ    $2, KC
	JMP     r2_single_k2

r2_single_k1:
	TESTQ   KC, KC
	JEQ     r2_single_store
	MOVQ    (ROFF), TMP
	VMOVUPS (BPTR)(TMP*4), BV0
	F2X1(0, E0A, E1A)

r2_single_store:
	VADDPS O0A, E0A, E0A
	VADDPS O1A, E1A, E1A
	TESTQ  CROPP, CROPP
	JEQ    r2_single_plain
	CROP2(0, E0A, E1A)
	JMP    r2_done

r2_single_plain:
	MOVQ   RCOL, CPTR
	ZSTORE1(E0A)
	ZSTORE1(E1A)

r2_done:
	VZEROUPPER
	RET

// ===========================================================================
// func sgemm6x48AVX512(kc int, a, b, c *float32, ldc int, alpha, beta float32)
//
// sgemm6x32AVX512 on three adjacent packed B micro-panels (b, b + 16·kc,
// b + 32·kc) into C columns 0–47, 18 chains: the last three panels of a
// GEMM whose panel count is odd (n = 49: a 7×7 map at batch 1), where a
// pair call and a one-panel call would reach about 191 GFLOP/s against
// this kernel's 219 (BenchmarkSgemmWide: 220 for the pair, 151 for one).
// ===========================================================================
TEXT ·sgemm6x48AVX512(SB), NOSPLIT, $0-48
	MOVQ   kc+0(FP), KC
	MOVQ   a+8(FP), APTR
	MOVQ   b+16(FP), BPTR
	MOVQ   c+24(FP), CPTR
	MOVQ   ldc+32(FP), LDC
	SHLQ   $2, LDC
	MOVQ   KC, B2
	SHLQ   $6, B2 // bytes from one panel to the next
	ZERO18
	LEAQ   (BPTR)(B2*2), TMP // third panel

z3_loop:
	TESTQ   KC, KC
	JEQ     z3_epi
	VMOVUPS (BPTR), Z24
	VMOVUPS (BPTR)(B2*1), Z25
	VMOVUPS (TMP), Z26
	FMA6X3(0)
	ADDQ    $24, APTR
	ADDQ    $64, BPTR
	ADDQ    $64, TMP
	DECQ    KC
	JMP     z3_loop

z3_epi:
	EPI6X3(z3_beta_zero)

// ===========================================================================
// func sgemm4x16RowsAVX512(kc int, a, b *float32, off *int, nb int, c *float32, ldc int, crop *int64)
//
// sgemm2x16RowsAVX2 for four rows of a 6-row A panel at once (a at the
// first; c rows 0–3): the last four rows of a matrix of 6k + 4 rows (64
// output channels: ten panels and four rows) read each B vector once for
// four rows instead of twice for two. The chains are those of the two-row
// kernels — even and odd k separately, added before the store — so each
// row is bit-identical to sgemm2x16RowsAVX2's. Tiles two at a time (16
// chains), a last odd tile alone (8 chains).
// ===========================================================================

// F4(AOFF, BV, C0, C1, C2, C3): rows 0–3 of a k step on BV into chains C0–C3.
#define F4(AOFF, BV, C0, C1, C2, C3) \
	VBROADCASTSS AOFF(APTR), AV0;    \
	VFMADD231PS  BV, AV0, C0;        \
	VBROADCASTSS AOFF+4(APTR), AV1;  \
	VFMADD231PS  BV, AV1, C1;        \
	VBROADCASTSS AOFF+8(APTR), AV0;  \
	VFMADD231PS  BV, AV0, C2;        \
	VBROADCASTSS AOFF+12(APTR), AV1; \
	VFMADD231PS  BV, AV1, C3

// F4X2(AOFF, C0…C3, D0…D3): rows 0–3 on BV0 (chains C) and BV1 (D).
#define F4X2(AOFF, C0, C1, C2, C3, D0, D1, D2, D3) \
	VBROADCASTSS AOFF(APTR), AV0;    \
	VFMADD231PS  BV0, AV0, C0;       \
	VFMADD231PS  BV1, AV0, D0;       \
	VBROADCASTSS AOFF+4(APTR), AV1;  \
	VFMADD231PS  BV0, AV1, C1;       \
	VFMADD231PS  BV1, AV1, D1;       \
	VBROADCASTSS AOFF+8(APTR), AV0;  \
	VFMADD231PS  BV0, AV0, C2;       \
	VFMADD231PS  BV1, AV0, D2;       \
	VBROADCASTSS AOFF+12(APTR), AV1; \
	VFMADD231PS  BV0, AV1, C3;       \
	VFMADD231PS  BV1, AV1, D3

// F4X3(AOFF, C0…C3, D0…D3, E0…E3): rows 0–3 on BV0 (chains C), BV1 (D)
// and Z24 (E).
#define F4X3(AOFF, C0, C1, C2, C3, D0, D1, D2, D3, E0, E1, E2, E3) \
	VBROADCASTSS AOFF(APTR), AV0;    \
	VFMADD231PS  BV0, AV0, C0;       \
	VFMADD231PS  BV1, AV0, D0;       \
	VFMADD231PS  Z24, AV0, E0;       \
	VBROADCASTSS AOFF+4(APTR), AV1;  \
	VFMADD231PS  BV0, AV1, C1;       \
	VFMADD231PS  BV1, AV1, D1;       \
	VFMADD231PS  Z24, AV1, E1;       \
	VBROADCASTSS AOFF+8(APTR), AV0;  \
	VFMADD231PS  BV0, AV0, C2;       \
	VFMADD231PS  BV1, AV0, D2;       \
	VFMADD231PS  Z24, AV0, E2;       \
	VBROADCASTSS AOFF+12(APTR), AV1; \
	VFMADD231PS  BV0, AV1, C3;       \
	VFMADD231PS  BV1, AV1, D3;       \
	VFMADD231PS  Z24, AV1, E3

TEXT ·sgemm4x16RowsAVX512(SB), NOSPLIT, $0-64
	MOVQ crop+56(FP), CROPP
	MOVQ a+8(FP), RA0
	MOVQ b+16(FP), BPTR
	MOVQ off+24(FP), ROFF0
	MOVQ nb+32(FP), RNB
	MOVQ c+40(FP), RCOL
	MOVQ ldc+48(FP), LDC
	SHLQ $2, LDC

	// Three tiles at a time: 24 chains (even and odd k per tile, as the
	// two-row kernel sums them), seven loads per 12 FMAs, against six per
	// 8 for a pair of tiles (16 chains): on S1's 576 taps in L1 184–191
	// GFLOP/s instead of 175, the six-row kernel 188–195
	// (BenchmarkSgemmRows/4x16); in S1 a four-row panel had taken as
	// long as a six-row one. Chains: tile 0 Z0–Z3 even k, Z4–Z7 odd;
	// tile 1 Z8–Z11, Z12–Z15; tile 2 Z16–Z19, Z20–Z23.
r4_triple:
	CMPQ   RNB, $3
	JLT    r4_pair
	MOVQ   kc+0(FP), KC
	MOVQ   RA0, APTR
	MOVQ   ROFF0, ROFF
	ZERO24

r4_triple_k2:
	CMPQ    KC, $2
	JLT     r4_triple_k1
	MOVQ    (ROFF), TMP
	VMOVUPS (BPTR)(TMP*4), BV0
	VMOVUPS 64(BPTR)(TMP*4), BV1
	VMOVUPS 128(BPTR)(TMP*4), Z24
	F4X3(0, Z0, Z1, Z2, Z3, Z8, Z9, Z10, Z11, Z16, Z17, Z18, Z19)
	MOVQ    8(ROFF), TMP
	VMOVUPS (BPTR)(TMP*4), BV0
	VMOVUPS 64(BPTR)(TMP*4), BV1
	VMOVUPS 128(BPTR)(TMP*4), Z24
	F4X3(24, Z4, Z5, Z6, Z7, Z12, Z13, Z14, Z15, Z20, Z21, Z22, Z23)
	ADDQ    $48, APTR
	ADDQ    $16, ROFF
	SUBQ    $2, KC
	JMP     r4_triple_k2

r4_triple_k1:
	TESTQ   KC, KC
	JEQ     r4_triple_store
	MOVQ    (ROFF), TMP
	VMOVUPS (BPTR)(TMP*4), BV0
	VMOVUPS 64(BPTR)(TMP*4), BV1
	VMOVUPS 128(BPTR)(TMP*4), Z24
	F4X3(0, Z0, Z1, Z2, Z3, Z8, Z9, Z10, Z11, Z16, Z17, Z18, Z19)

r4_triple_store:
	VADDPS Z4, Z0, Z0
	VADDPS Z5, Z1, Z1
	VADDPS Z6, Z2, Z2
	VADDPS Z7, Z3, Z3
	VADDPS Z12, Z8, Z8
	VADDPS Z13, Z9, Z9
	VADDPS Z14, Z10, Z10
	VADDPS Z15, Z11, Z11
	VADDPS Z20, Z16, Z16
	VADDPS Z21, Z17, Z17
	VADDPS Z22, Z18, Z18
	VADDPS Z23, Z19, Z19
	TESTQ  CROPP, CROPP
	JEQ    r4_triple_plain
	CROP4(0, Z0, Z1, Z2, Z3)
	CROP4(64, Z8, Z9, Z10, Z11)
	CROP4(128, Z16, Z17, Z18, Z19)
	JMP    r4_triple_next

r4_triple_plain:
	MOVQ RCOL, CPTR
	ZSTORE3(Z0, Z8, Z16)
	ZSTORE3(Z1, Z9, Z17)
	ZSTORE3(Z2, Z10, Z18)
	ZSTORE3(Z3, Z11, Z19)

r4_triple_next:
	ADDQ $192, BPTR
	ADDQ $192, RCOL
	SUBQ $3, RNB
	JMP  r4_triple

	// Pairs of tiles. Chains: Z0–Z3 even k, Z4–Z7 odd k (first tile),
	// Z8–Z11 even, Z12–Z15 odd (second tile).
r4_pair:
	CMPQ   RNB, $2
	JLT    r4_single
	MOVQ   kc+0(FP), KC
	MOVQ   RA0, APTR
	MOVQ   ROFF0, ROFF
	ZERO16

r4_pair_k2:
	CMPQ    KC, $2
	JLT     r4_pair_k1
	MOVQ    (ROFF), TMP
	VMOVUPS (BPTR)(TMP*4), BV0
	VMOVUPS 64(BPTR)(TMP*4), BV1
	F4X2(0, Z0, Z1, Z2, Z3, Z8, Z9, Z10, Z11)
	MOVQ    8(ROFF), TMP
	VMOVUPS (BPTR)(TMP*4), BV0
	VMOVUPS 64(BPTR)(TMP*4), BV1
	F4X2(24, Z4, Z5, Z6, Z7, Z12, Z13, Z14, Z15)
	ADDQ    $48, APTR
	ADDQ    $16, ROFF
	SUBQ    $2, KC
	JMP     r4_pair_k2

r4_pair_k1:
	TESTQ   KC, KC
	JEQ     r4_pair_store
	MOVQ    (ROFF), TMP
	VMOVUPS (BPTR)(TMP*4), BV0
	VMOVUPS 64(BPTR)(TMP*4), BV1
	F4X2(0, Z0, Z1, Z2, Z3, Z8, Z9, Z10, Z11)

r4_pair_store:
	VADDPS Z4, Z0, Z0
	VADDPS Z5, Z1, Z1
	VADDPS Z6, Z2, Z2
	VADDPS Z7, Z3, Z3
	VADDPS Z12, Z8, Z8
	VADDPS Z13, Z9, Z9
	VADDPS Z14, Z10, Z10
	VADDPS Z15, Z11, Z11
	TESTQ  CROPP, CROPP
	JEQ    r4_pair_plain
	CROP4(0, Z0, Z1, Z2, Z3)
	CROP4(64, Z8, Z9, Z10, Z11)
	JMP    r4_pair_next

r4_pair_plain:
	MOVQ   RCOL, CPTR
	ZSTORE2(Z0, Z8)
	ZSTORE2(Z1, Z9)
	ZSTORE2(Z2, Z10)
	ZSTORE2(Z3, Z11)

r4_pair_next:
	ADDQ   $128, BPTR
	ADDQ   $128, RCOL
	SUBQ   $2, RNB
	JMP    r4_pair

r4_single:
	TESTQ RNB, RNB
	JEQ   r4_done
	MOVQ  kc+0(FP), KC
	MOVQ  RA0, APTR
	MOVQ  ROFF0, ROFF
	ZERO8

r4_single_k2:
	CMPQ    KC, $2
	JLT     r4_single_k1
	MOVQ    (ROFF), TMP
	VMOVUPS (BPTR)(TMP*4), BV0
	F4(0, BV0, Z0, Z1, Z2, Z3)
	MOVQ    8(ROFF), TMP
	VMOVUPS (BPTR)(TMP*4), BV0
	F4(24, BV0, Z4, Z5, Z6, Z7)
	ADDQ    $48, APTR
	ADDQ    $16, ROFF
	SUBQ    $2, KC
	JMP     r4_single_k2

r4_single_k1:
	TESTQ   KC, KC
	JEQ     r4_single_store
	MOVQ    (ROFF), TMP
	VMOVUPS (BPTR)(TMP*4), BV0
	F4(0, BV0, Z0, Z1, Z2, Z3)

r4_single_store:
	VADDPS Z4, Z0, Z0
	VADDPS Z5, Z1, Z1
	VADDPS Z6, Z2, Z2
	VADDPS Z7, Z3, Z3
	TESTQ  CROPP, CROPP
	JEQ    r4_single_plain
	CROP4(0, Z0, Z1, Z2, Z3)
	JMP    r4_done

r4_single_plain:
	MOVQ   RCOL, CPTR
	ZSTORE1(Z0)
	ZSTORE1(Z1)
	ZSTORE1(Z2)
	ZSTORE1(Z3)

r4_done:
	VZEROUPPER
	RET

// ===========================================================================
// func sgemm6x49AVX512(kc int, a, b, c *float32, ldc int, alpha, beta float32, b1 *float32, ldb1 int, out *float32)
//
// sgemm6x48AVX512 plus one more column, b1[p*ldb1] (p < kc): its six sums
// go to out[0:6], computed as sgemm6x1AVX2 computes them — the k steps
// round-robin into four partial sums s0..s3, added as (s0 + s1) + (s2 + s3);
// the six rows of a k step are one vector (lanes 0–5, a masked load) times
// the broadcast b1[p]. A C of 16·3 + 1 columns (a 7×7 map at batch 1: 49)
// used to run the lone last column as a second pass over every A panel:
// 14 % of PW4's time for 2 % of its multiply-adds (pprof of go test
// ./internal/gemm -bench SgemmPackedA/PW4_ -cpu 1). Here the column costs
// one masked load, one broadcast and one FMA per k step next to eighteen
// full-width FMAs.
//
// Registers: Z0–Z17 and Z24–Z26 as in sgemm6x48AVX512; Y18–Y21 the column's
// partial sums, Y22 its A vector, Y23 the broadcast of b1[p]; K1 = lanes 0–5.
// ===========================================================================
#define B1P  R12 // &b1[p*ldb1]
#define B1LD R13 // ldb1 * 4

// STEP49(J, S): k step J of an unrolled group of four: the 6×48 tile's
// FMAs, then the column's into partial sum S; B1P advances one step.
#define STEP49(J, S) \
	VMOVUPS      (J*64)(BPTR), Z24;        \
	VMOVUPS      (J*64)(BPTR)(B2*1), Z25;  \
	VMOVUPS      (J*64)(TMP), Z26;         \
	FMA6X3(J*24);                          \
	VMOVUPS.Z    (J*24)(APTR), K1, Y22;    \
	VBROADCASTSS (B1P), Y23;               \
	VFMADD231PS  Y23, Y22, S;              \
	ADDQ         B1LD, B1P

// STEP49T(S): one k step alone (the 0–3 left over), pointers advanced.
#define STEP49T(S) \
	STEP49(0, S);     \
	ADDQ $24, APTR;   \
	ADDQ $64, BPTR;   \
	ADDQ $64, TMP

TEXT ·sgemm6x49AVX512(SB), NOSPLIT, $0-72
	MOVQ   kc+0(FP), KC
	MOVQ   a+8(FP), APTR
	MOVQ   b+16(FP), BPTR
	MOVQ   c+24(FP), CPTR
	MOVQ   ldc+32(FP), LDC
	SHLQ   $2, LDC
	MOVQ   b1+48(FP), B1P
	MOVQ   ldb1+56(FP), B1LD
	SHLQ   $2, B1LD
	MOVL   $0x3f, AX
	KMOVW  AX, K1
	MOVQ   KC, B2
	SHLQ   $6, B2 // bytes from one panel to the next
	ZERO24                   // the tile's chains and the column's partial sums (Z22, Z23: scratch)
	LEAQ   (BPTR)(B2*2), TMP // third panel

z49_loop4:
	CMPQ KC, $4
	JLT  z49_tail
	STEP49(0, Y18)
	STEP49(1, Y19)
	STEP49(2, Y20)
	STEP49(3, Y21)
	ADDQ $96, APTR
	ADDQ $256, BPTR
	ADDQ $256, TMP
	SUBQ $4, KC
	JMP  z49_loop4

z49_tail: // 0–3 steps left: partial sums 0, 1, 2 in turn
	TESTQ KC, KC
	JEQ   z49_sum
	STEP49T(Y18)
	CMPQ  KC, $1
	JEQ   z49_sum
	STEP49T(Y19)
	CMPQ  KC, $2
	JEQ   z49_sum
	STEP49T(Y20)

z49_sum:
	VADDPS  Y19, Y18, Y18 // s0 + s1
	VADDPS  Y21, Y20, Y20 // s2 + s3
	VADDPS  Y20, Y18, Y18
	MOVQ    out+64(FP), AX
	VMOVUPS Y18, K1, (AX)
	EPI6X3(z49_beta_zero)

// ===========================================================================
// func sgemm6x36AVX512(kc int, a, b, c *float32, ldc int, alpha, beta float32, b1 *float32, out *float32)
//
// sgemm6x32AVX512 (no prefetch) plus the first four columns of one more
// packed B micro-panel b1 (b1[p*16+j], j < 4): their sums go to out, column
// j's six rows at out[8j:8j+6], computed as sgemm6x8AVX2 computes them —
// even k steps into one partial sum, odd ones into another, added at the
// end — so the caller's alpha·s (+ beta·c) equals the 6×8 kernel's tile.
// A C of 16·2·n + 2…4 columns (a 14×14 map at batch 1: 196 = 12·16 + 4)
// used to run its last columns as a second pass over every A panel with
// the 6×8 kernel: 11 % of PW3's time at batch 8 for 2 % of its
// multiply-adds (pprof of go test ./conv -bench 'Anchors$/PW3/batch=8/threads=1').
// Here a column costs one broadcast and one YMM FMA per k step next to the
// twelve full-width ones (the six rows of A are one masked load per step):
// 16 FMAs per k step against 12 + 6 for the two passes; in the same pprof
// the call took 1.32× a pair's time (1.51 s against 1.14 s per step).
//
// Registers: Z0–Z11, BV0/BV1, AV0/AV1 as in sgemm6x32AVX512; Y12–Y15 the
// columns' even-step sums, Y16–Y19 the odd-step ones, Y20 the six A values
// of a step, Y21 a broadcast b1 value; K1 = lanes 0–5.
// ===========================================================================

// COLS4(AOFF, BOFF, S0, S1, S2, S3): the four columns' FMAs of the k step
// whose A values are at APTR+AOFF and b1 row at B1P+BOFF, into S0–S3.
#define COLS4(AOFF, BOFF, S0, S1, S2, S3) \
	VMOVUPS.Z    AOFF(APTR), K1, Y20;   \
	VBROADCASTSS BOFF(B1P), Y21;        \
	VFMADD231PS  Y21, Y20, S0;          \
	VBROADCASTSS BOFF+4(B1P), Y21;      \
	VFMADD231PS  Y21, Y20, S1;          \
	VBROADCASTSS BOFF+8(B1P), Y21;      \
	VFMADD231PS  Y21, Y20, S2;          \
	VBROADCASTSS BOFF+12(B1P), Y21;     \
	VFMADD231PS  Y21, Y20, S3

TEXT ·sgemm6x36AVX512(SB), NOSPLIT, $0-64
	MOVQ   kc+0(FP), KC
	MOVQ   a+8(FP), APTR
	MOVQ   b+16(FP), BPTR
	MOVQ   c+24(FP), CPTR
	MOVQ   ldc+32(FP), LDC
	SHLQ   $2, LDC
	MOVQ   b1+48(FP), B1P
	MOVL   $0x3f, AX
	KMOVW  AX, K1
	MOVQ   KC, B2
	SHLQ   $6, B2 // bytes from one panel to the next
	ZERO24 // the tile's chains and the columns' sums (Z20–Z23: scratch)

z36_loop2: // two k steps: p (even sums) and p+1 (odd sums)
	CMPQ    KC, $2
	JLT     z36_tail
	VMOVUPS (BPTR), BV0
	VMOVUPS (BPTR)(B2*1), BV1
	FMA6X2(0)
	COLS4(0, 0, Y12, Y13, Y14, Y15)
	VMOVUPS 64(BPTR), BV0
	VMOVUPS 64(BPTR)(B2*1), BV1
	FMA6X2(24)
	COLS4(24, 64, Y16, Y17, Y18, Y19)
	ADDQ    $48, APTR
	ADDQ    $128, BPTR
	ADDQ    $128, B1P
	SUBQ    $2, KC
	JMP     z36_loop2

z36_tail: // odd kc: one last step into the even sums
	TESTQ   KC, KC
	JEQ     z36_sum
	VMOVUPS (BPTR), BV0
	VMOVUPS (BPTR)(B2*1), BV1
	FMA6X2(0)
	COLS4(0, 0, Y12, Y13, Y14, Y15)

z36_sum:
	VADDPS  Y16, Y12, Y12
	VADDPS  Y17, Y13, Y13
	VADDPS  Y18, Y14, Y14
	VADDPS  Y19, Y15, Y15
	MOVQ    out+56(FP), AX
	VMOVUPS Y12, K1, (AX)
	VMOVUPS Y13, K1, 32(AX)
	VMOVUPS Y14, K1, 64(AX)
	VMOVUPS Y15, K1, 96(AX)
	EPI6X2(z36_beta_zero)
