#pragma once
// One function per family; family_registry.cc lists them.
#include "worker/model/family_registry.h"

namespace basalt::model::families {

Family Llama();
Family Mistral();
Family Qwen2();
Family Qwen3();

}  // namespace basalt::model::families
