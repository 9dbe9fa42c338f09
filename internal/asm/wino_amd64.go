//go:build amd64 && !purego

package asm

// winoInAVX512 is the assembly body of WinoIn (strides in bytes).
//
//go:noescape
func winoInAVX512(p *float32, ldp, rows, n int, v *float32, vs int)

// winoOutAVX512 is the assembly body of WinoOut (strides in bytes).
//
//go:noescape
func winoOutAVX512(m *float32, ms, rows, n int, y *float32, ldy, ow int, bias float32)
