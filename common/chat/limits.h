#pragma once
// Limits that keep a hostile template from hanging or exhausting a server. Exceeding any of them is an
// InvalidArgument render error. Real chat templates stay far below all of them.
#include <cstddef>
#include <cstdint>

namespace basalt::chat {

// Rendered prompt size. A 1M-token context is ~4 MB of text; 16 MiB leaves headroom without letting a
// template build gigabytes.
inline constexpr size_t kMaxOutputBytes = size_t{16} << 20;
// Any string or list a template builds (concatenation, repetition, captured blocks).
inline constexpr size_t kMaxStringBytes = size_t{16} << 20;
inline constexpr size_t kMaxListItems = size_t{1} << 20;
// Template source size (real chat templates are a few KB; the largest known are ~40 KB).
inline constexpr size_t kMaxSourceBytes = size_t{1} << 20;
// Nesting of lists/dicts (from the context or built by the template): bounds the recursion of repr,
// comparison, JSON encoding and destruction.
inline constexpr int kMaxValueDepth = 512;
// Stack the renderer may use below its entry point (the real guard for deep recursion of any kind).
inline constexpr size_t kMaxStackBytes = size_t{1} << 20;
// Nested macro / call-block / recursive-loop calls during rendering.
inline constexpr int kMaxCallDepth = 64;
// Nesting of brackets, unary operators and blocks while parsing (bounds the parser's stack use).
inline constexpr int kMaxParseDepth = 96;
// Work units for one render: one per evaluated expression, loop iteration, list item copied or element
// visited by a filter, plus one per kBytesPerWorkUnit bytes of string built. Bounds CPU time to a couple of
// seconds and the total of strings a render can build to ~400 MB.
inline constexpr int64_t kMaxWorkUnits = 25'000'000;
inline constexpr int64_t kBytesPerWorkUnit = 16;
// jinja2's sandbox refuses range() longer than this (MAX_RANGE).
inline constexpr int64_t kMaxRange = 100'000;

}  // namespace basalt::chat
