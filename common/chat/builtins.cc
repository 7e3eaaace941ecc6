#include "common/chat/builtins.h"

#include <algorithm>
#include <ctime>

#include "absl/container/flat_hash_map.h"
#include "common/chat/args.h"
#include "common/chat/error.h"
#include "common/chat/limits.h"
#include "common/chat/operators.h"
#include "common/chat/renderer.h"
#include "common/chat/str_cat.h"

namespace basalt::chat {
namespace {

int64_t IntArg(const Value& v) {
  if (!v.is_integral()) ThrowRender(StrCat("'", v.TypeName(), "' object cannot be interpreted as an integer"));
  return v.as_int();
}

// The sandbox's safe_range: a list (not a lazy range) of at most kMaxRange items.
Value Range(Renderer& r, CallArgs& args) {
  if (!args.kwargs.empty()) ThrowRender("range() takes no keyword arguments");
  if (args.args.empty() || args.args.size() > 3) {
    ThrowRender(StrCat("range expected at most 3 arguments, got ", args.args.size()));
  }
  int64_t start = 0, stop, step = 1;
  if (args.args.size() == 1) {
    stop = IntArg(args.args[0]);
  } else {
    start = IntArg(args.args[0]);
    stop = IntArg(args.args[1]);
    if (args.args.size() == 3) step = IntArg(args.args[2]);
  }
  if (step == 0) ThrowRender("range() arg 3 must not be zero");
  __int128 span = step > 0 ? static_cast<__int128>(stop) - start : static_cast<__int128>(start) - stop;
  __int128 abs_step = step > 0 ? step : -static_cast<__int128>(step);
  __int128 count = span <= 0 ? 0 : (span + abs_step - 1) / abs_step;
  if (count > kMaxRange) {
    ThrowLimit(StrCat("Range too big. The sandbox blocks ranges larger than MAX_RANGE (", kMaxRange, ")."));
  }
  r.Charge(static_cast<int64_t>(count));
  std::vector<Value> items;
  items.reserve(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) items.push_back(Value::Int(start + i * step));
  return Value::List(std::move(items));
}

// dict(mapping_or_pairs, **kwargs), and the same for namespace().
DictData DictFromArgs(const CallArgs& args, const char* name) {
  if (args.args.size() > 1) ThrowRender(StrCat(name, " expected at most 1 argument, got ", args.args.size()));
  DictData dict;
  if (!args.args.empty()) {
    const Value& source = args.args[0];
    if (source.is_dict()) {
      dict = source.dict();
    } else if (source.is_namespace()) {
      dict = source.ns()->attrs;
    } else {
      for (const Value& pair : ToList(source)) {
        std::vector<Value> kv = ToList(pair);
        if (kv.size() != 2) {
          ThrowRender(StrCat("dictionary update sequence element has length ", kv.size(), "; 2 is required"));
        }
        dict.Set(kv[0], kv[1]);
      }
    }
  }
  for (const auto& [key, value] : args.kwargs) dict.Set(Value::String(key), value);
  return dict;
}

Value MakeNamespace(Renderer& r, CallArgs& args) {
  std::shared_ptr<Namespace> ns = r.NewNamespace();
  ns->attrs = DictFromArgs(args, "namespace");
  return Value::Ns(ns);
}

Value RaiseException(Renderer&, CallArgs& args) {
  ArgBinder b("raise_exception", args, {"message"}, 1);
  throw TemplateError(TemplateError::Kind::kRaised, b.Get(0)->Str());
}

Value StrftimeNow(Renderer&, CallArgs& args) {
  ArgBinder b("strftime_now", args, {"format"}, 1);
  std::string format = b.GetString(0, "");
  if (format.size() > 1024) ThrowRender("strftime format too long");
  std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  // strftime cannot tell "empty result" from "buffer too small"; a marker byte tells them apart.
  std::string buf(format.size() * 16 + 64, '\0');
  size_t n = std::strftime(buf.data(), buf.size(), (format + "\x01").c_str(), &local);
  if (n == 0) ThrowRender("strftime result too long");
  buf.resize(n - 1);
  return Value::String(std::move(buf));
}

// joiner(sep): "" on the first call, sep afterwards. Its state lives in a render-owned namespace.
Value MakeJoiner(Renderer& r, CallArgs& args) {
  ArgBinder b("joiner", args, {"sep"});
  Value sep = b.GetOr(0, Value::String(", "));
  std::shared_ptr<Namespace> state = r.NewNamespace();
  auto callable = std::make_shared<Callable>();
  callable->name = "joiner";
  callable->depth = sep.Depth() + 1;
  callable->fn = [state, sep](Renderer&, CallArgs& call_args) -> Value {
    ArgBinder none("joiner", call_args, {});
    if (state->attrs.FindString("used") == nullptr) {
      state->attrs.Set(Value::String("used"), Value::Bool(true));
      return Value::String("");
    }
    return sep;
  };
  return Value::Function(std::move(callable));
}

// cycler(*items): an object with next(), reset() and current, modelled as a namespace.
Value MakeCycler(Renderer& r, CallArgs& args) {
  if (!args.kwargs.empty()) ThrowRender("cycler() takes no keyword arguments");
  if (args.args.empty()) ThrowRender("at least one item has to be provided");
  std::shared_ptr<Namespace> ns = r.NewNamespace();
  auto items = std::make_shared<const std::vector<Value>>(args.args);
  auto position = std::make_shared<size_t>(0);
  int depth = 1;
  for (const Value& item : *items) depth = std::max(depth, item.Depth() + 1);
  const auto method = [depth](std::string name, std::function<Value(Renderer&, CallArgs&)> fn) {
    auto callable = std::make_shared<Callable>();
    callable->name = std::move(name);
    callable->depth = depth;
    callable->fn = std::move(fn);
    return Value::Function(std::move(callable));
  };
  ns->attrs.Set(Value::String("current"), (*items)[0]);
  ns->attrs.Set(Value::String("next"), method("next", [ns, items, position](Renderer&, CallArgs&) {
                  Value rv = (*items)[*position];
                  *position = (*position + 1) % items->size();
                  ns->attrs.Set(Value::String("current"), (*items)[*position]);
                  return rv;
                }));
  ns->attrs.Set(Value::String("reset"), method("reset", [ns, items, position](Renderer&, CallArgs&) {
                  *position = 0;
                  ns->attrs.Set(Value::String("current"), (*items)[0]);
                  return Value::None();
                }));
  return Value::Ns(ns);
}

}  // namespace

std::optional<Value> FindGlobal(std::string_view name) {
  using Fn = Value (*)(Renderer&, CallArgs&);
  static const auto* globals = [] {
    auto* table = new absl::flat_hash_map<std::string_view, Value>;
    const auto add = [table](std::string_view global, Fn fn) {
      auto callable = std::make_shared<Callable>();
      callable->name = std::string(global);
      callable->fn = fn;
      table->emplace(global, Value::Function(std::move(callable)));
    };
    add("range", Range);
    add("dict", [](Renderer&, CallArgs& args) { return Value::Dict(DictFromArgs(args, "dict")); });
    add("namespace", MakeNamespace);
    add("raise_exception", RaiseException);
    add("strftime_now", StrftimeNow);
    add("joiner", MakeJoiner);
    add("cycler", MakeCycler);
    return table;
  }();
  auto it = globals->find(name);
  if (it == globals->end()) return std::nullopt;
  return it->second;
}

}  // namespace basalt::chat
