// Mistral: the Llama layout with a sliding attention window on every layer (when sliding_window is set).
#include "worker/model/families/families.h"
#include "worker/model/families/llama_like.h"

namespace basalt::model::families {

Family Mistral() {
  return Family{"mistral", {"MistralForCausalLM"}, {"mistral"}, [](const HfConfig& c) {
                  return BuildLlamaLike(c.text_config(), LlamaVariant{});
                }};
}

}  // namespace basalt::model::families
