#pragma once
// Models of tokenizer.json ("model"): BPE, Unigram, WordPiece, WordLevel. A model turns one
// pre-tokenized piece into tokens and owns the base vocabulary.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "common/tokenizer/string_view_compat.h"
#include "common/tokenizer/pre_tokenized_string.h"
#include "rapidjson/document.h"

namespace basalt::tokenizer {

class Model {
 public:
  virtual ~Model() = default;
  // Appends the tokens of `piece` (offsets are byte offsets into it).
  virtual absl::Status Tokenize(std::string_view piece, std::vector<Token>& out) const = 0;
  virtual std::optional<int32_t> TokenToId(std::string_view token) const = 0;
  virtual const std::string* IdToToken(int32_t id) const = 0;
  // Number of entries in the vocabulary (the Rust get_vocab_size()).
  virtual size_t VocabSize() const = 0;
  // Largest id + 1.
  virtual size_t IdLimit() const = 0;
};

// A string -> id vocabulary with its reverse, shared by the models.
class Vocab {
 public:
  // Inserts (token, id); a later entry for the same token wins, as with a Rust HashMap.
  void Insert(std::string token, int32_t id);
  std::optional<int32_t> Find(std::string_view token) const {
    auto it = ids_.find(Av(token));
    if (it == ids_.end()) return std::nullopt;
    return it->second;
  }
  const std::string* Token(int32_t id) const {
    if (id < 0 || static_cast<size_t>(id) >= tokens_.size() || !present_[id]) return nullptr;
    return &tokens_[id];
  }
  size_t size() const { return ids_.size(); }
  size_t id_limit() const { return tokens_.size(); }

 private:
  absl::flat_hash_map<std::string, int32_t> ids_;
  std::vector<std::string> tokens_;
  std::vector<bool> present_;
};

// Reads a {"token": id, ...} object.
absl::StatusOr<Vocab> ParseVocabObject(const rapidjson::Value& json, std::string_view component);

// Builds a model of type M, which has `absl::Status Init(const rapidjson::Value&)`.
template <typename M>
absl::StatusOr<std::unique_ptr<Model>> InitModel(const rapidjson::Value& json) {
  auto model = std::make_unique<M>();
  absl::Status status = model->Init(json);
  if (!status.ok()) return status;
  return std::unique_ptr<Model>(std::move(model));
}

absl::StatusOr<std::unique_ptr<Model>> MakeBpeModel(const rapidjson::Value& json);
absl::StatusOr<std::unique_ptr<Model>> MakeUnigramModel(const rapidjson::Value& json);
absl::StatusOr<std::unique_ptr<Model>> MakeWordPieceModel(const rapidjson::Value& json);
absl::StatusOr<std::unique_ptr<Model>> MakeWordLevelModel(const rapidjson::Value& json);

// Builds the model from tokenizer.json's "model" (with or without its "type").
absl::StatusOr<std::unique_ptr<Model>> MakeModel(const rapidjson::Value& json);

}  // namespace basalt::tokenizer
