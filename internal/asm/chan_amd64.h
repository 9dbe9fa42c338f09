// Macros shared by the four-filter channel-wise kernels of chan_amd64.s
// (AVX2) and chan512_amd64.s (AVX-512), over the including file's names
// YP, YF, XP, XT, WB, WT, WF, WF3, PS, CNT, TAPS, K and WV0–WV3 (YMM or ZMM
// registers).

// C4_ARGS: the arguments (y, yf, x, ps, w, wf, taps, n) into their
// registers; WF3 = 3·WF.
#define C4_ARGS \
	MOVQ y+0(FP), YP;      \
	MOVQ yf+8(FP), YF;     \
	MOVQ x+16(FP), XP;     \
	MOVQ ps+24(FP), PS;    \
	MOVQ wf+40(FP), WF;    \
	LEAQ (WF)(WF*2), WF3;  \
	MOVQ n+56(FP), CNT;    \
	MOVQ w+32(FP), WB;     \
	MOVQ taps+48(FP), TAPS

// C4_BEGIN: XT, WT, K = the first tap of a block.
#define C4_BEGIN \
	MOVQ XP, XT;  \
	MOVQ WB, WT;  \
	MOVQ TAPS, K

// LOADW4: WVf = broadcast(w[f·wf + t]).
#define LOADW4 \
	VBROADCASTSS (WT), WV0;         \
	VBROADCASTSS (WT)(WF*1), WV1;   \
	VBROADCASTSS (WT)(WF*2), WV2;   \
	VBROADCASTSS (WT)(WF3*1), WV3

#define C4_NEXT(LABEL) \
	ADDQ PS, XT; \
	ADDQ $4, WT; \
	DECQ K;      \
	JNE  LABEL
