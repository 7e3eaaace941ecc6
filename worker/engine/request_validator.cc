#include "worker/engine/request_validator.h"

#include <cmath>

#include "absl/strings/str_cat.h"

namespace basalt::engine {
namespace {

absl::Status Invalid(const std::string& field, const std::string& message) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", message));
}

absl::Status CheckRange(const char* field, float value, float low, float high, bool low_open = false) {
  if (!std::isfinite(value) || value < low || value > high || (low_open && value == low)) {
    return Invalid(field, absl::StrCat("must be in ", low_open ? "(" : "[", low, ", ", high, "], got ", value));
  }
  return absl::OkStatus();
}

absl::Status ValidateSampling(const SamplingOptions& s, int vocab_size) {
  if (!std::isfinite(s.temperature) || s.temperature < 0)
    return Invalid("temperature", absl::StrCat("must be >= 0, got ", s.temperature));
  if (auto st = CheckRange("top_p", s.top_p, 0.0f, 1.0f, /*low_open=*/true); !st.ok()) return st;
  if (s.top_k < 0) return Invalid("top_k", "must be >= 0");
  if (auto st = CheckRange("min_p", s.min_p, 0.0f, 1.0f); !st.ok()) return st;
  if (auto st = CheckRange("presence_penalty", s.presence_penalty, -2.0f, 2.0f); !st.ok()) return st;
  if (auto st = CheckRange("frequency_penalty", s.frequency_penalty, -2.0f, 2.0f); !st.ok()) return st;
  if (!std::isfinite(s.repetition_penalty) || s.repetition_penalty <= 0)
    return Invalid("repetition_penalty", "must be > 0");
  for (auto [id, bias] : s.logit_bias) {
    if (id < 0 || id >= vocab_size)
      return Invalid("logit_bias", absl::StrCat("token id ", id, " is outside the vocabulary [0, ", vocab_size, ")"));
    if (auto st = CheckRange("logit_bias", bias, -100.0f, 100.0f); !st.ok()) return st;
  }
  if (auto st = CheckRange("penalty_alpha", s.penalty_alpha, 0.0f, 1.0f); !st.ok()) return st;
  if (s.penalty_alpha > 0 && s.top_k < 2)
    return Invalid("top_k", "contrastive search (penalty_alpha > 0) needs top_k > 1");
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ResolvedLimits> ValidateAndResolve(GenerationRequest* request, const ModelDescription& model,
                                                  const tokenizer::Tokenizer& tokenizer) {
  GenerationParams& p = request->params;
  if (request->prompt_text) {
    auto encoding = tokenizer.Encode(*request->prompt_text, request->add_special_tokens);
    if (!encoding.ok()) return Invalid("prompt", std::string(encoding.status().message()));
    request->prompt_ids = std::move(encoding->ids);
    request->prompt_text.reset();
  }
  if (request->prompt_ids.empty()) {
    // An empty prompt starts from BOS (or, without one, the first EOS), as GPT-2-style models do.
    if (model.bos_token_id >= 0) {
      request->prompt_ids.push_back(model.bos_token_id);
    } else if (!model.eos_token_ids.empty()) {
      request->prompt_ids.push_back(model.eos_token_ids.front());
    } else {
      return Invalid("prompt", "must not be empty (the model has no BOS or EOS token to start from)");
    }
  }
  for (int32_t id : request->prompt_ids) {
    if (id < 0 || id >= model.vocab_size)
      return Invalid("prompt", absl::StrCat("token id ", id, " is outside the vocabulary [0, ", model.vocab_size, ")"));
  }
  const int prompt_len = static_cast<int>(request->prompt_ids.size());
  if (model.is_encoder_decoder && prompt_len > model.max_encoder_len) {
    return Invalid("prompt", absl::StrCat("the prompt is ", prompt_len, " tokens long, but the model's encoder takes at most ",
                                          model.max_encoder_len, " tokens"));
  }
  if (!model.is_encoder_decoder && prompt_len >= model.max_model_len) {
    return Invalid("prompt", absl::StrCat("the prompt is ", prompt_len, " tokens long, but the model's context length is ",
                                          model.max_model_len, " tokens (prompt and completion together)"));
  }
  StopOptions& stop = p.stopping;
  if (stop.max_tokens < 0) return Invalid("max_tokens", "must be >= 0");
  if (stop.min_tokens < 0) return Invalid("min_tokens", "must be >= 0");
  ResolvedLimits limits;
  // The decoder of an encoder-decoder model holds its start token and the completion.
  const int room = model.is_encoder_decoder ? model.max_model_len - 1 : model.max_model_len - prompt_len;
  if (model.is_encoder_decoder && stop.max_tokens > room) {
    return Invalid("max_tokens", absl::StrCat("max_tokens (", stop.max_tokens, ") exceeds the decoder's length of ",
                                              room, " tokens"));
  }
  if (stop.max_tokens > room) {
    return Invalid("max_tokens", absl::StrCat("the prompt (", prompt_len, " tokens) plus max_tokens (", stop.max_tokens,
                                              ") exceeds the model's context length of ", model.max_model_len, " tokens"));
  }
  limits.max_tokens = stop.max_tokens > 0 ? stop.max_tokens : room;
  if (stop.prompt_only) {
    if (stop.max_tokens != 0 || stop.min_tokens != 0)
      return Invalid("prompt_only", "max_tokens and min_tokens must be 0 when only the prompt is computed");
    limits.max_tokens = 0;
  }
  if (stop.min_tokens > limits.max_tokens)
    return Invalid("min_tokens", absl::StrCat("must be <= max_tokens (", limits.max_tokens, ")"));
  if (static_cast<int>(stop.stop.size()) > kMaxStopStrings)
    return Invalid("stop", absl::StrCat("at most ", kMaxStopStrings, " stop strings"));
  for (int32_t id : stop.stop_token_ids) {
    if (id < 0 || id >= model.vocab_size) return Invalid("stop_token_ids", absl::StrCat("token id ", id, " is outside the vocabulary"));
  }
  if (auto st = ValidateSampling(p.sampling, model.vocab_size); !st.ok()) return st;
  if (p.n < 1 || p.n > model.max_choices) return Invalid("n", absl::StrCat("must be in [1, ", model.max_choices, "]"));
  if (p.best_of == 0) p.best_of = p.n;
  if (p.best_of < p.n || p.best_of > model.max_choices)
    return Invalid("best_of", absl::StrCat("must be in [n, ", model.max_choices, "]"));
  if (p.top_logprobs < 0 || p.top_logprobs > kMaxTopLogprobs)
    return Invalid("top_logprobs", absl::StrCat("must be in [0, ", kMaxTopLogprobs, "]"));
  if (p.top_logprobs > 0) p.logprobs = true;
  if (p.prompt_logprobs < -1 || p.prompt_logprobs > kMaxTopLogprobs)
    return Invalid("prompt_logprobs", absl::StrCat("must be in [-1, ", kMaxTopLogprobs, "]"));
  if (p.sampling.penalty_alpha > 0 && p.best_of > 1)
    return Invalid("penalty_alpha", "contrastive search is deterministic: n and best_of must be 1");
  return limits;
}

}  // namespace basalt::engine
