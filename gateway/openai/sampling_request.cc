#include "gateway/openai/sampling_request.h"

#include <algorithm>
#include <limits>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gateway/openai/api_error.h"

namespace basalt::gateway::openai {
namespace {

constexpr int64_t kMaxStopStrings = 4;  // OpenAI's limit

void ReadStop(FieldReader& reader, SamplingRequest* out) {
  const rapidjson::Value* stop = reader.Get("stop");
  if (stop == nullptr) return;
  if (stop->IsString()) {
    out->stop.emplace_back(stop->GetString(), stop->GetStringLength());
  } else if (stop->IsArray()) {
    if (static_cast<int64_t>(stop->Size()) > kMaxStopStrings) {
      reader.Fail(InvalidRequest("stop", absl::StrCat("'stop' may contain at most ", kMaxStopStrings,
                                                      " sequences, but got ", stop->Size(), ".")));
      return;
    }
    for (rapidjson::SizeType i = 0; i < stop->Size(); ++i) {
      const rapidjson::Value& item = (*stop)[i];
      if (!item.IsString()) {
        reader.Fail(InvalidType(absl::StrCat("stop[", i, "]"), "a string", DescribeType(item)));
        return;
      }
      out->stop.emplace_back(item.GetString(), item.GetStringLength());
    }
  } else {
    reader.Fail(InvalidType("stop", "a string or an array of strings", DescribeType(*stop)));
    return;
  }
  for (const std::string& s : out->stop) {
    if (s.empty()) {
      reader.Fail(InvalidRequest("stop", "Stop sequences must not be empty."));
      return;
    }
  }
}

void ReadLogitBias(FieldReader& reader, SamplingRequest* out) {
  const rapidjson::Value* bias = reader.Object("logit_bias");
  if (bias == nullptr) return;
  for (auto it = bias->MemberBegin(); it != bias->MemberEnd(); ++it) {
    absl::string_view key(it->name.GetString(), it->name.GetStringLength());
    int32_t id = 0;
    bool digits = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!digits || !absl::SimpleAtoi(key, &id)) {
      reader.Fail(InvalidRequest("logit_bias", absl::StrCat("Invalid key in 'logit_bias': '", key,
                                                            "'. Keys must be token ids (non-negative "
                                                            "integers written as strings).")));
      return;
    }
    if (!it->value.IsNumber()) {
      reader.Fail(InvalidType(absl::StrCat("logit_bias.", key), "a decimal", DescribeType(it->value)));
      return;
    }
    double value = it->value.GetDouble();
    if (value < -100 || value > 100) {
      reader.Fail(InvalidRequest("logit_bias", absl::StrCat("Invalid value for 'logit_bias' token ", key, ": ",
                                                            value, ". Values must be between -100 and 100.")));
      return;
    }
    out->logit_bias[id] = static_cast<float>(value);
  }
}

void ReadStopTokenIds(FieldReader& reader, SamplingRequest* out) {
  const rapidjson::Value* ids = reader.Array("stop_token_ids");
  if (ids == nullptr) return;
  for (rapidjson::SizeType i = 0; i < ids->Size(); ++i) {
    int64_t id = 0;
    if (!(*ids)[i].IsNumber() || !ReadInteger((*ids)[i], &id) || id < 0 ||
        id > std::numeric_limits<int32_t>::max()) {
      reader.Fail(InvalidRequest(absl::StrCat("stop_token_ids[", i, "]"),
                                 "'stop_token_ids' must contain token ids (non-negative integers)."));
      return;
    }
    out->stop_token_ids.push_back(static_cast<int32_t>(id));
  }
}

void ReadStreamOptions(FieldReader& reader, SamplingRequest* out) {
  out->stream = reader.Bool("stream").value_or(false);
  const rapidjson::Value* options = reader.Object("stream_options");
  if (options == nullptr) return;
  if (!out->stream) {
    reader.Fail(InvalidRequest("stream_options",
                               "The 'stream_options' parameter is only allowed when 'stream' is enabled."));
    return;
  }
  FieldReader inner(*options, "stream_options.");
  out->include_usage = inner.Bool("include_usage").value_or(false);
  absl::Status status = inner.Finish();
  if (!status.ok()) reader.Fail(status);
}

}  // namespace

SamplingRequest ReadSamplingRequest(FieldReader& reader, const Limits& limits,
                                    std::initializer_list<absl::string_view> max_tokens_keys,
                                    int64_t min_max_tokens) {
  SamplingRequest out;
  constexpr double kHuge = std::numeric_limits<double>::max();
  out.temperature = reader.Number("temperature", 0, 2);
  out.top_p = reader.Number("top_p", 0, 1, /*min_exclusive=*/true);
  int64_t top_k = reader.Int("top_k", -1, std::numeric_limits<int32_t>::max()).value_or(0);
  out.top_k = top_k < 0 ? 0 : top_k;  // vLLM: -1 disables
  out.min_p = reader.Number("min_p", 0, 1).value_or(0);
  out.presence_penalty = reader.Number("presence_penalty", -2, 2).value_or(0);
  out.frequency_penalty = reader.Number("frequency_penalty", -2, 2).value_or(0);
  out.repetition_penalty = reader.Number("repetition_penalty", 0, kHuge, /*min_exclusive=*/true);
  out.penalty_alpha = reader.Number("penalty_alpha", 0, 1).value_or(0);
  ReadLogitBias(reader, &out);
  out.seed = reader.Int("seed", std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max());
  out.n = reader.Int("n", 1, limits.max_n).value_or(1);
  for (absl::string_view key : max_tokens_keys) {
    std::optional<int64_t> value = reader.Int(key, min_max_tokens, limits.max_tokens);
    if (value.has_value() && !out.max_tokens.has_value()) {
      out.max_tokens = value;
      out.max_tokens_param = std::string(key);
    }
  }
  out.min_tokens = reader.Int("min_tokens", 0, limits.max_tokens).value_or(0);
  ReadStop(reader, &out);
  ReadStopTokenIds(reader, &out);
  out.ignore_eos = reader.Bool("ignore_eos").value_or(false);
  out.skip_special_tokens = reader.Bool("skip_special_tokens").value_or(true);
  out.include_stop_str_in_output = reader.Bool("include_stop_str_in_output").value_or(false);
  ReadStreamOptions(reader, &out);
  out.user = reader.String("user").value_or("");
  if (!reader.ok()) return out;

  // Cross-field rules.
  if (out.max_tokens.has_value() && out.min_tokens > *out.max_tokens) {
    reader.Fail(InvalidRequest("min_tokens", absl::StrCat("'min_tokens' (", out.min_tokens, ") must not exceed '",
                                                          out.max_tokens_param, "' (", *out.max_tokens, ").")));
  }
  if (out.penalty_alpha > 0 && out.top_k <= 1) {
    reader.Fail(InvalidRequest("penalty_alpha",
                               "Contrastive search ('penalty_alpha' > 0) needs 'top_k' > 1."));
  }
  return out;
}

absl::Status CheckTokenIds(const SamplingRequest& request, uint32_t vocab_size) {
  for (const auto& [id, bias] : request.logit_bias) {
    if (static_cast<uint32_t>(id) >= vocab_size) {
      return InvalidRequest("logit_bias", absl::StrCat("Invalid key in 'logit_bias': token id ", id,
                                                       " is outside the vocabulary (size ", vocab_size, ")."));
    }
  }
  for (int32_t id : request.stop_token_ids) {
    if (static_cast<uint32_t>(id) >= vocab_size) {
      return InvalidRequest("stop_token_ids", absl::StrCat("Token id ", id, " in 'stop_token_ids' is outside the "
                                                           "vocabulary (size ", vocab_size, ")."));
    }
  }
  return absl::OkStatus();
}

ModelContext ContextOf(const v1::ModelInfoResponse& info) {
  return ModelContext{info.max_model_len(), info.is_encoder_decoder(), info.max_encoder_len()};
}

absl::StatusOr<uint32_t> ResolveMaxTokens(const SamplingRequest& request, size_t prompt_tokens,
                                          uint32_t max_model_len, const Limits& limits,
                                          absl::string_view prompt_param) {
  return ResolveMaxTokens(request, prompt_tokens, ModelContext{max_model_len}, limits, prompt_param);
}

absl::StatusOr<uint32_t> ResolveMaxTokens(const SamplingRequest& request, size_t prompt_tokens,
                                          const ModelContext& model, const Limits& limits,
                                          absl::string_view prompt_param) {
  const int64_t prompt = static_cast<int64_t>(prompt_tokens);
  if (prompt > limits.max_prompt_tokens) {
    return InvalidRequest(prompt_param,
                          absl::StrCat("The prompt has ", prompt, " tokens, more than this server's limit of ",
                                       limits.max_prompt_tokens, " (COMPLETION_MAX_PROMPT)."),
                          "context_length_exceeded");
  }
  const int64_t context = model.max_model_len == 0 ? std::numeric_limits<int32_t>::max() : model.max_model_len;
  int64_t max_tokens = 0;
  if (model.encoder_decoder) {
    // The prompt feeds the encoder; the completion has the decoder to itself, after its start token.
    if (model.max_encoder_len > 0 && prompt > model.max_encoder_len) {
      return InvalidRequest(prompt_param,
                            absl::StrCat("This model's encoder takes at most ", model.max_encoder_len,
                                         " tokens. However, your prompt has ", prompt,
                                         " tokens. Please reduce the length of the prompt."),
                            "context_length_exceeded");
    }
    const int64_t room = context - 1;
    if (request.max_tokens.has_value()) {
      max_tokens = *request.max_tokens;
      if (max_tokens > room) {
        return InvalidRequest(request.max_tokens_param,
                              absl::StrCat("This model's decoder holds at most ", room,
                                           " completion tokens. However, you requested ", max_tokens,
                                           ". Please reduce the length of the completion."),
                              "context_length_exceeded");
      }
    } else {
      max_tokens = std::min<int64_t>(room, limits.max_tokens);
    }
  } else {
    if (prompt >= context) {
      return InvalidRequest(prompt_param,
                            absl::StrCat("This model's maximum context length is ", context,
                                         " tokens. However, your prompt has ", prompt,
                                         " tokens, which leaves no room for the completion. Please reduce the "
                                         "length of the prompt."),
                            "context_length_exceeded");
    }
    if (request.max_tokens.has_value()) {
      max_tokens = *request.max_tokens;
      if (prompt + max_tokens > context) {
        return InvalidRequest(request.max_tokens_param,
                              absl::StrCat("This model's maximum context length is ", context,
                                           " tokens. However, you requested ", prompt + max_tokens, " tokens (",
                                           prompt, " in the prompt, ", max_tokens,
                                           " for the completion). Please reduce the length of the prompt or "
                                           "the completion."),
                              "context_length_exceeded");
      }
    } else {
      max_tokens = std::min<int64_t>(context - prompt, limits.max_tokens);
    }
  }
  if (request.min_tokens > max_tokens) {
    return InvalidRequest("min_tokens", absl::StrCat("'min_tokens' (", request.min_tokens,
                                                     ") is more than the completion can hold (", max_tokens,
                                                     " tokens)."));
  }
  return static_cast<uint32_t>(max_tokens);
}

void FillGenerateRequest(const SamplingRequest& request, uint32_t max_tokens, v1::GenerateRequest* out) {
  v1::SamplingParams* sampling = out->mutable_sampling();
  if (request.temperature) sampling->set_temperature(static_cast<float>(*request.temperature));
  if (request.top_p) sampling->set_top_p(static_cast<float>(*request.top_p));
  sampling->set_top_k(static_cast<uint32_t>(request.top_k));
  sampling->set_min_p(static_cast<float>(request.min_p));
  sampling->set_presence_penalty(static_cast<float>(request.presence_penalty));
  sampling->set_frequency_penalty(static_cast<float>(request.frequency_penalty));
  if (request.repetition_penalty) sampling->set_repetition_penalty(static_cast<float>(*request.repetition_penalty));
  for (const auto& [id, bias] : request.logit_bias) (*sampling->mutable_logit_bias())[id] = bias;
  if (request.seed) sampling->set_seed(static_cast<uint64_t>(*request.seed));
  sampling->set_penalty_alpha(static_cast<float>(request.penalty_alpha));

  v1::StoppingCriteria* stopping = out->mutable_stopping();
  stopping->set_max_tokens(max_tokens);
  // An explicit max_tokens of 0 (completions, usually with echo and logprobs: scoring a text) generates
  // nothing; the worker's max_tokens 0 alone would mean "up to the context".
  if (request.max_tokens.has_value() && *request.max_tokens == 0) stopping->set_prompt_only(true);
  stopping->set_min_tokens(static_cast<uint32_t>(request.min_tokens));
  for (const std::string& s : request.stop) stopping->add_stop(s);
  for (int32_t id : request.stop_token_ids) stopping->add_stop_token_ids(id);
  stopping->set_ignore_eos(request.ignore_eos);

  out->set_n(static_cast<uint32_t>(request.n));
  out->set_skip_special_tokens(request.skip_special_tokens);
}

}  // namespace basalt::gateway::openai
