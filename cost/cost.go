package cost

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"reflect"
	"strings"

	"github.com/convkit/convkit/conv"
)

// BytesPerElem is the size of one activation element: convkit tensors are
// float32.
const BytesPerElem = 4

// Convention states the counting convention in one sentence, for tools
// to print beside their numbers.
const Convention = "MACs count multiply-accumulates of conv, channel-wise and linear weights only " +
	"(no bias, BN, activation or pooling; padded taps included); FLOPs = 2·MACs; params exclude bias."

// Cost is what one forward pass of an operator (or a sum of operators)
// costs. All counts are for the whole batch of the input shape, except
// Params and BiasParams, which do not depend on it.
type Cost struct {
	// Params is the number of weight elements, biases excluded.
	Params int64
	// BiasParams is the number of bias elements.
	BiasParams int64
	// MACs is the number of multiply-accumulates with weights.
	MACs int64
	// FLOPs is 2·MACs.
	FLOPs int64
	// Output is the output shape (NCHW for convolutions, [N, Out] for Linear).
	Output []int
	// InputElems and OutputElems are the element counts of the input and
	// output tensors.
	InputElems, OutputElems int64
	// ActivationBytes is BytesPerElem·(InputElems + OutputElems).
	ActivationBytes int64
}

// TotalParams returns Params + BiasParams.
func (c Cost) TotalParams() int64 { return c.Params + c.BiasParams }

// MACer is implemented by operators outside package conv that know their
// own MAC count, so that Of can cost them too. MACs returns the
// multiply-accumulates of one forward pass on an input of shape in,
// following the package convention.
type MACer interface {
	MACs(in []int) (int64, error)
}

// errOverflow is returned when a count does not fit in an int64.
var errOverflow = errors.New("cost: count overflows int64")

// Of returns the cost of op on an input of shape in (NCHW). It fails if op
// is nil, is invalid or does not fit in, or is an operator whose MACs Of
// does not know (neither one of package conv's nor a MACer).
func Of(op conv.Op, in []int) (Cost, error) {
	if op == nil {
		return Cost{}, errors.New("cost: nil operator")
	}
	if v := reflect.ValueOf(op); v.Kind() == reflect.Pointer && v.IsNil() {
		// A nil *conv.Conv2D would panic in its value methods.
		return Cost{}, fmt.Errorf("cost: nil operator %T", op)
	}
	out, err := op.OutputShape(in)
	if err != nil {
		return Cost{}, err
	}
	c := Cost{Output: out}
	for _, p := range op.Params() {
		n, err := product(p.Shape)
		if err != nil {
			return Cost{}, fmt.Errorf("cost: %v: parameter %s: %w", op, p.Name, err)
		}
		if p.Name == "bias" || strings.HasSuffix(p.Name, ".bias") {
			c.BiasParams += n
		} else {
			c.Params += n
		}
	}
	if c.InputElems, err = product(in); err != nil {
		return Cost{}, err
	}
	if c.OutputElems, err = product(out); err != nil {
		return Cost{}, err
	}
	if c.MACs, err = macs(op, in, c.OutputElems); err != nil {
		return Cost{}, err
	}
	return c.finish()
}

// macs returns the MACs of op given its input shape and the element count
// of its output.
func macs(op conv.Op, in []int, outElems int64) (int64, error) {
	if m, ok := op.(MACer); ok {
		return m.MACs(in)
	}
	switch s := op.(type) {
	case conv.Conv2D:
		return mul(outElems, int64(s.In/s.Groups), int64(s.KernelH), int64(s.KernelW))
	case conv.ChannelWise:
		return mul(outElems, int64(s.Kernel))
	case conv.GroupChannelWise:
		return mul(outElems, int64(s.Kernel))
	case conv.Classifier:
		return mul(outElems, int64(s.Kernel()), int64(s.Size), int64(s.Size))
	case conv.Shuffle:
		return 0, nil
	case conv.DWSChannelWise:
		d, err := Of(s.Depthwise(), in)
		if err != nil {
			return 0, err
		}
		cw, err := Of(s.ChannelWise(), d.Output)
		if err != nil {
			return 0, err
		}
		return add(d.MACs, cw.MACs)
	case *conv.Conv2D:
		return macs(*s, in, outElems)
	case *conv.ChannelWise:
		return macs(*s, in, outElems)
	case *conv.GroupChannelWise:
		return macs(*s, in, outElems)
	case *conv.Classifier:
		return macs(*s, in, outElems)
	case *conv.Shuffle:
		return 0, nil
	case *conv.DWSChannelWise:
		return macs(*s, in, outElems)
	}
	return 0, fmt.Errorf("cost: no MAC count for operator type %T", op)
}

// Linear returns the cost of a fully connected layer from in to out
// features on one example (input [1, in], output [1, out]): in·out
// weights, out biases (PyTorch's nn.Linear default) and in·out MACs.
// Multiply by a batch with Scale.
func Linear(in, out int) (Cost, error) {
	if in < 1 || out < 1 {
		return Cost{}, fmt.Errorf("cost: Linear(%d, %d): feature counts must be ≥ 1", in, out)
	}
	w, err := mul(int64(in), int64(out))
	if err != nil {
		return Cost{}, err
	}
	c := Cost{Params: w, BiasParams: int64(out), MACs: w, Output: []int{1, out},
		InputElems: int64(in), OutputElems: int64(out)}
	return c.finish()
}

// Scale returns the cost of c repeated over a batch of n examples: MACs,
// FLOPs, element counts and activation bytes grow n-fold, the parameters
// and the output shape's trailing dimensions do not; Output[0] is
// multiplied by n.
func (c Cost) Scale(n int) (Cost, error) {
	if n < 1 {
		return Cost{}, fmt.Errorf("cost: batch %d must be ≥ 1", n)
	}
	var err error
	s := c
	if s.MACs, err = mul(c.MACs, int64(n)); err != nil {
		return Cost{}, err
	}
	if s.InputElems, err = mul(c.InputElems, int64(n)); err != nil {
		return Cost{}, err
	}
	if s.OutputElems, err = mul(c.OutputElems, int64(n)); err != nil {
		return Cost{}, err
	}
	s.Output = append([]int(nil), c.Output...)
	if len(s.Output) > 0 {
		b, err := mul(int64(s.Output[0]), int64(n))
		if err != nil || b > math.MaxInt {
			return Cost{}, errOverflow
		}
		s.Output[0] = int(b)
	}
	return s.finish()
}

// Sum returns the cost of running cs one after the other, as the layers of
// a chain: Params, BiasParams, MACs, FLOPs and ActivationBytes (the total
// activation traffic) add up; InputElems is the first cost's, Output and
// OutputElems the last one's. Sum of nothing is the zero Cost. It fails
// only if a total overflows int64.
func Sum(cs ...Cost) (Cost, error) {
	var t Cost
	if len(cs) == 0 {
		return t, nil
	}
	var err error
	for _, c := range cs {
		if t.Params, err = add(t.Params, c.Params); err != nil {
			return Cost{}, err
		}
		if t.BiasParams, err = add(t.BiasParams, c.BiasParams); err != nil {
			return Cost{}, err
		}
		if t.MACs, err = add(t.MACs, c.MACs); err != nil {
			return Cost{}, err
		}
		if t.ActivationBytes, err = add(t.ActivationBytes, c.ActivationBytes); err != nil {
			return Cost{}, err
		}
	}
	t.InputElems = cs[0].InputElems
	last := cs[len(cs)-1]
	t.Output = append([]int(nil), last.Output...)
	t.OutputElems = last.OutputElems
	if t.FLOPs, err = mul(t.MACs, 2); err != nil {
		return Cost{}, err
	}
	return t, nil
}

// finish fills the derived fields FLOPs and ActivationBytes.
func (c Cost) finish() (Cost, error) {
	var err error
	if c.FLOPs, err = mul(c.MACs, 2); err != nil {
		return Cost{}, err
	}
	act, err := add(c.InputElems, c.OutputElems)
	if err != nil {
		return Cost{}, err
	}
	if c.ActivationBytes, err = mul(act, BytesPerElem); err != nil {
		return Cost{}, err
	}
	return c, nil
}

// product multiplies the dimensions of a shape, which must be ≥ 0.
func product(shape []int) (int64, error) {
	n := int64(1)
	for _, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("cost: negative dimension in shape %v", shape)
		}
		var err error
		if n, err = mul(n, int64(d)); err != nil {
			return 0, err
		}
	}
	return n, nil
}

// mul multiplies non-negative factors, failing on int64 overflow.
func mul(fs ...int64) (int64, error) {
	p := uint64(1)
	for _, f := range fs {
		if f < 0 {
			return 0, fmt.Errorf("cost: negative factor %d", f)
		}
		hi, lo := bits.Mul64(p, uint64(f))
		if hi != 0 || lo > math.MaxInt64 {
			return 0, errOverflow
		}
		p = lo
	}
	return int64(p), nil
}

// add adds two non-negative counts, failing on int64 overflow.
func add(a, b int64) (int64, error) {
	if a > math.MaxInt64-b {
		return 0, errOverflow
	}
	return a + b, nil
}
