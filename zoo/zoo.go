package zoo

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/convkit/convkit/conv"
	"github.com/convkit/convkit/nn"
)

// Config sizes a model. The zero value of a field selects its default.
type Config struct {
	// InChannels is the number of input channels: 1 (default) for
	// Fashion-MNIST and MNIST, 3 for CIFAR-10.
	InChannels int `json:"in_channels"`
	// Size is the input height and width: 28 (default) or 32, or any
	// size from 8 to 1024.
	Size int `json:"size"`
	// Classes is the number of classes, 10 by default. The channel
	// family's classification layer needs Classes ≤ its last width.
	Classes int `json:"classes"`
	// Width multiplies every width (MobileNets' α), default 1. Widths are
	// rounded to multiples of 8, at least 8, as torchvision's
	// _make_divisible does.
	Width float64 `json:"width"`
	// Groups is the number of groups of the shuffle family's 1×1
	// convolutions, 2 by default. The channel family always uses g = 2, as
	// ChannelNets does.
	Groups int `json:"groups,omitempty"`
	// Seed seeds the random initialisation (PyTorch's default scheme).
	Seed uint64 `json:"seed"`
}

// Limits of a Config.
const (
	MinSize  = 8
	MaxSize  = 1024
	MaxWidth = 16.0
)

// WithDefaults returns c with zero fields replaced by their defaults.
func (c Config) WithDefaults() Config {
	if c.InChannels == 0 {
		c.InChannels = 1
	}
	if c.Size == 0 {
		c.Size = 28
	}
	if c.Classes == 0 {
		c.Classes = 10
	}
	if c.Width == 0 {
		c.Width = 1
	}
	if c.Groups == 0 {
		c.Groups = 2
	}
	return c
}

// Validate checks a config (after WithDefaults).
func (c Config) Validate() error {
	switch {
	case c.InChannels < 1 || c.InChannels > 64:
		return fmt.Errorf("zoo: %d input channels, want 1..64", c.InChannels)
	case c.Size < MinSize || c.Size > MaxSize:
		return fmt.Errorf("zoo: input size %d, want %d..%d", c.Size, MinSize, MaxSize)
	case c.Classes < 2 || c.Classes > 10000:
		return fmt.Errorf("zoo: %d classes, want 2..10000", c.Classes)
	case !(c.Width > 0 && c.Width <= MaxWidth):
		return fmt.Errorf("zoo: width multiplier %g, want a value in (0, %g]", c.Width, MaxWidth)
	case c.Groups < 1 || c.Groups > 64:
		return fmt.Errorf("zoo: %d groups, want 1..64", c.Groups)
	}
	return nil
}

// Model is a zoo network: an nn.Sequential (stem, layer1, layer2, head)
// taking [N, InChannels, Size, Size] images and returning [N, Classes]
// logits, with the name and config it was built from.
type Model struct {
	*nn.Sequential
	Name   string
	Config Config
}

// InputShape returns the NCHW input shape for a batch of n images.
func (m *Model) InputShape(n int) []int {
	return []int{n, m.Config.InChannels, m.Config.Size, m.Config.Size}
}

// String describes the model, "channel (width 1, 1×28×28, 10 classes)".
func (m *Model) String() string {
	c := m.Config
	return fmt.Sprintf("%s (width %g, %d×%d×%d, %d classes)", m.Name, c.Width, c.InChannels, c.Size, c.Size, c.Classes)
}

// family is one way of factorizing the shared topology.
type family struct {
	desc string
	// down is a stride-2 transition (first: the one after the stem), block a stride-1 two-layer unit
	// (first: the first of its stage), last the final
	// single layer, head the classifier.
	down  func(b *builder, in, out int, first bool) nn.Layer
	block func(b *builder, c int, first bool) nn.Layer
	last  func(b *builder, c int) nn.Layer
	head  func(b *builder, c, size int) nn.Layer
}

var families = map[string]family{
	"standard": {
		desc:  "full 3×3 convolutions; ResNet basic blocks at stride 1 (the baseline)",
		down:  func(b *builder, in, out int, _ bool) nn.Layer { return b.convBNReLU(conv3x3(in, out, 2)) },
		block: func(b *builder, c int, _ bool) nn.Layer { return b.basicBlock(c) },
		last:  func(b *builder, c int) nn.Layer { return b.convBNReLU(conv3x3(c, c, 1)) },
		head:  poolFC,
	},
	"mobile": {
		desc:  "depthwise separable convolutions (MobileNets), residual pairs at stride 1",
		down:  func(b *builder, in, out int, _ bool) nn.Layer { return b.dws(in, out, 2, true) },
		block: func(b *builder, c int, _ bool) nn.Layer { return b.dwsBlock(c) },
		last:  func(b *builder, c int) nn.Layer { return b.dws(c, c, 1, true) },
		head:  poolFC,
	},
	"shuffle": {
		desc:  "ShuffleNet units: 1×1 group convs + channel shuffle + 3×3 depthwise; add at stride 1, concat with avg-pool at stride 2",
		down:  func(b *builder, in, out int, first bool) nn.Layer { return b.shuffleDown(in, out, first) },
		block: func(b *builder, c int, _ bool) nn.Layer { return nn.NewSequential(b.shuffleUnit(c), b.shuffleUnit(c)) },
		last:  func(b *builder, c int) nn.Layer { return b.shuffleUnit(c) },
		head:  poolFC,
	},
	"channel": {
		desc:  "ChannelNets: GCWM/GM modules (depthwise + 1×1 group conv g=2 + group channel-wise conv), DWS channel-wise conv, conv classification layer",
		down:  func(b *builder, in, out int, _ bool) nn.Layer { return b.dws(in, out, 2, true) },
		block: func(b *builder, c int, first bool) nn.Layer { return b.gm(c, first) },
		last:  func(b *builder, c int) nn.Layer { return b.dwscw(c) },
		head:  ccl,
	},
}

// Names returns the model families, sorted.
func Names() []string {
	names := make([]string, 0, len(families))
	for n := range families {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Describe returns a one-line description of a family, or "" for an
// unknown name.
func Describe(name string) string { return families[name].desc }

// Widths returns the three stage widths (32, 64, 128 at width 1) for a
// width multiplier.
func Widths(width float64) [3]int {
	return [3]int{divisible(32 * width), divisible(64 * width), divisible(128 * width)}
}

// divisible rounds v to the nearest multiple of 8, at least 8, and never
// more than 10% below v (torchvision's _make_divisible).
func divisible(v float64) int {
	const d = 8
	n := max(d, int(v+d/2)/d*d)
	if float64(n) < 0.9*v {
		n += d
	}
	return n
}

// New builds the model family name for cfg. Its layers are in training
// mode with PyTorch's default initialisation drawn from cfg.Seed.
func New(name string, cfg Config) (*Model, error) {
	f, ok := families[name]
	if !ok {
		return nil, fmt.Errorf("zoo: unknown model %q (have %s)", name, strings.Join(Names(), ", "))
	}
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	w := Widths(cfg.Width)
	if name == "channel" && cfg.Classes > w[2] {
		return nil, fmt.Errorf("zoo: channel: the classification layer needs at least as many channels as classes: %d classes, %d channels at width %g", cfg.Classes, w[2], cfg.Width)
	}
	b := &builder{rng: rand.New(rand.NewPCG(cfg.Seed, 0x200c0de)), groups: cfg.Groups, nclasses: cfg.Classes}
	final := cfg.Size
	for range 2 {
		final = (final + 1) / 2 // a 3×3 stride-2 layer with padding 1
	}
	m := &nn.Sequential{}
	m.AppendNamed("stem", b.convBNReLU(conv3x3(cfg.InChannels, w[0], 1)))
	m.AppendNamed("layer1", nn.NewSequential(f.down(b, w[0], w[1], true), f.block(b, w[1], true)))
	m.AppendNamed("layer2", nn.NewSequential(f.down(b, w[1], w[2], false), f.block(b, w[2], true), f.block(b, w[2], false), f.last(b, w[2])))
	m.AppendNamed("head", f.head(b, w[2], final))
	if b.err != nil {
		return nil, fmt.Errorf("zoo: %s at width %g: %w", name, cfg.Width, b.err)
	}
	out, err := m.OutputShape([]int{1, cfg.InChannels, cfg.Size, cfg.Size})
	if err != nil {
		return nil, fmt.Errorf("zoo: %s: %w", name, err)
	}
	if len(out) != 2 || out[1] != cfg.Classes {
		return nil, fmt.Errorf("zoo: %s: output shape %v, want [1 %d]", name, out, cfg.Classes)
	}
	return &Model{Sequential: m, Name: name, Config: cfg}, nil
}

// builder creates layers, drawing initial weights from rng and keeping
// the first error (an invalid combination of widths and groups) so that
// the family definitions read as plain expressions.
type builder struct {
	rng      *rand.Rand
	groups   int
	nclasses int
	err      error
}

func (b *builder) conv(op conv.Op) nn.Layer {
	c, err := nn.NewConv(op, b.rng)
	if err != nil {
		if b.err == nil {
			b.err = err
		}
		return nn.NewSequential() // a placeholder; New reports b.err
	}
	return c
}

func (b *builder) bn(c int) nn.Layer {
	l, err := nn.NewBatchNorm2d(c)
	if err != nil {
		if b.err == nil {
			b.err = err
		}
		return nn.NewSequential()
	}
	return l
}

func (b *builder) shuffle(g int) nn.Layer { return b.conv(conv.Shuffle{Groups: g}) }

func conv3x3(in, out, stride int) conv.Conv2D {
	return conv.New2D(in, out, 3).WithStride(stride).WithPadding(conv.Pad(1))
}

func depthwise(c, stride int) conv.Conv2D { return conv.Depthwise(c, 3, 1).WithStride(stride) }

// convBNReLU is conv → BN → ReLU.
func (b *builder) convBNReLU(op conv.Conv2D) *nn.Sequential {
	return nn.NewSequential(b.conv(op), b.bn(op.Out), &nn.ReLU{})
}

// basicBlock is ResNet's basic block: ReLU(x + BN(conv(ReLU(BN(conv(x)))))).
func (b *builder) basicBlock(c int) nn.Layer {
	body := nn.NewSequential(b.conv(conv3x3(c, c, 1)), b.bn(c), &nn.ReLU{}, b.conv(conv3x3(c, c, 1)), b.bn(c))
	return nn.NewResidual(body, nil, &nn.ReLU{})
}

// dws is a depthwise separable convolution (MobileNets): 3×3 depthwise →
// BN → ReLU → 1×1 → BN [→ ReLU].
func (b *builder) dws(in, out, stride int, relu bool) *nn.Sequential {
	s := nn.NewSequential(b.conv(depthwise(in, stride)), b.bn(in), &nn.ReLU{}, b.conv(conv.Pointwise(in, out)), b.bn(out))
	if relu {
		s.Append(&nn.ReLU{})
	}
	return s
}

// dwsBlock is two depthwise separable convolutions with a residual add:
// the basic block with each 3×3 convolution factorized.
func (b *builder) dwsBlock(c int) nn.Layer {
	return nn.NewResidual(nn.NewSequential(b.dws(c, c, 1, true), b.dws(c, c, 1, false)), nil, &nn.ReLU{})
}

// shuffleUnit is ShuffleNet's stride-1 unit: ReLU(x + BN(gconv(BN(dw(
// shuffle(ReLU(BN(gconv(x)))))))), the bottleneck a quarter of c.
func (b *builder) shuffleUnit(c int) nn.Layer {
	g, mid := b.groups, c/4
	body := nn.NewSequential(
		b.conv(conv.Pointwise(c, mid).WithGroups(g)), b.bn(mid), &nn.ReLU{},
		b.shuffle(g),
		b.conv(depthwise(mid, 1)), b.bn(mid),
		b.conv(conv.Pointwise(mid, c).WithGroups(g)), b.bn(c),
	)
	return nn.NewResidual(body, nil, &nn.ReLU{})
}

// shuffleDown is ShuffleNet's stride-2 unit: ReLU(concat(avgpool3×3/2(x),
// branch(x))), the branch giving out−in channels through a bottleneck of
// out/4. As in the paper, the first 1×1 convolution after the stem is not
// grouped (its input has few channels); the shuffle is kept so that every
// family member has the same layers.
func (b *builder) shuffleDown(in, out int, first bool) nn.Layer {
	g, mid := b.groups, out/4
	g1 := g
	if first {
		g1 = 1
	}
	branch := nn.NewSequential(
		b.conv(conv.Pointwise(in, mid).WithGroups(g1)), b.bn(mid), &nn.ReLU{},
		b.shuffle(g),
		b.conv(depthwise(mid, 2)), b.bn(mid),
		b.conv(conv.Pointwise(mid, out-in).WithGroups(g)), b.bn(out-in),
	)
	return nn.NewSequential(nn.NewConcat(nn.NewAvgPool2d(3, 2, 1), branch), &nn.ReLU{})
}

// chanGroups and gcwKernel are ChannelNets' official setting: 1×1 group
// convolutions with g = 2 and group channel-wise kernels of d_c = 4g.
const (
	chanGroups = 2
	gcwKernel  = 4 * chanGroups
)

// gmLayer is one layer of a GM: 3×3 depthwise → 1×1 group conv (g=2) →
// BN → ReLU.
func (b *builder) gmLayer(c int) *nn.Sequential {
	return nn.NewSequential(b.conv(depthwise(c, 1)), b.conv(conv.Pointwise(c, c).WithGroups(chanGroups)), b.bn(c), &nn.ReLU{})
}

// gm is ChannelNets' group module, two GM layers with a residual add, and
// with gcw a GCWM: the group channel-wise convolution after the two layers
// fuses the information of the two groups before the add.
func (b *builder) gm(c int, gcw bool) nn.Layer {
	body := nn.NewSequential(b.gmLayer(c), b.gmLayer(c))
	if gcw {
		body.Append(b.conv(conv.NewGroupChannelWise(c, chanGroups, gcwKernel)))
	}
	return nn.NewResidual(body, nil, nil)
}

// dwscw is a depth-wise separable channel-wise convolution → BN → ReLU.
func (b *builder) dwscw(c int) nn.Layer {
	return nn.NewSequential(b.conv(conv.NewDWSChannelWise(c, 3, max(8, c/16))), b.bn(c), &nn.ReLU{})
}

// poolFC is global average pooling and a fully connected layer.
func poolFC(b *builder, c, _ int) nn.Layer {
	return nn.NewSequential(&nn.GlobalAvgPool{}, &nn.Flatten{}, b.linear(c))
}

// ccl is the convolutional classification layer over the whole final
// map, its input scaled by 1/size (see Scale).
func ccl(b *builder, c, size int) nn.Layer {
	return nn.NewSequential(&Scale{Factor: 1 / float32(size), Label: fmt.Sprintf("1/%d", size)},
		b.conv(conv.Classifier{In: c, Classes: b.classes(), Size: size}), &nn.Flatten{})
}

func (b *builder) linear(c int) nn.Layer {
	l, err := nn.NewLinear(c, b.classes(), true, b.rng)
	if err != nil {
		if b.err == nil {
			b.err = err
		}
		return nn.NewSequential()
	}
	return l
}

func (b *builder) classes() int { return b.nclasses }
