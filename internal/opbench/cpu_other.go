//go:build !unix

package opbench

// processCPU is unavailable here; the load probe then reports nothing.
func processCPU() (float64, bool) { return 0, false }
