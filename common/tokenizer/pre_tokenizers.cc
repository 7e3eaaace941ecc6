#include "common/tokenizer/pre_tokenizers.h"

#include <unicode/uchar.h>
#include <unicode/uscript.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/json/json.h"
#include "common/status/status_macros.h"
#include "common/tokenizer/json_fields.h"
#include "common/tokenizer/regex.h"
#include "common/tokenizer/unicode.h"
#include "common/tokenizer/string_view_compat.h"

namespace basalt::tokenizer {
namespace {

using CharPredicate = std::function<bool(char32_t)>;

// Splits every untokenized piece on the characters matching `is_delimiter`.
absl::Status SplitOnPredicate(PreTokenizedString& pretokenized, const CharPredicate& is_delimiter,
                              SplitBehavior behavior) {
  return pretokenized.Split([&](NormalizedString&& piece, std::vector<PieceSplit>& out) {
    AppendPieces(piece.Split(MatchesFromPredicate(piece.get(), is_delimiter), behavior), out);
    return absl::OkStatus();
  });
}

// Splits every untokenized piece on the matches of `regex`.
absl::Status SplitOnRegex(PreTokenizedString& pretokenized, const Regex& regex, SplitBehavior behavior,
                          bool invert) {
  std::vector<std::pair<size_t, size_t>> ranges;
  return pretokenized.Split([&](NormalizedString&& piece, std::vector<PieceSplit>& out) {
    ranges.clear();
    BASALT_RETURN_IF_ERROR(regex.FindAll(piece.get(), ranges));
    MatchList matches = MatchesFromRanges(piece.size(), ranges);
    if (invert) InvertMatches(matches);
    AppendPieces(piece.Split(matches, behavior), out);
    return absl::OkStatus();
  });
}

// GPT-2's pre-tokenization regex, used by ByteLevel when use_regex is set.
constexpr std::string_view kByteLevelPattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

class ByteLevel : public PreTokenizer {
 public:
  ByteLevel(bool add_prefix_space, std::unique_ptr<Regex> regex)
      : add_prefix_space_(add_prefix_space), regex_(std::move(regex)) {}

  absl::Status PreTokenize(PreTokenizedString& pretokenized) const override {
    std::vector<std::pair<size_t, size_t>> ranges;
    BASALT_RETURN_IF_ERROR(pretokenized.Split([&](NormalizedString&& piece, std::vector<PieceSplit>& out) {
      if (add_prefix_space_ && piece.get().rfind(' ', 0) != 0) piece.Prepend(" ");
      if (regex_ == nullptr) {
        out.push_back(PieceSplit{std::move(piece), std::nullopt});
        return absl::OkStatus();
      }
      ranges.clear();
      BASALT_RETURN_IF_ERROR(regex_->FindAll(piece.get(), ranges));
      AppendPieces(piece.Split(MatchesFromRanges(piece.size(), ranges), SplitBehavior::kIsolated), out);
      return absl::OkStatus();
    }));
    pretokenized.ForEachUntokenized([](NormalizedString& piece) { piece.ToByteLevel(); });
    return absl::OkStatus();
  }

 private:
  bool add_prefix_space_;
  std::unique_ptr<Regex> regex_;  // null when use_regex is false
};

class Split : public PreTokenizer {
 public:
  Split(std::unique_ptr<Regex> regex, SplitBehavior behavior, bool invert)
      : regex_(std::move(regex)), behavior_(behavior), invert_(invert) {}
  absl::Status PreTokenize(PreTokenizedString& pretokenized) const override {
    return SplitOnRegex(pretokenized, *regex_, behavior_, invert_);
  }

 private:
  std::unique_ptr<Regex> regex_;
  SplitBehavior behavior_;
  bool invert_;
};

enum class PrependScheme { kAlways, kFirst, kNever };

class Metaspace : public PreTokenizer {
 public:
  Metaspace(char32_t replacement, PrependScheme scheme, bool split)
      : replacement_(replacement), scheme_(scheme), split_(split) {
    AppendUtf8(replacement_text_, replacement);
  }

  absl::Status PreTokenize(PreTokenizedString& pretokenized) const override {
    return pretokenized.Split([&](NormalizedString&& piece, std::vector<PieceSplit>& out) {
      if (piece.get().find(' ') != std::string::npos) {
        piece.Replace(MatchesFromPredicate(piece.get(), [](char32_t c) { return c == U' '; }), replacement_text_);
      }
      bool starts_with_replacement = piece.get().rfind(replacement_text_, 0) == 0;
      if (!starts_with_replacement &&
          (scheme_ == PrependScheme::kAlways || (scheme_ == PrependScheme::kFirst && piece.original().start == 0))) {
        piece.Prepend(replacement_text_);
      }
      if (split_) {
        char32_t r = replacement_;
        AppendPieces(piece.Split(MatchesFromPredicate(piece.get(), [r](char32_t c) { return c == r; }),
                                 SplitBehavior::kMergedWithNext),
                     out);
      } else {
        out.push_back(PieceSplit{std::move(piece), std::nullopt});
      }
      return absl::OkStatus();
    });
  }

 private:
  char32_t replacement_;
  std::string replacement_text_;
  PrependScheme scheme_;
  bool split_;
};

// Runs of \w (the regex crate's) or of [^\w\s]; whitespace is dropped: the `\w+|[^\w\s]+` split.
class Whitespace : public PreTokenizer {
 public:
  absl::Status PreTokenize(PreTokenizedString& pretokenized) const override {
    std::vector<std::pair<size_t, size_t>> ranges;
    return pretokenized.Split([&](NormalizedString&& piece, std::vector<PieceSplit>& out) {
      ranges.clear();
      const std::string& text = piece.get();
      size_t i = 0;
      while (i < text.size()) {
        size_t start = i;
        char32_t c = NextCodePoint(text, i);
        if (IsWhitespace(c) && !IsWordChar(c)) continue;
        bool word = IsWordChar(c);
        size_t end = i;
        while (end < text.size()) {
          size_t next = end;
          char32_t d = NextCodePoint(text, next);
          bool d_word = IsWordChar(d);
          if (word ? !d_word : (d_word || IsWhitespace(d))) break;
          end = next;
        }
        ranges.emplace_back(start, end);
        i = end;
      }
      MatchList matches = MatchesFromRanges(text.size(), ranges);
      InvertMatches(matches);
      AppendPieces(piece.Split(matches, SplitBehavior::kRemoved), out);
      return absl::OkStatus();
    });
  }
};

class PredicateSplit : public PreTokenizer {
 public:
  PredicateSplit(CharPredicate predicate, SplitBehavior behavior)
      : predicate_(std::move(predicate)), behavior_(behavior) {}
  absl::Status PreTokenize(PreTokenizedString& pretokenized) const override {
    return SplitOnPredicate(pretokenized, predicate_, behavior_);
  }

 private:
  CharPredicate predicate_;
  SplitBehavior behavior_;
};

bool IsBertPunctuation(char32_t c) { return IsAsciiPunctuation(c) || IsPunctuation(c); }

class BertPreTokenizer : public PreTokenizer {
 public:
  absl::Status PreTokenize(PreTokenizedString& pretokenized) const override {
    BASALT_RETURN_IF_ERROR(SplitOnPredicate(pretokenized, IsWhitespace, SplitBehavior::kRemoved));
    return SplitOnPredicate(pretokenized, IsBertPunctuation, SplitBehavior::kIsolated);
  }
};

// The script of `c` as the Rust crate's (Unicode 9.0) table gives it; -1 stands for its "Any".
int FixedScript(char32_t c) {
  if (c == 0x30FC) return USCRIPT_HAN;
  if (c == U' ') return -1;
  UVersionInfo age;
  u_charAge(static_cast<UChar32>(c), age);
  if (age[0] == 0 || age[0] > 9) return -1;  // unassigned, or newer than the crate's table
  UErrorCode status = U_ZERO_ERROR;
  UScriptCode script = uscript_getScript(static_cast<UChar32>(c), &status);
  if (U_FAILURE(status) || script == USCRIPT_UNKNOWN) return -1;
  if (script == USCRIPT_HIRAGANA || script == USCRIPT_KATAKANA) return USCRIPT_HAN;
  return script;
}

class UnicodeScripts : public PreTokenizer {
 public:
  absl::Status PreTokenize(PreTokenizedString& pretokenized) const override {
    return pretokenized.Split([](NormalizedString&& piece, std::vector<PieceSplit>& out) {
      const std::string& text = piece.get();
      std::vector<size_t> cuts;
      bool have_last = false;
      int last = -1;
      for (size_t i = 0; i < text.size();) {
        size_t at = i;
        int script = FixedScript(NextCodePoint(text, i));
        if (script != -1 && !(have_last && last == -1) && (!have_last || last != script)) cuts.push_back(at);
        if (script != -1) {
          last = script;
          have_last = true;
        }
      }
      cuts.push_back(text.size());
      for (size_t k = 0; k + 1 < cuts.size(); ++k) {
        out.push_back(PieceSplit{piece.Slice(cuts[k], cuts[k + 1]), std::nullopt});
      }
      return absl::OkStatus();
    });
  }
};

class FixedLength : public PreTokenizer {
 public:
  explicit FixedLength(size_t length) : length_(length == 0 ? 1 : length) {}
  absl::Status PreTokenize(PreTokenizedString& pretokenized) const override {
    return pretokenized.Split([&](NormalizedString&& piece, std::vector<PieceSplit>& out) {
      const std::string& text = piece.get();
      size_t start = 0, count = 0;
      for (size_t i = 0; i < text.size();) {
        NextCodePoint(text, i);
        if (++count == length_) {
          out.push_back(PieceSplit{piece.Slice(start, i), std::nullopt});
          start = i;
          count = 0;
        }
      }
      if (start < text.size()) out.push_back(PieceSplit{piece.Slice(start, text.size()), std::nullopt});
      return absl::OkStatus();
    });
  }

 private:
  size_t length_;
};

class SequencePreTokenizer : public PreTokenizer {
 public:
  explicit SequencePreTokenizer(std::vector<std::unique_ptr<PreTokenizer>> items) : items_(std::move(items)) {}
  absl::Status PreTokenize(PreTokenizedString& pretokenized) const override {
    for (const auto& item : items_) BASALT_RETURN_IF_ERROR(item->PreTokenize(pretokenized));
    return absl::OkStatus();
  }

 private:
  std::vector<std::unique_ptr<PreTokenizer>> items_;
};

absl::StatusOr<std::unique_ptr<PreTokenizer>> MakeMetaspace(const rapidjson::Value& json) {
  BASALT_ASSIGN_OR_RETURN(char32_t replacement, CharField(json, "replacement", "\xE2\x96\x81", "Metaspace"));
  BASALT_ASSIGN_OR_RETURN(std::string scheme_name, Field<std::string>(json, "prepend_scheme", "", "Metaspace"));
  BASALT_ASSIGN_OR_RETURN(bool split, Field<bool>(json, "split", true, "Metaspace"));
  PrependScheme scheme = PrependScheme::kAlways;
  if (scheme_name == "first") {
    scheme = PrependScheme::kFirst;
  } else if (scheme_name == "never") {
    scheme = PrependScheme::kNever;
  } else if (!scheme_name.empty() && scheme_name != "always") {
    return absl::InvalidArgumentError(absl::StrCat("Metaspace: unknown prepend_scheme \"", scheme_name, "\""));
  }
  // Legacy files: add_prefix_space false means "never". (The Rust crate rejects it when an explicit
  // prepend_scheme disagrees; an absent scheme is taken as agreeing.)
  const rapidjson::Value* legacy = json::Find(json, "add_prefix_space");
  if (legacy != nullptr && legacy->IsBool() && !legacy->GetBool()) {
    if (scheme_name.empty() || scheme_name == "never") {
      scheme = PrependScheme::kNever;
    } else {
      return absl::InvalidArgumentError("Metaspace: add_prefix_space does not match declared prepend_scheme");
    }
  }
  return std::unique_ptr<PreTokenizer>(new Metaspace(replacement, scheme, split));
}

}  // namespace

absl::StatusOr<SplitBehavior> ParseSplitBehavior(std::string_view name) {
  if (name == "Removed") return SplitBehavior::kRemoved;
  if (name == "Isolated") return SplitBehavior::kIsolated;
  if (name == "MergedWithPrevious") return SplitBehavior::kMergedWithPrevious;
  if (name == "MergedWithNext") return SplitBehavior::kMergedWithNext;
  if (name == "Contiguous") return SplitBehavior::kContiguous;
  return absl::InvalidArgumentError(absl::StrCat("unknown split behavior \"", Av(name), "\""));
}

absl::StatusOr<std::unique_ptr<PreTokenizer>> MakePreTokenizer(const rapidjson::Value& json) {
  if (!json.IsObject()) return absl::InvalidArgumentError("pre_tokenizer must be an object");
  std::string type = TypeOf(json);
  if (type == "ByteLevel") {
    BASALT_ASSIGN_OR_RETURN(bool add_prefix_space, Field<bool>(json, "add_prefix_space", true, type));
    BASALT_ASSIGN_OR_RETURN(bool use_regex, Field<bool>(json, "use_regex", true, type));
    std::unique_ptr<Regex> regex;
    if (use_regex) {
      BASALT_ASSIGN_OR_RETURN(regex, Regex::Compile(kByteLevelPattern));
    }
    return std::unique_ptr<PreTokenizer>(new ByteLevel(add_prefix_space, std::move(regex)));
  }
  if (type == "Split") {
    BASALT_ASSIGN_OR_RETURN(PatternSpec pattern, ParsePattern(json, type));
    BASALT_ASSIGN_OR_RETURN(std::string behavior_name, RequiredString(json, "behavior", type));
    BASALT_ASSIGN_OR_RETURN(SplitBehavior behavior, ParseSplitBehavior(behavior_name));
    BASALT_ASSIGN_OR_RETURN(bool invert, Field<bool>(json, "invert", false, type));
    BASALT_ASSIGN_OR_RETURN(std::unique_ptr<Regex> regex,
                            pattern.is_regex ? Regex::Compile(pattern.text) : Regex::Literal(pattern.text));
    return std::unique_ptr<PreTokenizer>(new Split(std::move(regex), behavior, invert));
  }
  if (type == "Metaspace") return MakeMetaspace(json);
  if (type == "Whitespace") return std::unique_ptr<PreTokenizer>(new Whitespace());
  if (type == "WhitespaceSplit") {
    return std::unique_ptr<PreTokenizer>(new PredicateSplit(IsWhitespace, SplitBehavior::kRemoved));
  }
  if (type == "Punctuation") {
    BASALT_ASSIGN_OR_RETURN(std::string behavior_name, Field<std::string>(json, "behavior", "Isolated", type));
    BASALT_ASSIGN_OR_RETURN(SplitBehavior behavior, ParseSplitBehavior(behavior_name));
    return std::unique_ptr<PreTokenizer>(new PredicateSplit(IsBertPunctuation, behavior));
  }
  if (type == "Digits") {
    BASALT_ASSIGN_OR_RETURN(bool individual, Field<bool>(json, "individual_digits", false, type));
    return std::unique_ptr<PreTokenizer>(new PredicateSplit(
        IsNumeric, individual ? SplitBehavior::kIsolated : SplitBehavior::kContiguous));
  }
  if (type == "BertPreTokenizer") return std::unique_ptr<PreTokenizer>(new BertPreTokenizer());
  if (type == "UnicodeScripts") return std::unique_ptr<PreTokenizer>(new UnicodeScripts());
  if (type == "CharDelimiterSplit") {
    BASALT_ASSIGN_OR_RETURN(char32_t delimiter, CharField(json, "delimiter", "", type));
    return std::unique_ptr<PreTokenizer>(
        new PredicateSplit([delimiter](char32_t c) { return c == delimiter; }, SplitBehavior::kRemoved));
  }
  if (type == "FixedLength") {
    BASALT_ASSIGN_OR_RETURN(int64_t length, Field<int64_t>(json, "length", 5, type));
    if (length <= 0) return absl::InvalidArgumentError("FixedLength: 'length' must be positive");
    return std::unique_ptr<PreTokenizer>(new FixedLength(static_cast<size_t>(length)));
  }
  if (type == "Sequence") {
    BASALT_ASSIGN_OR_RETURN(auto items,
                            ParseList<PreTokenizer>(json, "pretokenizers", "Sequence pre-tokenizer", MakePreTokenizer));
    return std::unique_ptr<PreTokenizer>(new SequencePreTokenizer(std::move(items)));
  }
  return absl::InvalidArgumentError(absl::StrCat("unsupported pre_tokenizer type \"", type, "\""));
}

}  // namespace basalt::tokenizer
