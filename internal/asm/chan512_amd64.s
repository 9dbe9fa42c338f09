//go:build amd64 && !purego

#include "textflag.h"
#include "chan_amd64.h"

// ===========================================================================
// func chanRows4AVX512(y *float32, yf int, x *float32, ps int, w *float32, wf, taps, n int, acc bool)
//
// chanRows4AVX2 with ZMM registers: per tap and 32 outputs two loads of x,
// four broadcasts and eight FMAs into Z0..Z7 (filter f in Z2f, Z2f+1), then
// 16 outputs, then the last 1..15 (the last 16 again when overwriting and
// n ≥ 16, else under a K mask: masked lanes are neither read nor
// written). Each output is formed as in chanRows4AVX2 — the taps' FMAs in
// order from zero, then the old y added when acc — so the results are
// bit-identical.
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
#define XA   Z8
#define XB   Z9
#define WV0  Z10
#define WV1  Z11
#define WV2  Z12
#define WV3  Z13
#define WB   AX  // &w[0]
#define TAPS CX  // taps

TEXT ·chanRows4AVX512(SB), NOSPLIT, $0-65
	C4_ARGS

z4_loop32:
	CMPQ   CNT, $32
	JLT    z4_loop16
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	C4_BEGIN

z4_taps32:
	VMOVUPS     (XT), XA
	VMOVUPS     64(XT), XB
	LOADW4
	VFMADD231PS XA, WV0, Z0
	VFMADD231PS XB, WV0, Z1
	VFMADD231PS XA, WV1, Z2
	VFMADD231PS XB, WV1, Z3
	VFMADD231PS XA, WV2, Z4
	VFMADD231PS XB, WV2, Z5
	VFMADD231PS XA, WV3, Z6
	VFMADD231PS XB, WV3, Z7
	C4_NEXT(z4_taps32)
	LEAQ        (YP)(YF*2), Y3P
	ADDQ        YF, Y3P
	CMPB        acc+64(FP), $0
	JEQ         z4_store32
	VADDPS      (YP), Z0, Z0
	VADDPS      64(YP), Z1, Z1
	VADDPS      (YP)(YF*1), Z2, Z2
	VADDPS      64(YP)(YF*1), Z3, Z3
	VADDPS      (YP)(YF*2), Z4, Z4
	VADDPS      64(YP)(YF*2), Z5, Z5
	VADDPS      (Y3P), Z6, Z6
	VADDPS      64(Y3P), Z7, Z7

z4_store32:
	VMOVUPS Z0, (YP)
	VMOVUPS Z1, 64(YP)
	VMOVUPS Z2, (YP)(YF*1)
	VMOVUPS Z3, 64(YP)(YF*1)
	VMOVUPS Z4, (YP)(YF*2)
	VMOVUPS Z5, 64(YP)(YF*2)
	VMOVUPS Z6, (Y3P)
	VMOVUPS Z7, 64(Y3P)
	ADDQ    $128, XP
	ADDQ    $128, YP
	SUBQ    $32, CNT
	JMP     z4_loop32

z4_loop16:
	CMPQ   CNT, $16
	JLT    z4_tail
	VPXORD Z0, Z0, Z0
	VPXORD Z2, Z2, Z2
	VPXORD Z4, Z4, Z4
	VPXORD Z6, Z6, Z6
	C4_BEGIN

z4_taps16:
	VMOVUPS     (XT), XA
	LOADW4
	VFMADD231PS XA, WV0, Z0
	VFMADD231PS XA, WV1, Z2
	VFMADD231PS XA, WV2, Z4
	VFMADD231PS XA, WV3, Z6
	C4_NEXT(z4_taps16)
	LEAQ        (YP)(YF*2), Y3P
	ADDQ        YF, Y3P
	CMPB        acc+64(FP), $0
	JEQ         z4_store16
	VADDPS      (YP), Z0, Z0
	VADDPS      (YP)(YF*1), Z2, Z2
	VADDPS      (YP)(YF*2), Z4, Z4
	VADDPS      (Y3P), Z6, Z6

z4_store16:
	VMOVUPS Z0, (YP)
	VMOVUPS Z2, (YP)(YF*1)
	VMOVUPS Z4, (YP)(YF*2)
	VMOVUPS Z6, (Y3P)
	ADDQ    $64, XP
	ADDQ    $64, YP
	SUBQ    $16, CNT
	JMP     z4_loop16

z4_tail:
	TESTQ CNT, CNT
	JEQ   z4_done
	CMPB  acc+64(FP), $0
	JNE   z4_masked        // accumulating: masked tail
	CMPQ  n+56(FP), $16
	JLT   z4_masked        // row shorter than one vector
	MOVQ  $16, K           // redo the last 16 outputs (rewriting 16−CNT
	SUBQ  CNT, K           // of them with the values they already have)
	SHLQ  $2, K
	SUBQ  K, XP
	SUBQ  K, YP
	MOVQ  $16, CNT
	JMP   z4_loop16

z4_masked:
	LEAQ   ·laneMask16(SB), K
	KMOVW  (K)(CNT*2), K1
	VPXORD Z0, Z0, Z0
	VPXORD Z2, Z2, Z2
	VPXORD Z4, Z4, Z4
	VPXORD Z6, Z6, Z6
	C4_BEGIN

z4_taps_m:
	VMOVUPS.Z   (XT), K1, XA
	LOADW4
	VFMADD231PS XA, WV0, Z0
	VFMADD231PS XA, WV1, Z2
	VFMADD231PS XA, WV2, Z4
	VFMADD231PS XA, WV3, Z6
	C4_NEXT(z4_taps_m)
	LEAQ        (YP)(YF*2), Y3P
	ADDQ        YF, Y3P
	CMPB        acc+64(FP), $0
	JEQ         z4_store_m
	VMOVUPS.Z   (YP), K1, XA
	VADDPS      XA, Z0, Z0
	VMOVUPS.Z   (YP)(YF*1), K1, XB
	VADDPS      XB, Z2, Z2
	VMOVUPS.Z   (YP)(YF*2), K1, XA
	VADDPS      XA, Z4, Z4
	VMOVUPS.Z   (Y3P), K1, XB
	VADDPS      XB, Z6, Z6

z4_store_m:
	VMOVUPS Z0, K1, (YP)
	VMOVUPS Z2, K1, (YP)(YF*1)
	VMOVUPS Z4, K1, (YP)(YF*2)
	VMOVUPS Z6, K1, (Y3P)

z4_done:
	VZEROUPPER
	RET
