package ref

import "github.com/convkit/convkit/internal/geom"

// ChanForward computes the channel-wise family (channel-wise, group
// channel-wise convolution and the convolutional classification layer):
//
//	y[n, f·D + d, oh, ow] = Σ_{k<DC, i<KH, j<KW}
//	    x[n, d·SC − PadFront + k, oh + i, ow + j] · w[f, k, i, j]
//
// with channels outside [0, C) reading as zero.
func ChanForward[T Float](g geom.Chan, x, w, y []T) {
	m := g.M()
	for n := 0; n < g.N; n++ {
		for f := 0; f < g.F; f++ {
			for d := 0; d < g.D; d++ {
				for oh := 0; oh < g.OH; oh++ {
					for ow := 0; ow < g.OW; ow++ {
						var acc float64
						for k := 0; k < g.DC; k++ {
							c := d*g.SC - g.PadFront + k
							if !inBounds(c, g.C) {
								continue
							}
							for i := 0; i < g.KH; i++ {
								for j := 0; j < g.KW; j++ {
									acc += float64(x[((n*g.C+c)*g.H+oh+i)*g.W+ow+j]) *
										float64(w[((f*g.DC+k)*g.KH+i)*g.KW+j])
								}
							}
						}
						y[((n*m+f*g.D+d)*g.OH+oh)*g.OW+ow] = T(acc)
					}
				}
			}
		}
	}
}

// ChanBackward computes the gradients of ChanForward given dy:
//
//	dx[n,c,h,w]  = Σ_{f, d, k, i, j : c = d·SC − PadFront + k, h = oh + i, w = ow + j}
//	    dy[n, f·D + d, oh, ow] · w[f, k, i, j]
//	dw[f,k,i,j] = Σ_{n, d, oh, ow} dy[n, f·D + d, oh, ow] · x[n, d·SC − PadFront + k, oh + i, ow + j]
//
// dx or dw may be nil to skip it. dx is gathered, one float64 sum per
// input element.
func ChanBackward[T Float](g geom.Chan, x, w, dy, dx, dw []T) {
	m := g.M()
	if dx != nil {
		for n := 0; n < g.N; n++ {
			for c := 0; c < g.C; c++ {
				for h := 0; h < g.H; h++ {
					for wi := 0; wi < g.W; wi++ {
						var acc float64
						for f := 0; f < g.F; f++ {
							for k := 0; k < g.DC; k++ {
								// c = d·SC − PadFront + k  ⇒  d = (c + PadFront − k)/SC when exact.
								t := c + g.PadFront - k
								if t < 0 || t%g.SC != 0 || t/g.SC >= g.D {
									continue
								}
								d := t / g.SC
								for i := 0; i < g.KH; i++ {
									oh := h - i
									if !inBounds(oh, g.OH) {
										continue
									}
									for j := 0; j < g.KW; j++ {
										ow := wi - j
										if !inBounds(ow, g.OW) {
											continue
										}
										acc += float64(dy[((n*m+f*g.D+d)*g.OH+oh)*g.OW+ow]) *
											float64(w[((f*g.DC+k)*g.KH+i)*g.KW+j])
									}
								}
							}
						}
						dx[((n*g.C+c)*g.H+h)*g.W+wi] = T(acc)
					}
				}
			}
		}
	}
	if dw != nil {
		for f := 0; f < g.F; f++ {
			for k := 0; k < g.DC; k++ {
				for i := 0; i < g.KH; i++ {
					for j := 0; j < g.KW; j++ {
						var acc float64
						for n := 0; n < g.N; n++ {
							for d := 0; d < g.D; d++ {
								c := d*g.SC - g.PadFront + k
								if !inBounds(c, g.C) {
									continue
								}
								for oh := 0; oh < g.OH; oh++ {
									for ow := 0; ow < g.OW; ow++ {
										acc += float64(dy[((n*m+f*g.D+d)*g.OH+oh)*g.OW+ow]) *
											float64(x[((n*g.C+c)*g.H+oh+i)*g.W+ow+j])
									}
								}
							}
						}
						dw[((f*g.DC+k)*g.KH+i)*g.KW+j] = T(acc)
					}
				}
			}
		}
	}
}

// ShuffleForward is ShuffleNet's channel shuffle (PyTorch order):
//
//	y[n, i, h, w] = x[n, (i mod G)·(C/G) + i/G, h, w].
func ShuffleForward[T Float](g geom.Shuffle, x, y []T) {
	hw := g.H * g.W
	for n := 0; n < g.N; n++ {
		for i := 0; i < g.C; i++ {
			copy(y[(n*g.C+i)*hw:(n*g.C+i+1)*hw], x[(n*g.C+g.Src(i))*hw:])
		}
	}
}

// ShuffleBackward is the gradient of ShuffleForward, the inverse
// permutation:
//
//	dx[n, (i mod G)·(C/G) + i/G, h, w] = dy[n, i, h, w].
func ShuffleBackward[T Float](g geom.Shuffle, dy, dx []T) {
	hw := g.H * g.W
	for n := 0; n < g.N; n++ {
		for i := 0; i < g.C; i++ {
			copy(dx[(n*g.C+g.Src(i))*hw:(n*g.C+g.Src(i)+1)*hw], dy[(n*g.C+i)*hw:])
		}
	}
}
