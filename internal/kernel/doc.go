// Package kernel holds convkit's fast algorithms: convolutions on raw
// float32 NCHW slices described by the flat geometries of internal/geom.
//
// Each algorithm is a small type built once per geometry (NewPointwise,
// NewIm2col, NewDepthwise, NewChan, NewChanFull, NewShuffle) that owns its
// workspaces and a Team of goroutines, so Forward and Backward allocate
// nothing in the steady state. They trust their inputs: slices have exactly
// the geometry's lengths (the conv package validates before calling).
// Outputs and gradients are overwritten, never accumulated into; a nil
// gradient slice skips that gradient.
//
// The algorithms:
//
//   - Pointwise: 1×1, stride-1, unpadded convolution straight on NCHW, one
//     GEMM per image and group, Y[n] (M×HW) = W (M×C) · X[n] (C×HW);
//   - Im2col: any convolution, im2col of a column chunk + GEMM per image and
//     group; backward dW = dY·colᵀ and dX = col2im(Wᵀ·dY);
//   - Depthwise: direct depthwise convolution (groups = channels, any depth
//     multiplier) with assembly row kernels for 3×3 stride 1 and stride 2
//     and a generic axpy-per-tap fallback for any kernel, stride and dilation;
//   - Chan: the channel-wise family of ChannelNets with a 1×1 spatial
//     kernel, as weighted sums of whole planes (several taps per pass);
//   - ChanFull: the channel-wise family with a kernel covering the whole map
//     (the convolutional classification layer), as dot products;
//   - Shuffle: channel shuffle as plane-sized copies.
//
// Every kernel is tested against internal/ref, with the assembly on and off.
package kernel
