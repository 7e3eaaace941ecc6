#pragma once
// The Gemma layout, which Gemma-2 extends.
#include "absl/status/statusor.h"
#include "rapidjson/document.h"
#include "worker/model/model_spec.h"

namespace basalt::model::families {

absl::StatusOr<ModelSpec> BuildGemmaLike(const rapidjson::Value& config);

}  // namespace basalt::model::families
