#pragma once
// jinja2's builtin filters and tests, with transformers' tojson. Names and semantics follow
// jinja2/filters.py and jinja2/tests.py; filters that return generators in jinja2 (map, select, unique,
// ...) return one-shot iterators here too.
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "common/chat/value.h"

namespace basalt::chat {

using FilterFn = Value (*)(Renderer& r, const Value& input, const CallArgs& args);
using TestFn = bool (*)(Renderer& r, const Value& input, const CallArgs& args);
using FilterTable = absl::flat_hash_map<std::string_view, FilterFn>;
using TestTable = absl::flat_hash_map<std::string_view, TestFn>;

// Null when there is no such filter / test.
FilterFn FindFilter(std::string_view name);
TestFn FindTest(std::string_view name);

// Registration of the filters and tests defined outside filters.cc.
void RegisterSequenceFilters(FilterTable& table);
void RegisterTests(TestTable& table);

// markupsafe.escape: & < > " ' as HTML entities.
std::string HtmlEscape(std::string_view s);

}  // namespace basalt::chat
