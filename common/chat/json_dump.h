#pragma once
// JSON in and out of the template world. Out: Python's json.dumps, which transformers' tojson filter
// calls (ensure_ascii=False by default; no HTML escaping, unlike jinja2's builtin tojson). In: the
// render context (RapidJSON) as template values, the way json.loads would produce them.
#include <optional>
#include <string>

#include "common/chat/value.h"
#include "rapidjson/document.h"

namespace basalt::chat {

struct JsonDumpOptions {
  bool ensure_ascii = false;
  std::optional<std::string> indent;       // None: single line
  std::optional<std::string> item_separator;  // default ", " (or "," with indent)
  std::optional<std::string> key_separator;   // default ": "
  bool sort_keys = false;
};

// json.dumps(value, ...). Throws TemplateError for values JSON cannot hold (undefined, namespaces, ...).
std::string JsonDump(const Value& value, const JsonDumpOptions& options);

// json.loads semantics: integers stay int, numbers with a fraction or exponent become float.
// Throws TemplateError (kLimit) when nested deeper than kMaxValueDepth.
Value FromJson(const rapidjson::Value& json, int depth = 0);

}  // namespace basalt::chat
