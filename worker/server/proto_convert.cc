#include "worker/server/proto_convert.h"

#include <algorithm>

namespace basalt::server {
namespace {

void ToProto(const engine::OutputToken& token, basalt::v1::Token* out) {
  out->set_id(token.id);
  out->set_text(token.text);
  if (token.logprob) out->set_logprob(*token.logprob);
  for (const auto& alt : token.top_logprobs) {
    auto* top = out->add_top_logprobs();
    top->set_id(alt.id);
    top->set_text(alt.text);
    top->set_logprob(alt.logprob);
  }
}

}  // namespace

engine::GenerationRequest FromProto(const basalt::v1::GenerateRequest& request) {
  engine::GenerationRequest r;
  r.request_id = request.request_id();
  if (request.prompt_case() == basalt::v1::GenerateRequest::kText) {
    r.prompt_text = request.text();
  } else if (request.prompt_case() == basalt::v1::GenerateRequest::kTokenIds) {
    r.prompt_ids.assign(request.token_ids().ids().begin(), request.token_ids().ids().end());
  } else {
    r.prompt_text = std::string();  // no prompt: the empty text
  }
  r.add_special_tokens = request.has_add_special_tokens() ? request.add_special_tokens() : true;

  const auto& s = request.sampling();
  engine::SamplingOptions& o = r.params.sampling;
  o.temperature = s.has_temperature() ? s.temperature() : 1.0f;
  o.top_p = s.has_top_p() ? s.top_p() : 1.0f;
  o.top_k = static_cast<int>(std::min<uint32_t>(s.top_k(), 1u << 30));
  o.min_p = s.min_p();
  o.presence_penalty = s.presence_penalty();
  o.frequency_penalty = s.frequency_penalty();
  o.repetition_penalty = s.has_repetition_penalty() ? s.repetition_penalty() : 1.0f;
  for (const auto& [id, bias] : s.logit_bias()) o.logit_bias.emplace_back(id, bias);
  std::sort(o.logit_bias.begin(), o.logit_bias.end());  // map order is unspecified; keep runs reproducible
  if (s.has_seed()) o.seed = s.seed();
  o.penalty_alpha = s.penalty_alpha();

  const auto& st = request.stopping();
  engine::StopOptions& stop = r.params.stopping;
  stop.max_tokens = static_cast<int>(std::min<uint32_t>(st.max_tokens(), 1u << 30));
  stop.min_tokens = static_cast<int>(std::min<uint32_t>(st.min_tokens(), 1u << 30));
  stop.stop.assign(st.stop().begin(), st.stop().end());
  stop.stop_token_ids.assign(st.stop_token_ids().begin(), st.stop_token_ids().end());
  stop.ignore_eos = st.ignore_eos();
  stop.prompt_only = st.prompt_only();

  auto clamp = [](uint32_t v) { return static_cast<int>(std::min<uint32_t>(v, 1u << 20)); };
  r.params.n = request.n() == 0 ? 1 : clamp(request.n());
  r.params.best_of = clamp(request.best_of());
  r.params.logprobs = request.logprobs();
  r.params.top_logprobs = clamp(request.top_logprobs());
  r.params.echo_prompt = request.echo_prompt();
  r.params.prompt_logprobs = request.prompt_logprobs();
  r.params.skip_special_tokens = request.has_skip_special_tokens() ? request.skip_special_tokens() : true;
  return r;
}

basalt::v1::FinishReason ToProto(engine::FinishReason reason) {
  switch (reason) {
    case engine::FinishReason::kNone: return basalt::v1::FINISH_REASON_UNSPECIFIED;
    case engine::FinishReason::kLength: return basalt::v1::FINISH_REASON_LENGTH;
    case engine::FinishReason::kEos: return basalt::v1::FINISH_REASON_EOS;
    case engine::FinishReason::kStopString: return basalt::v1::FINISH_REASON_STOP_STRING;
    case engine::FinishReason::kCancelled: return basalt::v1::FINISH_REASON_CANCELLED;
  }
  return basalt::v1::FINISH_REASON_UNSPECIFIED;
}

void ToProto(const engine::RequestOutput& output, basalt::v1::GenerateResponse* response) {
  response->set_prompt_tokens(output.prompt_tokens);
  if (output.prompt) {
    auto* prompt = response->mutable_prompt();
    prompt->set_text(output.prompt->text);
    for (const auto& token : output.prompt->tokens) ToProto(token, prompt->add_tokens());
  }
  for (const auto& delta : output.choices) {
    auto* choice = response->add_choices();
    choice->set_index(delta.index);
    choice->set_text(delta.text);
    for (const auto& token : delta.tokens) ToProto(token, choice->add_tokens());
    choice->set_finish_reason(ToProto(delta.finish_reason));
    choice->set_stop_string(delta.stop_string);
    choice->set_cumulative_logprob(delta.cumulative_logprob);
  }
  if (output.finished) {
    auto* usage = response->mutable_usage();
    usage->set_prompt_tokens(output.usage.prompt_tokens);
    usage->set_completion_tokens(output.usage.completion_tokens);
    usage->set_cached_prompt_tokens(output.usage.cached_prompt_tokens);
    auto* timings = response->mutable_timings();
    timings->set_time_to_first_token_ns(output.timings.time_to_first_token_ns);
    timings->set_total_ns(output.timings.total_ns);
    timings->set_queue_ns(output.timings.queue_ns);
  }
}

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  // absl and gRPC share the canonical code numbering.
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

}  // namespace basalt::server
