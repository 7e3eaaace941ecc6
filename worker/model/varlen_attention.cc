#include "worker/model/varlen_attention.h"

#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/core/stack.h>

#include <stdexcept>
#include <string>

namespace basalt::model {
namespace {

const c10::OperatorHandle* FlashOperator() {
  static const std::optional<c10::OperatorHandle> op = []() -> std::optional<c10::OperatorHandle> {
    auto handle = c10::Dispatcher::singleton().findSchema({"aten::_flash_attention_forward", ""});
    if (!handle) return std::nullopt;
    return *handle;
  }();
  return op ? &*op : nullptr;
}

bool HasArgument(const c10::FunctionSchema& schema, const std::string& name) {
  for (const c10::Argument& argument : schema.arguments()) {
    if (argument.name() == name) return true;
  }
  return false;
}

}  // namespace

bool VarlenFlashAttention::Available() { return FlashOperator() != nullptr; }

bool VarlenFlashAttention::SupportsSlidingWindow() {
  const c10::OperatorHandle* op = FlashOperator();
  return op != nullptr && HasArgument(op->schema(), "window_size_left") &&
         HasArgument(op->schema(), "window_size_right");
}

at::Tensor VarlenFlashAttention::Run(const VarlenAttentionArgs& a) {
  const c10::OperatorHandle* op = FlashOperator();
  if (op == nullptr) throw std::runtime_error("this torch has no aten::_flash_attention_forward");
  if (a.sliding_window && !SupportsSlidingWindow()) {
    throw std::runtime_error("this torch's flash attention takes no sliding window");
  }
  torch::jit::Stack stack;
  for (const c10::Argument& argument : op->schema().arguments()) {
    const std::string& name = argument.name();
    if (name == "query") stack.emplace_back(a.q);
    else if (name == "key") stack.emplace_back(a.k);
    else if (name == "value") stack.emplace_back(a.v);
    else if (name == "cum_seq_q") stack.emplace_back(a.cu_q);
    else if (name == "cum_seq_k") stack.emplace_back(a.cu_k);
    else if (name == "max_q") stack.emplace_back(a.max_q);
    else if (name == "max_k") stack.emplace_back(a.max_k);
    else if (name == "dropout_p") stack.emplace_back(0.0);
    else if (name == "is_causal") stack.emplace_back(true);
    else if (name == "return_debug_mask") stack.emplace_back(false);
    else if (name == "scale") stack.emplace_back(a.scale);
    else if (name == "window_size_left" && a.sliding_window) stack.emplace_back(static_cast<int64_t>(*a.sliding_window - 1));
    else if (name == "window_size_right" && a.sliding_window) stack.emplace_back(static_cast<int64_t>(0));
    else if (argument.default_value()) stack.push_back(*argument.default_value());
    else throw std::runtime_error("aten::_flash_attention_forward has an unknown argument " + name);
  }
  op->callBoxed(&stack);
  return stack.front().toTensor();
}

}  // namespace basalt::model
