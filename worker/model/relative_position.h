#pragma once
// T5's relative attention bias: each (query, key) pair falls into a bucket of key - query distance
// (exact for small distances, logarithmic up to max_distance, then saturated), and a learned table
// [num_buckets, heads] gives the bias added to the attention score. Buckets are computed with the same
// float32 torch operations as transformers' _relative_position_bucket, so boundaries agree exactly.
#include <ATen/ATen.h>

#include "worker/model/model_spec.h"

namespace basalt::model {

// Bucket of every relative position (key - query, int64): bidirectional in the encoder (the sign takes
// half of the buckets), causal in the decoder (only keys at or before the query).
at::Tensor RelativePositionBucket(const at::Tensor& relative_position, bool bidirectional, int num_buckets,
                                  int max_distance);

// The decoder's bias by distance d = query - key >= 0: [heads, max_distance + 2] float32; every distance
// past the last column has the last column's bias (the bucket has saturated there).
at::Tensor CausalRelativeBiasByDistance(const at::Tensor& table, const RelativeBiasSpec& spec);

// The encoder's bias for a sequence of `length` tokens: [heads, length, length] float32.
at::Tensor BidirectionalRelativeBias(const at::Tensor& table, const RelativeBiasSpec& spec, int64_t length);

}  // namespace basalt::model
