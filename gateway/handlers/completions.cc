// POST /v1/completions
#include <memory>

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "gateway/generation.h"
#include "gateway/handlers/handlers.h"
#include "gateway/handlers/http_json.h"
#include "gateway/handlers/prompts.h"
#include "gateway/handlers/generation_job.h"
#include "gateway/openai/completions_request.h"
#include "gateway/openai/completions_response.h"
#include "gateway/openai/ids.h"
#include "spdlog/spdlog.h"

namespace basalt::gateway {
namespace {

struct PromptState {
  std::string echo_text;                 // returned before the completion with echo
  std::vector<v1::Token> prompt_tokens;  // PromptInfo (echo): logprobs of the prompt
};

struct ChoiceState {
  std::string text;
  std::vector<v1::Token> tokens;
  std::optional<std::string> finish_reason;
  openai::CompletionLogprobs stream_logprobs;  // streams: keeps the running text_offset
};

// Everything one request needs after the handler returned (a stream outlives it).
struct CompletionsJob final : GenerationJob {
  openai::CompletionsRequest request;
  openai::ResponseMeta meta;
  std::vector<PromptState> prompts;
  std::vector<ChoiceState> choices;  // prompt index * n + choice
  openai::Usage usage;

  uint32_t n() const { return static_cast<uint32_t>(request.sampling.n); }

  // nullptr for an index the worker should not have sent.
  ChoiceState* Choice(size_t stream, uint32_t index) {
    if (index >= n()) return nullptr;
    return &choices[stream * n() + index];
  }

  std::string UpdateText(const v1::ChoiceUpdate& update) const {
    return openai::UpdateText(update, request.sampling.include_stop_str_in_output);
  }

  void Collect(size_t stream, const v1::GenerateResponse& response) override {
    if (response.has_prompt()) {
      prompts[stream].prompt_tokens.assign(response.prompt().tokens().begin(), response.prompt().tokens().end());
    }
    for (const v1::ChoiceUpdate& update : response.choices()) {
      ChoiceState* choice = Choice(stream, update.index());
      if (choice == nullptr) continue;
      choice->text += UpdateText(update);
      choice->tokens.insert(choice->tokens.end(), update.tokens().begin(), update.tokens().end());
      if (auto reason = openai::FinishReasonString(update.finish_reason())) choice->finish_reason = reason;
    }
    if (response.has_usage()) usage.Add(response.usage());
  }

  std::string ResponseJson() const override {
    std::vector<openai::CompletionChoice> out;
    for (size_t i = 0; i < choices.size(); ++i) {
      const PromptState& prompt = prompts[i / n()];
      openai::CompletionChoice choice;
      choice.index = static_cast<uint32_t>(i);
      choice.text = request.echo ? prompt.echo_text + choices[i].text : choices[i].text;
      choice.finish_reason = choices[i].finish_reason;
      if (request.logprobs.has_value()) {
        choice.logprobs.emplace();
        if (request.echo) {
          for (const v1::Token& token : prompt.prompt_tokens) choice.logprobs->Add(token);
        }
        for (const v1::Token& token : choices[i].tokens) choice.logprobs->Add(token);
      }
      out.push_back(std::move(choice));
    }
    return openai::CompletionResponseJson(meta, out, usage);
  }

  void AddLogprobs(ChoiceState& choice, const google::protobuf::RepeatedPtrField<v1::Token>& tokens) {
    if (!request.logprobs.has_value()) return;
    for (const v1::Token& token : tokens) choice.stream_logprobs.Add(token);
  }

  bool SendChunk(SseWriter& sse, uint32_t index, absl::string_view text, const std::optional<std::string>& finish) {
    ChoiceState& choice = choices[index];
    const openai::CompletionLogprobs* logprobs = request.logprobs.has_value() ? &choice.stream_logprobs : nullptr;
    bool ok = sse.Event(openai::CompletionChunkJson(meta, index, text, logprobs, finish,
                                                    request.sampling.include_usage));
    choice.stream_logprobs.Clear();
    return ok;
  }

  bool Stream(SseWriter& sse, size_t stream, const v1::GenerateResponse& response) override {
    if (response.has_prompt() && request.echo) {
      for (uint32_t i = 0; i < n(); ++i) {
        const uint32_t index = static_cast<uint32_t>(stream) * n() + i;
        AddLogprobs(choices[index], response.prompt().tokens());
        if (!SendChunk(sse, index, prompts[stream].echo_text, std::nullopt)) return false;
      }
    }
    for (const v1::ChoiceUpdate& update : response.choices()) {
      ChoiceState* choice = Choice(stream, update.index());
      if (choice == nullptr) continue;
      const uint32_t index = static_cast<uint32_t>(stream) * n() + update.index();
      AddLogprobs(*choice, update.tokens());
      std::string text = UpdateText(update);
      std::optional<std::string> finish = openai::FinishReasonString(update.finish_reason());
      const bool has_logprobs = !choice->stream_logprobs.empty();
      if (text.empty() && !has_logprobs && !finish) continue;
      if (!SendChunk(sse, index, text, finish)) return false;
    }
    if (response.has_usage()) usage.Add(response.usage());
    return true;
  }

  bool StreamEnd(SseWriter& sse) override {
    return !request.sampling.include_usage || sse.Event(openai::CompletionUsageChunkJson(meta, usage));
  }
};

absl::StatusOr<std::shared_ptr<GenerationJob>> Prepare(const HandlerContext& context, const HttpRequest& http) {
  BASALT_ASSIGN_OR_RETURN(rapidjson::Document body, ParseJsonBody(http));
  BASALT_ASSIGN_OR_RETURN(openai::CompletionsRequest request, openai::ParseCompletionsRequest(body, context.limits));
  BASALT_ASSIGN_OR_RETURN(std::shared_ptr<const ServedModel> model, context.models->Resolve(request.model));
  BASALT_RETURN_IF_ERROR(openai::CheckTokenIds(request.sampling, VocabSize(*model)));

  auto job = std::make_shared<CompletionsJob>();
  job->request = std::move(request);
  job->meta = openai::ResponseMeta{openai::RandomId("cmpl-"), absl::ToUnixSeconds(absl::Now()), job->request.model};
  const openai::CompletionsRequest& r = job->request;
  std::vector<v1::GenerateRequest> worker_requests;
  for (size_t p = 0; p < r.prompts.size(); ++p) {
    BASALT_ASSIGN_OR_RETURN(std::vector<int32_t> ids, PromptTokenIds(*model, r.prompts[p], "prompt"));
    BASALT_ASSIGN_OR_RETURN(uint32_t max_tokens, openai::ResolveMaxTokens(r.sampling, ids.size(),
                                                                           openai::ContextOf(model->info),
                                                                           context.limits, "prompt"));

    v1::GenerateRequest& worker_request = worker_requests.emplace_back();
    worker_request.set_request_id(absl::StrCat(job->meta.id, "-", p));
    worker_request.mutable_token_ids()->mutable_ids()->Add(ids.begin(), ids.end());
    openai::FillGenerateRequest(r.sampling, max_tokens, &worker_request);
    if (r.best_of > 0) worker_request.set_best_of(static_cast<uint32_t>(r.best_of));
    if (r.logprobs.has_value()) {
      worker_request.set_logprobs(true);
      worker_request.set_top_logprobs(static_cast<uint32_t>(*r.logprobs));
    }
    PromptState& prompt = job->prompts.emplace_back();
    if (r.echo) {
      worker_request.set_echo_prompt(true);
      if (r.logprobs.has_value()) worker_request.set_prompt_logprobs(*r.logprobs > 0 ? static_cast<int32_t>(*r.logprobs) : -1);
      prompt.echo_text = r.prompts[p].text.has_value()
                             ? *r.prompts[p].text
                             : model->tokenizer->Decode(ids, r.sampling.skip_special_tokens);
    }
  }
  job->choices.resize(r.prompts.size() * static_cast<size_t>(r.sampling.n));
  job->stream = r.sampling.stream;
  if (!r.sampling.user.empty()) spdlog::info("{}: user {}", job->meta.id, r.sampling.user);
  job->generation = std::make_unique<Generation>(*context.worker, worker_requests);
  return job;
}

}  // namespace

HttpResponse HandleCompletions(const HandlerContext& context, const HttpRequest& http) {
  absl::StatusOr<std::shared_ptr<GenerationJob>> job = Prepare(context, http);
  if (!job.ok()) return ErrorResponse(job.status());
  return RespondWithGeneration(*std::move(job), context.stream_heartbeat);
}

}  // namespace basalt::gateway
