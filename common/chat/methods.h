#pragma once
// The Python methods templates call on values: str (strip, split, startswith, replace, format, ...),
// dict (items, keys, values, get), list/tuple (index, count) and the attributes of `loop`. Methods that
// mutate (list.append, dict.update, ...) are refused, as jinja2's ImmutableSandboxedEnvironment does.
#include <optional>
#include <string>

#include "common/chat/value.h"

namespace basalt::chat {

// The bound method `obj.name`, or nullopt when obj's type has no such method. Throws for mutating
// methods.
std::optional<Value> FindMethod(const Value& obj, const std::string& name);
// loop.index, loop.first, loop.cycle, ...; nullopt for unknown names.
std::optional<Value> LoopAttribute(const std::shared_ptr<LoopState>& loop, const std::string& name);

}  // namespace basalt::chat
