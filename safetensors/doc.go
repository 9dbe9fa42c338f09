// Package safetensors reads and writes the safetensors tensor file format
// of Hugging Face (https://github.com/huggingface/safetensors), in pure Go
// with no dependencies beyond the standard library.
//
// A safetensors file is
//
//	8 bytes    N, the header length, a little-endian uint64
//	N bytes    a UTF-8 JSON object, possibly padded with trailing spaces
//	the rest   the byte buffer holding every tensor's data
//
// The JSON object maps each tensor's name to its dtype, shape and the
// [begin, end) byte offsets of its little-endian, row-major data within
// the buffer, and may hold a "__metadata__" object of string values:
//
//	{"__metadata__":{"format":"pt"},
//	 "conv1.weight":{"dtype":"F32","shape":[8,1,3,3],"data_offsets":[0,288]}, …}
//
// [Write] produces the same bytes as the reference Python and Rust
// implementations: tensors ordered by decreasing dtype alignment then
// name, stored contiguously in that order, compact JSON with
// "__metadata__" first, and the header padded with spaces to a multiple of
// 8 bytes so that the data is aligned. [WriteFile] replaces its target
// atomically.
//
// [Read] treats its input as hostile and checks everything the reference
// implementation checks, and a little more: the header length is at least
// 2, at most [MaxHeaderSize] and within the input; the header is valid
// UTF-8 JSON starting with '{' with no duplicate keys; dtypes are known;
// shapes are non-negative with element and byte counts computed without
// overflow; each tensor's byte length matches its shape and dtype; and the
// offsets, taken in order, are contiguous from 0 and cover the buffer
// exactly, without gaps or overlaps. Lengths are checked against the input
// size before anything is allocated for them, and data is read
// incrementally, so a lying header cannot cause a large allocation. Errors
// start with "safetensors: ".
package safetensors
