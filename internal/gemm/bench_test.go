package gemm

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
)

// Benchmark shapes (C[M×N] = A[M×K]·B[K×N], NCHW convolution view: M output
// channels, N = H·W pixels, K = input channels × kernel taps).
var benchShapes = []struct {
	name    string
	m, n, k int
}{
	{"PW2_256x784x256", 256, 784, 256},       // pointwise, 28×28, 256→256
	{"PW3_512x196x512", 512, 196, 512},       // pointwise, 14×14, 512→512
	{"PW4_1024x49x1024", 1024, 49, 1024},     // pointwise, 7×7, 1024→1024
	{"PW4b8_1024x392x1024", 1024, 392, 1024}, // the same, batch 8 gathered
	{"S1_64x3136x576", 64, 3136, 576},        // 3×3 im2col, 56×56, 64→64
	{"G1_32x784x288", 32, 784, 288},          // grouped 3×3 im2col, one group
	{"PW1_64x12544x32", 64, 12544, 32},       // pointwise, 112×112, 32→64
}

// flopMeter reports GFLOP/s over wall time and, when the benchmark runs on
// one thread (GOMAXPROCS=1), also over the OS thread's CPU time
// ("GFLOP/s-cpu"), which is robust to other processes on a shared machine.
type flopMeter struct {
	flops float64
	cpu0  float64
	ok    bool
}

func startMeter(m, n, k int) *flopMeter {
	fm := &flopMeter{flops: 2 * float64(m) * float64(n) * float64(k)}
	if runtime.GOMAXPROCS(0) == 1 {
		runtime.LockOSThread()
		fm.cpu0, fm.ok = threadCPUSeconds()
	}
	return fm
}

func (fm *flopMeter) report(b *testing.B) {
	total := fm.flops * float64(b.N)
	b.ReportMetric(total/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	if fm.ok {
		if cpu1, ok := threadCPUSeconds(); ok && cpu1 > fm.cpu0 {
			b.ReportMetric(total/(cpu1-fm.cpu0)/1e9, "GFLOP/s-cpu")
		}
		runtime.UnlockOSThread()
	}
}

// BenchmarkSgemm runs SgemmParallel with GOMAXPROCS threads: use -cpu 1 for
// the single-thread numbers and -cpu 2 for two threads.
func BenchmarkSgemm(b *testing.B) {
	for _, s := range benchShapes {
		b.Run(s.name, func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 1))
			a, bb, c := randMat(r, s.m, s.k, s.k), randMat(r, s.k, s.n, s.n), make([]float32, s.m*s.n)
			threads := runtime.GOMAXPROCS(0)
			fm := startMeter(s.m, s.n, s.k)
			for b.Loop() {
				SgemmParallel(threads, false, false, s.m, s.n, s.k, 1, a, s.k, bb, s.n, 0, c, s.n)
			}
			fm.report(b)
		})
	}
}

// BenchmarkSgemmPackedA is the convolution path: weights packed once.
func BenchmarkSgemmPackedA(b *testing.B) {
	for _, s := range benchShapes {
		b.Run(s.name, func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 1))
			a, bb, c := randMat(r, s.m, s.k, s.k), randMat(r, s.k, s.n, s.n), make([]float32, s.m*s.n)
			pa := PackA(false, s.m, s.k, a, s.k)
			threads := runtime.GOMAXPROCS(0)
			fm := startMeter(s.m, s.n, s.k)
			for b.Loop() {
				SgemmPackedA(threads, pa, false, s.n, 1, bb, s.n, 0, c, s.n)
			}
			fm.report(b)
		})
	}
}

// BenchmarkNaive is the baseline: the textbook i-p-j loop in Go (float32
// accumulation, row of B streamed), on the PW2 shape.
func BenchmarkNaive(b *testing.B) {
	const m, n, k = 256, 784, 256
	r := rand.New(rand.NewPCG(1, 1))
	a, bb, c := randMat(r, m, k, k), randMat(r, k, n, n), make([]float32, m*n)
	fm := startMeter(m, n, k)
	for b.Loop() {
		for i := range m {
			cr := c[i*n : i*n+n]
			clear(cr)
			for p := range k {
				av := a[i*k+p]
				br := bb[p*n : p*n+n]
				for j := range cr {
					cr[j] += av * br[j]
				}
			}
		}
	}
	fm.report(b)
}

// BenchmarkSgemmTransB is the weight-gradient GEMM of the S1 convolution:
// dW[M×K'] = dY[M×HW] · Xcolᵀ with Xcol stored K'×HW (transB), m=64,
// n=576, k=3136.
func BenchmarkSgemmTransB(b *testing.B) {
	const m, n, k = 64, 576, 3136
	r := rand.New(rand.NewPCG(1, 1))
	a, bb, c := randMat(r, m, k, k), randMat(r, n, k, k), make([]float32, m*n)
	threads := runtime.GOMAXPROCS(0)
	fm := startMeter(m, n, k)
	for b.Loop() {
		SgemmParallel(threads, false, true, m, n, k, 1, a, k, bb, k, 0, c, n)
	}
	fm.report(b)
}

// BenchmarkGrid times the two-thread grids of multiply (tm×tn = 2×1, the
// m split, and 1×2, the n split) on the pointwise anchors at batch 1 and 8
// (n = H·W·batch), the measurement behind partition's cost model. Run it
// with -cpu 2; "chosen" names partition's pick.
func BenchmarkGrid(b *testing.B) {
	shapes := []struct {
		name    string
		m, n, k int
	}{
		{"PW1b1", 64, 12544, 32}, {"PW2b1", 256, 784, 256}, {"PW3b1", 512, 196, 512}, {"PW4b1", 1024, 49, 1024},
		{"PW1b8", 64, 8 * 12544, 32}, {"PW2b8", 256, 8 * 784, 256}, {"PW3b8", 512, 8 * 196, 512}, {"PW4b8", 1024, 8 * 49, 1024},
	}
	for _, s := range shapes {
		r := rand.New(rand.NewPCG(1, 1))
		a, bb, c := randMat(r, s.m, s.k, s.k), randMat(r, s.k, s.n, s.n), make([]float32, s.m*s.n)
		pa := PackA(false, s.m, s.k, a, s.k)
		tm, tn := partition(2, pa.panels, s.n)
		for _, g := range [][2]int{{2, 1}, {1, 2}} {
			name := fmt.Sprintf("%s/%dx%d", s.name, g[0], g[1])
			if g[0] == tm && g[1] == tn {
				name += "-chosen"
			}
			b.Run(name, func(b *testing.B) {
				fm := startMeter(s.m, s.n, s.k)
				for b.Loop() {
					multiplyGrid(g[0], g[1], pa, bOperand{data: bb, ld: s.n}, s.n, 1, 0, c, s.n)
				}
				fm.report(b)
			})
		}
	}
}
