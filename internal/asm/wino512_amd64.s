//go:build amd64 && !purego

#include "textflag.h"

// Winograd F(2×2, 3×3) transforms (wino_api.go has the formulas). Both
// kernels put one tile per ZMM lane, 16 tiles of a tile row per step, and
// perform exactly the additions of the Go twins in the same order, so the
// results are bit-identical. Partial last groups use K masks (lanes beyond
// the row are computed from whatever the row holds there and not stored).

// K masks for k lanes come from ·laneMask16 (dw512_amd64.s).

// winoEven<> and winoOdd<> pick the even and odd lanes of a 32-lane pair
// (VPERMI2PS indices): the columns 2t and 2t+1 of 16 tiles.
DATA winoEven<>+0(SB)/4, $0
DATA winoEven<>+4(SB)/4, $2
DATA winoEven<>+8(SB)/4, $4
DATA winoEven<>+12(SB)/4, $6
DATA winoEven<>+16(SB)/4, $8
DATA winoEven<>+20(SB)/4, $10
DATA winoEven<>+24(SB)/4, $12
DATA winoEven<>+28(SB)/4, $14
DATA winoEven<>+32(SB)/4, $16
DATA winoEven<>+36(SB)/4, $18
DATA winoEven<>+40(SB)/4, $20
DATA winoEven<>+44(SB)/4, $22
DATA winoEven<>+48(SB)/4, $24
DATA winoEven<>+52(SB)/4, $26
DATA winoEven<>+56(SB)/4, $28
DATA winoEven<>+60(SB)/4, $30
GLOBL winoEven<>(SB), RODATA|NOPTR, $64

DATA winoOdd<>+0(SB)/4, $1
DATA winoOdd<>+4(SB)/4, $3
DATA winoOdd<>+8(SB)/4, $5
DATA winoOdd<>+12(SB)/4, $7
DATA winoOdd<>+16(SB)/4, $9
DATA winoOdd<>+20(SB)/4, $11
DATA winoOdd<>+24(SB)/4, $13
DATA winoOdd<>+28(SB)/4, $15
DATA winoOdd<>+32(SB)/4, $17
DATA winoOdd<>+36(SB)/4, $19
DATA winoOdd<>+40(SB)/4, $21
DATA winoOdd<>+44(SB)/4, $23
DATA winoOdd<>+48(SB)/4, $25
DATA winoOdd<>+52(SB)/4, $27
DATA winoOdd<>+56(SB)/4, $29
DATA winoOdd<>+60(SB)/4, $31
GLOBL winoOdd<>(SB), RODATA|NOPTR, $64

// winoLo<> and winoHi<> interleave two 16-lane vectors a, b into
// a0 b0 a1 b1 … (the low 8 pairs, then the high 8).
DATA winoLo<>+0(SB)/4, $0
DATA winoLo<>+4(SB)/4, $16
DATA winoLo<>+8(SB)/4, $1
DATA winoLo<>+12(SB)/4, $17
DATA winoLo<>+16(SB)/4, $2
DATA winoLo<>+20(SB)/4, $18
DATA winoLo<>+24(SB)/4, $3
DATA winoLo<>+28(SB)/4, $19
DATA winoLo<>+32(SB)/4, $4
DATA winoLo<>+36(SB)/4, $20
DATA winoLo<>+40(SB)/4, $5
DATA winoLo<>+44(SB)/4, $21
DATA winoLo<>+48(SB)/4, $6
DATA winoLo<>+52(SB)/4, $22
DATA winoLo<>+56(SB)/4, $7
DATA winoLo<>+60(SB)/4, $23
GLOBL winoLo<>(SB), RODATA|NOPTR, $64

DATA winoHi<>+0(SB)/4, $8
DATA winoHi<>+4(SB)/4, $24
DATA winoHi<>+8(SB)/4, $9
DATA winoHi<>+12(SB)/4, $25
DATA winoHi<>+16(SB)/4, $10
DATA winoHi<>+20(SB)/4, $26
DATA winoHi<>+24(SB)/4, $11
DATA winoHi<>+28(SB)/4, $27
DATA winoHi<>+32(SB)/4, $12
DATA winoHi<>+36(SB)/4, $28
DATA winoHi<>+40(SB)/4, $13
DATA winoHi<>+44(SB)/4, $29
DATA winoHi<>+48(SB)/4, $14
DATA winoHi<>+52(SB)/4, $30
DATA winoHi<>+56(SB)/4, $15
DATA winoHi<>+60(SB)/4, $31
GLOBL winoHi<>(SB), RODATA|NOPTR, $64

// ===========================================================================
// func winoInAVX512(p *float32, ldp, rows, n int, v *float32, vs int)
//
// Per tile row and group of 16 tiles: load the 4 window rows at columns
// [32g, 32g+32) (lo, hi) and [32g+2, 32g+34) (lo2, hi2), apply Bᵀ down
// the columns (VERT), then split each u row into the tiles' columns 0..3
// (even/odd lanes of lo:hi and lo2:hi2) and apply B across (HORIZ).
// ===========================================================================

#define PP   SI  // window rows of the current tile row
#define LD   R8  // ldp (bytes)
#define LD3  R12 // 3·ldp
#define ROWS CX
#define NT   DX  // tiles per row
#define VP   DI  // v of the current tile row (ξ = 0)
#define VS   R9  // ξ stride (bytes)
#define VS3  R10
#define RT   R11 // tiles left in the row
#define A0   AX  // window of the current group
#define V0   R13 // v of the current group
#define T1   BX
#define T2   R14

// VERT(d0, d1, d2, d3, t): u0 = d0 − d2, u1 = d1 + d2, u2 = d2 − d1,
// u3 = d1 − d3, in place (t is a scratch register).
#define VERT(d0, d1, d2, d3, t) \
	VSUBPS d2, d0, d0 \
	VSUBPS d3, d1, d3 \
	VSUBPS d1, d2, t  \
	VADDPS d2, d1, d1 \
	VMOVAPS t, d2

// HORIZ(lo, hi, lo2, hi2, base): columns c0..c3 of the 16 tiles from the
// row's vectors, then v0 = c0 − c2, v1 = c1 + c2, v2 = c2 − c1,
// v3 = c1 − c3 stored under K1 at base, base+VS, base+2VS, base+3VS.
#define HORIZ(lo, hi, lo2, hi2, base) \
	VMOVAPS Z30, Z16 \
	VPERMI2PS hi, lo, Z16 \
	VMOVAPS Z31, Z17 \
	VPERMI2PS hi, lo, Z17 \
	VMOVAPS Z30, Z18 \
	VPERMI2PS hi2, lo2, Z18 \
	VMOVAPS Z31, Z19 \
	VPERMI2PS hi2, lo2, Z19 \
	VSUBPS Z18, Z16, Z20 \
	VADDPS Z18, Z17, Z21 \
	VSUBPS Z17, Z18, Z22 \
	VSUBPS Z19, Z17, Z23 \
	VMOVUPS Z20, K1, (base) \
	VMOVUPS Z21, K1, (base)(VS*1) \
	VMOVUPS Z22, K1, (base)(VS*2) \
	VMOVUPS Z23, K1, (base)(VS3*1)

TEXT ·winoInAVX512(SB), NOSPLIT, $0-48
	MOVQ p+0(FP), PP
	MOVQ ldp+8(FP), LD
	MOVQ rows+16(FP), ROWS
	MOVQ n+24(FP), NT
	MOVQ v+32(FP), VP
	MOVQ vs+40(FP), VS
	LEAQ (LD)(LD*2), LD3
	LEAQ (VS)(VS*2), VS3
	VMOVUPS winoEven<>(SB), Z30
	VMOVUPS winoOdd<>(SB), Z31

inRow:
	MOVQ PP, A0
	MOVQ VP, V0
	MOVQ NT, RT

inGroup:
	MOVQ RT, T1
	CMPQ T1, $16
	JLE  inMask
	MOVQ $16, T1

inMask:
	LEAQ ·laneMask16(SB), T2
	KMOVW (T2)(T1*2), K1

	// Z(4q+a) = window row a at vector position q (lo, hi, lo2, hi2).
	VMOVUPS (A0), Z0
	VMOVUPS (A0)(LD*1), Z1
	VMOVUPS (A0)(LD*2), Z2
	VMOVUPS (A0)(LD3*1), Z3
	VMOVUPS 64(A0), Z4
	VMOVUPS 64(A0)(LD*1), Z5
	VMOVUPS 64(A0)(LD*2), Z6
	VMOVUPS 64(A0)(LD3*1), Z7
	VMOVUPS 8(A0), Z8
	VMOVUPS 8(A0)(LD*1), Z9
	VMOVUPS 8(A0)(LD*2), Z10
	VMOVUPS 8(A0)(LD3*1), Z11
	VMOVUPS 72(A0), Z12
	VMOVUPS 72(A0)(LD*1), Z13
	VMOVUPS 72(A0)(LD*2), Z14
	VMOVUPS 72(A0)(LD3*1), Z15

	VERT(Z0, Z1, Z2, Z3, Z16)
	VERT(Z4, Z5, Z6, Z7, Z17)
	VERT(Z8, Z9, Z10, Z11, Z18)
	VERT(Z12, Z13, Z14, Z15, Z19)

	// Now Z(4q+i) = u_i at position q; ξ = 4i+j.
	HORIZ(Z0, Z4, Z8, Z12, V0)
	LEAQ (V0)(VS*4), T2
	HORIZ(Z1, Z5, Z9, Z13, T2)
	LEAQ (T2)(VS*4), T2
	HORIZ(Z2, Z6, Z10, Z14, T2)
	LEAQ (T2)(VS*4), T2
	HORIZ(Z3, Z7, Z11, Z15, T2)

	ADDQ $128, A0
	ADDQ $64, V0
	SUBQ $16, RT
	JGT  inGroup

	LEAQ (PP)(LD*2), PP
	LEAQ (VP)(NT*4), VP
	DECQ ROWS
	JNZ  inRow
	VZEROUPPER
	RET

#undef PP
#undef LD
#undef LD3
#undef ROWS
#undef NT
#undef VP
#undef VS
#undef VS3
#undef RT
#undef A0
#undef V0
#undef T1
#undef T2

// ===========================================================================
// func winoOutAVX512(m *float32, ms, rows, n int, y *float32, ldy, ow int, bias float32)
//
// Per tile row and group of 16 tiles: load m_ξ (ξ = 0..15), apply Aᵀ down
// the columns (s0 = (m0 + m1) + m2, s1 = (m1 − m2) − m3 for j = 0..3),
// across (ya0 = ((sa0 + sa1) + sa2) + bias, ya1 = ((sa1 − sa2) − sa3) + bias),
// interleave ya0 and ya1 into the 32 columns of output row a and store
// them under K1 (columns 0..15 of the group) and K2 (16..31).
// ===========================================================================

#define MP   SI  // m of the current tile row
#define MS   R8  // ξ stride (bytes)
#define MS3  R12
#define ROWS CX
#define NT   DX
#define YP   DI  // first output row of the current tile row
#define LDY  R9  // output row stride (bytes)
#define OW   R10
#define RC   R11 // output columns left in the row
#define M0   AX
#define Y0   R13
#define T1   BX
#define T2   R14

// SCOL(j): s0j → Z(16+j), s1j → Z(20+j) from m_ij in Z(4i+j).
#define SCOL(m0, m1, m2, m3, s0, s1) \
	VADDPS m1, m0, s0 \
	VADDPS m2, s0, s0 \
	VSUBPS m2, m1, s1 \
	VSUBPS m3, s1, s1

// YROW(s0, s1, s2, s3, y0, y1): y0 = ((s0 + s1) + s2) + bias,
// y1 = ((s1 − s2) − s3) + bias (bias in Z29).
#define YROW(s0, s1, s2, s3, y0, y1) \
	VADDPS s1, s0, y0 \
	VADDPS s2, y0, y0 \
	VADDPS Z29, y0, y0 \
	VSUBPS s2, s1, y1 \
	VSUBPS s3, y1, y1 \
	VADDPS Z29, y1, y1

// STROW(y0, y1, dst): interleave and store 32 columns at dst under K1, K2.
#define STROW(y0, y1, dst) \
	VMOVAPS Z30, Z0 \
	VPERMI2PS y1, y0, Z0 \
	VMOVAPS Z31, Z1 \
	VPERMI2PS y1, y0, Z1 \
	VMOVUPS Z0, K1, (dst) \
	VMOVUPS Z1, K2, 64(dst)

TEXT ·winoOutAVX512(SB), NOSPLIT, $0-60
	MOVQ m+0(FP), MP
	MOVQ ms+8(FP), MS
	MOVQ rows+16(FP), ROWS
	MOVQ n+24(FP), NT
	MOVQ y+32(FP), YP
	MOVQ ldy+40(FP), LDY
	MOVQ ow+48(FP), OW
	VBROADCASTSS bias+56(FP), Z29
	LEAQ (MS)(MS*2), MS3
	VMOVUPS winoLo<>(SB), Z30
	VMOVUPS winoHi<>(SB), Z31

outRow:
	MOVQ MP, M0
	MOVQ YP, Y0
	MOVQ OW, RC

outGroup:
	// K1: min(RC, 16) lanes; K2: min(max(RC − 16, 0), 16) lanes.
	LEAQ ·laneMask16(SB), T2
	MOVQ RC, T1
	CMPQ T1, $16
	JLE  outLo
	MOVQ $16, T1

outLo:
	KMOVW (T2)(T1*2), K1
	MOVQ  RC, T1
	SUBQ  $16, T1
	JGE   outHi
	XORQ  T1, T1

outHi:
	CMPQ  T1, $16
	JLE   outMask
	MOVQ  $16, T1

outMask:
	KMOVW (T2)(T1*2), K2

	VMOVUPS (M0), Z0
	VMOVUPS (M0)(MS*1), Z1
	VMOVUPS (M0)(MS*2), Z2
	VMOVUPS (M0)(MS3*1), Z3
	LEAQ    (M0)(MS*4), T1
	VMOVUPS (T1), Z4
	VMOVUPS (T1)(MS*1), Z5
	VMOVUPS (T1)(MS*2), Z6
	VMOVUPS (T1)(MS3*1), Z7
	LEAQ    (T1)(MS*4), T1
	VMOVUPS (T1), Z8
	VMOVUPS (T1)(MS*1), Z9
	VMOVUPS (T1)(MS*2), Z10
	VMOVUPS (T1)(MS3*1), Z11
	LEAQ    (T1)(MS*4), T1
	VMOVUPS (T1), Z12
	VMOVUPS (T1)(MS*1), Z13
	VMOVUPS (T1)(MS*2), Z14
	VMOVUPS (T1)(MS3*1), Z15

	SCOL(Z0, Z4, Z8, Z12, Z16, Z20)
	SCOL(Z1, Z5, Z9, Z13, Z17, Z21)
	SCOL(Z2, Z6, Z10, Z14, Z18, Z22)
	SCOL(Z3, Z7, Z11, Z15, Z19, Z23)

	YROW(Z16, Z17, Z18, Z19, Z24, Z25)
	YROW(Z20, Z21, Z22, Z23, Z26, Z27)

	STROW(Z24, Z25, Y0)
	LEAQ (Y0)(LDY*1), T1
	STROW(Z26, Z27, T1)

	ADDQ $64, M0
	ADDQ $128, Y0
	SUBQ $32, RC
	JGT  outGroup

	LEAQ (MP)(NT*4), MP
	LEAQ (YP)(LDY*2), YP
	DECQ ROWS
	JNZ  outRow
	VZEROUPPER
	RET
