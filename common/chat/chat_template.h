#pragma once
// Chat templates: the Jinja2 templates that Hugging Face models ship (tokenizer_config.json
// "chat_template" or chat_template.jinja), rendered the way transformers' apply_chat_template renders them
// (jinja2 ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks, raise_exception, strftime_now,
// tojson). A C++ engine: no Python at run time; sandboxed by construction (no file access, no attribute
// access beyond the data given).
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "rapidjson/document.h"

namespace basalt::chat {

class ChatTemplate {
 public:
  // Parses a template. InvalidArgument names the line and what is wrong.
  static absl::StatusOr<std::unique_ptr<ChatTemplate>> Compile(std::string_view source);

  ~ChatTemplate();

  // Renders with `context` (a JSON object) as the template's variables: messages, tools,
  // add_generation_prompt, bos_token, eos_token, ... A template's raise_exception("...") becomes
  // InvalidArgument with that message; other render errors are InvalidArgument too.
  absl::StatusOr<std::string> Render(const rapidjson::Value& context) const;

  struct Impl;

 private:
  explicit ChatTemplate(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace basalt::chat
