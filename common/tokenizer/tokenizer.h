#pragma once
// A Hugging Face tokenizer, loaded from tokenizer.json (+ tokenizer_config.json), that agrees with the
// `tokenizers` library id for id. Immutable after loading and safe to share between threads.
//
// This header is the public API used by the worker, the gateway and the tools; the pipeline pieces
// (normalizers, pre-tokenizers, models, post-processors, decoders) are internal.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace basalt::tokenizer {

// What tokenizer_config.json adds to tokenizer.json.
struct TokenizerConfig {
  std::optional<std::string> bos_token;
  std::optional<std::string> eos_token;
  std::optional<std::string> unk_token;
  std::optional<std::string> pad_token;
  // transformers' clean_up_tokenization_spaces (" ." -> "." etc. after decoding).
  bool clean_up_tokenization_spaces = false;
  // The default chat template ("" when none); named templates (list form of "chat_template") too.
  std::string chat_template;
  std::map<std::string, std::string> named_chat_templates;
  // model_max_length when it is a real number (transformers writes 1e30 for "none").
  std::optional<int64_t> model_max_length;
};

// The result of encoding one text.
struct Encoding {
  std::vector<int32_t> ids;
  // The vocabulary string of each id (e.g. "Ġhello", "▁world", "<s>").
  std::vector<std::string> tokens;
  // Byte range [first, second) of the input text that produced each token ((0,0) for added specials).
  std::vector<std::pair<uint32_t, uint32_t>> offsets;
};

class Tokenizer {
 public:
  // Builds a tokenizer from the contents of tokenizer.json and tokenizer_config.json ("" or "{}" when
  // there is none). InvalidArgument names what is wrong or unsupported in the file.
  static absl::StatusOr<std::unique_ptr<Tokenizer>> FromJson(std::string_view tokenizer_json,
                                                             std::string_view tokenizer_config_json);
  // Loads DIR/tokenizer.json and, when present, DIR/tokenizer_config.json and DIR/chat_template.jinja.
  static absl::StatusOr<std::unique_ptr<Tokenizer>> FromDirectory(const std::string& dir);

  ~Tokenizer();
  Tokenizer(const Tokenizer&) = delete;
  Tokenizer& operator=(const Tokenizer&) = delete;

  // Encodes `text` (must be valid UTF-8; InvalidArgument otherwise). With add_special_tokens the
  // post-processor adds its tokens (BOS, ...), as `tokenizer(text)` does in transformers.
  absl::StatusOr<Encoding> Encode(std::string_view text, bool add_special_tokens = true) const;

  // Decodes ids as `tokenizer.decode(ids, skip_special_tokens=...)` does in transformers (with the
  // clean_up_tokenization_spaces setting of tokenizer_config.json). Invalid byte sequences become U+FFFD.
  // Ids outside the vocabulary are skipped.
  std::string Decode(absl::Span<const int32_t> ids, bool skip_special_tokens = true) const;

  // Size of the vocabulary including added tokens (max id + 1).
  size_t VocabSize() const;
  std::optional<int32_t> TokenToId(std::string_view token) const;
  std::optional<std::string> IdToToken(int32_t id) const;
  // True for added tokens marked "special" (skipped by Decode with skip_special_tokens).
  bool IsSpecial(int32_t id) const;

  const TokenizerConfig& config() const;

  struct Impl;
  const Impl& impl() const { return *impl_; }

 private:
  explicit Tokenizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Turns a stream of generated token ids into text deltas. The concatenation of all deltas (including
// Finish()) equals Decode(all ids); with prompt context, Decode(context + ids) without the context's
// own text. A delta never ends inside a UTF-8 sequence, and leading-space rules (Metaspace "▁",
// byte-level "Ġ", clean-up) are applied as a full decode would apply them. Text is emitted as soon as
// no later id can change it.
class StreamingDecoder {
 public:
  // `prompt_ids` gives context (a few trailing prompt ids are enough), so that the first generated token's
  // leading space is rendered as it would be after the prompt; they produce no output themselves.
  StreamingDecoder(const Tokenizer& tokenizer, bool skip_special_tokens,
                   absl::Span<const int32_t> prompt_ids = {});
  // Adds one id; returns the text that is now final (may be "").
  std::string Add(int32_t id);
  // Returns whatever is still pending (an incomplete UTF-8 sequence comes out as U+FFFD, as in Decode).
  std::string Finish();

 private:
  // The end of the ids whose text can no longer change (later ids may extend a byte run).
  size_t StableEnd() const;
  // Length of the prefix of the raw decoder output (before clean-up) that later ids cannot change.
  size_t StableLength(const std::string& raw) const;

  const Tokenizer& tokenizer_;
  bool skip_special_tokens_;
  std::vector<int32_t> ids_;
  size_t prefix_offset_ = 0;  // ids_[prefix_offset_, read_offset_) were already emitted as context
  size_t read_offset_ = 0;
  // The text of ids_[prefix_offset_, ...) that is already accounted for (emitted, or prompt context).
  std::string window_text_;
};

}  // namespace basalt::tokenizer
