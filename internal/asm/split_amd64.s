//go:build amd64 && !purego

#include "textflag.h"

// Stride-2 deinterleave and interleave (the phase split of strided
// convolutions), a block of rows per call: 8 pairs per iteration, then one
// block of 4 pairs if 4 or more are left, then — when pairs are still left
// — the last 4 pairs again (they overlap pairs already written, with the
// same values), so any n ≥ 4 is done without a scalar tail; the odd last
// value of a row of 2n+1 values is one scalar move. The Go wrappers in
// split.go handle n < 4. Row r of the source starts sstride bytes after
// row r−1, rows of the even and odd halves dstride bytes apart.
//
// Registers: R8/R9/R10 the current even, odd and source rows, R11 rows
// left, R12 n, R13 sstride, AX dstride, BX the odd-length flag; the row
// body walks DI/DX/SI with CX pairs left.

// func deinterleave2RowsAVX2(even, odd, src *float32, n, extra, rows, sstride, dstride int)
//
//	for r < rows, i < n (n ≥ 4): even[r·ds + i] = src[r·ss + 2i]; odd[r·ds + i] = src[r·ss + 2i + 1]
//	and even[r·ds + n] = src[r·ss + 2n] when extra = 1
TEXT ·deinterleave2RowsAVX2(SB), NOSPLIT, $0-64
	MOVQ even+0(FP), R8
	MOVQ odd+8(FP), R9
	MOVQ src+16(FP), R10
	MOVQ n+24(FP), R12
	MOVQ extra+32(FP), BX
	MOVQ rows+40(FP), R11
	MOVQ sstride+48(FP), R13
	MOVQ dstride+56(FP), AX
	SHLQ $2, R13
	SHLQ $2, AX

split_row:
	TESTQ R11, R11
	JEQ   split_ret
	MOVQ  R8, DI
	MOVQ  R9, DX
	MOVQ  R10, SI
	MOVQ  R12, CX

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
	JEQ     split_odd
	SUBQ    $4, CX                // back up 4 − CX pairs: the last 4 pairs
	SHLQ    $2, CX                // CX = −(4 − left)·4 bytes
	ADDQ    CX, DI
	ADDQ    CX, DX
	ADDQ    CX, SI
	ADDQ    CX, SI
	CALL    split4<>(SB)

split_odd:
	TESTQ BX, BX
	JEQ   split_next
	MOVSS (R10)(R12*8), X0        // src[2n]
	MOVSS X0, (R8)(R12*4)         // even[n]

split_next:
	ADDQ R13, R10
	ADDQ AX, R8
	ADDQ AX, R9
	DECQ R11
	JMP  split_row

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

// func interleave2RowsAVX2(dst, even, odd *float32, n, extra, rows, dstride, sstride int)
//
//	for r < rows, i < n (n ≥ 4): dst[r·ds + 2i] = even[r·ss + i]; dst[r·ds + 2i + 1] = odd[r·ss + i]
//	and dst[r·ds + 2n] = even[r·ss + n] when extra = 1
//
// Registers as in deinterleave2RowsAVX2, with R8 the destination row and
// R9/R10 the even and odd rows (SI/DX in the row body).
TEXT ·interleave2RowsAVX2(SB), NOSPLIT, $0-64
	MOVQ dst+0(FP), R8
	MOVQ even+8(FP), R9
	MOVQ odd+16(FP), R10
	MOVQ n+24(FP), R12
	MOVQ extra+32(FP), BX
	MOVQ rows+40(FP), R11
	MOVQ dstride+48(FP), R13
	MOVQ sstride+56(FP), AX
	SHLQ $2, R13
	SHLQ $2, AX

merge_row:
	TESTQ R11, R11
	JEQ   merge_ret
	MOVQ  R8, DI
	MOVQ  R9, SI
	MOVQ  R10, DX
	MOVQ  R12, CX

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
	JEQ   merge_odd
	SUBQ  $4, CX  // back up to the last 4 pairs, as in deinterleave2RowsAVX2
	SHLQ  $2, CX
	ADDQ  CX, SI
	ADDQ  CX, DX
	ADDQ  CX, DI
	ADDQ  CX, DI
	CALL  merge4<>(SB)

merge_odd:
	TESTQ BX, BX
	JEQ   merge_next
	MOVSS (R9)(R12*4), X0         // even[n]
	MOVSS X0, (R8)(R12*8)         // dst[2n]

merge_next:
	ADDQ R13, R8
	ADDQ AX, R9
	ADDQ AX, R10
	DECQ R11
	JMP  merge_row

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
	LEAQ ·laneMask8(SB), R11      // n < 8: mask of the first n lanes
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

// func addRowsAVX2(dst, src *float32, rows, n, stride, sstride, plain int)
//
//	for r < rows, j < n: dst[r·stride + j] += src[r·sstride + j]   (n ≥ 1)
//
// The transpose of copyRowsAVX2 (col2im of a tap's run): 8-value vectors,
// then a tail of rem = n mod 8 values whose source is loaded masked and
// completed with −0 — the identity of addition, so the 8-lane add leaves
// the other lanes of dst exactly as they were, −0 and NaN included — and
// stored with a plain 8-lane store for the first plain rows (the caller
// checks those 8 lanes lie inside dst), a masked one after them.
TEXT ·addRowsAVX2(SB), NOSPLIT, $0-56
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ rows+16(FP), BX
	MOVQ n+24(FP), CX
	MOVQ stride+32(FP), DX
	MOVQ sstride+40(FP), R14
	MOVQ plain+48(FP), R13
	SHLQ $2, DX                   // stride in bytes
	SHLQ $2, R14                  // sstride in bytes
	MOVQ CX, R12
	ANDQ $7, R12                  // rem
	LEAQ ·laneMask8(SB), R11
	MOVQ $8, AX
	SUBQ R12, AX
	VMOVDQU (R11)(AX*4), Y1       // the first rem lanes
	MOVL    $0x80000000, AX
	MOVD    AX, X3
	VPBROADCASTD X3, Y3           // −0 in every lane
	VANDNPS Y3, Y1, Y3            // −0 in the lanes past rem, +0 (no bits) in the first rem

add_rows:
	TESTQ BX, BX
	JEQ   add_done
	MOVQ  DI, R8                  // destination and source cursors
	MOVQ  SI, R9
	MOVQ  CX, R10                 // values left in the row

add_vec:
	CMPQ    R10, $8
	JLT     add_tail
	VMOVUPS (R9), Y0
	VADDPS  (R8), Y0, Y0
	VMOVUPS Y0, (R8)
	ADDQ    $32, R8
	ADDQ    $32, R9
	SUBQ    $8, R10
	JMP     add_vec

add_tail:
	TESTQ      R10, R10
	JEQ        add_next
	VMASKMOVPS (R9), Y1, Y0       // rem source values, zeros after them
	VORPS      Y3, Y0, Y0         // … made −0
	TESTQ      R13, R13
	JEQ        add_masked
	VADDPS     (R8), Y0, Y0
	VMOVUPS    Y0, (R8)
	JMP        add_next

add_masked:
	VMASKMOVPS (R8), Y1, Y2
	VADDPS     Y2, Y0, Y0
	VMASKMOVPS Y0, Y1, (R8)

add_next:
	TESTQ R13, R13
	JEQ   add_adv
	DECQ  R13

add_adv:
	ADDQ DX, DI
	ADDQ R14, SI
	DECQ BX
	JMP  add_rows

add_done:
	VZEROUPPER
	RET

// func packPanelNRRowsAVX2(kc int, dst, src *float32, off *int, col int)
//
//	for p < kc: dst[p·16 : p·16+16] = src[off[p]+col : off[p]+col+16]
//
// PackPanelNR with a row table instead of a row stride (the B operand of
// an indirect GEMM read straight from padded input planes), prefetching
// the 16 values after each row segment as PackPanelNR does: the next
// micro-panel of the same rows.
TEXT ·packPanelNRRowsAVX2(SB), NOSPLIT, $0-40
	MOVQ  kc+0(FP), CX
	MOVQ  dst+8(FP), DI
	MOVQ  src+16(FP), SI
	MOVQ  off+24(FP), R8
	MOVQ  col+32(FP), R9
	LEAQ  (SI)(R9*4), SI          // SI = &src[col]
	TESTQ CX, CX
	JEQ   rowspack_done

rowspack_loop:
	MOVQ       (R8), AX           // off[p]
	VMOVUPS    (SI)(AX*4), Y0     // src[off[p]+col …], 16 values
	VMOVUPS    32(SI)(AX*4), Y1
	PREFETCHT0 64(SI)(AX*4)
	VMOVUPS    Y0, (DI)
	VMOVUPS    Y1, 32(DI)
	ADDQ       $8, R8
	ADDQ       $64, DI
	DECQ       CX
	JNE        rowspack_loop

rowspack_done:
	VZEROUPPER
	RET

// func packPanelNRColsAVX2(kc int, dst, src *float32, off *int, runs *int, nrun int)
//
//	for p < kc, each run (so, dp, len) of runs[0:3·nrun]:
//		dst[p·16+dp : p·16+dp+16] = src[off[p]+so : off[p]+so+16]
//
// PackPanelNRRows for a micro-panel whose 16 columns are nrun runs of
// consecutive offsets (a column map, asm.Cols): each run is moved as 16
// values whatever its length, in order of position, so that the values a
// run carries past its end are overwritten by the next run, or by the
// next row's first run (at position 0), or land in the 16 values of slack
// past the panel that the caller provides. Reads go up to 15 values past
// each run (the caller's bounds check covers them).
//
// Registers: CX rows left, DI the panel row, SI src, R8 the row table,
// R11 the row's start in src, R12/BX the runs and how many are left.
TEXT ·packPanelNRColsAVX2(SB), NOSPLIT, $0-48
	MOVQ  kc+0(FP), CX
	MOVQ  dst+8(FP), DI
	MOVQ  src+16(FP), SI
	MOVQ  off+24(FP), R8
	MOVQ  runs+32(FP), R9
	MOVQ  nrun+40(FP), R10
	TESTQ CX, CX
	JEQ   colspack_done
	TESTQ R10, R10
	JEQ   colspack_done

colspack_row:
	MOVQ (R8), AX           // off[p]
	LEAQ (SI)(AX*4), R11    // &src[off[p]]
	MOVQ R9, R12
	MOVQ R10, BX

colspack_run:
	MOVQ    (R12), DX       // the run's source offset
	MOVQ    8(R12), R13     // its position in the panel row
	VMOVUPS (R11)(DX*4), Y0
	VMOVUPS 32(R11)(DX*4), Y1
	VMOVUPS Y0, (DI)(R13*4)
	VMOVUPS Y1, 32(DI)(R13*4)
	ADDQ    $24, R12
	DECQ    BX
	JNE     colspack_run
	ADDQ    $8, R8
	ADDQ    $64, DI
	DECQ    CX
	JNE     colspack_row

colspack_done:
	VZEROUPPER
	RET

// func padRowsAVX2(dst, src *float32, rows, w, sstride, lead, dstride int)
//
//	for r < rows: dst[r·ds : r·ds+ds] = lead zeros, src[r·ss : r·ss+w], zeros
//
// The rows of a zero-padded plane (fillBand for the rows inside the
// input). Each row is written front to back in 8-value vectors: 8 zeros at
// its start, the w values from lead on (the last vector reads and writes
// up to 7 values past them), then at least one zero vector and more up to
// dstride (the last one up to 7 past it, and past the values' spill): what
// lands past a row is zeros, in the next row (which rewrites it) or in the
// slack the caller leaves after the last row.
TEXT ·padRowsAVX2(SB), NOSPLIT, $0-56
	MOVQ   dst+0(FP), DI
	MOVQ   src+8(FP), SI
	MOVQ   rows+16(FP), BX
	MOVQ   w+24(FP), CX
	MOVQ   sstride+32(FP), R8
	MOVQ   lead+40(FP), R9
	MOVQ   dstride+48(FP), R10
	SHLQ   $2, R8                 // strides in bytes
	SHLQ   $2, R10
	SHLQ   $2, R9                 // lead in bytes
	VXORPS Y1, Y1, Y1

pad_row:
	TESTQ   BX, BX
	JEQ     pad_done
	VMOVUPS Y1, (DI)              // the leading zeros (and more, rewritten below)
	LEAQ    (DI)(R9*1), R11       // R11: where the values go
	MOVQ    SI, R12
	MOVQ    CX, R13

pad_copy:
	TESTQ   R13, R13
	JLE     pad_zero
	VMOVUPS (R12), Y0
	VMOVUPS Y0, (R11)
	ADDQ    $32, R12
	ADDQ    $32, R11
	SUBQ    $8, R13
	JMP     pad_copy

pad_zero:
	LEAQ (R11)(R13*4), R11        // back to the end of the values (R13 ≤ 0)
	LEAQ (DI)(R10*1), AX          // the row's end

pad_zloop:                            // at least one vector: it zeroes the copy's spill
	VMOVUPS Y1, (R11)
	ADDQ    $32, R11
	CMPQ    R11, AX
	JLT     pad_zloop

pad_next:
	ADDQ R8, SI
	ADDQ R10, DI
	DECQ BX
	JMP  pad_row

pad_done:
	VZEROUPPER
	RET

// func prefetchLines(p *float32, lines int)
//
// PREFETCHT0 of lines consecutive 64-byte lines from p.
TEXT ·prefetchLines(SB), NOSPLIT, $0-16
	MOVQ p+0(FP), SI
	MOVQ lines+8(FP), CX

pf_loop:
	TESTQ      CX, CX
	JLE        pf_done
	PREFETCHT0 (SI)
	ADDQ       $64, SI
	DECQ       CX
	JMP        pf_loop

pf_done:
	RET
