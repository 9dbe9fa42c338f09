package data

import (
	"fmt"
	"io"
)

// CIFAR-10 binary format: records of one label byte (0..9) followed by a
// 32×32 image as 1024 red, 1024 green and 1024 blue bytes, each plane in
// row-major order — already the CHW layout of a Dataset.
const (
	cifarSide   = 32
	cifarPixels = 3 * cifarSide * cifarSide
	cifarRecord = 1 + cifarPixels
)

// MaxCIFARRecords bounds the number of records ReadCIFAR10 accepts from one
// input (the official batches hold 10000 each).
const MaxCIFARRecords = 1_000_000

// ReadCIFAR10 reads one CIFAR-10 binary batch (data_batch_N.bin or
// test_batch.bin) into a Dataset of 3×32×32 images scaled to [0, 1]. The
// input must be a whole, non-zero number of 3073-byte records with labels
// in 0..9.
func ReadCIFAR10(r io.Reader) (*Dataset, error) {
	d, err := readCIFAR10(r)
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	return d, nil
}

func readCIFAR10(r io.Reader) (*Dataset, error) {
	const limit = MaxCIFARRecords * cifarRecord
	// io.ReadAll grows its buffer as data arrives; the limit stops an
	// endless reader.
	buf, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("CIFAR-10: %w", err)
	}
	switch {
	case len(buf) > limit:
		return nil, fmt.Errorf("CIFAR-10: more than %d records", MaxCIFARRecords)
	case len(buf) == 0:
		return nil, fmt.Errorf("CIFAR-10: empty batch")
	case len(buf)%cifarRecord != 0:
		return nil, fmt.Errorf("CIFAR-10: %d bytes is not a whole number of %d-byte records (%d records and %d extra bytes)",
			len(buf), cifarRecord, len(buf)/cifarRecord, len(buf)%cifarRecord)
	}
	n := len(buf) / cifarRecord
	d := &Dataset{
		Images:  make([]float32, n*cifarPixels),
		Labels:  make([]int, n),
		N:       n,
		C:       3,
		H:       cifarSide,
		W:       cifarSide,
		Classes: CIFAR10Classes,
	}
	for i := 0; i < n; i++ {
		rec := buf[i*cifarRecord : (i+1)*cifarRecord]
		if rec[0] >= 10 {
			return nil, fmt.Errorf("CIFAR-10: label %d of record %d is out of range [0, 10)", rec[0], i)
		}
		d.Labels[i] = int(rec[0])
		img := d.Images[i*cifarPixels : (i+1)*cifarPixels]
		for j, p := range rec[1:] {
			img[j] = float32(p) / 255
		}
	}
	return d, nil
}

// WriteCIFAR10 writes d, which must hold 3×32×32 images with values in
// [0, 1] and labels in 0..9, as a CIFAR-10 binary batch. Pixels are
// rounded to the nearest of 0..255 and clamped.
func WriteCIFAR10(w io.Writer, d *Dataset) error {
	if err := writeCIFAR10(w, d); err != nil {
		return fmt.Errorf("data: %w", err)
	}
	return nil
}

func writeCIFAR10(w io.Writer, d *Dataset) error {
	if d.C != 3 || d.H != cifarSide || d.W != cifarSide {
		return fmt.Errorf("CIFAR-10: images are %d×%d×%d, want 3×32×32", d.C, d.H, d.W)
	}
	rec := make([]byte, cifarRecord)
	for i := 0; i < d.N; i++ {
		if d.Labels[i] < 0 || d.Labels[i] >= 10 {
			return fmt.Errorf("CIFAR-10: label %d of image %d is out of range [0, 10)", d.Labels[i], i)
		}
		rec[0] = byte(d.Labels[i])
		for j, v := range d.Image(i) {
			rec[1+j] = toByte(v)
		}
		if _, err := w.Write(rec); err != nil {
			return fmt.Errorf("CIFAR-10: %w", err)
		}
	}
	return nil
}

// toByte maps a [0, 1] value to the nearest byte, clamping (NaN gives 0).
func toByte(v float32) byte {
	x := v*255 + 0.5
	switch {
	case x >= 255:
		return 255
	case x > 0:
		return byte(x)
	}
	return 0
}
