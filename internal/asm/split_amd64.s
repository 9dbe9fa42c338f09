//go:build amd64 && !purego

#include "textflag.h"

// Stride-2 deinterleave and interleave (the phase split of strided
// convolutions): 8 pairs per iteration, then one block of 4 pairs if 4 or
// more are left, then — when pairs are still left — the last 4 pairs again
// (they overlap pairs already written, with the same values), so any
// n ≥ 4 is done without a scalar tail. The Go wrappers in split.go handle
// n < 4 and the odd element.

// func deinterleave2AVX2(even, odd, src *float32, n int)
//
//	for i < n (n ≥ 4): even[i] = src[2i]; odd[i] = src[2i+1]
TEXT ·deinterleave2AVX2(SB), NOSPLIT, $0-32
	MOVQ even+0(FP), DI
	MOVQ odd+8(FP), DX
	MOVQ src+16(FP), SI
	MOVQ n+24(FP), CX

split_loop:
	CMPQ    CX, $8
	JLT     split_done
	VMOVUPS (SI), Y0              // s0 … s7
	VMOVUPS 32(SI), Y1            // s8 … s15
	VSHUFPS $0x88, Y1, Y0, Y2     // s0 s2 s8 s10 | s4 s6 s12 s14
	VSHUFPS $0xDD, Y1, Y0, Y3     // s1 s3 s9 s11 | s5 s7 s13 s15
	VPERMPD $0xD8, Y2, Y2         // 64-bit pairs 0 2 1 3: s0 s2 s4 … s14
	VPERMPD $0xD8, Y3, Y3         // s1 s3 s5 … s15
	VMOVUPS Y2, (DI)
	VMOVUPS Y3, (DX)
	ADDQ    $64, SI
	ADDQ    $32, DI
	ADDQ    $32, DX
	SUBQ    $8, CX
	JMP     split_loop

split_done:
	CMPQ    CX, $4
	JLT     split_last
	CALL    split4<>(SB)
	SUBQ    $4, CX

split_last:
	TESTQ   CX, CX
	JEQ     split_ret
	SUBQ    $4, CX                // back up 4 − CX pairs: the last 4 pairs
	SHLQ    $2, CX                // CX = −(4 − left)·4 bytes
	ADDQ    CX, DI
	ADDQ    CX, DX
	ADDQ    CX, SI
	ADDQ    CX, SI
	CALL    split4<>(SB)

split_ret:
	VZEROUPPER
	RET

// split4 deinterleaves the 4 pairs at (SI) to (DI) and (DX) and advances
// the three pointers.
TEXT split4<>(SB), NOSPLIT, $0
	VMOVUPS (SI), X0              // s0 s1 s2 s3
	VMOVUPS 16(SI), X1            // s4 s5 s6 s7
	VSHUFPS $0x88, X1, X0, X2     // s0 s2 s4 s6
	VSHUFPS $0xDD, X1, X0, X3     // s1 s3 s5 s7
	VMOVUPS X2, (DI)
	VMOVUPS X3, (DX)
	ADDQ    $32, SI
	ADDQ    $16, DI
	ADDQ    $16, DX
	RET

// func interleave2AVX2(dst, even, odd *float32, n int)
//
//	for i < n (n ≥ 4): dst[2i] = even[i]; dst[2i+1] = odd[i]
TEXT ·interleave2AVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ even+8(FP), SI
	MOVQ odd+16(FP), DX
	MOVQ n+24(FP), CX

merge_loop:
	CMPQ       CX, $8
	JLT        merge_done
	VMOVUPS    (SI), Y0              // e0 … e7
	VMOVUPS    (DX), Y1              // o0 … o7
	VUNPCKLPS  Y1, Y0, Y2            // e0 o0 e1 o1 | e4 o4 e5 o5
	VUNPCKHPS  Y1, Y0, Y3            // e2 o2 e3 o3 | e6 o6 e7 o7
	VPERM2F128 $0x20, Y3, Y2, Y4     // low lanes:  e0 o0 … e3 o3
	VPERM2F128 $0x31, Y3, Y2, Y5     // high lanes: e4 o4 … e7 o7
	VMOVUPS    Y4, (DI)
	VMOVUPS    Y5, 32(DI)
	ADDQ       $64, DI
	ADDQ       $32, SI
	ADDQ       $32, DX
	SUBQ       $8, CX
	JMP        merge_loop

merge_done:
	CMPQ CX, $4
	JLT  merge_last
	CALL merge4<>(SB)
	SUBQ $4, CX

merge_last:
	TESTQ CX, CX
	JEQ   merge_ret
	SUBQ  $4, CX  // back up to the last 4 pairs, as in deinterleave2AVX2
	SHLQ  $2, CX
	ADDQ  CX, SI
	ADDQ  CX, DX
	ADDQ  CX, DI
	ADDQ  CX, DI
	CALL  merge4<>(SB)

merge_ret:
	VZEROUPPER
	RET

// merge4 interleaves 4 values at (SI) and 4 at (DX) to (DI) and advances
// the three pointers.
TEXT merge4<>(SB), NOSPLIT, $0
	VMOVUPS   (SI), X0            // e0 … e3
	VMOVUPS   (DX), X1            // o0 … o3
	VUNPCKLPS X1, X0, X2          // e0 o0 e1 o1
	VUNPCKHPS X1, X0, X3          // e2 o2 e3 o3
	VMOVUPS   X2, (DI)
	VMOVUPS   X3, 16(DI)
	ADDQ      $32, DI
	ADDQ      $16, SI
	ADDQ      $16, DX
	RET

// Lane masks for copyRowsAVX2: 8 all-ones lanes then 8 zero lanes; the 8
// lanes starting at lane 8 − n select the first n lanes.
DATA copyMask<>+0(SB)/4, $0xffffffff
DATA copyMask<>+4(SB)/4, $0xffffffff
DATA copyMask<>+8(SB)/4, $0xffffffff
DATA copyMask<>+12(SB)/4, $0xffffffff
DATA copyMask<>+16(SB)/4, $0xffffffff
DATA copyMask<>+20(SB)/4, $0xffffffff
DATA copyMask<>+24(SB)/4, $0xffffffff
DATA copyMask<>+28(SB)/4, $0xffffffff
DATA copyMask<>+32(SB)/4, $0
DATA copyMask<>+36(SB)/4, $0
DATA copyMask<>+40(SB)/4, $0
DATA copyMask<>+44(SB)/4, $0
DATA copyMask<>+48(SB)/4, $0
DATA copyMask<>+52(SB)/4, $0
DATA copyMask<>+56(SB)/4, $0
DATA copyMask<>+60(SB)/4, $0
GLOBL copyMask<>(SB), RODATA|NOPTR, $64

// func copyRowsAVX2(dst, src *float32, rows, n, stride, plain int)
//
//	for r < rows: dst[r·n : (r+1)·n] = src[r·stride : r·stride + n]   (n ≥ 1)
//
// A row of n ≥ 8 is copied in 8-value vectors, the last one overlapping the
// previous one so that it ends exactly at n. A row of n < 8 is one vector:
// the first plain rows with an unmasked load and store, whose 8 − n extra
// values the next row overwrites (the caller picks plain so that they stay
// inside both slices), the others with a masked load and store (slow on
// some cores, hence only the last few).
TEXT ·copyRowsAVX2(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ rows+16(FP), BX
	MOVQ n+24(FP), CX
	MOVQ stride+32(FP), DX
	MOVQ plain+40(FP), R13
	SHLQ $2, DX                   // stride in bytes
	CMPQ CX, $8
	JGE  rows_loop
	LEAQ copyMask<>(SB), R11      // n < 8: mask of the first n lanes
	MOVQ $8, R12
	SUBQ CX, R12
	VMOVDQU (R11)(R12*4), Y1

rows_loop:
	TESTQ BX, BX
	JEQ   rows_done
	MOVQ  SI, R9                  // source and destination cursors
	MOVQ  DI, R10
	MOVQ  CX, R8                  // values left in the row
	CMPQ  CX, $8
	JLT   rows_short

rows_vec:
	VMOVUPS (R9), Y0
	VMOVUPS Y0, (R10)
	ADDQ    $32, R9
	ADDQ    $32, R10
	SUBQ    $8, R8
	CMPQ    R8, $8
	JGE     rows_vec
	TESTQ   R8, R8
	JEQ     rows_next
	MOVQ    $8, R11               // back up 8 − left values: the row's last 8
	SUBQ    R8, R11
	SHLQ    $2, R11
	SUBQ    R11, R9
	SUBQ    R11, R10
	VMOVUPS (R9), Y0
	VMOVUPS Y0, (R10)
	JMP     rows_next

rows_short:
	TESTQ   R13, R13
	JEQ     rows_masked
	DECQ    R13
	VMOVUPS (R9), Y0              // n values and 8 − n the next row overwrites
	VMOVUPS Y0, (R10)
	JMP     rows_next

rows_masked:
	VMASKMOVPS (R9), Y1, Y0
	VMASKMOVPS Y0, Y1, (R10)

rows_next:
	ADDQ DX, SI
	LEAQ (DI)(CX*4), DI
	DECQ BX
	JMP  rows_loop

rows_done:
	VZEROUPPER
	RET
