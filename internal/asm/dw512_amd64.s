//go:build amd64 && !purego

#include "textflag.h"

// The 3×3 stride-1 depthwise row kernel with ZMM registers (AVX-512F):
// dw3x3s1AVX2 with 64 outputs per iteration, then 16, and a tail of 1..15
// under a K mask. Every output is formed as in dw3x3s1AVX2 — the bias (or
// y) plus the nine taps as fused multiply-adds in tap order — so the
// results are bit-identical; only the number of outputs per instruction
// changes (DW3's 14×14 planes: one 16-lane vector per row of the flat
// layout instead of two 8-lane ones).

// dwMask16<>: the 16-bit lane masks (1 << c) − 1 for c = 0 … 16.
DATA dwMask16<>+0(SB)/2, $0x0000
DATA dwMask16<>+2(SB)/2, $0x0001
DATA dwMask16<>+4(SB)/2, $0x0003
DATA dwMask16<>+6(SB)/2, $0x0007
DATA dwMask16<>+8(SB)/2, $0x000f
DATA dwMask16<>+10(SB)/2, $0x001f
DATA dwMask16<>+12(SB)/2, $0x003f
DATA dwMask16<>+14(SB)/2, $0x007f
DATA dwMask16<>+16(SB)/2, $0x00ff
DATA dwMask16<>+18(SB)/2, $0x01ff
DATA dwMask16<>+20(SB)/2, $0x03ff
DATA dwMask16<>+22(SB)/2, $0x07ff
DATA dwMask16<>+24(SB)/2, $0x0fff
DATA dwMask16<>+26(SB)/2, $0x1fff
DATA dwMask16<>+28(SB)/2, $0x3fff
DATA dwMask16<>+30(SB)/2, $0x7fff
DATA dwMask16<>+32(SB)/2, $0xffff
GLOBL dwMask16<>(SB), RODATA|NOPTR, $34

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
#define MTAB  AX  // &dwMask16<>
#define FLAGS CX  // bit 0 acc, bit 1 left pad, bit 2 right pad

// Z0–Z8: broadcast w[0..8] (X0–X8 their low lanes for the scalar edges).
#define ACC0  Z9
#define ACC1  Z10
#define ACC2  Z11
#define ACC3  Z12
#define BIAS  Z13
#define BIASX X13
#define E     X9 // scalar edge accumulator

// Z_EDGE_INIT, Z_LEFT_EDGE, Z_RIGHT_EDGE: the scalar edges of dw3x3s1AVX2.
#define Z_EDGE_INIT(LABEL) \
	VMOVAPS BIASX, E;  \
	TESTQ   $1, FLAGS; \
	JEQ     LABEL;     \
	VMOVSS  (YP), E;   \
LABEL:

#define Z_LEFT_EDGE \
	VFMADD231SS (XP), X1, E;        \
	VFMADD231SS 4(XP), X2, E;       \
	VFMADD231SS (XP)(D1*1), X4, E;  \
	VFMADD231SS 4(XP)(D1*1), X5, E; \
	VFMADD231SS (XP)(D2*1), X7, E;  \
	VFMADD231SS 4(XP)(D2*1), X8, E

#define Z_RIGHT_EDGE \
	VFMADD231SS (XP), X0, E;        \
	VFMADD231SS 4(XP), X1, E;       \
	VFMADD231SS (XP)(D1*1), X3, E;  \
	VFMADD231SS 4(XP)(D1*1), X4, E; \
	VFMADD231SS (XP)(D2*1), X6, E;  \
	VFMADD231SS 4(XP)(D2*1), X7, E

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
	VBROADCASTSS (TMP), Z0
	VBROADCASTSS 4(TMP), Z1
	VBROADCASTSS 8(TMP), Z2
	VBROADCASTSS 12(TMP), Z3
	VBROADCASTSS 16(TMP), Z4
	VBROADCASTSS 20(TMP), Z5
	VBROADCASTSS 24(TMP), Z6
	VBROADCASTSS 28(TMP), Z7
	VBROADCASTSS 32(TMP), Z8
	VBROADCASTSS bias+72(FP), BIAS
	MOVQ         flags+80(FP), FLAGS
	LEAQ         dwMask16<>(SB), MTAB
	KXNORW       K0, K0, K2 // all 16 lanes (K0 cannot be an FMA's write mask)

z_row:
	MOVQ  X0R, XP
	MOVQ  YR, YP
	TESTQ $2, FLAGS
	JEQ   z_vector
	Z_EDGE_INIT(z_left_init)
	Z_LEFT_EDGE
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
	Z_EDGE_INIT(z_right_init)
	Z_RIGHT_EDGE
	VMOVSS E, (YP)

z_next_row:
	ADDQ xstep+24(FP), X0R
	ADDQ ystep+40(FP), YR
	DECQ ROWS
	JNE  z_row
	VZEROUPPER
	RET
