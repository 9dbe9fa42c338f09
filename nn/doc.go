// Package nn trains and runs compact convolutional networks built from
// convkit's factorized convolutions: layers with forward and backward
// passes and named parameters, and a small model graph.
//
// The networks in mind are those of MobileNets (depthwise separable
// convolutions, arXiv 1704.04861), ShuffleNet (group convolutions and
// channel shuffle, arXiv 1707.01083) and ChannelNets (channel-wise, group
// channel-wise and depth-wise separable channel-wise convolutions and the
// convolutional classification layer, NeurIPS 2018, arXiv 1809.01330).
//
// # Layers
//
// Conv runs any conv.Op through conv.Plan, one plan per input shape:
// standard, group, depthwise and pointwise Conv2D, Shuffle (see also
// NewChannelShuffle), ChannelWise, GroupChannelWise, DWSChannelWise and
// Classifier. Linear is a fully connected layer (one matrix product over
// the whole batch).
// BatchNorm2d, ReLU, ReLU6, MaxPool2d, AvgPool2d, GlobalAvgPool, Dropout and
// Flatten complete the set. Sequential, Residual (y = post(body(x) +
// shortcut(x))) and Concat (branches concatenated along channels) compose
// them into ShuffleNet units, MobileNet blocks and ChannelNets' GM and GCWM
// modules. CrossEntropy is the softmax cross-entropy loss with label
// smoothing (CrossEntropyLoss reuses its gradient buffer).
//
// # Performance
//
// BatchNorm2d, ReLU and GlobalAvgPool run their loops over channels,
// planes or chunks on a bounded pool of goroutines (SetThreads; results
// do not depend on the thread count) with AVX2 kernels where available.
// Sequential runs a BatchNorm2d followed by a ReLU as one fused pass
// forward and backward; both keep their names and state. A training loop
// that does not use the gradient with respect to the model's input calls
// SetInputGrad(model, false), so that the first layer skips it.
//
// # Conventions
//
// Semantics, layouts, default initialisation and names follow PyTorch: NCHW
// float32 tensors, weight [out, in/groups, kH, kW], Linear weight
// [out, in], kaiming_uniform_(a=√5) weights and uniform biases in
// ±1/√fan_in, BatchNorm momentum 0.1 and eps 1e-5, layers created in
// training mode, and state-dict names such as "features.3.conv.0.weight"
// built from the tree of Containers (NamedParams, StateDict,
// LoadStateDict). Channel-wise weights are PyTorch's Conv3d weights without
// their input-channel axis: [1, d_c, 1, 1] here is [1, 1, d_c, 1, 1] there.
//
// Forward caches what Backward needs; Backward returns the input gradient
// and adds parameter gradients into Param.Grad, so call ZeroGrad before
// each step (several Backward calls accumulate, as in PyTorch). Tensors a
// layer returns are its own buffers, reused by its next call with the same
// shape; no layer ever writes into a tensor it did not allocate. Random
// initialisation and dropout draw from a caller's *rand.Rand
// (math/rand/v2), so models are reproducible from a seed. Errors are
// prefixed "nn:"; containers prefix the path of the failing child
// (`layer "features": layer "3": nn: ...`).
package nn
