// Statement grammar (jinja2/parser.py parse_statement and friends).
#include <algorithm>

#include "absl/strings/str_join.h"
#include "common/chat/error.h"
#include "common/chat/parser.h"
#include "common/chat/parser_impl.h"
#include "common/chat/str_cat.h"

namespace basalt::chat {

Template ParseTemplate(std::string_view source) {
  Parser parser(Tokenize(source));
  return parser.ParseTemplate();
}

Template Parser::ParseTemplate() {
  Template t;
  t.body = Subparse({});
  return t;
}

StmtList Parser::Subparse(const std::vector<std::string_view>& end_names) {
  DepthGuard guard(this);
  StmtList body;
  std::unique_ptr<OutputStmt> output;
  const auto flush = [&] {
    if (output) body.push_back(std::move(output));
    output.reset();
  };
  const auto piece = [&](int line) -> OutputStmt::Piece& {
    if (!output) output = std::make_unique<OutputStmt>(line);
    return output->pieces.emplace_back();
  };
  if (!end_names.empty()) end_name_stack_.push_back(end_names);
  while (Current().type != TokenType::kEof) {
    const Token& t = Current();
    if (t.type == TokenType::kData) {
      piece(t.line).text = t.text;
      Next();
    } else if (t.type == TokenType::kVariableBegin) {
      Next();
      ExprPtr expr = ParseTuple(false, true);
      Expect(TokenType::kVariableEnd);
      piece(expr->line).expr = std::move(expr);
    } else if (t.type == TokenType::kBlockBegin) {
      flush();
      Next();
      if (Current().type == TokenType::kName &&
          std::find(end_names.begin(), end_names.end(), Current().text) != end_names.end()) {
        end_name_stack_.pop_back();
        return body;
      }
      body.push_back(ParseStatement());
      Expect(TokenType::kBlockEnd);
    } else {
      Fail(StrCat("unexpected '", Describe(t), "'"));
    }
  }
  flush();
  if (!end_names.empty()) end_name_stack_.pop_back();
  return body;
}

StmtList Parser::ParseStatements(const std::vector<std::string_view>& end_names, bool drop_needle) {
  SkipOp(":");
  Expect(TokenType::kBlockEnd);
  StmtList body = Subparse(end_names);
  if (Current().type == TokenType::kEof) {
    std::vector<std::string> quoted;
    for (std::string_view name : end_names) quoted.push_back(StrCat("'", name, "'"));
    Fail(StrCat("Unexpected end of template. Jinja was looking for the following tags: ",
                      absl::StrJoin(quoted, " or "), "."));
  }
  if (drop_needle) Next();
  return body;
}

StmtPtr Parser::ParseStatement() {
  const Token& t = Current();
  if (t.type != TokenType::kName) Fail("tag name expected");
  const std::string& tag = t.text;
  if (tag == "if") return ParseIf();
  if (tag == "for") return ParseFor();
  if (tag == "set") return ParseSet();
  if (tag == "macro") return ParseMacro();
  if (tag == "call") return ParseCallBlock();
  if (tag == "filter") return ParseFilterBlock();
  if (tag == "with") return ParseWith();
  if (tag == "print") return ParsePrint();
  if (tag == "generation") return ParseGeneration();
  if (tag == "break" || tag == "continue") return ParseLoopControl(tag == "break");
  if (tag == "include" || tag == "import" || tag == "from" || tag == "extends" || tag == "block" ||
      tag == "autoescape") {
    Fail(StrCat("tag '", tag, "' is not supported: chat templates are rendered sandboxed, without files"));
  }
  std::string message = StrCat("Encountered unknown tag '", tag, "'.");
  if (!end_name_stack_.empty()) {
    std::vector<std::string> quoted;
    for (std::string_view name : end_name_stack_.back()) quoted.push_back(StrCat("'", name, "'"));
    StrAppend(&message, " Jinja was looking for the following tags: ", absl::StrJoin(quoted, " or "), ".");
  }
  Fail(message);
}

StmtPtr Parser::ParseIf() {
  auto node = std::make_unique<IfStmt>(Next().line);
  while (true) {
    ExprPtr test = ParseTuple(false, false);
    StmtList body = ParseStatements({"elif", "else", "endif"}, false);
    node->branches.emplace_back(std::move(test), std::move(body));
    const Token& t = Next();
    if (t.text == "elif") continue;
    if (t.text == "else") node->else_body = ParseStatements({"endif"}, true);
    break;
  }
  return node;
}

StmtPtr Parser::ParseFor() {
  auto node = std::make_unique<ForStmt>(Next().line);
  node->target = ParseAssignTarget(true, false, {"in"}, false);
  ExpectName("in");
  node->iter = ParseTuple(false, false, {"recursive"});
  if (SkipName("if")) node->filter = ParseExpression();
  node->recursive = SkipName("recursive");
  ++loop_depth_;
  node->body = ParseStatements({"endfor", "else"}, false);
  --loop_depth_;
  if (Next().text == "else") node->else_body = ParseStatements({"endfor"}, true);
  return node;
}

StmtPtr Parser::ParseSet() {
  int line = Next().line;
  Target target = ParseAssignTarget(true, false, {}, true);
  if (SkipOp("=")) {
    auto node = std::make_unique<SetStmt>(line);
    node->target = std::move(target);
    node->value = ParseTuple();
    return node;
  }
  auto node = std::make_unique<SetBlockStmt>(line);
  node->target = std::move(target);
  node->filter = ParseFilter(nullptr);
  node->body = ParseStatements({"endset"}, true);
  return node;
}

void Parser::ParseSignature(MacroParams* params) {
  ExpectOp("(");
  while (!IsOp(")")) {
    if (!params->names.empty()) ExpectOp(",");
    params->names.push_back(ExpectName().text);
    if (SkipOp("=")) {
      params->defaults.push_back(ParseExpression());
    } else if (!params->defaults.empty()) {
      Fail("non-default argument follows default argument");
    }
  }
  ExpectOp(")");
}

StmtList Parser::ParseMacroBody(MacroStmt* macro, std::string_view end_name) {
  // A macro body is a function of its own: loop controls of an enclosing loop do not reach into it.
  int saved_loop_depth = loop_depth_;
  loop_depth_ = 0;
  open_macros_.push_back(macro);
  StmtList body = ParseStatements({end_name}, true);
  open_macros_.pop_back();
  loop_depth_ = saved_loop_depth;
  return body;
}

StmtPtr Parser::ParseMacro() {
  auto node = std::make_unique<MacroStmt>(Next().line);
  node->name = ExpectName().text;
  ParseSignature(&node->params);
  node->body = ParseMacroBody(node.get(), "endmacro");
  return node;
}

StmtPtr Parser::ParseCallBlock() {
  auto node = std::make_unique<CallBlockStmt>(Next().line);
  node->caller = std::make_shared<MacroStmt>(node->line);
  node->caller->name = "caller";
  if (IsOp("(")) ParseSignature(&node->caller->params);
  node->call = ParseExpression();
  if (node->call->kind != Expr::Kind::kCall) Fail("expected call", node->line);
  node->caller->body = ParseMacroBody(node->caller.get(), "endcall");
  return node;
}

StmtPtr Parser::ParseFilterBlock() {
  auto node = std::make_unique<FilterBlockStmt>(Next().line);
  node->filter = ParseFilter(nullptr, true);
  node->body = ParseStatements({"endfilter"}, true);
  return node;
}

StmtPtr Parser::ParseWith() {
  auto node = std::make_unique<WithStmt>(Next().line);
  while (Current().type != TokenType::kBlockEnd) {
    if (!node->assignments.empty()) ExpectOp(",");
    Target target = ParseAssignTarget(true, false, {}, false);
    ExpectOp("=");
    node->assignments.emplace_back(std::move(target), ParseExpression());
  }
  node->body = ParseStatements({"endwith"}, true);
  return node;
}

StmtPtr Parser::ParseGeneration() {
  // transformers' AssistantTracker renders the body unchanged, in a scope of its own (a call block).
  auto node = std::make_unique<WithStmt>(Next().line);
  int saved_loop_depth = loop_depth_;
  loop_depth_ = 0;
  node->body = ParseStatements({"endgeneration"}, true);
  loop_depth_ = saved_loop_depth;
  return node;
}

StmtPtr Parser::ParsePrint() {
  auto node = std::make_unique<OutputStmt>(Next().line);
  while (Current().type != TokenType::kBlockEnd) {
    if (!node->pieces.empty()) ExpectOp(",");
    node->pieces.emplace_back().expr = ParseExpression();
  }
  return node;
}

StmtPtr Parser::ParseLoopControl(bool is_break) {
  int line = Next().line;
  if (loop_depth_ == 0) Fail(is_break ? "'break' outside loop" : "'continue' not properly in loop", line);
  return std::make_unique<Stmt>(is_break ? Stmt::Kind::kBreak : Stmt::Kind::kContinue, line);
}

Target Parser::ToTarget(const Expr& expr) {
  Target target;
  if (expr.kind == Expr::Kind::kName) {
    target.kind = Target::Kind::kName;
    target.name = static_cast<const NameExpr&>(expr).name;
    return target;
  }
  if (expr.kind == Expr::Kind::kTuple) {
    target.kind = Target::Kind::kTuple;
    for (const ExprPtr& item : static_cast<const SequenceExpr&>(expr).items) target.items.push_back(ToTarget(*item));
    return target;
  }
  Fail(expr.kind == Expr::Kind::kConst ? "can't assign to 'const'" : "can't assign to this expression", expr.line);
}

Target Parser::ParseAssignTarget(bool with_tuple, bool name_only, const std::vector<std::string_view>& extra_end_names,
                                 bool with_namespace) {
  if (with_namespace && Look().type == TokenType::kOperator && Look().text == ".") {
    Target target;
    target.kind = Target::Kind::kNamespaceAttr;
    target.name = ExpectName().text;
    Next();  // '.'
    target.attr = ExpectName().text;
    return target;
  }
  if (name_only) {
    Target target;
    target.name = ExpectName().text;
    return target;
  }
  ExprPtr expr = with_tuple ? ParseTuple(true, true, extra_end_names) : ParsePrimary();
  return ToTarget(*expr);
}

}  // namespace basalt::chat
