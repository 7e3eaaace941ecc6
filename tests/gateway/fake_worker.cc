#include "tests/gateway/fake_worker.h"

#include <algorithm>
#include <cstdio>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "basalt/v1/worker.grpc.pb.h"
#include "common/fs/read_file.h"
#include "common/tokenizer/tokenizer.h"
#include "grpcpp/grpcpp.h"

namespace basalt::testing {
namespace {

constexpr std::string_view kSayMarker = "say:";
constexpr std::string_view kFailMarker = "fail:";

// The script's tokens for one request (shared by its candidates).
struct Script {
  std::vector<int32_t> reply;  // cycled
  bool fail = false;
};

}  // namespace

struct FakeWorker::Impl {
  FakeWorkerOptions options;
  std::unique_ptr<tokenizer::Tokenizer> tokenizer;
  std::string tokenizer_json;
  std::string tokenizer_config_json;
  std::set<int32_t> eos_ids;
  int32_t bos_id = -1;
  std::unique_ptr<grpc::Server> server;
  std::unique_ptr<grpc::Service> service;
  int port = 0;

  mutable std::mutex mu;
  mutable std::condition_variable cv;
  std::vector<v1::GenerateRequest> requests;
  int cancel_messages = 0;
  int client_cancellations = 0;
  int active_streams = 0;
  bool queue_full = false;
  absl::Duration token_delay;

  std::string TokenText(int32_t id) const {
    int32_t ids[] = {id};
    return tokenizer->Decode(ids, /*skip_special_tokens=*/false);
  }

  Script MakeScript(const std::vector<int32_t>& prompt) const {
    Script script;
    // Split the prompt at special tokens; find the last segment with the marker.
    std::vector<std::string> segments(1);
    std::vector<int32_t> plain;
    std::vector<int32_t> run;
    auto flush = [&] {
      segments.back() = tokenizer->Decode(run, false);
      segments.emplace_back();
      run.clear();
    };
    for (int32_t id : prompt) {
      if (tokenizer->IsSpecial(id)) {
        flush();
      } else {
        run.push_back(id);
        plain.push_back(id);
      }
    }
    flush();
    std::string all;
    for (const std::string& s : segments) all += s;
    script.fail = all.find(kFailMarker) != std::string::npos;
    for (auto it = segments.rbegin(); it != segments.rend(); ++it) {
      size_t pos = it->rfind(kSayMarker);
      if (pos == std::string::npos) continue;
      auto encoding = tokenizer->Encode(it->substr(pos + kSayMarker.size()), /*add_special_tokens=*/false);
      if (encoding.ok()) script.reply = encoding->ids;
      script.reply.push_back(*eos_ids.begin());
      return script;
    }
    script.reply = plain.empty() ? std::vector<int32_t>{'a'} : plain;
    return script;
  }
};

namespace {

// One candidate's generation: tokens, text deltas with stop-string hold-back, finish reason.
class Candidate {
 public:
  Candidate(const FakeWorker::Impl& worker, const v1::GenerateRequest& request, const Script& script,
            uint32_t index, uint32_t candidates, uint32_t max_tokens, const std::vector<int32_t>& prompt)
      : worker_(worker),
        request_(request),
        script_(script),
        index_(index),
        candidates_(candidates),
        max_tokens_(max_tokens),
        decoder_(*worker.tokenizer, !request.has_skip_special_tokens() || request.skip_special_tokens(), prompt),
        cursor_(index) {}

  bool finished() const { return finish_ != v1::FINISH_REASON_UNSPECIFIED; }
  uint32_t generated() const { return generated_; }
  double cumulative() const { return cumulative_; }

  // Generates one token into `update`.
  void Step(v1::ChoiceUpdate* update) {
    const v1::StoppingCriteria& stopping = request_.stopping();
    if (stopping.prompt_only()) {  // nothing to generate, as the real worker does
      update->set_index(index_);
      Finish(v1::FINISH_REASON_LENGTH, "", update);
      return;
    }
    const std::set<int32_t> stop_ids(stopping.stop_token_ids().begin(), stopping.stop_token_ids().end());
    int32_t id = 0;
    bool is_eos = false;
    bool is_stop_id = false;
    // Before min_tokens, EOS and stop ids are suppressed (skipped); a reply of nothing else falls back to 'a'.
    for (size_t tries = 0;; ++tries) {
      id = script_.reply[cursor_++ % script_.reply.size()];
      is_eos = worker_.eos_ids.count(id) > 0;
      is_stop_id = stop_ids.count(id) > 0;
      if (!((is_eos || is_stop_id) && generated_ < stopping.min_tokens())) break;
      if (tries > script_.reply.size()) {
        id = 'a';
        is_eos = is_stop_id = false;
        break;
      }
    }
    ++generated_;
    const double logprob = -0.05 - 0.01 * ((generated_ - 1) % 3) - 0.5 * (candidates_ - 1 - index_);
    cumulative_ += logprob;
    v1::Token* token = update->add_tokens();
    token->set_id(id);
    token->set_text(worker_.TokenText(id));
    if (request_.logprobs() || request_.top_logprobs() > 0) {
      token->set_logprob(static_cast<float>(logprob));
      for (uint32_t k = 0; k < request_.top_logprobs(); ++k) {
        v1::TopLogprob* alt = token->add_top_logprobs();
        const int32_t alt_id = static_cast<int32_t>((id + k) % worker_.tokenizer->VocabSize());
        alt->set_id(alt_id);
        alt->set_text(worker_.TokenText(alt_id));
        alt->set_logprob(static_cast<float>(logprob - k));
      }
    }
    update->set_index(index_);

    const bool stops = (is_eos && !stopping.ignore_eos()) || is_stop_id;
    if (stops) {
      text_ += decoder_.Finish();
      Emit(text_.size(), update);
      Finish(v1::FINISH_REASON_EOS, "", update);
      return;
    }
    text_ += decoder_.Add(id);
    if (generated_ >= stopping.min_tokens()) {
      // The earliest stop string in the text not yet sent.
      size_t best = std::string::npos;
      std::string matched;
      for (const std::string& stop : stopping.stop()) {
        size_t pos = text_.find(stop, sent_);
        if (pos != std::string::npos && pos < best) {
          best = pos;
          matched = stop;
        }
      }
      if (best != std::string::npos) {
        Emit(best, update);
        Finish(v1::FINISH_REASON_STOP_STRING, matched, update);
        return;
      }
    }
    if (generated_ >= max_tokens_) {
      text_ += decoder_.Finish();
      Emit(text_.size(), update);
      Finish(v1::FINISH_REASON_LENGTH, "", update);
      return;
    }
    // Hold back a tail that may begin a stop string.
    size_t hold = 0;
    for (const std::string& stop : stopping.stop()) {
      for (size_t n = std::min(stop.size() - 1, text_.size() - sent_); n > hold; --n) {
        if (text_.compare(text_.size() - n, n, stop, 0, n) == 0) {
          hold = n;
          break;
        }
      }
    }
    Emit(text_.size() - hold, update);
  }

  // For best_of: everything at once.
  void Summarize(uint32_t index, std::vector<v1::Token>* tokens, v1::ChoiceUpdate* update) const {
    update->set_index(index);
    update->set_text(text_.substr(0, sent_));
    for (const v1::Token& token : *tokens) *update->add_tokens() = token;
    update->set_finish_reason(finish_);
    update->set_stop_string(stop_string_);
    update->set_cumulative_logprob(cumulative_);
  }

 private:
  void Emit(size_t end, v1::ChoiceUpdate* update) {
    if (end > sent_) {
      update->set_text(text_.substr(sent_, end - sent_));
      sent_ = end;
    }
  }
  void Finish(v1::FinishReason reason, const std::string& stop, v1::ChoiceUpdate* update) {
    finish_ = reason;
    stop_string_ = stop;
    update->set_finish_reason(reason);
    update->set_stop_string(stop);
    update->set_cumulative_logprob(cumulative_);
  }

  const FakeWorker::Impl& worker_;
  const v1::GenerateRequest& request_;
  const Script& script_;
  uint32_t index_;
  uint32_t candidates_;
  uint32_t max_tokens_;
  tokenizer::StreamingDecoder decoder_;
  size_t cursor_;
  uint32_t generated_ = 0;
  double cumulative_ = 0;
  std::string text_;
  size_t sent_ = 0;
  v1::FinishReason finish_ = v1::FINISH_REASON_UNSPECIFIED;
  std::string stop_string_;
};

// One Generate stream (callback API): a generation thread produces messages; the reactor writes them one
// at a time and finishes with the thread's final status.
class GenerateReactor final : public grpc::ServerBidiReactor<v1::GenerateClientMessage, v1::GenerateResponse> {
 public:
  explicit GenerateReactor(FakeWorker::Impl* worker) : worker_(worker) {
    {
      std::lock_guard<std::mutex> lock(worker_->mu);
      ++worker_->active_streams;
    }
    StartRead(&incoming_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // half-close (does not cancel) or the call is ending
    if (incoming_.has_request() && !started_) {
      started_ = true;
      request_ = incoming_.request();
      {
        std::lock_guard<std::mutex> lock(worker_->mu);
        worker_->requests.push_back(request_);
      }
      thread_ = std::thread([this] { Run(); });
    } else if (incoming_.has_cancel()) {
      // Logged like the worker logs it: the e2e tests look for the gateway's reason in this log.
      std::fprintf(stderr, "fake worker: cancel received: %s\n", incoming_.cancel().reason().c_str());
      {
        std::lock_guard<std::mutex> lock(worker_->mu);
        ++worker_->cancel_messages;
      }
      worker_->cv.notify_all();
      cancelled_ = true;
    }
    std::lock_guard<std::mutex> lock(mu_);
    if (!finishing_) StartRead(&incoming_);
  }

  void OnCancel() override {
    {
      std::lock_guard<std::mutex> lock(worker_->mu);
      ++worker_->client_cancellations;
    }
    worker_->cv.notify_all();
    cancelled_ = true;
  }

  void OnWriteDone(bool ok) override {
    if (!ok) cancelled_ = true;
    std::unique_lock<std::mutex> lock(mu_);
    writing_ = false;
    Pump(lock);
  }

  void OnDone() override {
    cancelled_ = true;
    if (thread_.joinable()) {
      if (thread_.get_id() == std::this_thread::get_id()) {
        thread_.detach();
      } else {
        thread_.join();
      }
    }
    {
      std::lock_guard<std::mutex> lock(worker_->mu);
      --worker_->active_streams;
    }
    delete this;
  }

 private:
  void Send(v1::GenerateResponse response) {
    std::unique_lock<std::mutex> lock(mu_);
    outbox_.push_back(std::move(response));
    Pump(lock);
  }

  void End(grpc::Status status) {
    std::unique_lock<std::mutex> lock(mu_);
    final_status_ = std::move(status);
    finishing_ = true;
    Pump(lock);
  }

  // Starts the next write, or Finish once everything is written. Called with mu_ held; the gRPC call
  // itself is made after unlocking.
  void Pump(std::unique_lock<std::mutex>& lock) {
    if (writing_ || finished_) return;
    if (!outbox_.empty() && !cancelled_) {
      writing_ = true;
      current_ = std::move(outbox_.front());
      outbox_.pop_front();
      lock.unlock();
      StartWrite(&current_);
      return;
    }
    if (finishing_) {
      finished_ = true;
      grpc::Status status = cancelled_ && final_status_.ok() ? grpc::Status::CANCELLED : final_status_;
      lock.unlock();
      Finish(status);
    }
  }

  grpc::Status Validate(const std::vector<int32_t>& prompt, uint32_t n, uint32_t best_of) const {
    const uint32_t vocab = static_cast<uint32_t>(worker_->tokenizer->VocabSize());
    if (prompt.empty()) return {grpc::StatusCode::INVALID_ARGUMENT, "prompt: empty"};
    for (int32_t id : prompt) {
      if (id < 0 || static_cast<uint32_t>(id) >= vocab) {
        return {grpc::StatusCode::INVALID_ARGUMENT, absl::StrCat("token_ids: id ", id, " is out of range")};
      }
    }
    if (best_of < n) return {grpc::StatusCode::INVALID_ARGUMENT, "best_of: must be >= n"};
    if (best_of > worker_->options.max_choices) return {grpc::StatusCode::INVALID_ARGUMENT, "best_of: too many"};
    const uint32_t max_tokens = request_.stopping().max_tokens();
    if (prompt.size() + max_tokens > worker_->options.max_model_len || prompt.size() >= worker_->options.max_model_len) {
      return {grpc::StatusCode::INVALID_ARGUMENT, "stopping.max_tokens: prompt + max_tokens exceed max_model_len"};
    }
    return grpc::Status::OK;
  }

  void Run() {
    std::vector<int32_t> prompt;
    if (request_.has_token_ids()) {
      prompt.assign(request_.token_ids().ids().begin(), request_.token_ids().ids().end());
    } else {
      auto encoding = worker_->tokenizer->Encode(request_.text(), !request_.has_add_special_tokens() ||
                                                                      request_.add_special_tokens());
      if (encoding.ok()) prompt = encoding->ids;
    }
    const uint32_t n = std::max<uint32_t>(1, request_.n());
    const uint32_t best_of = request_.best_of() == 0 ? n : request_.best_of();
    bool queue_full = false;
    absl::Duration delay;
    {
      std::lock_guard<std::mutex> lock(worker_->mu);
      queue_full = worker_->queue_full;
      delay = worker_->token_delay;
    }
    if (queue_full) return End({grpc::StatusCode::RESOURCE_EXHAUSTED, "the worker's queue is full"});
    if (grpc::Status status = Validate(prompt, n, best_of); !status.ok()) return End(status);

    const uint32_t max_tokens = request_.stopping().max_tokens() == 0
                                    ? worker_->options.max_model_len - static_cast<uint32_t>(prompt.size())
                                    : request_.stopping().max_tokens();
    const Script script = worker_->MakeScript(prompt);
    std::vector<std::unique_ptr<Candidate>> candidates;
    for (uint32_t c = 0; c < best_of; ++c) {
      candidates.push_back(std::make_unique<Candidate>(*worker_, request_, script, c, best_of, max_tokens, prompt));
    }
    const bool incremental = best_of == n;

    v1::GenerateResponse first;
    first.set_prompt_tokens(static_cast<uint32_t>(prompt.size()));
    if (request_.echo_prompt()) FillPrompt(prompt, first.mutable_prompt());
    Send(std::move(first));

    std::vector<std::vector<v1::Token>> tokens(best_of);
    uint32_t steps = 0;
    while (true) {
      if (cancelled_) return End(grpc::Status::CANCELLED);
      if (delay > absl::ZeroDuration()) std::this_thread::sleep_for(absl::ToChronoMicroseconds(delay));
      if (script.fail && steps == 2) return End({grpc::StatusCode::INTERNAL, "scripted failure"});
      v1::GenerateResponse message;
      bool any = false;
      for (uint32_t c = 0; c < best_of; ++c) {
        if (candidates[c]->finished()) continue;
        any = true;
        v1::ChoiceUpdate update;
        candidates[c]->Step(&update);
        tokens[c].insert(tokens[c].end(), update.tokens().begin(), update.tokens().end());
        if (incremental) *message.add_choices() = std::move(update);
      }
      ++steps;
      if (!any) break;
      if (incremental && message.choices_size() > 0) Send(std::move(message));
    }

    v1::GenerateResponse last;
    uint32_t completion_tokens = 0;
    if (incremental) {
      for (const auto& candidate : candidates) completion_tokens += candidate->generated();
    } else {
      // The n candidates with the highest cumulative logprob, best first.
      std::vector<uint32_t> order(best_of);
      for (uint32_t c = 0; c < best_of; ++c) order[c] = c;
      std::stable_sort(order.begin(), order.end(),
                       [&](uint32_t a, uint32_t b) { return candidates[a]->cumulative() > candidates[b]->cumulative(); });
      for (uint32_t i = 0; i < n; ++i) {
        candidates[order[i]]->Summarize(i, &tokens[order[i]], last.add_choices());
        completion_tokens += candidates[order[i]]->generated();
      }
    }
    last.mutable_usage()->set_prompt_tokens(static_cast<uint32_t>(prompt.size()));
    last.mutable_usage()->set_completion_tokens(completion_tokens);
    last.mutable_timings()->set_total_ns(1);
    Send(std::move(last));
    End(grpc::Status::OK);
  }

  void FillPrompt(const std::vector<int32_t>& prompt, v1::PromptInfo* info) const {
    const bool skip = !request_.has_skip_special_tokens() || request_.skip_special_tokens();
    info->set_text(worker_->tokenizer->Decode(prompt, skip));
    for (size_t i = 0; i < prompt.size(); ++i) {
      v1::Token* token = info->add_tokens();
      token->set_id(prompt[i]);
      token->set_text(worker_->TokenText(prompt[i]));
      if (i == 0 || request_.prompt_logprobs() == 0) continue;
      const double logprob = -1.0 - 0.1 * static_cast<double>(i % 5);
      token->set_logprob(static_cast<float>(logprob));
      for (int32_t k = 0; k < request_.prompt_logprobs(); ++k) {
        v1::TopLogprob* alt = token->add_top_logprobs();
        const int32_t alt_id = static_cast<int32_t>((prompt[i] + k) % worker_->tokenizer->VocabSize());
        alt->set_id(alt_id);
        alt->set_text(worker_->TokenText(alt_id));
        alt->set_logprob(static_cast<float>(logprob - k));
      }
    }
  }

  FakeWorker::Impl* worker_;
  v1::GenerateClientMessage incoming_;
  v1::GenerateRequest request_;
  bool started_ = false;
  std::atomic<bool> cancelled_{false};
  std::thread thread_;

  std::mutex mu_;
  std::deque<v1::GenerateResponse> outbox_;
  v1::GenerateResponse current_;
  bool writing_ = false;
  bool finishing_ = false;
  bool finished_ = false;
  grpc::Status final_status_;
};

class FakeService final : public v1::Worker::CallbackService {
 public:
  explicit FakeService(FakeWorker::Impl* worker) : worker_(worker) {}

  grpc::ServerBidiReactor<v1::GenerateClientMessage, v1::GenerateResponse>* Generate(
      grpc::CallbackServerContext*) override {
    return new GenerateReactor(worker_);
  }

  grpc::ServerUnaryReactor* Tokenize(grpc::CallbackServerContext* context, const v1::TokenizeRequest* request,
                                     v1::TokenizeResponse* response) override {
    auto* reactor = context->DefaultReactor();
    auto encoding = worker_->tokenizer->Encode(request->text(),
                                               !request->has_add_special_tokens() || request->add_special_tokens());
    if (!encoding.ok()) {
      reactor->Finish({grpc::StatusCode::INVALID_ARGUMENT, std::string(encoding.status().message())});
      return reactor;
    }
    for (int32_t id : encoding->ids) response->add_ids(id);
    if (request->return_tokens()) {
      for (const std::string& token : encoding->tokens) response->add_tokens(token);
    }
    response->set_max_model_len(worker_->options.max_model_len);
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

  grpc::ServerUnaryReactor* Detokenize(grpc::CallbackServerContext* context, const v1::DetokenizeRequest* request,
                                       v1::DetokenizeResponse* response) override {
    std::vector<int32_t> ids(request->ids().begin(), request->ids().end());
    response->set_text(worker_->tokenizer->Decode(ids, !request->has_skip_special_tokens() ||
                                                           request->skip_special_tokens()));
    auto* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

  grpc::ServerUnaryReactor* ModelInfo(grpc::CallbackServerContext* context, const v1::ModelInfoRequest*,
                                      v1::ModelInfoResponse* response) override {
    const auto& options = worker_->options;
    response->set_name(options.model_name);
    response->set_architecture("FakeForCausalLM");
    response->set_model_type("fake");
    response->set_max_model_len(options.max_model_len);
    response->set_vocab_size(static_cast<uint32_t>(worker_->tokenizer->VocabSize()));
    for (int32_t id : worker_->eos_ids) response->add_eos_token_ids(id);
    response->set_bos_token_id(worker_->bos_id);
    response->set_has_chat_template(options.serve_chat_template && !worker_->tokenizer->config().chat_template.empty());
    response->set_dtype("float32");
    response->set_device("cpu");
    response->set_worker_version("fake-worker");
    response->set_max_choices(options.max_choices);
    auto* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

  grpc::ServerUnaryReactor* GetTokenizer(grpc::CallbackServerContext* context, const v1::GetTokenizerRequest*,
                                         v1::GetTokenizerResponse* response) override {
    response->set_tokenizer_json(worker_->tokenizer_json);
    response->set_tokenizer_config_json(worker_->tokenizer_config_json);
    if (worker_->options.serve_chat_template) response->set_chat_template(worker_->tokenizer->config().chat_template);
    response->set_generation_config_json("{}");
    auto* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

 private:
  FakeWorker::Impl* worker_;
};

}  // namespace

FakeWorker::FakeWorker(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

FakeWorker::~FakeWorker() { Shutdown(); }

absl::StatusOr<std::unique_ptr<FakeWorker>> FakeWorker::Start(FakeWorkerOptions options, const std::string& address) {
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  impl->token_delay = impl->options.token_delay;
  auto json = fs::ReadFile(fs::JoinPath(impl->options.model_dir, "tokenizer.json"));
  if (!json.ok()) return json.status();
  impl->tokenizer_json = *std::move(json);
  auto config = fs::ReadFile(fs::JoinPath(impl->options.model_dir, "tokenizer_config.json"));
  impl->tokenizer_config_json = config.ok() ? *std::move(config) : "{}";
  auto tokenizer = tokenizer::Tokenizer::FromJson(impl->tokenizer_json, impl->tokenizer_config_json);
  if (!tokenizer.ok()) return tokenizer.status();
  impl->tokenizer = *std::move(tokenizer);
  const tokenizer::TokenizerConfig& tc = impl->tokenizer->config();
  if (tc.eos_token) {
    if (auto id = impl->tokenizer->TokenToId(*tc.eos_token)) impl->eos_ids.insert(*id);
  }
  if (impl->eos_ids.empty()) return absl::InvalidArgumentError("the fake worker needs an eos_token");
  if (tc.bos_token) {
    if (auto id = impl->tokenizer->TokenToId(*tc.bos_token)) impl->bos_id = *id;
  }

  impl->service = std::make_unique<FakeService>(impl.get());
  grpc::ServerBuilder builder;
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &impl->port);
  builder.RegisterService(impl->service.get());
  builder.SetMaxReceiveMessageSize(-1);
  builder.SetMaxSendMessageSize(-1);
  impl->server = builder.BuildAndStart();
  if (impl->server == nullptr || impl->port == 0) {
    return absl::UnavailableError(absl::StrCat("fake worker: cannot listen on ", address));
  }
  return std::unique_ptr<FakeWorker>(new FakeWorker(std::move(impl)));
}

std::string FakeWorker::address() const { return absl::StrCat("127.0.0.1:", impl_->port); }
int FakeWorker::port() const { return impl_->port; }

void FakeWorker::Shutdown() {
  if (impl_->server) {
    impl_->server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  }
}

void FakeWorker::Wait() {
  if (impl_->server) impl_->server->Wait();
}

void FakeWorker::SetQueueFull(bool full) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->queue_full = full;
}

void FakeWorker::SetTokenDelay(absl::Duration delay) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->token_delay = delay;
}

std::vector<v1::GenerateRequest> FakeWorker::requests() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->requests;
}

int FakeWorker::cancel_messages() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->cancel_messages;
}

int FakeWorker::client_cancellations() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->client_cancellations;
}

int FakeWorker::active_streams() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->active_streams;
}

bool FakeWorker::WaitForCancel(absl::Duration timeout) const {
  std::unique_lock<std::mutex> lock(impl_->mu);
  return impl_->cv.wait_for(lock, absl::ToChronoMilliseconds(timeout),
                            [&] { return impl_->cancel_messages + impl_->client_cancellations > 0; });
}

}  // namespace basalt::testing
