#include "common/chat/py_str.h"

#include "common/chat/error.h"
#include "common/chat/unicode.h"

namespace basalt::chat::pystr {
namespace {

// Byte offset of each code point, plus the end: lets code-point indices address the UTF-8 bytes.
std::vector<size_t> Offsets(std::string_view s) {
  std::vector<size_t> offsets;
  offsets.reserve(s.size() + 1);
  for (size_t i = 0; i < s.size();) {
    offsets.push_back(i);
    unicode::DecodeNext(s, &i);
  }
  offsets.push_back(s.size());
  return offsets;
}

bool SpaceAt(std::string_view s, size_t i, size_t* next) {
  *next = i;
  return unicode::IsSpace(unicode::DecodeNext(s, next));
}

}  // namespace

std::vector<std::string> Split(std::string_view s, const std::optional<std::string>& sep, int64_t maxsplit) {
  std::vector<std::string> out;
  if (sep) {
    if (sep->empty()) ThrowRender("empty separator");
    size_t pos = 0;
    while (maxsplit < 0 || static_cast<int64_t>(out.size()) < maxsplit) {
      size_t found = s.find(*sep, pos);
      if (found == std::string_view::npos) break;
      out.emplace_back(s.substr(pos, found - pos));
      pos = found + sep->size();
    }
    out.emplace_back(s.substr(pos));
    return out;
  }
  size_t i = 0;
  size_t next;
  while (true) {
    while (i < s.size() && SpaceAt(s, i, &next)) i = next;
    if (i >= s.size()) break;
    if (maxsplit >= 0 && static_cast<int64_t>(out.size()) >= maxsplit) {
      out.emplace_back(s.substr(i));
      break;
    }
    size_t start = i;
    while (i < s.size() && !SpaceAt(s, i, &next)) i = next;
    out.emplace_back(s.substr(start, i - start));
  }
  return out;
}

std::vector<std::string> RSplit(std::string_view s, const std::optional<std::string>& sep, int64_t maxsplit) {
  std::vector<std::string> out;
  if (sep) {
    if (sep->empty()) ThrowRender("empty separator");
    size_t end = s.size();
    while (maxsplit < 0 || static_cast<int64_t>(out.size()) < maxsplit) {
      if (end < sep->size()) break;
      size_t found = s.rfind(*sep, end - sep->size());
      if (found == std::string_view::npos) break;
      out.emplace_back(s.substr(found + sep->size(), end - found - sep->size()));
      end = found;
    }
    out.emplace_back(s.substr(0, end));
    return {out.rbegin(), out.rend()};
  }
  std::vector<size_t> offsets = Offsets(s);
  int64_t i = static_cast<int64_t>(offsets.size()) - 2;  // last code point
  size_t next;
  const auto space = [&](int64_t k) { return SpaceAt(s, offsets[k], &next); };
  while (true) {
    while (i >= 0 && space(i)) --i;
    if (i < 0) break;
    if (maxsplit >= 0 && static_cast<int64_t>(out.size()) >= maxsplit) {
      out.emplace_back(s.substr(0, offsets[i + 1]));
      break;
    }
    int64_t end = i;
    while (i >= 0 && !space(i)) --i;
    out.emplace_back(s.substr(offsets[i + 1], offsets[end + 1] - offsets[i + 1]));
  }
  return {out.rbegin(), out.rend()};
}

std::vector<std::string> SplitLines(std::string_view s, bool keepends) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t i = 0; i < s.size();) {
    size_t next = i;
    char32_t cp = unicode::DecodeNext(s, &next);
    if (!unicode::IsLineBreak(cp)) {
      i = next;
      continue;
    }
    size_t eol = next;
    if (cp == '\r' && eol < s.size() && s[eol] == '\n') ++eol;
    out.emplace_back(s.substr(start, (keepends ? eol : i) - start));
    start = i = eol;
  }
  if (start < s.size()) out.emplace_back(s.substr(start));
  return out;
}

std::string Replace(std::string_view s, std::string_view old, std::string_view replacement, int64_t count) {
  std::string out;
  if (old.empty()) {
    // Python inserts the replacement before every code point and at the end.
    std::vector<size_t> offsets = Offsets(s);
    int64_t done = 0;
    for (size_t k = 0; k + 1 < offsets.size(); ++k) {
      if (count < 0 || done < count) out += replacement, ++done;
      out.append(s.substr(offsets[k], offsets[k + 1] - offsets[k]));
    }
    if (count < 0 || done < count) out += replacement;
    return out;
  }
  size_t pos = 0;
  int64_t done = 0;
  while (count < 0 || done < count) {
    size_t found = s.find(old, pos);
    if (found == std::string_view::npos) break;
    out.append(s.substr(pos, found - pos));
    out += replacement;
    pos = found + old.size();
    ++done;
  }
  out.append(s.substr(pos));
  return out;
}

namespace {

std::string Lower1(char32_t cp) {
  std::string one;
  unicode::AppendUtf8(&one, cp);
  return unicode::ToLower(one);
}

std::string Upper1(char32_t cp) {
  std::string one;
  unicode::AppendUtf8(&one, cp);
  return unicode::ToUpper(one);
}

}  // namespace

std::string Title(std::string_view s) {
  std::string out;
  bool previous_cased = false;
  for (size_t i = 0; i < s.size();) {
    char32_t cp = unicode::DecodeNext(s, &i);
    out += previous_cased ? Lower1(cp) : unicode::ToTitleChar(cp);
    previous_cased = unicode::IsCased(cp);
  }
  return out;
}

std::string Capitalize(std::string_view s) {
  if (s.empty()) return "";
  size_t i = 0;
  char32_t first = unicode::DecodeNext(s, &i);
  return unicode::ToTitleChar(first) + unicode::ToLower(s.substr(i));
}

std::string SwapCase(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    char32_t cp = unicode::DecodeNext(s, &i);
    if (unicode::IsUpper(cp)) {
      out += Lower1(cp);
    } else if (unicode::IsLower(cp)) {
      out += Upper1(cp);
    } else {
      unicode::AppendUtf8(&out, cp);
    }
  }
  return out;
}

bool IsTitle(std::string_view s) {
  bool cased = false;
  bool previous_cased = false;
  for (size_t i = 0; i < s.size();) {
    char32_t cp = unicode::DecodeNext(s, &i);
    if (unicode::IsUpper(cp) || unicode::IsTitle(cp)) {
      if (previous_cased) return false;
      previous_cased = cased = true;
    } else if (unicode::IsLower(cp)) {
      if (!previous_cased) return false;
      previous_cased = cased = true;
    } else {
      previous_cased = false;
    }
  }
  return cased;
}

bool IsAllCase(std::string_view s, bool upper) {
  bool cased = false;
  for (size_t i = 0; i < s.size();) {
    char32_t cp = unicode::DecodeNext(s, &i);
    if (upper ? (unicode::IsLower(cp) || unicode::IsTitle(cp)) : (unicode::IsUpper(cp) || unicode::IsTitle(cp))) {
      return false;
    }
    if (upper ? unicode::IsUpper(cp) : unicode::IsLower(cp)) cased = true;
  }
  return cased;
}

std::string Justify(std::string_view s, int64_t width, std::string_view fill, char align) {
  int64_t len = static_cast<int64_t>(unicode::CodePointCount(s));
  if (width <= len) return std::string(s);
  if (width > 1 << 24) ThrowRender("width too large");
  int64_t marg = width - len;
  int64_t left = align == '<' ? 0 : align == '>' ? marg : marg / 2 + (marg & width & 1);
  std::string out;
  for (int64_t i = 0; i < left; ++i) out += fill;
  out += s;
  for (int64_t i = 0; i < marg - left; ++i) out += fill;
  return out;
}

std::string ZFill(std::string_view s, int64_t width) {
  int64_t len = static_cast<int64_t>(unicode::CodePointCount(s));
  if (width <= len) return std::string(s);
  if (width > 1 << 24) ThrowRender("width too large");
  std::string sign;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    sign = s.substr(0, 1);
    s.remove_prefix(1);
  }
  return sign + std::string(width - len, '0') + std::string(s);
}

void ClampRange(int64_t n, std::optional<int64_t> start, std::optional<int64_t> end, int64_t* b, int64_t* e) {
  const auto clamp = [n](int64_t i) {
    if (i < 0) i += n;
    return i < 0 ? 0 : (i > n ? n : i);
  };
  *b = start ? clamp(*start) : 0;
  *e = end ? clamp(*end) : n;
}

int64_t Find(std::string_view s, std::string_view sub, std::optional<int64_t> start, std::optional<int64_t> end,
             bool reverse) {
  std::vector<size_t> offsets = Offsets(s);
  int64_t n = static_cast<int64_t>(offsets.size()) - 1;
  int64_t b, e;
  ClampRange(n, start, end, &b, &e);
  if (b > e) return -1;
  std::string_view window = s.substr(offsets[b], offsets[e] - offsets[b]);
  size_t found = reverse ? window.rfind(sub) : window.find(sub);
  if (found == std::string_view::npos) return -1;
  size_t byte = offsets[b] + found;
  // Code-point index of the byte offset.
  int64_t lo = b;
  while (offsets[lo] < byte) ++lo;
  return lo;
}

int64_t Count(std::string_view s, std::string_view sub, std::optional<int64_t> start, std::optional<int64_t> end) {
  std::vector<size_t> offsets = Offsets(s);
  int64_t n = static_cast<int64_t>(offsets.size()) - 1;
  int64_t b, e;
  ClampRange(n, start, end, &b, &e);
  if (b > e) return 0;
  if (sub.empty()) return e - b + 1;
  std::string_view window = s.substr(offsets[b], offsets[e] - offsets[b]);
  int64_t count = 0;
  for (size_t pos = window.find(sub); pos != std::string_view::npos; pos = window.find(sub, pos + sub.size())) {
    ++count;
  }
  return count;
}

}  // namespace basalt::chat::pystr
