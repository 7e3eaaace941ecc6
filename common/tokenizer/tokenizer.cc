#include "common/tokenizer/tokenizer.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/fs/read_file.h"
#include "common/json/json.h"
#include "common/status/status_macros.h"
#include "common/tokenizer/json_fields.h"
#include "common/tokenizer/tokenizer_config.h"
#include "common/tokenizer/tokenizer_impl.h"
#include "common/tokenizer/unicode.h"
#include "rapidjson/error/en.h"
#include "common/tokenizer/string_view_compat.h"

namespace basalt::tokenizer {
namespace {

absl::StatusOr<std::vector<AddedToken>> ParseAddedTokens(const rapidjson::Value* list) {
  std::vector<AddedToken> tokens;
  if (list == nullptr || list->IsNull()) return tokens;
  if (!list->IsArray()) return absl::InvalidArgumentError("'added_tokens' must be an array");
  for (const rapidjson::Value& item : list->GetArray()) {
    const rapidjson::Value* content = json::Find(item, "content");
    if (content == nullptr || !content->IsString()) {
      return absl::InvalidArgumentError("added_tokens: every entry needs a string 'content'");
    }
    AddedToken t;
    t.content.assign(content->GetString(), content->GetStringLength());
    auto flag = [&](std::string_view key, bool fallback) {
      const rapidjson::Value* v = json::Find(item, key);
      return v != nullptr && v->IsBool() ? v->GetBool() : fallback;
    };
    t.single_word = flag("single_word", false);
    t.lstrip = flag("lstrip", false);
    t.rstrip = flag("rstrip", false);
    t.normalized = flag("normalized", true);
    t.special = flag("special", false);
    tokens.push_back(std::move(t));
  }
  return tokens;
}

// What transformers' PreTrainedTokenizerFast.__init__ adds on top of tokenizer.json: entries of
// tokenizer_config.json's added_tokens_decoder that differ from the loaded ones, and special
// tokens (bos, eos, ..., additional_special_tokens) that are not added tokens yet.
std::vector<AddedToken> TransformersExtraTokens(const ParsedTokenizerConfig& parsed,
                                                const std::vector<AddedToken>& file_tokens,
                                                const AddedVocabulary& added) {
  std::vector<AddedToken> to_add;
  auto already_loaded = [&](const AddedToken& t) {
    for (const auto& [id, existing] : added.tokens()) {
      if (existing == t) return true;
    }
    return false;
  };
  for (const auto& [id, token] : parsed.added_tokens_decoder) {
    if (!already_loaded(token)) to_add.push_back(token);
  }
  // Special-token strings are looked up among the known added tokens (the config's, or else the
  // file's), and then carry that token's flags.
  auto known = [&](const std::string& content) -> std::optional<AddedToken> {
    if (parsed.has_added_tokens_decoder) {
      for (const auto& [id, token] : parsed.added_tokens_decoder) {
        if (token.content == content) return token;
      }
      return std::nullopt;
    }
    for (const AddedToken& token : file_tokens) {
      if (token.content == content) return token;
    }
    return std::nullopt;
  };
  absl::flat_hash_set<std::string> seen;
  for (const SpecialTokenValue& value : parsed.special_tokens) {
    if (!seen.insert(value.text).second) continue;
    std::optional<AddedToken> token = value.token;
    if (!value.additional) {
      if (auto k = known(value.text)) token = k;
    }
    if (token) {
      token->special = true;
      if (std::find(to_add.begin(), to_add.end(), *token) == to_add.end()) to_add.push_back(*token);
      continue;
    }
    bool present = added.TokenToId(value.text).has_value() ||
                   std::any_of(to_add.begin(), to_add.end(), [&](const AddedToken& t) { return t.content == value.text; });
    if (!present) {
      AddedToken t;
      t.content = value.text;
      t.special = true;
      t.normalized = false;
      to_add.push_back(std::move(t));
    }
  }
  return to_add;
}

// Builds one pipeline component; errors name the part of tokenizer.json.
template <typename T, typename Make>
absl::Status LoadComponent(const rapidjson::Value& json, std::string_view part, Make make, std::unique_ptr<T>& out) {
  auto made = make(json);
  if (!made.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("tokenizer.json ", Av(part), ": ", made.status().message()));
  }
  out = std::move(*made);
  return absl::OkStatus();
}

// transformers' Llama and Gemma fast tokenizers rebuild the post-processor from add_bos_token /
// add_eos_token (defaults true / false) when they load.
bool RebuildsBosEos(const std::string& tokenizer_class) {
  static constexpr std::string_view kClasses[] = {"LlamaTokenizer", "LlamaTokenizerFast", "CodeLlamaTokenizer",
                                                  "CodeLlamaTokenizerFast", "GemmaTokenizer", "GemmaTokenizerFast"};
  return std::find(std::begin(kClasses), std::end(kClasses), tokenizer_class) != std::end(kClasses);
}

// transformers' GPT-2-style fast tokenizers (add_prefix_space=False by default) rewrite a top-level
// ByteLevel pre-tokenizer whose add_prefix_space differs from theirs.
void ApplyPrefixSpaceOverride(const ParsedTokenizerConfig& parsed, rapidjson::Document& doc) {
  static constexpr std::string_view kClasses[] = {
      "GPT2Tokenizer", "GPT2TokenizerFast", "RobertaTokenizer", "RobertaTokenizerFast", "BartTokenizer",
      "BartTokenizerFast", "LongformerTokenizer", "LongformerTokenizerFast", "GPTNeoXTokenizerFast",
      "CodeGenTokenizer", "CodeGenTokenizerFast", "BloomTokenizerFast"};
  if (std::find(std::begin(kClasses), std::end(kClasses), parsed.tokenizer_class) == std::end(kClasses)) return;
  auto pre = doc.FindMember("pre_tokenizer");
  if (pre == doc.MemberEnd() || !pre->value.IsObject() || TypeOf(pre->value) != "ByteLevel") return;
  bool wanted = parsed.add_prefix_space.value_or(false);
  auto member = pre->value.FindMember("add_prefix_space");
  if (member == pre->value.MemberEnd()) {
    pre->value.AddMember("add_prefix_space", wanted, doc.GetAllocator());
  } else {
    member->value.SetBool(wanted);
  }
}

}  // namespace

std::optional<std::string> Tokenizer::Impl::DecodeToken(int32_t id) const {
  if (auto token = added.IdToDecodedToken(id)) return token;
  if (const std::string* token = model->IdToToken(id)) return *token;
  return std::nullopt;
}

std::string Tokenizer::Impl::DecodeIds(absl::Span<const int32_t> ids, bool skip_special_tokens) const {
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (int32_t id : ids) {
    std::optional<std::string> token = DecodeToken(id);
    if (!token) continue;
    if (skip_special_tokens && added.IsSpecialToken(*token)) continue;
    tokens.push_back(std::move(*token));
  }
  return decoder ? decoder->Decode(std::move(tokens)) : absl::StrJoin(tokens, " ");
}

Tokenizer::Tokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Tokenizer::~Tokenizer() = default;

absl::StatusOr<std::unique_ptr<Tokenizer>> Tokenizer::FromJson(std::string_view tokenizer_json,
                                                               std::string_view tokenizer_config_json) {
  rapidjson::Document doc;
  // Full precision: Unigram scores must be the exact doubles the file spells.
  doc.Parse<rapidjson::kParseValidateEncodingFlag | rapidjson::kParseFullPrecisionFlag>(tokenizer_json.data(),
                                                                                         tokenizer_json.size());
  if (doc.HasParseError()) {
    return absl::InvalidArgumentError(absl::StrCat("tokenizer.json: invalid JSON at byte ", doc.GetErrorOffset(),
                                                   ": ", rapidjson::GetParseError_En(doc.GetParseError())));
  }
  if (!doc.IsObject()) return absl::InvalidArgumentError("tokenizer.json must be a JSON object");

  auto parsed = ParseTokenizerConfig(tokenizer_config_json);
  if (!parsed.ok()) return parsed.status();
  ApplyPrefixSpaceOverride(*parsed, doc);

  auto impl = std::make_unique<Impl>();
  const rapidjson::Value* model = json::Find(doc, "model");
  if (model == nullptr) return absl::InvalidArgumentError("tokenizer.json: missing 'model'");
  BASALT_RETURN_IF_ERROR(LoadComponent(*model, "model", MakeModel, impl->model));
  // The other components may be absent or null.
  auto optional = [&](std::string_view key, auto make, auto& out) -> absl::Status {
    const rapidjson::Value* v = json::Find(doc, key);
    if (v == nullptr || v->IsNull()) return absl::OkStatus();
    return LoadComponent(*v, key, make, out);
  };
  BASALT_RETURN_IF_ERROR(optional("normalizer", MakeNormalizer, impl->normalizer));
  BASALT_RETURN_IF_ERROR(optional("pre_tokenizer", MakePreTokenizer, impl->pre_tokenizer));
  BASALT_RETURN_IF_ERROR(optional("post_processor", MakePostProcessor, impl->post_processor));
  BASALT_RETURN_IF_ERROR(optional("decoder", MakeDecoder, impl->decoder));
  auto file_tokens = ParseAddedTokens(json::Find(doc, "added_tokens"));
  if (!file_tokens.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("tokenizer.json added_tokens: ", file_tokens.status().message()));
  }
  BASALT_RETURN_IF_ERROR(impl->added.AddTokens(*file_tokens, *impl->model, impl->normalizer.get()));

  impl->config = parsed->config;
  std::vector<AddedToken> extra = TransformersExtraTokens(*parsed, *file_tokens, impl->added);
  if (!extra.empty()) BASALT_RETURN_IF_ERROR(impl->added.AddTokens(extra, *impl->model, impl->normalizer.get()));
  impl->added.set_encode_special_tokens(parsed->split_special_tokens);

  if (RebuildsBosEos(parsed->tokenizer_class)) {
    bool add_bos = parsed->add_bos_token.value_or(true);
    bool add_eos = parsed->add_eos_token.value_or(false);
    auto resolve = [&](const std::optional<std::string>& token) -> std::optional<std::pair<std::string, int32_t>> {
      if (!token) return std::nullopt;
      auto id = impl->added.TokenToId(*token);
      if (!id) id = impl->model->TokenToId(*token);
      if (!id) return std::nullopt;
      return std::make_pair(*token, *id);
    };
    auto bos = resolve(impl->config.bos_token);
    auto eos = resolve(impl->config.eos_token);
    // transformers refuses a missing BOS/EOS here; we keep tokenizer.json's post-processor instead.
    if ((!add_bos || bos) && (!add_eos || eos)) {
      impl->post_processor = MakeBosEosTemplate(add_bos ? bos : std::nullopt, add_eos ? eos : std::nullopt);
    }
  }
  return std::unique_ptr<Tokenizer>(new Tokenizer(std::move(impl)));
}

absl::StatusOr<std::unique_ptr<Tokenizer>> Tokenizer::FromDirectory(const std::string& dir) {
  BASALT_ASSIGN_OR_RETURN(std::string tokenizer_json, fs::ReadFile(fs::JoinPath(dir, "tokenizer.json")));
  std::string config_json;
  std::string config_path = fs::JoinPath(dir, "tokenizer_config.json");
  if (fs::FileExists(config_path)) {
    BASALT_ASSIGN_OR_RETURN(config_json, fs::ReadFile(config_path));
  }
  auto tokenizer = FromJson(tokenizer_json, config_json);
  if (!tokenizer.ok()) {
    return absl::Status(tokenizer.status().code(), absl::StrCat(dir, ": ", tokenizer.status().message()));
  }
  // A separate chat_template.jinja takes precedence, as in transformers.
  std::string template_path = fs::JoinPath(dir, "chat_template.jinja");
  if (fs::FileExists(template_path)) {
    BASALT_ASSIGN_OR_RETURN(std::string text, fs::ReadFile(template_path));
    (*tokenizer)->impl_->config.chat_template = std::move(text);
  }
  return tokenizer;
}

absl::StatusOr<Encoding> Tokenizer::Encode(std::string_view text, bool add_special_tokens) const {
  if (!IsValidUtf8(text)) return absl::InvalidArgumentError("text is not valid UTF-8");
  if (text.size() > 0xFFFFFFFFu / 4) return absl::InvalidArgumentError("text is too long");
  const Impl& impl = *impl_;
  BASALT_ASSIGN_OR_RETURN(PreTokenizedString pretokenized,
                          impl.added.ExtractAndNormalize(impl.normalizer.get(), text));
  if (impl.pre_tokenizer) BASALT_RETURN_IF_ERROR(impl.pre_tokenizer->PreTokenize(pretokenized));
  Encoding encoding;
  std::vector<Token> tokens;
  for (PieceSplit& split : pretokenized.splits()) {
    const std::vector<Token>* piece_tokens = nullptr;
    if (split.tokens) {
      piece_tokens = &*split.tokens;
    } else {
      tokens.clear();
      BASALT_RETURN_IF_ERROR(impl.model->Tokenize(split.normalized.get(), tokens));
      piece_tokens = &tokens;
    }
    for (const Token& token : *piece_tokens) {
      encoding.ids.push_back(token.id);
      // The crate's token value (the matched text for added and unknown tokens): offset trimming in
      // the post-processor looks at it. BPE leaves it empty when it is the vocabulary string.
      if (!token.value.empty()) {
        encoding.tokens.push_back(token.value);
      } else if (const std::string* vocab = impl.model->IdToToken(token.id)) {
        encoding.tokens.push_back(*vocab);
      } else {
        encoding.tokens.emplace_back();
      }
      Span span = split.normalized.OriginalRange(token.offsets.first, token.offsets.second);
      encoding.offsets.emplace_back(span.start, span.end);
    }
  }
  if (impl.post_processor) impl.post_processor->Process(encoding, add_special_tokens);
  // Report each id's vocabulary string (what convert_ids_to_tokens gives), not the matched text.
  for (size_t i = 0; i < encoding.ids.size(); ++i) {
    int32_t id = encoding.ids[i];
    if (std::optional<std::string> added = impl.added.IdToDecodedToken(id)) {
      if (encoding.tokens[i] != *added) encoding.tokens[i] = std::move(*added);
    } else if (const std::string* vocab = impl.model->IdToToken(id)) {
      if (encoding.tokens[i] != *vocab) encoding.tokens[i] = *vocab;
    }
  }
  return encoding;
}

std::string Tokenizer::Decode(absl::Span<const int32_t> ids, bool skip_special_tokens) const {
  std::string text = impl_->DecodeIds(ids, skip_special_tokens);
  if (impl_->config.clean_up_tokenization_spaces) text = CleanUpTokenization(std::move(text));
  return text;
}

size_t Tokenizer::VocabSize() const {
  return std::max(impl_->model->IdLimit(), static_cast<size_t>(impl_->added.MaxId() + 1));
}

std::optional<int32_t> Tokenizer::TokenToId(std::string_view token) const {
  if (auto id = impl_->added.TokenToId(token)) return id;
  return impl_->model->TokenToId(token);
}

std::optional<std::string> Tokenizer::IdToToken(int32_t id) const {
  // Like the crate: an added token normalized at load shows its normalized form.
  return impl_->DecodeToken(id);
}

bool Tokenizer::IsSpecial(int32_t id) const {
  std::optional<std::string> token = impl_->DecodeToken(id);
  return token && impl_->added.IsSpecialToken(*token);
}

const TokenizerConfig& Tokenizer::config() const { return impl_->config; }

}  // namespace basalt::tokenizer
