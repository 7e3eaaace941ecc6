// WordLevel: each piece is one vocabulary entry, or the unknown token.
#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "common/tokenizer/json_fields.h"
#include "common/tokenizer/models.h"

namespace basalt::tokenizer {
namespace {

class WordLevelModel : public Model {
 public:
  absl::Status Init(const rapidjson::Value& json) {
    const rapidjson::Value* vocab = json::Find(json, "vocab");
    if (vocab == nullptr) return absl::InvalidArgumentError("WordLevel: missing 'vocab'");
    BASALT_ASSIGN_OR_RETURN(vocab_, ParseVocabObject(*vocab, "WordLevel"));
    BASALT_ASSIGN_OR_RETURN(unk_token_, Field<std::string>(json, "unk_token", "<unk>", "WordLevel"));
    return absl::OkStatus();
  }

  absl::Status Tokenize(std::string_view piece, std::vector<Token>& out) const override {
    uint32_t size = static_cast<uint32_t>(piece.size());
    if (auto id = vocab_.Find(piece)) {
      out.push_back(Token{*id, std::string(piece), {0, size}});
      return absl::OkStatus();
    }
    auto unk = vocab_.Find(unk_token_);
    if (!unk) return absl::InvalidArgumentError(absl::StrCat("WordLevel: unk_token \"", unk_token_, "\" is not in the vocabulary"));
    out.push_back(Token{*unk, unk_token_, {0, size}});
    return absl::OkStatus();
  }

  std::optional<int32_t> TokenToId(std::string_view token) const override { return vocab_.Find(token); }
  const std::string* IdToToken(int32_t id) const override { return vocab_.Token(id); }
  size_t VocabSize() const override { return vocab_.size(); }
  size_t IdLimit() const override { return vocab_.id_limit(); }

 private:
  Vocab vocab_;
  std::string unk_token_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Model>> MakeWordLevelModel(const rapidjson::Value& json) { return InitModel<WordLevelModel>(json); }

}  // namespace basalt::tokenizer
