#pragma once
// Random identifiers for responses ("cmpl-...", "chatcmpl-...", "call_...").
#include <string>
#include "absl/strings/string_view.h"

namespace basalt::gateway::openai {

// `prefix` followed by `length` random characters from [A-Za-z0-9].
std::string RandomId(absl::string_view prefix, size_t length = 24);

}  // namespace basalt::gateway::openai
