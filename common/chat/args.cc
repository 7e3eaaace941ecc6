#include "common/chat/args.h"

#include "common/chat/error.h"
#include "common/chat/str_cat.h"

namespace basalt::chat {

ArgBinder::ArgBinder(std::string_view function, const CallArgs& args, std::initializer_list<std::string_view> params,
                     size_t required)
    : function_(function), params_(params), bound_(params.size(), nullptr) {
  if (args.args.size() > params_.size()) {
    ThrowRender(StrCat(function, "() takes at most ", params_.size(), " argument(s) (", args.args.size(),
                             " given)"));
  }
  for (size_t i = 0; i < args.args.size(); ++i) bound_[i] = &args.args[i];
  for (const auto& [name, value] : args.kwargs) {
    size_t i = 0;
    while (i < params_.size() && params_[i] != name) ++i;
    if (i == params_.size()) ThrowRender(StrCat(function, "() got an unexpected keyword argument '", name, "'"));
    if (bound_[i]) ThrowRender(StrCat(function, "() got multiple values for argument '", name, "'"));
    bound_[i] = &value;
  }
  for (size_t i = 0; i < required; ++i) {
    if (!bound_[i]) ThrowRender(StrCat(function, "() missing required argument '", params_[i], "'"));
  }
}

int64_t ArgBinder::GetInt(size_t i, int64_t fallback) const {
  const Value* v = bound_[i];
  if (v == nullptr || v->is_none()) return fallback;
  if (v->is_integral()) return v->as_int();
  if (v->is_undefined()) ThrowRender(v->undefined_hint());
  ThrowRender(StrCat(function_, "(): '", params_[i], "' must be an integer, not ", v->TypeName()));
}

std::string ArgBinder::GetString(size_t i, std::string fallback) const {
  const Value* v = bound_[i];
  if (v == nullptr) return fallback;
  if (v->is_string()) return v->str();
  if (v->is_undefined()) ThrowRender(v->undefined_hint());
  ThrowRender(StrCat(function_, "(): '", params_[i], "' must be a string, not ", v->TypeName()));
}

}  // namespace basalt::chat
