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
