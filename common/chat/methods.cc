#include "common/chat/methods.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "common/chat/args.h"
#include "common/chat/error.h"
#include "common/chat/operators.h"
#include "common/chat/py_format.h"
#include "common/chat/py_str.h"
#include "common/chat/str_cat.h"
#include "common/chat/unicode.h"

namespace basalt::chat {
namespace {

using MethodFn = Value (*)(Renderer&, const Value& self, const CallArgs& args);
using MethodTable = absl::flat_hash_map<std::string_view, MethodFn>;

struct MethodEntry {
  std::string_view name;
  MethodFn fn;
};

template <size_t N>
const MethodTable* MakeTable(const MethodEntry (&entries)[N]) {
  auto* table = new MethodTable;
  for (const MethodEntry& e : entries) table->emplace(e.name, e.fn);
  return table;
}

Value StrList(const std::vector<std::string>& parts) {
  std::vector<Value> items;
  items.reserve(parts.size());
  for (const std::string& p : parts) items.push_back(Value::String(p));
  return Value::List(std::move(items));
}

std::optional<std::string> OptionalString(const ArgBinder& b, size_t i, std::string_view what) {
  const Value* v = b.Get(i);
  if (v == nullptr || v->is_none()) return std::nullopt;
  if (!v->is_string()) ThrowRender(StrCat(what, " arg must be None or str"));
  return v->str();
}

std::optional<int64_t> OptionalIndex(const ArgBinder& b, size_t i) {
  const Value* v = b.Get(i);
  if (v == nullptr || v->is_none()) return std::nullopt;
  if (!v->is_integral()) ThrowRender("slice indices must be integers or None or have an __index__ method");
  return v->as_int();
}

Value Strip(const Value& self, const CallArgs& args, const char* name, bool left, bool right) {
  ArgBinder b(name, args, {"chars"});
  std::optional<std::string> chars = OptionalString(b, 0, name);
  if (!chars) return Value::String(std::string(unicode::Strip(self.str(), left, right)));
  return Value::String(unicode::StripChars(self.str(), *chars, left, right));
}

// startswith / endswith: prefix may be a tuple of alternatives; start/end slice the string first.
Value AffixTest(const Value& self, const CallArgs& args, const char* name, bool prefix) {
  ArgBinder b(name, args, {"prefix", "start", "end"}, 1);
  std::string s = self.str();
  if (b.Get(1) || b.Get(2)) {
    s = GetSlice(self, b.GetOr(1, Value::None()), b.GetOr(2, Value::None()), Value::None()).str();
    // Python: an empty affix never matches when start lies beyond the end.
    int64_t n = static_cast<int64_t>(unicode::CodePointCount(self.str()));
    std::optional<int64_t> start = OptionalIndex(b, 1);
    if (start && (*start < 0 ? *start + n : *start) > n) return Value::Bool(false);
  }
  std::vector<Value> options;
  const Value& affix = *b.Get(0);
  if (affix.is_tuple()) {
    options = affix.list().items;
  } else {
    options.push_back(affix);
  }
  for (const Value& option : options) {
    if (!option.is_string()) {
      ThrowRender(StrCat(name, " first arg must be str or a tuple of str, not ", option.TypeName()));
    }
    const std::string& o = option.str();
    if (o.size() <= s.size() && (prefix ? s.compare(0, o.size(), o) == 0 : s.compare(s.size() - o.size(), o.size(), o) == 0)) {
      return Value::Bool(true);
    }
  }
  return Value::Bool(false);
}

Value FindLike(const Value& self, const CallArgs& args, const char* name, bool reverse, bool raise) {
  ArgBinder b(name, args, {"sub", "start", "end"}, 1);
  if (!b.Get(0)->is_string()) ThrowRender(StrCat("must be str, not ", b.Get(0)->TypeName()));
  int64_t i = pystr::Find(self.str(), b.Get(0)->str(), OptionalIndex(b, 1), OptionalIndex(b, 2), reverse);
  if (i < 0 && raise) ThrowRender("substring not found");
  return Value::Int(i);
}

template <bool (*Pred)(char32_t)>
Value AllChars(Renderer&, const Value& self, const CallArgs& args) {
  ArgBinder b("is", args, {});
  const std::string& s = self.str();
  if (s.empty()) return Value::Bool(false);
  for (size_t i = 0; i < s.size();) {
    if (!Pred(unicode::DecodeNext(s, &i))) return Value::Bool(false);
  }
  return Value::Bool(true);
}

bool IsNumericChar(char32_t cp) { return unicode::IsAlnum(cp) && !unicode::IsAlpha(cp); }

Value Justify(const Value& self, const CallArgs& args, const char* name, char align) {
  ArgBinder b(name, args, {"width", "fillchar"}, 1);
  std::string fill = b.GetString(1, " ");
  if (unicode::CodePointCount(fill) != 1) ThrowRender("The fill character must be exactly one character long");
  return Value::String(pystr::Justify(self.str(), b.GetInt(0, 0), fill, align));
}

Value Partition(const Value& self, const CallArgs& args, bool reverse) {
  ArgBinder b(reverse ? "rpartition" : "partition", args, {"sep"}, 1);
  std::string sep = b.GetString(0, "");
  if (sep.empty()) ThrowRender("empty separator");
  const std::string& s = self.str();
  size_t pos = reverse ? s.rfind(sep) : s.find(sep);
  if (pos == std::string::npos) {
    return reverse ? Value::Tuple({Value::String(""), Value::String(""), self})
                   : Value::Tuple({self, Value::String(""), Value::String("")});
  }
  return Value::Tuple({Value::String(s.substr(0, pos)), Value::String(sep), Value::String(s.substr(pos + sep.size()))});
}

const MethodTable& StrMethods() {
  static const MethodEntry kEntries[] = {
      {"strip", [](Renderer&, const Value& s, const CallArgs& a) { return Strip(s, a, "strip", true, true); }},
      {"lstrip", [](Renderer&, const Value& s, const CallArgs& a) { return Strip(s, a, "lstrip", true, false); }},
      {"rstrip", [](Renderer&, const Value& s, const CallArgs& a) { return Strip(s, a, "rstrip", false, true); }},
      {"split",
       [](Renderer&, const Value& s, const CallArgs& a) {
         ArgBinder b("split", a, {"sep", "maxsplit"});
         return StrList(pystr::Split(s.str(), OptionalString(b, 0, "sep"), b.GetInt(1, -1)));
       }},
      {"rsplit",
       [](Renderer&, const Value& s, const CallArgs& a) {
         ArgBinder b("rsplit", a, {"sep", "maxsplit"});
         return StrList(pystr::RSplit(s.str(), OptionalString(b, 0, "sep"), b.GetInt(1, -1)));
       }},
      {"splitlines",
       [](Renderer&, const Value& s, const CallArgs& a) {
         ArgBinder b("splitlines", a, {"keepends"});
         return StrList(pystr::SplitLines(s.str(), b.GetBool(0, false)));
       }},
      {"startswith", [](Renderer&, const Value& s, const CallArgs& a) { return AffixTest(s, a, "startswith", true); }},
      {"endswith", [](Renderer&, const Value& s, const CallArgs& a) { return AffixTest(s, a, "endswith", false); }},
      {"replace",
       [](Renderer&, const Value& s, const CallArgs& a) {
         ArgBinder b("replace", a, {"old", "new", "count"}, 2);
         return Value::String(pystr::Replace(s.str(), b.GetString(0, ""), b.GetString(1, ""), b.GetInt(2, -1)));
       }},
      {"upper", [](Renderer&, const Value& s, const CallArgs& a) { ArgBinder b("upper", a, {}); return Value::String(unicode::ToUpper(s.str())); }},
      {"lower", [](Renderer&, const Value& s, const CallArgs& a) { ArgBinder b("lower", a, {}); return Value::String(unicode::ToLower(s.str())); }},
      {"casefold", [](Renderer&, const Value& s, const CallArgs& a) { ArgBinder b("casefold", a, {}); return Value::String(unicode::ToLower(s.str())); }},
      {"title", [](Renderer&, const Value& s, const CallArgs& a) { ArgBinder b("title", a, {}); return Value::String(pystr::Title(s.str())); }},
      {"capitalize", [](Renderer&, const Value& s, const CallArgs& a) { ArgBinder b("capitalize", a, {}); return Value::String(pystr::Capitalize(s.str())); }},
      {"swapcase", [](Renderer&, const Value& s, const CallArgs& a) { ArgBinder b("swapcase", a, {}); return Value::String(pystr::SwapCase(s.str())); }},
      {"find", [](Renderer&, const Value& s, const CallArgs& a) { return FindLike(s, a, "find", false, false); }},
      {"rfind", [](Renderer&, const Value& s, const CallArgs& a) { return FindLike(s, a, "rfind", true, false); }},
      {"index", [](Renderer&, const Value& s, const CallArgs& a) { return FindLike(s, a, "index", false, true); }},
      {"rindex", [](Renderer&, const Value& s, const CallArgs& a) { return FindLike(s, a, "rindex", true, true); }},
      {"count",
       [](Renderer&, const Value& s, const CallArgs& a) {
         ArgBinder b("count", a, {"sub", "start", "end"}, 1);
         return Value::Int(pystr::Count(s.str(), b.GetString(0, ""), OptionalIndex(b, 1), OptionalIndex(b, 2)));
       }},
      {"join",
       [](Renderer&, const Value& s, const CallArgs& a) {
         ArgBinder b("join", a, {"iterable"}, 1);
         std::vector<Value> items = ToList(*b.Get(0));
         std::string out;
         for (size_t i = 0; i < items.size(); ++i) {
           if (!items[i].is_string()) {
             ThrowRender(StrCat("sequence item ", i, ": expected str instance, ", items[i].TypeName(), " found"));
           }
           if (i) out += s.str();
           out += items[i].str();
         }
         return Value::String(std::move(out));
       }},
      {"format", [](Renderer&, const Value& s, const CallArgs& a) { return Value::String(BraceFormat(s.str(), a)); }},
      {"isdigit", AllChars<unicode::IsDigit>},
      {"isdecimal", AllChars<unicode::IsDecimal>},
      {"isnumeric", AllChars<IsNumericChar>},
      {"isalpha", AllChars<unicode::IsAlpha>},
      {"isalnum", AllChars<unicode::IsAlnum>},
      {"isspace", AllChars<unicode::IsSpace>},
      {"islower", [](Renderer&, const Value& s, const CallArgs&) { return Value::Bool(pystr::IsAllCase(s.str(), false)); }},
      {"isupper", [](Renderer&, const Value& s, const CallArgs&) { return Value::Bool(pystr::IsAllCase(s.str(), true)); }},
      {"istitle", [](Renderer&, const Value& s, const CallArgs&) { return Value::Bool(pystr::IsTitle(s.str())); }},
      {"center", [](Renderer&, const Value& s, const CallArgs& a) { return Justify(s, a, "center", '^'); }},
      {"ljust", [](Renderer&, const Value& s, const CallArgs& a) { return Justify(s, a, "ljust", '<'); }},
      {"rjust", [](Renderer&, const Value& s, const CallArgs& a) { return Justify(s, a, "rjust", '>'); }},
      {"zfill",
       [](Renderer&, const Value& s, const CallArgs& a) {
         ArgBinder b("zfill", a, {"width"}, 1);
         return Value::String(pystr::ZFill(s.str(), b.GetInt(0, 0)));
       }},
      {"partition", [](Renderer&, const Value& s, const CallArgs& a) { return Partition(s, a, false); }},
      {"rpartition", [](Renderer&, const Value& s, const CallArgs& a) { return Partition(s, a, true); }},
      {"removeprefix",
       [](Renderer&, const Value& s, const CallArgs& a) {
         ArgBinder b("removeprefix", a, {"prefix"}, 1);
         std::string p = b.GetString(0, "");
         const std::string& str = s.str();
         return Value::String(str.compare(0, p.size(), p) == 0 ? str.substr(p.size()) : str);
       }},
      {"removesuffix",
       [](Renderer&, const Value& s, const CallArgs& a) {
         ArgBinder b("removesuffix", a, {"suffix"}, 1);
         std::string p = b.GetString(0, "");
         const std::string& str = s.str();
         bool ends = !p.empty() && str.size() >= p.size() && str.compare(str.size() - p.size(), p.size(), p) == 0;
         return Value::String(ends ? str.substr(0, str.size() - p.size()) : str);
       }},
  };
  static const MethodTable* table = MakeTable(kEntries);
  return *table;
}

Value DictView(const Value& self, const char* view) {
  auto list = std::make_shared<ListData>();
  list->view_name = view;
  for (const auto& [key, value] : self.dict().items()) {
    if (view[5] == 'i') {
      list->items.push_back(Value::Tuple({key, value}));
    } else {
      list->items.push_back(view[5] == 'k' ? key : value);
    }
  }
  return Value::FromList(std::move(list));
}

const MethodTable& DictMethods() {
  static const MethodEntry kEntries[] = {
      {"items", [](Renderer&, const Value& d, const CallArgs& a) { ArgBinder b("items", a, {}); return DictView(d, "dict_items"); }},
      {"keys", [](Renderer&, const Value& d, const CallArgs& a) { ArgBinder b("keys", a, {}); return DictView(d, "dict_keys"); }},
      {"values", [](Renderer&, const Value& d, const CallArgs& a) { ArgBinder b("values", a, {}); return DictView(d, "dict_values"); }},
      {"get",
       [](Renderer&, const Value& d, const CallArgs& a) {
         ArgBinder b("get", a, {"key", "default"}, 1);
         const Value* found = d.dict().Find(*b.Get(0));
         return found ? *found : b.GetOr(1, Value::None());
       }},
      {"copy", [](Renderer&, const Value& d, const CallArgs& a) { ArgBinder b("copy", a, {}); return d; }},
  };
  static const MethodTable* table = MakeTable(kEntries);
  return *table;
}

const MethodTable& ListMethods() {
  static const MethodEntry kEntries[] = {
      {"index",
       [](Renderer&, const Value& l, const CallArgs& a) {
         ArgBinder b("index", a, {"value", "start", "stop"}, 1);
         const auto& items = l.list().items;
         int64_t begin, end;
         pystr::ClampRange(static_cast<int64_t>(items.size()), OptionalIndex(b, 1), OptionalIndex(b, 2), &begin, &end);
         for (int64_t i = begin; i < end; ++i) {
           if (Equals(items[i], *b.Get(0))) return Value::Int(i);
         }
         ThrowRender(StrCat(b.Get(0)->Repr(), " is not in ", l.TypeName()));
       }},
      {"count",
       [](Renderer&, const Value& l, const CallArgs& a) {
         ArgBinder b("count", a, {"value"}, 1);
         const auto& items = l.list().items;
         return Value::Int(std::count_if(items.begin(), items.end(), [&](const Value& v) { return Equals(v, *b.Get(0)); }));
       }},
      {"copy", [](Renderer&, const Value& l, const CallArgs& a) { ArgBinder b("copy", a, {}); return Value::List(l.list().items); }},
  };
  static const MethodTable* table = MakeTable(kEntries);
  return *table;
}

bool IsMutator(const Value& obj, std::string_view name) {
  static constexpr std::string_view kList[] = {"append", "extend", "insert", "pop", "remove", "reverse", "sort", "clear"};
  static constexpr std::string_view kDict[] = {"clear", "pop", "popitem", "setdefault", "update"};
  if (obj.is_list() && !obj.list().is_tuple && obj.list().view_name.empty()) {
    return std::find(std::begin(kList), std::end(kList), name) != std::end(kList);
  }
  if (obj.is_dict()) return std::find(std::begin(kDict), std::end(kDict), name) != std::end(kDict);
  return false;
}

Value Bind(const Value& self, std::string_view name, MethodFn fn) {
  auto callable = std::make_shared<Callable>();
  callable->name = std::string(name);
  callable->depth = self.Depth() + 1;
  callable->fn = [self, fn](Renderer& r, CallArgs& args) { return fn(r, self, args); };
  return Value::Function(std::move(callable));
}

}  // namespace

std::optional<Value> FindMethod(const Value& obj, const std::string& name) {
  if (IsMutator(obj, name)) {
    ThrowRender(StrCat("access to attribute '", name, "' of '", obj.TypeName(), "' object is unsafe."));
  }
  const MethodTable* table = nullptr;
  if (obj.is_string()) {
    table = &StrMethods();
  } else if (obj.is_dict()) {
    table = &DictMethods();
  } else if (obj.is_list() && obj.list().view_name.empty()) {
    if (obj.list().is_tuple && name == "copy") return std::nullopt;
    table = &ListMethods();
  }
  if (table == nullptr) return std::nullopt;
  auto it = table->find(name);
  if (it == table->end()) return std::nullopt;
  return Bind(obj, it->first, it->second);
}

std::optional<Value> LoopAttribute(const std::shared_ptr<LoopState>& loop, const std::string& name) {
  const auto& items = *loop->items;
  int64_t length = static_cast<int64_t>(items.size());
  int64_t index0 = static_cast<int64_t>(loop->index0);
  if (name == "index") return Value::Int(index0 + 1);
  if (name == "index0") return Value::Int(index0);
  if (name == "revindex") return Value::Int(length - index0);
  if (name == "revindex0") return Value::Int(length - index0 - 1);
  if (name == "first") return Value::Bool(index0 == 0);
  if (name == "last") return Value::Bool(index0 + 1 >= length);
  if (name == "length") return Value::Int(length);
  if (name == "depth") return Value::Int(loop->depth0 + 1);
  if (name == "depth0") return Value::Int(loop->depth0);
  if (name == "previtem") {
    if (index0 == 0) return Value::Undefined("there is no previous item");
    return items[index0 - 1];
  }
  if (name == "nextitem") {
    if (index0 + 1 >= length) return Value::Undefined("there is no next item");
    return items[index0 + 1];
  }
  if (name == "cycle") {
    auto callable = std::make_shared<Callable>();
    callable->name = "cycle";
    callable->fn = [loop](Renderer&, CallArgs& args) -> Value {
      if (!args.kwargs.empty()) ThrowRender("cycle() got an unexpected keyword argument");
      if (args.args.empty()) ThrowRender("no items for cycling given");
      return args.args[loop->index0 % args.args.size()];
    };
    return Value::Function(std::move(callable));
  }
  if (name == "changed") {
    auto callable = std::make_shared<Callable>();
    callable->name = "changed";
    callable->fn = [loop](Renderer&, CallArgs& args) -> Value {
      Value current = Value::Tuple(args.args);
      if (loop->has_changed_value && Equals(loop->last_changed, current)) return Value::Bool(false);
      loop->has_changed_value = true;
      loop->last_changed = current;
      return Value::Bool(true);
    };
    return Value::Function(std::move(callable));
  }
  return std::nullopt;
}

}  // namespace basalt::chat
