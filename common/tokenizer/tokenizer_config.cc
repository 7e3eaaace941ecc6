#include "common/tokenizer/tokenizer_config.h"

#include <algorithm>
#include <charconv>

#include "absl/strings/str_cat.h"
#include "common/json/json.h"
#include "common/status/status_macros.h"
#include "common/tokenizer/string_view_compat.h"

namespace basalt::tokenizer {
namespace {

bool BoolOr(const rapidjson::Value& object, std::string_view key, bool fallback) {
  const rapidjson::Value* v = json::Find(object, key);
  return v != nullptr && v->IsBool() ? v->GetBool() : fallback;
}

// An AddedToken in dict form ({"__type": "AddedToken", "content": ...}), with the Python defaults.
std::optional<AddedToken> AddedTokenFromDict(const rapidjson::Value& v) {
  if (!v.IsObject()) return std::nullopt;
  const rapidjson::Value* content = json::Find(v, "content");
  if (content == nullptr || !content->IsString()) return std::nullopt;
  AddedToken t;
  t.content.assign(content->GetString(), content->GetStringLength());
  t.special = BoolOr(v, "special", false);
  t.single_word = BoolOr(v, "single_word", false);
  t.lstrip = BoolOr(v, "lstrip", false);
  t.rstrip = BoolOr(v, "rstrip", false);
  t.normalized = BoolOr(v, "normalized", !t.special);
  return t;
}

// A special-token attribute: a string or an AddedToken dict. nullopt for null/absent.
absl::StatusOr<std::optional<SpecialTokenValue>> ParseSpecial(const rapidjson::Value* v, std::string_view key) {
  if (v == nullptr || v->IsNull()) return std::optional<SpecialTokenValue>();
  SpecialTokenValue out;
  if (v->IsString()) {
    out.text.assign(v->GetString(), v->GetStringLength());
    return std::optional<SpecialTokenValue>(out);
  }
  if (auto token = AddedTokenFromDict(*v)) {
    out.text = token->content;
    out.token = std::move(token);
    return std::optional<SpecialTokenValue>(out);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("tokenizer_config.json: '", Av(key), "' must be a string or an AddedToken object"));
}

}  // namespace

absl::StatusOr<ParsedTokenizerConfig> ParseTokenizerConfig(std::string_view json_text) {
  ParsedTokenizerConfig out;
  if (json_text.find_first_not_of(" \t\r\n") == std::string_view::npos) return out;
  auto parsed = json::Parse(json_text);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("tokenizer_config.json: ", parsed.status().message()));
  }
  const rapidjson::Document& doc = *parsed;
  if (!doc.IsObject()) return absl::InvalidArgumentError("tokenizer_config.json must be a JSON object");
  TokenizerConfig& config = out.config;

  static constexpr std::string_view kAttributes[] = {"bos_token", "eos_token", "unk_token", "sep_token",
                                                     "pad_token", "cls_token", "mask_token"};
  for (std::string_view key : kAttributes) {
    BASALT_ASSIGN_OR_RETURN(std::optional<SpecialTokenValue> value, ParseSpecial(json::Find(doc, key), key));
    if (!value) continue;
    if (key == "bos_token") config.bos_token = value->text;
    if (key == "eos_token") config.eos_token = value->text;
    if (key == "unk_token") config.unk_token = value->text;
    if (key == "pad_token") config.pad_token = value->text;
    out.special_tokens.push_back(std::move(*value));
  }
  if (const rapidjson::Value* extra = json::Find(doc, "additional_special_tokens"); extra != nullptr && extra->IsArray()) {
    for (const rapidjson::Value& item : extra->GetArray()) {
      BASALT_ASSIGN_OR_RETURN(std::optional<SpecialTokenValue> value,
                              ParseSpecial(&item, "additional_special_tokens"));
      if (!value) continue;
      value->additional = true;
      out.special_tokens.push_back(std::move(*value));
    }
  }

  if (const rapidjson::Value* decoder = json::Find(doc, "added_tokens_decoder"); decoder != nullptr && decoder->IsObject()) {
    out.has_added_tokens_decoder = true;
    for (const auto& member : decoder->GetObject()) {
      std::string_view key(member.name.GetString(), member.name.GetStringLength());
      int64_t id = -1;
      auto [ptr, ec] = std::from_chars(key.data(), key.data() + key.size(), id);
      auto token = AddedTokenFromDict(member.value);
      if (ec != std::errc() || ptr != key.data() + key.size() || id < 0 || id > 0x7FFFFFFF || !token) {
        return absl::InvalidArgumentError(absl::StrCat("tokenizer_config.json: bad added_tokens_decoder entry \"", Av(key), "\""));
      }
      out.added_tokens_decoder.emplace_back(static_cast<int32_t>(id), std::move(*token));
    }
    std::stable_sort(out.added_tokens_decoder.begin(), out.added_tokens_decoder.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
  }

  const rapidjson::Value* cleanup = json::Find(doc, "clean_up_tokenization_spaces");
  config.clean_up_tokenization_spaces = cleanup != nullptr && cleanup->IsBool() && cleanup->GetBool();

  if (const rapidjson::Value* v = json::Find(doc, "add_bos_token"); v != nullptr && v->IsBool()) out.add_bos_token = v->GetBool();
  if (const rapidjson::Value* v = json::Find(doc, "add_eos_token"); v != nullptr && v->IsBool()) out.add_eos_token = v->GetBool();
  out.split_special_tokens = BoolOr(doc, "split_special_tokens", false);
  if (const rapidjson::Value* v = json::Find(doc, "add_prefix_space"); v != nullptr && v->IsBool()) {
    out.add_prefix_space = v->GetBool();
  }
  if (const rapidjson::Value* v = json::Find(doc, "tokenizer_class"); v != nullptr && v->IsString()) {
    out.tokenizer_class.assign(v->GetString(), v->GetStringLength());
  }

  if (const rapidjson::Value* v = json::Find(doc, "model_max_length"); v != nullptr && v->IsNumber()) {
    // transformers writes int(1e30) for "no limit".
    double d = v->GetDouble();
    if (d >= 1 && d < 1e18) config.model_max_length = static_cast<int64_t>(d);
  }

  if (const rapidjson::Value* tmpl = json::Find(doc, "chat_template"); tmpl != nullptr && !tmpl->IsNull()) {
    if (tmpl->IsString()) {
      config.chat_template.assign(tmpl->GetString(), tmpl->GetStringLength());
    } else if (tmpl->IsArray()) {
      for (const rapidjson::Value& item : tmpl->GetArray()) {
        const rapidjson::Value* name = json::Find(item, "name");
        const rapidjson::Value* text = json::Find(item, "template");
        if (name == nullptr || text == nullptr || !name->IsString() || !text->IsString()) {
          return absl::InvalidArgumentError(
              "tokenizer_config.json: chat_template entries must be {\"name\": ..., \"template\": ...}");
        }
        config.named_chat_templates[std::string(name->GetString(), name->GetStringLength())] =
            std::string(text->GetString(), text->GetStringLength());
      }
      if (auto it = config.named_chat_templates.find("default"); it != config.named_chat_templates.end()) {
        config.chat_template = it->second;
      }
    } else {
      return absl::InvalidArgumentError("tokenizer_config.json: 'chat_template' must be a string or a list");
    }
  }
  return out;
}

}  // namespace basalt::tokenizer
