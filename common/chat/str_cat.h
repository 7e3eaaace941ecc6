#pragma once
// String building for messages. Debian's abseil has its own absl::string_view (not std::string_view), so
// absl::StrCat does not take the std::string_view this engine uses throughout; this small equivalent does.
#include <string>
#include <string_view>
#include <type_traits>

namespace basalt::chat {
namespace str_cat_internal {

inline void Append(std::string* out, std::string_view s) { out->append(s); }
inline void Append(std::string* out, const char* s) { out->append(s); }
inline void Append(std::string* out, char c) { out->push_back(c); }
template <typename T, typename = std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, char> &&
                                                  !std::is_same_v<T, bool>>>
void Append(std::string* out, T v) {
  out->append(std::to_string(v));
}

}  // namespace str_cat_internal

template <typename... Args>
std::string StrCat(const Args&... args) {
  std::string out;
  (str_cat_internal::Append(&out, args), ...);
  return out;
}

template <typename... Args>
void StrAppend(std::string* out, const Args&... args) {
  (str_cat_internal::Append(out, args), ...);
}

}  // namespace basalt::chat
