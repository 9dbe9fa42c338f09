package zoo

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/convkit/convkit/nn"
	"github.com/convkit/convkit/tensor"
)

// The parameter counts below are derived layer by layer from the
// topology in doc.go, independently of the builder. They count every
// trainable value: convolution and linear weights, biases and BatchNorm's
// γ and β (2 per channel); k is the number of classes, s the final map.

func stemParams(in, c int) int { return 9*in*c + 2*c }

// dws: 3×3 depthwise + BN + 1×1 + BN.
func dwsParams(in, out int) int { return 9*in + 2*in + in*out + 2*out }

func fcParams(c, k int) int { return c*k + k }

func standardParams(in, k int, w [3]int) int {
	conv := func(a, b int) int { return 9*a*b + 2*b }
	return stemParams(in, w[0]) + conv(w[0], w[1]) + 2*conv(w[1], w[1]) +
		conv(w[1], w[2]) + 4*conv(w[2], w[2]) + conv(w[2], w[2]) + fcParams(w[2], k)
}

func mobileParams(in, k int, w [3]int) int {
	return stemParams(in, w[0]) + dwsParams(w[0], w[1]) + 2*dwsParams(w[1], w[1]) +
		dwsParams(w[1], w[2]) + 4*dwsParams(w[2], w[2]) + dwsParams(w[2], w[2]) + fcParams(w[2], k)
}

func shuffleParams(in, k, g int, w [3]int) int {
	// Stride-2 unit: 1×1 (groups g1) to mid = out/4, BN, 3×3 depthwise,
	// BN, 1×1 (groups g) to out−in, BN. Stride-1 unit: the same with
	// out−in = c, g1 = g.
	down := func(a, b, g1 int) int {
		mid := b / 4
		return a*mid/g1 + 2*mid + 9*mid + 2*mid + mid*(b-a)/g + 2*(b-a)
	}
	unit := func(c int) int {
		mid := c / 4
		return c*mid/g + 2*mid + 9*mid + 2*mid + mid*c/g + 2*c
	}
	return stemParams(in, w[0]) + down(w[0], w[1], 1) + 2*unit(w[1]) +
		down(w[1], w[2], g) + 4*unit(w[2]) + unit(w[2]) + fcParams(w[2], k)
}

func channelParams(in, k, s int, w [3]int) int {
	// GM layer: 3×3 depthwise, 1×1 with 2 groups, BN.
	gm := func(c int) int { return 9*c + c*c/2 + 2*c }
	gcw := 2 * 8 // two channel-wise kernels of d_c = 8
	dwscw := func(c int) int { return 9*c + max(8, c/16) + 2*c }
	ccl := (w[2] - k + 1) * s * s
	return stemParams(in, w[0]) + dwsParams(w[0], w[1]) + 2*gm(w[1]) + gcw +
		dwsParams(w[1], w[2]) + 2*gm(w[2]) + gcw + 2*gm(w[2]) + dwscw(w[2]) + ccl
}

func TestParamCounts(t *testing.T) {
	for _, c := range []Config{
		{},                                     // 1×28×28, 10 classes, width 1
		{Width: 0.5},                           // widths 16, 32, 64
		{InChannels: 3, Size: 32, Width: 0.75}, // CIFAR-10 at widths 24, 48, 96
		{Size: 32, Classes: 20, Width: 2, Groups: 4}, // 64, 128, 256; 4 groups
	} {
		c = c.WithDefaults()
		w := Widths(c.Width)
		s := (c.Size + 3) / 4
		want := map[string]int{
			"standard": standardParams(c.InChannels, c.Classes, w),
			"mobile":   mobileParams(c.InChannels, c.Classes, w),
			"shuffle":  shuffleParams(c.InChannels, c.Classes, c.Groups, w),
			"channel":  channelParams(c.InChannels, c.Classes, s, w),
		}
		for _, name := range Names() {
			m, err := New(name, c)
			if err != nil {
				t.Fatalf("%s %+v: %v", name, c, err)
			}
			if got := nn.NumParams(m); got != want[name] {
				t.Errorf("%v: %d parameters, want %d", m, got, want[name])
			}
		}
	}
	// The numbers quoted in docs/training.md (width 1, Fashion-MNIST).
	for name, want := range map[string]int{"standard": 906730, "mobile": 113418, "shuffle": 31834, "channel": 63215} {
		m, err := New(name, Config{})
		if err != nil {
			t.Fatal(err)
		}
		if got := nn.NumParams(m); got != want {
			t.Errorf("%s: %d parameters, docs say %d", name, got, want)
		}
	}
}

func TestWidths(t *testing.T) {
	for width, want := range map[float64][3]int{
		1: {32, 64, 128}, 0.5: {16, 32, 64}, 0.25: {8, 16, 32}, 0.1: {8, 8, 16},
		0.75: {24, 48, 96}, 1.3: {40, 80, 168}, // 41.6 → 40, 83.2 → 80, 166.4 → 168
	} {
		if got := Widths(width); got != want {
			t.Errorf("Widths(%g) = %v, want %v", width, got, want)
		}
	}
}

func TestForwardBackward(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, cfg := range []Config{{Width: 0.25}, {InChannels: 3, Size: 32, Width: 0.25, Classes: 7}, {Size: 9, Width: 0.25}} {
		for _, name := range Names() {
			m, err := New(name, cfg)
			if err != nil {
				t.Fatal(err)
			}
			x := tensor.New(m.InputShape(2)...)
			for i := range x.Data {
				x.Data[i] = rng.Float32()
			}
			y, err := m.Forward(x)
			if err != nil {
				t.Fatalf("%v: %v", m, err)
			}
			if k := m.Config.Classes; !slices.Equal(y.Shape, []int{2, k}) {
				t.Fatalf("%v: output %v, want [2 %d]", m, y.Shape, k)
			}
			dy := tensor.New(y.Shape...)
			dy.Data[0] = 1
			dx, err := m.Backward(dy)
			if err != nil {
				t.Fatalf("%v: backward: %v", m, err)
			}
			if !slices.Equal(dx.Shape, x.Shape) {
				t.Fatalf("%v: input gradient %v", m, dx.Shape)
			}
		}
	}
}

func TestStateDictNames(t *testing.T) {
	want := map[string][]string{
		"standard": {
			"stem.0.weight", "stem.1.weight", "stem.1.bias", "stem.1.running_mean", "stem.1.running_var", "stem.1.num_batches_tracked",
			"layer1.0.0.weight",            // conv 3×3/2
			"layer1.1.body.0.weight",       // basic block, first conv
			"layer1.1.body.3.weight",       // second conv
			"layer2.3.0.weight",            // last conv
			"head.2.weight", "head.2.bias", // pool, flatten, linear
		},
		"mobile": {
			"layer1.0.0.weight",        // depthwise 3×3/2
			"layer1.0.3.weight",        // pointwise
			"layer1.1.body.1.3.weight", // second DWS of the block, pointwise
			"layer2.3.4.running_var",   // last DWS, its second BN
			"head.2.weight",
		},
		"shuffle": {
			"layer1.0.0.1.0.weight",    // stride-2 unit: concat branch 1, 1×1
			"layer1.0.0.1.4.weight",    // its 3×3 depthwise
			"layer1.1.0.body.0.weight", // first unit of the block: 1×1 group conv
			"layer1.1.1.body.6.weight", // second unit: the last 1×1 group conv
			"layer2.3.body.7.bias",     // last unit: final BN
			"head.2.bias",
		},
		"channel": {
			"layer1.0.3.weight",                                            // DWS/2 pointwise
			"layer1.1.body.0.0.weight",                                     // GCWM: first GM layer, depthwise
			"layer1.1.body.0.1.weight",                                     // its 1×1 group conv
			"layer1.1.body.1.2.running_mean",                               // second GM layer's BN
			"layer1.1.body.2.weight",                                       // the group channel-wise conv
			"layer2.2.body.1.1.weight",                                     // GM (no GCW)
			"layer2.3.0.depthwise.weight", "layer2.3.0.channelwise.weight", // DWSCW
			"head.1.weight", // the classification layer (after a Scale)
		},
	}
	shapes := map[string][]int{
		"channel:layer1.1.body.0.1.weight":      {64, 32, 1, 1}, // 2 groups
		"channel:layer1.1.body.2.weight":        {2, 8, 1, 1},   // g = 2, d_c = 8
		"channel:layer2.3.0.channelwise.weight": {1, 8, 1, 1},
		"channel:head.1.weight":                 {1, 119, 7, 7}, // d_c = 128 − 10 + 1
		"shuffle:layer1.0.0.1.0.weight":         {16, 32, 1, 1}, // first 1×1 not grouped
		"shuffle:layer2.0.0.1.0.weight":         {32, 32, 1, 1}, // 64 → 32 in 2 groups
		"standard:head.2.weight":                {10, 128},
	}
	for _, name := range Names() {
		m, err := New(name, Config{})
		if err != nil {
			t.Fatal(err)
		}
		sd, err := nn.StateDict(m)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range want[name] {
			if _, ok := sd[n]; !ok {
				var have []string
				for k := range sd {
					have = append(have, k)
				}
				slices.Sort(have)
				t.Errorf("%s: no %q in\n%s", name, n, strings.Join(have, "\n"))
			}
		}
		for key, shape := range shapes {
			fam, n, _ := strings.Cut(key, ":")
			if fam == name && !slices.Equal(sd[n].Shape, shape) {
				t.Errorf("%s: %s has shape %v, want %v", name, n, sd[n].Shape, shape)
			}
		}
	}
}

func TestDeterministicInit(t *testing.T) {
	a, _ := New("channel", Config{Seed: 7})
	b, _ := New("channel", Config{Seed: 7})
	c, _ := New("channel", Config{Seed: 8})
	pa, pb, pc := nn.NamedParams(a), nn.NamedParams(b), nn.NamedParams(c)
	if !slices.Equal(pa[0].Value.Data, pb[0].Value.Data) {
		t.Error("same seed, different weights")
	}
	if slices.Equal(pa[0].Value.Data, pc[0].Value.Data) {
		t.Error("different seeds, same weights")
	}
}

func TestErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"resnet", Config{}, "unknown model"},
		{"channel", Config{Width: -1}, "width"},
		{"channel", Config{Size: 4}, "input size"},
		{"channel", Config{Classes: 200}, "classification layer"},
		{"shuffle", Config{Groups: 3}, "groups"},
		{"mobile", Config{InChannels: 100}, "input channels"},
	} {
		if _, err := New(c.name, c.cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("New(%q, %+v) = %v, want an error about %s", c.name, c.cfg, err, c.want)
		}
	}
	if Describe("channel") == "" || Describe("nope") != "" {
		t.Error("Describe")
	}
}

// TestAnchor checks the anchor networks against PyTorch's parameter counts
// of ../shared/anchors/train.py (sum of p.numel() over parameters(): std
// 94,186, dws 13,322), runs a forward and backward pass, and rejects an
// unknown name.
func TestAnchor(t *testing.T) {
	for name, want := range map[string]int{"std": 94186, "dws": 13322} {
		m, err := Anchor(name, 1)
		if err != nil {
			t.Fatal(err)
		}
		got := 0
		for _, p := range nn.NamedParams(m) {
			got += len(p.Value.Data)
		}
		if got != want {
			t.Errorf("%s: %d parameters, PyTorch has %d", name, got, want)
		}
		x := tensor.New(2, 1, 28, 28)
		for i := range x.Data {
			x.Data[i] = float32(i%5) - 2
		}
		y, err := m.Forward(x)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !slices.Equal(y.Shape, []int{2, 10}) {
			t.Fatalf("%s: output %v, want [2 10]", name, y.Shape)
		}
		if _, err := m.Backward(y); err != nil {
			t.Fatalf("%s backward: %v", name, err)
		}
	}
	if _, err := Anchor("resnet", 1); err == nil || !strings.Contains(err.Error(), "std, dws") {
		t.Errorf("unknown anchor: err = %v", err)
	}
}
