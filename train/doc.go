// Package train trains and evaluates convkit's image classifiers (package
// nn models, such as those of package zoo: MobileNets, arXiv 1704.04861;
// ShuffleNet, arXiv 1707.01083; ChannelNets, arXiv 1809.01330).
//
// # Pieces
//
//   - Optimizers with PyTorch's exact update rules, in float32: SGD with
//     momentum, dampening, Nesterov momentum and L2 weight decay
//     (torch.optim.SGD), and AdamW with bias correction and decoupled
//     weight decay (torch.optim.AdamW). Weight decay can spare biases and
//     BatchNorm parameters (NoDecayBiasNorm), as parameter groups do in
//     PyTorch.
//   - Learning-rate schedules as pure functions of the step number:
//     Constant, Cosine (CosineAnnealingLR), StepDecay (StepLR) and a linear
//     Warmup in front of any of them (SequentialLR of LinearLR and the
//     schedule).
//   - The loss is nn.CrossEntropy, softmax cross-entropy with label
//     smoothing.
//   - Data come from data.Batcher: seeded shuffling and augmentation
//     (random crops with zero padding, horizontal flips) that are pure
//     functions of (seed, epoch, batch), normalized per channel with the
//     training set's mean and standard deviation.
//   - Evaluate computes the loss, the accuracy and a Confusion matrix with
//     per-class accuracy; TopK and Softmax serve predictions.
//   - Trainer ties them together: Run trains epoch after epoch, evaluates
//     on the test set after each, reports Progress through callbacks and
//     stops cleanly when its context is cancelled.
//
// # Checkpoints and exact resumption
//
// With Trainer.Dir set, Run writes LatestFile at the end of every epoch,
// every Config.SaveEvery steps and on cancellation, BestFile when the test
// accuracy improves, and MetricsFile (metrics.csv). Checkpoints are
// safetensors files written atomically (safetensors.WriteFile: a crash
// leaves the previous file intact). They hold
//
//   - the model's state dict under PyTorch's names, float32, with
//     BatchNorm's num_batches_tracked as int64, so that PyTorch's
//     load_state_dict accepts it (drop the "optimizer." entries first);
//   - the optimizer state, "optimizer.<parameter>.momentum_buffer" or
//     ".exp_avg" and ".exp_avg_sq", and its step count;
//   - as JSON metadata, the training State (epoch, batch within the epoch,
//     step, seed, the epoch's running loss and accuracy sums, the metrics
//     of every finished epoch, the best accuracy), the Config and a
//     DataInfo (input shape, normalization, class names).
//
// Since the batches and the learning rate are pure functions of the seed
// and the position, Resume followed by Run continues exactly as if the
// run had not stopped: the final weights are bit for bit those of an
// uninterrupted run, provided the kernels run with the same number of
// threads (multi-threaded kernels may sum in a different order with
// another thread count). Models must not hold random state of their own
// (nn.Dropout's generator is not checkpointed).
package train
