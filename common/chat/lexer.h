#pragma once
// Splits template source into tokens exactly as jinja2's lexer does with trim_blocks=True and
// lstrip_blocks=True: newlines normalized to \n, one trailing newline dropped, `-`/`+` whitespace control
// on tags, {# comments #} and {% raw %} blocks resolved here.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace basalt::chat {

enum class TokenType {
  kData,           // literal template text
  kVariableBegin,  // {{
  kVariableEnd,    // }}
  kBlockBegin,     // {%
  kBlockEnd,       // %}
  kName,
  kString,  // text holds the unescaped value
  kInteger,
  kFloat,
  kOperator,  // text holds the operator: + - // ** == ( [ { ...
  kEof,
};

struct Token {
  TokenType type;
  std::string text;
  int64_t int_value = 0;
  double float_value = 0;
  int line = 1;
};

// Throws TemplateError (kSyntax) on malformed input.
std::vector<Token> Tokenize(std::string_view source);

}  // namespace basalt::chat
