//go:build amd64 && !purego

#include "textflag.h"
#include "dw_amd64.h"

// Depthwise 3×3 row kernels. Strides arrive in elements and are turned into
// bytes; row a of the 3×3 window is addressed as base + a·(row stride), so
// that one pointer walks along the row for all three input rows.

// Registers shared by the kernels.
#define XP   SI  // &x0[r][i]: current column of the window's first row
#define X0R  R12 // &x0[r][0]: start of the window's first row
#define D1   BX  // &x1 − &x0 (bytes): the second window row is D1(XP)
#define D2   DX  // &x2 − &x0 (bytes): the third window row is D2(XP)
#define XS   BX  // input row stride in bytes (gradient kernel)
#define XR   R12 // gradient kernel: start of the current window row
#define YS   R8  // gradient kernel: dy row stride in bytes
#define YP   DI  // &y[r·ys + i]
#define YR   R13 // start of the current output row
#define ROWS R9  // output rows left
#define NN   R10 // outputs per row (vector part of the padded kernels)
#define CNT  R11 // outputs left in the current row
#define TMP  R14
#define MTAB AX  // &·laneMask8
#define FLAGS CX // bit 0 acc, bit 1 left pad, bit 2 right pad

#define W0 Y0 // broadcast w[0] … w[8]
#define W1 Y1
#define W2 Y2
#define W3 Y3
#define W4 Y4
#define W5 Y5
#define W6 Y6
#define W7 Y7
#define W8 Y8

// LOADW(WPTR): W0..W8 = broadcast(w[0..8]).
#define LOADW(WPTR) \
	VBROADCASTSS (WPTR), W0;   \
	VBROADCASTSS 4(WPTR), W1;  \
	VBROADCASTSS 8(WPTR), W2;  \
	VBROADCASTSS 12(WPTR), W3; \
	VBROADCASTSS 16(WPTR), W4; \
	VBROADCASTSS 20(WPTR), W5; \
	VBROADCASTSS 24(WPTR), W6; \
	VBROADCASTSS 28(WPTR), W7; \
	VBROADCASTSS 32(WPTR), W8

// LOADMASK: MASK = first CNT lanes enabled (0 < CNT < 8).
#define LOADMASK(MASK) \
	MOVQ    $8, TMP;             \
	SUBQ    CNT, TMP;            \
	VMOVDQU (MTAB)(TMP*4), MASK

// ===========================================================================
// func dw3x3s1AVX2(x0 *float32, d1, d2, xstep int, y *float32, ystep, rows, nv int, w *float32, bias float32, flags int)
//
// Rows of a 3×3 stride-1 convolution whose window rows are x0, x1 = x0+d1,
// x2 = x0+d2 (bytes; all three advance by xstep per output row) and whose
// rows may have one zero column of padding on each side (flags bit 1: left,
// bit 2: right). With pl = bit 1, pr = bit 2, each output row has
// n = pl + nv + pr outputs:
//
//	y[j] = (acc ? y[j] : bias) + Σ_{a,b<3} w[3a+b]·X_a[j − pl + b]
//
// where X_a[c] is x_a[c] for the nv + 2 valid columns 0 ≤ c < nv + 2 and
// 0 at c = −1 (the left pad) and c = nv + 2 (the right pad).
// The edge outputs are scalar with their valid taps only; the nv others:
// 32 per iteration in ACC0..ACC3 (each tap a memory-operand FMA), then 8 at
// a time. The last 1..7 of them: when overwriting (acc false) and nv ≥ 8,
// the last 8 computed again as one vector (rewriting some with the values
// they already have); otherwise masked loads and a masked store (masked
// lanes are neither read nor written).
// ===========================================================================

#define ACC0 Y9
#define ACC1 Y10
#define ACC2 Y11
#define ACC3 Y12
#define BIAS Y13
#define BIASX X13
#define MASK Y14
#define T    Y15
#define E    X9  // scalar edge accumulator

// S1_32_R(ROWREG...) variants: ACCq += W * row[i + OFF/4 + 8q], q < 4.
#define S1_32_R0(OFF, W) \
	VFMADD231PS (OFF)(XP), W, ACC0;    \
	VFMADD231PS (OFF+32)(XP), W, ACC1; \
	VFMADD231PS (OFF+64)(XP), W, ACC2; \
	VFMADD231PS (OFF+96)(XP), W, ACC3

#define S1_32_R1(OFF, W) \
	VFMADD231PS (OFF)(XP)(D1*1), W, ACC0;    \
	VFMADD231PS (OFF+32)(XP)(D1*1), W, ACC1; \
	VFMADD231PS (OFF+64)(XP)(D1*1), W, ACC2; \
	VFMADD231PS (OFF+96)(XP)(D1*1), W, ACC3

#define S1_32_R2(OFF, W) \
	VFMADD231PS (OFF)(XP)(D2*1), W, ACC0;    \
	VFMADD231PS (OFF+32)(XP)(D2*1), W, ACC1; \
	VFMADD231PS (OFF+64)(XP)(D2*1), W, ACC2; \
	VFMADD231PS (OFF+96)(XP)(D2*1), W, ACC3

// S1_M(ADDR, W): ACC0 += W * masked load(ADDR).
#define S1_M(ADDR, W) \
	VMASKMOVPS  ADDR, MASK, T; \
	VFMADD231PS T, W, ACC0

TEXT ·dw3x3s1AVX2(SB), NOSPLIT, $0-88
	MOVQ         x0+0(FP), X0R
	MOVQ         d1+8(FP), D1
	MOVQ         d2+16(FP), D2
	MOVQ         y+32(FP), YR
	MOVQ         rows+48(FP), ROWS
	MOVQ         nv+56(FP), NN
	MOVQ         w+64(FP), TMP
	LOADW(TMP)
	VBROADCASTSS bias+72(FP), BIAS
	MOVQ         flags+80(FP), FLAGS
	LEAQ         ·laneMask8(SB), MTAB

s1_row:
	MOVQ  X0R, XP // XP = start of the window's first row
	MOVQ  YR, YP  // YP = start of the output row
	TESTQ $2, FLAGS
	JEQ   s1_vector
	EDGE_INIT(E, BIASX, s1_left_init)
	LEFT_EDGE(E)
	VMOVSS E, (YP)
	ADDQ   $4, YP // the vector part starts at output 1, column 0

s1_vector:
	MOVQ NN, CNT

s1_loop32:
	CMPQ    CNT, $32
	JLT     s1_loop8
	VMOVAPS BIAS, ACC0 // start from bias …
	VMOVAPS BIAS, ACC1
	VMOVAPS BIAS, ACC2
	VMOVAPS BIAS, ACC3
	TESTQ   $1, FLAGS
	JEQ     s1_taps32
	VMOVUPS (YP), ACC0 // … or from y
	VMOVUPS 32(YP), ACC1
	VMOVUPS 64(YP), ACC2
	VMOVUPS 96(YP), ACC3

s1_taps32:
	S1_32_R0(0, W0)
	S1_32_R0(4, W1)
	S1_32_R0(8, W2)
	S1_32_R1(0, W3)
	S1_32_R1(4, W4)
	S1_32_R1(8, W5)
	S1_32_R2(0, W6)
	S1_32_R2(4, W7)
	S1_32_R2(8, W8)
	VMOVUPS ACC0, (YP)
	VMOVUPS ACC1, 32(YP)
	VMOVUPS ACC2, 64(YP)
	VMOVUPS ACC3, 96(YP)
	ADDQ    $128, XP
	ADDQ    $128, YP
	SUBQ    $32, CNT
	JMP     s1_loop32

s1_loop8:
	CMPQ    CNT, $8
	JLT     s1_tail
	VMOVAPS BIAS, ACC0
	TESTQ   $1, FLAGS
	JEQ     s1_taps8
	VMOVUPS (YP), ACC0

s1_taps8:
	VFMADD231PS (XP), W0, ACC0
	VFMADD231PS 4(XP), W1, ACC0
	VFMADD231PS 8(XP), W2, ACC0
	VFMADD231PS (XP)(D1*1), W3, ACC0
	VFMADD231PS 4(XP)(D1*1), W4, ACC0
	VFMADD231PS 8(XP)(D1*1), W5, ACC0
	VFMADD231PS (XP)(D2*1), W6, ACC0
	VFMADD231PS 4(XP)(D2*1), W7, ACC0
	VFMADD231PS 8(XP)(D2*1), W8, ACC0
	VMOVUPS     ACC0, (YP)
	ADDQ        $32, XP
	ADDQ        $32, YP
	SUBQ        $8, CNT
	JMP         s1_loop8

s1_tail: // 0 <= CNT < 8
	TESTQ CNT, CNT
	JEQ   s1_right
	TESTQ $1, FLAGS
	JNE   s1_masked       // accumulating: masked tail
	CMPQ  NN, $8
	JLT   s1_masked       // vector part shorter than one vector
	MOVQ  $8, TMP         // overwriting: redo the last 8 outputs of the
	SUBQ  CNT, TMP        // vector part, which rewrites 8−CNT of them with
	SHLQ  $2, TMP         // the values they already have
	SUBQ  TMP, XP
	SUBQ  TMP, YP
	MOVQ  $8, CNT
	JMP   s1_loop8

s1_masked:
	LOADMASK(MASK)
	VMOVAPS BIAS, ACC0
	TESTQ   $1, FLAGS
	JEQ     s1_tail_taps
	VMASKMOVPS (YP), MASK, ACC0

s1_tail_taps:
	S1_M((XP), W0)
	S1_M(4(XP), W1)
	S1_M(8(XP), W2)
	S1_M((XP)(D1*1), W3)
	S1_M(4(XP)(D1*1), W4)
	S1_M(8(XP)(D1*1), W5)
	S1_M((XP)(D2*1), W6)
	S1_M(4(XP)(D2*1), W7)
	S1_M(8(XP)(D2*1), W8)
	VMASKMOVPS ACC0, MASK, (YP)
	LEAQ       (XP)(CNT*4), XP // past the tail
	LEAQ       (YP)(CNT*4), YP

s1_right:
	TESTQ $4, FLAGS
	JEQ   s1_next_row
	EDGE_INIT(E, BIASX, s1_right_init)
	RIGHT_EDGE(E)
	VMOVSS E, (YP)

s1_next_row:
	ADDQ xstep+24(FP), X0R // next window (all three rows move together)
	ADDQ ystep+40(FP), YR  // next output row
	DECQ ROWS
	JNE  s1_row
	VZEROUPPER
	RET

#undef ACC0
#undef ACC1
#undef ACC2
#undef ACC3
#undef BIAS
#undef BIASX
#undef MASK
#undef T
#undef E

// ===========================================================================
// func dw3x3s2AVX2(x0 *float32, d1, d2, xstep int, y *float32, ystep, rows, nv int, w *float32, bias float32, flags int)
//
// The stride-2 version: output j of a row reads columns 2j − pl + b. The
// left edge output (pl) reads columns 0 and 1; the vector part starts at
// column pl; the right edge output (pr) reads the two columns after it.
// 8 outputs per iteration: for each window row the 16 values x[2i:2i+16]
// are split into evens and odds with VSHUFPS (within 128-bit lanes, so the
// lanes come out in the order 0 1 4 5 2 3 6 7), and x[2i+2:2i+18] gives the
// shifted evens. All three vectors share that lane order, so the sums are
// formed permuted and put back in order with one VPERMPD per 8 outputs.
// Reads x[2i+17], one past the last value the block uses. The last 1..7
// outputs of the vector part: when overwriting and nv ≥ 8, the last 8
// computed again as one vector, otherwise scalar.
// ===========================================================================

#define ACC  Y9  // even-tap partial sums (permuted lane order)
#define ACCO Y15 // odd-tap partial sums (permuted lane order)
#define A    Y10
#define B    Y11
#define EV   Y12
#define O    Y13
#define BIAS Y14
#define BIASX X14
#define ACCX X9  // scalar accumulator

// S2_ROW(M0, M32, M8, M40, WE0, WO, WE1): one window row whose values
// x[2i:2i+8], x[2i+8:2i+16], x[2i+2:2i+10], x[2i+10:2i+18] are at M0, M32,
// M8, M40:
//
//	EV = evens(x[2i:2i+16]);   ACC  += WE0*EV   (tap b = 0)
//	O  = odds(x[2i:2i+16]);    ACCO += WO*O     (tap b = 1)
//	EV = evens(x[2i+2:2i+18]); ACC  += WE1*EV   (tap b = 2)
#define S2_ROW(M0, M32, M8, M40, WE0, WO, WE1) \
	VMOVUPS     M0, A;           \
	VMOVUPS     M32, B;          \
	VSHUFPS     $0x88, B, A, EV; \
	VSHUFPS     $0xDD, B, A, O;  \
	VFMADD231PS EV, WE0, ACC;    \
	VFMADD231PS O, WO, ACCO;     \
	VMOVUPS     M8, A;           \
	VMOVUPS     M40, B;          \
	VSHUFPS     $0x88, B, A, EV; \
	VFMADD231PS EV, WE1, ACC

TEXT ·dw3x3s2AVX2(SB), NOSPLIT, $0-88
	MOVQ         x0+0(FP), X0R
	MOVQ         d1+8(FP), D1
	MOVQ         d2+16(FP), D2
	MOVQ         y+32(FP), YR
	MOVQ         rows+48(FP), ROWS
	MOVQ         nv+56(FP), NN
	MOVQ         w+64(FP), TMP
	LOADW(TMP)
	VBROADCASTSS bias+72(FP), BIAS
	MOVQ         flags+80(FP), FLAGS

s2_row:
	MOVQ  X0R, XP
	MOVQ  YR, YP
	TESTQ $2, FLAGS
	JEQ   s2_vector
	EDGE_INIT(ACCX, BIASX, s2_left_init)
	LEFT_EDGE(ACCX)
	VMOVSS ACCX, (YP)
	ADDQ   $4, YP // the vector part starts at output 1 …
	ADDQ   $4, XP // … and column 1

s2_vector:
	MOVQ NN, CNT

s2_loop8:
	CMPQ   CNT, $8
	JLT    s2_tail
	VXORPS ACC, ACC, ACC
	VXORPS ACCO, ACCO, ACCO
	S2_ROW((XP), 32(XP), 8(XP), 40(XP), W0, W1, W2)
	S2_ROW((XP)(D1*1), 32(XP)(D1*1), 8(XP)(D1*1), 40(XP)(D1*1), W3, W4, W5)
	S2_ROW((XP)(D2*1), 32(XP)(D2*1), 8(XP)(D2*1), 40(XP)(D2*1), W6, W7, W8)
	VADDPS  ACCO, ACC, ACC
	VPERMPD $0xD8, ACC, ACC // lanes back in order 0..7
	TESTQ   $1, FLAGS
	JEQ     s2_add_bias
	VADDPS  (YP), ACC, ACC  // acc: y += sum
	JMP     s2_store8

s2_add_bias:
	VADDPS BIAS, ACC, ACC // y = bias + sum

s2_store8:
	VMOVUPS ACC, (YP)
	ADDQ    $64, XP       // 16 inputs
	ADDQ    $32, YP       // 8 outputs
	SUBQ    $8, CNT
	JMP     s2_loop8

s2_tail: // 0 <= CNT < 8
	TESTQ CNT, CNT
	JEQ   s2_right
	TESTQ $1, FLAGS
	JNE   s2_loop1        // accumulating: scalar tail
	CMPQ  NN, $8
	JLT   s2_loop1        // vector part shorter than one vector
	MOVQ  $8, TMP         // overwriting: redo the last 8 outputs
	SUBQ  CNT, TMP
	SHLQ  $2, TMP
	SUBQ  TMP, YP         // 4 bytes per output
	SHLQ  $1, TMP
	SUBQ  TMP, XP         // 8 bytes (two inputs) per output
	MOVQ  $8, CNT
	JMP   s2_loop8

s2_loop1:
	EDGE_INIT(ACCX, BIASX, s2_tail_init)
	VFMADD231SS (XP), X0, ACCX
	VFMADD231SS 4(XP), X1, ACCX
	VFMADD231SS 8(XP), X2, ACCX
	VFMADD231SS (XP)(D1*1), X3, ACCX
	VFMADD231SS 4(XP)(D1*1), X4, ACCX
	VFMADD231SS 8(XP)(D1*1), X5, ACCX
	VFMADD231SS (XP)(D2*1), X6, ACCX
	VFMADD231SS 4(XP)(D2*1), X7, ACCX
	VFMADD231SS 8(XP)(D2*1), X8, ACCX
	VMOVSS      ACCX, (YP)
	ADDQ        $8, XP
	ADDQ        $4, YP
	DECQ        CNT
	JNE         s2_loop1

s2_right:
	TESTQ $4, FLAGS
	JEQ   s2_next_row
	EDGE_INIT(ACCX, BIASX, s2_right_init)
	RIGHT_EDGE(ACCX)
	VMOVSS ACCX, (YP)

s2_next_row:
	ADDQ xstep+24(FP), X0R // next window: two input rows down
	ADDQ ystep+40(FP), YR
	DECQ ROWS
	JNE  s2_row
	VZEROUPPER
	RET

#undef ACC
#undef ACCO
#undef A
#undef B
#undef EV
#undef O
#undef BIAS
#undef BIASX
#undef ACCX

// ===========================================================================
// func dw3x3s1GradAVX2(x *float32, xs int, dy *float32, dys, rows, n int, acc *float32)
//
//	for a, b < 3: acc[3a+b] += Σ_{r<rows, i<n} dy[r*dys+i] · x[(r+a)*xs + i + b]
//
// Nine vector accumulators G0..G8 (one per tap) over the whole block; per 8
// outputs one load of dy and nine memory-operand FMAs; the row tail uses
// masked loads. The accumulators are reduced and added to acc at the end.
// ===========================================================================

#define G0 Y0
#define G1 Y1
#define G2 Y2
#define G3 Y3
#define G4 Y4
#define G5 Y5
#define G6 Y6
#define G7 Y7
#define G8 Y8
#define DY   Y9
#define MASK Y10
#define T    Y11
#define AP   DX // &acc[0]

// GM(ADDR, G): G += DY * masked load(ADDR).
#define GM(ADDR, G) \
	VMASKMOVPS  ADDR, MASK, T; \
	VFMADD231PS T, DY, G

// GRED(G, GX, OFF): acc[OFF/4] += sum of the 8 lanes of G.
#define GRED(G, GX, OFF) \
	VEXTRACTF128 $1, G, X12;  \
	VADDPS       X12, GX, GX; \
	VHADDPS      GX, GX, GX;  \
	VHADDPS      GX, GX, GX;  \
	VADDSS       OFF(AP), GX, GX; \
	VMOVSS       GX, OFF(AP)

TEXT ·dw3x3s1GradAVX2(SB), NOSPLIT, $0-56
	MOVQ x+0(FP), XR
	MOVQ xs+8(FP), XS
	SHLQ $2, XS
	MOVQ dy+16(FP), YR
	MOVQ dys+24(FP), YS
	SHLQ $2, YS
	MOVQ rows+32(FP), ROWS
	MOVQ n+40(FP), NN
	MOVQ acc+48(FP), AP
	LEAQ ·laneMask8(SB), MTAB
	VXORPS G0, G0, G0
	VXORPS G1, G1, G1
	VXORPS G2, G2, G2
	VXORPS G3, G3, G3
	VXORPS G4, G4, G4
	VXORPS G5, G5, G5
	VXORPS G6, G6, G6
	VXORPS G7, G7, G7
	VXORPS G8, G8, G8

g_row:
	MOVQ XR, XP
	MOVQ YR, YP
	MOVQ NN, CNT

g_loop8:
	CMPQ        CNT, $8
	JLT         g_tail
	VMOVUPS     (YP), DY // DY = dy[r][i : i+8]
	VFMADD231PS (XP), DY, G0
	VFMADD231PS 4(XP), DY, G1
	VFMADD231PS 8(XP), DY, G2
	VFMADD231PS (XP)(XS*1), DY, G3
	VFMADD231PS 4(XP)(XS*1), DY, G4
	VFMADD231PS 8(XP)(XS*1), DY, G5
	VFMADD231PS (XP)(XS*2), DY, G6
	VFMADD231PS 4(XP)(XS*2), DY, G7
	VFMADD231PS 8(XP)(XS*2), DY, G8
	ADDQ        $32, XP
	ADDQ        $32, YP
	SUBQ        $8, CNT
	JMP         g_loop8

g_tail:
	TESTQ CNT, CNT
	JEQ   g_next_row
	LOADMASK(MASK)
	VMASKMOVPS (YP), MASK, DY
	GM((XP), G0)
	GM(4(XP), G1)
	GM(8(XP), G2)
	GM((XP)(XS*1), G3)
	GM(4(XP)(XS*1), G4)
	GM(8(XP)(XS*1), G5)
	GM((XP)(XS*2), G6)
	GM(4(XP)(XS*2), G7)
	GM(8(XP)(XS*2), G8)

g_next_row:
	ADDQ XS, XR
	ADDQ YS, YR
	DECQ ROWS
	JNE  g_row

	GRED(G0, X0, 0)
	GRED(G1, X1, 4)
	GRED(G2, X2, 8)
	GRED(G3, X3, 12)
	GRED(G4, X4, 16)
	GRED(G5, X5, 20)
	GRED(G6, X6, 24)
	GRED(G7, X7, 28)
	GRED(G8, X8, 32)
	VZEROUPPER
	RET

// ===========================================================================
// func dw3x3s1GradPadAVX2(x0 *float32, d1, d2, xstep int, dy *float32, dystep, rows, nv int, acc, edge *float32, flags int)
//
// The weight gradient of rows of a 3×3 stride-1 convolution with the
// window rows and padding of dw3x3s1AVX2 (flags bit 1: left pad, bit 2:
// right pad; byte offsets d1, d2; byte steps xstep, dystep):
//
//	acc[3a+b] += Σ_{r, j} dy[r][j]·X_a[r][j − pl + b]    over the nv vector outputs
//	edge[0:6]  = Σ_r dy[r][0]·(X_0[0], X_0[1], X_1[0], X_1[1], X_2[0], X_2[1])   (left edge: taps 1 2 4 5 7 8)
//	edge[8:14] = Σ_r dy[r][n−1]·(the same pairs at the last two columns)       (right edge: taps 0 1 3 4 6 7)
//
// The vector part is as in dw3x3s1GradAVX2 (nine accumulators, masked row
// tails); each edge output is one 6-lane FMA into LE or RE (lanes 6, 7 and
// the edge of an absent pad stay zero).
// ===========================================================================

#define GP_DY   Y9
#define GP_MASK Y10
#define GP_T    Y11
#define GP_LE   Y12 // left-edge sums
#define GP_U    Y13 // the six values an edge output reads
#define GP_UX   X13
#define GP_V    X14
#define GP_RE   Y15 // right-edge sums
#define GP_AP   R8  // &acc[0]

// GP_EDGE(ACCV): ACCV += broadcast(dy[j])·(x0[c], x0[c+1], x1[c], x1[c+1], x2[c], x2[c+1], 0, 0)
// with XP at column c and YP at dy[j].
#define GP_EDGE(ACCV) \
	VMOVSD       (XP), GP_UX;               \
	VMOVHPS      (XP)(D1*1), GP_UX, GP_UX;  \
	VMOVSD       (XP)(D2*1), GP_V;          \
	VINSERTF128  $1, GP_V, GP_U, GP_U;      \
	VBROADCASTSS (YP), GP_T;                \
	VFMADD231PS  GP_U, GP_T, ACCV

TEXT ·dw3x3s1GradPadAVX2(SB), NOSPLIT, $0-88
	MOVQ   x0+0(FP), X0R
	MOVQ   d1+8(FP), D1
	MOVQ   d2+16(FP), D2
	MOVQ   dy+32(FP), YR
	MOVQ   rows+48(FP), ROWS
	MOVQ   nv+56(FP), NN
	MOVQ   acc+64(FP), GP_AP
	MOVQ   flags+80(FP), FLAGS
	LEAQ   ·laneMask8(SB), MTAB
	VXORPS G0, G0, G0
	VXORPS G1, G1, G1
	VXORPS G2, G2, G2
	VXORPS G3, G3, G3
	VXORPS G4, G4, G4
	VXORPS G5, G5, G5
	VXORPS G6, G6, G6
	VXORPS G7, G7, G7
	VXORPS G8, G8, G8
	VXORPS GP_LE, GP_LE, GP_LE
	VXORPS GP_RE, GP_RE, GP_RE

gp_row:
	MOVQ  X0R, XP
	MOVQ  YR, YP
	TESTQ $2, FLAGS
	JEQ   gp_vector
	GP_EDGE(GP_LE) // left edge: columns 0 and 1
	ADDQ  $4, YP   // the vector part starts at dy[1], column 0

gp_vector:
	MOVQ NN, CNT

gp_loop8:
	CMPQ        CNT, $8
	JLT         gp_tail
	VMOVUPS     (YP), GP_DY
	VFMADD231PS (XP), GP_DY, G0
	VFMADD231PS 4(XP), GP_DY, G1
	VFMADD231PS 8(XP), GP_DY, G2
	VFMADD231PS (XP)(D1*1), GP_DY, G3
	VFMADD231PS 4(XP)(D1*1), GP_DY, G4
	VFMADD231PS 8(XP)(D1*1), GP_DY, G5
	VFMADD231PS (XP)(D2*1), GP_DY, G6
	VFMADD231PS 4(XP)(D2*1), GP_DY, G7
	VFMADD231PS 8(XP)(D2*1), GP_DY, G8
	ADDQ        $32, XP
	ADDQ        $32, YP
	SUBQ        $8, CNT
	JMP         gp_loop8

gp_tail:
	TESTQ CNT, CNT
	JEQ   gp_right
	LOADMASK(GP_MASK)
	VMASKMOVPS (YP), GP_MASK, GP_DY
	VMASKMOVPS (XP), GP_MASK, GP_T
	VFMADD231PS GP_T, GP_DY, G0
	VMASKMOVPS 4(XP), GP_MASK, GP_T
	VFMADD231PS GP_T, GP_DY, G1
	VMASKMOVPS 8(XP), GP_MASK, GP_T
	VFMADD231PS GP_T, GP_DY, G2
	VMASKMOVPS (XP)(D1*1), GP_MASK, GP_T
	VFMADD231PS GP_T, GP_DY, G3
	VMASKMOVPS 4(XP)(D1*1), GP_MASK, GP_T
	VFMADD231PS GP_T, GP_DY, G4
	VMASKMOVPS 8(XP)(D1*1), GP_MASK, GP_T
	VFMADD231PS GP_T, GP_DY, G5
	VMASKMOVPS (XP)(D2*1), GP_MASK, GP_T
	VFMADD231PS GP_T, GP_DY, G6
	VMASKMOVPS 4(XP)(D2*1), GP_MASK, GP_T
	VFMADD231PS GP_T, GP_DY, G7
	VMASKMOVPS 8(XP)(D2*1), GP_MASK, GP_T
	VFMADD231PS GP_T, GP_DY, G8
	LEAQ        (XP)(CNT*4), XP
	LEAQ        (YP)(CNT*4), YP

gp_right:
	TESTQ $4, FLAGS
	JEQ   gp_next_row
	GP_EDGE(GP_RE) // right edge: the two columns after the vector part

gp_next_row:
	ADDQ xstep+24(FP), X0R
	ADDQ dystep+40(FP), YR
	DECQ ROWS
	JNE  gp_row

	MOVQ    edge+72(FP), TMP
	VMOVUPS GP_LE, (TMP)
	VMOVUPS GP_RE, 32(TMP)
	MOVQ    GP_AP, DX // GRED adds into AP (DX)
	GRED(G0, X0, 0)
	GRED(G1, X1, 4)
	GRED(G2, X2, 8)
	GRED(G3, X3, 12)
	GRED(G4, X4, 16)
	GRED(G5, X5, 20)
	GRED(G6, X6, 24)
	GRED(G7, X7, 28)
	GRED(G8, X8, 32)
	VZEROUPPER
	RET
