package kernel

import "github.com/convkit/convkit/internal/geom"

// Shuffle is ShuffleNet's channel shuffle as whole-plane copies (memmove
// runs at memory speed), split over (image, channel) planes.
type Shuffle struct {
	g    geom.Shuffle
	team *Team
	x, y []float32
	inv  bool
	fn   func(part, lo, hi int)
}

// NewShuffle prepares a shuffle of geometry g.
func NewShuffle(g geom.Shuffle, threads int) *Shuffle {
	k := &Shuffle{g: g, team: NewTeam(threads)}
	k.fn = k.planes
	return k
}

// Forward computes y[n, i] = x[n, Src(i)] for every plane.
func (k *Shuffle) Forward(x, y []float32) {
	k.x, k.y, k.inv = x, y, false
	k.run()
}

// Backward computes dx[n, Src(i)] = dy[n, i], the inverse permutation.
func (k *Shuffle) Backward(dy, dx []float32) {
	k.x, k.y, k.inv = dy, dx, true
	k.run()
}

func (k *Shuffle) run() {
	g := k.g
	// Small tensors are not worth a hand-off: below 64 KiB one goroutine
	// copies faster than two can be woken.
	if g.Len() < 16<<10 {
		k.planes(0, 0, g.N*g.C)
	} else {
		k.team.For(g.N*g.C, k.fn)
	}
	k.x, k.y = nil, nil
}

func (k *Shuffle) planes(_, lo, hi int) {
	g := k.g
	hw := g.H * g.W
	for p := lo; p < hi; p++ {
		n, i := p/g.C, p%g.C
		src, dst := n*g.C+g.Src(i), p
		if k.inv {
			src, dst = dst, src
		}
		copy(k.y[dst*hw:(dst+1)*hw], k.x[src*hw:(src+1)*hw])
	}
}
