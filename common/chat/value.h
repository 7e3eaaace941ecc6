#pragma once
// The values a template computes with, modelled on the Python objects jinja2 sees: undefined, None,
// bool, int, float, str, list/tuple, dict, generator, namespace, callables and the loop object.
// Lists, tuples and dicts are immutable once built (the immutable sandbox refuses mutation), so they are
// shared by pointer. Namespaces and loop objects are mutable, so only they can close a reference cycle;
// the render that made them empties them when it ends, which frees any cycle.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "absl/container/flat_hash_map.h"

namespace basalt::chat {

class Renderer;
class Value;
struct ListData;
class DictData;
struct IteratorData;
struct Namespace;
struct Callable;
struct LoopState;

class Value {
 public:
  // Order matches the variant below.
  enum class Kind { kUndefined, kNone, kBool, kInt, kFloat, kString, kList, kDict, kIterator, kNamespace,
                    kCallable, kLoop };

  Value() = default;  // undefined
  static Value Undefined(std::string hint);
  static Value None();
  static Value Bool(bool b);
  static Value Int(int64_t i);
  static Value Float(double d);
  static Value String(std::string s);
  static Value List(std::vector<Value> items);
  static Value Tuple(std::vector<Value> items);
  static Value FromList(std::shared_ptr<const ListData> list);
  static Value Dict(DictData dict);
  static Value Iterator(std::vector<Value> items, std::string type_name);
  static Value Ns(std::shared_ptr<Namespace> ns);
  static Value Function(std::shared_ptr<const Callable> fn);
  static Value Loop(std::shared_ptr<LoopState> loop);

  Kind kind() const { return static_cast<Kind>(v_.index()); }
  bool is_undefined() const { return kind() == Kind::kUndefined; }
  bool is_none() const { return kind() == Kind::kNone; }
  bool is_bool() const { return kind() == Kind::kBool; }
  bool is_int() const { return kind() == Kind::kInt; }
  bool is_float() const { return kind() == Kind::kFloat; }
  // Python's numbers.Number: bool, int and float.
  bool is_number() const { return is_bool() || is_int() || is_float(); }
  // int or bool (bool is an int subclass in Python).
  bool is_integral() const { return is_bool() || is_int(); }
  bool is_string() const { return kind() == Kind::kString; }
  bool is_list() const { return kind() == Kind::kList; }  // list or tuple
  bool is_tuple() const;
  bool is_dict() const { return kind() == Kind::kDict; }
  bool is_iterator() const { return kind() == Kind::kIterator; }
  bool is_namespace() const { return kind() == Kind::kNamespace; }
  bool is_callable() const { return kind() == Kind::kCallable; }
  bool is_loop() const { return kind() == Kind::kLoop; }

  bool as_bool() const { return std::get<bool>(v_); }
  int64_t as_int() const;  // int or bool
  double as_double() const;  // any number
  const std::string& str() const { return *std::get<kStringIndex>(v_); }
  const ListData& list() const { return *std::get<kListIndex>(v_); }
  const std::shared_ptr<const ListData>& list_ptr() const { return std::get<kListIndex>(v_); }
  const DictData& dict() const { return *std::get<kDictIndex>(v_); }
  IteratorData& iter() const { return *std::get<kIteratorIndex>(v_); }
  Namespace* ns() const { return std::get<kNamespaceIndex>(v_).get(); }
  const Callable& callable() const { return *std::get<kCallableIndex>(v_); }
  LoopState* loop() const { return std::get<kLoopIndex>(v_).get(); }
  const std::shared_ptr<LoopState>& loop_ptr() const { return std::get<kLoopIndex>(v_); }
  const std::shared_ptr<Namespace>& ns_ptr() const { return std::get<kNamespaceIndex>(v_); }
  // Why a value is undefined ("'x' is undefined"): the message of the error its use raises.
  std::string undefined_hint() const;

  // Nesting depth of containers (0 for scalars), bounded by kMaxValueDepth.
  int Depth() const;

  bool Truthy() const;
  std::string Str() const;       // Python str()
  std::string Repr() const;      // Python repr()
  std::string TypeName() const;  // Python type name: 'int', 'str', 'dict', ...
  // Whether two values are the same object (jinja2's `sameas` test).
  bool Identical(const Value& other) const;

 private:
  struct UndefinedData {
    std::shared_ptr<const std::string> hint;
  };
  struct NoneData {};
  static constexpr size_t kStringIndex = 5;
  static constexpr size_t kListIndex = 6;
  static constexpr size_t kDictIndex = 7;
  static constexpr size_t kIteratorIndex = 8;
  static constexpr size_t kNamespaceIndex = 9;
  static constexpr size_t kCallableIndex = 10;
  static constexpr size_t kLoopIndex = 11;

  template <typename T>
  explicit Value(T v) : v_(std::move(v)) {}

  std::variant<UndefinedData, NoneData, bool, int64_t, double, std::shared_ptr<const std::string>,
               std::shared_ptr<const ListData>, std::shared_ptr<const DictData>, std::shared_ptr<IteratorData>,
               std::shared_ptr<Namespace>, std::shared_ptr<const Callable>, std::shared_ptr<LoopState>>
      v_;
};

struct ListData {
  std::vector<Value> items;
  int depth = 1;  // set by Value's factories
  bool is_tuple = false;
  // Named-tuple fields (groupby's grouper/list), readable as attributes.
  std::vector<std::string> field_names;
  // Set for dict views (dict_items, dict_keys, dict_values): only changes how the value prints.
  std::string view_name;
};

// An insertion-ordered dict with Python key semantics (1, 1.0 and True are the same key).
class DictData {
 public:
  // Null when absent. Throws for unhashable keys, as Python does.
  const Value* Find(const Value& key) const;
  const Value* FindString(std::string_view key) const;
  void Set(const Value& key, Value value);
  const std::vector<std::pair<Value, Value>>& items() const { return items_; }
  size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  int depth() const { return depth_; }

 private:
  std::vector<std::pair<Value, Value>> items_;
  int depth_ = 1;
  absl::flat_hash_map<std::string, size_t> string_index_;  // str keys
  absl::flat_hash_map<std::string, size_t> index_;         // other keys, by HashKey
};

// A one-shot iterator (generator, reversed(...)): filters like map/select return these, as in jinja2,
// so truthiness, len() and re-iteration behave as they do in Python.
struct IteratorData {
  std::vector<Value> items;
  int depth = 1;
  size_t pos = 0;
  std::string type_name;
};

struct Namespace {
  DictData attrs;
};

struct CallArgs {
  std::vector<Value> args;
  std::vector<std::pair<std::string, Value>> kwargs;
};

struct Callable {
  std::string name;
  std::function<Value(Renderer&, CallArgs&)> fn;
  bool is_macro = false;
  // Depth of the values the function captured (a bound method holds its receiver).
  int depth = 1;
};

// The `loop` variable of a for loop.
struct LoopState {
  std::shared_ptr<const std::vector<Value>> items;
  size_t index0 = 0;
  int depth0 = 0;
  bool has_changed_value = false;
  Value last_changed;
  // Set for `recursive` loops: renders the loop body over another iterable, one level deeper.
  std::function<Value(Renderer&, const Value&)> recurse;
};

// Python's hash() domain as a string (equal keys map to equal strings). Throws for unhashable values.
std::string HashKey(const Value& v);
// Python ==.
bool Equals(const Value& a, const Value& b);
// Python ordering (<): -1, 0 or 1; throws TypeError-style errors for unorderable pairs. `op` names the
// operator for the message.
int Compare(const Value& a, const Value& b, std::string_view op = "<");

}  // namespace basalt::chat
