#include "common/chat/json_dump.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "common/chat/error.h"
#include "common/chat/limits.h"
#include "common/chat/py_format.h"
#include "common/chat/str_cat.h"
#include "common/chat/unicode.h"

namespace basalt::chat {
namespace {

void AppendEscapedUnit(std::string* out, unsigned unit) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "\\u%04x", unit);
  *out += buf;
}

void AppendJsonString(std::string* out, std::string_view s, bool ensure_ascii) {
  *out += '"';
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      size_t start = i;
      char32_t cp = unicode::DecodeNext(s, &i);
      if (!ensure_ascii) {
        out->append(s.substr(start, i - start));
      } else if (cp >= 0x10000) {
        cp -= 0x10000;
        AppendEscapedUnit(out, 0xD800 + (cp >> 10));
        AppendEscapedUnit(out, 0xDC00 + (cp & 0x3FF));
      } else {
        AppendEscapedUnit(out, cp);
      }
      continue;
    }
    ++i;
    switch (c) {
      case '"':
        *out += "\\\"";
        break;
      case '\\':
        *out += "\\\\";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\r':
        *out += "\\r";
        break;
      case '\t':
        *out += "\\t";
        break;
      case '\b':
        *out += "\\b";
        break;
      case '\f':
        *out += "\\f";
        break;
      default:
        if (c < 0x20 || (ensure_ascii && c == 0x7F)) {
          AppendEscapedUnit(out, c);
        } else {
          *out += static_cast<char>(c);
        }
    }
  }
  *out += '"';
}

std::string FloatToJson(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  return FormatFloat(d);
}

class Dumper {
 public:
  explicit Dumper(const JsonDumpOptions& options) : options_(options) {
    item_sep_ = options.item_separator.value_or(options.indent ? "," : ", ");
    key_sep_ = options.key_separator.value_or(": ");
  }

  void Dump(const Value& v, int depth, std::string* out) {
    if (depth > 512) ThrowRender("RecursionError: maximum recursion depth exceeded while encoding a JSON object");
    switch (v.kind()) {
      case Value::Kind::kNone:
        *out += "null";
        return;
      case Value::Kind::kBool:
        *out += v.as_bool() ? "true" : "false";
        return;
      case Value::Kind::kInt:
        StrAppend(out, v.as_int());
        return;
      case Value::Kind::kFloat:
        *out += FloatToJson(v.as_double());
        return;
      case Value::Kind::kString:
        AppendJsonString(out, v.str(), options_.ensure_ascii);
        return;
      case Value::Kind::kList:
        if (v.list().view_name.empty()) {
          DumpList(v.list().items, depth, out);
          return;
        }
        break;
      case Value::Kind::kDict:
        DumpDict(v.dict(), depth, out);
        return;
      default:
        break;
    }
    ThrowRender(StrCat("Object of type ", v.TypeName(), " is not JSON serializable"));
  }

 private:
  void NewLine(int depth, std::string* out) {
    if (!options_.indent) return;
    *out += '\n';
    for (int i = 0; i < depth; ++i) *out += *options_.indent;
  }

  void DumpList(const std::vector<Value>& items, int depth, std::string* out) {
    if (items.empty()) {
      *out += "[]";
      return;
    }
    *out += '[';
    for (size_t i = 0; i < items.size(); ++i) {
      if (i) *out += item_sep_;
      NewLine(depth + 1, out);
      Dump(items[i], depth + 1, out);
    }
    NewLine(depth, out);
    *out += ']';
  }

  static std::string KeyString(const Value& key) {
    switch (key.kind()) {
      case Value::Kind::kString:
        return key.str();
      case Value::Kind::kNone:
        return "null";
      case Value::Kind::kBool:
        return key.as_bool() ? "true" : "false";
      case Value::Kind::kInt:
        return StrCat(key.as_int());
      case Value::Kind::kFloat:
        return FloatToJson(key.as_double());
      default:
        ThrowRender(StrCat("keys must be str, int, float, bool or None, not ", key.TypeName()));
    }
  }

  void DumpDict(const DictData& dict, int depth, std::string* out) {
    if (dict.empty()) {
      *out += "{}";
      return;
    }
    std::vector<const std::pair<Value, Value>*> items;
    for (const auto& item : dict.items()) items.push_back(&item);
    if (options_.sort_keys) {
      std::stable_sort(items.begin(), items.end(),
                       [](const auto* a, const auto* b) { return Compare(a->first, b->first) < 0; });
    }
    *out += '{';
    for (size_t i = 0; i < items.size(); ++i) {
      if (i) *out += item_sep_;
      NewLine(depth + 1, out);
      AppendJsonString(out, KeyString(items[i]->first), options_.ensure_ascii);
      *out += key_sep_;
      Dump(items[i]->second, depth + 1, out);
    }
    NewLine(depth, out);
    *out += '}';
  }

  const JsonDumpOptions& options_;
  std::string item_sep_;
  std::string key_sep_;
};

}  // namespace

std::string JsonDump(const Value& value, const JsonDumpOptions& options) {
  std::string out;
  Dumper(options).Dump(value, 0, &out);
  return out;
}

Value FromJson(const rapidjson::Value& json, int depth) {
  if (depth >= kMaxValueDepth) ThrowLimit(StrCat("context nested more than ", kMaxValueDepth, " levels deep"));
  switch (json.GetType()) {
    case rapidjson::kNullType:
      return Value::None();
    case rapidjson::kFalseType:
      return Value::Bool(false);
    case rapidjson::kTrueType:
      return Value::Bool(true);
    case rapidjson::kStringType:
      return Value::String(std::string(json.GetString(), json.GetStringLength()));
    case rapidjson::kNumberType:
      if (json.IsInt64()) return Value::Int(json.GetInt64());
      return Value::Float(json.GetDouble());
    case rapidjson::kArrayType: {
      std::vector<Value> items;
      items.reserve(json.Size());
      for (const auto& item : json.GetArray()) items.push_back(FromJson(item, depth + 1));
      return Value::List(std::move(items));
    }
    case rapidjson::kObjectType: {
      DictData dict;
      for (const auto& member : json.GetObject()) {
        dict.Set(Value::String(std::string(member.name.GetString(), member.name.GetStringLength())),
                 FromJson(member.value, depth + 1));
      }
      return Value::Dict(std::move(dict));
    }
  }
  return Value::None();
}

}  // namespace basalt::chat
