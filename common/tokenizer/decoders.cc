#include "common/tokenizer/decoders.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/json/json.h"
#include "common/status/status_macros.h"
#include "common/tokenizer/json_fields.h"
#include "common/tokenizer/regex.h"
#include "common/tokenizer/unicode.h"
#include "common/tokenizer/string_view_compat.h"

namespace basalt::tokenizer {

std::string Decoder::Decode(std::vector<std::string> tokens) const {
  DecodeChain(tokens);
  return absl::StrJoin(tokens, "");
}

namespace {

// Rust's str::replace (and Python's): left to right, non-overlapping; an empty pattern matches
// around every character.
std::string RustReplace(std::string_view text, std::string_view from, std::string_view to) {
  std::string out;
  if (from.empty()) {
    for (size_t i = 0; i < text.size();) {
      out.append(to);
      size_t start = i;
      NextCodePoint(text, i);
      out.append(text.substr(start, i - start));
    }
    out.append(to);
    return out;
  }
  size_t last = 0;
  for (size_t pos = text.find(from); pos != std::string_view::npos; pos = text.find(from, last)) {
    out.append(text.substr(last, pos - last));
    out.append(to);
    last = pos + from.size();
  }
  out.append(text.substr(last));
  return out;
}

// One pattern after the other, as chained replace calls do.
std::string ReplaceEach(std::string text, std::initializer_list<std::pair<std::string_view, std::string_view>> rules) {
  for (const auto& [from, to] : rules) {
    if (text.find(from) != std::string::npos) text = RustReplace(text, from, to);
  }
  return text;
}

}  // namespace

std::string CleanUpTokenization(std::string text) {
  return ReplaceEach(std::move(text), {{" .", "."}, {" ?", "?"}, {" !", "!"}, {" ,", ","}, {" ' ", "'"},
                                       {" n't", "n't"}, {" 'm", "'m"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"}});
}

namespace {

std::string WordPieceCleanup(std::string text) {
  return ReplaceEach(std::move(text), {{" .", "."}, {" ?", "?"}, {" !", "!"}, {" ,", ","}, {" ' ", "'"},
                                       {" n't", "n't"}, {" 'm", "'m"}, {" do not", " don't"}, {" 's", "'s"},
                                       {" 've", "'ve"}, {" 're", "'re"}});
}

class ByteLevelDecoder : public Decoder {
 public:
  void DecodeChain(std::vector<std::string>& tokens) const override {
    std::string bytes;
    for (const std::string& token : tokens) {
      size_t before = bytes.size();
      bool all = true;
      for (size_t i = 0; i < token.size();) {
        int b = CharToByte(NextCodePoint(token, i));
        if (b < 0) {
          all = false;
          break;
        }
        bytes.push_back(static_cast<char>(b));
      }
      if (!all) {  // a token outside the byte alphabet (an added token) is kept as it is
        bytes.resize(before);
        bytes.append(token);
      }
    }
    tokens.assign(1, Utf8Lossy(bytes));
  }
};

class MetaspaceDecoder : public Decoder {
 public:
  MetaspaceDecoder(char32_t replacement, bool strip_first) : replacement_(replacement), strip_first_(strip_first) {}
  void DecodeChain(std::vector<std::string>& tokens) const override {
    for (size_t t = 0; t < tokens.size(); ++t) {
      const std::string& token = tokens[t];
      std::string out;
      out.reserve(token.size());
      for (size_t i = 0; i < token.size();) {
        size_t start = i;
        char32_t c = NextCodePoint(token, i);
        if (c == replacement_) {
          if (!(t == 0 && strip_first_)) out.push_back(' ');
        } else {
          out.append(token, start, i - start);
        }
      }
      tokens[t] = std::move(out);
    }
  }

 private:
  char32_t replacement_;
  bool strip_first_;
};

// "<0xAB>" tokens become bytes; a run of them that is not valid UTF-8 becomes one U+FFFD per byte.
class ByteFallbackDecoder : public Decoder {
 public:
  bool DecodesByteRuns() const override { return true; }
  void DecodeChain(std::vector<std::string>& tokens) const override {
    std::vector<std::string> out;
    std::string pending;
    auto flush = [&]() {
      if (pending.empty()) return;
      if (IsValidUtf8(pending)) {
        out.push_back(pending);
      } else {
        for (size_t k = 0; k < pending.size(); ++k) out.emplace_back("\xEF\xBF\xBD");
      }
      pending.clear();
    };
    for (std::string& token : tokens) {
      int byte = ParseByteToken(token);
      if (byte >= 0) {
        pending.push_back(static_cast<char>(byte));
      } else {
        flush();
        out.push_back(std::move(token));
      }
    }
    flush();
    tokens = std::move(out);
  }

 private:
  static int HexDigit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }
  // Rust's u8::from_str_radix(&token[3..5], 16) on a "<0x..>" token.
  static int ParseByteToken(const std::string& token) {
    if (token.size() != 6 || token.compare(0, 3, "<0x") != 0 || token[5] != '>') return -1;
    if (token[3] == '+') return HexDigit(token[4]);
    int hi = HexDigit(token[3]), lo = HexDigit(token[4]);
    return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
  }
};

class FuseDecoder : public Decoder {
 public:
  void DecodeChain(std::vector<std::string>& tokens) const override { tokens.assign(1, absl::StrJoin(tokens, "")); }
};

class StripDecoder : public Decoder {
 public:
  StripDecoder(char32_t content, size_t start, size_t stop) : content_(content), start_(start), stop_(stop) {}
  void DecodeChain(std::vector<std::string>& tokens) const override {
    for (std::string& token : tokens) {
      std::vector<size_t> bounds;  // byte offset of each character, then the size
      for (size_t i = 0; i < token.size();) {
        bounds.push_back(i);
        NextCodePoint(token, i);
      }
      size_t n = bounds.size();
      bounds.push_back(token.size());
      auto char_at = [&](size_t k) {
        size_t i = bounds[k];
        return NextCodePoint(token, i);
      };
      size_t start_cut = 0;
      for (size_t k = 0; k < start_ && k < n && char_at(k) == content_; ++k) start_cut = k + 1;
      size_t stop_cut = n;
      for (size_t k = 0; k < stop_ && k < n && char_at(n - 1 - k) == content_; ++k) stop_cut = n - 1 - k;
      token = stop_cut > start_cut ? token.substr(bounds[start_cut], bounds[stop_cut] - bounds[start_cut]) : "";
    }
  }

 private:
  char32_t content_;
  size_t start_, stop_;
};

class ReplaceDecoder : public Decoder {
 public:
  ReplaceDecoder(std::unique_ptr<Regex> regex, std::string content)
      : regex_(std::move(regex)), content_(std::move(content)) {}
  void DecodeChain(std::vector<std::string>& tokens) const override {
    std::vector<std::pair<size_t, size_t>> ranges;
    for (std::string& token : tokens) {
      ranges.clear();
      if (!regex_->FindAll(token, ranges).ok() || ranges.empty()) continue;
      std::string out;
      size_t last = 0;
      for (const auto& [start, end] : ranges) {
        out.append(token, last, start - last);
        out.append(content_);
        last = end;
      }
      out.append(token, last, std::string::npos);
      token = std::move(out);
    }
  }

 private:
  std::unique_ptr<Regex> regex_;
  std::string content_;
};

class WordPieceDecoder : public Decoder {
 public:
  WordPieceDecoder(std::string prefix, bool cleanup) : prefix_(std::move(prefix)), cleanup_(cleanup) {}
  void DecodeChain(std::vector<std::string>& tokens) const override {
    for (size_t i = 0; i < tokens.size(); ++i) {
      std::string& token = tokens[i];
      if (i != 0) {
        if (token.rfind(prefix_, 0) == 0) {
          token.erase(0, prefix_.size());
        } else {
          token = absl::StrCat(" ", token);  // (insert(0, " ") trips a GCC 12 -Wrestrict false positive)
        }
      }
      if (cleanup_) token = WordPieceCleanup(std::move(token));
    }
  }

 private:
  std::string prefix_;
  bool cleanup_;
};

class BpeDecoder : public Decoder {
 public:
  explicit BpeDecoder(std::string suffix) : suffix_(std::move(suffix)) {}
  void DecodeChain(std::vector<std::string>& tokens) const override {
    for (size_t i = 0; i < tokens.size(); ++i) {
      tokens[i] = RustReplace(tokens[i], suffix_, i + 1 == tokens.size() ? "" : " ");
    }
  }

 private:
  std::string suffix_;
};

class CtcDecoder : public Decoder {
 public:
  CtcDecoder(std::string pad, std::string delimiter, bool cleanup)
      : pad_(std::move(pad)), delimiter_(std::move(delimiter)), cleanup_(cleanup) {}
  void DecodeChain(std::vector<std::string>& tokens) const override {
    std::vector<std::string> out;
    for (size_t i = 0; i < tokens.size(); ++i) {
      if (i > 0 && tokens[i] == tokens[i - 1]) continue;  // consecutive duplicates collapse
      std::string text = RustReplace(tokens[i], pad_, "");
      if (cleanup_) {
        text = WordPieceCleanup(std::move(text));
        text = RustReplace(text, delimiter_, " ");
      }
      if (!text.empty()) out.push_back(std::move(text));
    }
    tokens = std::move(out);
  }

 private:
  std::string pad_, delimiter_;
  bool cleanup_;
};

class SequenceDecoder : public Decoder {
 public:
  explicit SequenceDecoder(std::vector<std::unique_ptr<Decoder>> items) : items_(std::move(items)) {}
  bool DecodesByteRuns() const override {
    for (const auto& item : items_) {
      if (item->DecodesByteRuns()) return true;
    }
    return false;
  }
  void DecodeChain(std::vector<std::string>& tokens) const override {
    for (const auto& item : items_) item->DecodeChain(tokens);
  }

 private:
  std::vector<std::unique_ptr<Decoder>> items_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Decoder>> MakeDecoder(const rapidjson::Value& json) {
  if (!json.IsObject()) return absl::InvalidArgumentError("decoder must be an object");
  std::string type = TypeOf(json);
  if (type == "ByteLevel") return std::unique_ptr<Decoder>(new ByteLevelDecoder());
  if (type == "Metaspace") {
    BASALT_ASSIGN_OR_RETURN(char32_t replacement, CharField(json, "replacement", "\xE2\x96\x81", type));
    BASALT_ASSIGN_OR_RETURN(std::string scheme, Field<std::string>(json, "prepend_scheme", "always", type));
    bool strip_first = scheme != "never";
    const rapidjson::Value* legacy = json::Find(json, "add_prefix_space");
    if (legacy != nullptr && legacy->IsBool() && !legacy->GetBool()) strip_first = false;
    return std::unique_ptr<Decoder>(new MetaspaceDecoder(replacement, strip_first));
  }
  if (type == "ByteFallback") return std::unique_ptr<Decoder>(new ByteFallbackDecoder());
  if (type == "Fuse") return std::unique_ptr<Decoder>(new FuseDecoder());
  if (type == "Strip") {
    BASALT_ASSIGN_OR_RETURN(char32_t content, CharField(json, "content", " ", type));
    BASALT_ASSIGN_OR_RETURN(int64_t start, Field<int64_t>(json, "start", 0, type));
    BASALT_ASSIGN_OR_RETURN(int64_t stop, Field<int64_t>(json, "stop", 0, type));
    if (start < 0 || stop < 0) return absl::InvalidArgumentError("Strip: 'start' and 'stop' must be non-negative");
    return std::unique_ptr<Decoder>(new StripDecoder(content, static_cast<size_t>(start), static_cast<size_t>(stop)));
  }
  if (type == "Replace") {
    BASALT_ASSIGN_OR_RETURN(PatternSpec pattern, ParsePattern(json, type));
    BASALT_ASSIGN_OR_RETURN(std::string content, RequiredString(json, "content", type));
    BASALT_ASSIGN_OR_RETURN(std::unique_ptr<Regex> regex,
                            pattern.is_regex ? Regex::Compile(pattern.text) : Regex::Literal(pattern.text));
    return std::unique_ptr<Decoder>(new ReplaceDecoder(std::move(regex), std::move(content)));
  }
  if (type == "WordPiece") {
    BASALT_ASSIGN_OR_RETURN(std::string prefix, Field<std::string>(json, "prefix", "##", type));
    BASALT_ASSIGN_OR_RETURN(bool cleanup, Field<bool>(json, "cleanup", true, type));
    return std::unique_ptr<Decoder>(new WordPieceDecoder(std::move(prefix), cleanup));
  }
  if (type == "BPEDecoder") {
    BASALT_ASSIGN_OR_RETURN(std::string suffix, Field<std::string>(json, "suffix", "</w>", type));
    return std::unique_ptr<Decoder>(new BpeDecoder(std::move(suffix)));
  }
  if (type == "CTC") {
    BASALT_ASSIGN_OR_RETURN(std::string pad, Field<std::string>(json, "pad_token", "<pad>", type));
    BASALT_ASSIGN_OR_RETURN(std::string delimiter, Field<std::string>(json, "word_delimiter_token", "|", type));
    BASALT_ASSIGN_OR_RETURN(bool cleanup, Field<bool>(json, "cleanup", true, type));
    return std::unique_ptr<Decoder>(new CtcDecoder(std::move(pad), std::move(delimiter), cleanup));
  }
  if (type == "Sequence") {
    BASALT_ASSIGN_OR_RETURN(auto items, ParseList<Decoder>(json, "decoders", "Sequence decoder", MakeDecoder));
    return std::unique_ptr<Decoder>(new SequenceDecoder(std::move(items)));
  }
  return absl::InvalidArgumentError(absl::StrCat("unsupported decoder type \"", type, "\""));
}

}  // namespace basalt::tokenizer
