// Qwen3: the Llama layout with RMSNorm on every head of q and k (before RoPE) and an explicit head_dim.
#include "worker/model/families/families.h"
#include "worker/model/families/llama_like.h"

namespace basalt::model::families {

Family Qwen3() {
  return Family{"qwen3", {"Qwen3ForCausalLM"}, {"qwen3"}, [](const HfConfig& c) {
                  return BuildLlamaLike(c.text_config(),
                                        LlamaVariant{.qk_norm = true, .window_needs_flag = true});
                }};
}

}  // namespace basalt::model::families
