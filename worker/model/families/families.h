#pragma once
// One function per family; family_registry.cc lists them.
#include "worker/model/family_registry.h"

namespace basalt::model::families {

Family Llama();
Family Mistral();
Family Qwen2();
Family Qwen3();
Family Gpt2();
Family GptNeox();
Family Bloom();
Family Opt();
Family Gemma();
Family Gemma2();
// Encoder-decoder
Family T5();
Family Bart();

}  // namespace basalt::model::families
