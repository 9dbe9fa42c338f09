//go:build amd64 && !purego

#include "textflag.h"
#include "dw_amd64.h"

// W9Z: Z0–Z8 = the nine weights at TMP, each broadcast.
#define W9Z \
	VBROADCASTSS (TMP), Z0;   \
	VBROADCASTSS 4(TMP), Z1;  \
	VBROADCASTSS 8(TMP), Z2;  \
	VBROADCASTSS 12(TMP), Z3; \
	VBROADCASTSS 16(TMP), Z4; \
	VBROADCASTSS 20(TMP), Z5; \
	VBROADCASTSS 24(TMP), Z6; \
	VBROADCASTSS 28(TMP), Z7; \
	VBROADCASTSS 32(TMP), Z8

// The 3×3 stride-1 depthwise row kernel with ZMM registers (AVX-512F):
// dw3x3s1AVX2 with 64 outputs per iteration, then 16, and a tail of 1..15
// under a K mask. Every output is formed as in dw3x3s1AVX2 — the bias (or
// y) plus the nine taps as fused multiply-adds in tap order — so the
// results are bit-identical; only the number of outputs per instruction
// changes (DW3's 14×14 planes: one 16-lane vector per row of the flat
// layout instead of two 8-lane ones).

#define XP    SI  // &x0[r][i]: current column of the window's first row
#define X0R   R12 // &x0[r][0]
#define D1    BX  // &x1 − &x0 (bytes)
#define D2    DX  // &x2 − &x0 (bytes)
#define YP    DI  // &y[r·ys + i]
#define YR    R13 // start of the current output row
#define ROWS  R9  // output rows left
#define NN    R10 // outputs of the vector part per row
#define CNT   R11 // outputs left in the current row
#define TMP   R14
#define MTAB  AX  // &·laneMask16
#define FLAGS CX  // bit 0 acc, bit 1 left pad, bit 2 right pad

// Z0–Z8: broadcast w[0..8] (X0–X8 their low lanes for the scalar edges).
#define ACC0  Z9
#define ACC1  Z10
#define ACC2  Z11
#define ACC3  Z12
#define BIAS  Z13
#define BIASX X13
#define E     X9 // scalar edge accumulator

// Z_TAPS64(OFF, W, R): ACCq += W * row R (0: XP, D1: XP+D1, …) at OFF + 64q bytes, q < 4.
#define Z_TAPS64_R0(OFF, W) \
	VFMADD231PS (OFF)(XP), W, ACC0;     \
	VFMADD231PS (OFF+64)(XP), W, ACC1;  \
	VFMADD231PS (OFF+128)(XP), W, ACC2; \
	VFMADD231PS (OFF+192)(XP), W, ACC3

#define Z_TAPS64_R(OFF, W, D) \
	VFMADD231PS (OFF)(XP)(D*1), W, ACC0;     \
	VFMADD231PS (OFF+64)(XP)(D*1), W, ACC1;  \
	VFMADD231PS (OFF+128)(XP)(D*1), W, ACC2; \
	VFMADD231PS (OFF+192)(XP)(D*1), W, ACC3

// Z_TAPS16(K): the nine taps of 16 outputs into ACC0 under mask K (K0:
// all lanes; masked-out lanes are neither loaded nor changed).
#define Z_TAPS16(K) \
	VFMADD231PS (XP), Z0, K, ACC0;        \
	VFMADD231PS 4(XP), Z1, K, ACC0;       \
	VFMADD231PS 8(XP), Z2, K, ACC0;       \
	VFMADD231PS (XP)(D1*1), Z3, K, ACC0;  \
	VFMADD231PS 4(XP)(D1*1), Z4, K, ACC0; \
	VFMADD231PS 8(XP)(D1*1), Z5, K, ACC0; \
	VFMADD231PS (XP)(D2*1), Z6, K, ACC0;  \
	VFMADD231PS 4(XP)(D2*1), Z7, K, ACC0; \
	VFMADD231PS 8(XP)(D2*1), Z8, K, ACC0

// func dw3x3s1AVX512(x0 *float32, d1, d2, xstep int, y *float32, ystep, rows, nv int, w *float32, bias float32, flags int)
TEXT ·dw3x3s1AVX512(SB), NOSPLIT, $0-88
	MOVQ         x0+0(FP), X0R
	MOVQ         d1+8(FP), D1
	MOVQ         d2+16(FP), D2
	MOVQ         y+32(FP), YR
	MOVQ         rows+48(FP), ROWS
	MOVQ         nv+56(FP), NN
	MOVQ         w+64(FP), TMP
	W9Z
	VBROADCASTSS bias+72(FP), BIAS
	MOVQ         flags+80(FP), FLAGS
	LEAQ         ·laneMask16(SB), MTAB
	KXNORW       K0, K0, K2 // all 16 lanes (K0 cannot be an FMA's write mask)

z_row:
	MOVQ  X0R, XP
	MOVQ  YR, YP
	TESTQ $2, FLAGS
	JEQ   z_vector
	EDGE_INIT(E, BIASX, z_left_init)
	LEFT_EDGE(E)
	VMOVSS E, (YP)
	ADDQ   $4, YP

z_vector:
	MOVQ NN, CNT

z_loop64:
	CMPQ      CNT, $64
	JLT       z_loop16
	VMOVAPS   BIAS, ACC0
	VMOVAPS   BIAS, ACC1
	VMOVAPS   BIAS, ACC2
	VMOVAPS   BIAS, ACC3
	TESTQ     $1, FLAGS
	JEQ       z_taps64
	VMOVUPS   (YP), ACC0
	VMOVUPS   64(YP), ACC1
	VMOVUPS   128(YP), ACC2
	VMOVUPS   192(YP), ACC3

z_taps64:
	Z_TAPS64_R0(0, Z0)
	Z_TAPS64_R0(4, Z1)
	Z_TAPS64_R0(8, Z2)
	Z_TAPS64_R(0, Z3, D1)
	Z_TAPS64_R(4, Z4, D1)
	Z_TAPS64_R(8, Z5, D1)
	Z_TAPS64_R(0, Z6, D2)
	Z_TAPS64_R(4, Z7, D2)
	Z_TAPS64_R(8, Z8, D2)
	VMOVUPS ACC0, (YP)
	VMOVUPS ACC1, 64(YP)
	VMOVUPS ACC2, 128(YP)
	VMOVUPS ACC3, 192(YP)
	ADDQ    $256, XP
	ADDQ    $256, YP
	SUBQ    $64, CNT
	JMP     z_loop64

z_loop16:
	CMPQ    CNT, $16
	JLT     z_tail
	VMOVAPS BIAS, ACC0
	TESTQ   $1, FLAGS
	JEQ     z_taps16
	VMOVUPS (YP), ACC0

z_taps16:
	Z_TAPS16(K2)
	VMOVUPS ACC0, (YP)
	ADDQ    $64, XP
	ADDQ    $64, YP
	SUBQ    $16, CNT
	JMP     z_loop16

z_tail: // 0 <= CNT < 16
	TESTQ CNT, CNT
	JEQ   z_right
	TESTQ $1, FLAGS
	JNE   z_masked        // accumulating: masked tail
	CMPQ  NN, $16
	JLT   z_masked        // vector part shorter than one vector
	MOVQ  $16, TMP        // overwriting: redo the last 16 outputs of the
	SUBQ  CNT, TMP        // vector part, rewriting 16−CNT of them with the
	SHLQ  $2, TMP         // values they already have
	SUBQ  TMP, XP
	SUBQ  TMP, YP
	MOVQ  $16, CNT
	JMP   z_loop16

z_masked:
	KMOVW   (MTAB)(CNT*2), K1
	VMOVAPS BIAS, ACC0
	TESTQ   $1, FLAGS
	JEQ     z_tail_taps
	VMOVUPS (YP), K1, ACC0

z_tail_taps:
	Z_TAPS16(K1)
	VMOVUPS ACC0, K1, (YP)
	LEAQ    (XP)(CNT*4), XP
	LEAQ    (YP)(CNT*4), YP

z_right:
	TESTQ $4, FLAGS
	JEQ   z_next_row
	EDGE_INIT(E, BIASX, z_right_init)
	RIGHT_EDGE(E)
	VMOVSS E, (YP)

z_next_row:
	ADDQ xstep+24(FP), X0R
	ADDQ ystep+40(FP), YR
	DECQ ROWS
	JNE  z_row
	VZEROUPPER
	RET

// ===========================================================================
// func dw3x3s1SameAVX512(w, x *float32, h, wd int, y *float32, bias float32, acc int)
//
// A whole h×wd plane (wd ≤ 16) of a 3×3 stride-1 convolution with one row
// and column of zero padding on every side, one row of the plane per
// 16-lane vector: the taps' columns j−1, j, j+1 are three K-masked loads
// of the input row (zeroing the lanes that fall on the padding or past
// wd; masked lanes are not read, so the loads at x−1 and past the plane do
// not fault), the rows above the first and below the last a zero vector.
// Each output is bias (or y when acc ≠ 0) plus the nine taps as FMAs in tap
// order, the padding's zeros included, as in the padded flat layout of the
// row kernels — bit-identical to it — but without copying the plane into a
// padded buffer and the outputs out of one.
// ===========================================================================
#define SX    SI  // &x[r][0]
#define SY    DI  // &y[r][0]
#define SROWS CX  // rows left
#define SLD   DX  // wd * 4 (row stride in bytes)
#define SACC  BX  // acc flag
#define SBIAS Z11

#define PTOP  R8  // the input row above the block (a row of zeros above row 0)
#define PBOT  R9  // the input row below the block (zeros below the last row)
#define ZROW  R10 // &zeroRow<>+4: a row of zeros read like an input row
#define SR1   R11 // SX + SLD
#define SR2   R12 // SX + 2·SLD
#define SR3   R13 // SX + 3·SLD
#define QA    Z13 // the accumulators of the block's four output rows
#define QB    Z14
#define QC    Z15
#define QD    Z16
#define VL    Z17 // columns j−1, j, j+1 of the current input row
#define VC    Z18
#define VR    Z19

// SAME_LOAD(P): VL, VC, VR = columns j−1, j, j+1 of the input row at P
// (zero on the padding and past wd; masked lanes are not read).
#define SAME_LOAD(P) \
	VMOVUPS.Z -4(P), K2, VL; \
	VMOVUPS.Z (P), K1, VC;   \
	VMOVUPS.Z 4(P), K3, VR

// SAME_TAPS(Q, WA, WB, WC): Q += the taps b = 0, 1, 2 of the loaded row
// with weights WA, WB, WC, in that order.
#define SAME_TAPS(Q, WA, WB, WC) \
	VFMADD231PS VL, WA, Q; \
	VFMADD231PS VC, WB, Q; \
	VFMADD231PS VR, WC, Q

// zeroRow<>: 24 zero floats, the padding rows above and below the plane
// (read from +4, so that the loads of columns j−1 and j+1 stay inside).
GLOBL zeroRow<>(SB), NOPTR, $96

// The plane runs four output rows per iteration, then one at a time. Each
// output row's nine FMAs form one dependent chain (tap order fixes the
// rounding); one row at a time the core overlapped about two chains, and
// the 4-cycle FMA latency bounded the plane (DW3's 14×14: ~74 ns per
// plane). Four rows interleaved keep four chains in flight, and each
// loaded input row serves the three output rows that read it.
TEXT ·dw3x3s1SameAVX512(SB), NOSPLIT, $0-56
	MOVQ         w+0(FP), TMP
	W9Z
	MOVQ         x+8(FP), SX
	MOVQ         h+16(FP), SROWS
	MOVQ         wd+24(FP), SLD
	MOVQ         y+32(FP), SY
	VBROADCASTSS bias+40(FP), SBIAS
	MOVQ         acc+48(FP), SACC

	// K1: lanes j < wd; K2: 1 ≤ j < wd (column j−1 inside); K3: j < wd−1.
	LEAQ     ·laneMask16(SB), TMP
	KMOVW    (TMP)(SLD*2), K1
	KSHIFTRW $1, K1, K3
	MOVL     $0xfffe, AX
	KMOVW    AX, K5
	KANDW    K5, K1, K2
	SHLQ     $2, SLD

	LEAQ zeroRow<>+4(SB), ZROW
	MOVQ ZROW, PTOP

same_quad: // output rows SX … SX+3·SLD, input rows PTOP, SX … SR3, PBOT
	CMPQ    SROWS, $4
	JLT     same_tail
	LEAQ    (SX)(SLD*1), SR1
	LEAQ    (SX)(SLD*2), SR2
	LEAQ    (SR1)(SLD*2), SR3
	LEAQ    (SR3)(SLD*1), PBOT
	CMOVQEQ ZROW, PBOT     // rows left = 4 (the flags of the CMPQ: LEAQ keeps them)
	TESTQ   SACC, SACC
	JNE     same_quad_acc
	VMOVAPS SBIAS, QA
	VMOVAPS SBIAS, QB
	VMOVAPS SBIAS, QC
	VMOVAPS SBIAS, QD
	JMP     same_quad_taps

same_quad_acc:
	SUBQ      SX, SY // the y rows at the x rows' offsets from SX
	VMOVUPS.Z (SY)(SX*1), K1, QA
	VMOVUPS.Z (SY)(SR1*1), K1, QB
	VMOVUPS.Z (SY)(SR2*1), K1, QC
	VMOVUPS.Z (SY)(SR3*1), K1, QD
	ADDQ      SX, SY

same_quad_taps:
	SAME_LOAD(PTOP)
	SAME_TAPS(QA, Z0, Z1, Z2)
	SAME_LOAD(SX)
	SAME_TAPS(QA, Z3, Z4, Z5)
	SAME_TAPS(QB, Z0, Z1, Z2)
	SAME_LOAD(SR1)
	SAME_TAPS(QA, Z6, Z7, Z8)
	SAME_TAPS(QB, Z3, Z4, Z5)
	SAME_TAPS(QC, Z0, Z1, Z2)
	SAME_LOAD(SR2)
	SAME_TAPS(QB, Z6, Z7, Z8)
	SAME_TAPS(QC, Z3, Z4, Z5)
	SAME_TAPS(QD, Z0, Z1, Z2)
	SAME_LOAD(SR3)
	SAME_TAPS(QC, Z6, Z7, Z8)
	SAME_TAPS(QD, Z3, Z4, Z5)
	SAME_LOAD(PBOT)
	SAME_TAPS(QD, Z6, Z7, Z8)
	SUBQ    SX, SY
	VMOVUPS QA, K1, (SY)(SX*1)
	VMOVUPS QB, K1, (SY)(SR1*1)
	VMOVUPS QC, K1, (SY)(SR2*1)
	VMOVUPS QD, K1, (SY)(SR3*1)
	ADDQ    SX, SY
	MOVQ    SR3, PTOP
	LEAQ    (SX)(SLD*4), SX
	LEAQ    (SY)(SLD*4), SY
	SUBQ    $4, SROWS
	JMP     same_quad

same_tail: // the last 0–3 rows, one at a time
	TESTQ     SROWS, SROWS
	JEQ       same_done
	LEAQ      (SX)(SLD*1), PBOT
	CMPQ      SROWS, $1
	CMOVQEQ   ZROW, PBOT
	VMOVAPS   SBIAS, QA
	TESTQ     SACC, SACC
	JEQ       same_tail_taps
	VMOVUPS.Z (SY), K1, QA

same_tail_taps:
	SAME_LOAD(PTOP)
	SAME_TAPS(QA, Z0, Z1, Z2)
	SAME_LOAD(SX)
	SAME_TAPS(QA, Z3, Z4, Z5)
	SAME_LOAD(PBOT)
	SAME_TAPS(QA, Z6, Z7, Z8)
	VMOVUPS QA, K1, (SY)
	MOVQ    SX, PTOP
	ADDQ    SLD, SX
	ADDQ    SLD, SY
	DECQ    SROWS
	JMP     same_tail

same_done:
	VZEROUPPER
	RET
