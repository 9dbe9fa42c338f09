package asm

// Deinterleave2 splits src into its even and odd elements:
// even[i] = src[2i], odd[i] = src[2i+1]. It needs len(src) =
// len(even) + len(odd) and len(odd) ≤ len(even) ≤ len(odd) + 1.
func Deinterleave2(even, odd, src []float32) {
	if len(even) < len(odd) || len(even) > len(odd)+1 || len(src) != len(even)+len(odd) {
		panic("asm: Deinterleave2: bad lengths")
	}
	Deinterleave2Rows(even, odd, src, len(even), len(odd), 1, 0, 0)
}

// Interleave2 is the inverse of Deinterleave2: dst[2i] = even[i],
// dst[2i+1] = odd[i], with the same length rules.
func Interleave2(dst, even, odd []float32) {
	if len(even) < len(odd) || len(even) > len(odd)+1 || len(dst) != len(even)+len(odd) {
		panic("asm: Interleave2: bad lengths")
	}
	Interleave2Rows(dst, even, odd, len(even), len(odd), 1, 0, 0)
}

// Deinterleave2Rows is Deinterleave2 over rows rows at once: row r of src
// (ne + no values from r·sstride) is split into ne even values at
// even[r·dstride:] and no odd values at odd[r·dstride:]
// (no ≤ ne ≤ no + 1). It is the phase split of a whole plane of a
// stride-2 convolution in one call, without a call per row.
func Deinterleave2Rows(even, odd, src []float32, ne, no, rows, sstride, dstride int) {
	checkRows2("Deinterleave2Rows", even, odd, src, ne, no, rows, sstride, dstride)
	if rows == 0 || ne == 0 {
		return
	}
	if useAsm.Load() && no >= 4 {
		deinterleave2RowsAVX2(&even[0], &odd[0], &src[0], no, ne-no, rows, sstride, dstride)
		return
	}
	deinterleave2RowsGeneric(even, odd, src, ne, no, rows, sstride, dstride)
}

// Interleave2Rows is the inverse of Deinterleave2Rows: row r of dst (ne +
// no values from r·dstride) interleaves even[r·sstride:] and
// odd[r·sstride:].
func Interleave2Rows(dst, even, odd []float32, ne, no, rows, dstride, sstride int) {
	checkRows2("Interleave2Rows", even, odd, dst, ne, no, rows, dstride, sstride)
	if rows == 0 || ne == 0 {
		return
	}
	if useAsm.Load() && no >= 4 {
		interleave2RowsAVX2(&dst[0], &even[0], &odd[0], no, ne-no, rows, dstride, sstride)
		return
	}
	interleave2RowsGeneric(dst, even, odd, ne, no, rows, dstride, sstride)
}

// checkRows2 panics unless the slices hold rows rows of the given strides:
// whole rows of ne + no values in whole (stride wstride) and of ne and no
// values in even and odd (stride hstride).
func checkRows2(name string, even, odd, whole []float32, ne, no, rows, wstride, hstride int) {
	if ne < no || ne > no+1 || rows < 0 || wstride < 0 || hstride < 0 {
		panic("asm: " + name + ": bad lengths")
	}
	if rows == 0 || ne == 0 {
		return
	}
	if (rows > 1 && (wstride < ne+no || hstride < ne)) ||
		len(whole) < (rows-1)*wstride+ne+no || len(even) < (rows-1)*hstride+ne || len(odd) < (rows-1)*hstride+no {
		panic("asm: " + name + ": slices too short for the rows")
	}
}

func deinterleave2RowsGeneric(even, odd, src []float32, ne, no, rows, sstride, dstride int) {
	for r := range rows {
		s, e, o := src[r*sstride:][:ne+no], even[r*dstride:][:ne], odd[r*dstride:][:no]
		for i := range o {
			e[i] = s[2*i]
			o[i] = s[2*i+1]
		}
		if ne > no {
			e[no] = s[2*no]
		}
	}
}

func interleave2RowsGeneric(dst, even, odd []float32, ne, no, rows, dstride, sstride int) {
	for r := range rows {
		d, e, o := dst[r*dstride:][:ne+no], even[r*sstride:][:ne], odd[r*sstride:][:no]
		for i := range o {
			d[2*i] = e[i]
			d[2*i+1] = o[i]
		}
		if ne > no {
			d[2*no] = e[no]
		}
	}
}

// CopyRows gathers rows runs of n values lying stride apart in src into dst,
// back to back: dst[r·n + j] = src[r·stride + j] for r < rows, j < n. It
// needs len(dst) ≥ rows·n and len(src) ≥ (rows−1)·stride + n (rows ≥ 1).
// It writes nothing past rows·n values of dst, but with rows shorter than
// 8 values it may read values of src between and after the rows, and
// write scratch values into dst between rows that later rows overwrite, as
// far as the slices reach. This is the im2col of an output plane whose
// input rows are wider than its output rows.
func CopyRows(dst, src []float32, rows, n, stride int) {
	if rows <= 0 || n <= 0 {
		return
	}
	if stride < n || len(dst) < rows*n || len(src) < (rows-1)*stride+n {
		panic("asm: CopyRows: bad arguments")
	}
	dst = dst[:rows*n]
	if useAsm.Load() {
		// Rows r that may be copied as one full vector when n < 8: the 8
		// values written from r·n and read from r·stride lie inside dst
		// and src.
		plain := 0
		if n < 8 && len(dst) >= 8 && len(src) >= 8 {
			// Row r qualifies when r·n + 8 ≤ len(dst) and r·stride + 8 ≤ len(src).
			plain = min(rows, (len(dst)-8)/n+1, (len(src)-8)/stride+1)
		}
		copyRowsAVX2(&dst[0], &src[0], rows, n, stride, plain)
		return
	}
	copyRowsGeneric(dst, src, rows, n, stride)
}

// CopyRuns is CopyRows for many runs of one source in one call: run t, the
// rows·n values starting at src[runs.Start(t)] (rows of n values stride
// apart), goes to dst[t·ld:]. Unlike CopyRows it writes nothing outside
// the rows·n values of each run's destination, so ld may equal rows·n or
// leave other data between the runs. It is the im2col of the phase-split
// convolutions: one run per kernel tap, without a Go call per tap; the
// row table's recorded bounds check the whole call at once.
func CopyRuns(dst []float32, ld int, src []float32, runs Rows, rows, n, stride int) {
	if runs.Len() == 0 || rows <= 0 || n <= 0 {
		return
	}
	span := (rows-1)*stride + n // source values a run covers
	if stride < n || ld < rows*n || len(dst) < (runs.Len()-1)*ld+rows*n || !runs.Within(0, span, len(src)) {
		panic("asm: CopyRuns: bad arguments")
	}
	if !useAsm.Load() {
		for t, r0 := range runs.off {
			copyRowsGeneric(dst[t*ld:], src[r0:], rows, n, stride)
		}
		return
	}
	// Rows that may be copied as one unmasked vector when n < 8: the 8
	// values written from r·n stay inside the run's rows·n, and the 8 read
	// from r0 + r·stride inside src.
	plainD := 0
	if n < 8 && rows*n >= 8 {
		plainD = min(rows, (rows*n-8)/n+1)
	}
	for t, r0 := range runs.off {
		plain := plainD
		if len(src)-r0 < 8 {
			plain = 0
		} else if plain > 0 {
			plain = min(plain, (len(src)-r0-8)/stride+1)
		}
		copyRowsAVX2(&dst[t*ld], &src[r0], rows, n, stride, plain)
	}
}

// AddRuns is the transpose of CopyRuns: the rows·n values at src[t·ld:]
// are added to run t of dst, rows of n values stride apart from
// dst[runs.Start(t)]. It is the col2im of the phase-split convolutions,
// one run per kernel tap; runs may overlap (they are added one after the
// other).
func AddRuns(dst []float32, runs Rows, src []float32, ld, rows, n, stride int) {
	if runs.Len() == 0 || rows <= 0 || n <= 0 {
		return
	}
	span := (rows-1)*stride + n
	if stride < n || ld < rows*n || len(src) < (runs.Len()-1)*ld+rows*n || !runs.Within(0, span, len(dst)) {
		panic("asm: AddRuns: bad arguments")
	}
	if !useAsm.Load() {
		for t, r0 := range runs.off {
			addRowsGeneric(dst[r0:], src[t*ld:], rows, n, stride)
		}
		return
	}
	// Rows whose tail (the last n mod 8 values) may be added as 8 lanes
	// with a plain store: the lanes from r0 + r·stride + n − rem lie
	// inside dst (rows 0 to last).
	//
	// When that 8-lane tail reaches into the next row (n − rem + 8 >
	// stride: rows of 14 values 15 apart, the phase planes of a stride-2
	// convolution on 28² maps), the next row's first load would read a
	// value the tail has just stored together with values it has not: the
	// store cannot be forwarded to the load, which waits for it to reach
	// the cache. The even rows are then added before the odd ones, so that
	// no row follows the row above it.
	rem := n % 8
	split := rem > 0 && rows > 1 && n-rem+8 > stride
	for t, r0 := range runs.off {
		last := -1
		if rem > 0 {
			if room := len(dst) - r0 - (n - rem) - 8; room >= 0 {
				last = room / stride
			}
		}
		d, s := &dst[r0], &src[t*ld]
		if !split {
			addRowsAVX2(d, s, rows, n, stride, n, min(rows, last+1))
			continue
		}
		ev, od := (rows+1)/2, rows/2
		evPlain, odPlain := 0, 0 // even rows 2i ≤ last, odd rows 2i+1 ≤ last
		if last >= 0 {
			evPlain = min(ev, last/2+1)
		}
		if last >= 1 {
			odPlain = min(od, (last-1)/2+1)
		}
		addRowsAVX2(d, s, ev, n, 2*stride, 2*n, evPlain)
		addRowsAVX2(&dst[r0+stride], &src[t*ld+n], od, n, 2*stride, 2*n, odPlain)
	}
}

func addRowsGeneric(dst, src []float32, rows, n, stride int) {
	for r := range rows {
		d, s := dst[r*stride:][:n], src[r*n:][:n]
		for j, v := range s {
			d[j] += v
		}
	}
}

// PadRows writes rows rows of a zero-padded plane: row r of dst
// (dstride values from r·dstride) is lead zeros, the w values of src from
// r·sstride, and zeros to its end (lead + w ≤ dstride). It is the inner
// part of a padded copy of a plane (the rows that lie inside the input).
// When the slices reach that far it may write up to 8 zeros past the last
// row and read up to 8 values past the last source row; otherwise it
// finishes that row without spilling.
func PadRows(dst, src []float32, rows, w, sstride, lead, dstride int) {
	if rows <= 0 {
		return
	}
	if w < 0 || lead < 0 || lead+w > dstride || (rows > 1 && sstride < w) ||
		len(dst) < rows*dstride || len(src) < (rows-1)*sstride+w {
		panic("asm: PadRows: bad arguments")
	}
	if !useAsm.Load() || w == 0 {
		padRowsGeneric(dst, src, rows, w, sstride, lead, dstride)
		return
	}
	// Rows whose vectors stay inside both slices: the values read up to
	// ⌈w/8⌉·8 past the row start, the zeros written up to the row end
	// rounded up to 8 past the values' end.
	fast := rows
	vw := (w + 7) &^ 7
	for fast > 0 {
		r := fast - 1
		// The zero vectors run from lead+w to the row end, at least one.
		zeroEnd := lead + w + max(8, (dstride-lead-w+7)&^7)
		if r*sstride+vw <= len(src) && r*dstride+max(8, lead+vw, zeroEnd) <= len(dst) {
			break
		}
		fast--
	}
	if fast > 0 {
		padRowsAVX2(&dst[0], &src[0], fast, w, sstride, lead, dstride)
	}
	if fast < rows {
		padRowsGeneric(dst[fast*dstride:], src[fast*sstride:], rows-fast, w, sstride, lead, dstride)
	}
}

func padRowsGeneric(dst, src []float32, rows, w, sstride, lead, dstride int) {
	for r := range rows {
		d := dst[r*dstride : (r+1)*dstride]
		clear(d[:lead])
		copy(d[lead:lead+w], src[r*sstride:])
		clear(d[lead+w:])
	}
}

// CopyRowsGeneric is the pure-Go twin of CopyRows.
func CopyRowsGeneric(dst, src []float32, rows, n, stride int) {
	if rows <= 0 || n <= 0 {
		return
	}
	if stride < n || len(dst) < rows*n || len(src) < (rows-1)*stride+n {
		panic("asm: CopyRowsGeneric: bad arguments")
	}
	copyRowsGeneric(dst, src, rows, n, stride)
}

func copyRowsGeneric(dst, src []float32, rows, n, stride int) {
	for r := range rows {
		copy(dst[r*n:(r+1)*n], src[r*stride:r*stride+n])
	}
}

// Prefetch asks the cache hierarchy for the cache lines of s (a hint: no
// effect on results; nothing without the assembly).
func Prefetch(s []float32) {
	if len(s) > 0 && useAsm.Load() {
		prefetchLines(&s[0], (len(s)*4+63)/64)
	}
}
