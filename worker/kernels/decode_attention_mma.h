#pragma once
// The tensor-core form of DecodeAttention (decode_attention_mma.cu), chosen by DecodeAttention itself.
#include "worker/kernels/kernels.h"

namespace basalt::kernels {

// 16-bit dtypes, head_dim 64 or 128, up to 16 query heads per kv head; BASALT_MMA_ATTENTION=0 turns it
// off (the baseline for measurements).
bool MmaDecodeAttentionSupports(const DecodeAttentionArgs& args);
cudaError_t MmaDecodeAttention(const DecodeAttentionArgs& args, cudaStream_t stream);

}  // namespace basalt::kernels
