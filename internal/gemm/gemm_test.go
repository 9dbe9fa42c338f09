package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/convkit/convkit/internal/asm"
)

const eps32 = 1.0 / (1 << 23) // float32 machine epsilon

// tolerance is the allowed |C - Cref| for one element: 4·(k+2)·eps32·mag,
// where mag = |alpha|·Σ_p |a_ip·b_pj| + |beta·c_ij| bounds every partial sum.
// The classical bound for a length-k float32 dot product is γ_k·mag with
// γ_k ≈ k·eps32/2; the factor 4 and the +2 cover the alpha/beta scaling,
// the extra rounding of each depth-block merge and FMA-vs-separate rounding.
func tolerance(k int, mag float64) float64 { return 4*float64(k+2)*eps32*mag + 1e-35 }

// naive computes the reference C = alpha·op(A)·op(B) + beta·C in float64 and
// the per-element magnitude bound used by tolerance. c is not read when
// beta == 0.
func naive(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) (ref, mag []float64) {
	ref, mag = make([]float64, m*n), make([]float64, m*n)
	for i := range m {
		for j := range n {
			var s, g float64
			for p := range k {
				ai, bi := i*lda+p, p*ldb+j
				if transA {
					ai = p*lda + i
				}
				if transB {
					bi = j*ldb + p
				}
				av, bv := a[ai], b[bi]
				v := float64(av) * float64(bv)
				s += v
				g += math.Abs(v)
			}
			r := float64(alpha) * s
			g *= math.Abs(float64(alpha))
			if beta != 0 {
				cv := float64(beta) * float64(c[i*ldc+j])
				r += cv
				g += math.Abs(cv)
			}
			ref[i*n+j], mag[i*n+j] = r, g
		}
	}
	return ref, mag
}

// sentinel marks every element of the C buffer that must not be written.
var sentinel = math.Float32frombits(0x7fc0dead) // a NaN with a payload

const guard = 7 // extra elements before and after C

type gemmCase struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	pad            int // added to every minimal leading dimension
	mode           int // 0 Sgemm, 1 SgemmParallel(threads), 2 PackA+SgemmPackedA
	threads        int
}

func (gc gemmCase) String() string {
	return fmt.Sprintf("tA=%v tB=%v m=%d n=%d k=%d alpha=%v beta=%v pad=%d mode=%d thr=%d asm=%v",
		gc.transA, gc.transB, gc.m, gc.n, gc.k, gc.alpha, gc.beta, gc.pad, gc.mode, gc.threads, asm.UsingAsm())
}

// run executes the case and returns the whole C buffer (with guards) and
// the leading dimension used; it checks everything and reports via t.
func (gc gemmCase) check(t testing.TB, r *rand.Rand) []float32 {
	t.Helper()
	m, n, k := gc.m, gc.n, gc.k
	ar, ac := m, k
	if gc.transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if gc.transB {
		br, bc = n, k
	}
	lda, ldb, ldc := max(1, ac)+gc.pad, max(1, bc)+gc.pad, max(1, n)+gc.pad
	a := randMat(r, ar, ac, lda)
	b := randMat(r, br, bc, ldb)
	cbuf := make([]float32, guard+max(0, (m-1)*ldc+n)+guard)
	for i := range cbuf {
		cbuf[i] = sentinel
	}
	c := cbuf[guard : len(cbuf)-guard]
	for i := range m {
		for j := range n {
			if gc.beta == 0 {
				c[i*ldc+j] = float32(math.NaN()) // must be overwritten, never read
			} else {
				c[i*ldc+j] = float32(r.Float64()*2 - 1)
			}
		}
	}
	ref, mag := naive(gc.transA, gc.transB, m, n, k, gc.alpha, a, lda, b, ldb, gc.beta, c, ldc)
	switch gc.mode {
	case 0:
		Sgemm(gc.transA, gc.transB, m, n, k, gc.alpha, a, lda, b, ldb, gc.beta, c, ldc)
	case 1:
		SgemmParallel(gc.threads, gc.transA, gc.transB, m, n, k, gc.alpha, a, lda, b, ldb, gc.beta, c, ldc)
	case 2:
		pa := PackA(gc.transA, m, k, a, lda)
		SgemmPackedA(gc.threads, pa, gc.transB, n, gc.alpha, b, ldb, gc.beta, c, ldc)
	}
	for idx, v := range cbuf {
		ci := idx - guard
		i, j := ci/ldc, ci%ldc
		if ci < 0 || i >= m || j >= n {
			if math.Float32bits(v) != math.Float32bits(sentinel) {
				t.Fatalf("%v: wrote outside C at buffer index %d", gc, idx)
			}
			continue
		}
		want, g := ref[i*n+j], mag[i*n+j]
		if d := math.Abs(float64(v) - want); !(d <= tolerance(k, g)) {
			t.Fatalf("%v: C[%d][%d] = %v, want %v (|err| %.3g > tol %.3g)", gc, i, j, v, want, d, tolerance(k, g))
		}
	}
	return cbuf
}

func randMat(r *rand.Rand, rows, cols, ld int) []float32 {
	if rows == 0 || cols == 0 {
		return nil
	}
	s := make([]float32, (rows-1)*ld+cols)
	for i := range s {
		if i%ld < cols {
			s[i] = float32(r.Float64()*2 - 1)
		} else {
			s[i] = float32(math.NaN()) // padding between rows must never be read
		}
	}
	return s
}

// forImpls runs f with the pure-Go micro-kernels, the AVX2 assembly and
// the AVX-512 assembly (whose driver path pairs B micro-panels), those the
// build and CPU have.
func forImpls(t *testing.T, f func(t *testing.T)) {
	for _, impl := range []string{"generic", "avx2", "avx512"} {
		t.Run(impl, func(t *testing.T) {
			useAsm, use512 := impl != "generic", impl == "avx512"
			if useAsm && !asm.HasAVX2FMA {
				t.Skip("no AVX2+FMA assembly")
			}
			if use512 && !asm.HasAVX512 {
				t.Skip("no AVX-512")
			}
			prev, prev512 := asm.SetUseAsm(useAsm), asm.SetUseAVX512(use512)
			defer func() { asm.SetUseAsm(prev); asm.SetUseAVX512(prev512) }()
			f(t)
		})
	}
}

var awkward = []int{1, 2, 3, 5, 6, 7, 15, 16, 17, 31, 33, 64, 65, 100, 257}

var alphaBetas = [][2]float32{{1, 0}, {1, 1}, {-0.5, 2}, {0.75, 0}, {2, -1}}

func TestSgemmSmallExhaustive(t *testing.T) {
	small := []int{1, 2, 5, 6, 7, 16, 17}
	forImpls(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(1, 1))
		i := 0
		for _, m := range small {
			for _, n := range small {
				for _, k := range small {
					for tr := range 4 {
						ab := alphaBetas[i%len(alphaBetas)]
						i++
						gemmCase{transA: tr&1 != 0, transB: tr&2 != 0, m: m, n: n, k: k,
							alpha: ab[0], beta: ab[1], pad: i % 3}.check(t, r)
					}
				}
			}
		}
	})
}

func TestSgemmAwkwardSampled(t *testing.T) {
	defer func(mf int) { minFlopsPerThread = mf }(minFlopsPerThread)
	minFlopsPerThread = 1 // let mode 1/2 really split small problems
	forImpls(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(2, 2))
		for i := range 300 {
			gc := gemmCase{
				transA: i&1 != 0, transB: i&2 != 0,
				m: awkward[r.IntN(len(awkward))], n: awkward[r.IntN(len(awkward))], k: awkward[r.IntN(len(awkward))],
				pad: r.IntN(4), mode: i % 3, threads: 2,
			}
			ab := alphaBetas[r.IntN(len(alphaBetas))]
			gc.alpha, gc.beta = ab[0], ab[1]
			gc.check(t, r)
		}
	})
}

// TestSgemmBlocking shrinks the cache blocks so that small matrices go
// through several nc, kc and mc blocks (and the row-chunking of Sgemm).
func TestSgemmBlocking(t *testing.T) {
	defer func(kc, mc, nc, pm, mf, ar int) {
		kcMax, mcMax, ncMax, packAMaxFloats, minFlopsPerThread, aResidentMaxFloats = kc, mc, nc, pm, mf, ar
	}(kcMax, mcMax, ncMax, packAMaxFloats, minFlopsPerThread, aResidentMaxFloats)
	kcMax, mcMax, ncMax, packAMaxFloats, minFlopsPerThread = 8, 12, 32, 600, 1
	forImpls(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(3, 3))
		for i := range 80 {
			// alternate the two macro-kernel loop nests
			aResidentMaxFloats = []int{0, 1 << 30, 500, 2000}[i%4]
			gc := gemmCase{
				transA: i&1 != 0, transB: i&2 != 0,
				m: 1 + r.IntN(70), n: 1 + r.IntN(110), k: 1 + r.IntN(40),
				pad: r.IntN(3), mode: i % 3, threads: 1 + i%4,
			}
			ab := alphaBetas[i%len(alphaBetas)]
			gc.alpha, gc.beta = ab[0], ab[1]
			gc.check(t, r)
		}
	})
}

// TestSgemmDeterministic: every thread count and the packed-A path produce
// bit-identical results (same operation sequence per element).
func TestSgemmDeterministic(t *testing.T) {
	defer func(mf int) { minFlopsPerThread = mf }(minFlopsPerThread)
	minFlopsPerThread = 1
	forImpls(t, func(t *testing.T) {
		for _, sh := range [][3]int{{70, 100, 300}, {200, 20, 40}, {13, 700, 9}} {
			m, n, k := sh[0], sh[1], sh[2]
			r := rand.New(rand.NewPCG(4, uint64(m)))
			a, b := randMat(r, m, k, k), randMat(r, k, n, n)
			c0 := randMat(r, m, n, n)
			var first []float32
			for mode := range 5 {
				c := append([]float32(nil), c0...)
				switch mode {
				case 0:
					Sgemm(false, false, m, n, k, 1.5, a, k, b, n, 0.5, c, n)
				case 1, 2, 3:
					SgemmParallel(mode+1, false, false, m, n, k, 1.5, a, k, b, n, 0.5, c, n)
				case 4:
					SgemmPackedA(2, PackA(false, m, k, a, k), false, n, 1.5, b, n, 0.5, c, n)
				}
				if first == nil {
					first = c
					continue
				}
				for i := range c {
					if math.Float32bits(c[i]) != math.Float32bits(first[i]) {
						t.Fatalf("shape %v mode %d: element %d differs: %v vs %v", sh, mode, i, c[i], first[i])
					}
				}
			}
		}
	})
}

func TestSgemmSpecialScalars(t *testing.T) {
	nan := float32(math.NaN())
	m, n, k := 7, 19, 5
	a := make([]float32, m*k)
	b := make([]float32, k*n)
	for i := range a {
		a[i] = nan // alpha == 0: A and B must not be read
	}
	for i := range b {
		b[i] = nan
	}
	c := make([]float32, m*n)
	for i := range c {
		c[i] = 2
	}
	Sgemm(false, false, m, n, k, 0, a, k, b, n, 0.5, c, n)
	for i, v := range c {
		if v != 1 {
			t.Fatalf("alpha=0 beta=0.5: c[%d]=%v want 1", i, v)
		}
	}
	Sgemm(false, false, m, n, k, 0, a, k, b, n, 0, c, n)
	for i, v := range c {
		if v != 0 {
			t.Fatalf("alpha=0 beta=0: c[%d]=%v want 0", i, v)
		}
	}
	for i := range c {
		c[i] = nan
	}
	Sgemm(false, false, m, n, 0, 1, nil, 1, nil, n, 0, c, n) // k == 0, beta == 0
	for i, v := range c {
		if v != 0 {
			t.Fatalf("k=0 beta=0: c[%d]=%v want 0", i, v)
		}
	}
	Sgemm(false, false, 0, 0, 0, 1, nil, 1, nil, 1, 0, nil, 1) // empty: no panic
}

// mustPanic fails the test unless f panics (a refused argument).
func mustPanic(t *testing.T, name string, f func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Errorf("%s: no panic", name)
		}
	}()
	f()
}

func TestSgemmPanics(t *testing.T) {
	a, b, c := make([]float32, 6), make([]float32, 6), make([]float32, 4)
	mustPanic(t, "lda", func() { Sgemm(false, false, 2, 2, 3, 1, a, 2, b, 2, 0, c, 2) })
	mustPanic(t, "ldb", func() { Sgemm(false, false, 2, 2, 3, 1, a, 3, b, 1, 0, c, 2) })
	mustPanic(t, "ldc", func() { Sgemm(false, false, 2, 2, 3, 1, a, 3, b, 2, 0, c, 1) })
	mustPanic(t, "short a", func() { Sgemm(false, false, 2, 2, 3, 1, a[:5], 3, b, 2, 0, c, 2) })
	mustPanic(t, "short b", func() { Sgemm(false, true, 2, 2, 3, 1, a, 3, b[:5], 3, 0, c, 2) })
	mustPanic(t, "short c", func() { Sgemm(false, false, 2, 2, 3, 1, a, 3, b, 2, 0, c[:3], 2) })
	mustPanic(t, "neg", func() { Sgemm(false, false, -1, 2, 3, 1, a, 3, b, 2, 0, c, 2) })
	pa := PackA(false, 2, 3, a, 3)
	mustPanic(t, "packed short b", func() { SgemmPackedA(1, pa, false, 2, 1, b[:5], 2, 0, c, 2) })
}

// TestSgemmNoAllocs: steady-state calls reuse pooled buffers and workers.
func TestSgemmNoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items under -race")
	}
	const m, n, k = 64, 200, 96
	r := rand.New(rand.NewPCG(5, 5))
	a, b, c := randMat(r, m, k, k), randMat(r, k, n, n), make([]float32, m*n)
	pa := PackA(false, m, k, a, k)
	runtime.GC()
	if got := testing.AllocsPerRun(20, func() {
		Sgemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n)
		SgemmPackedA(1, pa, false, n, 1, b, n, 1, c, n)
	}); got != 0 {
		t.Errorf("serial: %v allocs per call, want 0", got)
	}
	// AllocsPerRun forces GOMAXPROCS=1 (which caps the threads), so the
	// parallel path is measured by hand.
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("parallel path needs GOMAXPROCS >= 2")
	}
	defer func(mf int) { minFlopsPerThread = mf }(minFlopsPerThread)
	minFlopsPerThread = 1
	par := func() {
		SgemmParallel(2, false, false, m, n, k, 1, a, k, b, n, 0, c, n)
		SgemmParallel(2, true, true, m, n, k, 1, a, m, b, k, 0, c, n) // m-split shape-agnostic: just another path
		SgemmPackedA(2, pa, false, n, 1, b, n, 1, c, n)
	}
	runtime.GC() // settle garbage from earlier tests so no GC empties the pools below
	for range 30 {
		par() // warm the free lists (jobs, workspaces) and the workers
	}
	// Our scratch comes from free lists and is never dropped; the runtime
	// itself may still allocate now and then: a sudog when a parked
	// goroutine's P has an empty cache, or an OS thread (an M, about six
	// objects) when a woken worker finds every M busy — seen under -tags
	// purego, where the slower kernels keep the workers parked longer. So
	// allow a handful over 150 calls, and measure up to three times, since
	// a new M is made once and then reused.
	const runs = 50
	var d uint64
	for range 3 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for range runs {
			par()
		}
		runtime.ReadMemStats(&after)
		if d = after.Mallocs - before.Mallocs; d <= 5 {
			return
		}
	}
	t.Errorf("parallel: %d mallocs in %d runs, three times over", d, runs)
}

func TestPartition(t *testing.T) {
	for _, tc := range []struct{ thr, mp, n, tm, tn int }{
		{1, 43, 784, 1, 1},
		{2, 43, 784, 1, 2},  // PW2 256x784: split n (49 panels)
		{2, 86, 196, 2, 1},  // PW3 512x196: split m (13 column panels split badly)
		{2, 171, 49, 2, 1},  // PW4 1024x49: split m
		{2, 1, 16, 1, 1},    // one tile: nothing to split
		{2, 11, 3136, 1, 2}, // S1 64x3136
		{4, 86, 196, 4, 1},
		{2, 1, 64, 1, 2}, // a single row panel can only split n
	} {
		if tm, tn := partition(tc.thr, tc.mp, tc.n); tm != tc.tm || tn != tc.tn {
			t.Errorf("partition(%d, %d, %d) = %d×%d, want %d×%d", tc.thr, tc.mp, tc.n, tm, tn, tc.tm, tc.tn)
		}
	}
}

// FuzzSgemm compares Sgemm, SgemmParallel and SgemmPackedA against the
// float64 reference on random shapes, transposes, scalars and paddings.
func FuzzSgemm(f *testing.F) {
	f.Add(uint8(6), uint8(16), uint8(8), uint8(0), uint64(1))
	f.Add(uint8(7), uint8(17), uint8(33), uint8(0xff), uint64(2))
	f.Add(uint8(1), uint8(1), uint8(1), uint8(0x15), uint64(3))
	f.Add(uint8(65), uint8(100), uint8(31), uint8(0x2a), uint64(4))
	defer func(mf int) { minFlopsPerThread = mf }(minFlopsPerThread)
	minFlopsPerThread = 1 // let the parallel modes really split
	f.Fuzz(func(t *testing.T, m, n, k, flags uint8, seed uint64) {
		r := rand.New(rand.NewPCG(seed, uint64(flags)))
		ab := alphaBetas[int(flags>>4)%len(alphaBetas)]
		gc := gemmCase{
			transA: flags&1 != 0, transB: flags&2 != 0,
			m: int(m) % 97, n: int(n) % 131, k: int(k) % 97,
			alpha: ab[0], beta: ab[1],
			pad: int(seed % 3), mode: int(flags>>2) % 3, threads: 2,
		}
		useAsm := seed&8 == 0
		prev, prev512 := asm.SetUseAsm(useAsm), asm.SetUseAVX512(seed&16 == 0)
		defer func() { asm.SetUseAsm(prev); asm.SetUseAVX512(prev512) }()
		gc.check(t, r)
	})
}

// indirectCase is one random B operand of an indirect GEMM: the dense B
// it stands for (gathered: transposed when trans, leading dimension ld;
// n columns of op(B)) and the indirect call computing C from it.
type indirectCase struct {
	n        int
	gathered []float32
	ld       int
	trans    bool
	indirect func(threads int, pa *PackedA, alpha, beta float32, c []float32)
}

// checkIndirect runs 60 random cases of an indirect GEMM (gen makes B for
// a depth k) and requires them bit-identical to SgemmPackedA on the
// gathered B, under both blockings (so several depth blocks), one to three
// threads, the alpha/beta pairs, and both implementations.
func checkIndirect(t *testing.T, seed uint64, gen func(r *rand.Rand, k int) indirectCase) {
	defer func(kc, mf int) { kcMax, minFlopsPerThread = kc, mf }(kcMax, minFlopsPerThread)
	forImpls(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(seed, seed))
		for i := range 60 {
			kcMax, minFlopsPerThread = []int{256, 8}[i%2], []int{2 << 20, 1}[i/2%2]
			m, k := 1+r.IntN(40), 1+r.IntN(50)
			ic := gen(r, k)
			pa := PackA(false, m, k, randMat(r, m, k, k), k)
			c0 := randMat(r, m, ic.n, ic.n)
			want, got := append([]float32(nil), c0...), append([]float32(nil), c0...)
			ab := alphaBetas[i%len(alphaBetas)]
			threads := 1 + i%3
			SgemmPackedA(threads, pa, ic.trans, ic.n, ab[0], ic.gathered, ic.ld, ab[1], want, ic.n)
			ic.indirect(threads, pa, ab[0], ab[1], got)
			for j := range got {
				if math.Float32bits(got[j]) != math.Float32bits(want[j]) {
					t.Fatalf("case %d (m %d n %d k %d threads %d): element %d = %v, want %v", i, m, ic.n, k, threads, j, got[j], want[j])
				}
			}
		}
	})
}

// randRows returns a row table of count rows of length values each,
// starting anywhere in src (overlapping, out of order), and the rows
// gathered into a count × length matrix.
func randRows(r *rand.Rand, src []float32, count, length int) ([]int, []float32) {
	off := make([]int, count)
	gathered := make([]float32, count*length)
	for i := range off {
		off[i] = r.IntN(len(src) - length + 1)
		copy(gathered[i*length:(i+1)*length], src[off[i]:])
	}
	return off, gathered
}

// TestSgemmPackedARows: the indirect GEMM (B as a row table) for row
// tables with overlapping, out-of-order rows and partial column panels.
func TestSgemmPackedARows(t *testing.T) {
	checkIndirect(t, 9, func(r *rand.Rand, k int) indirectCase {
		n := 1 + r.IntN(90)
		src := randMat(r, 1, n+3*k+5, n+3*k+5)
		off, gathered := randRows(r, src, k, n)
		return indirectCase{n: n, gathered: gathered, ld: n, indirect: func(th int, pa *PackedA, alpha, beta float32, c []float32) {
			SgemmPackedARows(th, pa, n, alpha, src, asm.NewRows(off), beta, c, n)
		}}
	})
	pa := PackA(false, 2, 2, make([]float32, 4), 2)
	mustPanic(t, "a row past the end of b", func() {
		SgemmPackedARows(1, pa, 8, 1, make([]float32, 10), asm.NewRows([]int{0, 3}), 0, make([]float32, 16), 8)
	})
}

// TestSgemmPackedARowsEmpty: a depth of 0 (an empty row table) only
// scales C, like SgemmPackedA.
func TestSgemmPackedARowsEmpty(t *testing.T) {
	c := []float32{1, 2, 3, 4}
	SgemmPackedARows(1, PackA(false, 2, 0, nil, 1), 2, 1, nil, asm.NewRows(nil), 0.5, c, 2)
	for i, want := range []float32{0.5, 1, 1.5, 2} {
		if c[i] != want {
			t.Fatalf("c[%d] = %v, want %v", i, c[i], want)
		}
	}
}

// TestSgemmPackedACols: the indirect GEMM with a column map, for maps of
// convolution shape (rows of w positions, images side by side) used in
// full or by a prefix (the last work item of a convolution).
func TestSgemmPackedACols(t *testing.T) {
	checkIndirect(t, 10, func(r *rand.Rand, k int) indirectCase {
		w, h, imgs := 1+r.IntN(15), 1+r.IntN(6), 1+r.IntN(4)
		stride := w + r.IntN(3)
		plane := h*stride + r.IntN(5)
		var coff []int
		for im := range imgs {
			for y := range h {
				for x := range w {
					coff = append(coff, im*plane+y*stride+x)
				}
			}
		}
		n := len(coff) - r.IntN(len(coff))/2
		src := randMat(r, 1, 3*k+imgs*plane+asm.NR, 3*k+imgs*plane+asm.NR)
		off := make([]int, k)
		for p := range off {
			off[p] = r.IntN(3*k + 1)
		}
		gathered := make([]float32, k*n)
		for p, o := range off {
			for j := range n {
				gathered[p*n+j] = src[o+coff[j]]
			}
		}
		return indirectCase{n: n, gathered: gathered, ld: n, indirect: func(th int, pa *PackedA, alpha, beta float32, c []float32) {
			SgemmPackedACols(th, pa, n, alpha, src, asm.NewRows(off), asm.NewCols(coff), beta, c, n)
		}}
	})
	pa := PackA(false, 2, 2, make([]float32, 4), 2)
	cols := asm.NewCols([]int{0, 1, 2, 3, 4, 5, 6, 7})
	mustPanic(t, "a column map reaching past the end of b", func() {
		SgemmPackedACols(1, pa, 8, 1, make([]float32, 20), asm.NewRows([]int{0, 3}), cols, 0, make([]float32, 16), 8)
	})
}

// TestSgemmPackedATransRows: C = A·Bᵀ with B's rows from a row table
// (overlapping, out of order), against SgemmPackedA with transB.
func TestSgemmPackedATransRows(t *testing.T) {
	checkIndirect(t, 11, func(r *rand.Rand, k int) indirectCase {
		n := 1 + r.IntN(90)
		src := randMat(r, 1, k+3*n+5, k+3*n+5)
		off, gathered := randRows(r, src, n, k) // B, n × k
		return indirectCase{n: n, gathered: gathered, ld: k, trans: true, indirect: func(th int, pa *PackedA, alpha, beta float32, c []float32) {
			SgemmPackedATransRows(th, pa, n, alpha, src, asm.NewRows(off), beta, c, n)
		}}
	})
	pa := PackA(false, 2, 8, make([]float32, 16), 8)
	mustPanic(t, "a row past the end of b", func() {
		SgemmPackedATransRows(1, pa, 2, 1, make([]float32, 10), asm.NewRows([]int{0, 3}), 0, make([]float32, 4), 2)
	})
}

// TestWideBitIdentical: with the AVX-512 kernels the loop nests hand two or
// three B micro-panels to each call (colSteps, tileGroup); the result must keep every bit of
// the AVX2 path's, for both loop nests (small blocks force the blocked one
// and odd panel counts per block), B dense, transposed and as a row table,
// and any thread count.
func TestWideBitIdentical(t *testing.T) {
	if !asm.HasAVX512 {
		t.Skip("no AVX-512")
	}
	defer func(kc, mc, nc, mf int) { kcMax, mcMax, ncMax, minFlopsPerThread = kc, mc, nc, mf }(kcMax, mcMax, ncMax, minFlopsPerThread)
	minFlopsPerThread = 1
	r := rand.New(rand.NewPCG(3, 9))
	for _, blocks := range [][3]int{{256, 192, 2048}, {32, 12, 48}} {
		kcMax, mcMax, ncMax = blocks[0], blocks[1], blocks[2]
		for _, sh := range [][3]int{{6, 32, 9}, {64, 200, 70}, {40, 97, 33}, {200, 161, 300}, {13, 48, 5}, {64, 49, 40}, {50, 80, 20}, {8, 16, 7}, {30, 15, 9}, {64, 196, 40}, {13, 36, 9}, {7, 98, 300}, {20, 130, 3}} {
			m, n, k := sh[0], sh[1], sh[2]
			for _, transB := range []bool{false, true} {
				a := randMat(r, m, k, k)
				ldb := n
				if transB {
					ldb = k
				}
				b := randMat(r, k*n/ldb, ldb, ldb)
				c0 := randMat(r, m, n, n)
				for _, threads := range []int{1, 2, 3} {
					run := func(on bool) []float32 {
						prev, prev512 := asm.SetUseAsm(true), asm.SetUseAVX512(on)
						defer func() { asm.SetUseAsm(prev); asm.SetUseAVX512(prev512) }()
						c := append([]float32(nil), c0...)
						SgemmParallel(threads, false, transB, m, n, k, 0.5, a, k, b, ldb, 0.25, c, n)
						return c
					}
					got, want := run(true), run(false)
					for i := range want {
						if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
							t.Fatalf("blocks %v %dx%dx%d transB=%v threads %d: c[%d] = %v, AVX2 %v", blocks, m, n, k, transB, threads, i, got[i], want[i])
						}
					}
				}
			}
		}
	}
}

// TestWholeSteps: whole AVX-512 steps are pairs and triples of panels and a
// triple with one more column; a lone panel, a partial one, a column after
// pairs or 2–4 (asm.Sgemm6x36, a slower step) are not. The answer is the
// same with either kernel set.
func TestWholeSteps(t *testing.T) {
	for n, want := range map[int]bool{0: false, 1: false, 16: false, 17: false, 32: true, 33: false, 48: true,
		49: true, 64: true, 97: false, 113: true, 196: false, 36: false, 35: false, 37: false, 52: false, 392: false, 784: true} {
		for _, on := range []bool{false, true} {
			prev := asm.SetUseAVX512(on)
			got := WholeSteps(n)
			asm.SetUseAVX512(prev)
			if got != want {
				t.Errorf("WholeSteps(%d) with AVX-512 %v = %v, want %v", n, on, got, want)
			}
		}
	}
	for n := range 2000 { // the rule as the loop nest's steps state it
		nFull, rem := n/NR, n%NR
		if want := nFull >= 2 && (rem == 0 || rem == 1 && nFull%2 == 1); WholeSteps(n) != want {
			t.Errorf("WholeSteps(%d) = %v, want %v", n, !want, want)
		}
	}
}
