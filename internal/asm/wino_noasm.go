//go:build !amd64 || purego

package asm

// Without assembly the Winograd entry points exist only so that the
// dispatching wrappers compile; UsingAVX512 is false, so they are never
// called.

func winoInAVX512(p *float32, ldp, rows, n int, v *float32, vs int) {
	panic("asm: no assembly in this build")
}

func winoOutAVX512(m *float32, ms, rows, n int, y *float32, ldy, ow int, bias float32) {
	panic("asm: no assembly in this build")
}
