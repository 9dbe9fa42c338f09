// Package geom holds the flat, already-validated geometry of every convkit
// operator. It is the contract between the public conv package (which
// validates user specs and builds these structs), the reference
// implementations in internal/ref and the fast kernels in internal/kernel.
//
// Nothing here validates: a geometry that reaches a kernel is trusted. All
// tensors are dense, row-major (C order) NCHW float slices.
package geom

// Conv is a 2-D convolution with PyTorch Conv2d semantics.
//
//	input  x [N, C, H, W]
//	weight w [M, C/G, KH, KW]
//	bias   b [M] (optional)
//	output y [N, M, OH, OW]
//
//	y[n,m,oh,ow] = b[m] + Σ_{c<C/G, i<KH, j<KW}
//	    x[n, g·C/G + c, oh·SH − PadT + i·DH, ow·SW − PadL + j·DW] · w[m, c, i, j]
//
// where g = m / (M/G) is the group of output channel m and out-of-range input
// positions read as zero.
type Conv struct {
	N, C, H, W             int // input batch, channels, height, width
	M                      int // output channels
	KH, KW                 int // kernel height and width
	SH, SW                 int // strides
	PadT, PadB, PadL, PadR int // zero padding per side
	DH, DW                 int // dilations
	G                      int // groups; divides C and M
	OH, OW                 int // output height and width
}

// CG is the number of input channels per group.
func (g Conv) CG() int { return g.C / g.G }

// MG is the number of output channels per group.
func (g Conv) MG() int { return g.M / g.G }

// InLen is the number of elements of the input tensor.
func (g Conv) InLen() int { return g.N * g.C * g.H * g.W }

// OutLen is the number of elements of the output tensor.
func (g Conv) OutLen() int { return g.N * g.M * g.OH * g.OW }

// WeightLen is the number of elements of the weight tensor.
func (g Conv) WeightLen() int { return g.M * g.CG() * g.KH * g.KW }

// MACs is the number of multiply-accumulates of one forward pass over the
// whole batch, counting padded taps (the convention of the papers' tables).
func (g Conv) MACs() int64 {
	return int64(g.N) * int64(g.M) * int64(g.OH) * int64(g.OW) * int64(g.CG()) * int64(g.KH) * int64(g.KW)
}

// Chan is the channel-wise family of ChannelNets: a 3-D convolution with one
// input channel and F filters over the input viewed as a volume
// [N, 1, C, H, W], kernel (DC, KH, KW), stride (SC, 1, 1), zero padding
// (PadFront, PadBack) along channels and none spatially.
//
//	input  x [N, C, H, W]
//	weight w [F, DC, KH, KW]
//	output y [N, F·D, OH, OW], OH = H−KH+1, OW = W−KW+1
//
//	y[n, f·D + d, oh, ow] = Σ_{k<DC, i<KH, j<KW}
//	    x[n, d·SC − PadFront + k, oh + i, ow + j] · w[f, k, i, j]
//
// with out-of-range channels reading as zero. Channel-wise convolution is
// F = 1, KH = KW = 1; group channel-wise convolution is F = g, SC = g,
// KH = KW = 1 (outputs concatenated filter-major); the convolutional
// classification layer is F = 1, SC = 1, no padding, KH = H, KW = W.
type Chan struct {
	N, C, H, W        int // input batch, channels, height, width
	F                 int // number of filters
	DC, SC            int // kernel length and stride along channels
	PadFront, PadBack int // zero padding along channels
	KH, KW            int // spatial kernel (VALID, stride 1)
	D                 int // outputs per filter: (C + PadFront + PadBack − DC)/SC + 1
	OH, OW            int // output height and width
}

// M is the number of output channels, F·D.
func (g Chan) M() int { return g.F * g.D }

// InLen is the number of elements of the input tensor.
func (g Chan) InLen() int { return g.N * g.C * g.H * g.W }

// OutLen is the number of elements of the output tensor.
func (g Chan) OutLen() int { return g.N * g.M() * g.OH * g.OW }

// WeightLen is the number of elements of the weight tensor.
func (g Chan) WeightLen() int { return g.F * g.DC * g.KH * g.KW }

// MACs is the number of multiply-accumulates of one forward pass over the
// whole batch, counting padded taps.
func (g Chan) MACs() int64 {
	return int64(g.N) * int64(g.M()) * int64(g.OH) * int64(g.OW) * int64(g.DC) * int64(g.KH) * int64(g.KW)
}

// Shuffle is ShuffleNet's channel shuffle in PyTorch order: the C = G·(C/G)
// channels viewed as (G, C/G) are transposed to (C/G, G) and flattened, so
//
//	y[n, i, h, w] = x[n, (i mod G)·(C/G) + i/G, h, w].
//
// Its inverse is the shuffle with G' = C/G.
type Shuffle struct {
	N, C, H, W int
	G          int // groups; divides C
}

// Len is the number of elements of the input (and output) tensor.
func (g Shuffle) Len() int { return g.N * g.C * g.H * g.W }

// Src is the input channel that output channel i reads.
func (g Shuffle) Src(i int) int { n := g.C / g.G; return (i%g.G)*n + i/g.G }
