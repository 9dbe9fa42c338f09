package kernel

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/convkit/convkit/internal/gemm"
	"github.com/convkit/convkit/internal/geom"
)

// Benchmarks of whole layers at the shapes where the kernels were tuned
// (GOMAXPROCS threads: use -cpu 1,2). They time the kernels without conv
// or nn around them; docs/performance.md has the operator and training
// comparisons with the peers.

// BenchmarkStdLayers times the two strided 3×3 convolutions of the anchors'
// std training net (batch 64, phase mode), forward and backward, next to
// "gemmfwd", the forward's GEMM alone on a B already laid out: the gap is
// what the phase split and the im2col gathers cost.
func BenchmarkStdLayers(b *testing.B) {
	for _, c := range []struct{ cin, cout, hw int }{{32, 64, 28}, {64, 128, 14}} {
		o := (c.hw+2-3)/2 + 1
		g := geom.Conv{N: 64, C: c.cin, H: c.hw, W: c.hw, M: c.cout, KH: 3, KW: 3, SH: 2, SW: 2,
			PadT: 1, PadB: 1, PadL: 1, PadR: 1, DH: 1, DW: 1, G: 1, OH: o, OW: o}
		x, w, y := make([]float32, g.InLen()), make([]float32, g.WeightLen()), make([]float32, g.OutLen())
		dx, dw := make([]float32, g.InLen()), make([]float32, g.WeightLen())
		for i := range x {
			x[i] = float32(i%7) * 0.1
		}
		for i := range w {
			w[i] = float32(i%5) * 0.1
		}
		b.Run(fmt.Sprintf("%d/fwd", c.cin), func(b *testing.B) {
			k := NewIm2col(g, runtime.GOMAXPROCS(0))
			for b.Loop() {
				k.Forward(x, w, nil, y)
			}
			b.ReportMetric(2*float64(g.MACs())*float64(b.N)/b.Elapsed().Seconds()*1e-9, "GFLOP/s")
		})
		b.Run(fmt.Sprintf("%d/bwd", c.cin), func(b *testing.B) {
			k := NewIm2col(g, runtime.GOMAXPROCS(0))
			for b.Loop() {
				k.Backward(x, w, y, dx, dw, nil)
			}
			b.ReportMetric(4*float64(g.MACs())*float64(b.N)/b.Elapsed().Seconds()*1e-9, "GFLOP/s")
		})
		kk := c.cin * 9
		n := 64 * o * o
		a, bb, cc := make([]float32, c.cout*kk), make([]float32, kk*n), make([]float32, c.cout*n)
		pa := gemm.PackA(false, c.cout, kk, a, kk)
		b.Run(fmt.Sprintf("%d/gemmfwd", c.cin), func(b *testing.B) {
			for b.Loop() {
				gemm.SgemmPackedA(runtime.GOMAXPROCS(0), pa, false, n, 1, bb, n, 0, cc, n)
			}
			b.ReportMetric(2*float64(g.MACs())*float64(b.N)/b.Elapsed().Seconds()*1e-9, "GFLOP/s")
		})
	}
}

// BenchmarkFirstLayer times the std net's first convolution (1→32, 3×3,
// batch 64: depthwise with a multiplier of 32), forward and weight
// gradient; it writes 6.4 MB per forward and is memory-bound.
func BenchmarkFirstLayer(b *testing.B) {
	g := geom.Conv{N: 64, C: 1, H: 28, W: 28, M: 32, KH: 3, KW: 3, SH: 1, SW: 1,
		PadT: 1, PadB: 1, PadL: 1, PadR: 1, DH: 1, DW: 1, G: 1, OH: 28, OW: 28}
	x, w, y := make([]float32, g.InLen()), make([]float32, g.WeightLen()), make([]float32, g.OutLen())
	dw := make([]float32, g.WeightLen())
	b.Run("fwd", func(b *testing.B) {
		k := NewDepthwise(g, Depthwise3x3S1, runtime.GOMAXPROCS(0))
		for b.Loop() {
			k.Forward(x, w, nil, y)
		}
	})
	b.Run("bwd", func(b *testing.B) {
		k := NewDepthwise(g, Depthwise3x3S1, runtime.GOMAXPROCS(0))
		for b.Loop() {
			k.Backward(x, w, y, nil, dw, nil)
		}
	})
}

// BenchmarkS2Direct times the S2 anchor (3→32, 3×3/2, 224², batch 8, the
// direct forward) and its two parts: the phase split ("fill") and the
// row-table kernel over all output rows ("rows").
func BenchmarkS2Direct(b *testing.B) {
	g := geom.Conv{N: 8, C: 3, H: 224, W: 224, M: 32, KH: 3, KW: 3, SH: 2, SW: 2,
		PadT: 1, PadB: 1, PadL: 1, PadR: 1, DH: 1, DW: 1, G: 1, OH: 112, OW: 112}
	x, w, y := make([]float32, g.InLen()), make([]float32, g.WeightLen()), make([]float32, g.OutLen())
	k := NewIm2col(g, 1)
	b.Run("fwd", func(b *testing.B) {
		for b.Loop() {
			k.Forward(x, w, nil, y)
		}
	})
	b.Run("fill", func(b *testing.B) {
		for b.Loop() {
			for n := range 8 {
				k.fillPhases(k.xqs[0], k.xg(x, n, 0), k.des[0])
			}
		}
	})
	k.packForward(w)
	k.x, k.y = x, y
	b.Run("rows", func(b *testing.B) {
		for b.Loop() {
			for n := range 8 {
				k.directRows(0, k.xqs[0], n, 0, 0, g.OH)
			}
		}
	})
}
