#include "common/chat/unicode.h"

#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/locid.h>

#include <algorithm>

namespace basalt::chat::unicode {

char32_t DecodeNext(std::string_view s, size_t* pos) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  size_t i = *pos;
  unsigned char c = byte(i);
  if (c < 0x80) {
    *pos = i + 1;
    return c;
  }
  int extra = 0;
  char32_t cp = 0;
  char32_t min = 0;
  if ((c & 0xE0) == 0xC0) {
    extra = 1, cp = c & 0x1F, min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    extra = 2, cp = c & 0x0F, min = 0x800;
  } else if ((c & 0xF8) == 0xF0) {
    extra = 3, cp = c & 0x07, min = 0x10000;
  } else {
    *pos = i + 1;
    return 0xFFFD;
  }
  if (i + extra >= s.size()) {
    *pos = i + 1;
    return 0xFFFD;
  }
  for (int k = 1; k <= extra; ++k) {
    unsigned char cc = byte(i + k);
    if ((cc & 0xC0) != 0x80) {
      *pos = i + 1;
      return 0xFFFD;
    }
    cp = (cp << 6) | (cc & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    *pos = i + 1;
    return 0xFFFD;
  }
  *pos = i + 1 + extra;
  return cp;
}

void AppendUtf8(std::string* out, char32_t cp) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::u32string ToCodePoints(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) out.push_back(DecodeNext(s, &i));
  return out;
}

std::string FromCodePoints(std::u32string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char32_t cp : s) AppendUtf8(&out, cp);
  return out;
}

size_t CodePointCount(std::string_view s) {
  if (IsAscii(s)) return s.size();
  size_t n = 0;
  for (size_t i = 0; i < s.size(); ++n) DecodeNext(s, &i);
  return n;
}

bool IsAscii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

bool IsSpace(char32_t cp) {
  if (cp < 0x80) return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20);
  return cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 ||
         cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

bool IsLineBreak(char32_t cp) {
  return cp == '\n' || cp == '\r' || cp == 0x0B || cp == 0x0C || cp == 0x1C || cp == 0x1D || cp == 0x1E ||
         cp == 0x85 || cp == 0x2028 || cp == 0x2029;
}

bool IsPrintable(char32_t cp) {
  if (cp == ' ') return true;
  if (cp < 0x80) return cp > 0x20 && cp < 0x7F;
  switch (u_charType(static_cast<UChar32>(cp))) {
    case U_CONTROL_CHAR:
    case U_FORMAT_CHAR:
    case U_SURROGATE:
    case U_PRIVATE_USE_CHAR:
    case U_UNASSIGNED:
    case U_LINE_SEPARATOR:
    case U_PARAGRAPH_SEPARATOR:
    case U_SPACE_SEPARATOR:
      return false;
    default:
      return true;
  }
}

bool IsAlpha(char32_t cp) {
  if (cp < 0x80) return (cp | 0x20) >= 'a' && (cp | 0x20) <= 'z';
  switch (u_charType(static_cast<UChar32>(cp))) {
    case U_UPPERCASE_LETTER:
    case U_LOWERCASE_LETTER:
    case U_TITLECASE_LETTER:
    case U_MODIFIER_LETTER:
    case U_OTHER_LETTER:
      return true;
    default:
      return false;
  }
}

bool IsDecimal(char32_t cp) {
  if (cp < 0x80) return cp >= '0' && cp <= '9';
  return u_charType(static_cast<UChar32>(cp)) == U_DECIMAL_DIGIT_NUMBER;
}

bool IsDigit(char32_t cp) {
  if (cp < 0x80) return cp >= '0' && cp <= '9';
  int type = u_getIntPropertyValue(static_cast<UChar32>(cp), UCHAR_NUMERIC_TYPE);
  return type == U_NT_DECIMAL || type == U_NT_DIGIT;
}

bool IsAlnum(char32_t cp) {
  if (IsAlpha(cp) || IsDigit(cp)) return true;
  return cp >= 0x80 && u_getIntPropertyValue(static_cast<UChar32>(cp), UCHAR_NUMERIC_TYPE) != U_NT_NONE;
}

bool IsWordChar(char32_t cp) { return cp == '_' || IsAlnum(cp); }

bool IsLower(char32_t cp) {
  if (cp < 0x80) return cp >= 'a' && cp <= 'z';
  return u_hasBinaryProperty(static_cast<UChar32>(cp), UCHAR_LOWERCASE);
}

bool IsUpper(char32_t cp) {
  if (cp < 0x80) return cp >= 'A' && cp <= 'Z';
  return u_hasBinaryProperty(static_cast<UChar32>(cp), UCHAR_UPPERCASE);
}

bool IsTitle(char32_t cp) { return cp >= 0x80 && u_charType(static_cast<UChar32>(cp)) == U_TITLECASE_LETTER; }

bool IsCased(char32_t cp) { return IsLower(cp) || IsUpper(cp) || IsTitle(cp); }

namespace {

template <typename AsciiFn, typename IcuFn>
std::string MapCase(std::string_view s, AsciiFn ascii, IcuFn icu) {
  if (IsAscii(s)) {
    std::string out(s);
    for (char& c : out) c = ascii(c);
    return out;
  }
  icu::UnicodeString u = icu::UnicodeString::fromUTF8(icu::StringPiece(s.data(), static_cast<int32_t>(s.size())));
  icu(u);
  std::string out;
  u.toUTF8String(out);
  return out;
}

}  // namespace

std::string ToUpper(std::string_view s) {
  return MapCase(
      s, [](char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c; },
      [](icu::UnicodeString& u) { u.toUpper(icu::Locale::getRoot()); });
}

std::string ToLower(std::string_view s) {
  return MapCase(
      s, [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; },
      [](icu::UnicodeString& u) { u.toLower(icu::Locale::getRoot()); });
}

std::string ToTitleChar(char32_t cp) {
  std::string out;
  if (cp < 0x80) {
    AppendUtf8(&out, (cp >= 'a' && cp <= 'z') ? cp - 32 : cp);
    return out;
  }
  // Characters whose title case is several code points (ß -> Ss) follow the upper-case expansion.
  UChar32 title = u_totitle(static_cast<UChar32>(cp));
  if (title == static_cast<UChar32>(cp) && !IsTitle(cp) && IsLower(cp)) {
    std::string single;
    AppendUtf8(&single, cp);
    std::string upper = ToUpper(single);
    if (CodePointCount(upper) > 1) {
      std::u32string cps = ToCodePoints(upper);
      AppendUtf8(&out, cps[0]);
      out += ToLower(FromCodePoints(cps.substr(1)));
      return out;
    }
  }
  AppendUtf8(&out, static_cast<char32_t>(title));
  return out;
}

std::string_view Strip(std::string_view s, bool left, bool right) {
  size_t begin = 0;
  size_t end = s.size();
  if (left) {
    while (begin < end) {
      size_t next = begin;
      if (!IsSpace(DecodeNext(s, &next))) break;
      begin = next;
    }
  }
  if (right) {
    while (end > begin) {
      // Step back to the start of the last code point.
      size_t start = end - 1;
      while (start > begin && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
      size_t probe = start;
      if (!IsSpace(DecodeNext(s, &probe))) break;
      end = start;
    }
  }
  return s.substr(begin, end - begin);
}

std::string StripChars(std::string_view s, std::string_view chars, bool left, bool right) {
  std::u32string set = ToCodePoints(chars);
  std::u32string cps = ToCodePoints(s);
  size_t begin = 0;
  size_t end = cps.size();
  const auto in_set = [&](char32_t c) { return set.find(c) != std::u32string::npos; };
  if (left) {
    while (begin < end && in_set(cps[begin])) ++begin;
  }
  if (right) {
    while (end > begin && in_set(cps[end - 1])) --end;
  }
  return FromCodePoints(std::u32string_view(cps).substr(begin, end - begin));
}

}  // namespace basalt::chat::unicode
