//go:build amd64 && !purego

#include "textflag.h"

// The lane-mask tables the kernels of every file share.

// ·laneMask8: eight all-ones 32-bit lanes then eight zero lanes; the YMM
// mask enabling the first c of 8 lanes (VMASKMOVPS) is the 32 bytes at
// ·laneMask8+4·(8−c).
DATA ·laneMask8+0(SB)/4, $0xffffffff
DATA ·laneMask8+4(SB)/4, $0xffffffff
DATA ·laneMask8+8(SB)/4, $0xffffffff
DATA ·laneMask8+12(SB)/4, $0xffffffff
DATA ·laneMask8+16(SB)/4, $0xffffffff
DATA ·laneMask8+20(SB)/4, $0xffffffff
DATA ·laneMask8+24(SB)/4, $0xffffffff
DATA ·laneMask8+28(SB)/4, $0xffffffff
DATA ·laneMask8+32(SB)/4, $0
DATA ·laneMask8+36(SB)/4, $0
DATA ·laneMask8+40(SB)/4, $0
DATA ·laneMask8+44(SB)/4, $0
DATA ·laneMask8+48(SB)/4, $0
DATA ·laneMask8+52(SB)/4, $0
DATA ·laneMask8+56(SB)/4, $0
DATA ·laneMask8+60(SB)/4, $0
GLOBL ·laneMask8(SB), RODATA|NOPTR, $64

// ·laneMask16: the 16-bit lane masks (1 << c) − 1 for c = 0 … 16 (a K
// mask enabling the first c of 16 lanes is KMOVW ·laneMask16+2c).
DATA ·laneMask16+0(SB)/2, $0x0000
DATA ·laneMask16+2(SB)/2, $0x0001
DATA ·laneMask16+4(SB)/2, $0x0003
DATA ·laneMask16+6(SB)/2, $0x0007
DATA ·laneMask16+8(SB)/2, $0x000f
DATA ·laneMask16+10(SB)/2, $0x001f
DATA ·laneMask16+12(SB)/2, $0x003f
DATA ·laneMask16+14(SB)/2, $0x007f
DATA ·laneMask16+16(SB)/2, $0x00ff
DATA ·laneMask16+18(SB)/2, $0x01ff
DATA ·laneMask16+20(SB)/2, $0x03ff
DATA ·laneMask16+22(SB)/2, $0x07ff
DATA ·laneMask16+24(SB)/2, $0x0fff
DATA ·laneMask16+26(SB)/2, $0x1fff
DATA ·laneMask16+28(SB)/2, $0x3fff
DATA ·laneMask16+30(SB)/2, $0x7fff
DATA ·laneMask16+32(SB)/2, $0xffff
GLOBL ·laneMask16(SB), RODATA|NOPTR, $34
