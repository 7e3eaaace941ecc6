#pragma once
// Python's text formatting of values: float repr, string repr, `str % args` and `str.format(...)`.
#include <string>
#include <string_view>

#include "common/chat/value.h"

namespace basalt::chat {

// repr(float): the shortest string that round-trips, in Python's layout (1.0, 1e+16, 1.5e-05, inf).
std::string FormatFloat(double d);
// \xNN, \uNNNN or \UNNNNNNNN for one code point, as repr() and backslashreplace write it.
std::string EscapeCodePoint(char32_t cp);
// repr(str): quotes chosen as Python does, non-printable characters escaped.
std::string StringRepr(std::string_view s);
// printf-style `fmt % args` (args: a tuple of values, a dict for %(name)s, or one value).
std::string PercentFormat(std::string_view fmt, const Value& args);
// str.format(*args, **kwargs) with {}, {0}, {name}, !r/!s and format specs.
std::string BraceFormat(std::string_view fmt, const CallArgs& args);
// format(value, spec) for one value (the part after ':' in str.format).
std::string FormatWithSpec(const Value& value, std::string_view spec);

}  // namespace basalt::chat
