#pragma once
// Binds the arguments of a builtin call (filter, test, method, global) to named parameters the way
// Python does: positional first, then keywords; unknown keywords and surplus arguments are errors.
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "common/chat/value.h"

namespace basalt::chat {

class ArgBinder {
 public:
  // `required`: how many leading parameters must be given.
  ArgBinder(std::string_view function, const CallArgs& args, std::initializer_list<std::string_view> params,
            size_t required = 0);

  // The argument bound to parameter i, or null when it was not given.
  const Value* Get(size_t i) const { return bound_[i]; }
  Value GetOr(size_t i, Value fallback) const { return bound_[i] ? *bound_[i] : std::move(fallback); }
  bool Has(size_t i) const { return bound_[i] != nullptr && !bound_[i]->is_none(); }
  // Integer parameter (int or bool); None or absent gives `fallback`.
  int64_t GetInt(size_t i, int64_t fallback) const;
  bool GetBool(size_t i, bool fallback) const { return bound_[i] ? bound_[i]->Truthy() : fallback; }
  // String parameter; absent gives `fallback`; other types are an error.
  std::string GetString(size_t i, std::string fallback) const;

 private:
  std::string function_;
  std::vector<std::string_view> params_;
  std::vector<const Value*> bound_;
};

}  // namespace basalt::chat
