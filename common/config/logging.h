#pragma once
// Process-wide log setup (spdlog): timestamps, level, thread id, to stderr.
#include <string>

namespace basalt::config {

// level: "trace", "debug", "info", "warn", "error", "off". Unknown names fall back to "info".
void SetUpLogging(const std::string& program, const std::string& level);

}  // namespace basalt::config
