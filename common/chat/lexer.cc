#include "common/chat/lexer.h"

#include <unicode/uchar.h>

#include <cerrno>
#include <cstdlib>

#include "common/chat/error.h"
#include "common/chat/py_format.h"
#include "common/chat/str_cat.h"
#include "common/chat/unicode.h"

namespace basalt::chat {
namespace {

[[noreturn]] void SyntaxError(std::string message, int line) {
  throw TemplateError(TemplateError::Kind::kSyntax, std::move(message), line);
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

int CountNewlines(std::string_view s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

// jinja2 reads "\r\n", "\r" and "\n" as line breaks and drops one trailing newline.
std::string NormalizeNewlines(std::string_view source) {
  std::string out;
  out.reserve(source.size());
  for (size_t i = 0; i < source.size(); ++i) {
    if (source[i] == '\r') {
      out += '\n';
      if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
    } else {
      out += source[i];
    }
  }
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

// Length of Unicode whitespace starting at pos.
size_t SpanSpace(std::string_view s, size_t pos) {
  size_t i = pos;
  while (i < s.size()) {
    size_t next = i;
    if (!unicode::IsSpace(unicode::DecodeNext(s, &next))) break;
    i = next;
  }
  return i - pos;
}

bool AllSpace(std::string_view s) { return !s.empty() && SpanSpace(s, 0) == s.size(); }

// (\d+_)*\d+ : digits with single underscores between them.
size_t MatchDigits(std::string_view s, size_t pos, bool (*is_digit)(char)) {
  size_t i = pos;
  if (i >= s.size() || !is_digit(s[i])) return 0;
  while (i < s.size()) {
    if (is_digit(s[i])) {
      ++i;
    } else if (s[i] == '_' && i + 1 < s.size() && is_digit(s[i + 1])) {
      i += 2;
    } else {
      break;
    }
  }
  return i - pos;
}

size_t MatchFloat(std::string_view s, size_t pos) {
  if (pos > 0 && s[pos - 1] == '.') return 0;
  size_t i = pos + MatchDigits(s, pos, IsDigit);
  if (i == pos) return 0;
  // (\.digits)? e[+-]?digits
  const auto exponent = [&](size_t at) -> size_t {
    if (at >= s.size() || (s[at] != 'e' && s[at] != 'E')) return 0;
    size_t j = at + 1;
    if (j < s.size() && (s[j] == '+' || s[j] == '-')) ++j;
    size_t d = MatchDigits(s, j, IsDigit);
    return d ? j + d - at : 0;
  };
  size_t fraction = 0;
  if (i < s.size() && s[i] == '.') {
    size_t d = MatchDigits(s, i + 1, IsDigit);
    if (d) fraction = d + 1;
  }
  if (size_t e = exponent(i + fraction)) return i + fraction + e - pos;
  if (fraction) return i + fraction - pos;
  return 0;
}

size_t MatchInteger(std::string_view s, size_t pos) {
  if (pos >= s.size() || !IsDigit(s[pos])) return 0;
  if (s[pos] == '0' && pos + 1 < s.size()) {
    char p = static_cast<char>(s[pos + 1] | 0x20);
    bool (*digit)(char) = nullptr;
    if (p == 'b') digit = [](char c) { return c == '0' || c == '1'; };
    if (p == 'o') digit = [](char c) { return c >= '0' && c <= '7'; };
    if (p == 'x') digit = [](char c) { return IsDigit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f'); };
    if (digit) {
      // (_?digit)+
      size_t i = pos + 2;
      while (i < s.size()) {
        if (digit(s[i])) {
          ++i;
        } else if (s[i] == '_' && i + 1 < s.size() && digit(s[i + 1])) {
          i += 2;
        } else {
          break;
        }
      }
      if (i > pos + 2) return i - pos;
    }
  }
  if (s[pos] == '0') {
    return MatchDigits(s, pos, [](char c) { return c == '0'; });
  }
  return MatchDigits(s, pos, IsDigit);
}

int64_t ParseInteger(std::string_view text, int line) {
  std::string digits;
  for (char c : text) {
    if (c != '_') digits += c;
  }
  int base = 10;
  size_t start = 0;
  if (digits.size() > 2 && digits[0] == '0') {
    char p = static_cast<char>(digits[1] | 0x20);
    base = p == 'b' ? 2 : p == 'o' ? 8 : p == 'x' ? 16 : 10;
    if (base != 10) start = 2;
  }
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(digits.c_str() + start, &end, base);
  if (errno == ERANGE) SyntaxError(StrCat("integer literal too large: ", text), line);
  return v;
}

size_t MatchName(std::string_view s, size_t pos) {
  size_t i = pos;
  while (i < s.size()) {
    size_t next = i;
    char32_t cp = unicode::DecodeNext(s, &next);
    bool ok = cp < 0x80 ? (cp == '_' || (cp | 0x20) - 'a' < 26u || (cp >= '0' && cp <= '9'))
                        : (unicode::IsWordChar(cp) || u_hasBinaryProperty(static_cast<UChar32>(cp), UCHAR_XID_CONTINUE));
    if (!ok) break;
    i = next;
  }
  return i - pos;
}

bool IsIdentifier(std::string_view name) {
  size_t i = 0;
  char32_t first = unicode::DecodeNext(name, &i);
  if (first < 0x80) return first == '_' || (first | 0x20) - 'a' < 26u;
  return u_hasBinaryProperty(static_cast<UChar32>(first), UCHAR_XID_START);
}

int HexValue(char c) {
  if (IsDigit(c)) return c - '0';
  c = static_cast<char>(c | 0x20);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Python's str.encode("ascii", "backslashreplace").decode("unicode-escape"), which jinja2 applies to
// string literals.
std::string UnescapeString(std::string_view body, int line) {
  std::string out;
  for (size_t i = 0; i < body.size();) {
    if (body[i] != '\\') {
      size_t start = i;
      unicode::DecodeNext(body, &i);
      out.append(body.substr(start, i - start));
      continue;
    }
    if (i + 1 >= body.size()) SyntaxError("\\ at end of string", line);
    char c = body[i + 1];
    i += 2;
    const auto hex_escape = [&](int digits, const char* what) {
      uint32_t cp = 0;
      for (int k = 0; k < digits; ++k) {
        int h = i + k < body.size() ? HexValue(body[i + k]) : -1;
        if (h < 0) SyntaxError(StrCat("truncated ", what, " escape"), line);
        cp = cp * 16 + h;
      }
      i += digits;
      if (cp > 0x10FFFF) SyntaxError("illegal Unicode character", line);
      unicode::AppendUtf8(&out, cp);
    };
    switch (c) {
      case '\n':
        break;
      case '\\':
        out += '\\';
        break;
      case '\'':
        out += '\'';
        break;
      case '"':
        out += '"';
        break;
      case 'a':
        out += '\a';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'v':
        out += '\v';
        break;
      case 'x':
        hex_escape(2, "\\xXX");
        break;
      case 'u':
        hex_escape(4, "\\uXXXX");
        break;
      case 'U':
        hex_escape(8, "\\UXXXXXXXX");
        break;
      case 'N': {
        size_t close = body.find('}', i);
        if (i >= body.size() || body[i] != '{' || close == std::string_view::npos) {
          SyntaxError("malformed \\N character escape", line);
        }
        std::string name(body.substr(i + 1, close - i - 1));
        UErrorCode status = U_ZERO_ERROR;
        UChar32 cp = u_charFromName(U_UNICODE_CHAR_NAME, name.c_str(), &status);
        if (U_FAILURE(status)) SyntaxError("unknown Unicode character name", line);
        unicode::AppendUtf8(&out, static_cast<char32_t>(cp));
        i = close + 1;
        break;
      }
      default:
        if (c >= '0' && c <= '7') {
          uint32_t cp = c - '0';
          for (int k = 0; k < 2 && i < body.size() && body[i] >= '0' && body[i] <= '7'; ++k) cp = cp * 8 + (body[i++] - '0');
          unicode::AppendUtf8(&out, cp);
        } else if (static_cast<unsigned char>(c) >= 0x80) {
          // backslashreplace turned the character into \xNN / \uNNNN, and the escaped backslash before
          // it keeps that text literal.
          size_t start = i - 1;
          out += EscapeCodePoint(unicode::DecodeNext(body, &start));
          i = start;
        } else {
          out += '\\';
          out += c;
        }
    }
  }
  return out;
}

// Closing quote position of a string literal starting at pos, or npos.
size_t MatchString(std::string_view s, size_t pos) {
  char quote = s[pos];
  for (size_t i = pos + 1; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
    } else if (s[i] == quote) {
      return i;
    }
  }
  return std::string_view::npos;
}

size_t MatchOperator(std::string_view s, size_t pos) {
  static constexpr std::string_view kTwo[] = {"//", "**", "==", "!=", ">=", "<="};
  for (std::string_view op : kTwo) {
    if (s.substr(pos, 2) == op) return 2;
  }
  return std::string_view("+-/*%~[](){}><=.:|,;").find(s[pos]) != std::string_view::npos ? 1 : 0;
}

class Lexer {
 public:
  explicit Lexer(std::string_view source) : src_(NormalizeNewlines(source)) {}

  std::vector<Token> Run() {
    while (pos_ < src_.size()) {
      if (!LexRootStep()) break;
    }
    Emit(TokenType::kEof, "", line_);
    return std::move(tokens_);
  }

 private:
  enum class TagKind { kVariable, kBlock, kComment };

  void Emit(TokenType type, std::string text, int line) {
    Token t;
    t.type = type;
    t.text = std::move(text);
    t.line = line;
    tokens_.push_back(std::move(t));
  }

  // Text before a tag, after the `-` / lstrip_blocks whitespace rules.
  void EmitText(std::string_view text, char sign, bool lstrip_applies) {
    std::string_view kept = text;
    if (sign == '-') {
      kept = unicode::Strip(text, false, true);
    } else if (sign != '+' && lstrip_applies) {
      size_t last_nl = text.rfind('\n');
      size_t l_pos = last_nl == std::string_view::npos ? 0 : last_nl + 1;
      if ((l_pos > 0 || line_starting_) && AllSpace(text.substr(l_pos))) kept = text.substr(0, l_pos);
    }
    if (!kept.empty()) Emit(TokenType::kData, std::string(kept), line_);
    line_ += CountNewlines(text);
  }

  // Matches `{%(-|+|)\s*raw\s*(-%}\s*|%})` at pos; returns its end or npos.
  size_t MatchRawBegin(size_t pos) const {
    size_t i = pos + 2;
    if (i < src_.size() && (src_[i] == '-' || src_[i] == '+')) ++i;
    i += SpanSpace(src_, i);
    if (src_.compare(i, 3, "raw") != 0) return std::string::npos;
    i += 3;
    i += SpanSpace(src_, i);
    if (src_.compare(i, 3, "-%}") == 0) return i + 3 + SpanSpace(src_, i + 3);
    if (src_.compare(i, 2, "%}") == 0) return i + 2;
    return std::string::npos;
  }

  // One root-state match: text up to the next tag plus the tag. False at end of input.
  bool LexRootStep() {
    size_t start = pos_;
    TagKind kind = TagKind::kVariable;
    for (;; ++start) {
      start = src_.find('{', start);
      if (start == std::string::npos || start + 1 >= src_.size()) {
        EmitText(std::string_view(src_).substr(pos_), 0, false);
        pos_ = src_.size();
        return false;
      }
      char c = src_[start + 1];
      if (c == '{' || c == '%' || c == '#') {
        kind = c == '{' ? TagKind::kVariable : c == '%' ? TagKind::kBlock : TagKind::kComment;
        break;
      }
    }
    std::string_view text = std::string_view(src_).substr(pos_, start - pos_);
    char sign = 0;
    if (start + 2 < src_.size() && (src_[start + 2] == '-' || src_[start + 2] == '+')) sign = src_[start + 2];
    EmitText(text, sign, kind != TagKind::kVariable);
    int tag_line = line_;
    if (kind == TagKind::kBlock) {
      size_t raw_end = MatchRawBegin(start);
      if (raw_end != std::string::npos) {
        line_ += CountNewlines(std::string_view(src_).substr(start, raw_end - start));
        line_starting_ = raw_end > 0 && src_[raw_end - 1] == '\n';
        pos_ = raw_end;
        LexRaw();
        return true;
      }
    }
    pos_ = start + 2 + (sign ? 1 : 0);
    line_starting_ = false;
    switch (kind) {
      case TagKind::kComment:
        LexComment(tag_line);
        break;
      case TagKind::kBlock:
        Emit(TokenType::kBlockBegin, "{%", tag_line);
        LexTag(false);
        break;
      case TagKind::kVariable:
        Emit(TokenType::kVariableBegin, "{{", tag_line);
        LexTag(true);
        break;
    }
    return true;
  }

  void LexComment(int tag_line) {
    for (size_t i = pos_; i + 1 < src_.size(); ++i) {
      size_t end = std::string::npos;
      if (src_[i] == '+' && src_.compare(i + 1, 2, "#}") == 0) {
        end = i + 3;
      } else if (src_[i] == '-' && src_.compare(i + 1, 2, "#}") == 0) {
        end = i + 3 + SpanSpace(src_, i + 3);
      } else if (src_.compare(i, 2, "#}") == 0) {
        end = i + 2;
        if (end < src_.size() && src_[end] == '\n') ++end;  // trim_blocks
      }
      if (end != std::string::npos) {
        line_ += CountNewlines(std::string_view(src_).substr(pos_, end - pos_));
        line_starting_ = src_[end - 1] == '\n';
        pos_ = end;
        return;
      }
    }
    SyntaxError("Missing end of comment tag", tag_line);
  }

  void LexRaw() {
    for (size_t i = src_.find("{%", pos_); i != std::string::npos; i = src_.find("{%", i + 1)) {
      size_t j = i + 2;
      char sign = 0;
      if (j < src_.size() && (src_[j] == '-' || src_[j] == '+')) sign = src_[j++];
      j += SpanSpace(src_, j);
      if (src_.compare(j, 6, "endraw") != 0) continue;
      j += 6;
      j += SpanSpace(src_, j);
      size_t end = std::string::npos;
      if (src_.compare(j, 3, "+%}") == 0) {
        end = j + 3;
      } else if (src_.compare(j, 3, "-%}") == 0) {
        end = j + 3 + SpanSpace(src_, j + 3);
      } else if (src_.compare(j, 2, "%}") == 0) {
        end = j + 2;
        if (end < src_.size() && src_[end] == '\n') ++end;
      }
      if (end == std::string::npos) continue;
      EmitText(std::string_view(src_).substr(pos_, i - pos_), sign, true);
      line_ += CountNewlines(std::string_view(src_).substr(i, end - i));
      line_starting_ = src_[end - 1] == '\n';
      pos_ = end;
      return;
    }
    SyntaxError("Missing end of raw directive", line_);
  }

  // Tokens inside {{ }} or {% %} up to and including the end delimiter.
  void LexTag(bool variable) {
    std::vector<char> balance;
    while (true) {
      if (pos_ >= src_.size()) {
        SyntaxError(variable ? "unexpected end of template, expected '}}'" : "unexpected end of template, expected '%}'",
                    line_);
      }
      std::string_view rest = std::string_view(src_).substr(pos_);
      if (balance.empty()) {
        size_t end = std::string::npos;
        if (variable) {
          if (rest.substr(0, 3) == "-}}") end = 3 + SpanSpace(rest, 3);
          else if (rest.substr(0, 2) == "}}") end = 2;
        } else {
          if (rest.substr(0, 3) == "+%}") {
            end = 3;
          } else if (rest.substr(0, 3) == "-%}") {
            end = 3 + SpanSpace(rest, 3);
          } else if (rest.substr(0, 2) == "%}") {
            end = 2;
            if (rest.size() > 2 && rest[2] == '\n') end = 3;  // trim_blocks
          }
        }
        if (end != std::string::npos) {
          Emit(variable ? TokenType::kVariableEnd : TokenType::kBlockEnd, variable ? "}}" : "%}", line_);
          line_ += CountNewlines(rest.substr(0, end));
          line_starting_ = rest[end - 1] == '\n';
          pos_ += end;
          return;
        }
      }
      if (size_t n = SpanSpace(src_, pos_)) {
        line_ += CountNewlines(rest.substr(0, n));
        pos_ += n;
        continue;
      }
      if (size_t n = MatchFloat(src_, pos_)) {
        std::string text;
        for (char c : rest.substr(0, n)) {
          if (c != '_') text += c;
        }
        Token t;
        t.type = TokenType::kFloat;
        t.text = std::string(rest.substr(0, n));
        t.float_value = std::strtod(text.c_str(), nullptr);
        t.line = line_;
        tokens_.push_back(std::move(t));
        pos_ += n;
        continue;
      }
      if (size_t n = MatchInteger(src_, pos_)) {
        Token t;
        t.type = TokenType::kInteger;
        t.text = std::string(rest.substr(0, n));
        t.int_value = ParseInteger(t.text, line_);
        t.line = line_;
        tokens_.push_back(std::move(t));
        pos_ += n;
        continue;
      }
      if (size_t n = MatchName(src_, pos_)) {
        std::string name(rest.substr(0, n));
        if (!IsIdentifier(name)) SyntaxError("Invalid character in identifier", line_);
        Emit(TokenType::kName, std::move(name), line_);
        pos_ += n;
        continue;
      }
      if (rest[0] == '\'' || rest[0] == '"') {
        size_t close = MatchString(rest, 0);
        if (close != std::string_view::npos) {
          Emit(TokenType::kString, UnescapeString(rest.substr(1, close - 1), line_), line_);
          line_ += CountNewlines(rest.substr(0, close));
          pos_ += close + 1;
          continue;
        }
      }
      if (size_t n = MatchOperator(src_, pos_)) {
        std::string op(rest.substr(0, n));
        char c = op[0];
        if (n == 1 && (c == '{' || c == '(' || c == '[')) {
          balance.push_back(c == '{' ? '}' : c == '(' ? ')' : ']');
        } else if (n == 1 && (c == '}' || c == ')' || c == ']')) {
          if (balance.empty()) SyntaxError(StrCat("unexpected '", op, "'"), line_);
          char expected = balance.back();
          balance.pop_back();
          if (expected != c) {
            SyntaxError(StrCat("unexpected '", op, "', expected '", std::string(1, expected), "'"), line_);
          }
        }
        Emit(TokenType::kOperator, std::move(op), line_);
        pos_ += n;
        continue;
      }
      size_t probe = 0;
      char32_t cp = unicode::DecodeNext(rest, &probe);
      std::string ch;
      unicode::AppendUtf8(&ch, cp);
      SyntaxError(StrCat("unexpected char ", StringRepr(ch), " at ", pos_), line_);
    }
  }

  std::string src_;
  size_t pos_ = 0;
  int line_ = 1;
  bool line_starting_ = true;
  std::vector<Token> tokens_;
};

}  // namespace

std::vector<Token> Tokenize(std::string_view source) { return Lexer(source).Run(); }

}  // namespace basalt::chat
