#include "common/tokenizer/post_processors.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/json/json.h"
#include "common/status/status_macros.h"
#include "common/tokenizer/json_fields.h"
#include "common/tokenizer/unicode.h"
#include "common/tokenizer/string_view_compat.h"

namespace basalt::tokenizer {
namespace {

// The ByteLevel offset trimming (the crate's process_offsets): leading/trailing spaces ("Ġ" or
// whitespace) of a token are left out of its offsets.
void TrimOffsets(Encoding& encoding, bool add_prefix_space) {
  const char32_t space = ByteToChar()[' '];
  for (size_t i = 0; i < encoding.tokens.size(); ++i) {
    const std::string& token = encoding.tokens[i];
    auto& offsets = encoding.offsets[i];
    std::vector<char32_t> chars;
    for (size_t k = 0; k < token.size();) chars.push_back(NextCodePoint(token, k));
    auto is_space = [&](char32_t c) { return c == space || IsWhitespace(c); };
    size_t leading = 0, trailing = 0;
    while (leading < chars.size() && is_space(chars[leading])) ++leading;
    while (trailing < chars.size() && is_space(chars[chars.size() - 1 - trailing])) ++trailing;
    if (leading > 0) {
      bool is_first = i == 0 || offsets.first == 0;
      if (is_first && add_prefix_space && leading == 1) leading = 0;
      offsets.first = std::min<uint32_t>(offsets.first + static_cast<uint32_t>(leading), offsets.second);
    }
    if (trailing > 0 && offsets.second >= trailing) {
      offsets.second = std::max<uint32_t>(offsets.second - static_cast<uint32_t>(trailing), offsets.first);
    }
  }
}

void AddSpecial(Encoding& out, int32_t id, const std::string& token) {
  out.ids.push_back(id);
  out.tokens.push_back(token);
  out.offsets.emplace_back(0, 0);
}

void Append(Encoding& out, const Encoding& in) {
  out.ids.insert(out.ids.end(), in.ids.begin(), in.ids.end());
  out.tokens.insert(out.tokens.end(), in.tokens.begin(), in.tokens.end());
  out.offsets.insert(out.offsets.end(), in.offsets.begin(), in.offsets.end());
}

class ByteLevelProcessor : public PostProcessor {
 public:
  ByteLevelProcessor(bool trim_offsets, bool add_prefix_space)
      : trim_offsets_(trim_offsets), add_prefix_space_(add_prefix_space) {}
  void Process(Encoding& encoding, bool) const override {
    if (trim_offsets_) TrimOffsets(encoding, add_prefix_space_);
  }

 private:
  bool trim_offsets_, add_prefix_space_;
};

// "[CLS] $A [SEP]" with fixed tokens (BertProcessing; RobertaProcessing also trims offsets).
class ClsSepProcessor : public PostProcessor {
 public:
  ClsSepProcessor(std::pair<std::string, int32_t> cls, std::pair<std::string, int32_t> sep, bool trim_offsets,
                  bool add_prefix_space)
      : cls_(std::move(cls)), sep_(std::move(sep)), trim_offsets_(trim_offsets), add_prefix_space_(add_prefix_space) {}
  void Process(Encoding& encoding, bool add_special_tokens) const override {
    if (trim_offsets_) TrimOffsets(encoding, add_prefix_space_);
    if (!add_special_tokens) return;
    Encoding out;
    AddSpecial(out, cls_.second, cls_.first);
    Append(out, encoding);
    AddSpecial(out, sep_.second, sep_.first);
    encoding = std::move(out);
  }

 private:
  std::pair<std::string, int32_t> cls_, sep_;
  bool trim_offsets_, add_prefix_space_;
};

struct SpecialTokenSpec {
  std::vector<int32_t> ids;
  std::vector<std::string> tokens;
};

class TemplateProcessor : public PostProcessor {
 public:
  struct Piece {
    bool is_sequence;
    std::string special;  // key into special_tokens_ when !is_sequence
  };
  TemplateProcessor(std::vector<Piece> single, absl::flat_hash_map<std::string, SpecialTokenSpec> specials)
      : single_(std::move(single)), specials_(std::move(specials)) {}

  void Process(Encoding& encoding, bool add_special_tokens) const override {
    Encoding out;
    for (const Piece& piece : single_) {
      if (piece.is_sequence) {
        Append(out, encoding);
      } else if (add_special_tokens) {
        const SpecialTokenSpec& spec = specials_.at(piece.special);
        for (size_t k = 0; k < spec.ids.size(); ++k) AddSpecial(out, spec.ids[k], spec.tokens[k]);
      }
    }
    encoding = std::move(out);
  }

 private:
  std::vector<Piece> single_;
  absl::flat_hash_map<std::string, SpecialTokenSpec> specials_;
};

class SequenceProcessor : public PostProcessor {
 public:
  explicit SequenceProcessor(std::vector<std::unique_ptr<PostProcessor>> items) : items_(std::move(items)) {}
  void Process(Encoding& encoding, bool add_special_tokens) const override {
    for (const auto& item : items_) item->Process(encoding, add_special_tokens);
  }

 private:
  std::vector<std::unique_ptr<PostProcessor>> items_;
};

absl::StatusOr<std::pair<std::string, int32_t>> TokenPair(const rapidjson::Value& json, std::string_view key,
                                                          std::pair<std::string, int32_t> fallback,
                                                          std::string_view component) {
  const rapidjson::Value* v = json::Find(json, key);
  if (v == nullptr || v->IsNull()) return fallback;
  if (!v->IsArray() || v->Size() != 2 || !(*v)[0].IsString() || !(*v)[1].IsUint()) {
    return absl::InvalidArgumentError(absl::StrCat(Av(component), ": '", Av(key), "' must be [token, id]"));
  }
  return std::make_pair(std::string((*v)[0].GetString(), (*v)[0].GetStringLength()),
                        static_cast<int32_t>((*v)[1].GetUint()));
}

// One template piece: {"Sequence": {"id": "A"}}, {"SpecialToken": {"id": "<s>"}}, or the string
// forms "$A", "$0", "$B:1", "<s>", "<s>:1".
absl::StatusOr<TemplateProcessor::Piece> ParsePiece(const rapidjson::Value& json) {
  if (json.IsString()) {
    std::string_view text(json.GetString(), json.GetStringLength());
    if (!text.empty() && text[0] == '$') {
      std::string_view rest = text.substr(1);
      rest = rest.substr(0, rest.find(':'));
      // "$B" (or a type id given with it) names the pair's second sequence, which a single input
      // never has; it contributes nothing.
      bool is_b = rest == "B";
      return TemplateProcessor::Piece{!is_b, is_b ? std::string("$B") : std::string()};
    }
    size_t colon = text.rfind(':');
    return TemplateProcessor::Piece{false, std::string(colon == std::string_view::npos ? text : text.substr(0, colon))};
  }
  if (const rapidjson::Value* seq = json::Find(json, "Sequence"); seq != nullptr) {
    const rapidjson::Value* id = json::Find(*seq, "id");
    bool is_a = id == nullptr || (id->IsString() && std::string_view(id->GetString(), id->GetStringLength()) == "A");
    return TemplateProcessor::Piece{is_a, is_a ? std::string() : std::string("$B")};
  }
  if (const rapidjson::Value* special = json::Find(json, "SpecialToken"); special != nullptr) {
    BASALT_ASSIGN_OR_RETURN(std::string id, RequiredString(*special, "id", "TemplateProcessing"));
    return TemplateProcessor::Piece{false, std::move(id)};
  }
  return absl::InvalidArgumentError("TemplateProcessing: bad template piece");
}

absl::StatusOr<std::unique_ptr<PostProcessor>> MakeTemplate(const rapidjson::Value& json) {
  absl::flat_hash_map<std::string, SpecialTokenSpec> specials;
  if (const rapidjson::Value* map = json::Find(json, "special_tokens"); map != nullptr && !map->IsNull()) {
    auto add = [&](const rapidjson::Value& entry) -> absl::Status {
      BASALT_ASSIGN_OR_RETURN(std::string id, RequiredString(entry, "id", "TemplateProcessing"));
      const rapidjson::Value* ids = json::Find(entry, "ids");
      const rapidjson::Value* tokens = json::Find(entry, "tokens");
      if (ids == nullptr || tokens == nullptr || !ids->IsArray() || !tokens->IsArray() ||
          ids->Size() != tokens->Size()) {
        return absl::InvalidArgumentError(
            absl::StrCat("TemplateProcessing: special token \"", id, "\" needs 'ids' and 'tokens' of the same length"));
      }
      SpecialTokenSpec spec;
      for (rapidjson::SizeType k = 0; k < ids->Size(); ++k) {
        if (!(*ids)[k].IsUint() || !(*tokens)[k].IsString()) {
          return absl::InvalidArgumentError("TemplateProcessing: bad special token ids/tokens");
        }
        spec.ids.push_back(static_cast<int32_t>((*ids)[k].GetUint()));
        spec.tokens.emplace_back((*tokens)[k].GetString(), (*tokens)[k].GetStringLength());
      }
      specials[id] = std::move(spec);
      return absl::OkStatus();
    };
    if (map->IsObject()) {
      for (const auto& member : map->GetObject()) BASALT_RETURN_IF_ERROR(add(member.value));
    } else if (map->IsArray()) {
      for (const rapidjson::Value& entry : map->GetArray()) BASALT_RETURN_IF_ERROR(add(entry));
    } else {
      return absl::InvalidArgumentError("TemplateProcessing: 'special_tokens' must be an object");
    }
  }
  std::vector<TemplateProcessor::Piece> single;
  const rapidjson::Value* tmpl = json::Find(json, "single");
  if (tmpl == nullptr || tmpl->IsNull()) {
    single.push_back({true, ""});
  } else if (tmpl->IsString()) {
    for (absl::string_view part : absl::StrSplit(absl::string_view(tmpl->GetString(), tmpl->GetStringLength()), ' ')) {
      rapidjson::Value v(rapidjson::StringRef(part.data(), part.size()));
      BASALT_ASSIGN_OR_RETURN(TemplateProcessor::Piece piece, ParsePiece(v));
      single.push_back(std::move(piece));
    }
  } else if (tmpl->IsArray()) {
    for (const rapidjson::Value& item : tmpl->GetArray()) {
      BASALT_ASSIGN_OR_RETURN(TemplateProcessor::Piece piece, ParsePiece(item));
      single.push_back(std::move(piece));
    }
  } else {
    return absl::InvalidArgumentError("TemplateProcessing: 'single' must be a list");
  }
  std::vector<TemplateProcessor::Piece> kept;
  for (auto& piece : single) {
    if (!piece.is_sequence && piece.special == "$B") continue;
    if (!piece.is_sequence && !specials.contains(piece.special)) {
      return absl::InvalidArgumentError(
          absl::StrCat("TemplateProcessing: missing special token \"", piece.special, "\" in special_tokens"));
    }
    kept.push_back(std::move(piece));
  }
  return std::unique_ptr<PostProcessor>(new TemplateProcessor(std::move(kept), std::move(specials)));
}

}  // namespace

absl::StatusOr<std::unique_ptr<PostProcessor>> MakePostProcessor(const rapidjson::Value& json) {
  if (!json.IsObject()) return absl::InvalidArgumentError("post_processor must be an object");
  std::string type = TypeOf(json);
  if (type == "ByteLevel") {
    BASALT_ASSIGN_OR_RETURN(bool trim, Field<bool>(json, "trim_offsets", true, type));
    BASALT_ASSIGN_OR_RETURN(bool prefix, Field<bool>(json, "add_prefix_space", true, type));
    return std::unique_ptr<PostProcessor>(new ByteLevelProcessor(trim, prefix));
  }
  if (type == "TemplateProcessing") return MakeTemplate(json);
  if (type == "BertProcessing" || type == "RobertaProcessing") {
    bool roberta = type == "RobertaProcessing";
    BASALT_ASSIGN_OR_RETURN(auto cls, TokenPair(json, "cls", roberta ? std::make_pair("<s>", 0) : std::make_pair("[CLS]", 101), type));
    BASALT_ASSIGN_OR_RETURN(auto sep, TokenPair(json, "sep", roberta ? std::make_pair("</s>", 2) : std::make_pair("[SEP]", 102), type));
    bool trim = false, prefix = true;
    if (roberta) {
      BASALT_ASSIGN_OR_RETURN(trim, Field<bool>(json, "trim_offsets", true, type));
      BASALT_ASSIGN_OR_RETURN(prefix, Field<bool>(json, "add_prefix_space", true, type));
    }
    return std::unique_ptr<PostProcessor>(new ClsSepProcessor(std::move(cls), std::move(sep), trim, prefix));
  }
  if (type == "Sequence") {
    BASALT_ASSIGN_OR_RETURN(auto items,
                            ParseList<PostProcessor>(json, "processors", "Sequence post-processor", MakePostProcessor));
    return std::unique_ptr<PostProcessor>(new SequenceProcessor(std::move(items)));
  }
  return absl::InvalidArgumentError(absl::StrCat("unsupported post_processor type \"", type, "\""));
}

std::unique_ptr<PostProcessor> MakeBosEosTemplate(std::optional<std::pair<std::string, int32_t>> bos,
                                                  std::optional<std::pair<std::string, int32_t>> eos) {
  std::vector<TemplateProcessor::Piece> single;
  absl::flat_hash_map<std::string, SpecialTokenSpec> specials;
  if (bos) {
    single.push_back({false, bos->first});
    specials[bos->first] = SpecialTokenSpec{{bos->second}, {bos->first}};
  }
  single.push_back({true, ""});
  if (eos) {
    single.push_back({false, eos->first});
    specials[eos->first] = SpecialTokenSpec{{eos->second}, {eos->first}};
  }
  return std::unique_ptr<PostProcessor>(new TemplateProcessor(std::move(single), std::move(specials)));
}

}  // namespace basalt::tokenizer
