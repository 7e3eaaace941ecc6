#pragma once
// Command-line flags that can also come from environment variables, as containers expect.
// Precedence: command line > environment > built-in default.
#include <string>
#include <vector>

#include "absl/types/span.h"

namespace basalt::config {

// The environment variable name of a flag: "max-batch-size" and "max_batch_size" -> "MAX_BATCH_SIZE".
std::string EnvNameForFlag(const std::string& flag_name);

// Rewrites "--max-tokens=5" to "--max_tokens=5" in place (abseil flag names use underscores; people type
// dashes), up to a "--" argument.
void NormalizeFlagNames(int argc, char** argv);

// Sets each named flag from its environment variable when that variable is set, then parses the command
// line (which overrides; dashes in flag names are accepted). Exits with a clear message on a bad value,
// like absl::ParseCommandLine.
// Returns the positional arguments.
std::vector<char*> ParseFlagsWithEnvironment(int argc, char** argv,
                                             absl::Span<const char* const> env_flag_names,
                                             const std::string& usage);

}  // namespace basalt::config
