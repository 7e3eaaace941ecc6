// Text and number filters, and the filter/test registries.
#include "common/chat/filters.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "common/chat/args.h"
#include "common/chat/error.h"
#include "common/chat/json_dump.h"
#include "common/chat/operators.h"
#include "common/chat/py_format.h"
#include "common/chat/py_str.h"
#include "common/chat/str_cat.h"
#include "common/chat/unicode.h"

namespace basalt::chat {
namespace {

// Python int(str, base): surrounding whitespace, a sign, underscores between digits, a matching prefix.
std::optional<int64_t> ParsePyInt(std::string_view text, int64_t base) {
  std::string s(unicode::Strip(text, true, true));
  bool negative = false;
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
  if (i + 1 < s.size() && s[i] == '0') {
    char p = static_cast<char>(s[i + 1] | 0x20);
    int prefix_base = p == 'x' ? 16 : p == 'o' ? 8 : p == 'b' ? 2 : 0;
    if (prefix_base && (base == prefix_base || base == 0)) {
      base = prefix_base;
      i += 2;
      if (i < s.size() && s[i] == '_') ++i;
    }
  }
  if (base == 0) base = 10;
  if (base < 2 || base > 36 || i >= s.size()) return std::nullopt;
  uint64_t value = 0;
  bool last_underscore = true;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c == '_') {
      if (last_underscore) return std::nullopt;
      last_underscore = true;
      continue;
    }
    int digit = (c >= '0' && c <= '9') ? c - '0' : ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ? (c | 0x20) - 'a' + 10 : 99;
    if (digit >= base) return std::nullopt;
    if (value > (UINT64_MAX - digit) / static_cast<uint64_t>(base)) ThrowRender("integer overflow: this engine's integers are 64-bit");
    value = value * base + digit;
    last_underscore = false;
  }
  if (last_underscore) return std::nullopt;
  if (value > static_cast<uint64_t>(INT64_MAX) + (negative ? 1 : 0)) ThrowRender("integer overflow: this engine's integers are 64-bit");
  return negative ? static_cast<int64_t>(0 - value) : static_cast<int64_t>(value);
}

// Python float(str).
std::optional<double> ParsePyFloat(std::string_view text) {
  std::string s;
  std::string_view t = unicode::Strip(text, true, true);
  for (size_t i = 0; i < t.size(); ++i) {
    if (t[i] == '_') {
      bool between = i > 0 && i + 1 < t.size() && std::isdigit(static_cast<unsigned char>(t[i - 1])) &&
                     std::isdigit(static_cast<unsigned char>(t[i + 1]));
      if (!between) return std::nullopt;
      continue;
    }
    s += t[i];
  }
  if (s.empty()) return std::nullopt;
  std::string lower = unicode::ToLower(s);
  std::string body = lower;
  if (!body.empty() && (body[0] == '+' || body[0] == '-')) body = body.substr(1);
  if (body == "inf" || body == "infinity" || body == "nan") {
    double v = body == "nan" ? NAN : INFINITY;
    return lower[0] == '-' ? -v : v;
  }
  for (char c : body) {
    if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == 'e' || c == '+' || c == '-')) return std::nullopt;
  }
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size()) return std::nullopt;
  return v;
}

Value DoInt(Renderer&, const Value& v, const CallArgs& args) {
  ArgBinder b("int", args, {"default", "base"});
  CheckDefined(v);
  Value fallback = b.GetOr(0, Value::Int(0));
  if (v.is_integral()) return Value::Int(v.as_int());
  if (v.is_float()) {
    double d = v.as_double();
    if (std::isnan(d)) return fallback;
    if (std::isinf(d)) ThrowRender("cannot convert float infinity to integer");
    if (std::fabs(d) >= 9.2e18) ThrowRender("integer overflow: this engine's integers are 64-bit");
    return Value::Int(static_cast<int64_t>(d));
  }
  if (v.is_string()) {
    if (std::optional<int64_t> i = ParsePyInt(v.str(), b.GetInt(1, 10))) return Value::Int(*i);
    // jinja2's quirk: "42.23"|int is 42.
    if (std::optional<double> d = ParsePyFloat(v.str())) {
      if (std::isnan(*d)) return fallback;
      if (std::isinf(*d)) ThrowRender("cannot convert float infinity to integer");
      return Value::Int(static_cast<int64_t>(*d));
    }
  }
  return fallback;
}

Value DoFloat(Renderer&, const Value& v, const CallArgs& args) {
  ArgBinder b("float", args, {"default"});
  CheckDefined(v);
  if (v.is_number()) return Value::Float(v.as_double());
  if (v.is_string()) {
    if (std::optional<double> d = ParsePyFloat(v.str())) return Value::Float(*d);
  }
  return b.GetOr(0, Value::Float(0.0));
}

Value DoAbs(Renderer&, const Value& v, const CallArgs& args) {
  ArgBinder b("abs", args, {});
  if (v.is_float()) return Value::Float(std::fabs(v.as_double()));
  if (v.is_integral()) return v.as_int() < 0 ? Negate(v) : Value::Int(v.as_int());
  ThrowRender(StrCat("bad operand type for abs(): '", v.TypeName(), "'"));
}

// Python round(x, ndigits) for floats: correctly rounded, ties to even on the exact binary value.
double RoundFloat(double x, int64_t ndigits) {
  if (!std::isfinite(x) || ndigits > 320) return x;
  if (ndigits < -320) return std::copysign(0.0, x);
  if (ndigits >= 0) {
    int n = std::snprintf(nullptr, 0, "%.*f", static_cast<int>(ndigits), x);
    std::string buf(n + 1, '\0');
    std::snprintf(buf.data(), buf.size(), "%.*f", static_cast<int>(ndigits), x);
    return std::strtod(buf.c_str(), nullptr);
  }
  double scale = std::pow(10.0, static_cast<double>(-ndigits));
  return std::nearbyint(x / scale) * scale;
}

Value DoRound(Renderer&, const Value& v, const CallArgs& args) {
  ArgBinder b("round", args, {"precision", "method"});
  int64_t precision = b.GetInt(0, 0);
  std::string method = b.GetString(1, "common");
  if (method != "common" && method != "ceil" && method != "floor") ThrowRender("method must be common, ceil or floor");
  CheckDefined(v);
  if (!v.is_number()) ThrowRender(StrCat("type ", v.TypeName(), " doesn't define __round__ method"));
  if (method == "common") {
    if (v.is_float()) return Value::Float(RoundFloat(v.as_double(), precision));
    if (precision >= 0) return Value::Int(v.as_int());
    double scale = std::pow(10.0, static_cast<double>(-precision));
    return Value::Int(static_cast<int64_t>(std::nearbyint(static_cast<double>(v.as_int()) / scale) * scale));
  }
  double scale = std::pow(10.0, static_cast<double>(precision));
  double scaled = v.as_double() * scale;
  double r = method == "ceil" ? std::ceil(scaled) : std::floor(scaled);
  return Value::Float(r / scale);
}

Value DoDefault(Renderer&, const Value& v, const CallArgs& args) {
  ArgBinder b("default", args, {"default_value", "boolean"});
  if (v.is_undefined() || (b.GetBool(1, false) && !v.Truthy())) return b.GetOr(0, Value::String(""));
  return v;
}

Value DoString(Renderer&, const Value& v, const CallArgs& args) {
  ArgBinder b("string", args, {});
  return Value::String(v.Str());
}

Value DoUpper(Renderer&, const Value& v, const CallArgs& args) {
  ArgBinder b("upper", args, {});
  return Value::String(unicode::ToUpper(v.Str()));
}

Value DoLower(Renderer&, const Value& v, const CallArgs& args) {
  ArgBinder b("lower", args, {});
  return Value::String(unicode::ToLower(v.Str()));
}

Value DoCapitalize(Renderer&, const Value& v, const CallArgs& args) {
  ArgBinder b("capitalize", args, {});
  return Value::String(pystr::Capitalize(v.Str()));
}

// jinja2's title: words start after `-`, whitespace, or an opening bracket; first letter upper-cased,
// the rest lower-cased.
Value DoTitle(Renderer&, const Value& v, const CallArgs& args) {
  ArgBinder b("title", args, {});
  std::string s = v.Str();
  const auto is_sep = [](char32_t cp) { return cp == '-' || cp == '(' || cp == '{' || cp == '[' || cp == '<' || unicode::IsSpace(cp); };
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    size_t start = i;
    size_t next = i;
    bool sep = is_sep(unicode::DecodeNext(s, &next));
    while (i < s.size()) {
      size_t probe = i;
      if (is_sep(unicode::DecodeNext(s, &probe)) != sep) break;
      i = probe;
    }
    std::string_view item = std::string_view(s).substr(start, i - start);
    size_t first_end = 0;
    unicode::DecodeNext(item, &first_end);
    out += unicode::ToUpper(item.substr(0, first_end)) + unicode::ToLower(item.substr(first_end));
  }
  return Value::String(std::move(out));
}

Value DoTrim(Renderer&, const Value& v, const CallArgs& args) {
  ArgBinder b("trim", args, {"chars"});
  std::string s = v.Str();
  if (!b.Has(0)) return Value::String(std::string(unicode::Strip(s, true, true)));
  return Value::String(unicode::StripChars(s, b.GetString(0, ""), true, true));
}

Value DoReplace(Renderer&, const Value& v, const CallArgs& args) {
  ArgBinder b("replace", args, {"old", "new", "count"}, 2);
  return Value::String(pystr::Replace(v.Str(), b.Get(0)->Str(), b.Get(1)->Str(), b.GetInt(2, -1)));
}

Value DoCenter(Renderer&, const Value& v, const CallArgs& args) {
  ArgBinder b("center", args, {"width"});
  return Value::String(pystr::Justify(v.Str(), b.GetInt(0, 80), " ", '^'));
}

Value DoIndent(Renderer&, const Value& v, const CallArgs& args) {
  ArgBinder b("indent", args, {"width", "first", "blank"});
  if (!v.is_string()) {
    CheckDefined(v);
    ThrowRender(StrCat("unsupported operand type(s) for +=: '", v.TypeName(), "' and 'str'"));
  }
  std::string indention;
  const Value* width = b.Get(0);
  if (width && width->is_string()) {
    indention = width->str();
  } else {
    int64_t n = b.GetInt(0, 4);
    if (n > 1 << 20) ThrowRender("indent width too large");
    indention = std::string(n > 0 ? n : 0, ' ');
  }
  std::vector<std::string> lines = pystr::SplitLines(v.str() + "\n", false);
  std::string out;
  if (b.GetBool(2, false)) {
    for (size_t i = 0; i < lines.size(); ++i) {
      if (i) out += "\n" + indention;
      out += lines[i];
    }
  } else {
    out = lines.empty() ? "" : lines[0];
    for (size_t i = 1; i < lines.size(); ++i) out += "\n" + (lines[i].empty() ? lines[i] : indention + lines[i]);
  }
  if (b.GetBool(1, false)) out = indention + out;
  return Value::String(std::move(out));
}

Value DoWordcount(Renderer&, const Value& v, const CallArgs& args) {
  ArgBinder b("wordcount", args, {});
  std::string s = v.Str();
  int64_t count = 0;
  bool in_word = false;
  for (size_t i = 0; i < s.size();) {
    bool word = unicode::IsWordChar(unicode::DecodeNext(s, &i));
    if (word && !in_word) ++count;
    in_word = word;
  }
  return Value::Int(count);
}

Value DoTruncate(Renderer&, const Value& v, const CallArgs& args) {
  ArgBinder b("truncate", args, {"length", "killwords", "end", "leeway"});
  int64_t length = b.GetInt(0, 255);
  std::string end = b.GetString(2, "...");
  int64_t leeway = b.GetInt(3, 5);
  std::u32string end_cps = unicode::ToCodePoints(end);
  if (length < static_cast<int64_t>(end_cps.size())) ThrowRender(StrCat("expected length >= ", end_cps.size(), ", got ", length));
  if (leeway < 0) ThrowRender(StrCat("expected leeway >= 0, got ", leeway));
  if (!v.is_string()) {
    // jinja2 takes len() of the value itself: short sequences pass through, anything else fails.
    if (Length(v) <= length + leeway) return v;
    ThrowRender(StrCat("'", v.TypeName(), "' object cannot be truncated"));
  }
  std::u32string s = unicode::ToCodePoints(v.str());
  if (static_cast<int64_t>(s.size()) <= length + leeway) return v;
  std::u32string head = s.substr(0, length - end_cps.size());
  if (!b.GetBool(1, false)) {
    size_t space = head.rfind(U' ');
    if (space != std::u32string::npos) head = head.substr(0, space);
  }
  return Value::String(unicode::FromCodePoints(head) + end);
}

std::string Unescape(std::string_view s) {
  static constexpr std::pair<std::string_view, std::string_view> kEntities[] = {
      {"amp", "&"}, {"lt", "<"}, {"gt", ">"}, {"quot", "\""}, {"apos", "'"}, {"nbsp", "\xC2\xA0"},
      {"raquo", "\xC2\xBB"}, {"laquo", "\xC2\xAB"}, {"copy", "\xC2\xA9"}, {"reg", "\xC2\xAE"},
  };
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out += s[i];
      continue;
    }
    size_t semi = s.find(';', i);
    if (semi != std::string_view::npos && semi - i <= 10) {
      std::string_view name = s.substr(i + 1, semi - i - 1);
      if (!name.empty() && name[0] == '#') {
        bool hex = name.size() > 1 && (name[1] | 0x20) == 'x';
        std::string digits(name.substr(hex ? 2 : 1));
        char* end = nullptr;
        long cp = digits.empty() ? -1 : std::strtol(digits.c_str(), &end, hex ? 16 : 10);
        if (cp > 0 && cp <= 0x10FFFF && end && *end == '\0') {
          unicode::AppendUtf8(&out, static_cast<char32_t>(cp));
          i = semi;
          continue;
        }
      }
      bool matched = false;
      for (const auto& [entity, text] : kEntities) {
        if (name == entity) {
          out += text;
          i = semi;
          matched = true;
          break;
        }
      }
      if (matched) continue;
    }
    out += '&';
  }
  return out;
}

Value DoStriptags(Renderer&, const Value& v, const CallArgs& args) {
  ArgBinder b("striptags", args, {});
  std::string s = v.Str();
  for (size_t start; (start = s.find("<!--")) != std::string::npos;) {
    size_t end = s.find("-->", start);
    if (end == std::string::npos) break;
    s.erase(start, end + 3 - start);
  }
  for (size_t start; (start = s.find('<')) != std::string::npos;) {
    size_t end = s.find('>', start);
    if (end == std::string::npos) break;
    s.erase(start, end + 1 - start);
  }
  std::string collapsed;
  for (const std::string& word : pystr::Split(s, std::nullopt, -1)) {
    if (!collapsed.empty()) collapsed += ' ';
    collapsed += word;
  }
  return Value::String(Unescape(collapsed));
}

Value DoEscape(Renderer&, const Value& v, const CallArgs& args) {
  ArgBinder b("escape", args, {});
  return Value::String(HtmlEscape(v.Str()));
}

Value DoSafe(Renderer&, const Value& v, const CallArgs& args) {
  ArgBinder b("safe", args, {});
  return Value::String(v.Str());
}

std::string UrlQuote(const Value& v, bool for_qs) {
  std::string s = v.Str();
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '_' || c == '.' || c == '-' || c == '~' || (!for_qs && c == '/')) {
      out += static_cast<char>(c);
    } else if (for_qs && c == ' ') {
      out += '+';
    } else {
      char buf[4];
      std::snprintf(buf, sizeof(buf), "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

Value DoUrlencode(Renderer&, const Value& v, const CallArgs& args) {
  ArgBinder b("urlencode", args, {});
  if (v.is_string() || !(v.is_list() || v.is_dict() || v.is_iterator())) return Value::String(UrlQuote(v, false));
  std::string out;
  const auto pair = [&](const Value& k, const Value& val) {
    if (!out.empty()) out += '&';
    out += UrlQuote(k, true) + "=" + UrlQuote(val, true);
  };
  if (v.is_dict()) {
    for (const auto& [k, val] : v.dict().items()) pair(k, val);
  } else {
    for (const Value& item : ToList(v)) {
      std::vector<Value> kv = ToList(item);
      if (kv.size() != 2) ThrowRender("urlencode expects (key, value) pairs");
      pair(kv[0], kv[1]);
    }
  }
  return Value::String(std::move(out));
}

Value DoFilesizeformat(Renderer&, const Value& v, const CallArgs& args) {
  ArgBinder b("filesizeformat", args, {"binary"});
  double bytes;
  if (v.is_number()) {
    bytes = v.as_double();
  } else if (std::optional<double> d = v.is_string() ? ParsePyFloat(v.str()) : std::nullopt) {
    bytes = *d;
  } else {
    ThrowRender(StrCat("float() argument must be a string or a real number, not '", v.TypeName(), "'"));
  }
  bool binary = b.GetBool(0, false);
  double base = binary ? 1024 : 1000;
  static constexpr const char* kDecimal[] = {"kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"};
  static constexpr const char* kBinary[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"};
  if (bytes == 1) return Value::String("1 Byte");
  if (bytes < base) return Value::String(StrCat(static_cast<int64_t>(bytes), " Bytes"));
  double unit = base;
  const char* prefix = "";
  for (int i = 0; i < 8; ++i) {
    unit = std::pow(base, i + 2);
    prefix = binary ? kBinary[i] : kDecimal[i];
    if (bytes < unit) break;
  }
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.1f %s", base * bytes / unit, prefix);
  return Value::String(buf);
}

Value DoXmlattr(Renderer&, const Value& v, const CallArgs& args) {
  ArgBinder b("xmlattr", args, {"autospace"});
  if (!v.is_dict()) ThrowRender(StrCat("'", v.TypeName(), "' object has no attribute 'items'"));
  std::string out;
  for (const auto& [key, value] : v.dict().items()) {
    if (value.is_none() || value.is_undefined()) continue;
    std::string k = key.Str();
    for (size_t i = 0; i < k.size();) {
      char32_t cp = unicode::DecodeNext(k, &i);
      if (cp == '/' || cp == '>' || cp == '=' || (cp < 0x80 && unicode::IsSpace(cp))) {
        ThrowRender(StrCat("Invalid character in attribute name: ", StringRepr(k)));
      }
    }
    if (!out.empty()) out += ' ';
    out += HtmlEscape(k) + "=\"" + HtmlEscape(value.Str()) + "\"";
  }
  if (b.GetBool(0, true) && !out.empty()) out = " " + out;
  return Value::String(std::move(out));
}

Value DoFormat(Renderer&, const Value& v, const CallArgs& args) {
  if (!args.args.empty() && !args.kwargs.empty()) {
    ThrowRender("can't handle positional and keyword arguments at the same time");
  }
  if (!args.kwargs.empty()) {
    DictData kwargs;
    for (const auto& [name, value] : args.kwargs) kwargs.Set(Value::String(name), value);
    return Value::String(PercentFormat(v.Str(), Value::Dict(std::move(kwargs))));
  }
  return Value::String(PercentFormat(v.Str(), Value::Tuple(args.args)));
}

// transformers' tojson: json.dumps(x, ensure_ascii=False, indent=indent, separators=separators,
// sort_keys=sort_keys).
Value DoToJson(Renderer&, const Value& v, const CallArgs& args) {
  ArgBinder b("tojson", args, {"ensure_ascii", "indent", "separators", "sort_keys"});
  JsonDumpOptions options;
  options.ensure_ascii = b.GetBool(0, false);
  if (const Value* indent = b.Get(1); indent && !indent->is_none()) {
    if (indent->is_string()) {
      options.indent = indent->str();
    } else if (indent->is_integral()) {
      int64_t n = indent->as_int();
      if (n > 1 << 16) ThrowRender("indent too large");
      options.indent = std::string(n > 0 ? n : 0, ' ');
    } else {
      ThrowRender(StrCat("can't multiply sequence by non-int of type '", indent->TypeName(), "'"));
    }
  }
  if (const Value* separators = b.Get(2); separators && !separators->is_none()) {
    std::vector<Value> parts = ToList(*separators);
    if (parts.size() != 2 || !parts[0].is_string() || !parts[1].is_string()) {
      ThrowRender("separators must be a (item_separator, key_separator) pair of strings");
    }
    options.item_separator = parts[0].str();
    options.key_separator = parts[1].str();
  }
  options.sort_keys = b.GetBool(3, false);
  return Value::String(JsonDump(v, options));
}

Value DoPprint(Renderer&, const Value& v, const CallArgs& args) {
  ArgBinder b("pprint", args, {});
  return Value::String(v.Repr());
}

const FilterTable& Filters() {
  static const FilterTable* table = [] {
    auto* t = new FilterTable{
        {"int", DoInt},         {"float", DoFloat},       {"abs", DoAbs},
        {"round", DoRound},     {"default", DoDefault},   {"d", DoDefault},
        {"string", DoString},   {"upper", DoUpper},       {"lower", DoLower},
        {"capitalize", DoCapitalize}, {"title", DoTitle}, {"trim", DoTrim},
        {"replace", DoReplace}, {"center", DoCenter},     {"indent", DoIndent},
        {"wordcount", DoWordcount}, {"truncate", DoTruncate}, {"striptags", DoStriptags},
        {"escape", DoEscape},   {"e", DoEscape},          {"forceescape", DoEscape},
        {"safe", DoSafe},       {"urlencode", DoUrlencode}, {"filesizeformat", DoFilesizeformat},
        {"xmlattr", DoXmlattr}, {"format", DoFormat},     {"tojson", DoToJson},
        {"pprint", DoPprint},
    };
    RegisterSequenceFilters(*t);
    return t;
  }();
  return *table;
}

}  // namespace

std::string HtmlEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&#34;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

FilterFn FindFilter(std::string_view name) {
  auto it = Filters().find(name);
  return it == Filters().end() ? nullptr : it->second;
}

TestFn FindTest(std::string_view name) {
  static const TestTable* table = [] {
    auto* t = new TestTable;
    RegisterTests(*t);
    return t;
  }();
  auto it = table->find(name);
  return it == table->end() ? nullptr : it->second;
}

}  // namespace basalt::chat
