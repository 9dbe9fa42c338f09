//go:build !amd64 || purego

package asm

import "unsafe"

// Without assembly the channel-wise entry points route to the Go twins;
// they are never selected because HasAVX2FMA is false. Strides arrive in
// bytes, as the assembly takes them.

func chanRowsAVX2(y *float32, ys int, x *float32, xs, ps int, w *float32, ws, taps, n, rows int, acc bool) {
	ys, xs, ps, ws = ys/4, xs/4, ps/4, ws/4
	ChanRowsGeneric(unsafe.Slice(y, (rows-1)*ys+n), ys, unsafe.Slice(x, (rows-1)*xs+(taps-1)*ps+n), xs, ps,
		unsafe.Slice(w, (taps-1)*ws+1), ws, taps, n, rows, acc)
}

func chanRows4AVX2(y *float32, yf int, x *float32, ps int, w *float32, wf, taps, n int, acc bool) {
	yf, ps, wf = yf/4, ps/4, wf/4
	ChanRows4Generic(unsafe.Slice(y, 3*yf+n), yf, unsafe.Slice(x, (taps-1)*ps+n), ps,
		unsafe.Slice(w, 3*wf+taps), wf, taps, n, acc)
}

func chanDotsAVX2(out, dy, x *float32, ps, taps, n int) {
	ps /= 4
	ChanDotsGeneric(unsafe.Slice(out, taps), unsafe.Slice(dy, n), unsafe.Slice(x, (taps-1)*ps+n), ps, taps, n)
}
