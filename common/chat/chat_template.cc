#include "common/chat/chat_template.h"

#include <new>

#include "absl/status/status.h"
#include "common/chat/ast.h"
#include "common/chat/error.h"
#include "common/chat/limits.h"
#include "common/chat/parser.h"
#include "common/chat/renderer.h"
#include "common/chat/str_cat.h"

namespace basalt::chat {

struct ChatTemplate::Impl {
  Template tmpl;
};

namespace {

absl::Status ToStatus(const TemplateError& e) {
  // raise_exception's message is the template author's message for the user: pass it through as is.
  if (e.kind() == TemplateError::Kind::kRaised) return absl::InvalidArgumentError(e.what());
  std::string prefix = e.kind() == TemplateError::Kind::kSyntax ? "chat template syntax error" : "chat template error";
  if (e.line() > 0) StrAppend(&prefix, " (line ", e.line(), ")");
  return absl::InvalidArgumentError(StrCat(prefix, ": ", e.what()));
}

}  // namespace

ChatTemplate::ChatTemplate(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ChatTemplate::~ChatTemplate() = default;

absl::StatusOr<std::unique_ptr<ChatTemplate>> ChatTemplate::Compile(std::string_view source) {
  if (source.size() > kMaxSourceBytes) {
    return absl::InvalidArgumentError(StrCat("chat template is larger than ", kMaxSourceBytes, " bytes"));
  }
  try {
    auto impl = std::make_unique<Impl>();
    impl->tmpl = ParseTemplate(source);
    return std::unique_ptr<ChatTemplate>(new ChatTemplate(std::move(impl)));
  } catch (const TemplateError& e) {
    return ToStatus(e);
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError("out of memory while parsing the chat template");
  }
}

absl::StatusOr<std::string> ChatTemplate::Render(const rapidjson::Value& context) const {
  if (!context.IsObject()) return absl::InvalidArgumentError("chat template context must be a JSON object");
  try {
    Renderer renderer(impl_->tmpl, context);
    return renderer.Render();
  } catch (const TemplateError& e) {
    return ToStatus(e);
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError("out of memory while rendering the chat template");
  }
}

}  // namespace basalt::chat
