// POST /v1/chat/completions
#include <memory>

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "gateway/chat_prompt.h"
#include "gateway/generation.h"
#include "gateway/handlers/handlers.h"
#include "gateway/handlers/http_json.h"
#include "gateway/handlers/prompts.h"
#include "gateway/handlers/generation_job.h"
#include "gateway/openai/chat_request.h"
#include "gateway/openai/chat_response.h"
#include "gateway/openai/ids.h"
#include "spdlog/spdlog.h"

namespace basalt::gateway {
namespace {

struct ChoiceState {
  std::string text;
  openai::ChatLogprobs logprobs;  // all tokens (non-stream) / not yet sent (stream)
  std::optional<std::string> finish_reason;
  openai::ToolCallStreamFilter tool_filter;
};

struct ChatJob final : GenerationJob {
  openai::ChatRequest request;
  openai::ResponseMeta meta;
  std::vector<ChoiceState> choices;
  openai::Usage usage;

  bool tools() const { return request.prompt.ToolsEnabled(); }

  // Applies one update to the choice's state; returns the text that is new.
  std::string Apply(ChoiceState& choice, const v1::ChoiceUpdate& update) {
    std::string text = openai::UpdateText(update, request.sampling.include_stop_str_in_output);
    if (request.logprobs) {
      for (const v1::Token& token : update.tokens()) choice.logprobs.Add(token);
    }
    if (auto reason = openai::FinishReasonString(update.finish_reason())) choice.finish_reason = reason;
    return text;
  }

  void Collect(size_t, const v1::GenerateResponse& response) override {
    for (const v1::ChoiceUpdate& update : response.choices()) {
      if (update.index() >= choices.size()) continue;
      ChoiceState& choice = choices[update.index()];
      choice.text += Apply(choice, update);
    }
    if (response.has_usage()) usage.Add(response.usage());
  }

  std::string ResponseJson() const override {
    std::vector<openai::ChatChoice> out;
    for (size_t i = 0; i < choices.size(); ++i) {
      openai::ChatChoice choice;
      choice.index = static_cast<uint32_t>(i);
      choice.finish_reason = choices[i].finish_reason;
      if (tools()) {
        openai::ParsedToolCalls parsed = openai::ParseToolCalls(choices[i].text);
        choice.content = std::move(parsed.content);
        choice.tool_calls = std::move(parsed.calls);
        if (!choice.tool_calls.empty()) choice.finish_reason = "tool_calls";
      } else {
        choice.content = choices[i].text;
      }
      if (request.logprobs) choice.logprobs = choices[i].logprobs;
      out.push_back(std::move(choice));
    }
    return openai::ChatResponseJson(meta, out, usage);
  }

  bool Send(SseWriter& sse, uint32_t index, const openai::ChatDelta& delta, const std::optional<std::string>& finish) {
    ChoiceState& choice = choices[index];
    const bool with_logprobs = request.logprobs && (!choice.logprobs.empty() || finish.has_value());
    bool ok = sse.Event(openai::ChatChunkJson(meta, index, delta, with_logprobs ? &choice.logprobs : nullptr, finish,
                                              request.sampling.include_usage));
    if (with_logprobs) choice.logprobs.Clear();
    return ok;
  }

  // The first chunk of every choice: the role.
  bool StreamBegin(SseWriter& sse) override {
    for (uint32_t i = 0; i < choices.size(); ++i) {
      openai::ChatDelta delta;
      delta.role = true;
      delta.content = "";
      if (!sse.Event(openai::ChatChunkJson(meta, i, delta, nullptr, std::nullopt, request.sampling.include_usage))) {
        return false;
      }
    }
    return true;
  }

  bool Stream(SseWriter& sse, size_t, const v1::GenerateResponse& response) override {
    for (const v1::ChoiceUpdate& update : response.choices()) {
      if (update.index() >= choices.size()) continue;
      const uint32_t index = update.index();
      ChoiceState& choice = choices[index];
      std::string text = Apply(choice, update);
      if (tools()) text = choice.tool_filter.Add(text);
      if (!text.empty() || (request.logprobs && !choice.logprobs.empty() && !tools())) {
        openai::ChatDelta delta;
        delta.content = std::move(text);
        if (!Send(sse, index, delta, std::nullopt)) return false;
      }
      if (update.finish_reason() != v1::FINISH_REASON_UNSPECIFIED && !Finish(sse, index)) return false;
    }
    if (response.has_usage()) usage.Add(response.usage());
    return true;
  }

  // The end of a choice: held-back content or the parsed tool calls, then the finish_reason chunk.
  bool Finish(SseWriter& sse, uint32_t index) {
    ChoiceState& choice = choices[index];
    std::optional<std::string> finish = choice.finish_reason;
    if (tools()) {
      openai::ParsedToolCalls rest = choice.tool_filter.Finish();
      if (rest.content.has_value()) {
        openai::ChatDelta delta;
        delta.content = std::move(rest.content);
        if (!Send(sse, index, delta, std::nullopt)) return false;
      }
      if (!rest.calls.empty()) {
        openai::ChatDelta delta;
        delta.tool_calls = &rest.calls;
        if (!Send(sse, index, delta, std::nullopt)) return false;
        finish = "tool_calls";
      }
    }
    return Send(sse, index, openai::ChatDelta{}, finish);
  }

  bool StreamEnd(SseWriter& sse) override {
    return !request.sampling.include_usage || sse.Event(openai::ChatUsageChunkJson(meta, usage));
  }
};

absl::StatusOr<std::shared_ptr<GenerationJob>> Prepare(const HandlerContext& context, const HttpRequest& http) {
  BASALT_ASSIGN_OR_RETURN(rapidjson::Document body, ParseJsonBody(http));
  BASALT_ASSIGN_OR_RETURN(openai::ChatRequest request, openai::ParseChatRequest(body, context.limits));
  BASALT_ASSIGN_OR_RETURN(std::shared_ptr<const ServedModel> model, context.models->Resolve(request.model));
  BASALT_RETURN_IF_ERROR(openai::CheckTokenIds(request.sampling, VocabSize(*model)));
  BASALT_ASSIGN_OR_RETURN(std::string rendered, RenderChatPrompt(*model, request.prompt));
  BASALT_ASSIGN_OR_RETURN(std::vector<int32_t> ids,
                          PromptTokenIds(*model, openai::Prompt{std::move(rendered), {}}, "messages",
                                         request.add_special_tokens));
  BASALT_ASSIGN_OR_RETURN(uint32_t max_tokens, openai::ResolveMaxTokens(request.sampling, ids.size(),
                                                                         openai::ContextOf(model->info),
                                                                         context.limits, "messages"));

  auto job = std::make_shared<ChatJob>();
  job->request = std::move(request);
  job->meta = openai::ResponseMeta{openai::RandomId("chatcmpl-"), absl::ToUnixSeconds(absl::Now()), job->request.model};
  v1::GenerateRequest worker_request;
  worker_request.set_request_id(job->meta.id);
  worker_request.mutable_token_ids()->mutable_ids()->Add(ids.begin(), ids.end());
  openai::FillGenerateRequest(job->request.sampling, max_tokens, &worker_request);
  if (job->request.logprobs) {
    worker_request.set_logprobs(true);
    worker_request.set_top_logprobs(static_cast<uint32_t>(job->request.top_logprobs));
  }
  job->choices.resize(static_cast<size_t>(job->request.sampling.n));
  job->stream = job->request.sampling.stream;
  if (!job->request.sampling.user.empty()) spdlog::info("{}: user {}", job->meta.id, job->request.sampling.user);
  job->generation = std::make_unique<Generation>(*context.worker, std::vector<v1::GenerateRequest>{worker_request});
  return job;
}

}  // namespace

HttpResponse HandleChatCompletions(const HandlerContext& context, const HttpRequest& http) {
  absl::StatusOr<std::shared_ptr<GenerationJob>> job = Prepare(context, http);
  if (!job.ok()) return ErrorResponse(job.status());
  return RespondWithGeneration(*std::move(job), context.stream_heartbeat);
}

}  // namespace basalt::gateway
