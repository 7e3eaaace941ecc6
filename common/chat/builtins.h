#pragma once
// The global functions a template can call: jinja2's range, dict, namespace, cycler and joiner, and
// transformers' raise_exception and strftime_now. (lipsum is left out: it is random.)
#include <optional>
#include <string_view>

#include "common/chat/value.h"

namespace basalt::chat {

// Null when no global has this name.
std::optional<Value> FindGlobal(std::string_view name);

}  // namespace basalt::chat
