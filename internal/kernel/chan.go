package kernel

import (
	"github.com/convkit/convkit/internal/asm"
	"github.com/convkit/convkit/internal/geom"
)

// chanTaps returns the taps [klo, khi) of output d that read channels
// inside [0, C): 0 ≤ d·SC − PadFront + k < C.
func chanTaps(g geom.Chan, d int) (klo, khi int) {
	base := d*g.SC - g.PadFront
	return max(0, -base), min(g.DC, g.C-base)
}

// Chan is the channel-wise family (channel-wise, group channel-wise) with a
// 1×1 spatial kernel (KH = KW = 1, OH = H, OW = W):
//
//	y[n, f·D + d, :] = Σ_k w[f, k] · x[n, d·SC − PadFront + k, :]
//
// Every output plane is a weighted sum of DC input planes, computed by the
// assembly ChanRows kernel (eight 8-wide accumulator chains, all taps per
// pass, so each output value is written once) or, four filters at a time,
// by ChanRows4, which shares each input load between the four filters of a
// group channel-wise convolution. Long planes are split into chunks so that
// the DC planes of a window stay in L1/L2 while consecutive outputs reuse
// them.
//
// Backward: dX is the transposed sum, dx[n, c, :] = Σ_{f, d} w[f, c + PadFront −
// d·SC]·dy[n, f·D + d, :], again ChanRows with the filter reversed and
// weight stride SC; dW[f, k] = Σ_{n, d} dot(dy[n, f·D + d], x[n, d·SC −
// PadFront + k]) with ChanDots, summed in float64.
type Chan struct {
	g                 geom.Chan
	team              *Team
	hw, chunk, chunks int // plane length, chunk length, chunks per plane
	dBlocks, cBlocks  int // forward / dX splits of the channel axis
	wr                []float32
	tmp               [][]float32 // per part: DC dot products
	priv              [][]float64 // per part: F·DC weight-gradient sums

	x, w, y, dy, dx, dw []float32
	fwdFn, dxFn, dwFn   func(part, lo, hi int)
}

// tapGroup is the most input planes (taps) one kernel call reads at a
// time; longer kernels are split into groups that accumulate into the
// output rows (which stay in L1). Each tap is another memory stream, but
// up to 64 the prefetchers keep up: GCW1 (64 taps, batch 8, one thread)
// ran in 1.18 ms with one pass, 1.23 ms in groups of 32, 1.20 ms in 16 and
// 1.34 ms in 8 (best of 15, interleaved). The cap only bounds the streams
// of very long kernels.
const tapGroup = 64

// rows4Grouped is asm.ChanRows4 (overwriting) with the taps in groups.
func rows4Grouped(y []float32, yf int, x []float32, ps int, w []float32, wf, taps, n int) {
	for t0 := 0; t0 < taps; t0 += tapGroup {
		asm.ChanRows4(y, yf, x[t0*ps:], ps, w[t0:], wf, min(tapGroup, taps-t0), n, t0 > 0)
	}
}

// rowsGrouped is asm.ChanRows with the taps in groups (row by row when
// there is more than one group, so that each output row stays in L1).
func rowsGrouped(y []float32, ys int, x []float32, xs, ps int, w []float32, ws, taps, n, rows int, acc bool) {
	if taps <= tapGroup {
		asm.ChanRows(y, ys, x, xs, ps, w, ws, taps, n, rows, acc)
		return
	}
	for r := range rows {
		for t0 := 0; t0 < taps; t0 += tapGroup {
			asm.ChanRows(y[r*ys:], 0, x[r*xs+t0*ps:], 0, ps, w[t0*ws:], ws, min(tapGroup, taps-t0), n, 1, acc || t0 > 0)
		}
	}
}

// chanChunk is the target number of plane values per chunk times DC: the
// window of DC chunk-long planes then takes 16 KiB, half of L1d.
const chanChunk = 4096

// NewChan prepares a channel-wise convolution with KH = KW = 1.
func NewChan(g geom.Chan, threads int) *Chan {
	if g.KH != 1 || g.KW != 1 || g.OH != g.H || g.OW != g.W {
		panic("kernel: NewChan: spatial kernel must be 1×1")
	}
	k := &Chan{g: g, team: NewTeam(threadsFor(threads, g.MACs())), hw: g.H * g.W}
	limit := max(256, chanChunk/g.DC/64*64)
	k.chunks = ceilDiv(k.hw, limit)
	k.chunk = (ceilDiv(k.hw, k.chunks) + 7) / 8 * 8
	k.chunks = ceilDiv(k.hw, k.chunk)
	t := k.team.Threads()
	k.dBlocks = clamp(ceilDiv(t, g.N*k.chunks), 1, g.D)
	k.cBlocks = clamp(ceilDiv(t, g.N*k.chunks), 1, g.C)
	k.wr = make([]float32, g.F*g.DC)
	parts := k.team.Parts(g.N * g.D)
	k.tmp = make([][]float32, parts)
	k.priv = make([][]float64, parts)
	for i := range parts {
		k.tmp[i] = make([]float32, g.DC)
		k.priv[i] = make([]float64, g.F*g.DC)
	}
	k.fwdFn, k.dxFn, k.dwFn = k.forwardItems, k.dxItems, k.dwItems
	return k
}

// Forward computes y from x and w.
func (k *Chan) Forward(x, w, y []float32) {
	k.x, k.w, k.y = x, w, y
	k.team.For(k.g.N*k.chunks*k.dBlocks, k.fwdFn)
	k.x, k.w, k.y = nil, nil, nil
}

// Backward computes dx and dw (either may be nil) from dy.
func (k *Chan) Backward(x, w, dy, dx, dw []float32) {
	g := k.g
	k.x, k.w, k.dy, k.dx, k.dw = x, w, dy, dx, dw
	if dx != nil {
		for f := range g.F {
			for j := range g.DC {
				k.wr[f*g.DC+j] = w[f*g.DC+g.DC-1-j]
			}
		}
		k.team.For(g.N*k.chunks*k.cBlocks, k.dxFn)
	}
	if dw != nil {
		for _, p := range k.priv {
			clear(p)
		}
		k.team.For(g.N*g.D, k.dwFn)
		for i := range dw {
			var s float64
			for _, p := range k.priv {
				s += p[i]
			}
			dw[i] = float32(s)
		}
	}
	k.x, k.w, k.dy, k.dx, k.dw = nil, nil, nil, nil, nil
}

func (k *Chan) forwardItems(_, lo, hi int) {
	g, hw := k.g, k.hw
	m := g.M()
	// Outputs whose DC taps are all inside the input.
	inLo, inHi := ceilDiv(g.PadFront, g.SC), floorDiv(g.C-g.DC+g.PadFront, g.SC)+1
	for it := lo; it < hi; it++ {
		n, rest := it/(k.chunks*k.dBlocks), it%(k.chunks*k.dBlocks)
		ch, db := rest/k.dBlocks, rest%k.dBlocks
		p0 := ch * k.chunk
		pn := min(k.chunk, hw-p0)
		d0, d1 := db*g.D/k.dBlocks, (db+1)*g.D/k.dBlocks
		for f := 0; f < g.F; {
			if g.F-f >= 4 {
				for d := d0; d < d1; d++ {
					yo := (n*m+f*g.D+d)*hw + p0
					klo, khi := chanTaps(g, d)
					if khi <= klo {
						for q := range 4 {
							clear(k.y[yo+q*g.D*hw : yo+q*g.D*hw+pn])
						}
						continue
					}
					c0 := d*g.SC - g.PadFront + klo
					rows4Grouped(k.y[yo:], g.D*hw, k.x[(n*g.C+c0)*hw+p0:], hw, k.w[f*g.DC+klo:], g.DC, khi-klo, pn)
				}
				f += 4
				continue
			}
			a, b := clamp(inLo, d0, d1), clamp(inHi, d0, d1)
			if b > a {
				rowsGrouped(k.y[(n*m+f*g.D+a)*hw+p0:], hw, k.x[(n*g.C+a*g.SC-g.PadFront)*hw+p0:], g.SC*hw, hw,
					k.w[f*g.DC:], 1, g.DC, pn, b-a, false)
			} else {
				a, b = d0, d0
			}
			for d := d0; d < d1; d++ {
				if d == a {
					d = b
					if d >= d1 {
						break
					}
				}
				yo := (n*m+f*g.D+d)*hw + p0
				klo, khi := chanTaps(g, d)
				if khi <= klo {
					clear(k.y[yo : yo+pn])
					continue
				}
				c0 := d*g.SC - g.PadFront + klo
				rowsGrouped(k.y[yo:], 0, k.x[(n*g.C+c0)*hw+p0:], 0, hw, k.w[f*g.DC+klo:], 1, khi-klo, pn, 1, false)
			}
			f++
		}
	}
}

func (k *Chan) dxItems(_, lo, hi int) {
	g, hw := k.g, k.hw
	m := g.M()
	for it := lo; it < hi; it++ {
		n, rest := it/(k.chunks*k.cBlocks), it%(k.chunks*k.cBlocks)
		ch, cb := rest/k.cBlocks, rest%k.cBlocks
		p0 := ch * k.chunk
		pn := min(k.chunk, hw-p0)
		c0, c1 := cb*g.C/k.cBlocks, (cb+1)*g.C/k.cBlocks
		// With SC = 1, the input channels whose DC taps all hit outputs
		// form one run, done for each filter with a single multi-row call.
		a, b := c0, c0
		if g.SC == 1 {
			a = clamp(g.DC-1-g.PadFront, c0, c1)
			b = clamp(g.D-g.PadFront, a, c1)
			if b > a {
				for f := range g.F {
					rowsGrouped(k.dx[(n*g.C+a)*hw+p0:], hw, k.dy[(n*m+f*g.D+a+g.PadFront-g.DC+1)*hw+p0:], hw, hw,
						k.wr[f*g.DC:], 1, g.DC, pn, b-a, f > 0)
				}
			} else {
				a, b = c0, c0
			}
		}
		for c := c0; c < c1; c++ {
			if c == a {
				c = b
				if c >= c1 {
					break
				}
			}
			xo := (n*g.C+c)*hw + p0
			first := true
			for f := range g.F {
				dlo := max(0, ceilDiv(c+g.PadFront-g.DC+1, g.SC))
				dhi := min(g.D-1, floorDiv(c+g.PadFront, g.SC))
				if dlo > dhi {
					continue
				}
				j0 := g.DC - 1 - c - g.PadFront + dlo*g.SC
				rowsGrouped(k.dx[xo:], 0, k.dy[(n*m+f*g.D+dlo)*hw+p0:], 0, hw, k.wr[f*g.DC+j0:], g.SC,
					dhi-dlo+1, pn, 1, !first)
				first = false
			}
			if first {
				clear(k.dx[xo : xo+pn])
			}
		}
	}
}

func (k *Chan) dwItems(part, lo, hi int) {
	g, hw := k.g, k.hw
	m := g.M()
	tmp, priv := k.tmp[part], k.priv[part]
	for it := lo; it < hi; it++ {
		n, d := it/g.D, it%g.D
		klo, khi := chanTaps(g, d)
		if khi <= klo {
			continue
		}
		c0 := d*g.SC - g.PadFront + klo
		for f := range g.F {
			yo := (n*m + f*g.D + d) * hw
			asm.ChanDots(tmp, k.dy[yo:yo+hw], k.x[(n*g.C+c0)*hw:], hw, khi-klo, hw)
			for t, v := range tmp[:khi-klo] {
				priv[f*g.DC+klo+t] += float64(v)
			}
		}
	}
}

// ChanFull is the channel-wise family with a spatial kernel covering the
// whole map (KH = H, KW = W, so OH = OW = 1): ChannelNets' convolutional
// classification layer, and any channel-wise convolution of a 1×1 map.
// Every output is one dot product of DC·H·W contiguous values,
//
//	y[n, f·D + d] = dot(w[f, klo:khi, :, :], x[n, d·SC − PadFront + klo : … + khi, :, :]),
//
// and on a 1×1 map with SC = 1 the D outputs of a filter are instead one
// vectorised 1-D convolution (ChanRows over a zero-padded copy of the
// channel vector). Backward: dX and dW are axpys of the same segments
// (or, on a 1×1 map, a 1-D convolution and ChanDots).
type ChanFull struct {
	g    geom.Chan
	team *Team
	hw   int
	vec  bool        // 1×1 map and SC = 1: vectorise across outputs
	pad  [][]float32 // per part: padded channel vector (vec)
	tmp  [][]float32 // per part: DC dot products (vec)
	priv [][]float64 // per part: weight-gradient sums
	accf [][]float32 // per part: float32 weight-gradient sums (not vec)
	wr   []float32

	x, w, y, dy, dx, dw []float32
	fwdFn, dxFn, dwFn   func(part, lo, hi int)
}

// NewChanFull prepares a channel-wise convolution whose kernel covers the
// whole map.
func NewChanFull(g geom.Chan, threads int) *ChanFull {
	if g.KH != g.H || g.KW != g.W || g.OH != 1 || g.OW != 1 {
		panic("kernel: NewChanFull: kernel must cover the map")
	}
	k := &ChanFull{g: g, team: NewTeam(threadsFor(threads, g.MACs())), hw: g.H * g.W}
	k.vec = k.hw == 1 && g.SC == 1
	parts := k.team.Parts(g.N * g.M())
	k.priv = make([][]float64, parts)
	k.pad = make([][]float32, parts)
	k.tmp = make([][]float32, parts)
	k.accf = make([][]float32, parts)
	for i := range parts {
		k.priv[i] = make([]float64, g.WeightLen())
		if k.vec {
			k.pad[i] = make([]float32, g.C+g.PadFront+g.PadBack+g.DC)
			k.tmp[i] = make([]float32, g.DC)
		} else {
			k.accf[i] = make([]float32, g.WeightLen())
		}
	}
	k.wr = make([]float32, g.F*g.DC)
	k.fwdFn, k.dxFn, k.dwFn = k.forwardItems, k.dxItems, k.dwItems
	return k
}

// items is the number of parallel items of every pass: (image, filter)
// pairs when vectorised across outputs, else (image, output) pairs.
func (k *ChanFull) items() int {
	if k.vec {
		return k.g.N * k.g.F
	}
	return k.g.N * k.g.M()
}

// Forward computes y from x and w.
func (k *ChanFull) Forward(x, w, y []float32) {
	k.x, k.w, k.y = x, w, y
	k.team.For(k.items(), k.fwdFn)
	k.x, k.w, k.y = nil, nil, nil
}

// Backward computes dx and dw (either may be nil) from dy.
func (k *ChanFull) Backward(x, w, dy, dx, dw []float32) {
	g := k.g
	k.x, k.w, k.dy, k.dx, k.dw = x, w, dy, dx, dw
	if dx != nil {
		for f := range g.F {
			for j := range g.DC {
				k.wr[f*g.DC+j] = w[f*g.DC+g.DC-1-j]
			}
		}
		k.team.For(g.N, k.dxFn)
	}
	if dw != nil {
		for i := range k.priv {
			clear(k.priv[i])
			clear(k.accf[i])
		}
		k.team.For(k.items(), k.dwFn)
		for i := range dw {
			var s float64
			for p := range k.priv {
				s += k.priv[p][i]
				if !k.vec {
					s += float64(k.accf[p][i])
				}
			}
			dw[i] = float32(s)
		}
	}
	k.x, k.w, k.dy, k.dx, k.dw = nil, nil, nil, nil, nil
}

// fillPad copies the channel vector of image n into buf at offset
// PadFront, zeros around it.
func (k *ChanFull) fillPad(buf []float32, n int) {
	g := k.g
	clear(buf[:g.PadFront])
	copy(buf[g.PadFront:], k.x[n*g.C:(n+1)*g.C])
	clear(buf[g.PadFront+g.C:])
}

func (k *ChanFull) forwardItems(part, lo, hi int) {
	g, hw, l := k.g, k.hw, k.g.DC*k.hw
	m := g.M()
	if k.vec {
		buf := k.pad[part]
		last := -1
		for it := lo; it < hi; it++ {
			n, f := it/g.F, it%g.F
			if n != last {
				k.fillPad(buf, n)
				last = n
			}
			// y[n, f·D + d] = Σ_k w[f, k]·buf[d + k]
			asm.ChanRows(k.y[n*m+f*g.D:], 0, buf, 0, 1, k.w[f*g.DC:], 1, g.DC, g.D, 1, false)
		}
		return
	}
	for it := lo; it < hi; it++ {
		n, o := it/m, it%m
		f, d := o/g.D, o%g.D
		klo, khi := chanTaps(g, d)
		if khi <= klo {
			k.y[it] = 0
			continue
		}
		c0 := d*g.SC - g.PadFront + klo
		k.y[it] = asm.Dot(k.w[f*l+klo*hw:f*l+khi*hw], k.x[(n*g.C+c0)*hw:])
	}
}

func (k *ChanFull) dxItems(part, lo, hi int) {
	g, hw, l := k.g, k.hw, k.g.DC*k.hw
	m := g.M()
	for n := lo; n < hi; n++ {
		dx := k.dx[n*g.C*hw : (n+1)*g.C*hw]
		if k.vec {
			// dx[c] = Σ_f Σ_j wr[f, j]·buf[c + j] with buf[q] = dy[n, f·D + q − off],
			// off = DC − 1 − PadFront, zero outside [0, D).
			buf := k.pad[part][:g.C+g.DC-1]
			off := g.DC - 1 - g.PadFront
			for f := range g.F {
				for q := range buf {
					d := q - off
					if d >= 0 && d < g.D {
						buf[q] = k.dy[n*m+f*g.D+d]
					} else {
						buf[q] = 0
					}
				}
				asm.ChanRows(dx, 0, buf, 0, 1, k.wr[f*g.DC:], 1, g.DC, g.C, 1, f > 0)
			}
			continue
		}
		clear(dx)
		for o := range m {
			f, d := o/g.D, o%g.D
			klo, khi := chanTaps(g, d)
			if khi <= klo {
				continue
			}
			c0 := d*g.SC - g.PadFront + klo
			asm.Axpy(k.dy[n*m+o], k.w[f*l+klo*hw:f*l+khi*hw], dx[c0*hw:])
		}
	}
}

func (k *ChanFull) dwItems(part, lo, hi int) {
	g, hw, l := k.g, k.hw, k.g.DC*k.hw
	m := g.M()
	if k.vec {
		buf, tmp, priv := k.pad[part], k.tmp[part], k.priv[part]
		last := -1
		for it := lo; it < hi; it++ {
			n, f := it/g.F, it%g.F
			if n != last {
				k.fillPad(buf, n)
				last = n
			}
			// dw[f, k] += Σ_d dy[n, f·D + d]·buf[d + k]
			asm.ChanDots(tmp, k.dy[n*m+f*g.D:n*m+(f+1)*g.D], buf, 1, g.DC, g.D)
			for t, v := range tmp {
				priv[f*g.DC+t] += float64(v)
			}
		}
		return
	}
	acc := k.accf[part]
	for it := lo; it < hi; it++ {
		n, o := it/m, it%m
		f, d := o/g.D, o%g.D
		klo, khi := chanTaps(g, d)
		if khi <= klo {
			continue
		}
		c0 := d*g.SC - g.PadFront + klo
		asm.Axpy(k.dy[it], k.x[(n*g.C+c0)*hw:(n*g.C+c0)*hw+(khi-klo)*hw], acc[f*l+klo*hw:])
	}
}
