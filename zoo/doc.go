// Package zoo defines compact image classifiers for small inputs (28×28
// Fashion-MNIST and MNIST, 32×32 CIFAR-10) as code, in four families that
// share one topology and differ only in how its convolutions are
// factorized:
//
//   - standard: full 3×3 convolutions, the baseline;
//   - mobile:   depthwise separable convolutions, MobileNets (Howard et
//     al., arXiv 1704.04861);
//   - shuffle:  ShuffleNet units, 1×1 group convolutions with channel
//     shuffle around a 3×3 depthwise convolution, residual add at stride 1
//     and concatenation with an average-pooled shortcut at stride 2 (Zhang
//     et al., arXiv 1707.01083);
//   - channel:  ChannelNets' modules: GM and GCWM (3×3 depthwise + 1×1
//     group convolution, g = 2, with a group channel-wise convolution
//     fusing the groups), a depth-wise separable channel-wise convolution
//     and the convolutional classification layer instead of pooling and a
//     fully connected layer (Gao et al., NeurIPS 2018, arXiv 1809.01330).
//
// # Topology
//
// With width multiplier 1 and a 28×28 input (a 32×32 one gives 16×16 and
// 8×8 maps; the widths are multiplied by Config.Width and rounded to
// multiples of 8):
//
//	slot       output      standard            mobile        shuffle             channel
//	stem       32 × 28²    conv3×3             conv3×3       conv3×3             conv3×3
//	layer1.0   64 × 14²    conv3×3/2           DWS/2         unit/2 (concat)     DWS/2
//	layer1.1   64 × 14²    res(2×conv3×3)      res(2×DWS)    2 units             GCWM
//	layer2.0  128 × 7²     conv3×3/2           DWS/2         unit/2 (concat)     DWS/2
//	layer2.1  128 × 7²     res(2×conv3×3)      res(2×DWS)    2 units             GCWM
//	layer2.2  128 × 7²     res(2×conv3×3)      res(2×DWS)    2 units             GM
//	layer2.3  128 × 7²     conv3×3             DWS           unit                DWSCW
//	head      classes      pool + FC           pool + FC     pool + FC           CCL
//
// Every convolution is followed by BatchNorm and ReLU except where the
// papers say otherwise: ShuffleNet has no ReLU after its depthwise
// convolution and puts the ReLU of a unit after the add or concatenation;
// ChannelNets' GM layer is depthwise → 1×1 group convolution → BN → ReLU,
// with no normalisation after the depthwise stage. Residual blocks of the
// standard and mobile families end in BN, the add and then ReLU, as in
// ResNet. The channel family follows the ChannelNet-v3 layout of the paper
// (GCWM, GCWM, GM, then a DWSCW in place of the last depthwise separable
// convolution, then CCL): as in ChannelNet-v1 the stride-2 transitions are
// depthwise separable convolutions. Its GCW kernels have the official
// d_c = 8 (g = 2), its DWSCW kernel d_c = max(8, C/16) (the paper uses 64 at
// 1024 channels), and its CCL d_c = C − classes + 1. One deviation: the
// CCL's input is multiplied by the constant 1/d_f (layer head.0, a Scale
// without parameters), which keeps SGD stable at the learning rate of the
// other families; see Scale.
//
// # Names
//
// State-dict names follow PyTorch: a model is an nn.Sequential with the
// children stem, layer1, layer2 and head, and nested sequentials are
// numbered ("layer2.1.body.0.1.weight" is the 1×1 group convolution of the
// first GM layer of the first GCWM at 128 channels). Residual blocks name
// their children body (and post for the ReLU after the add); ShuffleNet's
// stride-2 unit is a Sequential of a Concat (branch "0" the average pool,
// "1" the convolutions) and a ReLU. A PyTorch model built from the same
// modules in the same order loads the weights with load_state_dict.
package zoo
