//go:build !amd64 || purego

package nn

// Without assembly (other architectures, or -tags purego) haveVec is false
// and the plane kernels run their Go twins; these stubs only let vec.go
// compile and are never called.

const haveVec = false

func momentsAVX2(*float32, int, float32) (s, sq float32)     { panic("nn: no assembly") }
func normAVX2(_, _ *float32, _ int, _, _, _ float32, _ bool) { panic("nn: no assembly") }
func maskAVX2(_, _, _ *float32, _ int)                       { panic("nn: no assembly") }

func gradSumsAVX2(_, _ *float32, _ int, _, _, _ float32, _ bool) (sg, sgx float32) {
	panic("nn: no assembly")
}

func gradInputAVX2(_, _, _ *float32, _ int, _, _, _, _, _, _ float32, _ bool) {
	panic("nn: no assembly")
}
