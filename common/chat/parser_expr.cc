// Expression grammar, precedence lowest first (jinja2/parser.py):
//   condexpr: or ('if' or ('else' condexpr)?)*     or: and ('or' and)*     and: not ('and' not)*
//   not: 'not' not | compare                         compare: math1 (cmpop math1)*
//   math1: concat (('+'|'-') concat)*                concat: math2 ('~' math2)*
//   math2: pow (('*'|'/'|'//'|'%') pow)*             pow: unary ('**' unary)*   (left-associative)
//   unary: ('-'|'+') unary-without-filters | primary postfix filters/tests
#include <algorithm>

#include "common/chat/error.h"
#include "common/chat/limits.h"
#include "common/chat/parser_impl.h"
#include "common/chat/str_cat.h"

namespace basalt::chat {

Parser::DepthGuard::DepthGuard(Parser* parser) : parser_(parser) {
  if (++parser_->depth_ > kMaxParseDepth) {
    --parser_->depth_;
    throw TemplateError(TemplateError::Kind::kLimit, "template nesting too deep", parser_->Current().line);
  }
}

const Token& Parser::Next() {
  const Token& t = tokens_[pos_];
  if (pos_ + 1 < tokens_.size()) ++pos_;
  return t;
}

bool Parser::SkipName(std::string_view name) {
  if (!IsName(name)) return false;
  Next();
  return true;
}

bool Parser::SkipOp(std::string_view op) {
  if (!IsOp(op)) return false;
  Next();
  return true;
}

std::string Parser::Describe(const Token& token) {
  switch (token.type) {
    case TokenType::kEof:
      return "end of template";
    case TokenType::kBlockEnd:
      return "end of statement block";
    case TokenType::kVariableEnd:
      return "end of print statement";
    case TokenType::kBlockBegin:
      return "begin of statement block";
    case TokenType::kVariableBegin:
      return "begin of print statement";
    case TokenType::kData:
      return "template data";
    default:
      return token.text;
  }
}

void Parser::Fail(std::string message, int line) const {
  throw TemplateError(TemplateError::Kind::kSyntax, std::move(message), line ? line : Current().line);
}

const Token& Parser::ExpectName() {
  if (Current().type != TokenType::kName) {
    Fail(StrCat("expected token 'name', got '", Describe(Current()), "'"));
  }
  return Next();
}

void Parser::ExpectName(std::string_view name) {
  if (!IsName(name)) Fail(StrCat("expected token '", name, "', got '", Describe(Current()), "'"));
  Next();
}

void Parser::ExpectOp(std::string_view op) {
  if (!IsOp(op)) Fail(StrCat("expected token '", op, "', got '", Describe(Current()), "'"));
  Next();
}

void Parser::Expect(TokenType type) {
  if (Current().type != type) {
    Token want;
    want.type = type;
    Fail(StrCat("expected token '", Describe(want), "', got '", Describe(Current()), "'"));
  }
  Next();
}

bool Parser::IsTupleEnd(const std::vector<std::string_view>& extra_end_names) const {
  TokenType t = Current().type;
  if (t == TokenType::kVariableEnd || t == TokenType::kBlockEnd || IsOp(")")) return true;
  return std::any_of(extra_end_names.begin(), extra_end_names.end(),
                     [&](std::string_view name) { return IsName(name); });
}

ExprPtr Parser::ParseExpression(bool with_condexpr) {
  DepthGuard guard(this);
  return with_condexpr ? ParseCondExpr() : ParseOr();
}

ExprPtr Parser::ParseCondExpr() {
  int line = Current().line;
  ExprPtr expr1 = ParseOr();
  while (SkipName("if")) {
    ExprPtr expr2 = ParseOr();
    ExprPtr expr3;
    if (SkipName("else")) {
      DepthGuard guard(this);
      expr3 = ParseCondExpr();
    }
    expr1 = std::make_unique<CondExpr>(std::move(expr2), std::move(expr1), std::move(expr3), line);
    line = Current().line;
  }
  return expr1;
}

// Left-associative `operand (keyword operand)*` for `or` and `and`.
ExprPtr Parser::ParseLogical(std::string_view keyword, BinaryExpr::Op op, ExprPtr (Parser::*operand)()) {
  ExprPtr left = (this->*operand)();
  while (IsName(keyword)) {
    int line = Next().line;
    left = std::make_unique<BinaryExpr>(op, std::move(left), (this->*operand)(), line);
  }
  return left;
}

ExprPtr Parser::ParseOr() { return ParseLogical("or", BinaryExpr::Op::kOr, &Parser::ParseAnd); }

ExprPtr Parser::ParseAnd() { return ParseLogical("and", BinaryExpr::Op::kAnd, &Parser::ParseNot); }

ExprPtr Parser::ParseNot() {
  if (IsName("not")) {
    int line = Next().line;
    DepthGuard guard(this);
    return std::make_unique<UnaryExpr>(UnaryExpr::Op::kNot, ParseNot(), line);
  }
  return ParseCompare();
}

ExprPtr Parser::ParseCompare() {
  int line = Current().line;
  ExprPtr expr = ParseMath1();
  std::unique_ptr<CompareExpr> compare;
  while (true) {
    CompareExpr::Op op;
    const Token& t = Current();
    if (t.type == TokenType::kOperator && t.text == "==") {
      op = CompareExpr::Op::kEq;
    } else if (t.type == TokenType::kOperator && t.text == "!=") {
      op = CompareExpr::Op::kNe;
    } else if (t.type == TokenType::kOperator && t.text == "<") {
      op = CompareExpr::Op::kLt;
    } else if (t.type == TokenType::kOperator && t.text == "<=") {
      op = CompareExpr::Op::kLe;
    } else if (t.type == TokenType::kOperator && t.text == ">") {
      op = CompareExpr::Op::kGt;
    } else if (t.type == TokenType::kOperator && t.text == ">=") {
      op = CompareExpr::Op::kGe;
    } else if (IsName("in")) {
      op = CompareExpr::Op::kIn;
    } else if (IsName("not") && Look().type == TokenType::kName && Look().text == "in") {
      Next();
      op = CompareExpr::Op::kNotIn;
    } else {
      break;
    }
    Next();
    if (!compare) compare = std::make_unique<CompareExpr>(std::move(expr), line);
    compare->ops.emplace_back(op, ParseMath1());
  }
  if (compare) return compare;
  return expr;
}

ExprPtr Parser::ParseMath1() {
  ExprPtr left = ParseConcat();
  while (IsOp("+") || IsOp("-")) {
    const Token& t = Next();
    auto op = t.text == "+" ? BinaryExpr::Op::kAdd : BinaryExpr::Op::kSub;
    left = std::make_unique<BinaryExpr>(op, std::move(left), ParseConcat(), t.line);
  }
  return left;
}

ExprPtr Parser::ParseConcat() {
  int line = Current().line;
  ExprPtr first = ParseMath2();
  if (!IsOp("~")) return first;
  auto concat = std::make_unique<ConcatExpr>(line);
  concat->parts.push_back(std::move(first));
  while (SkipOp("~")) concat->parts.push_back(ParseMath2());
  return concat;
}

ExprPtr Parser::ParseMath2() {
  ExprPtr left = ParsePow();
  while (IsOp("*") || IsOp("/") || IsOp("//") || IsOp("%")) {
    const Token& t = Next();
    auto op = t.text == "*"   ? BinaryExpr::Op::kMul
              : t.text == "/" ? BinaryExpr::Op::kDiv
              : t.text == "//" ? BinaryExpr::Op::kFloorDiv
                               : BinaryExpr::Op::kMod;
    left = std::make_unique<BinaryExpr>(op, std::move(left), ParsePow(), t.line);
  }
  return left;
}

ExprPtr Parser::ParsePow() {
  ExprPtr left = ParseUnary(true);
  while (IsOp("**")) {
    int line = Next().line;
    left = std::make_unique<BinaryExpr>(BinaryExpr::Op::kPow, std::move(left), ParseUnary(true), line);
  }
  return left;
}

ExprPtr Parser::ParseUnary(bool with_filter) {
  DepthGuard guard(this);
  ExprPtr node;
  if (IsOp("-") || IsOp("+")) {
    const Token& t = Next();
    auto op = t.text == "-" ? UnaryExpr::Op::kNeg : UnaryExpr::Op::kPos;
    node = std::make_unique<UnaryExpr>(op, ParseUnary(false), t.line);
  } else {
    node = ParsePrimary();
  }
  node = ParsePostfix(std::move(node));
  if (with_filter) node = ParseFilterExpr(std::move(node));
  return node;
}

ExprPtr Parser::MakeName(const Token& token) {
  for (MacroStmt* macro : open_macros_) {
    if (token.text == "varargs") macro->uses_varargs = true;
    if (token.text == "kwargs") macro->uses_kwargs = true;
    if (token.text == "caller") macro->uses_caller = true;
  }
  return std::make_unique<NameExpr>(token.text, token.line);
}

ExprPtr Parser::ParsePrimary() {
  const Token& t = Current();
  switch (t.type) {
    case TokenType::kName: {
      Next();
      if (t.text == "true" || t.text == "True") return std::make_unique<ConstExpr>(Value::Bool(true), t.line);
      if (t.text == "false" || t.text == "False") return std::make_unique<ConstExpr>(Value::Bool(false), t.line);
      if (t.text == "none" || t.text == "None") return std::make_unique<ConstExpr>(Value::None(), t.line);
      return MakeName(t);
    }
    case TokenType::kString: {
      std::string s;
      int line = t.line;
      while (Current().type == TokenType::kString) s += Next().text;  // "a" "b" concatenate
      return std::make_unique<ConstExpr>(Value::String(std::move(s)), line);
    }
    case TokenType::kInteger:
      Next();
      return std::make_unique<ConstExpr>(Value::Int(t.int_value), t.line);
    case TokenType::kFloat:
      Next();
      return std::make_unique<ConstExpr>(Value::Float(t.float_value), t.line);
    case TokenType::kOperator:
      if (t.text == "(") {
        Next();
        ExprPtr node = ParseTuple(false, true, {}, true);
        ExpectOp(")");
        return node;
      }
      if (t.text == "[") return ParseList();
      if (t.text == "{") return ParseDict();
      break;
    default:
      break;
  }
  Fail(StrCat("unexpected '", Describe(t), "'"));
}

ExprPtr Parser::ParseTuple(bool simplified, bool with_condexpr, const std::vector<std::string_view>& extra_end_names,
                           bool explicit_parentheses) {
  int line = Current().line;
  std::vector<ExprPtr> items;
  bool is_tuple = false;
  while (true) {
    if (!items.empty()) ExpectOp(",");
    if (IsTupleEnd(extra_end_names)) break;
    if (simplified) {
      DepthGuard guard(this);
      items.push_back(ParsePrimary());
    } else {
      items.push_back(ParseExpression(with_condexpr));
    }
    if (IsOp(",")) {
      is_tuple = true;
    } else {
      break;
    }
  }
  if (!is_tuple) {
    if (!items.empty()) return std::move(items[0]);
    if (!explicit_parentheses) Fail(StrCat("Expected an expression, got '", Describe(Current()), "'"));
  }
  auto tuple = std::make_unique<SequenceExpr>(Expr::Kind::kTuple, line);
  tuple->items = std::move(items);
  return tuple;
}

ExprPtr Parser::ParseList() {
  int line = Next().line;
  auto list = std::make_unique<SequenceExpr>(Expr::Kind::kList, line);
  while (!IsOp("]")) {
    if (!list->items.empty()) ExpectOp(",");
    if (IsOp("]")) break;
    list->items.push_back(ParseExpression());
  }
  ExpectOp("]");
  return list;
}

ExprPtr Parser::ParseDict() {
  int line = Next().line;
  auto dict = std::make_unique<DictExpr>(line);
  while (!IsOp("}")) {
    if (!dict->items.empty()) ExpectOp(",");
    if (IsOp("}")) break;
    ExprPtr key = ParseExpression();
    ExpectOp(":");
    dict->items.emplace_back(std::move(key), ParseExpression());
  }
  ExpectOp("}");
  return dict;
}

ExprPtr Parser::ParsePostfix(ExprPtr node) {
  while (true) {
    if (IsOp(".") || IsOp("[")) {
      node = ParseSubscript(std::move(node));
    } else if (IsOp("(")) {
      node = ParseCall(std::move(node));
    } else {
      return node;
    }
  }
}

ExprPtr Parser::ParseFilterExpr(ExprPtr node) {
  while (true) {
    if (IsOp("|")) {
      node = ParseFilter(std::move(node));
    } else if (IsName("is")) {
      node = ParseTest(std::move(node));
    } else if (IsOp("(")) {
      node = ParseCall(std::move(node));
    } else {
      return node;
    }
  }
}

ExprPtr Parser::ParseCall(ExprPtr callee) {
  auto call = std::make_unique<CallExpr>(std::move(callee), Current().line);
  ParseCallArgs(&call->args);
  return call;
}

ExprPtr Parser::ParseSubscript(ExprPtr node) {
  const Token& t = Next();
  if (t.text == ".") {
    const Token& attr = Next();
    if (attr.type == TokenType::kName) return std::make_unique<GetattrExpr>(std::move(node), attr.text, t.line);
    if (attr.type != TokenType::kInteger) Fail("expected name or number", attr.line);
    return std::make_unique<GetitemExpr>(std::move(node), std::make_unique<ConstExpr>(Value::Int(attr.int_value), attr.line),
                                         t.line);
  }
  std::vector<ExprPtr> args;
  while (!IsOp("]")) {
    if (!args.empty()) ExpectOp(",");
    args.push_back(ParseSubscribed());
  }
  ExpectOp("]");
  if (args.size() == 1) return std::make_unique<GetitemExpr>(std::move(node), std::move(args[0]), t.line);
  auto tuple = std::make_unique<SequenceExpr>(Expr::Kind::kTuple, t.line);
  tuple->items = std::move(args);
  return std::make_unique<GetitemExpr>(std::move(node), std::move(tuple), t.line);
}

ExprPtr Parser::ParseSubscribed() {
  int line = Current().line;
  auto slice = std::make_unique<SliceExpr>(line);
  if (IsOp(":")) {
    Next();
  } else {
    ExprPtr node = ParseExpression();
    if (!IsOp(":")) return node;
    Next();
    slice->start = std::move(node);
  }
  if (!IsOp(":") && !IsOp("]") && !IsOp(",")) slice->stop = ParseExpression();
  if (IsOp(":")) {
    Next();
    if (!IsOp("]") && !IsOp(",")) slice->step = ParseExpression();
  }
  return slice;
}

void Parser::ParseCallArgs(CallArgsExpr* out) {
  int line = Current().line;
  ExpectOp("(");
  const auto ensure = [&](bool ok) {
    if (!ok) Fail("invalid syntax for function call expression", line);
  };
  bool require_comma = false;
  while (!IsOp(")")) {
    if (require_comma) {
      ExpectOp(",");
      if (IsOp(")")) break;
    }
    if (IsOp("*")) {
      ensure(!out->dyn_args && !out->dyn_kwargs);
      Next();
      out->dyn_args = ParseExpression();
    } else if (IsOp("**")) {
      ensure(!out->dyn_kwargs);
      Next();
      out->dyn_kwargs = ParseExpression();
    } else if (Current().type == TokenType::kName && Look().type == TokenType::kOperator && Look().text == "=") {
      ensure(!out->dyn_kwargs);
      std::string key = Next().text;
      Next();
      out->kwargs.emplace_back(std::move(key), ParseExpression());
    } else {
      ensure(!out->dyn_args && !out->dyn_kwargs && out->kwargs.empty());
      out->args.push_back(ParseExpression());
    }
    require_comma = true;
  }
  ExpectOp(")");
}

ExprPtr Parser::ParseFilter(ExprPtr node, bool start_inline) {
  while (IsOp("|") || start_inline) {
    if (!start_inline) Next();
    const Token& name_token = ExpectName();
    std::string name = name_token.text;
    while (IsOp(".")) {
      Next();
      name += "." + ExpectName().text;
    }
    auto filter = std::make_unique<FilterExpr>(Expr::Kind::kFilter, std::move(node), std::move(name), name_token.line);
    if (IsOp("(")) ParseCallArgs(&filter->args);
    node = std::move(filter);
    start_inline = false;
  }
  return node;
}

ExprPtr Parser::ParseTest(ExprPtr node) {
  int line = Next().line;  // 'is'
  bool negated = SkipName("not");
  std::string name = ExpectName().text;
  while (IsOp(".")) {
    Next();
    name += "." + ExpectName().text;
  }
  auto test = std::make_unique<FilterExpr>(Expr::Kind::kTest, std::move(node), std::move(name), line);
  const Token& t = Current();
  bool arg_start = t.type == TokenType::kName || t.type == TokenType::kString || t.type == TokenType::kInteger ||
                   t.type == TokenType::kFloat || IsOp("[") || IsOp("{");
  if (IsOp("(")) {
    ParseCallArgs(&test->args);
  } else if (arg_start && !IsName("else") && !IsName("or") && !IsName("and")) {
    if (IsName("is")) Fail("You cannot chain multiple tests with is");
    DepthGuard guard(this);
    test->args.args.push_back(ParsePostfix(ParsePrimary()));
  }
  if (negated) return std::make_unique<UnaryExpr>(UnaryExpr::Op::kNot, std::move(test), line);
  return test;
}

}  // namespace basalt::chat
