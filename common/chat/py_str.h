#pragma once
// Python str operations on UTF-8 strings (indices and widths count code points, as in Python). Used by
// the str methods templates call and by the filters built on them.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace basalt::chat::pystr {

// str.split / str.rsplit; sep nullopt splits on runs of whitespace. maxsplit < 0: no limit.
std::vector<std::string> Split(std::string_view s, const std::optional<std::string>& sep, int64_t maxsplit);
std::vector<std::string> RSplit(std::string_view s, const std::optional<std::string>& sep, int64_t maxsplit);
std::vector<std::string> SplitLines(std::string_view s, bool keepends);
// str.replace; count < 0 replaces all.
std::string Replace(std::string_view s, std::string_view old, std::string_view replacement, int64_t count);
std::string Title(std::string_view s);       // str.title
std::string Capitalize(std::string_view s);  // str.capitalize
std::string SwapCase(std::string_view s);
bool IsTitle(std::string_view s);
// str.islower / str.isupper: all cased characters in that case, and at least one cased character.
bool IsAllCase(std::string_view s, bool upper);
// str.center / ljust / rjust with a one-character fill.
std::string Justify(std::string_view s, int64_t width, std::string_view fill, char align);
std::string ZFill(std::string_view s, int64_t width);
// Code-point bounds of s[start:end] with Python's slice clamping (nullopt = omitted).
void ClampRange(int64_t n, std::optional<int64_t> start, std::optional<int64_t> end, int64_t* b, int64_t* e);
// str.find / rfind / count over s[start:end]; find returns a code-point index or -1.
int64_t Find(std::string_view s, std::string_view sub, std::optional<int64_t> start, std::optional<int64_t> end,
             bool reverse);
int64_t Count(std::string_view s, std::string_view sub, std::optional<int64_t> start, std::optional<int64_t> end);

}  // namespace basalt::chat::pystr
