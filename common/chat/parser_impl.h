#pragma once
// The recursive-descent parser shared by parser_stmt.cc (statements) and parser_expr.cc (expressions).
#include <string>
#include <string_view>
#include <vector>

#include "common/chat/ast.h"
#include "common/chat/lexer.h"

namespace basalt::chat {

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  Template ParseTemplate();

  // Expressions (parser_expr.cc).
  ExprPtr ParseExpression(bool with_condexpr = true);
  // Comma-separated expressions become a tuple. `simplified` parses primaries only (assignment targets).
  ExprPtr ParseTuple(bool simplified = false, bool with_condexpr = true,
                     const std::vector<std::string_view>& extra_end_names = {}, bool explicit_parentheses = false);
  ExprPtr ParsePrimary();
  ExprPtr ParsePostfix(ExprPtr node);
  // Filters after `|`; with a null input for filter blocks and set blocks (start_inline).
  ExprPtr ParseFilter(ExprPtr node, bool start_inline = false);
  void ParseCallArgs(CallArgsExpr* out);

 private:
  // Statements (parser_stmt.cc).
  StmtList Subparse(const std::vector<std::string_view>& end_names);
  StmtList ParseStatements(const std::vector<std::string_view>& end_names, bool drop_needle);
  StmtPtr ParseStatement();
  StmtPtr ParseIf();
  StmtPtr ParseFor();
  StmtPtr ParseSet();
  StmtPtr ParseMacro();
  StmtPtr ParseCallBlock();
  StmtPtr ParseFilterBlock();
  StmtPtr ParseWith();
  StmtPtr ParseGeneration();
  StmtPtr ParsePrint();
  StmtPtr ParseLoopControl(bool is_break);
  void ParseSignature(MacroParams* params);
  StmtList ParseMacroBody(MacroStmt* macro, std::string_view end_name);
  Target ParseAssignTarget(bool with_tuple, bool name_only, const std::vector<std::string_view>& extra_end_names,
                           bool with_namespace);
  Target ToTarget(const Expr& expr);

  // Expression levels (parser_expr.cc).
  ExprPtr ParseCondExpr();
  ExprPtr ParseLogical(std::string_view keyword, BinaryExpr::Op op, ExprPtr (Parser::*operand)());
  ExprPtr ParseOr();
  ExprPtr ParseAnd();
  ExprPtr ParseNot();
  ExprPtr ParseCompare();
  ExprPtr ParseMath1();
  ExprPtr ParseConcat();
  ExprPtr ParseMath2();
  ExprPtr ParsePow();
  ExprPtr ParseUnary(bool with_filter);
  ExprPtr ParseList();
  ExprPtr ParseDict();
  ExprPtr ParseCall(ExprPtr callee);
  ExprPtr ParseSubscript(ExprPtr node);
  ExprPtr ParseSubscribed();
  ExprPtr ParseFilterExpr(ExprPtr node);
  ExprPtr ParseTest(ExprPtr node);
  ExprPtr MakeName(const Token& token);

 public:
  // Token stream.
  const Token& Current() const { return tokens_[pos_]; }
  const Token& Look() const { return tokens_[pos_ + 1 < tokens_.size() ? pos_ + 1 : pos_]; }
  const Token& Next();  // returns the token it moved past
  bool IsName(std::string_view name) const { return Current().type == TokenType::kName && Current().text == name; }
  bool IsOp(std::string_view op) const { return Current().type == TokenType::kOperator && Current().text == op; }
  bool SkipName(std::string_view name);
  bool SkipOp(std::string_view op);
  const Token& ExpectName();
  void ExpectName(std::string_view name);
  void ExpectOp(std::string_view op);
  void Expect(TokenType type);
  bool IsTupleEnd(const std::vector<std::string_view>& extra_end_names) const;
  [[noreturn]] void Fail(std::string message, int line = 0) const;
  static std::string Describe(const Token& token);

  // Bounds recursion depth while parsing nested constructs.
  class DepthGuard {
   public:
    explicit DepthGuard(Parser* parser);
    ~DepthGuard() { --parser_->depth_; }

   private:
    Parser* parser_;
  };

 private:
  std::vector<Token> tokens_;
  size_t pos_ = 0;
  int depth_ = 0;
  int loop_depth_ = 0;
  // Names read inside the macro bodies being parsed (for varargs/kwargs/caller detection).
  std::vector<MacroStmt*> open_macros_;
  std::vector<std::vector<std::string_view>> end_name_stack_;
};

}  // namespace basalt::chat
