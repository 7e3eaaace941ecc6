// libFuzzer target: tokenizer.json loading (then a few encodes and decodes with whatever loaded).
// Build: CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -G Ninja -DBASALT_BUILD_FUZZERS=ON
//        -DBASALT_BUILD_WORKER=OFF && ninja -C build-fuzz tokenizer_load_fuzzer
// Run:   build-fuzz/bin/tokenizer_load_fuzzer -max_total_time=60 CORPUS_DIR tests/common/tokenizer/data
// (new inputs go to CORPUS_DIR, an empty directory; the small tokenizer.json files are the seeds.)
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/tokenizer/tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  // An optional tokenizer_config.json follows the first NUL byte.
  size_t nul = input.find('\0');
  std::string_view json = input.substr(0, nul);
  std::string_view config = nul == std::string_view::npos ? std::string_view() : input.substr(nul + 1);
  auto tokenizer = basalt::tokenizer::Tokenizer::FromJson(json, config);
  if (!tokenizer.ok()) return 0;
  const auto& t = **tokenizer;
  for (std::string_view text : {"", "Hello, world! 123", " \n\t 😀 é 中文 <s></s> ▁x Ġy", "aaaaaaaaaaaaaaaa"}) {
    for (bool add : {true, false}) {
      auto encoding = t.Encode(text, add);
      if (!encoding.ok()) continue;
      if (encoding->ids.size() != encoding->tokens.size() || encoding->ids.size() != encoding->offsets.size()) {
        __builtin_trap();
      }
      std::string decoded = t.Decode(encoding->ids, false);
      basalt::tokenizer::StreamingDecoder stream(t, false);
      std::string streamed;
      for (int32_t id : encoding->ids) streamed += stream.Add(id);
      streamed += stream.Finish();
      if (streamed != decoded) __builtin_trap();
    }
  }
  int32_t limit = static_cast<int32_t>(t.VocabSize());
  std::vector<int32_t> ids = {0, 1, 2, limit - 1, limit, -1};
  (void)t.Decode(ids, true);
  for (int32_t id : ids) {
    (void)t.IdToToken(id);
    (void)t.IsSpecial(id);
  }
  return 0;
}
