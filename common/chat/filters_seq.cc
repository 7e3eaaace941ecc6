// Filters over sequences and mappings: first/last/list/join/map/select/sort/unique/groupby/...
#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_split.h"
#include "common/chat/args.h"
#include "common/chat/error.h"
#include "common/chat/filters.h"
#include "common/chat/methods.h"
#include "common/chat/operators.h"
#include "common/chat/renderer.h"
#include "common/chat/str_cat.h"
#include "common/chat/unicode.h"

namespace basalt::chat {
namespace {

Value LowerIfString(const Value& v) { return v.is_string() ? Value::String(unicode::ToLower(v.str())) : v; }

// jinja2's make_attrgetter: "a.b.0" walks items (digit parts as integers); attribute lists for sort and
// the key functions of min/max/unique/groupby ("age,name") are comma-separated.
class AttrGetter {
 public:
  AttrGetter(const Value* attribute, bool ignore_case, bool multi, const Value* fallback = nullptr)
      : ignore_case_(ignore_case), multi_(multi), fallback_(fallback && !fallback->is_none() ? fallback : nullptr) {
    if (attribute == nullptr || attribute->is_none()) {
      paths_.emplace_back();
      return;
    }
    if (!attribute->is_string()) {
      paths_.push_back({*attribute});
      return;
    }
    std::vector<std::string> specs;
    if (multi) {
      specs = absl::StrSplit(attribute->str(), ',');
    } else {
      specs.push_back(attribute->str());
    }
    for (const std::string& spec : specs) {
      std::vector<Value> parts;
      std::vector<std::string> names = absl::StrSplit(spec, '.');
      for (const std::string& part : names) {
        bool digits = !part.empty();
        for (size_t i = 0; digits && i < part.size();) digits = unicode::IsDigit(unicode::DecodeNext(part, &i));
        if (digits && unicode::IsAscii(part) && part.size() < 18) {
          parts.push_back(Value::Int(std::stoll(part)));
        } else {
          parts.push_back(Value::String(part));
        }
      }
      paths_.push_back(std::move(parts));
    }
  }

  Value operator()(const Value& item) const {
    if (!multi_) return Get(item, paths_[0]);
    std::vector<Value> keys;
    for (const auto& path : paths_) keys.push_back(Get(item, path));
    return Value::List(std::move(keys));
  }

 private:
  Value Get(const Value& item, const std::vector<Value>& path) const {
    Value v = item;
    for (const Value& part : path) {
      v = GetItem(v, part);
      if (fallback_ && v.is_undefined()) v = *fallback_;
    }
    return ignore_case_ ? LowerIfString(v) : v;
  }

  bool ignore_case_;
  bool multi_;
  const Value* fallback_;
  std::vector<std::vector<Value>> paths_;
};

std::vector<Value> Items(Renderer& r, const Value& v) {
  std::vector<Value> items = ToList(v);
  r.Charge(static_cast<int64_t>(items.size()));
  return items;
}

Value DoLength(Renderer&, const Value& v, const CallArgs& args) {
  ArgBinder b("length", args, {});
  return Value::Int(Length(v));
}

Value DoList(Renderer& r, const Value& v, const CallArgs& args) {
  ArgBinder b("list", args, {});
  return Value::List(Items(r, v));
}

Value DoFirst(Renderer& r, const Value& v, const CallArgs& args) {
  ArgBinder b("first", args, {});
  if (v.is_iterator()) {
    IteratorData& it = v.iter();
    if (it.pos < it.items.size()) return it.items[it.pos++];
  } else if (v.is_list()) {
    if (!v.list().items.empty()) return v.list().items.front();
  } else {
    std::vector<Value> items = Items(r, v);
    if (!items.empty()) return items.front();
  }
  return Value::Undefined("No first item, sequence was empty.");
}

Value DoLast(Renderer& r, const Value& v, const CallArgs& args) {
  ArgBinder b("last", args, {});
  if (!(v.is_list() || v.is_string() || v.is_dict() || v.is_undefined())) {
    ThrowRender(StrCat("'", v.TypeName(), "' object is not reversible"));
  }
  if (v.is_list()) {
    if (!v.list().items.empty()) return v.list().items.back();
  } else {
    std::vector<Value> items = Items(r, v);
    if (!items.empty()) return items.back();
  }
  return Value::Undefined("No last item, sequence was empty.");
}

Value DoReverse(Renderer& r, const Value& v, const CallArgs& args) {
  ArgBinder b("reverse", args, {});
  if (v.is_string()) {
    std::u32string cps = unicode::ToCodePoints(v.str());
    std::reverse(cps.begin(), cps.end());
    return Value::String(unicode::FromCodePoints(cps));
  }
  if (v.is_list() || v.is_dict() || v.is_undefined()) {
    std::vector<Value> items = Items(r, v);
    std::reverse(items.begin(), items.end());
    return Value::Iterator(std::move(items), v.is_dict() ? "dict_reversekeyiterator" : "list_reverseiterator");
  }
  if (v.is_iterator()) {
    std::vector<Value> items = Items(r, v);
    std::reverse(items.begin(), items.end());
    return Value::List(std::move(items));
  }
  ThrowRender("argument must be iterable");
}

Value DoItems(Renderer& r, const Value& v, const CallArgs& args) {
  ArgBinder b("items", args, {});
  if (v.is_undefined()) return Value::Iterator({}, "generator");
  if (!v.is_dict()) ThrowRender("Can only get item pairs from a mapping.");
  std::vector<Value> items;
  for (const auto& [key, value] : v.dict().items()) items.push_back(Value::Tuple({key, value}));
  r.Charge(static_cast<int64_t>(items.size()));
  return Value::Iterator(std::move(items), "generator");
}

Value DoJoin(Renderer& r, const Value& v, const CallArgs& args) {
  ArgBinder b("join", args, {"d", "attribute"});
  std::string sep = b.GetOr(0, Value::String("")).Str();
  std::vector<Value> items = Items(r, v);
  std::optional<AttrGetter> getter;
  if (b.Has(1)) getter.emplace(b.Get(1), false, false);
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += sep;
    out += (getter ? (*getter)(items[i]) : items[i]).Str();
  }
  return Value::String(std::move(out));
}

Value DoMap(Renderer& r, const Value& v, const CallArgs& args) {
  if (!v.Truthy()) return Value::Iterator({}, "generator");
  std::vector<Value> out;
  bool by_attribute = args.args.empty() && std::any_of(args.kwargs.begin(), args.kwargs.end(),
                                                        [](const auto& kw) { return kw.first == "attribute"; });
  if (by_attribute) {
    ArgBinder b("map", args, {"attribute", "default"});
    AttrGetter getter(b.Get(0), false, false, b.Get(1));
    for (const Value& item : Items(r, v)) out.push_back(getter(item));
  } else {
    if (args.args.empty()) ThrowRender("map requires a filter argument");
    const Value& name = args.args[0];
    if (!name.is_string()) ThrowRender(StrCat("No filter named ", name.Repr(), "."));
    CallArgs rest;
    rest.args.assign(args.args.begin() + 1, args.args.end());
    rest.kwargs = args.kwargs;
    for (const Value& item : Items(r, v)) out.push_back(r.CallFilter(name.str(), item, rest));
  }
  return Value::Iterator(std::move(out), "generator");
}

// select / reject / selectattr / rejectattr.
Value SelectOrReject(Renderer& r, const Value& v, const CallArgs& args, bool keep, bool by_attribute) {
  if (!v.Truthy()) return Value::Iterator({}, "generator");
  size_t off = 0;
  std::optional<AttrGetter> getter;
  if (by_attribute) {
    if (args.args.empty()) ThrowRender("Missing parameter for attribute name");
    getter.emplace(&args.args[0], false, false);
    off = 1;
  }
  const Value* test = args.args.size() > off ? &args.args[off] : nullptr;
  if (test && !test->is_string()) ThrowRender(StrCat("No test named ", test->Repr(), "."));
  CallArgs rest;
  if (test) rest.args.assign(args.args.begin() + off + 1, args.args.end());
  rest.kwargs = args.kwargs;
  std::vector<Value> out;
  for (const Value& item : Items(r, v)) {
    Value probe = getter ? (*getter)(item) : item;
    bool passed = test ? r.CallTest(test->str(), probe, rest) : probe.Truthy();
    if (passed == keep) out.push_back(item);
  }
  return Value::Iterator(std::move(out), "generator");
}

Value DoSort(Renderer& r, const Value& v, const CallArgs& args) {
  ArgBinder b("sort", args, {"reverse", "case_sensitive", "attribute"});
  bool reverse = b.GetBool(0, false);
  AttrGetter getter(b.Get(2), !b.GetBool(1, false), true);
  std::vector<Value> items = Items(r, v);
  std::vector<std::pair<Value, size_t>> keyed;
  for (size_t i = 0; i < items.size(); ++i) keyed.emplace_back(getter(items[i]), i);
  r.Charge(static_cast<int64_t>(items.size()) * 4);
  std::stable_sort(keyed.begin(), keyed.end(), [reverse](const auto& a, const auto& b) {
    return reverse ? Compare(b.first, a.first) < 0 : Compare(a.first, b.first) < 0;
  });
  std::vector<Value> out;
  for (const auto& [key, i] : keyed) out.push_back(items[i]);
  return Value::List(std::move(out));
}

Value DoDictsort(Renderer& r, const Value& v, const CallArgs& args) {
  ArgBinder b("dictsort", args, {"case_sensitive", "by", "reverse"});
  bool case_sensitive = b.GetBool(0, false);
  std::string by = b.GetString(1, "key");
  bool reverse = b.GetBool(2, false);
  if (by != "key" && by != "value") ThrowRender("You can only sort by either \"key\" or \"value\"");
  CheckDefined(v);
  if (!v.is_dict()) ThrowRender(StrCat("'", v.TypeName(), "' object has no attribute 'items'"));
  std::vector<Value> pairs;
  for (const auto& [key, value] : v.dict().items()) pairs.push_back(Value::Tuple({key, value}));
  r.Charge(static_cast<int64_t>(pairs.size()) * 4);
  size_t pos = by == "key" ? 0 : 1;
  const auto key = [&](const Value& pair) {
    const Value& k = pair.list().items[pos];
    return case_sensitive ? k : LowerIfString(k);
  };
  std::stable_sort(pairs.begin(), pairs.end(), [&](const Value& a, const Value& b) {
    return reverse ? Compare(key(b), key(a)) < 0 : Compare(key(a), key(b)) < 0;
  });
  return Value::List(std::move(pairs));
}

Value DoUnique(Renderer& r, const Value& v, const CallArgs& args) {
  ArgBinder b("unique", args, {"case_sensitive", "attribute"});
  AttrGetter getter(b.Get(1), !b.GetBool(0, false), false);
  absl::flat_hash_set<std::string> seen;
  std::vector<Value> out;
  for (const Value& item : Items(r, v)) {
    if (seen.insert(HashKey(getter(item))).second) out.push_back(item);
  }
  return Value::Iterator(std::move(out), "generator");
}

Value MinOrMax(Renderer& r, const Value& v, const CallArgs& args, bool max) {
  ArgBinder b(max ? "max" : "min", args, {"case_sensitive", "attribute"});
  AttrGetter getter(b.Get(1), !b.GetBool(0, false), false);
  std::vector<Value> items = Items(r, v);
  if (items.empty()) return Value::Undefined("No aggregated item, sequence was empty.");
  size_t best = 0;
  Value best_key = getter(items[0]);
  for (size_t i = 1; i < items.size(); ++i) {
    Value key = getter(items[i]);
    if (max ? Compare(key, best_key, ">") > 0 : Compare(key, best_key) < 0) {
      best = i;
      best_key = std::move(key);
    }
  }
  return items[best];
}

Value DoSum(Renderer& r, const Value& v, const CallArgs& args) {
  ArgBinder b("sum", args, {"attribute", "start"});
  std::optional<AttrGetter> getter;
  if (b.Has(0)) getter.emplace(b.Get(0), false, false);
  Value total = b.GetOr(1, Value::Int(0));
  for (const Value& item : Items(r, v)) total = Arithmetic(BinaryExpr::Op::kAdd, total, getter ? (*getter)(item) : item);
  return total;
}

Value DoBatch(Renderer& r, const Value& v, const CallArgs& args) {
  ArgBinder b("batch", args, {"linecount", "fill_with"}, 1);
  int64_t linecount = b.GetInt(0, 0);
  const Value* fill = b.Has(1) ? b.Get(1) : nullptr;
  std::vector<Value> out;
  std::vector<Value> tmp;
  for (const Value& item : Items(r, v)) {
    if (static_cast<int64_t>(tmp.size()) == linecount) {
      out.push_back(Value::List(std::move(tmp)));
      tmp.clear();
    }
    tmp.push_back(item);
  }
  if (!tmp.empty()) {
    if (fill && static_cast<int64_t>(tmp.size()) < linecount) {
      if (linecount > 1 << 20) ThrowLimit("batch too large");
      tmp.resize(linecount, *fill);
    }
    out.push_back(Value::List(std::move(tmp)));
  }
  return Value::Iterator(std::move(out), "generator");
}

Value DoSlice(Renderer& r, const Value& v, const CallArgs& args) {
  ArgBinder b("slice", args, {"slices", "fill_with"}, 1);
  int64_t slices = b.GetInt(0, 0);
  const Value* fill = b.Has(1) ? b.Get(1) : nullptr;
  std::vector<Value> seq = Items(r, v);
  int64_t length = static_cast<int64_t>(seq.size());
  if (slices == 0) ThrowRender("integer division or modulo by zero");
  if (slices > 1 << 16) ThrowLimit("too many slices");
  // A negative count gives no slices (range(slices) is empty), so C++ division suffices.
  int64_t per = length / slices;
  int64_t extra = length % slices;
  std::vector<Value> out;
  int64_t offset = 0;
  for (int64_t n = 0; n < slices; ++n) {
    int64_t start = offset + n * per;
    if (n < extra) ++offset;
    int64_t end = offset + (n + 1) * per;
    std::vector<Value> tmp;
    for (int64_t i = std::max<int64_t>(start, 0); i < std::min(end, length); ++i) tmp.push_back(seq[i]);
    if (fill && n >= extra) tmp.push_back(*fill);
    out.push_back(Value::List(std::move(tmp)));
  }
  return Value::Iterator(std::move(out), "generator");
}

Value DoGroupby(Renderer& r, const Value& v, const CallArgs& args) {
  ArgBinder b("groupby", args, {"attribute", "default", "case_sensitive"}, 1);
  bool case_sensitive = b.GetBool(2, false);
  AttrGetter key_of(b.Get(0), !case_sensitive, false, b.Get(1));
  AttrGetter output_key(b.Get(0), false, false, b.Get(1));
  std::vector<Value> items = Items(r, v);
  std::vector<std::pair<Value, Value>> keyed;
  for (const Value& item : items) keyed.emplace_back(key_of(item), item);
  std::stable_sort(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) { return Compare(a.first, b.first) < 0; });
  std::vector<Value> groups;
  for (size_t i = 0; i < keyed.size();) {
    size_t j = i;
    std::vector<Value> members;
    while (j < keyed.size() && Equals(keyed[j].first, keyed[i].first)) members.push_back(keyed[j++].second);
    auto group = std::make_shared<ListData>();
    group->is_tuple = true;
    group->field_names = {"grouper", "list"};
    group->items = {case_sensitive ? keyed[i].first : output_key(members[0]), Value::List(std::move(members))};
    groups.push_back(Value::FromList(std::move(group)));
    i = j;
  }
  return Value::List(std::move(groups));
}

Value DoAttr(Renderer&, const Value& v, const CallArgs& args) {
  ArgBinder b("attr", args, {"name"}, 1);
  std::string name = b.Get(0)->Str();
  CheckDefined(v);
  if (name.rfind("__", 0) == 0) {
    ThrowRender(StrCat("access to attribute '", name, "' of '", v.TypeName(), "' object is unsafe."));
  }
  if (std::optional<Value> method = FindMethod(v, name)) return *method;
  if (v.is_namespace() || v.is_loop() || (v.is_list() && !v.list().field_names.empty())) return GetAttr(v, name);
  return MissingAttribute(v, Value::String(name));
}

}  // namespace

void RegisterSequenceFilters(FilterTable& table) {
  table.insert({
      {"length", DoLength},
      {"count", DoLength},
      {"list", DoList},
      {"first", DoFirst},
      {"last", DoLast},
      {"reverse", DoReverse},
      {"items", DoItems},
      {"join", DoJoin},
      {"map", DoMap},
      {"select", [](Renderer& r, const Value& v, const CallArgs& a) { return SelectOrReject(r, v, a, true, false); }},
      {"reject", [](Renderer& r, const Value& v, const CallArgs& a) { return SelectOrReject(r, v, a, false, false); }},
      {"selectattr", [](Renderer& r, const Value& v, const CallArgs& a) { return SelectOrReject(r, v, a, true, true); }},
      {"rejectattr", [](Renderer& r, const Value& v, const CallArgs& a) { return SelectOrReject(r, v, a, false, true); }},
      {"sort", DoSort},
      {"dictsort", DoDictsort},
      {"unique", DoUnique},
      {"min", [](Renderer& r, const Value& v, const CallArgs& a) { return MinOrMax(r, v, a, false); }},
      {"max", [](Renderer& r, const Value& v, const CallArgs& a) { return MinOrMax(r, v, a, true); }},
      {"sum", DoSum},
      {"batch", DoBatch},
      {"slice", DoSlice},
      {"groupby", DoGroupby},
      {"attr", DoAttr},
  });
}

}  // namespace basalt::chat
