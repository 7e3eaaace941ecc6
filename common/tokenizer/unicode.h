#pragma once
// UTF-8 and Unicode character classes with the exact meanings the Rust `tokenizers` crate uses
// (Rust's char methods, the `regex` crate's \w and \s, unicode_categories), backed by ICU.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace basalt::tokenizer {

// Decodes the code point at s[i] and advances i past it. `s` must be valid UTF-8.
inline char32_t NextCodePoint(std::string_view s, size_t& i) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data()) + i;
  unsigned char b = p[0];
  if (b < 0x80) {
    i += 1;
    return b;
  }
  if (b < 0xE0) {
    i += 2;
    return ((b & 0x1Fu) << 6) | (p[1] & 0x3Fu);
  }
  if (b < 0xF0) {
    i += 3;
    return ((b & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu);
  }
  i += 4;
  return ((b & 0x07u) << 18) | ((p[1] & 0x3Fu) << 12) | ((p[2] & 0x3Fu) << 6) | (p[3] & 0x3Fu);
}

// Length in bytes of the UTF-8 sequence that starts with lead byte `b` (1 for stray bytes).
inline size_t Utf8SequenceLength(unsigned char b) {
  return b < 0x80 ? 1 : b < 0xC0 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
}

inline size_t Utf8Length(char32_t c) { return c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4; }

void AppendUtf8(std::string& out, char32_t c);

// Number of code points in valid UTF-8.
size_t CountCodePoints(std::string_view s);

// True when `s` is well-formed UTF-8 (no surrogates, no overlongs, <= U+10FFFF).
bool IsValidUtf8(std::string_view s);

// Like Rust's String::from_utf8_lossy (and Python's errors="replace"): every maximal ill-formed
// subsequence becomes one U+FFFD.
std::string Utf8Lossy(std::string_view bytes);

// Rust char::is_whitespace (Unicode White_Space).
bool IsWhitespace(char32_t c);
// The `regex` crate's \w: Alphabetic, M, Nd, Pc, Join_Control.
bool IsWordChar(char32_t c);
// Rust char::is_numeric: Nd, Nl, No.
bool IsNumeric(char32_t c);
// unicode_categories is_punctuation: Pc, Pd, Ps, Pe, Pi, Pf, Po.
bool IsPunctuation(char32_t c);
// Rust char::is_ascii_punctuation.
bool IsAsciiPunctuation(char32_t c);
// unicode_categories is_other: Cc, Cf, Co (not Cn or Cs).
bool IsOther(char32_t c);
// General category Mn.
bool IsMarkNonspacing(char32_t c);
// unicode_normalization is_combining_mark: Mn, Mc, Me.
bool IsCombiningMark(char32_t c);

// Rust char::to_lowercase (full, context-free mapping): appends the lowercase form of `c`.
// Returns the number of code points appended.
size_t AppendLowercase(std::u32string& out, char32_t c);

// GPT-2's byte-level alphabet: every byte maps to a printable code point.
const std::array<char32_t, 256>& ByteToChar();
// Inverse of ByteToChar; -1 when `c` is not in the alphabet.
int CharToByte(char32_t c);

}  // namespace basalt::tokenizer
