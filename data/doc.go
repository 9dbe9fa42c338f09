// Package data loads, prepares and serves image-classification data sets
// for convkit: Fashion-MNIST and MNIST (IDX files, raw or gzipped),
// CIFAR-10 (binary batches), a small class-balanced Fashion-MNIST subset
// built into the binary, and single PNG or JPEG images for prediction.
//
// Every data set becomes a [Dataset]: float32 pixels in NCHW order scaled
// to [0, 1], integer labels and class names. Helpers normalize it per
// channel, take subsets and splits, augment images ([RandomCrop], [HFlip])
// and serve reproducible shuffled mini-batches ([Batcher], [Shuffle]) whose
// order is a pure function of a seed and the epoch number, so that resumed
// training sees exactly the batches an uninterrupted run would have.
//
// Readers treat their input as untrusted: headers are validated against
// fixed limits, payloads are read incrementally so that a header claiming
// gigabytes on a short file fails before anything large is allocated, and
// malformed input returns an error prefixed with "data: ", never a panic.
//
// [Resolve] maps the spellings accepted on a command line to a loader:
//
//	builtin         the embedded Fashion-MNIST subset (see Builtin)
//	fashion-mnist   the Debian package's copy in /usr/share/datasets/fashion-mnist
//	DIR             a directory of MNIST-style IDX files or CIFAR-10 batches
package data
