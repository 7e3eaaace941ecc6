#pragma once
// Python's view of text: strings are sequences of code points, with Python's definitions of whitespace,
// printable characters and case. Basalt keeps strings as UTF-8; these helpers do the code-point work.
// Invalid UTF-8 bytes decode as U+FFFD (a JSON parser normally rejects them before they get here).
#include <string>
#include <string_view>

namespace basalt::chat::unicode {

// Decodes the code point at s[*pos] and advances *pos past it.
char32_t DecodeNext(std::string_view s, size_t* pos);
void AppendUtf8(std::string* out, char32_t cp);
std::u32string ToCodePoints(std::string_view s);
std::string FromCodePoints(std::u32string_view s);
size_t CodePointCount(std::string_view s);
bool IsAscii(std::string_view s);

// str.isspace / re's \s.
bool IsSpace(char32_t cp);
// A line boundary for str.splitlines (\r\n is handled by the caller).
bool IsLineBreak(char32_t cp);
// str.isprintable: what repr() leaves unescaped.
bool IsPrintable(char32_t cp);
bool IsAlpha(char32_t cp);
bool IsDecimal(char32_t cp);
bool IsDigit(char32_t cp);
bool IsAlnum(char32_t cp);
// re's \w.
bool IsWordChar(char32_t cp);
bool IsLower(char32_t cp);
bool IsUpper(char32_t cp);
bool IsTitle(char32_t cp);
bool IsCased(char32_t cp);

// Full case mappings, as str.upper() / str.lower() (language-independent, final sigma included).
std::string ToUpper(std::string_view s);
std::string ToLower(std::string_view s);
// Title case of one code point (str.title / str.capitalize use it for a word's first letter).
std::string ToTitleChar(char32_t cp);

// Python's str.strip/lstrip/rstrip: strip whitespace (chars empty) or any code point of `chars`.
std::string_view Strip(std::string_view s, bool left, bool right);
std::string StripChars(std::string_view s, std::string_view chars, bool left, bool right);

}  // namespace basalt::chat::unicode
