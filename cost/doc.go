// Package cost is pure arithmetic over convkit's operator specs: parameter
// counts, multiply-accumulates (MACs), FLOPs, output shapes and activation
// memory, for one operator (Of, Linear) or a whole model (Table, Sum).
// Nothing here allocates tensors or runs a kernel.
//
// # Counting convention
//
// The convention is that of the tables in MobileNets (Howard et al., arXiv
// 1704.04861), ShuffleNet (Zhang et al., arXiv 1707.01083) and ChannelNets
// (Gao et al., NeurIPS 2018, arXiv 1809.01330), where "FLOPs" and
// "Mult-Adds" both mean MACs, and of torchvision's published figures:
//
//   - One multiply-accumulate counts 1 MAC; FLOPs = 2·MACs.
//   - MACs count the products with conv, channel-wise and linear weights
//     only: no bias, batch norm, activation, pooling or residual add.
//   - Padded taps count: every output element costs its full reduction
//     length, whether or not the tap reads padding. So a Conv2D costs
//     N·Out·OH·OW·(In/Groups)·KernelH·KernelW, a ChannelWise or
//     GroupChannelWise N·Out·OH·OW·d_c, a Classifier
//     N·Classes·d_c·Size², a Shuffle 0, a DWSChannelWise the sum of its
//     depthwise and channel-wise stages, and a Linear layer In·Out.
//   - Params counts weight elements; biases are reported apart, in
//     BiasParams, so that both the papers' counts (conv weights only, or
//     weights plus the final FC bias for MobileNet's 4.2M) can be formed.
//     Batch-norm γ and β are not operator parameters here and are never
//     counted.
//   - ActivationBytes is 4·(input elements + output elements): the float32
//     tensors an operator reads and writes, not its weights, and not the
//     intermediate tensor inside a composite operator such as
//     DWSChannelWise.
//
// For example, MobileNets' Table 3 layer (14×14 input, 3×3, 512→512,
// same padding) costs 462,422,016 MACs and 2,359,296 params as a standard
// convolution and 52,283,392 MACs and 266,752 params as a depthwise
// separable one; the ratio is exactly 1/Out + 1/k².
package cost
