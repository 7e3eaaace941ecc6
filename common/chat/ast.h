#pragma once
// The parsed template: expression and statement nodes mirroring jinja2.nodes. Nodes are immutable after
// parsing; the renderer walks them with a switch on `kind`.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/chat/value.h"

namespace basalt::chat {

struct Expr;
struct Stmt;
using ExprPtr = std::unique_ptr<Expr>;
using StmtPtr = std::unique_ptr<Stmt>;
using StmtList = std::vector<StmtPtr>;

struct Expr {
  enum class Kind {
    kConst, kName, kList, kTuple, kDict, kGetattr, kGetitem, kSlice, kCall, kFilter, kTest, kUnary,
    kBinary, kConcat, kCompare, kCondExpr,
  };
  Expr(Kind k, int l) : kind(k), line(l) {}
  virtual ~Expr() = default;
  Kind kind;
  int line;
};

struct ConstExpr : Expr {
  ConstExpr(Value v, int l) : Expr(Kind::kConst, l), value(std::move(v)) {}
  Value value;
};

struct NameExpr : Expr {
  NameExpr(std::string n, int l) : Expr(Kind::kName, l), name(std::move(n)) {}
  std::string name;
};

// kList and kTuple.
struct SequenceExpr : Expr {
  SequenceExpr(Kind k, int l) : Expr(k, l) {}
  std::vector<ExprPtr> items;
};

struct DictExpr : Expr {
  explicit DictExpr(int l) : Expr(Kind::kDict, l) {}
  std::vector<std::pair<ExprPtr, ExprPtr>> items;
};

struct GetattrExpr : Expr {
  GetattrExpr(ExprPtr o, std::string a, int l) : Expr(Kind::kGetattr, l), object(std::move(o)), attr(std::move(a)) {}
  ExprPtr object;
  std::string attr;
};

struct GetitemExpr : Expr {
  GetitemExpr(ExprPtr o, ExprPtr i, int l) : Expr(Kind::kGetitem, l), object(std::move(o)), index(std::move(i)) {}
  ExprPtr object;
  ExprPtr index;  // a SliceExpr for x[a:b:c]
};

struct SliceExpr : Expr {
  explicit SliceExpr(int l) : Expr(Kind::kSlice, l) {}
  ExprPtr start, stop, step;  // each may be null
};

// Arguments of a call, filter or test.
struct CallArgsExpr {
  std::vector<ExprPtr> args;
  std::vector<std::pair<std::string, ExprPtr>> kwargs;
  ExprPtr dyn_args;    // *args
  ExprPtr dyn_kwargs;  // **kwargs
};

struct CallExpr : Expr {
  CallExpr(ExprPtr c, int l) : Expr(Kind::kCall, l), callee(std::move(c)) {}
  ExprPtr callee;
  CallArgsExpr args;
};

// kFilter and kTest. A filter block's or set block's filter has no input (the body is the input).
struct FilterExpr : Expr {
  FilterExpr(Kind k, ExprPtr in, std::string n, int l) : Expr(k, l), input(std::move(in)), name(std::move(n)) {}
  ExprPtr input;
  std::string name;
  CallArgsExpr args;
};

struct UnaryExpr : Expr {
  enum class Op { kNeg, kPos, kNot };
  UnaryExpr(Op o, ExprPtr e, int l) : Expr(Kind::kUnary, l), op(o), operand(std::move(e)) {}
  Op op;
  ExprPtr operand;
};

struct BinaryExpr : Expr {
  enum class Op { kAdd, kSub, kMul, kDiv, kFloorDiv, kMod, kPow, kAnd, kOr };
  BinaryExpr(Op o, ExprPtr a, ExprPtr b, int l) : Expr(Kind::kBinary, l), op(o), left(std::move(a)), right(std::move(b)) {}
  Op op;
  ExprPtr left, right;
};

struct ConcatExpr : Expr {
  explicit ConcatExpr(int l) : Expr(Kind::kConcat, l) {}
  std::vector<ExprPtr> parts;
};

struct CompareExpr : Expr {
  enum class Op { kEq, kNe, kLt, kLe, kGt, kGe, kIn, kNotIn };
  CompareExpr(ExprPtr first, int l) : Expr(Kind::kCompare, l), left(std::move(first)) {}
  ExprPtr left;
  std::vector<std::pair<Op, ExprPtr>> ops;  // chained: a < b < c
};

struct CondExpr : Expr {
  CondExpr(ExprPtr t, ExprPtr a, ExprPtr b, int l)
      : Expr(Kind::kCondExpr, l), test(std::move(t)), then_expr(std::move(a)), else_expr(std::move(b)) {}
  ExprPtr test, then_expr, else_expr;  // else_expr may be null (-> undefined)
};

// Assignment targets of set / for / with: a name, a (nested) tuple of names, or namespace.attr.
struct Target {
  enum class Kind { kName, kTuple, kNamespaceAttr };
  Kind kind = Kind::kName;
  std::string name;  // kName, or the namespace variable for kNamespaceAttr
  std::string attr;  // kNamespaceAttr
  std::vector<Target> items;  // kTuple
};

struct Stmt {
  enum class Kind {
    kOutput, kIf, kFor, kSet, kSetBlock, kMacro, kCallBlock, kFilterBlock, kWith, kBreak, kContinue,
  };
  Stmt(Kind k, int l) : kind(k), line(l) {}
  virtual ~Stmt() = default;
  Kind kind;
  int line;
};

// Template text and {{ expressions }} (a piece is either literal text or an expression).
struct OutputStmt : Stmt {
  explicit OutputStmt(int l) : Stmt(Kind::kOutput, l) {}
  struct Piece {
    std::string text;
    ExprPtr expr;  // null for text
  };
  std::vector<Piece> pieces;
};

struct IfStmt : Stmt {
  explicit IfStmt(int l) : Stmt(Kind::kIf, l) {}
  // if / elif branches in order; else_body when none matched.
  std::vector<std::pair<ExprPtr, StmtList>> branches;
  StmtList else_body;
};

struct ForStmt : Stmt {
  explicit ForStmt(int l) : Stmt(Kind::kFor, l) {}
  Target target;
  ExprPtr iter;
  ExprPtr filter;  // for x in y if filter
  bool recursive = false;
  StmtList body;
  StmtList else_body;
};

struct SetStmt : Stmt {
  explicit SetStmt(int l) : Stmt(Kind::kSet, l) {}
  Target target;
  ExprPtr value;
};

// {% set x | filters %}body{% endset %}
struct SetBlockStmt : Stmt {
  explicit SetBlockStmt(int l) : Stmt(Kind::kSetBlock, l) {}
  Target target;
  ExprPtr filter;  // chain of FilterExpr with a null innermost input; may be null
  StmtList body;
};

struct MacroParams {
  std::vector<std::string> names;
  std::vector<ExprPtr> defaults;  // for the last defaults.size() names
};

struct MacroStmt : Stmt {
  explicit MacroStmt(int l) : Stmt(Kind::kMacro, l) {}
  std::string name;
  MacroParams params;
  StmtList body;
  // Whether the body reads these names (jinja2 only then accepts extra / keyword arguments / caller).
  bool uses_varargs = false;
  bool uses_kwargs = false;
  bool uses_caller = false;
};

// {% call(params) macro(args) %}body{% endcall %}: body becomes `caller`.
struct CallBlockStmt : Stmt {
  explicit CallBlockStmt(int l) : Stmt(Kind::kCallBlock, l) {}
  ExprPtr call;  // a CallExpr
  std::shared_ptr<MacroStmt> caller;  // params and body of the caller macro
};

struct FilterBlockStmt : Stmt {
  explicit FilterBlockStmt(int l) : Stmt(Kind::kFilterBlock, l) {}
  ExprPtr filter;  // chain with null innermost input
  StmtList body;
};

// {% with a = 1 %}...{% endwith %}, also used for transformers' {% generation %} (no assignments).
struct WithStmt : Stmt {
  explicit WithStmt(int l) : Stmt(Kind::kWith, l) {}
  std::vector<std::pair<Target, ExprPtr>> assignments;
  StmtList body;
};

struct Template {
  StmtList body;
};

}  // namespace basalt::chat
