package asm

// Sgemm6x16Generic is the pure-Go twin of Sgemm6x16 (same loop, same
// argument checks; products and sums are rounded separately unless the
// compiler fuses them).
//
// It walks the tile as 6 rows x 2 half-rows of 8 columns and keeps each
// half-row's 8 partial sums in locals (registers) across the whole k loop.
func Sgemm6x16Generic(kc int, a, b, c []float32, ldc int, alpha, beta float32) {
	if kc < 0 || ldc < NR || len(a) < MR*kc || len(b) < NR*kc || len(c) < (MR-1)*ldc+NR {
		panic("asm: Sgemm6x16Generic: bad arguments")
	}
	a = a[:MR*kc]
	b = b[:NR*kc]
	for i := range MR {
		for h := 0; h < NR; h += 8 {
			var s0, s1, s2, s3, s4, s5, s6, s7 float32
			for p := range kc {
				ai := a[p*MR+i]
				bp := (*[8]float32)(b[p*NR+h:])
				s0 += ai * bp[0]
				s1 += ai * bp[1]
				s2 += ai * bp[2]
				s3 += ai * bp[3]
				s4 += ai * bp[4]
				s5 += ai * bp[5]
				s6 += ai * bp[6]
				s7 += ai * bp[7]
			}
			cr := (*[8]float32)(c[i*ldc+h:])
			if beta == 0 {
				cr[0], cr[1], cr[2], cr[3] = alpha*s0, alpha*s1, alpha*s2, alpha*s3
				cr[4], cr[5], cr[6], cr[7] = alpha*s4, alpha*s5, alpha*s6, alpha*s7
			} else {
				cr[0] = alpha*s0 + beta*cr[0]
				cr[1] = alpha*s1 + beta*cr[1]
				cr[2] = alpha*s2 + beta*cr[2]
				cr[3] = alpha*s3 + beta*cr[3]
				cr[4] = alpha*s4 + beta*cr[4]
				cr[5] = alpha*s5 + beta*cr[5]
				cr[6] = alpha*s6 + beta*cr[6]
				cr[7] = alpha*s7 + beta*cr[7]
			}
		}
	}
}

// Sgemm6x8Generic is the pure-Go twin of Sgemm6x8 (same even/odd split of
// the k sum).
func Sgemm6x8Generic(kc int, a, b []float32, ldb int, c []float32, ldc int, alpha, beta float32) {
	if kc < 0 || ldb < 8 || ldc < 8 || len(a) < MR*kc || (kc > 0 && len(b) < (kc-1)*ldb+8) || len(c) < (MR-1)*ldc+8 {
		panic("asm: Sgemm6x8Generic: bad arguments")
	}
	for i := range MR {
		var e, o [8]float32
		p := 0
		for ; p+2 <= kc; p += 2 {
			ae, ao := a[p*MR+i], a[(p+1)*MR+i]
			be, bo := (*[8]float32)(b[p*ldb:]), (*[8]float32)(b[(p+1)*ldb:])
			for j := range 8 {
				e[j] += ae * be[j]
				o[j] += ao * bo[j]
			}
		}
		if p < kc {
			ae := a[p*MR+i]
			be := (*[8]float32)(b[p*ldb:])
			for j := range 8 {
				e[j] += ae * be[j]
			}
		}
		cr := (*[8]float32)(c[i*ldc:])
		for j := range 8 {
			s := e[j] + o[j]
			if beta == 0 {
				cr[j] = alpha * s
			} else {
				cr[j] = alpha*s + beta*cr[j]
			}
		}
	}
}
