#include "common/chat/value.h"

#include <algorithm>
#include <cmath>

#include "common/chat/error.h"
#include "common/chat/limits.h"
#include "common/chat/py_format.h"
#include "common/chat/str_cat.h"

namespace basalt::chat {

namespace {

int MaxDepth(const std::vector<Value>& items) {
  int depth = 0;
  for (const Value& v : items) depth = std::max(depth, v.Depth());
  return depth + 1;
}

int CheckDepth(int depth) {
  if (depth > kMaxValueDepth) ThrowLimit(StrCat("values nested more than ", kMaxValueDepth, " levels deep"));
  return depth;
}

}  // namespace

Value Value::Undefined(std::string hint) {
  return Value(UndefinedData{std::make_shared<const std::string>(std::move(hint))});
}
Value Value::None() { return Value(NoneData{}); }
Value Value::Bool(bool b) { return Value(b); }
Value Value::Int(int64_t i) { return Value(i); }
Value Value::Float(double d) { return Value(d); }
Value Value::String(std::string s) { return Value(std::shared_ptr<const std::string>(std::make_shared<std::string>(std::move(s)))); }

Value Value::List(std::vector<Value> items) {
  auto list = std::make_shared<ListData>();
  list->depth = CheckDepth(MaxDepth(items));
  list->items = std::move(items);
  return Value(std::shared_ptr<const ListData>(std::move(list)));
}

Value Value::Tuple(std::vector<Value> items) {
  auto list = std::make_shared<ListData>();
  list->depth = CheckDepth(MaxDepth(items));
  list->items = std::move(items);
  list->is_tuple = true;
  return Value(std::shared_ptr<const ListData>(std::move(list)));
}


Value Value::FromList(std::shared_ptr<const ListData> list) {
  int depth = CheckDepth(MaxDepth(list->items));
  if (list->depth != depth) {
    auto copy = std::make_shared<ListData>(*list);
    copy->depth = depth;
    list = std::move(copy);
  }
  return Value(std::move(list));
}

Value Value::Dict(DictData dict) {
  return Value(std::shared_ptr<const DictData>(std::make_shared<DictData>(std::move(dict))));
}

Value Value::Iterator(std::vector<Value> items, std::string type_name) {
  auto it = std::make_shared<IteratorData>();
  it->depth = CheckDepth(MaxDepth(items));
  it->items = std::move(items);
  it->type_name = std::move(type_name);
  return Value(std::move(it));
}

Value Value::Ns(std::shared_ptr<Namespace> ns) { return Value(std::move(ns)); }
Value Value::Function(std::shared_ptr<const Callable> fn) {
  CheckDepth(fn->depth);
  return Value(std::move(fn));
}
Value Value::Loop(std::shared_ptr<LoopState> loop) { return Value(std::move(loop)); }

int Value::Depth() const {
  switch (kind()) {
    case Kind::kList:
      return list().depth;
    case Kind::kDict:
      return dict().depth();
    case Kind::kIterator:
      return iter().depth;
    case Kind::kCallable:
      return callable().depth;
    default:
      return 0;
  }
}

bool Value::is_tuple() const { return is_list() && list().is_tuple; }

int64_t Value::as_int() const { return is_bool() ? (as_bool() ? 1 : 0) : std::get<int64_t>(v_); }

double Value::as_double() const {
  if (is_float()) return std::get<double>(v_);
  return static_cast<double>(as_int());
}

std::string Value::undefined_hint() const {
  const auto& hint = std::get<UndefinedData>(v_).hint;
  return hint ? *hint : "value is undefined";
}

bool Value::Truthy() const {
  switch (kind()) {
    case Kind::kUndefined:
    case Kind::kNone:
      return false;
    case Kind::kBool:
      return as_bool();
    case Kind::kInt:
      return as_int() != 0;
    case Kind::kFloat:
      return as_double() != 0.0;
    case Kind::kString:
      return !str().empty();
    case Kind::kList:
      return !list().items.empty();
    case Kind::kDict:
      return !dict().empty();
    case Kind::kLoop:
      return !loop()->items->empty();
    case Kind::kIterator:
    case Kind::kNamespace:
    case Kind::kCallable:
      return true;
  }
  return true;
}

namespace {

std::string ReprItems(const std::vector<Value>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ", ";
    out += items[i].Repr();
  }
  return out;
}

std::string DictRepr(const DictData& dict) {
  std::string out = "{";
  bool first = true;
  for (const auto& [key, value] : dict.items()) {
    if (!first) out += ", ";
    first = false;
    StrAppend(&out, key.Repr(), ": ", value.Repr());
  }
  return out + "}";
}

}  // namespace

std::string Value::Repr() const {
  switch (kind()) {
    case Kind::kUndefined:
      return "Undefined";
    case Kind::kString:
      return StringRepr(str());
    case Kind::kList: {
      const ListData& l = list();
      std::string body = ReprItems(l.items);
      if (!l.view_name.empty()) return StrCat(l.view_name, "([", body, "])");
      if (!l.is_tuple) return StrCat("[", body, "]");
      return StrCat("(", body, l.items.size() == 1 ? ",)" : ")");
    }
    case Kind::kDict:
      return DictRepr(dict());
    default:
      return Str();
  }
}

std::string Value::Str() const {
  switch (kind()) {
    case Kind::kUndefined:
      return "";
    case Kind::kNone:
      return "None";
    case Kind::kBool:
      return as_bool() ? "True" : "False";
    case Kind::kInt:
      return StrCat(as_int());
    case Kind::kFloat:
      return FormatFloat(as_double());
    case Kind::kString:
      return str();
    case Kind::kList:
    case Kind::kDict:
      return Repr();
    case Kind::kIterator:
      return StrCat("<", iter().type_name, " object>");
    case Kind::kNamespace: {
      // Namespaces are mutable and may contain themselves: print a cycle as Python does ({...}), and
      // bound the nesting a chain of namespaces can reach.
      thread_local std::vector<const Namespace*> active;
      if (std::find(active.begin(), active.end(), ns()) != active.end()) return "<Namespace {...}>";
      if (active.size() >= static_cast<size_t>(kMaxValueDepth)) ThrowLimit("namespaces nested too deeply to print");
      active.push_back(ns());
      std::string out;
      try {
        out = StrCat("<Namespace ", DictRepr(ns()->attrs), ">");
      } catch (...) {
        active.pop_back();
        throw;
      }
      active.pop_back();
      return out;
    }
    case Kind::kCallable:
      return callable().is_macro ? StrCat("<Macro '", callable().name, "'>")
                                 : StrCat("<function ", callable().name, ">");
    case Kind::kLoop:
      return StrCat("<LoopContext ", loop()->index0 + 1, "/", loop()->items->size(), ">");
  }
  return "";
}

std::string Value::TypeName() const {
  switch (kind()) {
    case Kind::kUndefined:
      return "Undefined";
    case Kind::kNone:
      return "NoneType";
    case Kind::kBool:
      return "bool";
    case Kind::kInt:
      return "int";
    case Kind::kFloat:
      return "float";
    case Kind::kString:
      return "str";
    case Kind::kList:
      if (!list().view_name.empty()) return list().view_name;
      return list().is_tuple ? "tuple" : "list";
    case Kind::kDict:
      return "dict";
    case Kind::kIterator:
      return iter().type_name;
    case Kind::kNamespace:
      return "Namespace";
    case Kind::kCallable:
      return callable().is_macro ? "Macro" : "function";
    case Kind::kLoop:
      return "LoopContext";
  }
  return "object";
}

bool Value::Identical(const Value& other) const {
  if (kind() != other.kind()) return false;
  switch (kind()) {
    case Kind::kUndefined:
    case Kind::kNone:
      return true;
    case Kind::kBool:
      return as_bool() == other.as_bool();
    case Kind::kInt:
      // CPython caches small ints, so `1 is 1` holds; larger equal ints are usually distinct objects.
      return as_int() == other.as_int() && as_int() >= -5 && as_int() <= 256;
    case Kind::kFloat:
      return false;
    case Kind::kString:
      return std::get<kStringIndex>(v_) == std::get<kStringIndex>(other.v_);
    case Kind::kList:
      return std::get<kListIndex>(v_) == std::get<kListIndex>(other.v_);
    case Kind::kDict:
      return std::get<kDictIndex>(v_) == std::get<kDictIndex>(other.v_);
    case Kind::kIterator:
      return std::get<kIteratorIndex>(v_) == std::get<kIteratorIndex>(other.v_);
    case Kind::kNamespace:
      return ns() == other.ns();
    case Kind::kCallable:
      return std::get<kCallableIndex>(v_) == std::get<kCallableIndex>(other.v_);
    case Kind::kLoop:
      return loop() == other.loop();
  }
  return false;
}

std::string HashKey(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kUndefined:
      return "U";
    case Value::Kind::kNone:
      return "N";
    case Value::Kind::kBool:
    case Value::Kind::kInt:
      return StrCat("I", v.as_int());
    case Value::Kind::kFloat: {
      double d = v.as_double();
      if (std::isfinite(d) && d == std::trunc(d) && std::fabs(d) < 9.2e18) {
        return StrCat("I", static_cast<int64_t>(d));
      }
      return StrCat("F", FormatFloat(d));
    }
    case Value::Kind::kString:
      return StrCat("S", v.str());
    case Value::Kind::kList:
      if (v.list().is_tuple) {
        std::string key = "T(";
        for (const Value& item : v.list().items) StrAppend(&key, HashKey(item).size(), ":", HashKey(item));
        return key + ")";
      }
      break;
    case Value::Kind::kNamespace:
      return StrCat("P", reinterpret_cast<uintptr_t>(v.ns()));
    case Value::Kind::kLoop:
      return StrCat("P", reinterpret_cast<uintptr_t>(v.loop()));
    default:
      break;
  }
  ThrowRender(StrCat("unhashable type: '", v.TypeName(), "'"));
}

const Value* DictData::Find(const Value& key) const {
  if (key.is_string()) return FindString(key.str());
  auto it = index_.find(HashKey(key));
  return it == index_.end() ? nullptr : &items_[it->second].second;
}

const Value* DictData::FindString(std::string_view key) const {
  auto it = string_index_.find(absl::string_view(key.data(), key.size()));
  return it == string_index_.end() ? nullptr : &items_[it->second].second;
}

void DictData::Set(const Value& key, Value value) {
  depth_ = std::max(depth_, CheckDepth(std::max(key.Depth(), value.Depth()) + 1));
  auto [it, inserted] = key.is_string() ? string_index_.try_emplace(key.str(), items_.size())
                                         : index_.try_emplace(HashKey(key), items_.size());
  if (inserted) {
    items_.emplace_back(key, std::move(value));
  } else {
    items_[it->second].second = std::move(value);
  }
}

bool Equals(const Value& a, const Value& b) {
  using Kind = Value::Kind;
  if (a.is_number() && b.is_number()) {
    if (a.is_float() || b.is_float()) return a.as_double() == b.as_double();
    return a.as_int() == b.as_int();
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Kind::kUndefined:
    case Kind::kNone:
      return true;
    case Kind::kString:
      return a.str() == b.str();
    case Kind::kList: {
      const ListData& x = a.list();
      const ListData& y = b.list();
      if (x.is_tuple != y.is_tuple || x.items.size() != y.items.size()) return false;
      for (size_t i = 0; i < x.items.size(); ++i) {
        if (!Equals(x.items[i], y.items[i])) return false;
      }
      return true;
    }
    case Kind::kDict: {
      const DictData& x = a.dict();
      const DictData& y = b.dict();
      if (x.size() != y.size()) return false;
      for (const auto& [key, value] : x.items()) {
        const Value* other = y.Find(key);
        if (other == nullptr || !Equals(value, *other)) return false;
      }
      return true;
    }
    default:
      return a.Identical(b);
  }
}

int Compare(const Value& a, const Value& b, std::string_view op) {
  if (a.is_number() && b.is_number()) {
    if (a.is_float() || b.is_float()) {
      double x = a.as_double();
      double y = b.as_double();
      return x < y ? -1 : (x > y ? 1 : 0);
    }
    int64_t x = a.as_int();
    int64_t y = b.as_int();
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  if (a.is_string() && b.is_string()) {
    // UTF-8 byte order is code point order.
    int c = a.str().compare(b.str());
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  if (a.is_list() && b.is_list() && a.list().is_tuple == b.list().is_tuple) {
    const auto& x = a.list().items;
    const auto& y = b.list().items;
    for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (!Equals(x[i], y[i])) return Compare(x[i], y[i], op);
    }
    return x.size() < y.size() ? -1 : (x.size() > y.size() ? 1 : 0);
  }
  if (a.is_undefined() || b.is_undefined()) {
    ThrowRender((a.is_undefined() ? a : b).undefined_hint());
  }
  ThrowRender(StrCat("'", op, "' not supported between instances of '", a.TypeName(), "' and '",
                           b.TypeName(), "'"));
}

}  // namespace basalt::chat
