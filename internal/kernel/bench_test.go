package kernel

import (
	"fmt"
	"testing"

	"github.com/convkit/convkit/internal/asm"
	"github.com/convkit/convkit/internal/geom"
)

// Kernel benchmarks at anchor shapes (batch 1, one thread), with the
// assembly and with the pure-Go twins side by side; GFLOP/s = 2·MACs/s.
// The conv package benchmarks the whole plans at every anchor shape.

func benchBoth(b *testing.B, name string, macs int64, run func()) {
	for _, on := range []bool{true, false} {
		if on && !asm.HasAVX2FMA {
			continue
		}
		impl := "generic"
		if on {
			impl = "asm"
		}
		b.Run(fmt.Sprintf("%s/%s", name, impl), func(b *testing.B) {
			prev := asm.SetUseAsm(on)
			defer asm.SetUseAsm(prev)
			b.ReportAllocs()
			for b.Loop() {
				run()
			}
			b.ReportMetric(2*float64(macs)*float64(b.N)/b.Elapsed().Seconds()*1e-9, "GFLOP/s")
		})
	}
}

func BenchmarkDepthwise(b *testing.B) {
	for _, c := range []struct {
		name      string
		ch, hw, s int
		forward   bool
	}{{"DW2/fwd", 256, 28, 1, true}, {"DW2/bwd", 256, 28, 1, false}, {"DW4/fwd", 64, 112, 2, true}} {
		o := (c.hw+2-3)/c.s + 1
		g := geom.Conv{N: 1, C: c.ch, H: c.hw, W: c.hw, M: c.ch, KH: 3, KW: 3, SH: c.s, SW: c.s,
			PadT: 1, PadB: 1, PadL: 1, PadR: 1, DH: 1, DW: 1, G: c.ch, OH: o, OW: o}
		k := NewDepthwise(g, DepthwiseModeFor(g), 1)
		x, w, y := make([]float32, g.InLen()), make([]float32, g.WeightLen()), make([]float32, g.OutLen())
		dx, dw := make([]float32, g.InLen()), make([]float32, g.WeightLen())
		if c.forward {
			benchBoth(b, c.name, g.MACs(), func() { k.Forward(x, w, nil, y) })
		} else {
			benchBoth(b, c.name, 2*g.MACs(), func() { k.Backward(x, w, y, dx, dw, nil) })
		}
	}
}

func BenchmarkChan(b *testing.B) {
	cw := geom.Chan{N: 1, C: 512, H: 14, W: 14, F: 1, DC: 8, SC: 1, PadFront: 3, PadBack: 4, KH: 1, KW: 1, D: 512, OH: 14, OW: 14}
	gcw := geom.Chan{N: 1, C: 512, H: 14, W: 14, F: 4, DC: 64, SC: 4, PadFront: 30, PadBack: 30, KH: 1, KW: 1, D: 128, OH: 14, OW: 14}
	for _, c := range []struct {
		name string
		g    geom.Chan
	}{{"CW1", cw}, {"GCW1", gcw}} {
		k := NewChan(c.g, 1)
		x, w, y := make([]float32, c.g.InLen()), make([]float32, c.g.WeightLen()), make([]float32, c.g.OutLen())
		dx, dw := make([]float32, c.g.InLen()), make([]float32, c.g.WeightLen())
		benchBoth(b, c.name+"/fwd", c.g.MACs(), func() { k.Forward(x, w, y) })
		benchBoth(b, c.name+"/bwd", 2*c.g.MACs(), func() { k.Backward(x, w, y, dx, dw) })
	}
}

// BenchmarkWinograd compares the forward passes of Winograd F(2×2, 3×3)
// and im2col on 3×3 stride-1 convolutions of a range of channel counts and
// map sizes (one thread): the evidence for the planner's choice between
// them (conv.choose).
func BenchmarkWinograd(b *testing.B) {
	if !asm.HasAVX2FMA {
		b.Skip("no assembly")
	}
	for _, c := range []struct{ ch, groups, hw, n int }{
		{8, 1, 56, 8}, {16, 1, 56, 8}, {32, 1, 28, 8}, {64, 1, 56, 1}, {64, 1, 56, 8}, {128, 1, 28, 8},
		{256, 1, 14, 8}, {512, 1, 7, 8}, {512, 1, 7, 1}, {128, 4, 28, 1}, {128, 4, 28, 8}, {64, 4, 28, 8}, {32, 2, 28, 8},
		{256, 1, 14, 1}, {128, 1, 28, 1}, {64, 1, 28, 1}, {256, 1, 7, 8}, {64, 1, 14, 1},
	} {
		g := geom.Conv{N: c.n, C: c.ch, H: c.hw, W: c.hw, M: c.ch, KH: 3, KW: 3, SH: 1, SW: 1,
			PadT: 1, PadB: 1, PadL: 1, PadR: 1, DH: 1, DW: 1, G: c.groups, OH: c.hw, OW: c.hw}
		x, w, y := make([]float32, g.InLen()), make([]float32, g.WeightLen()), make([]float32, g.OutLen())
		for i := range x {
			x[i] = float32(i%13) * 0.1
		}
		for i := range w {
			w[i] = float32(i%7) * 0.1
		}
		for _, k := range []interface {
			Forward(x, w, b, y []float32)
			SetConstantWeights(bool)
		}{NewIm2col(g, 1), NewWinograd(g, 1)} {
			k.SetConstantWeights(true)
			name := fmt.Sprintf("c=%d/g=%d/hw=%d/n=%d/%T", c.ch, c.groups, c.hw, c.n, k)
			b.Run(name, func(b *testing.B) {
				for b.Loop() {
					k.Forward(x, w, nil, y)
				}
				b.ReportMetric(2*float64(g.MACs())*float64(b.N)/b.Elapsed().Seconds()*1e-9, "GFLOP/s")
			})
		}
	}
}
