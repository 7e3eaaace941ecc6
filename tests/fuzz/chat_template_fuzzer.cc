// libFuzzer target for the chat-template engine: Compile + Render must never crash, hang, or exceed memory,
// whatever the template and context. Input: template source, optionally followed by a NUL byte and a JSON
// render context (a default chat context is used otherwise).
//
// Build: CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -G Ninja -DBASALT_BUILD_FUZZERS=ON \
//          -DBASALT_BUILD_WORKER=OFF && ninja -C build-fuzz chat_template_fuzzer
// Run:   build-fuzz/bin/chat_template_fuzzer -dict=tests/fuzz/chat_template.dict -timeout=10 \
//          CORPUS_DIR tests/fixtures/chat_templates
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/chat/chat_template.h"
#include "common/json/json.h"

namespace {

constexpr std::string_view kDefaultContext = R"({
  "messages": [
    {"role": "system", "content": "You are helpful."},
    {"role": "user", "content": [{"type": "text", "text": "Hi <b>there</b>"}]},
    {"role": "assistant", "content": null, "tool_calls": [{"id": "call12345", "type": "function",
      "function": {"name": "f", "arguments": {"x": 1, "y": [1.5, "z"]}}}]},
    {"role": "tool", "tool_call_id": "call12345", "content": "ok"},
    {"role": "user", "content": "Thanks \u00e9\u65e5"}],
  "tools": [{"type": "function", "function": {"name": "f", "description": "d",
    "parameters": {"type": "object", "properties": {"x": {"type": "integer"}}, "required": ["x"]}}}],
  "documents": null, "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>",
  "enable_thinking": false})";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view source = input;
  std::string_view context_text = kDefaultContext;
  if (size_t nul = input.find('\0'); nul != std::string_view::npos) {
    source = input.substr(0, nul);
    context_text = input.substr(nul + 1);
  }
  auto context = basalt::json::Parse(context_text);
  if (!context.ok()) return 0;
  auto tmpl = basalt::chat::ChatTemplate::Compile(source);
  if (!tmpl.ok()) return 0;
  auto rendered = (*tmpl)->Render(*context);
  // Rendering twice must give the same result: templates hold no state between renders.
  auto again = (*tmpl)->Render(*context);
  if (rendered.ok() != again.ok() || (rendered.ok() && *rendered != *again)) __builtin_trap();
  return 0;
}
