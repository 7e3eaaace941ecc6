#include "common/chat/operators.h"

#include <cmath>
#include <limits>

#include "common/chat/error.h"
#include "common/chat/limits.h"
#include "common/chat/methods.h"
#include "common/chat/py_format.h"
#include "common/chat/str_cat.h"
#include "common/chat/unicode.h"

namespace basalt::chat {
namespace {

const char* OpSymbol(BinaryExpr::Op op) {
  switch (op) {
    case BinaryExpr::Op::kAdd:
      return "+";
    case BinaryExpr::Op::kSub:
      return "-";
    case BinaryExpr::Op::kMul:
      return "*";
    case BinaryExpr::Op::kDiv:
      return "/";
    case BinaryExpr::Op::kFloorDiv:
      return "//";
    case BinaryExpr::Op::kMod:
      return "%";
    case BinaryExpr::Op::kPow:
      return "** or pow()";
    default:
      return "?";
  }
}

[[noreturn]] void Unsupported(BinaryExpr::Op op, const Value& a, const Value& b) {
  ThrowRender(StrCat("unsupported operand type(s) for ", OpSymbol(op), ": '", a.TypeName(), "' and '",
                           b.TypeName(), "'"));
}

[[noreturn]] void Overflow() {
  ThrowRender("integer overflow: this engine's integers are 64-bit");
}

Value Repeat(const Value& seq, int64_t n) {
  if (n < 0) n = 0;
  if (seq.is_string()) {
    const std::string& s = seq.str();
    if (!s.empty() && static_cast<uint64_t>(n) > kMaxStringBytes / s.size()) ThrowLimit("string too large");
    std::string out;
    out.reserve(s.size() * n);
    for (int64_t i = 0; i < n; ++i) out += s;
    return Value::String(std::move(out));
  }
  const auto& items = seq.list().items;
  if (!items.empty() && static_cast<uint64_t>(n) > kMaxListItems / items.size()) ThrowLimit("list too large");
  std::vector<Value> out;
  out.reserve(items.size() * n);
  for (int64_t i = 0; i < n; ++i) out.insert(out.end(), items.begin(), items.end());
  return seq.list().is_tuple ? Value::Tuple(std::move(out)) : Value::List(std::move(out));
}

// Python's float divmod.
void FloatDivMod(double x, double y, double* floordiv, double* mod) {
  if (y == 0) ThrowRender("float division by zero");
  double m = std::fmod(x, y);
  double div = (x - m) / y;
  if (m != 0) {
    if ((y < 0) != (m < 0)) {
      m += y;
      div -= 1.0;
    }
  } else {
    m = std::copysign(0.0, y);
  }
  double fd;
  if (div != 0) {
    fd = std::floor(div);
    if (div - fd > 0.5) fd += 1.0;
  } else {
    fd = std::copysign(0.0, x / y);
  }
  *floordiv = fd;
  *mod = m;
}

Value IntPow(int64_t base, int64_t exp) {
  int64_t result = 1;
  while (exp > 0) {
    if (exp & 1) {
      if (__builtin_mul_overflow(result, base, &result)) Overflow();
    }
    exp >>= 1;
    if (exp > 0 && __builtin_mul_overflow(base, base, &base)) Overflow();
  }
  return Value::Int(result);
}

// "'dict object'" as jinja2's object_type_repr writes it.
std::string ObjectTypeRepr(const Value& obj) {
  if (obj.is_none()) return "None";
  return StrCat(obj.TypeName(), " object");
}

int64_t NormalizeIndex(int64_t i, size_t n, bool* ok) {
  if (i < 0) i += static_cast<int64_t>(n);
  *ok = i >= 0 && i < static_cast<int64_t>(n);
  return i;
}

}  // namespace

void CheckDefined(const Value& v) {
  if (v.is_undefined()) ThrowRender(v.undefined_hint());
}

Value Arithmetic(BinaryExpr::Op op, const Value& a, const Value& b) {
  CheckDefined(a);
  // str % undefined is allowed: Python sees jinja2's Undefined as a mapping (it has __getitem__).
  if (op == BinaryExpr::Op::kMod && a.is_string()) return Value::String(PercentFormat(a.str(), b));
  CheckDefined(b);
  using Op = BinaryExpr::Op;
  bool numbers = a.is_number() && b.is_number();
  bool floats = numbers && (a.is_float() || b.is_float());
  switch (op) {
    case Op::kAdd:
      if (numbers) {
        if (floats) return Value::Float(a.as_double() + b.as_double());
        int64_t r;
        if (__builtin_add_overflow(a.as_int(), b.as_int(), &r)) Overflow();
        return Value::Int(r);
      }
      if (a.is_string() && b.is_string()) {
        if (a.str().size() + b.str().size() > kMaxStringBytes) ThrowLimit("string too large");
        return Value::String(a.str() + b.str());
      }
      if (a.is_string()) ThrowRender(StrCat("can only concatenate str (not \"", b.TypeName(), "\") to str"));
      if (a.is_list() && b.is_list() && a.list().is_tuple == b.list().is_tuple && a.list().view_name.empty() &&
          b.list().view_name.empty()) {
        if (a.list().items.size() + b.list().items.size() > kMaxListItems) ThrowLimit("list too large");
        std::vector<Value> items = a.list().items;
        items.insert(items.end(), b.list().items.begin(), b.list().items.end());
        return a.list().is_tuple ? Value::Tuple(std::move(items)) : Value::List(std::move(items));
      }
      if (a.is_list() && b.is_list() && a.list().view_name.empty()) {
        ThrowRender(StrCat("can only concatenate ", a.TypeName(), " (not \"", b.TypeName(), "\") to ",
                                 a.TypeName()));
      }
      Unsupported(op, a, b);
    case Op::kSub:
      if (!numbers) Unsupported(op, a, b);
      if (floats) return Value::Float(a.as_double() - b.as_double());
      {
        int64_t r;
        if (__builtin_sub_overflow(a.as_int(), b.as_int(), &r)) Overflow();
        return Value::Int(r);
      }
    case Op::kMul:
      if (numbers) {
        if (floats) return Value::Float(a.as_double() * b.as_double());
        int64_t r;
        if (__builtin_mul_overflow(a.as_int(), b.as_int(), &r)) Overflow();
        return Value::Int(r);
      }
      if ((a.is_string() || a.is_list()) && b.is_integral()) return Repeat(a, b.as_int());
      if ((b.is_string() || b.is_list()) && a.is_integral()) return Repeat(b, a.as_int());
      if ((a.is_string() || a.is_list() || b.is_string() || b.is_list()) && (a.is_float() || b.is_float())) {
        ThrowRender("can't multiply sequence by non-int of type 'float'");
      }
      Unsupported(op, a, b);
    case Op::kDiv:
      if (!numbers) Unsupported(op, a, b);
      if (b.as_double() == 0) ThrowRender("division by zero");
      return Value::Float(a.as_double() / b.as_double());
    case Op::kFloorDiv:
    case Op::kMod:
      if (op == Op::kMod && a.is_string()) return Value::String(PercentFormat(a.str(), b));
      if (!numbers) Unsupported(op, a, b);
      if (floats) {
        double fd, m;
        FloatDivMod(a.as_double(), b.as_double(), &fd, &m);
        return Value::Float(op == Op::kFloorDiv ? fd : m);
      } else {
        int64_t x = a.as_int();
        int64_t y = b.as_int();
        if (y == 0) ThrowRender("integer division or modulo by zero");
        if (x == std::numeric_limits<int64_t>::min() && y == -1) {
          if (op == Op::kFloorDiv) Overflow();
          return Value::Int(0);
        }
        int64_t q = x / y;
        int64_t r = x % y;
        if (r != 0 && ((r < 0) != (y < 0))) {
          r += y;
          q -= 1;
        }
        return Value::Int(op == Op::kFloorDiv ? q : r);
      }
    case Op::kPow:
      if (!numbers) Unsupported(op, a, b);
      if (!floats && b.as_int() >= 0) return IntPow(a.as_int(), b.as_int());
      {
        double x = a.as_double();
        double y = b.as_double();
        if (x == 0 && y < 0) ThrowRender("0.0 cannot be raised to a negative power");
        if (x < 0 && y != std::floor(y)) ThrowRender("complex results are not supported");
        double r = std::pow(x, y);
        if (std::isinf(r) && std::isfinite(x) && std::isfinite(y)) ThrowRender("(34, 'Numerical result out of range')");
        return Value::Float(r);
      }
    default:
      break;
  }
  Unsupported(op, a, b);
}

Value Negate(const Value& v) {
  CheckDefined(v);
  if (v.is_float()) return Value::Float(-v.as_double());
  if (v.is_integral()) {
    if (v.as_int() == std::numeric_limits<int64_t>::min()) Overflow();
    return Value::Int(-v.as_int());
  }
  ThrowRender(StrCat("bad operand type for unary -: '", v.TypeName(), "'"));
}

Value Positive(const Value& v) {
  CheckDefined(v);
  if (v.is_float()) return v;
  if (v.is_integral()) return Value::Int(v.as_int());
  ThrowRender(StrCat("bad operand type for unary +: '", v.TypeName(), "'"));
}

bool Contains(const Value& container, const Value& item) {
  switch (container.kind()) {
    case Value::Kind::kString:
      if (!item.is_string()) {
        ThrowRender(StrCat("'in <string>' requires string as left operand, not ", item.TypeName()));
      }
      return container.str().find(item.str()) != std::string::npos;
    case Value::Kind::kList:
      for (const Value& v : container.list().items) {
        if (Equals(v, item)) return true;
      }
      return false;
    case Value::Kind::kDict:
      return container.dict().Find(item) != nullptr;
    case Value::Kind::kIterator: {
      IteratorData& it = container.iter();
      while (it.pos < it.items.size()) {
        if (Equals(it.items[it.pos++], item)) return true;
      }
      return false;
    }
    case Value::Kind::kUndefined:
      return false;
    default:
      ThrowRender(StrCat("argument of type '", container.TypeName(), "' is not iterable"));
  }
}

int64_t Length(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kString:
      return static_cast<int64_t>(unicode::CodePointCount(v.str()));
    case Value::Kind::kList:
      return static_cast<int64_t>(v.list().items.size());
    case Value::Kind::kDict:
      return static_cast<int64_t>(v.dict().size());
    case Value::Kind::kLoop:
      return static_cast<int64_t>(v.loop()->items->size());
    case Value::Kind::kUndefined:
      return 0;
    default:
      ThrowRender(StrCat("object of type '", v.TypeName(), "' has no len()"));
  }
}

std::vector<Value> ToList(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kList:
      return v.list().items;
    case Value::Kind::kString: {
      std::vector<Value> out;
      const std::string& s = v.str();
      for (size_t i = 0; i < s.size();) {
        size_t start = i;
        unicode::DecodeNext(s, &i);
        out.push_back(Value::String(s.substr(start, i - start)));
      }
      return out;
    }
    case Value::Kind::kDict: {
      std::vector<Value> out;
      out.reserve(v.dict().size());
      for (const auto& item : v.dict().items()) out.push_back(item.first);
      return out;
    }
    case Value::Kind::kIterator: {
      IteratorData& it = v.iter();
      std::vector<Value> out(it.items.begin() + it.pos, it.items.end());
      it.pos = it.items.size();
      return out;
    }
    case Value::Kind::kUndefined:
      return {};
    default:
      ThrowRender(StrCat("'", v.TypeName(), "' object is not iterable"));
  }
}

Value MissingAttribute(const Value& obj, const Value& name) {
  if (name.is_string()) {
    return Value::Undefined(StrCat("'", ObjectTypeRepr(obj), "' has no attribute '", name.str(), "'"));
  }
  return Value::Undefined(StrCat(ObjectTypeRepr(obj), " has no element ", name.Repr()));
}

std::vector<size_t> SliceIndices(size_t n, const Value& start, const Value& stop, const Value& step) {
  const auto as_index = [](const Value& v) -> int64_t {
    if (!v.is_integral()) ThrowRender("slice indices must be integers or None or have an __index__ method");
    return v.as_int();
  };
  int64_t len = static_cast<int64_t>(n);
  int64_t st = step.is_none() ? 1 : as_index(step);
  if (st == 0) ThrowRender("slice step cannot be zero");
  const auto clamp = [&](const Value& v, int64_t fallback) -> int64_t {
    if (v.is_none()) return fallback;
    int64_t i = as_index(v);
    if (i < 0) {
      i += len;
      if (i < 0) i = st < 0 ? -1 : 0;
    } else if (i >= len) {
      i = st < 0 ? len - 1 : len;
    }
    return i;
  };
  int64_t b = clamp(start, st < 0 ? len - 1 : 0);
  int64_t e = clamp(stop, st < 0 ? -1 : len);
  std::vector<size_t> out;
  if (st > 0) {
    for (int64_t i = b; i < e; i += st) out.push_back(static_cast<size_t>(i));
  } else {
    for (int64_t i = b; i > e; i += st) out.push_back(static_cast<size_t>(i));
  }
  return out;
}

Value GetSlice(const Value& obj, const Value& start, const Value& stop, const Value& step) {
  CheckDefined(obj);
  if (obj.is_string()) {
    const std::string& s = obj.str();
    if (unicode::IsAscii(s)) {
      std::string out;
      for (size_t i : SliceIndices(s.size(), start, stop, step)) out += s[i];
      return Value::String(std::move(out));
    }
    std::u32string cps = unicode::ToCodePoints(s);
    std::u32string out;
    for (size_t i : SliceIndices(cps.size(), start, stop, step)) out += cps[i];
    return Value::String(unicode::FromCodePoints(out));
  }
  if (obj.is_list() && obj.list().view_name.empty()) {
    const auto& items = obj.list().items;
    std::vector<Value> out;
    for (size_t i : SliceIndices(items.size(), start, stop, step)) out.push_back(items[i]);
    return obj.list().is_tuple ? Value::Tuple(std::move(out)) : Value::List(std::move(out));
  }
  if (step.is_integral() && step.as_int() == 0) ThrowRender("slice step cannot be zero");
  return Value::Undefined(StrCat(ObjectTypeRepr(obj), " has no element slice(", start.Repr(), ", ",
                                       stop.Repr(), ", ", step.Repr(), ")"));
}

Value GetItem(const Value& obj, const Value& key) {
  CheckDefined(obj);
  switch (obj.kind()) {
    case Value::Kind::kList:
      if (key.is_integral() && obj.list().view_name.empty()) {
        bool ok;
        int64_t i = NormalizeIndex(key.as_int(), obj.list().items.size(), &ok);
        if (ok) return obj.list().items[i];
        return MissingAttribute(obj, key);
      }
      break;
    case Value::Kind::kString:
      if (key.is_integral()) {
        const std::string& s = obj.str();
        size_t n = unicode::CodePointCount(s);
        bool ok;
        int64_t i = NormalizeIndex(key.as_int(), n, &ok);
        if (!ok) return MissingAttribute(obj, key);
        if (n == s.size()) return Value::String(s.substr(i, 1));
        std::string out;
        unicode::AppendUtf8(&out, unicode::ToCodePoints(s)[i]);
        return Value::String(std::move(out));
      }
      break;
    case Value::Kind::kDict:
      if (key.is_list() && !key.list().is_tuple) break;  // unhashable: TypeError, then the attribute fallback
      if (key.is_dict()) break;
      if (const Value* found = obj.dict().Find(key)) return *found;
      break;
    case Value::Kind::kNamespace:
    case Value::Kind::kLoop:
      // Not subscriptable: jinja2 falls back to the attribute.
      if (key.is_string()) return GetAttr(obj, key.str());
      break;
    default:
      break;
  }
  if (key.is_string()) {
    if (key.str().rfind('_', 0) == 0) return MissingAttribute(obj, key);
    if (std::optional<Value> method = FindMethod(obj, key.str())) return *method;
  }
  return MissingAttribute(obj, key);
}

Value GetAttr(const Value& obj, const std::string& name) {
  CheckDefined(obj);
  if (std::optional<Value> method = FindMethod(obj, name)) return *method;
  switch (obj.kind()) {
    case Value::Kind::kDict:
      if (const Value* found = obj.dict().FindString(name)) return *found;
      break;
    case Value::Kind::kNamespace:
      if (const Value* found = obj.ns()->attrs.FindString(name)) return *found;
      break;
    case Value::Kind::kLoop:
      if (std::optional<Value> attr = LoopAttribute(obj.loop_ptr(), name)) return *attr;
      break;
    case Value::Kind::kList: {
      const ListData& list = obj.list();
      for (size_t i = 0; i < list.field_names.size(); ++i) {
        if (list.field_names[i] == name) return list.items[i];
      }
      break;
    }
    default:
      break;
  }
  if (name.rfind("__", 0) == 0) {
    // Every Python object has dunder attributes (__class__, __init__, ...): the way out of a sandbox.
    ThrowRender(StrCat("access to attribute '", name, "' of '", obj.TypeName(), "' object is unsafe."));
  }
  return MissingAttribute(obj, Value::String(name));
}

}  // namespace basalt::chat
