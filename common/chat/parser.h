#pragma once
// Template source -> AST, following jinja2's grammar (jinja2/parser.py) with the statements chat
// templates use: if/elif/else, for (else, filter, recursive), set (incl. block set and namespace
// attributes), macro, call, filter, with, print, break/continue and transformers' {% generation %}.
// include/import/extends/block are refused: templates are sandboxed and have no files.
#include <string_view>

#include "common/chat/ast.h"

namespace basalt::chat {

// Throws TemplateError (kSyntax) with the line of the problem.
Template ParseTemplate(std::string_view source);

}  // namespace basalt::chat
