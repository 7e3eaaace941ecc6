#pragma once
// FlashAttention's variable-length forward as torch ships it (aten::_flash_attention_forward, CUDA
// builds of torch 2.x): every prompt chunk of a step in one launch, instead of one fused-attention call
// (and a gather of its context) per sequence. The operator is private to torch and its argument list has
// grown between releases, so it is found and called through the dispatcher by argument name, with the
// schema's defaults for the rest; where it is missing (torch 1.13, CPU builds) Available() is false.
#include <ATen/ATen.h>

#include <optional>

namespace basalt::model {

struct VarlenAttentionArgs {
  at::Tensor q;      // [total_q, heads, dim], last dimension contiguous
  at::Tensor k, v;   // [total_k, kv_heads, dim]
  at::Tensor cu_q;   // [B + 1] int32: offsets of each sequence's queries
  at::Tensor cu_k;   // [B + 1] int32: offsets of each sequence's keys
  int64_t max_q = 0, max_k = 0;
  double scale = 0.0;
  std::optional<int> sliding_window;  // keys a query sees, itself included
};

class VarlenFlashAttention {
 public:
  // Whether torch has the operator, and whether it takes a sliding window.
  static bool Available();
  static bool SupportsSlidingWindow();
  // Causal attention of each sequence's queries over its keys, the last query aligned with the last key
  // (a chunk that continues a cached context sees all of it). Returns [total_q, heads, dim].
  static at::Tensor Run(const VarlenAttentionArgs& args);
};

}  // namespace basalt::model
