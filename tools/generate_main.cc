// basalt-generate: runs a model directory offline (no server) and prints the completion; with --json,
// the prompt and output token ids with their logprobs. For debugging models and making fixtures.
#include <cstdio>
#include <iostream>

#include "absl/flags/flag.h"
#include "common/config/env_flags.h"
#include "common/config/logging.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"
#include "worker/engine/blocking_generate.h"
#include "worker/engine/engine.h"

ABSL_FLAG(std::string, model, "", "Hugging Face model directory");
ABSL_FLAG(std::string, prompt, "", "prompt text");
ABSL_FLAG(int, max_tokens, 16, "tokens to generate");
ABSL_FLAG(double, temperature, 0.0, "0 = greedy");
ABSL_FLAG(double, top_p, 1.0, "nucleus sampling");
ABSL_FLAG(int, top_k, 0, "top-k sampling (0 = off)");
ABSL_FLAG(int64_t, seed, -1, "random seed (-1 = random)");
ABSL_FLAG(int, top_logprobs, 5, "alternatives per token in --json output");
ABSL_FLAG(bool, ignore_eos, false, "keep generating past EOS");
ABSL_FLAG(bool, json, false, "print ids and logprobs as JSON");
ABSL_FLAG(std::string, device, "cpu", "cpu or cuda");
ABSL_FLAG(std::string, dtype, "auto", "auto, float32, bfloat16, float16");
ABSL_FLAG(std::string, quantization, "none", "none or int8 (weight-only)");
ABSL_FLAG(std::string, log_level, "warn", "log level");

namespace {

void WriteTokens(rapidjson::Writer<rapidjson::StringBuffer>& w, const std::vector<basalt::engine::OutputToken>& tokens) {
  w.StartArray();
  for (const auto& t : tokens) {
    w.StartObject();
    w.Key("id");
    w.Int(t.id);
    w.Key("text");
    w.String(t.text.c_str(), static_cast<rapidjson::SizeType>(t.text.size()));
    w.Key("logprob");
    if (t.logprob) {
      w.Double(*t.logprob);
    } else {
      w.Null();
    }
    w.Key("top_logprobs");
    w.StartArray();
    for (const auto& alt : t.top_logprobs) {
      w.StartArray();
      w.Int(alt.id);
      w.Double(alt.logprob);
      w.EndArray();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
}

}  // namespace

int main(int argc, char** argv) {
  basalt::config::ParseFlagsWithEnvironment(argc, argv, {"model"},
                                            "basalt-generate --model DIR --prompt TEXT [--max-tokens N] [--temperature T] [--json]");
  basalt::config::SetUpLogging("generate", absl::GetFlag(FLAGS_log_level));
  basalt::engine::EngineOptions options;
  options.model_dir = absl::GetFlag(FLAGS_model);
  options.device = absl::GetFlag(FLAGS_device);
  options.dtype = absl::GetFlag(FLAGS_dtype);
  options.quantization = absl::GetFlag(FLAGS_quantization);
  options.max_num_seqs = 4;
  if (options.model_dir.empty()) {
    std::fprintf(stderr, "basalt-generate: --model is required\n");
    return 2;
  }
  auto engine = basalt::engine::Engine::Create(options);
  if (!engine.ok()) {
    std::fprintf(stderr, "basalt-generate: %s\n", engine.status().ToString().c_str());
    return 1;
  }
  basalt::engine::GenerationRequest request;
  request.request_id = "generate";
  request.prompt_text = absl::GetFlag(FLAGS_prompt);
  auto& p = request.params;
  p.stopping.max_tokens = absl::GetFlag(FLAGS_max_tokens);
  p.stopping.ignore_eos = absl::GetFlag(FLAGS_ignore_eos);
  p.sampling.temperature = static_cast<float>(absl::GetFlag(FLAGS_temperature));
  p.sampling.top_p = static_cast<float>(absl::GetFlag(FLAGS_top_p));
  p.sampling.top_k = absl::GetFlag(FLAGS_top_k);
  if (absl::GetFlag(FLAGS_seed) >= 0) p.sampling.seed = static_cast<uint64_t>(absl::GetFlag(FLAGS_seed));
  const bool json = absl::GetFlag(FLAGS_json);
  if (json) {
    p.logprobs = true;
    p.top_logprobs = absl::GetFlag(FLAGS_top_logprobs);
    p.echo_prompt = true;
    p.prompt_logprobs = p.top_logprobs > 0 ? p.top_logprobs : -1;
  }
  auto result = basalt::engine::GenerateBlocking(**engine, std::move(request));
  if (!result.ok()) {
    std::fprintf(stderr, "basalt-generate: %s\n", result.status().ToString().c_str());
    return 1;
  }
  const auto& choice = result->choices.at(0);
  if (!json) {
    std::cout << choice.text << std::endl;
    return 0;
  }
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("prompt_tokens");
  WriteTokens(w, result->prompt ? result->prompt->tokens : std::vector<basalt::engine::OutputToken>{});
  w.Key("tokens");
  WriteTokens(w, choice.tokens);
  w.Key("text");
  w.String(choice.text.c_str(), static_cast<rapidjson::SizeType>(choice.text.size()));
  w.Key("finish_reason");
  w.String(basalt::engine::FinishReasonName(choice.finish_reason));
  w.EndObject();
  std::cout << buffer.GetString() << std::endl;
  return 0;
}
