// Expression evaluation for the Renderer (statements are in renderer.cc).
#include "common/chat/builtins.h"
#include "common/chat/error.h"
#include "common/chat/filters.h"
#include "common/chat/limits.h"
#include "common/chat/operators.h"
#include "common/chat/renderer.h"
#include "common/chat/str_cat.h"

namespace basalt::chat {

Value Renderer::Eval(const Expr& expr, Frame* frame) {
  Charge(1);
  CheckStack();
  try {
    switch (expr.kind) {
      case Expr::Kind::kConst:
        return static_cast<const ConstExpr&>(expr).value;
      case Expr::Kind::kName:
        return EvalName(static_cast<const NameExpr&>(expr), frame);
      case Expr::Kind::kList:
      case Expr::Kind::kTuple: {
        std::vector<Value> items;
        for (const ExprPtr& item : static_cast<const SequenceExpr&>(expr).items) items.push_back(Eval(*item, frame));
        return expr.kind == Expr::Kind::kList ? Value::List(std::move(items)) : Value::Tuple(std::move(items));
      }
      case Expr::Kind::kDict: {
        DictData dict;
        for (const auto& [key, value] : static_cast<const DictExpr&>(expr).items) {
          Value k = Eval(*key, frame);
          dict.Set(k, Eval(*value, frame));
        }
        return Value::Dict(std::move(dict));
      }
      case Expr::Kind::kGetattr: {
        const auto& e = static_cast<const GetattrExpr&>(expr);
        return GetAttr(Eval(*e.object, frame), e.attr);
      }
      case Expr::Kind::kGetitem: {
        const auto& e = static_cast<const GetitemExpr&>(expr);
        Value object = Eval(*e.object, frame);
        if (e.index->kind == Expr::Kind::kSlice) {
          const auto& s = static_cast<const SliceExpr&>(*e.index);
          const auto bound = [&](const ExprPtr& b) { return b ? Eval(*b, frame) : Value::None(); };
          Value start = bound(s.start);
          Value stop = bound(s.stop);
          Value step = bound(s.step);
          return GetSlice(object, start, stop, step);
        }
        return GetItem(object, Eval(*e.index, frame));
      }
      case Expr::Kind::kSlice:
        ThrowRender("slices are only allowed inside []");
      case Expr::Kind::kCall:
        return EvalCall(static_cast<const CallExpr&>(expr), frame);
      case Expr::Kind::kFilter: {
        Value result = EvalFilter(static_cast<const FilterExpr&>(expr), frame);
        if (result.is_string()) Charge(static_cast<int64_t>(result.str().size()) / kBytesPerWorkUnit);
        return result;
      }
      case Expr::Kind::kTest:
        return Value::Bool(EvalTest(static_cast<const FilterExpr&>(expr), frame));
      case Expr::Kind::kUnary: {
        const auto& e = static_cast<const UnaryExpr&>(expr);
        Value operand = Eval(*e.operand, frame);
        if (e.op == UnaryExpr::Op::kNot) return Value::Bool(!operand.Truthy());
        return e.op == UnaryExpr::Op::kNeg ? Negate(operand) : Positive(operand);
      }
      case Expr::Kind::kBinary: {
        const auto& e = static_cast<const BinaryExpr&>(expr);
        Value left = Eval(*e.left, frame);
        if (e.op == BinaryExpr::Op::kAnd) return left.Truthy() ? Eval(*e.right, frame) : left;
        if (e.op == BinaryExpr::Op::kOr) return left.Truthy() ? left : Eval(*e.right, frame);
        Value result = Arithmetic(e.op, left, Eval(*e.right, frame));
        if (result.is_string()) Charge(static_cast<int64_t>(result.str().size()) / kBytesPerWorkUnit);
        if (result.is_list()) Charge(static_cast<int64_t>(result.list().items.size()));
        return result;
      }
      case Expr::Kind::kConcat: {
        std::string out;
        for (const ExprPtr& part : static_cast<const ConcatExpr&>(expr).parts) {
          std::string s = Eval(*part, frame).Str();
          if (out.size() + s.size() > kMaxStringBytes) ThrowLimit("string too large");
          out += s;
        }
        Charge(static_cast<int64_t>(out.size()) / kBytesPerWorkUnit);
        return Value::String(std::move(out));
      }
      case Expr::Kind::kCompare:
        return EvalCompare(static_cast<const CompareExpr&>(expr), frame);
      case Expr::Kind::kCondExpr: {
        const auto& e = static_cast<const CondExpr&>(expr);
        if (Eval(*e.test, frame).Truthy()) return Eval(*e.then_expr, frame);
        if (e.else_expr) return Eval(*e.else_expr, frame);
        return Value::Undefined(StrCat("the inline if-expression on line ", expr.line,
                                             " evaluated to false and no else section was defined."));
      }
    }
  } catch (TemplateError& e) {
    if (e.line() == 0) e.set_line(expr.line);
    throw;
  }
  return Value();
}

Value Renderer::EvalName(const NameExpr& expr, Frame* frame) {
  if (const Value* v = frame->Find(expr.name)) return *v;
  if (std::optional<Value> global = FindGlobal(expr.name)) return *global;
  return Value::Undefined(StrCat("'", expr.name, "' is undefined"));
}

Value Renderer::EvalCompare(const CompareExpr& expr, Frame* frame) {
  Value left = Eval(*expr.left, frame);
  for (const auto& [op, operand] : expr.ops) {
    Value right = Eval(*operand, frame);
    bool ok = false;
    switch (op) {
      case CompareExpr::Op::kEq:
        ok = Equals(left, right);
        break;
      case CompareExpr::Op::kNe:
        ok = !Equals(left, right);
        break;
      case CompareExpr::Op::kLt:
        ok = Compare(left, right, "<") < 0;
        break;
      case CompareExpr::Op::kLe:
        ok = Compare(left, right, "<=") <= 0;
        break;
      case CompareExpr::Op::kGt:
        ok = Compare(left, right, ">") > 0;
        break;
      case CompareExpr::Op::kGe:
        ok = Compare(left, right, ">=") >= 0;
        break;
      case CompareExpr::Op::kIn:
        ok = Contains(right, left);
        break;
      case CompareExpr::Op::kNotIn:
        ok = !Contains(right, left);
        break;
    }
    if (!ok) return Value::Bool(false);
    left = std::move(right);
  }
  return Value::Bool(true);
}

CallArgs Renderer::EvalArgs(const CallArgsExpr& args, Frame* frame) {
  CallArgs out;
  for (const ExprPtr& arg : args.args) out.args.push_back(Eval(*arg, frame));
  if (args.dyn_args) {
    for (Value& v : ToList(Eval(*args.dyn_args, frame))) out.args.push_back(std::move(v));
  }
  for (const auto& [name, value] : args.kwargs) out.kwargs.emplace_back(name, Eval(*value, frame));
  if (args.dyn_kwargs) {
    Value d = Eval(*args.dyn_kwargs, frame);
    if (!d.is_dict()) ThrowRender(StrCat("argument after ** must be a mapping, not ", d.TypeName()));
    for (const auto& [key, value] : d.dict().items()) {
      if (!key.is_string()) ThrowRender("keywords must be strings");
      out.kwargs.emplace_back(key.str(), value);
    }
  }
  return out;
}

Value Renderer::EvalCall(const CallExpr& expr, Frame* frame, const Value* caller) {
  Value callee = Eval(*expr.callee, frame);
  CallArgs args = EvalArgs(expr.args, frame);
  if (caller) args.kwargs.emplace_back("caller", *caller);
  Value result = Call(callee, std::move(args));
  if (result.is_string()) Charge(static_cast<int64_t>(result.str().size()) / kBytesPerWorkUnit);
  return result;
}

Value Renderer::EvalFilter(const FilterExpr& expr, Frame* frame, const Value* block_input) {
  Value input;
  if (!expr.input) {
    input = *block_input;
  } else if (block_input && expr.input->kind == Expr::Kind::kFilter) {
    input = EvalFilter(static_cast<const FilterExpr&>(*expr.input), frame, block_input);
  } else {
    input = Eval(*expr.input, frame);
  }
  FilterFn fn = FindFilter(expr.name);
  if (fn == nullptr) ThrowRender(StrCat("No filter named '", expr.name, "'."));
  return fn(*this, input, EvalArgs(expr.args, frame));
}

bool Renderer::EvalTest(const FilterExpr& expr, Frame* frame) {
  TestFn fn = FindTest(expr.name);
  if (fn == nullptr) ThrowRender(StrCat("No test named '", expr.name, "'."));
  Value input = Eval(*expr.input, frame);
  return fn(*this, input, EvalArgs(expr.args, frame));
}

}  // namespace basalt::chat
