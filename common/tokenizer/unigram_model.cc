// Unigram language model (SentencePiece), as the Rust crate's models/unigram: a best-path Viterbi
// over every vocabulary entry that prefixes each position, with an unknown-token node (min score
// - 10) where no single character matches; unknown runs are fused, then byte fallback applies.
#include <limits>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/json/json.h"
#include "common/status/status_macros.h"
#include "common/tokenizer/json_fields.h"
#include "common/tokenizer/models.h"
#include "common/tokenizer/unicode.h"

namespace basalt::tokenizer {
namespace {

constexpr double kUnkPenalty = 10.0;

// A byte trie over the vocabulary: (node << 8 | byte) -> child, and node -> token id.
class ByteTrie {
 public:
  void Insert(std::string_view key, int32_t id) {
    uint32_t node = 0;
    for (unsigned char c : key) {
      auto [it, inserted] = children_.try_emplace(Edge(node, c), next_node_);
      if (inserted) ++next_node_;
      node = it->second;
    }
    if (!key.empty()) leaf_[node] = id;  // the crate's search never reports the empty key
  }
  // Calls fn(length, id) for every key that prefixes `text`, shortest first.
  template <typename Fn>
  void CommonPrefixSearch(std::string_view text, Fn&& fn) const {
    uint32_t node = 0;
    for (size_t i = 0; i < text.size(); ++i) {
      auto it = children_.find(Edge(node, static_cast<unsigned char>(text[i])));
      if (it == children_.end()) return;
      node = it->second;
      auto leaf = leaf_.find(node);
      if (leaf != leaf_.end()) fn(i + 1, leaf->second);
    }
  }

 private:
  static uint64_t Edge(uint32_t node, unsigned char c) { return (static_cast<uint64_t>(node) << 8) | c; }
  absl::flat_hash_map<uint64_t, uint32_t> children_;
  absl::flat_hash_map<uint32_t, int32_t> leaf_;
  uint32_t next_node_ = 1;
};

class UnigramModel : public Model {
 public:
  absl::Status Init(const rapidjson::Value& json);

  absl::Status Tokenize(std::string_view piece, std::vector<Token>& out) const override {
    if (piece.empty()) return absl::OkStatus();
    std::vector<std::pair<size_t, size_t>> pieces;
    BASALT_RETURN_IF_ERROR(Encode(piece, pieces));
    uint32_t offset = 0;
    for (const auto& [start, end] : pieces) {
      std::string_view text = piece.substr(start, end - start);
      uint32_t len = static_cast<uint32_t>(text.size());
      auto id = vocab_.Find(text);
      if (!id && byte_fallback_) {
        bool all = true;
        for (unsigned char b : text) all &= byte_ids_[b] >= 0;
        if (all) {
          for (unsigned char b : text) {
            out.push_back(Token{byte_ids_[b], pieces_[byte_ids_[b]], {offset, offset + len}});
          }
          offset += len;
          continue;
        }
      }
      if (!id) {
        if (!unk_id_) return absl::InvalidArgumentError("Unigram: unknown token and no unk_id");
        id = *unk_id_;
      }
      out.push_back(Token{*id, std::string(text), {offset, offset + len}});
      offset += len;
    }
    return absl::OkStatus();
  }

  std::optional<int32_t> TokenToId(std::string_view token) const override { return vocab_.Find(token); }
  const std::string* IdToToken(int32_t id) const override {
    return id >= 0 && static_cast<size_t>(id) < pieces_.size() ? &pieces_[id] : nullptr;
  }
  size_t VocabSize() const override { return scores_.size(); }
  size_t IdLimit() const override { return scores_.size(); }

 private:
  // Best segmentation of `text` as byte ranges (unknown runs fused), the crate's encode_optimized.
  absl::Status Encode(std::string_view text, std::vector<std::pair<size_t, size_t>>& out) const;

  Vocab vocab_;                     // piece -> id (a repeated piece maps to its last id)
  std::vector<std::string> pieces_;  // id -> piece
  std::vector<double> scores_;
  ByteTrie trie_;
  std::optional<int32_t> unk_id_;
  double min_score_ = std::numeric_limits<double>::infinity();
  bool byte_fallback_ = false;
  std::array<int32_t, 256> byte_ids_{};
};

absl::Status UnigramModel::Encode(std::string_view text, std::vector<std::pair<size_t, size_t>>& out) const {
  struct Node {
    int32_t id = 0;
    double score = 0.0;
    int64_t starts_at = -1;
  };
  const double unk_score = min_score_ - kUnkPenalty;
  std::vector<Node> best(text.size() + 1);
  for (size_t start = 0; start < text.size();) {
    double till_here = best[start].score;
    size_t mblen = Utf8SequenceLength(static_cast<unsigned char>(text[start]));
    bool has_single = false;
    trie_.CommonPrefixSearch(text.substr(start), [&](size_t length, int32_t id) {
      Node& target = best[start + length];
      double candidate = scores_[id] + till_here;
      if (target.starts_at < 0 || candidate > target.score) {
        target.score = candidate;
        target.starts_at = static_cast<int64_t>(start);
        target.id = id;
      }
      if (length == mblen) has_single = true;
    });
    if (!has_single) {
      if (!unk_id_) return absl::InvalidArgumentError("Unigram: unknown character and no unk_id");
      Node& target = best[start + mblen];
      double candidate = unk_score + till_here;
      if (target.starts_at < 0 || candidate > target.score) {
        target.score = candidate;
        target.starts_at = static_cast<int64_t>(start);
        target.id = *unk_id_;
      }
    }
    start += mblen;
  }
  // Walk back; consecutive unknown nodes become one piece.
  std::vector<std::pair<size_t, size_t>> reversed;
  size_t end = text.size();
  bool in_unk = false;
  while (end > 0) {
    const Node& node = best[end];
    size_t start = static_cast<size_t>(node.starts_at);
    bool is_unk = unk_id_ && node.id == *unk_id_;
    if (is_unk && in_unk) {
      reversed.back().first = start;
    } else {
      reversed.emplace_back(start, end);
    }
    in_unk = is_unk;
    end = start;
  }
  out.assign(reversed.rbegin(), reversed.rend());
  return absl::OkStatus();
}

absl::Status UnigramModel::Init(const rapidjson::Value& json) {
  const rapidjson::Value* vocab = json::Find(json, "vocab");
  if (vocab == nullptr || !vocab->IsArray()) {
    return absl::InvalidArgumentError("Unigram: 'vocab' must be an array of [piece, score]");
  }
  scores_.reserve(vocab->Size());
  int32_t id = 0;
  for (const rapidjson::Value& entry : vocab->GetArray()) {
    if (!entry.IsArray() || entry.Size() != 2 || !entry[0].IsString() || !entry[1].IsNumber()) {
      return absl::InvalidArgumentError(absl::StrCat("Unigram: vocab entry ", id, " must be [piece, score]"));
    }
    std::string piece(entry[0].GetString(), entry[0].GetStringLength());
    double score = entry[1].GetDouble();
    trie_.Insert(piece, id);
    vocab_.Insert(piece, id);
    pieces_.push_back(std::move(piece));
    scores_.push_back(score);
    if (score < min_score_) min_score_ = score;
    ++id;
  }
  const rapidjson::Value* unk = json::Find(json, "unk_id");
  if (unk != nullptr && !unk->IsNull()) {
    if (!unk->IsUint()) return absl::InvalidArgumentError("Unigram: 'unk_id' must be a non-negative integer");
    if (scores_.empty()) return absl::InvalidArgumentError("Unigram: the vocabulary is empty but unk_id is set");
    if (unk->GetUint() >= scores_.size()) return absl::InvalidArgumentError("Unigram: 'unk_id' is out of the vocabulary");
    unk_id_ = static_cast<int32_t>(unk->GetUint());
  }
  BASALT_ASSIGN_OR_RETURN(byte_fallback_, Field<bool>(json, "byte_fallback", false, "Unigram"));
  for (int b = 0; b < 256; ++b) byte_ids_[b] = vocab_.Find(absl::StrFormat("<0x%02X>", b)).value_or(-1);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<Model>> MakeUnigramModel(const rapidjson::Value& json) { return InitModel<UnigramModel>(json); }

}  // namespace basalt::tokenizer
