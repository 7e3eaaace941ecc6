// Incremental detokenization in the style of vLLM's detokenize_incrementally: only a small window of
// recent ids is decoded each step, and the text already accounted for in that window is subtracted,
// so first-token rules (Metaspace "▁", Strip, WordPiece) cancel out. Unlike vLLM, text is only
// emitted once later ids cannot change it, which makes the concatenated deltas exactly
// Decode(prompt context + ids) minus the context's own text:
//   - a trailing U+FFFD may be an incomplete UTF-8 sequence (byte-level), so it waits;
//   - a trailing run of "<0xAB>" tokens is decoded as a whole by ByteFallback, so it waits;
//   - transformers' clean-up (" ." -> ".", " ' " -> "'", ...) deletes spaces depending on what
//     follows them, and one rule's match can pre-empt or complete another's, so the raw decoder
//     output is cut before the last cluster of nearby spaces and only that stable prefix is cleaned.
#include <algorithm>

#include "common/tokenizer/tokenizer.h"
#include "common/tokenizer/tokenizer_impl.h"

namespace basalt::tokenizer {
namespace {

// Prompt ids kept as context: enough for every first-token rule, which only looks at one token.
constexpr size_t kContextIds = 4;
// The window is rebased once it holds this many ids and everything in it is final.
constexpr size_t kMaxWindow = 16;
// Visible ids kept at the start of a rebased window.
constexpr size_t kRebaseKeep = 3;
// Clean-up patterns span at most four characters; a space this far from the next one (and from the
// end) has its fate decided.
constexpr size_t kCleanupReach = 8;

bool IsByteToken(const std::string& token) {
  return token.size() == 6 && token.compare(0, 3, "<0x") == 0 && token[5] == '>';
}

constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";

}  // namespace

StreamingDecoder::StreamingDecoder(const Tokenizer& tokenizer, bool skip_special_tokens,
                                   absl::Span<const int32_t> prompt_ids)
    : tokenizer_(tokenizer), skip_special_tokens_(skip_special_tokens) {
  size_t keep = std::min(prompt_ids.size(), kContextIds);
  ids_.assign(prompt_ids.end() - keep, prompt_ids.end());
  read_offset_ = ids_.size();
  window_text_ = tokenizer_.Decode(ids_, skip_special_tokens_);
}

size_t StreamingDecoder::StableEnd() const {
  const Tokenizer::Impl& impl = tokenizer_.impl();
  if (impl.decoder == nullptr || !impl.decoder->DecodesByteRuns()) return ids_.size();
  // Walk back over byte tokens and ids that decode to nothing (skipped specials, unknown ids): a
  // byte run continues across those.
  size_t end = ids_.size();
  bool saw_byte = false;
  while (end > prefix_offset_) {
    int32_t id = ids_[end - 1];
    std::optional<std::string> token = impl.DecodeToken(id);
    bool invisible = !token || (skip_special_tokens_ && impl.added.IsSpecialToken(*token));
    if (!invisible && !IsByteToken(*token)) break;
    saw_byte |= !invisible;
    --end;
  }
  return saw_byte ? end : ids_.size();
}

size_t StreamingDecoder::StableLength(const std::string& raw) const {
  size_t len = raw.size();
  while (len >= kReplacementChar.size() &&
         raw.compare(len - kReplacementChar.size(), kReplacementChar.size(), kReplacementChar) == 0) {
    len -= kReplacementChar.size();
  }
  if (tokenizer_.config().clean_up_tokenization_spaces) {
    // Cut before the first space of the cluster that reaches the end: spaces within kCleanupReach of
    // each other (or of the end) may still be kept or deleted.
    size_t cut = len;
    size_t reach_from = len;
    for (size_t i = len; i > 0;) {
      --i;
      if (reach_from - i > kCleanupReach) break;
      if (raw[i] == ' ') {
        cut = i;
        reach_from = i;
      }
    }
    len = cut;
  }
  return len;
}

std::string StreamingDecoder::Add(int32_t id) {
  const Tokenizer::Impl& impl = tokenizer_.impl();
  const bool cleanup = tokenizer_.config().clean_up_tokenization_spaces;
  ids_.push_back(id);
  size_t stable_end = StableEnd();
  read_offset_ = stable_end;
  std::string raw = impl.DecodeIds(
      absl::Span<const int32_t>(ids_.data() + prefix_offset_, stable_end - prefix_offset_), skip_special_tokens_);
  size_t stable = StableLength(raw);
  bool all_stable = stable_end == ids_.size() && stable == raw.size();
  raw.resize(stable);
  std::string text = cleanup ? CleanUpTokenization(std::move(raw)) : std::move(raw);
  std::string delta;
  if (text.size() > window_text_.size() && text.compare(0, window_text_.size(), window_text_) == 0) {
    delta = text.substr(window_text_.size());
    window_text_ = std::move(text);
  }
  // Rebase the window once everything in it is final. It must start with a few ids that decode to
  // something (skipped specials do not count): first-token rules then fall on text already accounted
  // for, never on a new id.
  if (all_stable && ids_.size() - prefix_offset_ > kMaxWindow) {
    size_t start = ids_.size(), visible = 0;
    while (start > prefix_offset_ && visible < kRebaseKeep) {
      --start;
      std::optional<std::string> token = impl.DecodeToken(ids_[start]);
      if (token && !(skip_special_tokens_ && impl.added.IsSpecialToken(*token))) ++visible;
    }
    if (visible == kRebaseKeep && start > prefix_offset_) {
      prefix_offset_ = start;
      window_text_ = tokenizer_.Decode(
          absl::Span<const int32_t>(ids_.data() + prefix_offset_, ids_.size() - prefix_offset_), skip_special_tokens_);
    }
  }
  return delta;
}

std::string StreamingDecoder::Finish() {
  std::string text = tokenizer_.Decode(
      absl::Span<const int32_t>(ids_.data() + prefix_offset_, ids_.size() - prefix_offset_), skip_special_tokens_);
  read_offset_ = ids_.size();
  // Everything emitted so far is a prefix of the final text; emit the rest.
  size_t common = 0;
  size_t limit = std::min(text.size(), window_text_.size());
  while (common < limit && text[common] == window_text_[common]) ++common;
  std::string delta = text.substr(common);
  window_text_ = text;
  return delta;
}

}  // namespace basalt::tokenizer
