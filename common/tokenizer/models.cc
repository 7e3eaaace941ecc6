#include "common/tokenizer/models.h"

#include "absl/strings/str_cat.h"
#include "common/json/json.h"
#include "common/tokenizer/json_fields.h"
#include "common/tokenizer/string_view_compat.h"

namespace basalt::tokenizer {

void Vocab::Insert(std::string token, int32_t id) {
  if (id < 0) return;
  auto [it, inserted] = ids_.try_emplace(token, id);
  if (!inserted) {
    // The old id keeps no token unless another entry names it.
    if (it->second != id && static_cast<size_t>(it->second) < tokens_.size() &&
        tokens_[it->second] == token) {
      present_[it->second] = false;
    }
    it->second = id;
  }
  if (static_cast<size_t>(id) >= tokens_.size()) {
    tokens_.resize(static_cast<size_t>(id) + 1);
    present_.resize(static_cast<size_t>(id) + 1, false);
  }
  tokens_[id] = std::move(token);
  present_[id] = true;
}

absl::StatusOr<Vocab> ParseVocabObject(const rapidjson::Value& json, std::string_view component) {
  if (!json.IsObject()) return absl::InvalidArgumentError(absl::StrCat(Av(component), ": 'vocab' must be an object"));
  Vocab vocab;
  for (const auto& member : json.GetObject()) {
    if (!member.value.IsUint() || member.value.GetUint() > 0x7FFFFFFFu) {
      return absl::InvalidArgumentError(
          absl::StrCat(Av(component), ": vocab id of \"", member.name.GetString(), "\" must be a non-negative integer"));
    }
    vocab.Insert(std::string(member.name.GetString(), member.name.GetStringLength()),
                 static_cast<int32_t>(member.value.GetUint()));
  }
  return vocab;
}

absl::StatusOr<std::unique_ptr<Model>> MakeModel(const rapidjson::Value& json) {
  if (!json.IsObject()) return absl::InvalidArgumentError("'model' must be an object");
  std::string type = TypeOf(json);
  if (type == "BPE") return MakeBpeModel(json);
  if (type == "Unigram") return MakeUnigramModel(json);
  if (type == "WordPiece") return MakeWordPieceModel(json);
  if (type == "WordLevel") return MakeWordLevelModel(json);
  if (!type.empty()) return absl::InvalidArgumentError(absl::StrCat("unsupported model type \"", type, "\""));
  // Files from before "type" existed: guess as the Rust crate's untagged deserializer does.
  const rapidjson::Value* vocab = json::Find(json, "vocab");
  if (vocab != nullptr && vocab->IsArray()) return MakeUnigramModel(json);
  if (json::Find(json, "merges") != nullptr) return MakeBpeModel(json);
  if (json::Find(json, "continuing_subword_prefix") != nullptr &&
      json::Find(json, "max_input_chars_per_word") != nullptr) {
    return MakeWordPieceModel(json);
  }
  return MakeWordLevelModel(json);
}

}  // namespace basalt::tokenizer
