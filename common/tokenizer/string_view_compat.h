#pragma once
// Debian's abseil is built with ABSL_OPTION_USE_STD_STRING_VIEW=0, so absl::string_view is its own
// type: StrCat and heterogeneous lookups in flat_hash_map<std::string, ...> need this conversion.
#include <string_view>

#include "absl/strings/string_view.h"

namespace basalt::tokenizer {

inline absl::string_view Av(std::string_view s) { return absl::string_view(s.data(), s.size()); }

}  // namespace basalt::tokenizer
