// Package conv is convkit's family of convolution operators: a spec per
// operator with validation, output shapes, parameter shapes, and forward
// and backward passes with PyTorch's semantics and layouts.
//
// The operators and the papers they come from:
//
//   - Conv2D: standard, group (AlexNet; ResNeXt), depthwise with a depth
//     multiplier and pointwise convolution (MobileNets, arXiv 1704.04861);
//   - Shuffle: ShuffleNet's channel shuffle (arXiv 1707.01083) and its
//     inverse;
//   - ChannelWise, GroupChannelWise, DWSChannelWise and Classifier:
//     ChannelNets' channel-wise convolutions and convolutional
//     classification layer (NeurIPS 2018, arXiv 1809.01330).
//
// Tensors are NCHW float32 (package tensor). Every spec is a plain value:
// build it with a constructor or a struct literal, check it with Validate
// or OutputShape, then call Forward and Backward. Invalid specs and
// mismatched tensors return errors prefixed "conv:"; nothing panics on bad
// input. docs/ops.md gives each operator's formulas and costs.
package conv
