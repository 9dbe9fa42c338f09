package train

import (
	"context"
	"testing"
)

// BenchmarkEpoch trains the toy model for one epoch of 5 steps; its
// allocations per epoch show that nothing is allocated per image.
func BenchmarkEpoch(b *testing.B) {
	cfg := toyConfig()
	cfg.Epochs = b.N
	tr, err := New(toyModel(1), cfg, toyData(44, 1), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	if err := tr.Run(context.Background()); err != nil {
		b.Fatal(err)
	}
}
