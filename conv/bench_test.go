package conv

import (
	"fmt"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/convkit/convkit/internal/geom"
	"github.com/convkit/convkit/tensor"
)

// anchor is one of the per-operator shapes timed against PyTorch and ONNX
// Runtime on this machine (../shared/anchors/ops.py, RESULTS.md); chw is
// the input of one image.
type anchor struct {
	name string
	op   Op
	chw  []int
}

var anchors = []anchor{
	{"S1", New2D(64, 64, 3).WithPadding(Pad(1)), []int{64, 56, 56}},
	{"S2", New2D(3, 32, 3).WithStride(2).WithPadding(Pad(1)), []int{3, 224, 224}},
	{"G1", New2D(128, 128, 3).WithGroups(4).WithPadding(Pad(1)), []int{128, 28, 28}},
	{"G2", Pointwise(240, 60).WithGroups(3), []int{240, 28, 28}},
	{"DW1", Depthwise(32, 3, 1), []int{32, 112, 112}},
	{"DW2", Depthwise(256, 3, 1), []int{256, 28, 28}},
	{"DW3", Depthwise(512, 3, 1), []int{512, 14, 14}},
	{"DW4", Depthwise(64, 3, 1).WithStride(2), []int{64, 112, 112}},
	{"PW1", Pointwise(32, 64), []int{32, 112, 112}},
	{"PW2", Pointwise(256, 256), []int{256, 28, 28}},
	{"PW3", Pointwise(512, 512), []int{512, 14, 14}},
	{"PW4", Pointwise(1024, 1024), []int{1024, 7, 7}},
	{"CS", Shuffle{Groups: 3}, []int{240, 28, 28}},
	// d_c = 8, stride 1, padding 3 front + 4 back: 512 outputs.
	{"CW1", ChannelWise{In: 512, Kernel: 8, Stride: 1, Padding: ChanPadding{Front: 3, Back: 4}}, []int{512, 14, 14}},
	// 4 filters of d_c = 64 at stride 4, padding 30 + 30: 4 × 128 outputs.
	{"GCW1", GroupChannelWise{In: 512, Out: 512, Groups: 4, Kernel: 64}, []int{512, 14, 14}},
	// The same without padding: 4 × 113 outputs.
	{"GCW1u", GroupChannelWise{In: 512, Out: 452, Groups: 4, Kernel: 64}, []int{512, 14, 14}},
	// d_c = 1024 − 1000 + 1 = 25 over the pooled features.
	{"CCL", Classifier{In: 1024, Classes: 1000, Size: 1}, []int{1024, 1, 1}},
}

// bwdAnchors are the operators the anchors also time forward+backward.
// DW4 (stride-2 depthwise, no peer figure) is timed too, for the
// stride-2 backward.
var bwdAnchors = map[string]bool{"S1": true, "G1": true, "DW2": true, "DW4": true, "PW2": true, "CW1": true}

type benchSetup struct {
	plan          *Plan
	x, y, dy, dx  *tensor.Tensor
	params, grads []*tensor.Tensor
	macs, bytes   float64 // per forward pass over the batch
	algo          Algorithm
}

func newBenchSetup(b *testing.B, a anchor, batch int, opt Options) *benchSetup {
	in := append([]int{batch}, a.chw...)
	p, err := NewPlan(a.op, in, opt)
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	fill := func(t *tensor.Tensor) *tensor.Tensor {
		for i := range t.Data {
			t.Data[i] = float32(2*r.Float64() - 1)
		}
		return t
	}
	s := &benchSetup{plan: p, x: fill(tensor.New(in...)), y: tensor.New(p.OutShape()...),
		dy: fill(tensor.New(p.OutShape()...)), dx: tensor.New(in...)}
	for _, q := range a.op.Params() {
		s.params = append(s.params, fill(tensor.New(q.Shape...)))
		s.grads = append(s.grads, tensor.New(q.Shape...))
	}
	g, _ := geometryOf(a.op, in)
	switch g := g.(type) {
	case geom.Conv:
		s.macs = float64(g.MACs())
	case geom.Chan:
		s.macs = float64(g.MACs())
	case geom.Shuffle:
		s.bytes = float64(2 * 4 * g.Len())
	}
	s.algo, _ = p.Algorithm()
	// One warm-up pass each way: workspaces that grow on first use (the
	// GEMM's packing buffers) are not steady-state allocations.
	if err := p.Forward(s.y, s.x, s.params...); err != nil {
		b.Fatal(err)
	}
	if err := p.Backward(s.x, s.dy, s.dx, s.grads, s.params...); err != nil {
		b.Fatal(err)
	}
	return s
}

func (s *benchSetup) report(b *testing.B, passes float64) {
	sec := b.Elapsed().Seconds() / float64(b.N)
	if s.macs > 0 {
		b.ReportMetric(passes*2*s.macs/sec*1e-9, "GFLOP/s")
	}
	if s.bytes > 0 {
		b.ReportMetric(s.bytes/sec*1e-9, "GB/s")
	}
	b.ReportMetric(sec*1e3, "ms/op")
}

// BenchmarkAnchors times the planned forward pass of every anchor operator
// at batch 1 and 8 on 1 and 2 threads, reporting GFLOP/s (2·MACs per
// second; GB/s moved for the shuffle) and allocations. Compare with the
// summary table of ../shared/anchors/RESULTS.md (docs/kernels.md quotes
// both). The weights are constant (Options.ConstantWeights: packed once),
// as in convkit bench ops and the peers' inference. CONVKIT_BENCH_REF=1
// adds the float64 reference as the naive baseline (slow).
func BenchmarkAnchors(b *testing.B) {
	withRef := os.Getenv("CONVKIT_BENCH_REF") == "1"
	for _, a := range anchors {
		for _, batch := range []int{1, 8} {
			for _, threads := range []int{1, 2} {
				opts := []Options{{Threads: threads, ConstantWeights: true}}
				if withRef && threads == 1 {
					opts = append(opts, Options{Threads: 1, Reference: true})
				}
				for _, opt := range opts {
					s := newBenchSetup(b, a, batch, opt)
					b.Run(fmt.Sprintf("%s/batch=%d/threads=%d/%s", a.name, batch, threads, s.algo), func(b *testing.B) {
						b.ReportAllocs()
						for b.Loop() {
							if err := s.plan.Forward(s.y, s.x, s.params...); err != nil {
								b.Fatal(err)
							}
						}
						s.report(b, 1)
					})
				}
			}
		}
	}
}

// BenchmarkAnchorsTrain times forward + backward (all gradients) of the
// operators the anchors time that way; the FLOP count is 3× the forward's,
// the anchors' convention.
func BenchmarkAnchorsTrain(b *testing.B) {
	for _, a := range anchors {
		if !bwdAnchors[a.name] {
			continue
		}
		for _, threads := range []int{1, 2} {
			s := newBenchSetup(b, a, 8, Options{Threads: threads})
			b.Run(fmt.Sprintf("%s/batch=8/threads=%d/%s", a.name, threads, s.algo), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if err := s.plan.Forward(s.y, s.x, s.params...); err != nil {
						b.Fatal(err)
					}
					if err := s.plan.Backward(s.x, s.dy, s.dx, s.grads, s.params...); err != nil {
						b.Fatal(err)
					}
				}
				s.report(b, 3)
			})
		}
	}
}
