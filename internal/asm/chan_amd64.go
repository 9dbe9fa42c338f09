//go:build amd64 && !purego

package asm

// chanRowsAVX2 is the assembly body of ChanRows. Strides are in bytes;
// taps ≥ 1.
//
//go:noescape
func chanRowsAVX2(y *float32, ys int, x *float32, xs, ps int, w *float32, ws, taps, n, rows int, acc bool)

// chanRows4AVX2 is the assembly body of ChanRows4. Strides are in bytes;
// taps ≥ 1.
//
//go:noescape
func chanRows4AVX2(y *float32, yf int, x *float32, ps int, w *float32, wf, taps, n int, acc bool)

// chanDotsAVX2 is the assembly body of ChanDots. ps is in bytes.
//
//go:noescape
func chanDotsAVX2(out, dy, x *float32, ps, taps, n int)
