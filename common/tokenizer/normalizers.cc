#include "common/tokenizer/normalizers.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/json/json.h"
#include "common/status/status_macros.h"
#include "common/tokenizer/json_fields.h"
#include "common/tokenizer/precompiled_charsmap.h"
#include "common/tokenizer/regex.h"
#include "common/tokenizer/unicode.h"

namespace basalt::tokenizer {
namespace {

bool IsChineseChar(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF) ||
         (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

class BertNormalizer : public Normalizer {
 public:
  BertNormalizer(bool clean_text, bool handle_chinese_chars, std::optional<bool> strip_accents, bool lowercase)
      : clean_text_(clean_text),
        handle_chinese_chars_(handle_chinese_chars),
        strip_accents_(strip_accents.value_or(lowercase)),
        lowercase_(lowercase) {}

  absl::Status Normalize(NormalizedString& s) const override {
    if (clean_text_) {
      s.Filter([](char32_t c) {
        bool control = c != '\t' && c != '\n' && c != '\r' && IsOther(c);
        return !(c == 0 || c == 0xFFFD || control);
      });
      s.Map([](char32_t c) {
        return (c == '\t' || c == '\n' || c == '\r' || IsWhitespace(c)) ? U' ' : c;
      });
    }
    if (handle_chinese_chars_) {
      std::vector<NormalizedString::Change> changes;
      bool any = false;
      const std::string& text = s.get();
      for (size_t i = 0; i < text.size();) {
        char32_t c = NextCodePoint(text, i);
        if (IsChineseChar(c)) {
          any = true;
          changes.emplace_back(U' ', 0);
          changes.emplace_back(c, 1);
          changes.emplace_back(U' ', 1);
        } else {
          changes.emplace_back(c, 0);
        }
      }
      if (any) s.Transform(changes, 0);
    }
    if (strip_accents_) {
      s.UnicodeNormalize("NFD");
      s.Filter([](char32_t c) { return !IsMarkNonspacing(c); });
    }
    if (lowercase_) s.Lowercase();
    return absl::OkStatus();
  }

 private:
  bool clean_text_, handle_chinese_chars_, strip_accents_, lowercase_;
};

class StripNormalizer : public Normalizer {
 public:
  StripNormalizer(bool left, bool right) : left_(left), right_(right) {}
  absl::Status Normalize(NormalizedString& s) const override {
    s.Strip(left_, right_);
    return absl::OkStatus();
  }

 private:
  bool left_, right_;
};

class StripAccents : public Normalizer {
 public:
  absl::Status Normalize(NormalizedString& s) const override {
    s.Filter([](char32_t c) { return !IsCombiningMark(c); });
    return absl::OkStatus();
  }
};

class UnicodeNormalizer : public Normalizer {
 public:
  explicit UnicodeNormalizer(std::string form) : form_(std::move(form)) {}
  absl::Status Normalize(NormalizedString& s) const override {
    s.UnicodeNormalize(form_);
    return absl::OkStatus();
  }

 private:
  std::string form_;
};

class Lowercase : public Normalizer {
 public:
  absl::Status Normalize(NormalizedString& s) const override {
    s.Lowercase();
    return absl::OkStatus();
  }
};

// Moses/NMT clean-up: drops some control characters and turns some spaces into ' '.
class Nmt : public Normalizer {
 public:
  absl::Status Normalize(NormalizedString& s) const override {
    s.Filter([](char32_t c) {
      return !((c >= 0x01 && c <= 0x08) || c == 0x0B || (c >= 0x0E && c <= 0x1F) || c == 0x7F || c == 0x8F ||
               c == 0x9F);
    });
    s.Map([](char32_t c) -> char32_t {
      switch (c) {
        case 0x09: case 0x0A: case 0x0C: case 0x0D: case 0x1680: case 0x2028: case 0x2029:
        case 0x2581: case 0xFEFF: case 0xFFFD:
          return U' ';
        default:
          return (c >= 0x200B && c <= 0x200F) ? U' ' : c;
      }
    });
    return absl::OkStatus();
  }
};

class Precompiled : public Normalizer {
 public:
  explicit Precompiled(PrecompiledCharsmap charsmap) : charsmap_(std::move(charsmap)) {}
  absl::Status Normalize(NormalizedString& s) const override {
    charsmap_.Normalize(s);
    return absl::OkStatus();
  }

 private:
  PrecompiledCharsmap charsmap_;
};

class Replace : public Normalizer {
 public:
  Replace(std::unique_ptr<Regex> regex, std::string content)
      : regex_(std::move(regex)), content_(std::move(content)) {}
  absl::Status Normalize(NormalizedString& s) const override {
    std::vector<std::pair<size_t, size_t>> ranges;
    BASALT_RETURN_IF_ERROR(regex_->FindAll(s.get(), ranges));
    if (ranges.empty()) return absl::OkStatus();
    s.Replace(MatchesFromRanges(s.size(), ranges), content_);
    return absl::OkStatus();
  }

 private:
  std::unique_ptr<Regex> regex_;
  std::string content_;
};

class Prepend : public Normalizer {
 public:
  explicit Prepend(std::string prepend) : prepend_(std::move(prepend)) {}
  absl::Status Normalize(NormalizedString& s) const override {
    s.Prepend(prepend_);
    return absl::OkStatus();
  }

 private:
  std::string prepend_;
};

class ByteLevelNormalizer : public Normalizer {
 public:
  absl::Status Normalize(NormalizedString& s) const override {
    if (!s.empty()) s.ToByteLevel();
    return absl::OkStatus();
  }
};

class SequenceNormalizer : public Normalizer {
 public:
  explicit SequenceNormalizer(std::vector<std::unique_ptr<Normalizer>> normalizers)
      : normalizers_(std::move(normalizers)) {}
  absl::Status Normalize(NormalizedString& s) const override {
    for (const auto& n : normalizers_) BASALT_RETURN_IF_ERROR(n->Normalize(s));
    return absl::OkStatus();
  }

 private:
  std::vector<std::unique_ptr<Normalizer>> normalizers_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Normalizer>> MakeNormalizer(const rapidjson::Value& json) {
  if (!json.IsObject()) return absl::InvalidArgumentError("normalizer must be an object");
  std::string type = TypeOf(json);
  if (type == "BertNormalizer") {
    BASALT_ASSIGN_OR_RETURN(bool clean_text, Field<bool>(json, "clean_text", true, type));
    BASALT_ASSIGN_OR_RETURN(bool chinese, Field<bool>(json, "handle_chinese_chars", true, type));
    BASALT_ASSIGN_OR_RETURN(bool lowercase, Field<bool>(json, "lowercase", true, type));
    std::optional<bool> strip_accents;
    const rapidjson::Value* sa = json::Find(json, "strip_accents");
    if (sa != nullptr && !sa->IsNull()) {
      if (!sa->IsBool()) return absl::InvalidArgumentError("BertNormalizer: 'strip_accents' must be a boolean");
      strip_accents = sa->GetBool();
    }
    return std::unique_ptr<Normalizer>(new BertNormalizer(clean_text, chinese, strip_accents, lowercase));
  }
  if (type == "Strip") {
    BASALT_ASSIGN_OR_RETURN(bool left, Field<bool>(json, "strip_left", true, type));
    BASALT_ASSIGN_OR_RETURN(bool right, Field<bool>(json, "strip_right", true, type));
    return std::unique_ptr<Normalizer>(new StripNormalizer(left, right));
  }
  if (type == "StripAccents") return std::unique_ptr<Normalizer>(new StripAccents());
  if (type == "NFC" || type == "NFD" || type == "NFKC" || type == "NFKD") {
    return std::unique_ptr<Normalizer>(new UnicodeNormalizer(type));
  }
  if (type == "Lowercase") return std::unique_ptr<Normalizer>(new Lowercase());
  if (type == "Nmt") return std::unique_ptr<Normalizer>(new Nmt());
  if (type == "ByteLevel") return std::unique_ptr<Normalizer>(new ByteLevelNormalizer());
  if (type == "Precompiled") {
    const rapidjson::Value* blob = json::Find(json, "precompiled_charsmap");
    if (blob == nullptr || blob->IsNull()) return std::unique_ptr<Normalizer>(new Precompiled({}));
    if (!blob->IsString()) {
      return absl::InvalidArgumentError("Precompiled: 'precompiled_charsmap' must be a base64 string");
    }
    BASALT_ASSIGN_OR_RETURN(PrecompiledCharsmap charsmap, PrecompiledCharsmap::FromBase64(std::string_view(
                                                              blob->GetString(), blob->GetStringLength())));
    return std::unique_ptr<Normalizer>(new Precompiled(std::move(charsmap)));
  }
  if (type == "Replace") {
    BASALT_ASSIGN_OR_RETURN(PatternSpec pattern, ParsePattern(json, type));
    BASALT_ASSIGN_OR_RETURN(std::string content, RequiredString(json, "content", type));
    BASALT_ASSIGN_OR_RETURN(std::unique_ptr<Regex> regex,
                            pattern.is_regex ? Regex::Compile(pattern.text) : Regex::Literal(pattern.text));
    return std::unique_ptr<Normalizer>(new Replace(std::move(regex), std::move(content)));
  }
  if (type == "Prepend") {
    BASALT_ASSIGN_OR_RETURN(std::string prepend, RequiredString(json, "prepend", type));
    return std::unique_ptr<Normalizer>(new Prepend(std::move(prepend)));
  }
  if (type == "Sequence") {
    BASALT_ASSIGN_OR_RETURN(auto items, ParseList<Normalizer>(json, "normalizers", "Sequence normalizer", MakeNormalizer));
    return std::unique_ptr<Normalizer>(new SequenceNormalizer(std::move(items)));
  }
  return absl::InvalidArgumentError(absl::StrCat("unsupported normalizer type \"", type, "\""));
}

}  // namespace basalt::tokenizer
