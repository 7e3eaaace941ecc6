#pragma once
// Torch reports errors by throwing c10::Error (and std::exception). Basalt's engine speaks absl::Status,
// so every entry point into torch code runs through GuardTorch, which turns throws into Internal errors.
#include <exception>
#include <string>
#include <type_traits>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace basalt::model {

template <typename F>
auto GuardTorch(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const std::exception& e) {
    std::string what = e.what();
    // c10::Error messages carry a long backtrace after the first line.
    if (auto nl = what.find('\n'); nl != std::string::npos) what.resize(nl);
    return absl::InternalError(absl::StrCat("torch: ", what));
  }
}

}  // namespace basalt::model
