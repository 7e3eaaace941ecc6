#pragma once
// Errors inside the engine are exceptions (one throw site per failure, no status plumbing through
// every evaluator); ChatTemplate::Compile/Render catch them once and return InvalidArgument.
#include <stdexcept>
#include <string>

namespace basalt::chat {

class TemplateError : public std::runtime_error {
 public:
  enum class Kind {
    kSyntax,   // the template does not parse
    kRender,   // a runtime error jinja2 would raise (TypeError, UndefinedError, SecurityError, ...)
    kRaised,   // the template called raise_exception(message)
    kLimit,    // a limit from limits.h was exceeded
  };

  TemplateError(Kind kind, std::string message, int line = 0)
      : std::runtime_error(message), kind_(kind), line_(line) {}

  Kind kind() const { return kind_; }
  int line() const { return line_; }
  void set_line(int line) { line_ = line; }

 private:
  Kind kind_;
  int line_;
};

[[noreturn]] inline void ThrowRender(std::string message) {
  throw TemplateError(TemplateError::Kind::kRender, std::move(message));
}

[[noreturn]] inline void ThrowLimit(std::string message) {
  throw TemplateError(TemplateError::Kind::kLimit, std::move(message));
}

}  // namespace basalt::chat
