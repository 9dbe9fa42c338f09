//go:build amd64 && !purego

#include "textflag.h"

// ===========================================================================
// func sgemm6x16AVX2(kc int, a, b, c *float32, ldc int, alpha, beta float32)
//
//	acc[i][j] = Σ_{p<kc} a[p*6+i] * b[p*16+j]      i < 6, j < 16
//	c[i*ldc+j] = alpha*acc[i][j]                    if beta == 0 (c not read)
//	c[i*ldc+j] = alpha*acc[i][j] + beta*c[i*ldc+j]  otherwise
//
// The 6x16 tile lives in 12 YMM accumulators (row i, columns 0-7 in ACCi0,
// 8-15 in ACCi1). Per k step: two 8-wide loads of the B row, six broadcasts
// of the A column, twelve FMAs (the 12 independent chains hide the FMA
// latency of 4 cycles x 2 pipes).
// ===========================================================================

#define KC    CX // remaining k steps
#define APTR  SI // &a[p*6]
#define BPTR  DI // &b[p*16]
#define CPTR  DX // &c[i*ldc], current C row
#define LDC   R8 // ldc * 4 (row stride in bytes)
#define TMP   R9

#define ACC00 Y0  // c[0][0:8]
#define ACC01 Y1  // c[0][8:16]
#define ACC10 Y2  // c[1][0:8]
#define ACC11 Y3  // c[1][8:16]
#define ACC20 Y4  // c[2][0:8]
#define ACC21 Y5  // c[2][8:16]
#define ACC30 Y6  // c[3][0:8]
#define ACC31 Y7  // c[3][8:16]
#define ACC40 Y8  // c[4][0:8]
#define ACC41 Y9  // c[4][8:16]
#define ACC50 Y10 // c[5][0:8]
#define ACC51 Y11 // c[5][8:16]
#define B0    Y12 // b[p][0:8]
#define B1    Y13 // b[p][8:16]
#define A0    Y14 // broadcast a[p][i], even rows
#define A1    Y15 // broadcast a[p][i], odd rows

// Epilogue registers (reuse the loop temporaries once the loop is done).
#define ALPHA Y12 // broadcast alpha
#define BETA  Y13 // broadcast beta
#define T0    Y14
#define T1    Y15

// FMA6(AOFF): the six rows of one k step on the B row in B0, B1:
//
//	for i in 0..5 { A = broadcast(a[p][i]) at APTR+AOFF+4i; ACCi0 += A*B0; ACCi1 += A*B1 }
#define FMA6(AOFF) \
	VBROADCASTSS (AOFF)(APTR), A0;    \
	VFMADD231PS  B0, A0, ACC00;       \
	VFMADD231PS  B1, A0, ACC01;       \
	VBROADCASTSS (AOFF+4)(APTR), A1;  \
	VFMADD231PS  B0, A1, ACC10;       \
	VFMADD231PS  B1, A1, ACC11;       \
	VBROADCASTSS (AOFF+8)(APTR), A0;  \
	VFMADD231PS  B0, A0, ACC20;       \
	VFMADD231PS  B1, A0, ACC21;       \
	VBROADCASTSS (AOFF+12)(APTR), A1; \
	VFMADD231PS  B0, A1, ACC30;       \
	VFMADD231PS  B1, A1, ACC31;       \
	VBROADCASTSS (AOFF+16)(APTR), A0; \
	VFMADD231PS  B0, A0, ACC40;       \
	VFMADD231PS  B1, A0, ACC41;       \
	VBROADCASTSS (AOFF+20)(APTR), A1; \
	VFMADD231PS  B0, A1, ACC50;       \
	VFMADD231PS  B1, A1, ACC51

// KSTEP(AOFF, BOFF): one k step reading a at APTR+AOFF, b at BPTR+BOFF (bytes).
#define KSTEP(AOFF, BOFF) \
	VMOVUPS (BOFF)(BPTR), B0;    \
	VMOVUPS (BOFF+32)(BPTR), B1; \
	FMA6(AOFF)

// ZERO_ACCS: acc = 0.
#define ZERO_ACCS \
	VXORPS ACC00, ACC00, ACC00; \
	VXORPS ACC01, ACC01, ACC01; \
	VXORPS ACC10, ACC10, ACC10; \
	VXORPS ACC11, ACC11, ACC11; \
	VXORPS ACC20, ACC20, ACC20; \
	VXORPS ACC21, ACC21, ACC21; \
	VXORPS ACC30, ACC30, ACC30; \
	VXORPS ACC31, ACC31, ACC31; \
	VXORPS ACC40, ACC40, ACC40; \
	VXORPS ACC41, ACC41, ACC41; \
	VXORPS ACC50, ACC50, ACC50; \
	VXORPS ACC51, ACC51, ACC51

// STORE(R0, R1): c row = R0, R1 (16 values), then the next row.
#define STORE(R0, R1) \
	VMOVUPS R0, (CPTR);   \
	VMOVUPS R1, 32(CPTR); \
	ADDQ    LDC, CPTR

// STORE_BETA(R0, R1): c row = alpha*acc + beta*c, then advance to next row.
//
//	T0 = beta*c[0:8];  T0 += R0*alpha; c[0:8]  = T0
//	T1 = beta*c[8:16]; T1 += R1*alpha; c[8:16] = T1
//	CPTR += ldc
#define STORE_BETA(R0, R1) \
	VMULPS      (CPTR), BETA, T0;   \
	VFMADD231PS ALPHA, R0, T0;      \
	VMOVUPS     T0, (CPTR);         \
	VMULPS      32(CPTR), BETA, T1; \
	VFMADD231PS ALPHA, R1, T1;      \
	VMOVUPS     T1, 32(CPTR);       \
	ADDQ        LDC, CPTR

// STORE_ZERO(R0, R1): c row = alpha*acc (c not read), then next row.
#define STORE_ZERO(R0, R1) \
	VMULPS ALPHA, R0, R0; \
	VMULPS ALPHA, R1, R1; \
	STORE(R0, R1)

// PROLOGUE: load arguments, prefetch the six C rows, zero the accumulators.
#define PROLOGUE \
	MOVQ       kc+0(FP), KC;   \
	MOVQ       a+8(FP), APTR;  \
	MOVQ       b+16(FP), BPTR; \
	MOVQ       c+24(FP), CPTR; \
	MOVQ       ldc+32(FP), LDC; \
	SHLQ       $2, LDC;        \
	MOVQ       CPTR, TMP;      \
	PREFETCHT0 (TMP);          \
	PREFETCHT0 63(TMP);        \
	ADDQ       LDC, TMP;       \
	PREFETCHT0 (TMP);          \
	PREFETCHT0 63(TMP);        \
	ADDQ       LDC, TMP;       \
	PREFETCHT0 (TMP);          \
	PREFETCHT0 63(TMP);        \
	ADDQ       LDC, TMP;       \
	PREFETCHT0 (TMP);          \
	PREFETCHT0 63(TMP);        \
	ADDQ       LDC, TMP;       \
	PREFETCHT0 (TMP);          \
	PREFETCHT0 63(TMP);        \
	ADDQ       LDC, TMP;       \
	PREFETCHT0 (TMP);          \
	PREFETCHT0 63(TMP);        \
	ZERO_ACCS

// EPILOGUE: C = alpha*acc (+ beta*C unless beta == ±0), then return.
// ZLABEL names the beta == 0 branch; it must be unique per function.
#define EPILOGUE(ZLABEL) \
	VBROADCASTSS alpha+40(FP), ALPHA; \
	MOVL         beta+44(FP), AX;     \
	ANDL         $0x7fffffff, AX;     \
	JEQ          ZLABEL;              \
	VBROADCASTSS beta+44(FP), BETA;   \
	STORE_BETA(ACC00, ACC01);         \
	STORE_BETA(ACC10, ACC11);         \
	STORE_BETA(ACC20, ACC21);         \
	STORE_BETA(ACC30, ACC31);         \
	STORE_BETA(ACC40, ACC41);         \
	STORE_BETA(ACC50, ACC51);         \
	VZEROUPPER;                       \
	RET;                              \
ZLABEL:                               \
	STORE_ZERO(ACC00, ACC01);         \
	STORE_ZERO(ACC10, ACC11);         \
	STORE_ZERO(ACC20, ACC21);         \
	STORE_ZERO(ACC30, ACC31);         \
	STORE_ZERO(ACC40, ACC41);         \
	STORE_ZERO(ACC50, ACC51);         \
	VZEROUPPER;                       \
	RET

TEXT ·sgemm6x16AVX2(SB), NOSPLIT, $0-48
	// KC = kc, APTR = a, BPTR = b, CPTR = c, LDC = 4*ldc;
	// prefetch the C tile (6 rows x 64 bytes, possibly two lines each); acc = 0
	PROLOGUE

	// for ; KC >= 4; KC -= 4 { 4 k steps }
	CMPQ KC, $4
	JLT  k_tail

k_loop4:
	KSTEP(0, 0)
	KSTEP(24, 64)
	KSTEP(48, 128)
	KSTEP(72, 192)
	ADDQ $96, APTR  // a += 4*6 floats
	ADDQ $256, BPTR // b += 4*16 floats
	SUBQ $4, KC
	CMPQ KC, $4
	JGE  k_loop4

k_tail:
	// for ; KC > 0; KC-- { 1 k step }
	TESTQ KC, KC
	JEQ   epilogue

k_loop1:
	KSTEP(0, 0)
	ADDQ $24, APTR // a += 6 floats
	ADDQ $64, BPTR // b += 16 floats
	DECQ KC
	JNE  k_loop1

epilogue:
	// c[i*ldc+j] = alpha*acc[i][j] (+ beta*c[i*ldc+j] when beta != 0)
	EPILOGUE(beta_zero)

// func sgemm6x16PFAVX2(kc int, a, b, c *float32, ldc int, alpha, beta float32, pf *float32, pfld int)
//
// Same computation as sgemm6x16AVX2; in addition, k step p issues a
// prefetch of the cache line at pf + p*pfld floats (one line of each of kc
// rows of a row-major matrix: the next B micro-panel to be packed). The
// prefetches are spread over the k loop so they overlap with the FMAs
// instead of stalling the packing routine later.
#define PF   R10 // next line to prefetch
#define PFLD R11 // pfld * 4 (bytes between prefetched lines)

TEXT ·sgemm6x16PFAVX2(SB), NOSPLIT, $0-64
	PROLOGUE
	MOVQ pf+48(FP), PF
	MOVQ pfld+56(FP), PFLD
	SHLQ $2, PFLD

	CMPQ KC, $4
	JLT  pf_tail

pf_loop4:
	KSTEP(0, 0)
	PREFETCHT0 (PF)                 // row p of the next panel
	KSTEP(24, 64)
	PREFETCHT0 (PF)(PFLD*1)         // row p+1
	LEAQ       (PF)(PFLD*2), PF     // PF += 2 rows
	KSTEP(48, 128)
	PREFETCHT0 (PF)                 // row p+2
	KSTEP(72, 192)
	PREFETCHT0 (PF)(PFLD*1)         // row p+3
	LEAQ       (PF)(PFLD*2), PF     // PF += 2 rows
	ADDQ       $96, APTR
	ADDQ       $256, BPTR
	SUBQ       $4, KC
	CMPQ       KC, $4
	JGE        pf_loop4

pf_tail:
	TESTQ KC, KC
	JEQ   pf_epilogue

pf_loop1:
	KSTEP(0, 0)
	PREFETCHT0 (PF)
	ADDQ       PFLD, PF
	ADDQ       $24, APTR
	ADDQ       $64, BPTR
	DECQ       KC
	JNE        pf_loop1

pf_epilogue:
	EPILOGUE(pf_beta_zero)

// ===========================================================================
// func sgemm6x8AVX2(kc int, a, b *float32, ldb int, c *float32, ldc int, alpha, beta float32)
//
//	acc[i][j] = Σ_{p<kc} a[p*6+i] * b[p*ldb+j]      i < 6, j < 8
//	c[i*ldc+j] = alpha*acc[i][j] (+ beta*c[i*ldc+j] unless beta == ±0)
//
// Narrow-tile kernel for the last (≤ 8 wide) column panel. Six accumulators
// alone would leave the FMA pipes half idle (4-cycle latency, 2 pipes), so
// even and odd k steps accumulate into separate sets (ACC0i / ACC1i) that
// are added at the end.
// ===========================================================================

#define LDB   R9  // ldb * 4 (bytes between B rows)
#define E0    Y0  // even-k partial sums, rows 0..5
#define E1    Y1
#define E2    Y2
#define E3    Y3
#define E4    Y4
#define E5    Y5
#define O0    Y6  // odd-k partial sums, rows 0..5
#define O1    Y7
#define O2    Y8
#define O3    Y9
#define O4    Y10
#define O5    Y11
#define BE    Y12 // b[p][0:8]
#define BO    Y13 // b[p+1][0:8]

// NSTORE_BETA(R): c row = alpha*R + beta*c; next row.
#define NSTORE_BETA(R) \
	VMULPS      (CPTR), BETA, T0; \
	VFMADD231PS ALPHA, R, T0;     \
	VMOVUPS     T0, (CPTR);       \
	ADDQ        LDC, CPTR

// NSTORE_ZERO(R): c row = alpha*R; next row.
#define NSTORE_ZERO(R) \
	VMULPS  ALPHA, R, R; \
	VMOVUPS R, (CPTR);   \
	ADDQ    LDC, CPTR

TEXT ·sgemm6x8AVX2(SB), NOSPLIT, $0-56
	MOVQ   kc+0(FP), KC
	MOVQ   a+8(FP), APTR
	MOVQ   b+16(FP), BPTR
	MOVQ   ldb+24(FP), LDB
	SHLQ   $2, LDB            // LDB = ldb*4
	MOVQ   c+32(FP), CPTR
	MOVQ   ldc+40(FP), LDC
	SHLQ   $2, LDC            // LDC = ldc*4
	VXORPS E0, E0, E0         // all partial sums = 0
	VXORPS E1, E1, E1
	VXORPS E2, E2, E2
	VXORPS E3, E3, E3
	VXORPS E4, E4, E4
	VXORPS E5, E5, E5
	VXORPS O0, O0, O0
	VXORPS O1, O1, O1
	VXORPS O2, O2, O2
	VXORPS O3, O3, O3
	VXORPS O4, O4, O4
	VXORPS O5, O5, O5

n8_loop2: // two k steps: p (even set) and p+1 (odd set)
	CMPQ         KC, $2
	JLT          n8_tail
	VMOVUPS      (BPTR), BE          // BE = b[p][0:8]
	VMOVUPS      (BPTR)(LDB*1), BO   // BO = b[p+1][0:8]
	VBROADCASTSS 0(APTR), A0         // E_i += a[p][i] * BE
	VFMADD231PS  BE, A0, E0
	VBROADCASTSS 24(APTR), A1        // O_i += a[p+1][i] * BO
	VFMADD231PS  BO, A1, O0
	VBROADCASTSS 4(APTR), A0
	VFMADD231PS  BE, A0, E1
	VBROADCASTSS 28(APTR), A1
	VFMADD231PS  BO, A1, O1
	VBROADCASTSS 8(APTR), A0
	VFMADD231PS  BE, A0, E2
	VBROADCASTSS 32(APTR), A1
	VFMADD231PS  BO, A1, O2
	VBROADCASTSS 12(APTR), A0
	VFMADD231PS  BE, A0, E3
	VBROADCASTSS 36(APTR), A1
	VFMADD231PS  BO, A1, O3
	VBROADCASTSS 16(APTR), A0
	VFMADD231PS  BE, A0, E4
	VBROADCASTSS 40(APTR), A1
	VFMADD231PS  BO, A1, O4
	VBROADCASTSS 20(APTR), A0
	VFMADD231PS  BE, A0, E5
	VBROADCASTSS 44(APTR), A1
	VFMADD231PS  BO, A1, O5
	ADDQ         $48, APTR           // a += 2*6 floats
	LEAQ         (BPTR)(LDB*2), BPTR // b += 2 rows
	SUBQ         $2, KC
	JMP          n8_loop2

n8_tail: // odd kc: one last step into the even set
	TESTQ        KC, KC
	JEQ          n8_sum
	VMOVUPS      (BPTR), BE
	VBROADCASTSS 0(APTR), A0
	VFMADD231PS  BE, A0, E0
	VBROADCASTSS 4(APTR), A0
	VFMADD231PS  BE, A0, E1
	VBROADCASTSS 8(APTR), A0
	VFMADD231PS  BE, A0, E2
	VBROADCASTSS 12(APTR), A0
	VFMADD231PS  BE, A0, E3
	VBROADCASTSS 16(APTR), A0
	VFMADD231PS  BE, A0, E4
	VBROADCASTSS 20(APTR), A0
	VFMADD231PS  BE, A0, E5

n8_sum: // acc_i = E_i + O_i
	VADDPS O0, E0, E0
	VADDPS O1, E1, E1
	VADDPS O2, E2, E2
	VADDPS O3, E3, E3
	VADDPS O4, E4, E4
	VADDPS O5, E5, E5

	VBROADCASTSS alpha+48(FP), ALPHA
	MOVL         beta+52(FP), AX
	ANDL         $0x7fffffff, AX      // beta == ±0 ?
	JEQ          n8_beta_zero
	VBROADCASTSS beta+52(FP), BETA
	NSTORE_BETA(E0)
	NSTORE_BETA(E1)
	NSTORE_BETA(E2)
	NSTORE_BETA(E3)
	NSTORE_BETA(E4)
	NSTORE_BETA(E5)
	VZEROUPPER
	RET

n8_beta_zero:
	NSTORE_ZERO(E0)
	NSTORE_ZERO(E1)
	NSTORE_ZERO(E2)
	NSTORE_ZERO(E3)
	NSTORE_ZERO(E4)
	NSTORE_ZERO(E5)
	VZEROUPPER
	RET

// ===========================================================================
// Vector helpers. Common register map.
// ===========================================================================

#define XP  SI // &x[i]
#define YP  DI // &y[i]
#define N   CX // remaining elements
#define K8  Y15 // broadcast scalar argument (alpha or bias)
#define K1  X15 // same, scalar view
#define ZERO  Y14
#define ZEROX X14

// func axpyAVX2(alpha float32, x, y *float32, n int)
//
//	for i := 0; i < n; i++ { y[i] += alpha*x[i] }
TEXT ·axpyAVX2(SB), NOSPLIT, $0-32
	VBROADCASTSS alpha+0(FP), K8 // K8 = alpha (x8)
	MOVQ         x+8(FP), XP
	MOVQ         y+16(FP), YP
	MOVQ         n+24(FP), N

axpy_loop32: // 32 elements per iteration
	CMPQ        N, $32
	JLT         axpy_loop8
	VMOVUPS     (YP), Y0              // y[i:i+32] -> Y0..Y3
	VMOVUPS     32(YP), Y1
	VMOVUPS     64(YP), Y2
	VMOVUPS     96(YP), Y3
	VFMADD231PS (XP), K8, Y0          // Y += alpha*x[i:i+32]
	VFMADD231PS 32(XP), K8, Y1
	VFMADD231PS 64(XP), K8, Y2
	VFMADD231PS 96(XP), K8, Y3
	VMOVUPS     Y0, (YP)              // store back
	VMOVUPS     Y1, 32(YP)
	VMOVUPS     Y2, 64(YP)
	VMOVUPS     Y3, 96(YP)
	ADDQ        $128, XP
	ADDQ        $128, YP
	SUBQ        $32, N
	JMP         axpy_loop32

axpy_loop8: // 8 elements per iteration
	CMPQ        N, $8
	JLT         axpy_tail
	VMOVUPS     (YP), Y0
	VFMADD231PS (XP), K8, Y0
	VMOVUPS     Y0, (YP)
	ADDQ        $32, XP
	ADDQ        $32, YP
	SUBQ        $8, N
	JMP         axpy_loop8

axpy_tail: // scalar remainder
	TESTQ N, N
	JEQ   axpy_done

axpy_loop1:
	VMOVSS      (YP), X0
	VFMADD231SS (XP), K1, X0 // y[i] += alpha*x[i]
	VMOVSS      X0, (YP)
	ADDQ        $4, XP
	ADDQ        $4, YP
	DECQ        N
	JNE         axpy_loop1

axpy_done:
	VZEROUPPER
	RET

// func dotAVX2(x, y *float32, n int) float32
//
//	s := 0; for i := 0; i < n; i++ { s += x[i]*y[i] }; return s
//
// Four 8-lane partial sums, reduced at the end; scalar tail added last.
TEXT ·dotAVX2(SB), NOSPLIT, $0-28
	MOVQ   x+0(FP), XP
	MOVQ   y+8(FP), YP
	MOVQ   n+16(FP), N
	VXORPS Y0, Y0, Y0 // partial sums Y0..Y3 = 0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3

dot_loop32:
	CMPQ        N, $32
	JLT         dot_loop8
	VMOVUPS     (XP), Y4     // x[i:i+32] -> Y4..Y7
	VMOVUPS     32(XP), Y5
	VMOVUPS     64(XP), Y6
	VMOVUPS     96(XP), Y7
	VFMADD231PS (YP), Y4, Y0 // Yk += x*y
	VFMADD231PS 32(YP), Y5, Y1
	VFMADD231PS 64(YP), Y6, Y2
	VFMADD231PS 96(YP), Y7, Y3
	ADDQ        $128, XP
	ADDQ        $128, YP
	SUBQ        $32, N
	JMP         dot_loop32

dot_loop8:
	CMPQ        N, $8
	JLT         dot_reduce
	VMOVUPS     (XP), Y4
	VFMADD231PS (YP), Y4, Y0
	ADDQ        $32, XP
	ADDQ        $32, YP
	SUBQ        $8, N
	JMP         dot_loop8

dot_reduce: // X0[0] = sum of all 32 lanes
	VADDPS       Y1, Y0, Y0 // Y0 += Y1
	VADDPS       Y3, Y2, Y2 // Y2 += Y3
	VADDPS       Y2, Y0, Y0 // Y0 += Y2
	VEXTRACTF128 $1, Y0, X1 // X1 = high 128 bits
	VADDPS       X1, X0, X0 // 4 lanes
	VMOVHLPS     X0, X0, X1 // X1[0:2] = X0[2:4]
	VADDPS       X1, X0, X0 // 2 lanes
	VMOVSHDUP    X0, X1     // X1[0] = X0[1]
	VADDSS       X1, X0, X0 // 1 lane

	TESTQ N, N
	JEQ   dot_done

dot_loop1: // scalar remainder
	VMOVSS      (XP), X1
	VFMADD231SS (YP), X1, X0 // s += x[i]*y[i]
	ADDQ        $4, XP
	ADDQ        $4, YP
	DECQ        N
	JNE         dot_loop1

dot_done:
	VMOVSS X0, ret+24(FP)
	VZEROUPPER
	RET

// func scaleAVX2(alpha float32, x *float32, n int)
//
//	for i := 0; i < n; i++ { x[i] *= alpha }
TEXT ·scaleAVX2(SB), NOSPLIT, $0-24
	VBROADCASTSS alpha+0(FP), K8
	MOVQ         x+8(FP), XP
	MOVQ         n+16(FP), N

scale_loop32:
	CMPQ    N, $32
	JLT     scale_loop8
	VMULPS  (XP), K8, Y0   // Y0..Y3 = alpha*x[i:i+32]
	VMULPS  32(XP), K8, Y1
	VMULPS  64(XP), K8, Y2
	VMULPS  96(XP), K8, Y3
	VMOVUPS Y0, (XP)
	VMOVUPS Y1, 32(XP)
	VMOVUPS Y2, 64(XP)
	VMOVUPS Y3, 96(XP)
	ADDQ    $128, XP
	SUBQ    $32, N
	JMP     scale_loop32

scale_loop8:
	CMPQ    N, $8
	JLT     scale_tail
	VMULPS  (XP), K8, Y0
	VMOVUPS Y0, (XP)
	ADDQ    $32, XP
	SUBQ    $8, N
	JMP     scale_loop8

scale_tail:
	TESTQ N, N
	JEQ   scale_done

scale_loop1:
	VMULSS (XP), K1, X0 // x[i] *= alpha
	VMOVSS X0, (XP)
	ADDQ   $4, XP
	DECQ   N
	JNE    scale_loop1

scale_done:
	VZEROUPPER
	RET

// func addBiasAVX2(bias float32, x *float32, n int)
//
//	for i := 0; i < n; i++ { x[i] += bias }
TEXT ·addBiasAVX2(SB), NOSPLIT, $0-24
	VBROADCASTSS bias+0(FP), K8
	MOVQ         x+8(FP), XP
	MOVQ         n+16(FP), N

bias_loop32:
	CMPQ    N, $32
	JLT     bias_loop8
	VADDPS  (XP), K8, Y0   // Y0..Y3 = x[i:i+32] + bias
	VADDPS  32(XP), K8, Y1
	VADDPS  64(XP), K8, Y2
	VADDPS  96(XP), K8, Y3
	VMOVUPS Y0, (XP)
	VMOVUPS Y1, 32(XP)
	VMOVUPS Y2, 64(XP)
	VMOVUPS Y3, 96(XP)
	ADDQ    $128, XP
	SUBQ    $32, N
	JMP     bias_loop32

bias_loop8:
	CMPQ    N, $8
	JLT     bias_tail
	VADDPS  (XP), K8, Y0
	VMOVUPS Y0, (XP)
	ADDQ    $32, XP
	SUBQ    $8, N
	JMP     bias_loop8

bias_tail:
	TESTQ N, N
	JEQ   bias_done

bias_loop1:
	VADDSS (XP), K1, X0 // x[i] += bias
	VMOVSS X0, (XP)
	ADDQ   $4, XP
	DECQ   N
	JNE    bias_loop1

bias_done:
	VZEROUPPER
	RET

// func addBiasReluAVX2(bias float32, x *float32, n int)
//
//	for i := 0; i < n; i++ { v := x[i] + bias; if v < 0 { v = 0 }; x[i] = v }
//
// VMAXPS returns its second source (v) when either input is NaN or both are
// zero, so max(0, v) keeps NaN and -0 exactly like the Go loop.
TEXT ·addBiasReluAVX2(SB), NOSPLIT, $0-24
	VBROADCASTSS bias+0(FP), K8
	MOVQ         x+8(FP), XP
	MOVQ         n+16(FP), N
	VXORPS       ZERO, ZERO, ZERO

relu_loop32:
	CMPQ    N, $32
	JLT     relu_loop8
	VADDPS  (XP), K8, Y0   // v = x + bias
	VADDPS  32(XP), K8, Y1
	VADDPS  64(XP), K8, Y2
	VADDPS  96(XP), K8, Y3
	VMAXPS  Y0, ZERO, Y0   // v = max(0, v)
	VMAXPS  Y1, ZERO, Y1
	VMAXPS  Y2, ZERO, Y2
	VMAXPS  Y3, ZERO, Y3
	VMOVUPS Y0, (XP)
	VMOVUPS Y1, 32(XP)
	VMOVUPS Y2, 64(XP)
	VMOVUPS Y3, 96(XP)
	ADDQ    $128, XP
	SUBQ    $32, N
	JMP     relu_loop32

relu_loop8:
	CMPQ    N, $8
	JLT     relu_tail
	VADDPS  (XP), K8, Y0
	VMAXPS  Y0, ZERO, Y0
	VMOVUPS Y0, (XP)
	ADDQ    $32, XP
	SUBQ    $8, N
	JMP     relu_loop8

relu_tail:
	TESTQ N, N
	JEQ   relu_done

relu_loop1:
	VADDSS (XP), K1, X0    // v = x[i] + bias
	VMAXSS X0, ZEROX, X0   // v = max(0, v)
	VMOVSS X0, (XP)
	ADDQ   $4, XP
	DECQ   N
	JNE    relu_loop1

relu_done:
	VZEROUPPER
	RET

// func packNRAVX2(dst *float32, stride int, src *float32, npan int)
//
//	for jp := 0; jp < npan; jp++ { dst[jp*stride : jp*stride+16] = src[jp*16 : jp*16+16] }
TEXT ·packNRAVX2(SB), NOSPLIT, $0-32
	MOVQ  dst+0(FP), YP    // YP = &dst[0]
	MOVQ  stride+8(FP), R8
	SHLQ  $2, R8           // R8 = stride in bytes
	MOVQ  src+16(FP), XP   // XP = &src[0]
	MOVQ  npan+24(FP), N
	TESTQ N, N
	JEQ   packnr_done

packnr_loop:
	VMOVUPS (XP), Y0    // 16 floats of the source row
	VMOVUPS 32(XP), Y1
	VMOVUPS Y0, (YP)    // into row p of micro-panel jp
	VMOVUPS Y1, 32(YP)
	ADDQ    $64, XP     // next 16 source columns
	ADDQ    R8, YP      // next micro-panel
	DECQ    N
	JNE     packnr_loop

packnr_done:
	VZEROUPPER
	RET

// func packPanelNRAVX2(kc int, dst, src *float32, ld int)
//
//	for p := 0; p < kc; p++ {
//		dst[p*16 : p*16+16] = src[p*ld : p*ld+16]
//		prefetch(src[p*ld+16 : p*ld+32])  // next micro-panel, used after this one's compute
//	}
TEXT ·packPanelNRAVX2(SB), NOSPLIT, $0-32
	MOVQ  kc+0(FP), N
	MOVQ  dst+8(FP), YP // YP = &dst[0]
	MOVQ  src+16(FP), XP // XP = &src[0]
	MOVQ  ld+24(FP), R8
	SHLQ  $2, R8         // R8 = ld in bytes
	TESTQ N, N
	JEQ   packpanel_done

packpanel_loop:
	VMOVUPS    (XP), Y0   // src row p, columns 0..15
	VMOVUPS    32(XP), Y1
	PREFETCHT0 64(XP)     // same row, next micro-panel
	VMOVUPS    Y0, (YP)   // dst[p*16 : p*16+16]
	VMOVUPS    Y1, 32(YP)
	ADDQ       R8, XP     // next source row
	ADDQ       $64, YP    // next packed row
	DECQ       N
	JNE        packpanel_loop

packpanel_done:
	VZEROUPPER
	RET

// func packMRAVX2(kc int, dst, src *float32, ld int)
//
//	for p := 0; p < kc; p++ {
//		for i := 0; i < 6; i++ { dst[p*6+i] = src[i*ld+p] }
//	}
//
// Eight columns at a time: load 8 floats of each of the 6 rows, transpose
// (unpack / shuffle / 128-bit permute) into eight vectors
// [r0[p] r1[p] r2[p] r3[p] r4[p] r5[p] x x] and store them 6 floats apart in
// increasing p, each store's 2 junk floats being overwritten by the next
// one. The 8-column loop runs only while more than 8 columns remain, so the
// last store's junk never passes dst[6*kc]; the rest is copied one column at
// a time.
#define ROW1 R8  // ld*4: offset of row 1 (rows 2 and 4 via scale 2 and 4)
#define ROW3 R9  // 3*ld*4
#define ROW5 R10 // 5*ld*4

TEXT ·packMRAVX2(SB), NOSPLIT, $0-32
	MOVQ kc+0(FP), N
	MOVQ dst+8(FP), YP
	MOVQ src+16(FP), XP
	MOVQ ld+24(FP), ROW1
	SHLQ $2, ROW1                  // ROW1 = ld*4
	LEAQ (ROW1)(ROW1*2), ROW3      // ROW3 = 3*ld*4
	LEAQ (ROW1)(ROW1*4), ROW5      // ROW5 = 5*ld*4

packmr_loop8:
	CMPQ N, $9
	JLT  packmr_tail

	VMOVUPS (XP), Y0               // r0[p:p+8]
	VMOVUPS (XP)(ROW1*1), Y1       // r1
	VMOVUPS (XP)(ROW1*2), Y2       // r2
	VMOVUPS (XP)(ROW3*1), Y3       // r3
	VMOVUPS (XP)(ROW1*4), Y4       // r4
	VMOVUPS (XP)(ROW5*1), Y5       // r5

	VUNPCKLPS Y1, Y0, Y6           // t0 = r0[0] r1[0] r0[1] r1[1] | r0[4] r1[4] r0[5] r1[5]
	VUNPCKHPS Y1, Y0, Y7           // t1 = r0[2] r1[2] r0[3] r1[3] | r0[6] r1[6] r0[7] r1[7]
	VUNPCKLPS Y3, Y2, Y8           // t2 = same for r2, r3
	VUNPCKHPS Y3, Y2, Y9           // t3
	VUNPCKLPS Y5, Y4, Y10          // t4 = same for r4, r5
	VUNPCKHPS Y5, Y4, Y11          // t5

	VSHUFPS $0x44, Y8, Y6, Y0      // u0 = r0..r3 at p=0 | p=4
	VSHUFPS $0xEE, Y8, Y6, Y1      // u1 = r0..r3 at p=1 | p=5
	VSHUFPS $0x44, Y9, Y7, Y2      // u2 = r0..r3 at p=2 | p=6
	VSHUFPS $0xEE, Y9, Y7, Y3      // u3 = r0..r3 at p=3 | p=7
	VSHUFPS $0x44, Y10, Y10, Y4    // u4 = r4 r5 x x at p=0 | p=4
	VSHUFPS $0xEE, Y10, Y10, Y5    // u5 = r4 r5 x x at p=1 | p=5
	VSHUFPS $0x44, Y11, Y11, Y6    // u6 = r4 r5 x x at p=2 | p=6
	VSHUFPS $0xEE, Y11, Y11, Y7    // u7 = r4 r5 x x at p=3 | p=7

	VPERM2F128 $0x20, Y4, Y0, Y8   // column p+0: u0.lo | u4.lo
	VPERM2F128 $0x20, Y5, Y1, Y9   // p+1
	VPERM2F128 $0x20, Y6, Y2, Y10  // p+2
	VPERM2F128 $0x20, Y7, Y3, Y11  // p+3
	VPERM2F128 $0x31, Y4, Y0, Y12  // p+4: u0.hi | u4.hi
	VPERM2F128 $0x31, Y5, Y1, Y13  // p+5
	VPERM2F128 $0x31, Y6, Y2, Y14  // p+6
	VPERM2F128 $0x31, Y7, Y3, Y15  // p+7

	VMOVUPS Y8, (YP)               // dst[(p+j)*6 : (p+j)*6+8], j = 0..7, in order
	VMOVUPS Y9, 24(YP)
	VMOVUPS Y10, 48(YP)
	VMOVUPS Y11, 72(YP)
	VMOVUPS Y12, 96(YP)
	VMOVUPS Y13, 120(YP)
	VMOVUPS Y14, 144(YP)
	VMOVUPS Y15, 168(YP)

	ADDQ $32, XP                   // p += 8
	ADDQ $192, YP                  // dst += 8*6 floats
	SUBQ $8, N
	JMP  packmr_loop8

packmr_tail: // one column at a time
	TESTQ N, N
	JEQ   packmr_done

packmr_loop1:
	MOVL (XP), AX                  // dst[p*6+i] = r_i[p]
	MOVL AX, (YP)
	MOVL (XP)(ROW1*1), AX
	MOVL AX, 4(YP)
	MOVL (XP)(ROW1*2), AX
	MOVL AX, 8(YP)
	MOVL (XP)(ROW3*1), AX
	MOVL AX, 12(YP)
	MOVL (XP)(ROW1*4), AX
	MOVL AX, 16(YP)
	MOVL (XP)(ROW5*1), AX
	MOVL AX, 20(YP)
	ADDQ $4, XP
	ADDQ $24, YP
	DECQ N
	JNE  packmr_loop1

packmr_done:
	VZEROUPPER
	RET

// func packPanelNRTransAVX2(kc int, dst, src *float32, ld int)
//
//	for p := 0; p < kc; p++ {
//		for j := 0; j < 16; j++ { dst[p*16+j] = src[j*ld+p] }
//	}
//
// Eight columns p at a time, as two 8x8 transposes (source rows 0-7 give
// dst[p*16 : p*16+8], rows 8-15 give dst[p*16+8 : p*16+16]); the kc%8 tail
// is copied one element at a time.
#define RA  R9  // &src[0*ld + p]: rows 0-3
#define RB  R10 // rows 4-7
#define RC  R11 // rows 8-11
#define RD  R12 // rows 12-15
#define LD1 R8  // ld*4
#define LD3 R13 // 3*ld*4

// TSTORE8(OFF): transpose the 8×8 block in Y0–Y7 (row i in Yi) and store
// column q to OFF+q*64(YP) (q = 0..7); Y8–Y15 are scratch.
//
//	t(2i), t(2i+1) = unpacklo/hi(row 2i, row 2i+1)
//	u = shufps(t, t', 0x44 / 0xEE)       four rows per 128-bit lane
//	column q = perm2f128(u_lo_rows, u_hi_rows, 0x20 / 0x31)
#define TSTORE8(OFF) \
	VUNPCKLPS  Y1, Y0, Y8;               \
	VUNPCKHPS  Y1, Y0, Y9;               \
	VUNPCKLPS  Y3, Y2, Y10;              \
	VUNPCKHPS  Y3, Y2, Y11;              \
	VUNPCKLPS  Y5, Y4, Y12;              \
	VUNPCKHPS  Y5, Y4, Y13;              \
	VUNPCKLPS  Y7, Y6, Y14;              \
	VUNPCKHPS  Y7, Y6, Y15;              \
	VSHUFPS    $0x44, Y10, Y8, Y0;       \
	VSHUFPS    $0xEE, Y10, Y8, Y1;       \
	VSHUFPS    $0x44, Y11, Y9, Y2;       \
	VSHUFPS    $0xEE, Y11, Y9, Y3;       \
	VSHUFPS    $0x44, Y14, Y12, Y4;      \
	VSHUFPS    $0xEE, Y14, Y12, Y5;      \
	VSHUFPS    $0x44, Y15, Y13, Y6;      \
	VSHUFPS    $0xEE, Y15, Y13, Y7;      \
	VPERM2F128 $0x20, Y4, Y0, Y8;        \
	VPERM2F128 $0x20, Y5, Y1, Y9;        \
	VPERM2F128 $0x20, Y6, Y2, Y10;       \
	VPERM2F128 $0x20, Y7, Y3, Y11;       \
	VPERM2F128 $0x31, Y4, Y0, Y12;       \
	VPERM2F128 $0x31, Y5, Y1, Y13;       \
	VPERM2F128 $0x31, Y6, Y2, Y14;       \
	VPERM2F128 $0x31, Y7, Y3, Y15;       \
	VMOVUPS    Y8, (OFF+0*64)(YP);       \
	VMOVUPS    Y9, (OFF+1*64)(YP);       \
	VMOVUPS    Y10, (OFF+2*64)(YP);      \
	VMOVUPS    Y11, (OFF+3*64)(YP);      \
	VMOVUPS    Y12, (OFF+4*64)(YP);      \
	VMOVUPS    Y13, (OFF+5*64)(YP);      \
	VMOVUPS    Y14, (OFF+6*64)(YP);      \
	VMOVUPS    Y15, (OFF+7*64)(YP)

// TRANSPOSE8(R0, R1): load 8 floats at p from the 4 rows at R0 and the 4
// at R1, transpose, and store column p+q (q = 0..7) to OFF+q*64(YP).
#define TRANSPOSE8(R0, R1, OFF) \
	VMOVUPS    (R0), Y0;                 \
	VMOVUPS    (R0)(LD1*1), Y1;          \
	VMOVUPS    (R0)(LD1*2), Y2;          \
	VMOVUPS    (R0)(LD3*1), Y3;          \
	VMOVUPS    (R1), Y4;                 \
	VMOVUPS    (R1)(LD1*1), Y5;          \
	VMOVUPS    (R1)(LD1*2), Y6;          \
	VMOVUPS    (R1)(LD3*1), Y7;          \
	TSTORE8(OFF)

// COPY4(R, OFF): dst[p*16 + OFF/4 + 0..3] = the 4 rows at R, column p.
#define COPY4(R, OFF) \
	MOVL (R), AX;          \
	MOVL AX, (OFF)(YP);    \
	MOVL (R)(LD1*1), AX;   \
	MOVL AX, (OFF+4)(YP);  \
	MOVL (R)(LD1*2), AX;   \
	MOVL AX, (OFF+8)(YP);  \
	MOVL (R)(LD3*1), AX;   \
	MOVL AX, (OFF+12)(YP)

TEXT ·packPanelNRTransAVX2(SB), NOSPLIT, $0-32
	MOVQ kc+0(FP), N
	MOVQ dst+8(FP), YP
	MOVQ src+16(FP), RA        // RA = &src[0]
	MOVQ ld+24(FP), LD1
	SHLQ $2, LD1               // LD1 = ld*4
	LEAQ (LD1)(LD1*2), LD3     // LD3 = 3*ld*4
	LEAQ (RA)(LD1*4), RB       // RB = row 4
	LEAQ (RB)(LD1*4), RC       // RC = row 8
	LEAQ (RC)(LD1*4), RD       // RD = row 12

pnt_loop8:
	CMPQ N, $8
	JLT  pnt_tail
	TRANSPOSE8(RA, RB, 0)      // rows 0-7  -> dst[(p+q)*16 + 0..7]
	TRANSPOSE8(RC, RD, 32)     // rows 8-15 -> dst[(p+q)*16 + 8..15]
	ADDQ $32, RA               // p += 8
	ADDQ $32, RB
	ADDQ $32, RC
	ADDQ $32, RD
	ADDQ $512, YP              // dst += 8*16 floats
	SUBQ $8, N
	JMP  pnt_loop8

pnt_tail:
	TESTQ N, N
	JEQ   pnt_done

pnt_loop1: // dst[p*16+j] = row_j[p], j = 0..15
	COPY4(RA, 0)
	COPY4(RB, 16)
	COPY4(RC, 32)
	COPY4(RD, 48)
	ADDQ $4, RA
	ADDQ $4, RB
	ADDQ $4, RC
	ADDQ $4, RD
	ADDQ $64, YP
	DECQ N
	JNE  pnt_loop1

pnt_done:
	VZEROUPPER
	RET

// ===========================================================================
// func sgemm6x16RowsAVX2(kc int, a, b *float32, off *int, nb int, c *float32, ldc int)
//
//	for blk < nb, i < 6, j < 16:
//	    c[i*ldc + 16*blk + j] = Σ_{p<kc} a[p*6+i] * b[off[p] + 16*blk + j]
//
// The micro-kernel of a direct convolution with a short reduction (kc
// taps): B is not packed but read in place through a row table (row p is a
// tap's run in the input's phase planes), and nb adjacent 16-column tiles
// of one output row are computed per call with the A panel (kc×6 packed
// weights, L1-resident) reloaded for each. The whole reduction stays in
// registers and C is written once, without being read.
// ===========================================================================
#define ROFF  R10 // &off[p]
#define RNB   R11 // tiles left
#define RA0   R12 // a (start of the A panel)
#define ROFF0 R13 // off (start of the row table)
#define RCOL  AX  // &c[16*blk]

// RSTEP(OFF, AOFF): one k step, B row at BPTR + 4·OFF, A column at APTR + AOFF.
#define RSTEP(OFF, AOFF) \
	VMOVUPS (BPTR)(OFF*4), B0;   \
	VMOVUPS 32(BPTR)(OFF*4), B1; \
	FMA6(AOFF)

TEXT ·sgemm6x16RowsAVX2(SB), NOSPLIT, $0-56
	MOVQ a+8(FP), RA0
	MOVQ b+16(FP), BPTR
	MOVQ off+24(FP), ROFF0
	MOVQ nb+32(FP), RNB
	MOVQ c+40(FP), RCOL
	MOVQ ldc+48(FP), LDC
	SHLQ $2, LDC

rows_tile:
	TESTQ  RNB, RNB
	JEQ    rows_done
	MOVQ   kc+0(FP), KC
	MOVQ   RA0, APTR
	MOVQ   ROFF0, ROFF
	ZERO_ACCS

	// Two k steps per iteration (the row table's loads and the loop
	// control shared), then the odd one.
	CMPQ KC, $2
	JLT  rows_k1

rows_k2:
	MOVQ (ROFF), TMP                    // off[p]
	MOVQ 8(ROFF), R14                   // off[p+1]
	RSTEP(TMP, 0)
	RSTEP(R14, 24)
	ADDQ $48, APTR
	ADDQ $16, ROFF
	SUBQ $2, KC
	CMPQ KC, $2
	JGE  rows_k2

rows_k1:
	TESTQ KC, KC
	JEQ   rows_store
	MOVQ  (ROFF), TMP
	RSTEP(TMP, 0)

rows_store:
	MOVQ RCOL, CPTR
	STORE(ACC00, ACC01)
	STORE(ACC10, ACC11)
	STORE(ACC20, ACC21)
	STORE(ACC30, ACC31)
	STORE(ACC40, ACC41)
	STORE(ACC50, ACC51)
	ADDQ $64, BPTR                    // next tile: 16 columns on
	ADDQ $64, RCOL
	DECQ RNB
	JMP  rows_tile

rows_done:
	VZEROUPPER
	RET

// ===========================================================================
// func sgemm2x16RowsAVX2(kc int, a, b *float32, off *int, nb int, c *float32, ldc int)
//
//	for blk < nb, i < 2, j < 16:
//	    c[i*ldc + 16*blk + j] = Σ_{p<kc} a[p*6+i] * b[off[p] + 16*blk + j]
//
// Sgemm6x16Rows for two rows of a 6-row A panel (a points at the first of
// them): the last panel of a matrix whose rows are not a multiple of 6
// (32 output channels: 5 panels and 2 rows) costs a third of a full panel
// instead of a whole one. Two rows give four accumulation chains per k
// step, too few to hide the FMA latency, so even and odd k steps go to
// separate accumulators (eight chains), summed before the store.
// ===========================================================================
#define E00 Y0 // row 0, columns 0-7, even k
#define E01 Y1 // row 0, columns 8-15, even k
#define E10 Y2 // row 1, even k
#define E11 Y3
#define O00 Y4 // odd k
#define O01 Y5
#define O10 Y6
#define O11 Y7

// ZERO2: the eight chains = 0. SUM2: the odd chains added to the even.
#define ZERO2 \
	VXORPS E00, E00, E00; \
	VXORPS E01, E01, E01; \
	VXORPS E10, E10, E10; \
	VXORPS E11, E11, E11; \
	VXORPS O00, O00, O00; \
	VXORPS O01, O01, O01; \
	VXORPS O10, O10, O10; \
	VXORPS O11, O11, O11

#define SUM2 \
	VADDPS O00, E00, E00; \
	VADDPS O01, E01, E01; \
	VADDPS O10, E10, E10; \
	VADDPS O11, E11, E11

// FMA2(BLO, BHI, AOFF, C00, C01, C10, C11): one k step of two rows into
// the given chains, the B row's halves at BLO and BHI, the two A values
// at APTR+AOFF (shared by sgemm2x16RowsAVX2 and sgemm2x16AVX2, which
// differ only in where B is).
#define FMA2(BLO, BHI, AOFF, C00, C01, C10, C11) \
	VMOVUPS      BLO, B0;          \
	VMOVUPS      BHI, B1;          \
	VBROADCASTSS AOFF(APTR), A0;   \
	VBROADCASTSS AOFF+4(APTR), A1; \
	VFMADD231PS  B0, A0, C00;      \
	VFMADD231PS  B1, A0, C01;      \
	VFMADD231PS  B0, A1, C10;      \
	VFMADD231PS  B1, A1, C11

// R2STEP(OFF, AOFF, …): B row at BPTR + 4·OFF (a row-table entry).
#define R2STEP(OFF, AOFF, C00, C01, C10, C11) \
	FMA2((BPTR)(OFF*4), 32(BPTR)(OFF*4), AOFF, C00, C01, C10, C11)

TEXT ·sgemm2x16RowsAVX2(SB), NOSPLIT, $0-56
	MOVQ a+8(FP), RA0
	MOVQ b+16(FP), BPTR
	MOVQ off+24(FP), ROFF0
	MOVQ nb+32(FP), RNB
	MOVQ c+40(FP), RCOL
	MOVQ ldc+48(FP), LDC
	SHLQ $2, LDC

r2_tile:
	TESTQ  RNB, RNB
	JEQ    r2_done
	MOVQ   kc+0(FP), KC
	MOVQ   RA0, APTR
	MOVQ   ROFF0, ROFF
	ZERO2
	CMPQ   KC, $2
	JLT    r2_k1

r2_k2:
	MOVQ (ROFF), TMP  // off[p]
	MOVQ 8(ROFF), R14 // off[p+1]
	R2STEP(TMP, 0, E00, E01, E10, E11)
	R2STEP(R14, 24, O00, O01, O10, O11)
	ADDQ $48, APTR
	ADDQ $16, ROFF
	SUBQ $2, KC
	CMPQ KC, $2
	JGE  r2_k2

r2_k1:
	TESTQ KC, KC
	JEQ   r2_store
	MOVQ  (ROFF), TMP
	R2STEP(TMP, 0, E00, E01, E10, E11)

r2_store:
	SUM2
	VMOVUPS E00, (RCOL)
	VMOVUPS E01, 32(RCOL)
	VMOVUPS E10, (RCOL)(LDC*1)
	VMOVUPS E11, 32(RCOL)(LDC*1)
	ADDQ    $64, BPTR         // next tile: 16 columns on
	ADDQ    $64, RCOL
	DECQ    RNB
	JMP     r2_tile

r2_done:
	VZEROUPPER
	RET

// ===========================================================================
// func sgemm2x16AVX2(kc int, a, b, c *float32, ldc int, alpha, beta float32)
//
//	s[i][j] = Σ_{p<kc} a[p*6+i] * b[p*16+j]   i < 2, j < 16 (even and odd p summed separately, then added)
//	c[i*ldc+j] = alpha*s[i][j] (+ beta*c[i*ldc+j] unless beta == ±0)
//
// sgemm6x16AVX2 for two rows of a packed 6-row A panel (a points at the
// first of them) and a packed B micro-panel: the last 2 or 4 rows of a
// matrix whose rows are not a multiple of 6, at a third of a full panel's
// cost per two rows. The chains are those of sgemm2x16RowsAVX2.
// ===========================================================================

// P2STEP(AOFF, BOFF, …): B row at BPTR + BOFF bytes (a packed panel).
#define P2STEP(AOFF, BOFF, C00, C01, C10, C11) \
	FMA2(BOFF(BPTR), BOFF+32(BPTR), AOFF, C00, C01, C10, C11)

TEXT ·sgemm2x16AVX2(SB), NOSPLIT, $0-48
	MOVQ   kc+0(FP), KC
	MOVQ   a+8(FP), APTR
	MOVQ   b+16(FP), BPTR
	MOVQ   c+24(FP), CPTR
	MOVQ   ldc+32(FP), LDC
	SHLQ   $2, LDC
	ZERO2
	CMPQ   KC, $2
	JLT    p2_k1

p2_k2:
	P2STEP(0, 0, E00, E01, E10, E11)
	P2STEP(24, 64, O00, O01, O10, O11)
	ADDQ $48, APTR  // a += 2*6 floats
	ADDQ $128, BPTR // b += 2*16 floats
	SUBQ $2, KC
	CMPQ KC, $2
	JGE  p2_k2

p2_k1:
	TESTQ KC, KC
	JEQ   p2_sum
	P2STEP(0, 0, E00, E01, E10, E11)

p2_sum:
	SUM2

	// c = alpha*s (+ beta*c unless beta == ±0); the STORE_* macros use
	// ALPHA/BETA/T0/T1 = Y12–Y15, free now.
	VBROADCASTSS alpha+40(FP), ALPHA
	MOVL         beta+44(FP), AX
	ANDL         $0x7fffffff, AX
	JEQ          p2_beta_zero
	VBROADCASTSS beta+44(FP), BETA
	STORE_BETA(E00, E01)
	STORE_BETA(E10, E11)
	VZEROUPPER
	RET

p2_beta_zero:
	STORE_ZERO(E00, E01)
	STORE_ZERO(E10, E11)
	VZEROUPPER
	RET

// ===========================================================================
// func packPanelNRTransRowsAVX2(kc int, dst, src *float32, off *int, p0 int)
//
//	for p := 0; p < kc; p++ {
//		for j := 0; j < 16; j++ { dst[p*16+j] = src[off[j]+p0+p] }
//	}
//
// packPanelNRTransAVX2 with the 16 source rows given by a row table (the
// transposed B of an indirect weight-gradient GEMM: row j is a tap's run
// in the padded input): eight columns at a time as two 8x8 transposes,
// each row's address taken from the table; the kc%8 tail one value at a
// time.
// ===========================================================================
#define TPP  SI  // &src[p]
#define TTAB R8  // the row table
#define TTMP AX

// TLOAD(J, Y): Y = the 8 values of row J from p on.
#define TLOAD(J, Y) \
	MOVQ    ((J)*8)(TTAB), TTMP; \
	VMOVUPS (TPP)(TTMP*4), Y

// TRANSPOSE8ROWS(J0, OFF): rows J0..J0+7 of the table, columns p..p+7,
// transposed to dst[(p+q)*16 + OFF/4 + 0..7] by TSTORE8.
#define TRANSPOSE8ROWS(J0, OFF) \
	TLOAD(J0+0, Y0);                     \
	TLOAD(J0+1, Y1);                     \
	TLOAD(J0+2, Y2);                     \
	TLOAD(J0+3, Y3);                     \
	TLOAD(J0+4, Y4);                     \
	TLOAD(J0+5, Y5);                     \
	TLOAD(J0+6, Y6);                     \
	TLOAD(J0+7, Y7);                     \
	TSTORE8(OFF)

// TCOPY1(J): dst[p*16+J] = row J at p.
#define TCOPY1(J) \
	MOVQ ((J)*8)(TTAB), TTMP;   \
	MOVL (TPP)(TTMP*4), R9;     \
	MOVL R9, ((J)*4)(YP)

TEXT ·packPanelNRTransRowsAVX2(SB), NOSPLIT, $0-40
	MOVQ kc+0(FP), N
	MOVQ dst+8(FP), YP
	MOVQ src+16(FP), TPP
	MOVQ off+24(FP), TTAB
	MOVQ p0+32(FP), TTMP
	LEAQ (TPP)(TTMP*4), TPP // &src[p0]

ptr_loop8:
	CMPQ N, $8
	JLT  ptr_tail
	TRANSPOSE8ROWS(0, 0)  // rows 0-7  -> dst[(p+q)*16 + 0..7]
	TRANSPOSE8ROWS(8, 32) // rows 8-15 -> dst[(p+q)*16 + 8..15]
	ADDQ $32, TPP         // p += 8
	ADDQ $512, YP         // dst += 8*16 floats
	SUBQ $8, N
	JMP  ptr_loop8

ptr_tail:
	TESTQ N, N
	JEQ   ptr_done

ptr_loop1:
	TCOPY1(0)
	TCOPY1(1)
	TCOPY1(2)
	TCOPY1(3)
	TCOPY1(4)
	TCOPY1(5)
	TCOPY1(6)
	TCOPY1(7)
	TCOPY1(8)
	TCOPY1(9)
	TCOPY1(10)
	TCOPY1(11)
	TCOPY1(12)
	TCOPY1(13)
	TCOPY1(14)
	TCOPY1(15)
	ADDQ $4, TPP
	ADDQ $64, YP
	DECQ N
	JNE  ptr_loop1

ptr_done:
	VZEROUPPER
	RET

// ===========================================================================
// func sgemm6x1AVX2(kc int, a, b *float32, ldb int, out *float32)
//
//	out[i] = Σ_{p<kc} a[p*6+i] * b[p*ldb]     i < 6
//
// One column against a packed A micro-panel: the last column of a matrix
// with 16·n + 1 columns (a 7×7 map at batch 1: 49). The 6×8 kernel would
// spend a whole k step of broadcasts on it; here the six A values of a k
// step are the vector (rows 0–3 in one XMM, rows 4–5 in the low half of
// another) and b[p] the broadcast: 3 loads and 2 FMAs per k step. The k
// steps go round-robin to four accumulator pairs (FMA latency), summed as
// (s0 + s1) + (s2 + s3) at the end.
// ===========================================================================
#define K1A  SI // &a[p*6]
#define K1B  DI // &b[p*ldb]
#define K1LD R8 // ldb * 4

// K1STEP(AOFF, LO, HI): one k step, A at K1A + AOFF, b at K1B; the B
// pointer advances by one row.
#define K1STEP(AOFF, LO, HI) \
	VBROADCASTSS (K1B), X8;          \
	VFMADD231PS  AOFF(K1A), X8, LO;  \
	VMOVSD       AOFF+16(K1A), X9;   \
	VFMADD231PS  X9, X8, HI;         \
	ADDQ         K1LD, K1B

TEXT ·sgemm6x1AVX2(SB), NOSPLIT, $0-40
	MOVQ   kc+0(FP), CX
	MOVQ   a+8(FP), K1A
	MOVQ   b+16(FP), K1B
	MOVQ   ldb+24(FP), K1LD
	SHLQ   $2, K1LD
	VXORPS X0, X0, X0
	VXORPS X1, X1, X1
	VXORPS X2, X2, X2
	VXORPS X3, X3, X3
	VXORPS X4, X4, X4
	VXORPS X5, X5, X5
	VXORPS X6, X6, X6
	VXORPS X7, X7, X7

k1_loop4:
	CMPQ CX, $4
	JLT  k1_tail
	K1STEP(0, X0, X1)
	K1STEP(24, X2, X3)
	K1STEP(48, X4, X5)
	K1STEP(72, X6, X7)
	ADDQ $96, K1A
	SUBQ $4, CX
	JMP  k1_loop4

k1_tail: // 0–3 steps left: partial sums 0, 1, 2 in turn
	TESTQ CX, CX
	JEQ   k1_sum
	K1STEP(0, X0, X1)
	CMPQ  CX, $1
	JEQ   k1_sum
	K1STEP(24, X2, X3)
	CMPQ  CX, $2
	JEQ   k1_sum
	K1STEP(48, X4, X5)

k1_sum:
	VADDPS X2, X0, X0 // s0 + s1
	VADDPS X6, X4, X4 // s2 + s3
	VADDPS X4, X0, X0
	VADDPS X3, X1, X1
	VADDPS X7, X5, X5
	VADDPS X5, X1, X1
	MOVQ   out+32(FP), AX
	VMOVUPS X0, (AX)  // rows 0–3
	VMOVSD  X1, 16(AX) // rows 4–5
	RET
