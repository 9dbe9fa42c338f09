package conv

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/convkit/convkit/internal/asm"
	"github.com/convkit/convkit/internal/geom"
	"github.com/convkit/convkit/internal/kernel"
	"github.com/convkit/convkit/tensor"
)

// TestKernelSetsBitIdentical checks, through conv.Plan, what Kernels
// documents: the AVX-512 and AVX2 kernel sets give the same bits for
// every algorithm, forward and backward, on the anchor operators (plus an
// FC layer and stride-2 and small depthwise shapes) at batch 1 and 3 (and
// 4 for the FC layer) with 1 and 2 threads (PW4 also with constant
// weights: the channel-vectorised forward at batch 1 and 3 on one thread)
// — except the forward of a
// linear layer (pointwise GEMV mode), whose blocks of four images
// (asm.Dot3x4) sum in 16 lanes instead of 8.
func TestKernelSetsBitIdentical(t *testing.T) {
	if !asm.HasAVX512 {
		t.Skip("no AVX-512 on this build/CPU")
	}
	threadAll(t)
	ops := append([]anchor{}, anchors...)
	ops = append(ops,
		anchor{"FC", Pointwise(256, 100), []int{256, 1, 1}},
		anchor{"S3", New2D(16, 24, 3).WithStride(2).WithPadding(Pad(1)), []int{16, 30, 30}},
		anchor{"DWS", Depthwise(40, 3, 1), []int{40, 9, 13}})
	r := rand.New(rand.NewPCG(12, 7))
	for _, a := range ops {
		batches := []int{1, 3}
		if a.name == "FC" {
			batches = append(batches, 4) // Dot3x4 takes four images
		}
		for _, batch := range batches {
			in := append([]int{batch}, a.chw...)
			out, err := a.op.OutputShape(in)
			if err != nil {
				t.Fatal(err)
			}
			x := randTensor(r, in)
			dy := randTensor(r, out)
			var params []*tensor.Tensor
			for _, p := range a.op.Params() {
				params = append(params, randTensor(r, p.Shape))
			}
			gemv := false
			if g, err := geometryOf(a.op, in); err == nil {
				if gc, ok := g.(geom.Conv); ok {
					gemv = kernel.PointwiseGEMV(gc)
				}
			}
			configs := []Options{{Threads: 1}, {Threads: 2}}
			if a.name == "PW4" { // the channel-vectorised pointwise forward
				configs = append(configs, Options{Threads: 1, ConstantWeights: true}, Options{Threads: 2, ConstantWeights: true})
			}
			for _, opts := range configs {
				run := func(use512 bool) (y, dx *tensor.Tensor, grads []*tensor.Tensor) {
					prev, prev512 := asm.SetUseAsm(true), asm.SetUseAVX512(use512)
					defer func() { asm.SetUseAsm(prev); asm.SetUseAVX512(prev512) }()
					p, err := NewPlan(a.op, in, opts)
					if err != nil {
						t.Fatal(err)
					}
					y, dx = tensor.New(out...), tensor.New(in...)
					for _, q := range params {
						grads = append(grads, tensor.New(q.Shape...))
					}
					if err := p.Forward(y, x, params...); err != nil {
						t.Fatal(err)
					}
					if err := p.Backward(x, dy, dx, grads, params...); err != nil {
						t.Fatal(err)
					}
					return y, dx, grads
				}
				y5, dx5, g5 := run(true)
				y2, dx2, g2 := run(false)
				what := fmt.Sprintf("%s batch %d threads %d constant weights %v", a.name, batch, opts.Threads, opts.ConstantWeights)
				if !gemv {
					sameBitsT(t, what+" y", y5.Data, y2.Data)
				}
				sameBitsT(t, what+" dx", dx5.Data, dx2.Data)
				for i := range g5 {
					sameBitsT(t, fmt.Sprintf("%s grad %d", what, i), g5[i].Data, g2[i].Data)
				}
			}
		}
	}
}

func randTensor(r *rand.Rand, shape []int) *tensor.Tensor {
	t := tensor.New(shape...)
	for i := range t.Data {
		t.Data[i] = float32(r.Float64()*2 - 1)
	}
	return t
}

func sameBitsT(t *testing.T, what string, got, want []float32) {
	t.Helper()
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s: element %d: AVX-512 %v, AVX2 %v", what, i, got[i], want[i])
		}
	}
}
