#include "common/config/env_flags.h"

#include <cstdio>
#include <cstdlib>

#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/strings/ascii.h"

namespace basalt::config {

std::string EnvNameForFlag(const std::string& flag_name) {
  std::string env = absl::AsciiStrToUpper(flag_name);
  for (char& c : env) {
    if (c == '-') c = '_';
  }
  return env;
}

void NormalizeFlagNames(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    char* arg = argv[i];
    if (arg[0] != '-' || arg[1] != '-') continue;
    if (arg[2] == '\0') break;  // "--" ends the flags
    for (char* c = arg + 2; *c != '\0' && *c != '='; ++c) {
      if (*c == '-') *c = '_';
    }
  }
}

std::vector<char*> ParseFlagsWithEnvironment(int argc, char** argv,
                                             absl::Span<const char* const> env_flag_names,
                                             const std::string& usage) {
  absl::SetProgramUsageMessage(usage);
  for (const char* name : env_flag_names) {
    std::string env_name = EnvNameForFlag(name);
    const char* value = std::getenv(env_name.c_str());
    if (value == nullptr) continue;
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    if (flag == nullptr) {
      std::fprintf(stderr, "internal error: no flag --%s\n", name);
      std::exit(2);
    }
    std::string error;
    if (!flag->ParseFrom(value, &error)) {
      std::fprintf(stderr, "invalid value in environment variable %s=%s: %s\n", env_name.c_str(), value,
                   error.c_str());
      std::exit(2);
    }
  }
  NormalizeFlagNames(argc, argv);
  return absl::ParseCommandLine(argc, argv);
}

}  // namespace basalt::config
