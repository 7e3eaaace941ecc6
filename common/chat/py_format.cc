#include "common/chat/py_format.h"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "common/chat/error.h"
#include "common/chat/str_cat.h"
#include "common/chat/unicode.h"

namespace basalt::chat {

std::string FormatFloat(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  if (d == 0) return std::signbit(d) ? "-0.0" : "0.0";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), d, std::chars_format::scientific);
  std::string sci(buf, res.ptr);
  std::string out;
  size_t pos = 0;
  if (sci[0] == '-') {
    out = "-";
    pos = 1;
  }
  size_t e = sci.find('e');
  std::string digits;
  for (size_t i = pos; i < e; ++i) {
    if (sci[i] != '.') digits += sci[i];
  }
  int exponent = std::stoi(sci.substr(e + 1));
  int decpt = exponent + 1;  // digits are 0.d1d2... x 10^decpt
  if (decpt > -4 && decpt <= 16) {
    if (decpt <= 0) {
      out += "0." + std::string(-decpt, '0') + digits;
    } else if (decpt >= static_cast<int>(digits.size())) {
      out += digits + std::string(decpt - digits.size(), '0') + ".0";
    } else {
      out += digits.substr(0, decpt) + "." + digits.substr(decpt);
    }
    return out;
  }
  out += digits.substr(0, 1);
  if (digits.size() > 1) out += "." + digits.substr(1);
  char exp_buf[16];
  std::snprintf(exp_buf, sizeof(exp_buf), "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
  return out + exp_buf;
}

std::string EscapeCodePoint(char32_t cp) {
  char buf[16];
  if (cp < 0x100) {
    std::snprintf(buf, sizeof(buf), "\\x%02x", static_cast<unsigned>(cp));
  } else if (cp < 0x10000) {
    std::snprintf(buf, sizeof(buf), "\\u%04x", static_cast<unsigned>(cp));
  } else {
    std::snprintf(buf, sizeof(buf), "\\U%08x", static_cast<unsigned>(cp));
  }
  return buf;
}

std::string StringRepr(std::string_view s) {
  bool has_single = s.find('\'') != std::string_view::npos;
  bool has_double = s.find('"') != std::string_view::npos;
  char quote = (has_single && !has_double) ? '"' : '\'';
  std::string out(1, quote);
  for (size_t i = 0; i < s.size();) {
    char32_t cp = unicode::DecodeNext(s, &i);
    if (cp == static_cast<char32_t>(quote) || cp == '\\') {
      out += '\\';
      out += static_cast<char>(cp);
    } else if (cp == '\n') {
      out += "\\n";
    } else if (cp == '\r') {
      out += "\\r";
    } else if (cp == '\t') {
      out += "\\t";
    } else if (unicode::IsPrintable(cp)) {
      unicode::AppendUtf8(&out, cp);
    } else {
      out += EscapeCodePoint(cp);
    }
  }
  out += quote;
  return out;
}

namespace {

// Pads `s` to `width` code points.
std::string Pad(std::string s, int width, char align, const std::string& fill) {
  int len = static_cast<int>(unicode::CodePointCount(s));
  if (width <= len) return s;
  int total = width - len;
  std::string left;
  std::string right;
  int nleft = align == '<' ? 0 : (align == '^' ? total / 2 : total);
  for (int i = 0; i < nleft; ++i) left += fill;
  for (int i = 0; i < total - nleft; ++i) right += fill;
  return left + s + right;
}

std::string CFormat(const std::string& spec, double d) {
  char buf[512];
  int n = std::snprintf(buf, sizeof(buf), spec.c_str(), d);
  if (n < 0 || n >= static_cast<int>(sizeof(buf))) ThrowRender("formatted number too long");
  return std::string(buf, n);
}

std::string CFormatInt(const std::string& spec, long long v) {
  char buf[512];
  int n = std::snprintf(buf, sizeof(buf), spec.c_str(), v);
  if (n < 0 || n >= static_cast<int>(sizeof(buf))) ThrowRender("formatted number too long");
  return std::string(buf, n);
}

int64_t RequireInt(const Value& v, char conv) {
  if (v.is_integral()) return v.as_int();
  if (v.is_float()) {
    if (conv == 'x' || conv == 'X' || conv == 'o' || conv == 'c') {
      ThrowRender(StrCat("%", std::string(1, conv), " format: an integer is required, not float"));
    }
    return static_cast<int64_t>(v.as_double());
  }
  ThrowRender(StrCat("%", std::string(1, conv), " format: a real number is required, not ", v.TypeName()));
}

}  // namespace

std::string PercentFormat(std::string_view fmt, const Value& args) {
  std::vector<Value> positional;
  const DictData* mapping = nullptr;
  if (args.is_tuple()) {
    positional = args.list().items;
  } else {
    if (args.is_dict()) mapping = &args.dict();
    positional.push_back(args);
  }
  size_t next_arg = 0;
  bool used_mapping = false;
  const auto take = [&]() -> const Value& {
    if (next_arg >= positional.size()) ThrowRender("not enough arguments for format string");
    return positional[next_arg++];
  };
  std::string out;
  for (size_t i = 0; i < fmt.size(); ++i) {
    if (fmt[i] != '%') {
      out += fmt[i];
      continue;
    }
    if (++i >= fmt.size()) ThrowRender("incomplete format");
    const Value* arg = nullptr;
    if (fmt[i] == '(') {
      size_t close = fmt.find(')', i);
      if (close == std::string_view::npos) ThrowRender("incomplete format key");
      if (mapping == nullptr) ThrowRender("format requires a mapping");
      const Value* found = mapping->FindString(fmt.substr(i + 1, close - i - 1));
      if (found == nullptr) ThrowRender(StrCat("KeyError: '", fmt.substr(i + 1, close - i - 1), "'"));
      arg = found;
      used_mapping = true;
      i = close + 1;
    }
    std::string flags;
    while (i < fmt.size() && std::string_view("-+ #0").find(fmt[i]) != std::string_view::npos) flags += fmt[i++];
    std::string width;
    if (i < fmt.size() && fmt[i] == '*') {
      width = StrCat(RequireInt(take(), '*'));
      ++i;
    }
    while (i < fmt.size() && std::isdigit(static_cast<unsigned char>(fmt[i]))) width += fmt[i++];
    std::string precision;
    bool has_precision = false;
    if (i < fmt.size() && fmt[i] == '.') {
      has_precision = true;
      ++i;
      while (i < fmt.size() && std::isdigit(static_cast<unsigned char>(fmt[i]))) precision += fmt[i++];
      if (precision.empty()) precision = "0";
    }
    while (i < fmt.size() && (fmt[i] == 'l' || fmt[i] == 'h' || fmt[i] == 'L')) ++i;
    if (i >= fmt.size()) ThrowRender("incomplete format");
    char conv = fmt[i];
    if (conv == '%') {
      out += '%';
      continue;
    }
    const Value& v = arg ? *arg : take();
    std::string spec = "%" + flags + width + (has_precision ? "." + precision : "");
    switch (conv) {
      case 's':
      case 'r':
      case 'a': {
        std::string s = conv == 's' ? v.Str() : v.Repr();
        if (has_precision) {
          std::u32string cps = unicode::ToCodePoints(s);
          size_t p = std::stoul(precision);
          if (cps.size() > p) s = unicode::FromCodePoints(cps.substr(0, p));
        }
        int w = width.empty() ? 0 : std::stoi(width);
        out += Pad(s, w, flags.find('-') != std::string::npos ? '<' : '>', " ");
        break;
      }
      case 'd':
      case 'i':
      case 'u':
        out += CFormatInt(spec + "lld", RequireInt(v, conv));
        break;
      case 'x':
      case 'X':
      case 'o':
        out += CFormatInt(spec + "ll" + conv, RequireInt(v, conv));
        break;
      case 'c': {
        std::string s;
        if (v.is_string() && unicode::CodePointCount(v.str()) == 1) {
          s = v.str();
        } else {
          unicode::AppendUtf8(&s, static_cast<char32_t>(RequireInt(v, 'c')));
        }
        out += Pad(s, width.empty() ? 0 : std::stoi(width), flags.find('-') != std::string::npos ? '<' : '>', " ");
        break;
      }
      case 'f':
      case 'F':
      case 'e':
      case 'E':
      case 'g':
      case 'G':
        if (!v.is_number()) {
          ThrowRender(StrCat("must be real number, not ", v.TypeName()));
        }
        out += CFormat(spec + conv, v.as_double());
        break;
      default:
        ThrowRender(StrCat("unsupported format character '", std::string(1, conv), "'"));
    }
  }
  // Python skips this check when the argument supports item access (dict, list: PyMapping_Check).
  bool mapping_like = mapping != nullptr || (args.is_list() && !args.is_tuple()) || args.is_undefined();
  if (!used_mapping && !mapping_like && next_arg < positional.size()) {
    ThrowRender("not all arguments converted during string formatting");
  }
  return out;
}

std::string FormatWithSpec(const Value& value, std::string_view spec) {
  // [[fill]align][sign][#][0][width][,|_][.precision][type]
  size_t i = 0;
  std::string fill = " ";
  char align = 0;
  const auto is_align = [](char c) { return c == '<' || c == '>' || c == '^' || c == '='; };
  if (spec.size() >= 2) {
    size_t first_len = 1;
    unicode::DecodeNext(spec, &first_len);
    if (first_len < spec.size() && is_align(spec[first_len])) {
      fill = std::string(spec.substr(0, first_len));
      align = spec[first_len];
      i = first_len + 1;
    }
  }
  if (align == 0 && i < spec.size() && is_align(spec[i])) align = spec[i++];
  char sign = 0;
  if (i < spec.size() && (spec[i] == '+' || spec[i] == '-' || spec[i] == ' ')) sign = spec[i++];
  bool alt = false;
  if (i < spec.size() && spec[i] == '#') alt = true, ++i;
  bool zero = false;
  if (i < spec.size() && spec[i] == '0') zero = true, ++i;
  int width = 0;
  while (i < spec.size() && std::isdigit(static_cast<unsigned char>(spec[i]))) width = width * 10 + (spec[i++] - '0');
  char grouping = 0;
  if (i < spec.size() && (spec[i] == ',' || spec[i] == '_')) grouping = spec[i++];
  int precision = -1;
  if (i < spec.size() && spec[i] == '.') {
    ++i;
    precision = 0;
    while (i < spec.size() && std::isdigit(static_cast<unsigned char>(spec[i]))) {
      precision = precision * 10 + (spec[i++] - '0');
    }
  }
  char type = 0;
  if (i < spec.size()) type = spec[i++];
  if (i != spec.size()) ThrowRender("Invalid format specifier");
  if (zero && align == 0) {
    fill = "0";
    align = '=';
  }

  std::string body;
  std::string prefix;
  if (value.is_string() || (!value.is_number() && type == 0)) {
    if (type != 0 && type != 's') {
      ThrowRender(StrCat("Unknown format code '", std::string(1, type), "' for object of type '",
                               value.TypeName(), "'"));
    }
    body = value.Str();
    if (precision >= 0) {
      std::u32string cps = unicode::ToCodePoints(body);
      if (cps.size() > static_cast<size_t>(precision)) body = unicode::FromCodePoints(cps.substr(0, precision));
    }
    return Pad(body, width, align ? align : '<', fill);
  }
  if (!value.is_number()) ThrowRender(StrCat("unsupported format string passed to ", value.TypeName()));
  bool negative = false;
  if (value.is_integral() && (type == 0 || type == 'd' || type == 'x' || type == 'X' || type == 'o' ||
                              type == 'b' || type == 'c' || type == 'n')) {
    int64_t v = value.as_int();
    negative = v < 0;
    uint64_t mag = negative ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
    int base = (type == 'x' || type == 'X') ? 16 : type == 'o' ? 8 : type == 'b' ? 2 : 10;
    if (type == 'c') {
      unicode::AppendUtf8(&body, static_cast<char32_t>(v));
      return Pad(body, width, align ? align : '<', fill);
    }
    if (mag == 0) body = "0";
    while (mag) {
      int digit = static_cast<int>(mag % base);
      body.insert(body.begin(), static_cast<char>(digit < 10 ? '0' + digit : (type == 'X' ? 'A' : 'a') + digit - 10));
      mag /= base;
    }
    if (alt && base != 10) prefix = base == 16 ? (type == 'X' ? "0X" : "0x") : base == 8 ? "0o" : "0b";
  } else {
    double d = value.as_double();
    negative = std::signbit(d) && !std::isnan(d);
    d = std::fabs(d);
    if (type == 0 && precision < 0) {
      body = value.is_float() ? FormatFloat(d) : StrCat(static_cast<int64_t>(d));
    } else {
      char t = type == 0 ? 'g' : type == 'n' ? 'g' : type;
      bool percent = t == '%';
      if (percent) d *= 100, t = 'f';
      if (t != 'f' && t != 'F' && t != 'e' && t != 'E' && t != 'g' && t != 'G') {
        ThrowRender(StrCat("Unknown format code '", std::string(1, type), "' for object of type '",
                                 value.TypeName(), "'"));
      }
      std::string cspec = StrCat("%", alt ? "#" : "", ".", precision < 0 ? 6 : precision, std::string(1, t));
      body = CFormat(cspec, d);
      if (percent) body += "%";
    }
  }
  if (grouping) {
    size_t end = body.find_first_not_of("0123456789");
    if (end == std::string::npos) end = body.size();
    for (int pos = static_cast<int>(end) - 3; pos > 0; pos -= 3) body.insert(pos, 1, grouping);
  }
  std::string sign_str = negative ? "-" : (sign == '+' ? "+" : sign == ' ' ? " " : "");
  if (align == '=') {
    int len = static_cast<int>(unicode::CodePointCount(sign_str + prefix + body));
    std::string pad;
    for (int k = len; k < width; ++k) pad += fill;
    return sign_str + prefix + pad + body;
  }
  return Pad(sign_str + prefix + body, width, align ? align : '>', fill);
}

std::string BraceFormat(std::string_view fmt, const CallArgs& args) {
  std::string out;
  size_t auto_index = 0;
  for (size_t i = 0; i < fmt.size(); ++i) {
    char c = fmt[i];
    if (c == '}') {
      if (i + 1 < fmt.size() && fmt[i + 1] == '}') {
        out += '}';
        ++i;
        continue;
      }
      ThrowRender("Single '}' encountered in format string");
    }
    if (c != '{') {
      out += c;
      continue;
    }
    if (i + 1 < fmt.size() && fmt[i + 1] == '{') {
      out += '{';
      ++i;
      continue;
    }
    size_t close = fmt.find('}', i);
    if (close == std::string_view::npos) ThrowRender("Single '{' encountered in format string");
    std::string_view field = fmt.substr(i + 1, close - i - 1);
    i = close;
    std::string_view spec;
    size_t colon = field.find(':');
    if (colon != std::string_view::npos) {
      spec = field.substr(colon + 1);
      field = field.substr(0, colon);
    }
    char conversion = 0;
    size_t bang = field.find('!');
    if (bang != std::string_view::npos) {
      if (bang + 2 != field.size()) ThrowRender("expected ':' after conversion specifier");
      conversion = field[bang + 1];
      field = field.substr(0, bang);
    }
    const Value* value = nullptr;
    if (field.empty()) {
      if (auto_index >= args.args.size()) ThrowRender(StrCat("Replacement index ", auto_index, " out of range"));
      value = &args.args[auto_index++];
    } else if (std::isdigit(static_cast<unsigned char>(field[0]))) {
      size_t index = 0;
      for (char d : field) {
        if (!std::isdigit(static_cast<unsigned char>(d))) ThrowRender("unsupported format field");
        index = index * 10 + (d - '0');
      }
      if (index >= args.args.size()) ThrowRender(StrCat("Replacement index ", index, " out of range"));
      value = &args.args[index];
    } else {
      for (const auto& [name, v] : args.kwargs) {
        if (name == field) value = &v;
      }
      if (value == nullptr) ThrowRender(StrCat("KeyError: '", field, "'"));
    }
    if (conversion == 'r' || conversion == 'a') {
      out += FormatWithSpec(Value::String(value->Repr()), spec);
    } else if (conversion == 's') {
      out += FormatWithSpec(Value::String(value->Str()), spec);
    } else if (conversion != 0) {
      ThrowRender("Unknown conversion specifier");
    } else {
      out += FormatWithSpec(*value, spec);
    }
  }
  return out;
}

}  // namespace basalt::chat
