// Package ref is convkit's oracle: naive, obviously-correct loops for every
// operator, forward and backward side by side, accumulating in float64.
//
// Every fast path in convkit is tested against this package, and this
// package is tested against PyTorch golden data and float64 finite
// differences. It imports no fast code and is written for clarity, not
// speed. The geometry structs it takes (internal/geom) are trusted: callers
// validate specs first.
//
// All functions are generic over float32 and float64; with float64 inputs
// they are exact enough for finite-difference gradient checks. Outputs are
// overwritten, never accumulated into; a nil gradient slice skips that
// gradient.
package ref

import "github.com/convkit/convkit/internal/geom"

// Float is the element type of tensors the reference accepts.
type Float interface{ ~float32 | ~float64 }

// inBounds reports whether 0 ≤ i < n.
func inBounds(i, n int) bool { return i >= 0 && i < n }

// ConvForward computes a 2-D convolution (PyTorch Conv2d):
//
//	y[n,m,oh,ow] = b[m] + Σ_{c<C/G, i<KH, j<KW}
//	    x[n, g·C/G + c, oh·SH − PadT + i·DH, ow·SW − PadL + j·DW] · w[m,c,i,j]
//
// with g = m/(M/G) and zero outside the input. b may be nil (no bias).
func ConvForward[T Float](g geom.Conv, x, w, b, y []T) {
	cg, mg := g.CG(), g.MG()
	for n := 0; n < g.N; n++ {
		for m := 0; m < g.M; m++ {
			grp := m / mg
			for oh := 0; oh < g.OH; oh++ {
				for ow := 0; ow < g.OW; ow++ {
					var acc float64
					if b != nil {
						acc = float64(b[m])
					}
					for c := 0; c < cg; c++ {
						ci := grp*cg + c
						for i := 0; i < g.KH; i++ {
							ih := oh*g.SH - g.PadT + i*g.DH
							if !inBounds(ih, g.H) {
								continue
							}
							for j := 0; j < g.KW; j++ {
								iw := ow*g.SW - g.PadL + j*g.DW
								if !inBounds(iw, g.W) {
									continue
								}
								acc += float64(x[((n*g.C+ci)*g.H+ih)*g.W+iw]) *
									float64(w[((m*cg+c)*g.KH+i)*g.KW+j])
							}
						}
					}
					y[((n*g.M+m)*g.OH+oh)*g.OW+ow] = T(acc)
				}
			}
		}
	}
}

// ConvBackward computes the gradients of a 2-D convolution given the
// output gradient dy:
//
//	dx[n,ci,ih,iw] = Σ_{m in group of ci, i, j, oh, ow : ih = oh·SH − PadT + i·DH, iw = ow·SW − PadL + j·DW}
//	    dy[n,m,oh,ow] · w[m, ci − g·C/G, i, j]
//	dw[m,c,i,j]   = Σ_{n,oh,ow} dy[n,m,oh,ow] · x[n, g·C/G + c, oh·SH − PadT + i·DH, ow·SW − PadL + j·DW]
//	db[m]         = Σ_{n,oh,ow} dy[n,m,oh,ow]
//
// Each of dx, dw, db may be nil to skip it. dx is computed by gathering
// (one float64 sum per input element), not by scattering.
func ConvBackward[T Float](g geom.Conv, x, w, dy, dx, dw, db []T) {
	cg, mg := g.CG(), g.MG()
	if dx != nil {
		for n := 0; n < g.N; n++ {
			for ci := 0; ci < g.C; ci++ {
				grp, c := ci/cg, ci%cg
				for ih := 0; ih < g.H; ih++ {
					for iw := 0; iw < g.W; iw++ {
						var acc float64
						for m := grp * mg; m < (grp+1)*mg; m++ {
							for i := 0; i < g.KH; i++ {
								// ih = oh·SH − PadT + i·DH  ⇒  oh = (ih + PadT − i·DH)/SH when exact.
								t := ih + g.PadT - i*g.DH
								if t < 0 || t%g.SH != 0 || t/g.SH >= g.OH {
									continue
								}
								oh := t / g.SH
								for j := 0; j < g.KW; j++ {
									u := iw + g.PadL - j*g.DW
									if u < 0 || u%g.SW != 0 || u/g.SW >= g.OW {
										continue
									}
									ow := u / g.SW
									acc += float64(dy[((n*g.M+m)*g.OH+oh)*g.OW+ow]) *
										float64(w[((m*cg+c)*g.KH+i)*g.KW+j])
								}
							}
						}
						dx[((n*g.C+ci)*g.H+ih)*g.W+iw] = T(acc)
					}
				}
			}
		}
	}
	if dw != nil {
		for m := 0; m < g.M; m++ {
			grp := m / mg
			for c := 0; c < cg; c++ {
				ci := grp*cg + c
				for i := 0; i < g.KH; i++ {
					for j := 0; j < g.KW; j++ {
						var acc float64
						for n := 0; n < g.N; n++ {
							for oh := 0; oh < g.OH; oh++ {
								ih := oh*g.SH - g.PadT + i*g.DH
								if !inBounds(ih, g.H) {
									continue
								}
								for ow := 0; ow < g.OW; ow++ {
									iw := ow*g.SW - g.PadL + j*g.DW
									if !inBounds(iw, g.W) {
										continue
									}
									acc += float64(dy[((n*g.M+m)*g.OH+oh)*g.OW+ow]) *
										float64(x[((n*g.C+ci)*g.H+ih)*g.W+iw])
								}
							}
						}
						dw[((m*cg+c)*g.KH+i)*g.KW+j] = T(acc)
					}
				}
			}
		}
	}
	if db != nil {
		for m := 0; m < g.M; m++ {
			var acc float64
			for n := 0; n < g.N; n++ {
				for p := 0; p < g.OH*g.OW; p++ {
					acc += float64(dy[(n*g.M+m)*g.OH*g.OW+p])
				}
			}
			db[m] = T(acc)
		}
	}
}
