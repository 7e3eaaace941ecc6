#pragma once
// Renders a parsed template against a context: a tree-walking evaluator with jinja2's scoping rules
// (a for-loop iteration, macro call, with block or call block is a new scope whose parent is the
// enclosing one; `if` is not a scope), loop controls, macros with closures, and the limits of limits.h.
// One Renderer per Render() call: it owns every frame, namespace and loop object the render creates.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "common/chat/ast.h"
#include "common/chat/value.h"
#include "rapidjson/document.h"

namespace basalt::chat {

// One scope. Scopes hold a handful of names, so a vector beats a hash map; the render context's (possibly
// many) variables sit in `globals` of the outermost frame.
struct Frame {
  explicit Frame(Frame* p) : parent(p) {}
  // Looks `name` up here, then in the enclosing frames.
  const Value* Find(std::string_view name) const;
  void Set(std::string_view name, Value value);

  Frame* parent;
  std::vector<std::pair<std::string, Value>> vars;
  absl::flat_hash_map<std::string, Value> globals;  // the context's variables, and overflow of `vars`
  // Set once a macro, caller or recursive loop closes over this frame: it must then outlive its scope.
  bool captured = false;
};

class Renderer {
 public:
  Renderer(const Template& tmpl, const rapidjson::Value& context);
  ~Renderer();

  std::string Render();

  // Services for filters, tests, methods and builtins.
  Value Call(const Value& callee, CallArgs args);
  Value CallFilter(std::string_view name, Value input, CallArgs args);
  bool CallTest(std::string_view name, const Value& input, CallArgs args);
  // Counts work against kMaxWorkUnits.
  void Charge(int64_t units);
  std::shared_ptr<Namespace> NewNamespace();

 private:
  enum class Flow { kNormal, kBreak, kContinue };
  // Every namespace and loop object a render made, to empty them (breaking cycles) when it ends.
  template <typename T>
  struct Registry {
    std::vector<std::weak_ptr<T>> objects;
    size_t compact_at = 1024;  // drop the expired entries when the vector reaches this size
  };

  class FrameScope;
  class CallDepthGuard;

  Flow ExecBody(const StmtList& body, Frame* frame, std::string* out);
  Flow Exec(const Stmt& stmt, Frame* frame, std::string* out);
  void ExecOutput(const OutputStmt& stmt, Frame* frame, std::string* out);
  Flow ExecIf(const IfStmt& stmt, Frame* frame, std::string* out);
  Flow ExecFor(const ForStmt& stmt, Frame* frame, const Value& iterable, int depth0, std::string* out);
  void ExecSetBlock(const SetBlockStmt& stmt, Frame* frame);
  void ExecMacro(const MacroStmt& stmt, Frame* frame);
  void ExecCallBlock(const CallBlockStmt& stmt, Frame* frame, std::string* out);
  void ExecFilterBlock(const FilterBlockStmt& stmt, Frame* frame, std::string* out);
  Flow ExecWith(const WithStmt& stmt, Frame* frame, std::string* out);
  void Assign(const Target& target, const Value& value, Frame* frame);

  Value Eval(const Expr& expr, Frame* frame);
  Value EvalName(const NameExpr& expr, Frame* frame);
  Value EvalCompare(const CompareExpr& expr, Frame* frame);
  Value EvalCall(const CallExpr& expr, Frame* frame, const Value* caller = nullptr);
  Value EvalFilter(const FilterExpr& expr, Frame* frame, const Value* block_input = nullptr);
  bool EvalTest(const FilterExpr& expr, Frame* frame);
  CallArgs EvalArgs(const CallArgsExpr& args, Frame* frame);

  std::shared_ptr<const Callable> MakeMacro(const MacroStmt& macro, Frame* closure);
  Value InvokeMacro(const MacroStmt& macro, Frame* closure, CallArgs& args);
  std::shared_ptr<LoopState> NewLoop();
  // Registers a mutable object; fails past kMaxLiveObjects live ones.
  template <typename T>
  void Track(Registry<T>* registry, const std::shared_ptr<T>& object);
  void Capture(Frame* frame);
  void Adopt(std::unique_ptr<Frame> frame);
  void Append(std::string* out, std::string_view text);
  // Fails once the render has used kMaxStackBytes of stack: deep recursion of any shape ends here.
  void CheckStack() const;

  const Template& template_;
  Frame context_frame_;  // the render context's variables
  Frame root_frame_;     // top-level {% set %}s
  std::vector<std::unique_ptr<Frame>> captured_frames_;
  Registry<Namespace> namespaces_;
  Registry<LoopState> loops_;
  const char* stack_base_ = nullptr;
  int64_t work_ = 0;
  int call_depth_ = 0;
};

}  // namespace basalt::chat
