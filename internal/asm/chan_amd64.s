//go:build amd64 && !purego

#include "textflag.h"
#include "chan_amd64.h"

// Channel-wise convolution kernels: weighted sums and dot products of whole
// planes, vectorised along the plane. Strides arrive in bytes.

// CMASK(CNT, MASK, T1, T2): MASK = first CNT lanes enabled (0 < CNT < 8);
// clobbers the registers T1 and T2.
#define CMASK(CNT, MASK, T1, T2) \
	MOVQ    $8, T1;                \
	SUBQ    CNT, T1;               \
	LEAQ    ·laneMask8(SB), T2;    \
	VMOVDQU (T2)(T1*4), MASK

// ===========================================================================
// func chanRowsAVX2(y *float32, ys int, x *float32, xs, ps int, w *float32, ws, taps, n, rows int, acc bool)
//
//	for r < rows, i < n:
//		s = Σ_{t<taps} w[t·ws]·x[r·xs + t·ps + i]      (byte strides, taps ≥ 1)
//		y[r·ys + i] = acc ? y[r·ys + i] + s : s
//
// Blocks of 64 outputs (eight accumulator chains, enough to keep both FMA
// pipes busy), then 32, then 8. The last 1..7 outputs: when overwriting and
// n ≥ 8, the row's last 8 outputs again as one vector; otherwise a masked
// tail. For each block the taps
// loop broadcasts w[t] and issues one memory-operand FMA per 8 outputs.
// ===========================================================================

#define YR   R8  // &y[r·ys]
#define XR   R9  // &x[r·xs]
#define YP   DI  // &y[r·ys + i]
#define XP   SI  // &x[r·xs + i]
#define PS   BX  // plane stride (bytes)
#define WS   DX  // weight stride (bytes)
#define CNT  R10 // outputs left in the row
#define XT   R11 // &x[r·xs + t·ps + i]
#define WT   R12 // &w[t·ws]
#define K    R13 // taps left
#define ROWS R14 // rows left
#define WV   Y8  // broadcast w[t·ws]
#define MASK Y9
#define T    Y10

#define WB   AX  // &w[0]
#define TAPS CX  // taps

// CR_BEGIN: XT, WT, K = first tap of the block.
#define CR_BEGIN \
	MOVQ XP, XT;  \
	MOVQ WB, WT;  \
	MOVQ TAPS, K

// CR_NEXT(LABEL): advance to the next tap and loop.
#define CR_NEXT(LABEL) \
	ADDQ PS, XT; \
	ADDQ WS, WT; \
	DECQ K;      \
	JNE  LABEL

TEXT ·chanRowsAVX2(SB), NOSPLIT, $0-81
	MOVQ y+0(FP), YR
	MOVQ x+16(FP), XR
	MOVQ ps+32(FP), PS
	MOVQ ws+48(FP), WS
	MOVQ rows+72(FP), ROWS
	MOVQ w+40(FP), WB
	MOVQ taps+56(FP), TAPS

cr_row:
	MOVQ YR, YP
	MOVQ XR, XP
	MOVQ n+64(FP), CNT

cr_loop64:
	CMPQ   CNT, $64
	JLT    cr_loop32
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	CR_BEGIN

cr_taps64: // Yq += w[t]·x[t][i+8q : i+8q+8], q < 8
	VBROADCASTSS (WT), WV
	VFMADD231PS  (XT), WV, Y0
	VFMADD231PS  32(XT), WV, Y1
	VFMADD231PS  64(XT), WV, Y2
	VFMADD231PS  96(XT), WV, Y3
	VFMADD231PS  128(XT), WV, Y4
	VFMADD231PS  160(XT), WV, Y5
	VFMADD231PS  192(XT), WV, Y6
	VFMADD231PS  224(XT), WV, Y7
	CR_NEXT(cr_taps64)
	CMPB         acc+80(FP), $0
	JEQ          cr_store64
	VADDPS       (YP), Y0, Y0    // acc: add the old y
	VADDPS       32(YP), Y1, Y1
	VADDPS       64(YP), Y2, Y2
	VADDPS       96(YP), Y3, Y3
	VADDPS       128(YP), Y4, Y4
	VADDPS       160(YP), Y5, Y5
	VADDPS       192(YP), Y6, Y6
	VADDPS       224(YP), Y7, Y7

cr_store64:
	VMOVUPS Y0, (YP)
	VMOVUPS Y1, 32(YP)
	VMOVUPS Y2, 64(YP)
	VMOVUPS Y3, 96(YP)
	VMOVUPS Y4, 128(YP)
	VMOVUPS Y5, 160(YP)
	VMOVUPS Y6, 192(YP)
	VMOVUPS Y7, 224(YP)
	ADDQ    $256, XP
	ADDQ    $256, YP
	SUBQ    $64, CNT
	JMP     cr_loop64

cr_loop32:
	CMPQ   CNT, $32
	JLT    cr_loop8
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	CR_BEGIN

cr_taps32:
	VBROADCASTSS (WT), WV
	VFMADD231PS  (XT), WV, Y0
	VFMADD231PS  32(XT), WV, Y1
	VFMADD231PS  64(XT), WV, Y2
	VFMADD231PS  96(XT), WV, Y3
	CR_NEXT(cr_taps32)
	CMPB         acc+80(FP), $0
	JEQ          cr_store32
	VADDPS       (YP), Y0, Y0
	VADDPS       32(YP), Y1, Y1
	VADDPS       64(YP), Y2, Y2
	VADDPS       96(YP), Y3, Y3

cr_store32:
	VMOVUPS Y0, (YP)
	VMOVUPS Y1, 32(YP)
	VMOVUPS Y2, 64(YP)
	VMOVUPS Y3, 96(YP)
	ADDQ    $128, XP
	ADDQ    $128, YP
	SUBQ    $32, CNT

cr_loop8:
	CMPQ   CNT, $8
	JLT    cr_tail
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	CR_BEGIN

cr_taps8:
	VBROADCASTSS (WT), WV
	VFMADD231PS  (XT), WV, Y0
	CR_NEXT(cr_taps8)
	CMPB         acc+80(FP), $0
	JEQ          cr_store8
	VADDPS       (YP), Y0, Y0

cr_store8:
	VMOVUPS Y0, (YP)
	ADDQ    $32, XP
	ADDQ    $32, YP
	SUBQ    $8, CNT
	JMP     cr_loop8

cr_tail: // 0 <= CNT < 8
	TESTQ CNT, CNT
	JEQ   cr_next_row
	CMPB  acc+80(FP), $0
	JNE   cr_masked        // accumulating: masked tail
	CMPQ  n+64(FP), $8
	JLT   cr_masked        // row shorter than one vector
	MOVQ  $8, XT           // overwriting: redo the row's last 8 outputs
	SUBQ  CNT, XT          // (rewriting 8−CNT of them with the values
	SHLQ  $2, XT           // they already have)
	SUBQ  XT, XP
	SUBQ  XT, YP
	MOVQ  $8, CNT
	JMP   cr_loop8

cr_masked: // masked lanes are neither read nor written
	CMASK(CNT, MASK, XT, K)
	VXORPS Y0, Y0, Y0
	CR_BEGIN

cr_taps_m:
	VBROADCASTSS (WT), WV
	VMASKMOVPS   (XT), MASK, T
	VFMADD231PS  T, WV, Y0
	CR_NEXT(cr_taps_m)
	CMPB         acc+80(FP), $0
	JEQ          cr_store_m
	VMASKMOVPS   (YP), MASK, T
	VADDPS       T, Y0, Y0

cr_store_m:
	VMASKMOVPS Y0, MASK, (YP)

cr_next_row:
	ADDQ ys+8(FP), YR
	ADDQ xs+24(FP), XR
	DECQ ROWS
	JNE  cr_row
	VZEROUPPER
	RET

#undef YR
#undef XR
#undef YP
#undef XP
#undef PS
#undef WS
#undef CNT
#undef XT
#undef WT
#undef K
#undef ROWS
#undef WB
#undef TAPS
#undef WV
#undef MASK
#undef T
#undef CR_BEGIN
#undef CR_NEXT

// ===========================================================================
// func chanRows4AVX2(y *float32, yf int, x *float32, ps int, w *float32, wf, taps, n int, acc bool)
//
//	for f < 4, i < n:
//		s = Σ_{t<taps} w[f·wf + t]·x[t·ps + i]     (byte strides, taps ≥ 1)
//		y[f·yf + i] = acc ? y[f·yf + i] + s : s
//
// Four filters share every input load: per tap and 16 outputs, two loads of
// x, four broadcasts and eight FMAs into Y0..Y7 (filter f in Y2f, Y2f+1).
// Then 8 outputs; the last 1..7 are the last 8 again when overwriting and
// n ≥ 8, else masked.
// ===========================================================================

#define YP   DI
#define YF   R8  // filter stride of y (bytes)
#define XP   SI
#define PS   BX
#define WF   DX  // filter stride of w (bytes)
#define WF3  R9  // 3·WF
#define CNT  R10
#define XT   R11
#define WT   R12
#define K    R13
#define Y3P  R14 // &y[3·yf + i]
#define XA   Y8
#define XB   Y9
#define WV0  Y10
#define WV1  Y11
#define WV2  Y12
#define WV3  Y13
#define MASK Y14

#define WB   AX  // &w[0]
#define TAPS CX  // taps

TEXT ·chanRows4AVX2(SB), NOSPLIT, $0-65
	C4_ARGS

c4_loop16:
	CMPQ   CNT, $16
	JLT    c4_loop8
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	C4_BEGIN

c4_taps16:
	VMOVUPS     (XT), XA   // x[t][i : i+8]
	VMOVUPS     32(XT), XB // x[t][i+8 : i+16]
	LOADW4
	VFMADD231PS XA, WV0, Y0
	VFMADD231PS XB, WV0, Y1
	VFMADD231PS XA, WV1, Y2
	VFMADD231PS XB, WV1, Y3
	VFMADD231PS XA, WV2, Y4
	VFMADD231PS XB, WV2, Y5
	VFMADD231PS XA, WV3, Y6
	VFMADD231PS XB, WV3, Y7
	C4_NEXT(c4_taps16)
	LEAQ        (YP)(YF*2), Y3P
	ADDQ        YF, Y3P
	CMPB        acc+64(FP), $0
	JEQ         c4_store16
	VADDPS      (YP), Y0, Y0 // acc: add the old y
	VADDPS      32(YP), Y1, Y1
	VADDPS      (YP)(YF*1), Y2, Y2
	VADDPS      32(YP)(YF*1), Y3, Y3
	VADDPS      (YP)(YF*2), Y4, Y4
	VADDPS      32(YP)(YF*2), Y5, Y5
	VADDPS      (Y3P), Y6, Y6
	VADDPS      32(Y3P), Y7, Y7

c4_store16:
	VMOVUPS     Y0, (YP)
	VMOVUPS     Y1, 32(YP)
	VMOVUPS     Y2, (YP)(YF*1)
	VMOVUPS     Y3, 32(YP)(YF*1)
	VMOVUPS     Y4, (YP)(YF*2)
	VMOVUPS     Y5, 32(YP)(YF*2)
	VMOVUPS     Y6, (Y3P)
	VMOVUPS     Y7, 32(Y3P)
	ADDQ        $64, XP
	ADDQ        $64, YP
	SUBQ        $16, CNT
	JMP         c4_loop16

c4_loop8:
	CMPQ   CNT, $8
	JLT    c4_tail
	VXORPS Y0, Y0, Y0
	VXORPS Y2, Y2, Y2
	VXORPS Y4, Y4, Y4
	VXORPS Y6, Y6, Y6
	C4_BEGIN

c4_taps8:
	VMOVUPS     (XT), XA
	LOADW4
	VFMADD231PS XA, WV0, Y0
	VFMADD231PS XA, WV1, Y2
	VFMADD231PS XA, WV2, Y4
	VFMADD231PS XA, WV3, Y6
	C4_NEXT(c4_taps8)
	LEAQ        (YP)(YF*2), Y3P
	ADDQ        YF, Y3P
	CMPB        acc+64(FP), $0
	JEQ         c4_store8
	VADDPS      (YP), Y0, Y0
	VADDPS      (YP)(YF*1), Y2, Y2
	VADDPS      (YP)(YF*2), Y4, Y4
	VADDPS      (Y3P), Y6, Y6

c4_store8:
	VMOVUPS     Y0, (YP)
	VMOVUPS     Y2, (YP)(YF*1)
	VMOVUPS     Y4, (YP)(YF*2)
	VMOVUPS     Y6, (Y3P)
	ADDQ        $32, XP
	ADDQ        $32, YP
	SUBQ        $8, CNT

c4_tail:
	TESTQ CNT, CNT
	JEQ   c4_done
	CMPB  acc+64(FP), $0
	JNE   c4_masked        // accumulating: masked tail
	CMPQ  n+56(FP), $8
	JLT   c4_masked        // row shorter than one vector
	MOVQ  $8, K            // redo the last 8 outputs (rewriting 8−CNT
	SUBQ  CNT, K           // of them with the values they already have)
	SHLQ  $2, K
	SUBQ  K, XP
	SUBQ  K, YP
	MOVQ  $8, CNT
	JMP   c4_loop8

c4_masked:
	CMASK(CNT, MASK, K, Y3P)
	VXORPS Y0, Y0, Y0
	VXORPS Y2, Y2, Y2
	VXORPS Y4, Y4, Y4
	VXORPS Y6, Y6, Y6
	C4_BEGIN

c4_taps_m:
	VMASKMOVPS  (XT), MASK, XA
	LOADW4
	VFMADD231PS XA, WV0, Y0
	VFMADD231PS XA, WV1, Y2
	VFMADD231PS XA, WV2, Y4
	VFMADD231PS XA, WV3, Y6
	C4_NEXT(c4_taps_m)
	LEAQ        (YP)(YF*2), Y3P
	ADDQ        YF, Y3P
	CMPB        acc+64(FP), $0
	JEQ         c4_store_m
	VMASKMOVPS  (YP), MASK, XA // acc: add the old y (XA, XB free now)
	VADDPS      XA, Y0, Y0
	VMASKMOVPS  (YP)(YF*1), MASK, XB
	VADDPS      XB, Y2, Y2
	VMASKMOVPS  (YP)(YF*2), MASK, XA
	VADDPS      XA, Y4, Y4
	VMASKMOVPS  (Y3P), MASK, XB
	VADDPS      XB, Y6, Y6

c4_store_m:
	VMASKMOVPS  Y0, MASK, (YP)
	VMASKMOVPS  Y2, MASK, (YP)(YF*1)
	VMASKMOVPS  Y4, MASK, (YP)(YF*2)
	VMASKMOVPS  Y6, MASK, (Y3P)

c4_done:
	VZEROUPPER
	RET

#undef YP
#undef YF
#undef XP
#undef PS
#undef WF
#undef WF3
#undef CNT
#undef XT
#undef WT
#undef K
#undef Y3P
#undef XA
#undef XB
#undef WV0
#undef WV1
#undef WV2
#undef WV3
#undef MASK
#undef WB
#undef TAPS

// ===========================================================================
// func chanDotsAVX2(out, dy, x *float32, ps, taps, n int)
//
//	for t < taps: out[t] = Σ_{i<n} dy[i]·x[t·ps + i]      (byte stride ps)
//
// Taps four at a time: per 16 values of dy, two loads of dy and eight
// memory-operand FMAs (tap j in Yj and Yj+4); the four sums are reduced
// together with VHADDPS and stored as one 4-float vector. Leftover taps one
// at a time. Row tails use masked loads.
// ===========================================================================

#define OUTP DI
#define DYB  R8  // &dy[0]
#define XT   SI  // &x[t·ps] for the current tap (group)
#define PS   BX
#define PS3  R9
#define DYP  R10
#define XP   R11
#define CNT  R12
#define K    R13 // taps left
#define D0   Y8
#define D1   Y9
#define MASK Y10
#define T    Y11

#define NN   R14 // n

#define CD_BEGIN \
	MOVQ DYB, DYP; \
	MOVQ XT, XP;   \
	MOVQ NN, CNT

TEXT ·chanDotsAVX2(SB), NOSPLIT, $0-48
	MOVQ out+0(FP), OUTP
	MOVQ dy+8(FP), DYB
	MOVQ x+16(FP), XT
	MOVQ ps+24(FP), PS
	LEAQ (PS)(PS*2), PS3
	MOVQ taps+32(FP), K
	MOVQ n+40(FP), NN

cd_group4:
	CMPQ   K, $4
	JLT    cd_single
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	CD_BEGIN

cd_g4_16:
	CMPQ        CNT, $16
	JLT         cd_g4_8
	VMOVUPS     (DYP), D0
	VMOVUPS     32(DYP), D1
	VFMADD231PS (XP), D0, Y0
	VFMADD231PS 32(XP), D1, Y4
	VFMADD231PS (XP)(PS*1), D0, Y1
	VFMADD231PS 32(XP)(PS*1), D1, Y5
	VFMADD231PS (XP)(PS*2), D0, Y2
	VFMADD231PS 32(XP)(PS*2), D1, Y6
	VFMADD231PS (XP)(PS3*1), D0, Y3
	VFMADD231PS 32(XP)(PS3*1), D1, Y7
	ADDQ        $64, DYP
	ADDQ        $64, XP
	SUBQ        $16, CNT
	JMP         cd_g4_16

cd_g4_8:
	CMPQ        CNT, $8
	JLT         cd_g4_tail
	VMOVUPS     (DYP), D0
	VFMADD231PS (XP), D0, Y0
	VFMADD231PS (XP)(PS*1), D0, Y1
	VFMADD231PS (XP)(PS*2), D0, Y2
	VFMADD231PS (XP)(PS3*1), D0, Y3
	ADDQ        $32, DYP
	ADDQ        $32, XP
	SUBQ        $8, CNT

cd_g4_tail:
	TESTQ       CNT, CNT
	JEQ         cd_g4_reduce
	CMASK(CNT, MASK, CX, AX)
	VMASKMOVPS  (DYP), MASK, D0
	VMASKMOVPS  (XP), MASK, T
	VFMADD231PS T, D0, Y0
	VMASKMOVPS  (XP)(PS*1), MASK, T
	VFMADD231PS T, D0, Y1
	VMASKMOVPS  (XP)(PS*2), MASK, T
	VFMADD231PS T, D0, Y2
	VMASKMOVPS  (XP)(PS3*1), MASK, T
	VFMADD231PS T, D0, Y3

cd_g4_reduce: // out[0:4] = lane sums of Y0..Y3 (+ Y4..Y7)
	VADDPS       Y4, Y0, Y0
	VADDPS       Y5, Y1, Y1
	VADDPS       Y6, Y2, Y2
	VADDPS       Y7, Y3, Y3
	VHADDPS      Y1, Y0, Y0 // [s0 s0 s1 s1 | s0 s0 s1 s1] partial pairs
	VHADDPS      Y3, Y2, Y2 // [s2 s2 s3 s3 | ...]
	VHADDPS      Y2, Y0, Y0 // [s0 s1 s2 s3 | s0 s1 s2 s3] (per 128-bit half)
	VEXTRACTF128 $1, Y0, X1
	VADDPS       X1, X0, X0
	VMOVUPS      X0, (OUTP)
	ADDQ         $16, OUTP
	LEAQ         (XT)(PS*4), XT
	SUBQ         $4, K
	JMP          cd_group4

cd_single:
	TESTQ  K, K
	JEQ    cd_done
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	CD_BEGIN

cd_s_16:
	CMPQ        CNT, $16
	JLT         cd_s_8
	VMOVUPS     (DYP), D0
	VMOVUPS     32(DYP), D1
	VFMADD231PS (XP), D0, Y0
	VFMADD231PS 32(XP), D1, Y1
	ADDQ        $64, DYP
	ADDQ        $64, XP
	SUBQ        $16, CNT
	JMP         cd_s_16

cd_s_8:
	CMPQ        CNT, $8
	JLT         cd_s_tail
	VMOVUPS     (DYP), D0
	VFMADD231PS (XP), D0, Y0
	ADDQ        $32, DYP
	ADDQ        $32, XP
	SUBQ        $8, CNT

cd_s_tail:
	TESTQ       CNT, CNT
	JEQ         cd_s_reduce
	CMASK(CNT, MASK, CX, AX)
	VMASKMOVPS  (DYP), MASK, D0
	VMASKMOVPS  (XP), MASK, T
	VFMADD231PS T, D0, Y0

cd_s_reduce:
	VADDPS       Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS       X1, X0, X0
	VHADDPS      X0, X0, X0
	VHADDPS      X0, X0, X0
	VMOVSS       X0, (OUTP)
	ADDQ         $4, OUTP
	ADDQ         PS, XT
	DECQ         K
	JMP          cd_single

cd_done:
	VZEROUPPER
	RET
