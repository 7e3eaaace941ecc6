#include "gateway/openai/ids.h"

#include <random>

namespace basalt::gateway::openai {

std::string RandomId(absl::string_view prefix, size_t length) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  // One generator per thread: ids are not secrets, only unique.
  thread_local std::mt19937_64 rng(std::random_device{}());
  std::uniform_int_distribution<size_t> pick(0, sizeof(kAlphabet) - 2);
  std::string id(prefix);
  for (size_t i = 0; i < length; ++i) id.push_back(kAlphabet[pick(rng)]);
  return id;
}

}  // namespace basalt::gateway::openai
