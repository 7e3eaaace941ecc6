// Byte-pair encoding, as the Rust crate's models/bpe: characters (with continuing-subword prefix
// and end-of-word suffix), byte fallback and unknown-token fusing, then the merges applied lowest
// rank first (leftmost on ties) through a priority queue. Results are cached per piece.
#include <array>
#include <queue>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "common/json/json.h"
#include "common/status/status_macros.h"
#include "common/tokenizer/json_fields.h"
#include "common/tokenizer/models.h"
#include "common/tokenizer/unicode.h"
#include "common/tokenizer/string_view_compat.h"

namespace basalt::tokenizer {
namespace {

struct Symbol {
  int32_t id;
  int32_t prev;
  int32_t next;
  uint32_t len;  // bytes of the piece it covers; 0 once merged into its left neighbour
};

struct MergeEntry {
  uint32_t rank;
  int32_t new_id;
};

inline uint64_t PairKey(int32_t a, int32_t b) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
}

// A piece's result: (id, byte length) per token.
using Word = std::vector<std::pair<int32_t, uint32_t>>;

// Token values stay empty: Encode reports each id's vocabulary string itself.
void AppendWord(const Word& word, uint32_t offset, std::vector<Token>& out) {
  uint32_t pos = offset;
  for (const auto& [id, len] : word) {
    out.push_back(Token{id, std::string(), {pos, pos + len}});
    pos += len;
  }
}

// Thread-safe memo of piece -> word. Bounded; once full it stops growing, like the Rust cache.
class WordCache {
 public:
  // Appends the cached tokens of `key` (offsets from `offset`); false when not cached.
  bool Append(std::string_view key, uint32_t offset, std::vector<Token>& out) const {
    if (key.size() >= kMaxKeyLength) return false;
    const Shard& shard = shards_[Hash(key)];
    absl::ReaderMutexLock lock(&shard.mutex);
    auto it = shard.map.find(Av(key));
    if (it == shard.map.end()) return false;
    AppendWord(it->second, offset, out);
    return true;
  }
  void Insert(std::string_view key, const Word& word) {
    if (key.size() >= kMaxKeyLength) return;
    Shard& shard = shards_[Hash(key)];
    absl::MutexLock lock(&shard.mutex);
    if (shard.map.size() >= kShardCapacity) return;
    shard.map.try_emplace(std::string(key), word);
  }

 private:
  static constexpr size_t kShards = 16;
  static constexpr size_t kShardCapacity = 8192;
  static constexpr size_t kMaxKeyLength = 256;
  struct Shard {
    mutable absl::Mutex mutex;
    absl::flat_hash_map<std::string, Word> map;
  };
  static size_t Hash(std::string_view key) { return absl::Hash<absl::string_view>()(Av(key)) % kShards; }
  std::array<Shard, kShards> shards_;
};

class BpeModel : public Model {
 public:
  absl::Status Init(const rapidjson::Value& json);

  absl::Status Tokenize(std::string_view piece, std::vector<Token>& out) const override {
    if (piece.empty()) return absl::OkStatus();
    // The cache holds whole-piece results, ignore_merges included.
    if (cache_.Append(piece, 0, out)) return absl::OkStatus();
    if (ignore_merges_) {
      if (auto id = vocab_.Find(piece)) {
        Word word{{*id, static_cast<uint32_t>(piece.size())}};
        cache_.Insert(piece, word);
        AppendWord(word, 0, out);
        return absl::OkStatus();
      }
    }
    if (piece.size() <= kLongPiece || continuing_subword_prefix_ || end_of_word_suffix_) {
      Word word;
      BASALT_RETURN_IF_ERROR(MergeWord(piece, word));
      cache_.Insert(piece, word);
      AppendWord(word, 0, out);
      return absl::OkStatus();
    }
    // A long piece (no pre-tokenizer, e.g. Llama-2) is cut where no vocabulary token can span the
    // cut: merges never cross it, so the segments merge exactly as the whole piece would.
    size_t start = 0;
    uint32_t pos = 0;  // offsets run on over the segments, skipped characters included as the crate counts them
    char32_t prev = 0;
    bool prev_known = false;
    for (size_t i = 0; i < piece.size();) {
      size_t at = i;
      char32_t c = NextCodePoint(piece, i);
      bool known = vocab_.Find(piece.substr(at, i - at)).has_value();
      if (at > start && prev_known && known &&
          !joined_pairs_.contains(PairKey(static_cast<int32_t>(prev), static_cast<int32_t>(c)))) {
        BASALT_RETURN_IF_ERROR(TokenizeSegment(piece.substr(start, at - start), pos, out));
        start = at;
      }
      prev = c;
      prev_known = known;
    }
    return TokenizeSegment(piece.substr(start), pos, out);
  }

  std::optional<int32_t> TokenToId(std::string_view token) const override { return vocab_.Find(token); }
  const std::string* IdToToken(int32_t id) const override { return vocab_.Token(id); }
  size_t VocabSize() const override { return vocab_.size(); }
  size_t IdLimit() const override { return vocab_.id_limit(); }

 private:
  static constexpr size_t kLongPiece = 256;

  // A segment of a long piece: merged on its own (ignore_merges concerns whole pieces only, so a
  // segment that is itself a vocabulary entry must not use the whole-piece cache).
  absl::Status TokenizeSegment(std::string_view segment, uint32_t& pos, std::vector<Token>& out) const {
    size_t first = out.size();
    bool cacheable = !ignore_merges_ || !vocab_.Find(segment).has_value();
    if (!cacheable || !cache_.Append(segment, pos, out)) {
      Word word;
      BASALT_RETURN_IF_ERROR(MergeWord(segment, word));
      if (cacheable) cache_.Insert(segment, word);
      AppendWord(word, pos, out);
    }
    if (out.size() > first) pos = out.back().offsets.second;
    return absl::OkStatus();
  }

  absl::Status MergeWord(std::string_view piece, Word& word) const;
  void MergeAll(std::vector<Symbol>& symbols) const;
  const MergeEntry* FindMerge(int32_t a, int32_t b) const {
    auto it = merges_.find(PairKey(a, b));
    return it == merges_.end() ? nullptr : &it->second;
  }

  Vocab vocab_;
  absl::flat_hash_map<uint64_t, MergeEntry> merges_;
  std::optional<std::string> unk_token_;
  std::optional<std::string> continuing_subword_prefix_;
  std::optional<std::string> end_of_word_suffix_;
  bool fuse_unk_ = false;
  bool byte_fallback_ = false;
  bool ignore_merges_ = false;
  std::array<int32_t, 256> byte_ids_{};  // id of "<0xAB>" per byte, -1 when absent
  // Code point pairs (a, b) with "ab" inside some vocabulary token: only there can merges join.
  absl::flat_hash_set<uint64_t> joined_pairs_;
  mutable WordCache cache_;
};

absl::Status BpeModel::MergeWord(std::string_view piece, Word& word) const {
  std::vector<Symbol> symbols;
  symbols.reserve(piece.size());
  auto add = [&](int32_t id, uint32_t len) {
    int32_t index = static_cast<int32_t>(symbols.size());
    if (!symbols.empty()) symbols.back().next = index;
    symbols.push_back(Symbol{id, index - 1, -1, len});
  };
  // A pending unknown token (kept in plain fields: GCC 12 misreads an optional<pair> here).
  bool has_unk = false;
  int32_t unk_id_pending = 0;
  uint32_t unk_len = 0;
  std::string buffer;
  for (size_t i = 0; i < piece.size();) {
    size_t start = i;
    NextCodePoint(piece, i);
    bool is_first = start == 0, is_last = i == piece.size();
    uint32_t byte_len = static_cast<uint32_t>(i - start);
    std::string_view s = piece.substr(start, byte_len);
    if ((!is_first && continuing_subword_prefix_) || (is_last && end_of_word_suffix_)) {
      buffer.clear();
      if (!is_first && continuing_subword_prefix_) buffer.append(*continuing_subword_prefix_);
      buffer.append(s);
      if (is_last && end_of_word_suffix_) buffer.append(*end_of_word_suffix_);
      s = buffer;
    }
    if (auto id = vocab_.Find(s)) {
      if (has_unk) {
        add(unk_id_pending, unk_len);
        has_unk = false;
      }
      add(*id, byte_len);
      continue;
    }
    if (byte_fallback_) {
      bool all = true;
      for (unsigned char b : s) all &= byte_ids_[b] >= 0;
      if (all) {
        // The Rust crate does not flush a pending unknown token first; neither do we.
        for (unsigned char b : s) add(byte_ids_[b], 1);
        continue;
      }
    }
    if (unk_token_) {
      auto unk_id = vocab_.Find(*unk_token_);
      if (!unk_id) {
        return absl::InvalidArgumentError(absl::StrCat("BPE: unk_token \"", *unk_token_, "\" is not in the vocabulary"));
      }
      if (has_unk && fuse_unk_) {
        unk_len += byte_len;
      } else {
        if (has_unk) add(unk_id_pending, unk_len);
        has_unk = true;
        unk_id_pending = *unk_id;
        unk_len = byte_len;
      }
    }
  }
  if (has_unk) add(unk_id_pending, unk_len);
  MergeAll(symbols);
  word.clear();
  for (const Symbol& s : symbols) {
    if (s.len != 0) word.emplace_back(s.id, s.len);
  }
  return absl::OkStatus();
}

void BpeModel::MergeAll(std::vector<Symbol>& symbols) const {
  struct Candidate {
    uint32_t rank;
    int32_t pos;
    int32_t new_id;
    bool operator>(const Candidate& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
  };
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<Candidate>> queue;
  for (size_t i = 0; i + 1 < symbols.size(); ++i) {
    if (const MergeEntry* m = FindMerge(symbols[i].id, symbols[i + 1].id)) {
      queue.push(Candidate{m->rank, static_cast<int32_t>(i), m->new_id});
    }
  }
  while (!queue.empty()) {
    Candidate top = queue.top();
    queue.pop();
    Symbol& left = symbols[top.pos];
    if (left.len == 0 || left.next == -1) continue;
    int32_t next_pos = left.next;
    Symbol right = symbols[next_pos];
    const MergeEntry* current = FindMerge(left.id, right.id);
    if (current == nullptr || current->new_id != top.new_id) continue;  // stale entry
    left.id = top.new_id;
    left.len += right.len;
    left.next = right.next;
    symbols[next_pos].len = 0;
    if (right.next >= 0 && static_cast<size_t>(right.next) < symbols.size()) symbols[right.next].prev = top.pos;
    if (left.prev >= 0) {
      if (const MergeEntry* m = FindMerge(symbols[left.prev].id, left.id)) {
        queue.push(Candidate{m->rank, left.prev, m->new_id});
      }
    }
    if (left.next >= 0 && static_cast<size_t>(left.next) < symbols.size()) {
      if (const MergeEntry* m = FindMerge(left.id, symbols[left.next].id)) {
        queue.push(Candidate{m->rank, top.pos, m->new_id});
      }
    }
  }
}

absl::StatusOr<std::optional<std::string>> OptionalString(const rapidjson::Value& json, std::string_view key) {
  auto v = json::GetString(json, key);
  if (!v.ok()) return absl::InvalidArgumentError(absl::StrCat("BPE: ", v.status().message()));
  return *v;
}

absl::Status BpeModel::Init(const rapidjson::Value& json) {
  const rapidjson::Value* vocab = json::Find(json, "vocab");
  if (vocab == nullptr) return absl::InvalidArgumentError("BPE: missing 'vocab'");
  BASALT_ASSIGN_OR_RETURN(vocab_, ParseVocabObject(*vocab, "BPE"));
  BASALT_ASSIGN_OR_RETURN(unk_token_, OptionalString(json, "unk_token"));
  BASALT_ASSIGN_OR_RETURN(continuing_subword_prefix_, OptionalString(json, "continuing_subword_prefix"));
  BASALT_ASSIGN_OR_RETURN(end_of_word_suffix_, OptionalString(json, "end_of_word_suffix"));
  BASALT_ASSIGN_OR_RETURN(fuse_unk_, Field<bool>(json, "fuse_unk", false, "BPE"));
  BASALT_ASSIGN_OR_RETURN(byte_fallback_, Field<bool>(json, "byte_fallback", false, "BPE"));
  BASALT_ASSIGN_OR_RETURN(ignore_merges_, Field<bool>(json, "ignore_merges", false, "BPE"));
  // "dropout" only matters for training-time sampling; inference ignores it.

  for (int b = 0; b < 256; ++b) {
    byte_ids_[b] = vocab_.Find(absl::StrFormat("<0x%02X>", b)).value_or(-1);
  }
  for (int32_t id = 0; static_cast<size_t>(id) < vocab_.id_limit(); ++id) {
    const std::string* token = vocab_.Token(id);
    if (token == nullptr || !IsValidUtf8(*token)) continue;
    char32_t prev = 0;
    for (size_t i = 0; i < token->size();) {
      size_t at = i;
      char32_t c = NextCodePoint(*token, i);
      if (at > 0) joined_pairs_.insert(PairKey(static_cast<int32_t>(prev), static_cast<int32_t>(c)));
      prev = c;
    }
  }

  const rapidjson::Value* merges = json::Find(json, "merges");
  if (merges == nullptr || !merges->IsArray()) return absl::InvalidArgumentError("BPE: 'merges' must be an array");
  size_t prefix_len = continuing_subword_prefix_ ? continuing_subword_prefix_->size() : 0;
  merges_.reserve(merges->Size());
  uint32_t rank = 0;
  std::string merged;
  for (const rapidjson::Value& m : merges->GetArray()) {
    std::string_view a, b;
    if (m.IsString()) {
      std::string_view line(m.GetString(), m.GetStringLength());
      if (line.rfind("#version", 0) == 0) continue;
      size_t space = line.find(' ');
      if (space == std::string_view::npos || line.find(' ', space + 1) != std::string_view::npos) {
        return absl::InvalidArgumentError(absl::StrCat("BPE: merge ", rank + 1, " (\"", Av(line), "\") is not \"a b\""));
      }
      a = line.substr(0, space);
      b = line.substr(space + 1);
    } else if (m.IsArray() && m.Size() == 2 && m[0].IsString() && m[1].IsString()) {
      a = std::string_view(m[0].GetString(), m[0].GetStringLength());
      b = std::string_view(m[1].GetString(), m[1].GetStringLength());
    } else {
      return absl::InvalidArgumentError(absl::StrCat("BPE: merge ", rank + 1, " must be \"a b\" or [a, b]"));
    }
    auto a_id = vocab_.Find(a);
    auto b_id = vocab_.Find(b);
    if (!a_id || !b_id || b.size() < prefix_len) {
      return absl::InvalidArgumentError(
          absl::StrCat("BPE: merge ", rank + 1, " uses a token that is not in the vocabulary: \"", Av(a), " ", Av(b), "\""));
    }
    merged.assign(a);
    merged.append(b.substr(prefix_len));
    auto new_id = vocab_.Find(merged);
    if (!new_id) {
      return absl::InvalidArgumentError(
          absl::StrCat("BPE: the result of merge ", rank + 1, " (\"", merged, "\") is not in the vocabulary"));
    }
    // A repeated pair keeps its last rank, as the Rust HashMap collect does.
    merges_[PairKey(*a_id, *b_id)] = MergeEntry{rank, *new_id};
    ++rank;
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<Model>> MakeBpeModel(const rapidjson::Value& json) { return InitModel<BpeModel>(json); }

}  // namespace basalt::tokenizer
