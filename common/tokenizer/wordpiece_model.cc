// WordPiece (BERT): greedy longest-match-first over the piece, continuation pieces prefixed with
// "##"; a piece with any unmatchable part, or longer than max_input_chars_per_word, is one [UNK].
#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "common/tokenizer/json_fields.h"
#include "common/tokenizer/models.h"
#include "common/tokenizer/unicode.h"

namespace basalt::tokenizer {
namespace {

class WordPieceModel : public Model {
 public:
  absl::Status Init(const rapidjson::Value& json) {
    const rapidjson::Value* vocab = json::Find(json, "vocab");
    if (vocab == nullptr) return absl::InvalidArgumentError("WordPiece: missing 'vocab'");
    BASALT_ASSIGN_OR_RETURN(vocab_, ParseVocabObject(*vocab, "WordPiece"));
    BASALT_ASSIGN_OR_RETURN(unk_token_, Field<std::string>(json, "unk_token", "[UNK]", "WordPiece"));
    BASALT_ASSIGN_OR_RETURN(prefix_, Field<std::string>(json, "continuing_subword_prefix", "##", "WordPiece"));
    BASALT_ASSIGN_OR_RETURN(int64_t max_chars, Field<int64_t>(json, "max_input_chars_per_word", 100, "WordPiece"));
    max_input_chars_per_word_ = max_chars < 0 ? 0 : static_cast<size_t>(max_chars);
    return absl::OkStatus();
  }

  absl::Status Tokenize(std::string_view piece, std::vector<Token>& out) const override {
    uint32_t size = static_cast<uint32_t>(piece.size());
    if (CountCodePoints(piece) > max_input_chars_per_word_) return Unknown(size, out);
    size_t first = out.size();
    std::string candidate;
    size_t start = 0;
    while (start < piece.size()) {
      size_t end = piece.size();
      bool found = false;
      while (start < end) {
        candidate.clear();
        if (start > 0) candidate.append(prefix_);
        candidate.append(piece.substr(start, end - start));
        if (auto id = vocab_.Find(candidate)) {
          out.push_back(Token{*id, candidate, {static_cast<uint32_t>(start), static_cast<uint32_t>(end)}});
          found = true;
          break;
        }
        // Drop the last character of the candidate (which, for an all-prefix candidate, may be a
        // prefix character rather than one of the piece).
        size_t last = candidate.size() - 1;
        while (last > 0 && (static_cast<unsigned char>(candidate[last]) & 0xC0) == 0x80) --last;
        size_t step = candidate.size() - last;
        end = end >= start + step ? end - step : start;
      }
      if (!found) {
        out.resize(first);
        return Unknown(size, out);
      }
      start = end;
    }
    return absl::OkStatus();
  }

  std::optional<int32_t> TokenToId(std::string_view token) const override { return vocab_.Find(token); }
  const std::string* IdToToken(int32_t id) const override { return vocab_.Token(id); }
  size_t VocabSize() const override { return vocab_.size(); }
  size_t IdLimit() const override { return vocab_.id_limit(); }

 private:
  absl::Status Unknown(uint32_t size, std::vector<Token>& out) const {
    auto id = vocab_.Find(unk_token_);
    if (!id) return absl::InvalidArgumentError(absl::StrCat("WordPiece: unk_token \"", unk_token_, "\" is not in the vocabulary"));
    out.push_back(Token{*id, unk_token_, {0, size}});
    return absl::OkStatus();
  }

  Vocab vocab_;
  std::string unk_token_;
  std::string prefix_;
  size_t max_input_chars_per_word_ = 100;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Model>> MakeWordPieceModel(const rapidjson::Value& json) { return InitModel<WordPieceModel>(json); }

}  // namespace basalt::tokenizer
