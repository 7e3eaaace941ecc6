#pragma once
// Whole-file reads and writes with absl::Status errors that name the path.
#include <string>

#include "absl/status/statusor.h"

namespace basalt::fs {

// Reads a whole file. NotFound when it does not exist; other errors carry errno's text.
absl::StatusOr<std::string> ReadFile(const std::string& path);

// True when `path` names an existing regular file.
bool FileExists(const std::string& path);

// Joins two path parts with exactly one '/'.
std::string JoinPath(const std::string& dir, const std::string& name);

}  // namespace basalt::fs
