package asm

// AxpyGeneric is the pure-Go twin of Axpy.
func AxpyGeneric(alpha float32, x, y []float32) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] += alpha * v
	}
}

// DotGeneric is the pure-Go twin of Dot (four interleaved partial sums).
func DotGeneric(x, y []float32) float32 {
	y = y[:len(x)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += x[i] * y[i]
		s1 += x[i+1] * y[i+1]
		s2 += x[i+2] * y[i+2]
		s3 += x[i+3] * y[i+3]
	}
	for ; i < len(x); i++ {
		s0 += x[i] * y[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// ScaleGeneric is the pure-Go twin of Scale.
func ScaleGeneric(alpha float32, x []float32) {
	for i := range x {
		x[i] *= alpha
	}
}

// AddBiasGeneric is the pure-Go twin of AddBias.
func AddBiasGeneric(bias float32, x []float32) {
	for i := range x {
		x[i] += bias
	}
}

// AddBiasReluGeneric is the pure-Go twin of AddBiasRelu.
func AddBiasReluGeneric(bias float32, x []float32) {
	for i, v := range x {
		v += bias
		if v < 0 {
			v = 0
		}
		x[i] = v
	}
}

// PackNRGeneric is the pure-Go twin of PackNR.
func PackNRGeneric(dst []float32, stride int, src []float32, npan int) {
	for jp := range npan {
		*(*[NR]float32)(dst[jp*stride:]) = [NR]float32(src[jp*NR : jp*NR+NR])
	}
}

// PackPanelNRGeneric is the pure-Go twin of PackPanelNR.
func PackPanelNRGeneric(kc int, dst, src []float32, ld int) {
	for p := range kc {
		*(*[NR]float32)(dst[p*NR:]) = [NR]float32(src[p*ld : p*ld+NR])
	}
}

// PackMRGeneric is the pure-Go twin of PackMR.
func PackMRGeneric(kc int, dst, src []float32, ld int) {
	r0 := src[:kc]
	r1 := src[ld : ld+kc]
	r2 := src[2*ld : 2*ld+kc]
	r3 := src[3*ld : 3*ld+kc]
	r4 := src[4*ld : 4*ld+kc]
	r5 := src[5*ld : 5*ld+kc]
	for p := range r0 {
		d := (*[MR]float32)(dst[p*MR:])
		d[0], d[1], d[2], d[3], d[4], d[5] = r0[p], r1[p], r2[p], r3[p], r4[p], r5[p]
	}
}

// PackPanelNRTransGeneric is the pure-Go twin of PackPanelNRTrans.
func PackPanelNRTransGeneric(kc int, dst, src []float32, ld int) {
	dst = dst[:kc*NR]
	for j := 0; j < NR; j += 4 { // four source rows at a time: 16-byte stores
		s0 := src[j*ld : j*ld+kc]
		s1 := src[(j+1)*ld : (j+1)*ld+kc]
		s2 := src[(j+2)*ld : (j+2)*ld+kc]
		s3 := src[(j+3)*ld : (j+3)*ld+kc]
		for p := range s0 {
			q := (*[4]float32)(dst[p*NR+j:])
			q[0], q[1], q[2], q[3] = s0[p], s1[p], s2[p], s3[p]
		}
	}
}
