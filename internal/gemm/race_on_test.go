//go:build race

package gemm

// sync.Pool deliberately drops items under the race detector.
const raceEnabled = true
