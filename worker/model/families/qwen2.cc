// Qwen2 / Qwen2.5: the Llama layout with biases on q, k and v (not o), and an optional sliding window on
// the upper layers.
#include "worker/model/families/families.h"
#include "worker/model/families/llama_like.h"

namespace basalt::model::families {

Family Qwen2() {
  return Family{"qwen2", {"Qwen2ForCausalLM"}, {"qwen2"}, [](const HfConfig& c) {
                  return BuildLlamaLike(c.text_config(),
                                        LlamaVariant{.qkv_bias = true, .window_needs_flag = true});
                }};
}

}  // namespace basalt::model::families
