#include "common/chat/renderer.h"

#include <algorithm>

#include "common/chat/builtins.h"
#include "common/chat/error.h"
#include "common/chat/filters.h"
#include "common/chat/json_dump.h"
#include "common/chat/limits.h"
#include "common/chat/operators.h"
#include "common/chat/str_cat.h"

namespace basalt::chat {
namespace {

// Frames closures captured, and namespaces or loop objects alive at once, in one render.
constexpr size_t kMaxArenaObjects = 100'000;

}  // namespace

const Value* Frame::Find(std::string_view name) const {
  for (const Frame* f = this; f != nullptr; f = f->parent) {
    for (const auto& [var, value] : f->vars) {
      if (var == name) return &value;
    }
    if (!f->globals.empty()) {
      auto it = f->globals.find(absl::string_view(name.data(), name.size()));
      if (it != f->globals.end()) return &it->second;
    }
  }
  return nullptr;
}

void Frame::Set(std::string_view name, Value value) {
  for (auto& [var, v] : vars) {
    if (var == name) {
      v = std::move(value);
      return;
    }
  }
  if (!globals.empty()) {
    auto it = globals.find(absl::string_view(name.data(), name.size()));
    if (it != globals.end()) {
      it->second = std::move(value);
      return;
    }
  }
  // Past a few dozen names the hash map takes over, so a template with thousands of sets stays linear.
  if (vars.size() < 32) {
    vars.emplace_back(std::string(name), std::move(value));
  } else {
    globals[std::string(name)] = std::move(value);
  }
}

// A child scope; freed when it ends unless a closure captured it.
class Renderer::FrameScope {
 public:
  FrameScope(Renderer* renderer, Frame* parent) : renderer_(renderer), frame_(std::make_unique<Frame>(parent)) {}
  ~FrameScope() {
    if (frame_->captured) renderer_->Adopt(std::move(frame_));
  }
  Frame* get() const { return frame_.get(); }

 private:
  Renderer* renderer_;
  std::unique_ptr<Frame> frame_;
};

class Renderer::CallDepthGuard {
 public:
  explicit CallDepthGuard(Renderer* renderer) : renderer_(renderer) {
    if (++renderer_->call_depth_ > kMaxCallDepth) {
      --renderer_->call_depth_;
      ThrowLimit(StrCat("maximum call depth (", kMaxCallDepth, ") exceeded"));
    }
  }
  ~CallDepthGuard() { --renderer_->call_depth_; }

 private:
  Renderer* renderer_;
};

Renderer::Renderer(const Template& tmpl, const rapidjson::Value& context)
    : template_(tmpl), context_frame_(nullptr), root_frame_(&context_frame_) {
  if (context.IsObject()) {
    for (const auto& member : context.GetObject()) {
      context_frame_.globals[std::string(member.name.GetString(), member.name.GetStringLength())] = FromJson(member.value);
    }
  }
}

Renderer::~Renderer() {
  // Only namespaces and loop objects are mutable, so every reference cycle runs through one of them:
  // emptying them frees the cycles along with everything else.
  for (const auto& weak : namespaces_.objects) {
    if (auto ns = weak.lock()) ns->attrs = DictData();
  }
  for (const auto& weak : loops_.objects) {
    if (auto loop = weak.lock()) {
      loop->items.reset();
      loop->last_changed = Value();
      loop->recurse = nullptr;
    }
  }
}

std::string Renderer::Render() {
  char base;
  stack_base_ = &base;
  std::string out;
  ExecBody(template_.body, &root_frame_, &out);
  return out;
}

void Renderer::CheckStack() const {
  char probe;
  if (stack_base_ != nullptr && static_cast<size_t>(stack_base_ - &probe) > kMaxStackBytes) {
    ThrowLimit("template recursion too deep");
  }
}

void Renderer::Charge(int64_t units) {
  work_ += units;
  if (work_ > kMaxWorkUnits) ThrowLimit("template exceeded its work budget (runaway loop or recursion?)");
}

template <typename T>
void Renderer::Track(Registry<T>* registry, const std::shared_ptr<T>& object) {
  auto& objects = registry->objects;
  if (objects.size() >= registry->compact_at) {
    objects.erase(std::remove_if(objects.begin(), objects.end(), [](const auto& w) { return w.expired(); }),
                  objects.end());
    if (objects.size() >= kMaxArenaObjects) ThrowLimit("too many namespaces or loop objects alive at once");
    registry->compact_at = std::max<size_t>(1024, objects.size() * 2);
  }
  objects.push_back(object);
}

std::shared_ptr<Namespace> Renderer::NewNamespace() {
  Charge(8);
  auto ns = std::make_shared<Namespace>();
  Track(&namespaces_, ns);
  return ns;
}

std::shared_ptr<LoopState> Renderer::NewLoop() {
  auto loop = std::make_shared<LoopState>();
  Track(&loops_, loop);
  return loop;
}

void Renderer::Capture(Frame* frame) {
  for (Frame* f = frame; f != nullptr && !f->captured; f = f->parent) {
    if (captured_frames_.size() >= kMaxArenaObjects) ThrowLimit("too many closures");
    f->captured = true;
    Charge(8);
  }
}

void Renderer::Adopt(std::unique_ptr<Frame> frame) { captured_frames_.push_back(std::move(frame)); }

void Renderer::Append(std::string* out, std::string_view text) {
  if (out->size() + text.size() > kMaxOutputBytes) {
    ThrowLimit(StrCat("rendered output exceeds ", kMaxOutputBytes, " bytes"));
  }
  Charge(static_cast<int64_t>(text.size()) / kBytesPerWorkUnit);
  out->append(text);
}

Renderer::Flow Renderer::ExecBody(const StmtList& body, Frame* frame, std::string* out) {
  for (const StmtPtr& stmt : body) {
    Flow flow = Exec(*stmt, frame, out);
    if (flow != Flow::kNormal) return flow;
  }
  return Flow::kNormal;
}

Renderer::Flow Renderer::Exec(const Stmt& stmt, Frame* frame, std::string* out) {
  Charge(1);
  CheckStack();
  try {
    switch (stmt.kind) {
      case Stmt::Kind::kOutput:
        ExecOutput(static_cast<const OutputStmt&>(stmt), frame, out);
        return Flow::kNormal;
      case Stmt::Kind::kIf:
        return ExecIf(static_cast<const IfStmt&>(stmt), frame, out);
      case Stmt::Kind::kFor: {
        const auto& s = static_cast<const ForStmt&>(stmt);
        return ExecFor(s, frame, Eval(*s.iter, frame), 0, out);
      }
      case Stmt::Kind::kSet: {
        const auto& s = static_cast<const SetStmt&>(stmt);
        Assign(s.target, Eval(*s.value, frame), frame);
        return Flow::kNormal;
      }
      case Stmt::Kind::kSetBlock:
        ExecSetBlock(static_cast<const SetBlockStmt&>(stmt), frame);
        return Flow::kNormal;
      case Stmt::Kind::kMacro:
        ExecMacro(static_cast<const MacroStmt&>(stmt), frame);
        return Flow::kNormal;
      case Stmt::Kind::kCallBlock:
        ExecCallBlock(static_cast<const CallBlockStmt&>(stmt), frame, out);
        return Flow::kNormal;
      case Stmt::Kind::kFilterBlock:
        ExecFilterBlock(static_cast<const FilterBlockStmt&>(stmt), frame, out);
        return Flow::kNormal;
      case Stmt::Kind::kWith:
        return ExecWith(static_cast<const WithStmt&>(stmt), frame, out);
      case Stmt::Kind::kBreak:
        return Flow::kBreak;
      case Stmt::Kind::kContinue:
        return Flow::kContinue;
    }
  } catch (TemplateError& e) {
    if (e.line() == 0) e.set_line(stmt.line);
    throw;
  }
  return Flow::kNormal;
}

void Renderer::ExecOutput(const OutputStmt& stmt, Frame* frame, std::string* out) {
  for (const OutputStmt::Piece& piece : stmt.pieces) {
    if (piece.expr) {
      Append(out, Eval(*piece.expr, frame).Str());
    } else {
      Append(out, piece.text);
    }
  }
}

Renderer::Flow Renderer::ExecIf(const IfStmt& stmt, Frame* frame, std::string* out) {
  for (const auto& [test, body] : stmt.branches) {
    if (Eval(*test, frame).Truthy()) return ExecBody(body, frame, out);
  }
  return ExecBody(stmt.else_body, frame, out);
}

Renderer::Flow Renderer::ExecFor(const ForStmt& stmt, Frame* frame, const Value& iterable, int depth0,
                                 std::string* out) {
  std::vector<Value> items = ToList(iterable);
  Charge(static_cast<int64_t>(items.size()));
  if (stmt.filter) {
    std::vector<Value> kept;
    for (Value& item : items) {
      FrameScope scope(this, frame);
      Assign(stmt.target, item, scope.get());
      if (Eval(*stmt.filter, scope.get()).Truthy()) kept.push_back(std::move(item));
    }
    items = std::move(kept);
  }
  std::shared_ptr<LoopState> loop = NewLoop();
  loop->items = std::make_shared<const std::vector<Value>>(std::move(items));
  loop->depth0 = depth0;
  if (stmt.recursive) {
    Capture(frame);
    loop->recurse = [&stmt, frame, depth0](Renderer& r, const Value& sub_iterable) {
      std::string sub;
      r.ExecFor(stmt, frame, sub_iterable, depth0 + 1, &sub);
      return Value::String(std::move(sub));
    };
  }
  const std::vector<Value>& loop_items = *loop->items;
  for (size_t i = 0; i < loop_items.size(); ++i) {
    Charge(1);
    loop->index0 = i;
    FrameScope scope(this, frame);
    Assign(stmt.target, loop_items[i], scope.get());
    scope.get()->Set("loop", Value::Loop(loop));
    if (ExecBody(stmt.body, scope.get(), out) == Flow::kBreak) break;
  }
  if (loop_items.empty() && !stmt.else_body.empty()) {
    FrameScope scope(this, frame);
    return ExecBody(stmt.else_body, scope.get(), out);
  }
  return Flow::kNormal;
}

void Renderer::ExecSetBlock(const SetBlockStmt& stmt, Frame* frame) {
  std::string body;
  {
    FrameScope scope(this, frame);
    ExecBody(stmt.body, scope.get(), &body);
  }
  Value value = Value::String(std::move(body));
  if (stmt.filter) value = EvalFilter(static_cast<const FilterExpr&>(*stmt.filter), frame, &value);
  Assign(stmt.target, value, frame);
}

void Renderer::ExecMacro(const MacroStmt& stmt, Frame* frame) {
  Capture(frame);
  frame->Set(stmt.name, Value::Function(MakeMacro(stmt, frame)));
}

void Renderer::ExecCallBlock(const CallBlockStmt& stmt, Frame* frame, std::string* out) {
  Capture(frame);
  Value caller = Value::Function(MakeMacro(*stmt.caller, frame));
  Append(out, EvalCall(static_cast<const CallExpr&>(*stmt.call), frame, &caller).Str());
}

void Renderer::ExecFilterBlock(const FilterBlockStmt& stmt, Frame* frame, std::string* out) {
  std::string body;
  {
    FrameScope scope(this, frame);
    ExecBody(stmt.body, scope.get(), &body);
  }
  Value input = Value::String(std::move(body));
  Append(out, EvalFilter(static_cast<const FilterExpr&>(*stmt.filter), frame, &input).Str());
}

Renderer::Flow Renderer::ExecWith(const WithStmt& stmt, Frame* frame, std::string* out) {
  FrameScope scope(this, frame);
  for (const auto& [target, value] : stmt.assignments) Assign(target, Eval(*value, frame), scope.get());
  return ExecBody(stmt.body, scope.get(), out);
}

void Renderer::Assign(const Target& target, const Value& value, Frame* frame) {
  switch (target.kind) {
    case Target::Kind::kName:
      frame->Set(target.name, value);
      return;
    case Target::Kind::kTuple: {
      std::vector<Value> items = ToList(value);
      size_t n = target.items.size();
      if (items.size() < n) {
        ThrowRender(StrCat("not enough values to unpack (expected ", n, ", got ", items.size(), ")"));
      }
      if (items.size() > n) ThrowRender(StrCat("too many values to unpack (expected ", n, ")"));
      for (size_t i = 0; i < n; ++i) Assign(target.items[i], items[i], frame);
      return;
    }
    case Target::Kind::kNamespaceAttr: {
      const Value* ns = frame->Find(target.name);
      if (ns == nullptr || !ns->is_namespace()) ThrowRender("cannot assign attribute on non-namespace object");
      ns->ns()->attrs.Set(Value::String(target.attr), value);
      return;
    }
  }
}

std::shared_ptr<const Callable> Renderer::MakeMacro(const MacroStmt& macro, Frame* closure) {
  auto callable = std::make_shared<Callable>();
  callable->name = macro.name;
  callable->is_macro = true;
  callable->fn = [&macro, closure](Renderer& r, CallArgs& args) { return r.InvokeMacro(macro, closure, args); };
  return callable;
}

// jinja2's Macro.__call__: positional arguments, then keywords, then defaults (evaluated in the macro's
// scope, so they may use earlier parameters); varargs / kwargs / caller only when the body uses them.
Value Renderer::InvokeMacro(const MacroStmt& macro, Frame* closure, CallArgs& args) {
  CallDepthGuard depth(this);
  const MacroParams& params = macro.params;
  size_t n = params.names.size();
  if (args.args.size() > n && !macro.uses_varargs) {
    ThrowRender(StrCat("macro '", macro.name, "' takes not more than ", n, " argument(s)"));
  }
  FrameScope scope(this, closure);
  Frame* frame = scope.get();
  size_t first_default = n - params.defaults.size();
  for (size_t i = 0; i < n; ++i) {
    const std::string& name = params.names[i];
    if (i < args.args.size()) {
      frame->Set(name, args.args[i]);
      continue;
    }
    auto kw = std::find_if(args.kwargs.begin(), args.kwargs.end(), [&](const auto& p) { return p.first == name; });
    if (kw != args.kwargs.end()) {
      frame->Set(name, kw->second);
      args.kwargs.erase(kw);
    } else if (i >= first_default) {
      frame->Set(name, Eval(*params.defaults[i - first_default], frame));
    } else {
      frame->Set(name, Value::Undefined(StrCat("parameter '", name, "' was not provided")));
    }
  }
  if (macro.uses_caller && std::find(params.names.begin(), params.names.end(), "caller") == params.names.end()) {
    auto kw = std::find_if(args.kwargs.begin(), args.kwargs.end(), [](const auto& p) { return p.first == "caller"; });
    if (kw != args.kwargs.end()) {
      frame->Set("caller", kw->second);
      args.kwargs.erase(kw);
    } else {
      frame->Set("caller", Value::Undefined("No caller defined"));
    }
  }
  if (macro.uses_kwargs) {
    DictData kwargs;
    for (const auto& [name, value] : args.kwargs) kwargs.Set(Value::String(name), value);
    frame->Set("kwargs", Value::Dict(std::move(kwargs)));
  } else if (!args.kwargs.empty()) {
    if (args.kwargs[0].first == "caller") {
      ThrowRender(StrCat("macro '", macro.name, "' was invoked with two values for the special caller argument"));
    }
    ThrowRender(StrCat("macro '", macro.name, "' takes no keyword argument '", args.kwargs[0].first, "'"));
  }
  if (macro.uses_varargs) {
    std::vector<Value> extra;
    if (args.args.size() > n) extra.assign(args.args.begin() + n, args.args.end());
    frame->Set("varargs", Value::Tuple(std::move(extra)));
  }
  std::string out;
  ExecBody(macro.body, frame, &out);
  return Value::String(std::move(out));
}

Value Renderer::Call(const Value& callee, CallArgs args) {
  if (callee.is_callable()) return callee.callable().fn(*this, args);
  if (callee.is_loop()) {
    LoopState* loop = callee.loop();  // kept alive by `callee`
    if (!loop->recurse) ThrowRender("The loop must have the 'recursive' marker to be called recursively.");
    if (args.args.size() != 1 || !args.kwargs.empty()) ThrowRender("loop() takes exactly one argument");
    CallDepthGuard depth(this);
    return loop->recurse(*this, args.args[0]);
  }
  CheckDefined(callee);
  ThrowRender(StrCat("'", callee.TypeName(), "' object is not callable"));
}

Value Renderer::CallFilter(std::string_view name, Value input, CallArgs args) {
  FilterFn fn = FindFilter(name);
  if (fn == nullptr) ThrowRender(StrCat("No filter named '", name, "'."));
  return fn(*this, input, args);
}

bool Renderer::CallTest(std::string_view name, const Value& input, CallArgs args) {
  TestFn fn = FindTest(name);
  if (fn == nullptr) ThrowRender(StrCat("No test named '", name, "'."));
  return fn(*this, input, args);
}

}  // namespace basalt::chat
