// basalt-bench: load generator for Basalt, through the worker's gRPC API or the gateway's HTTP API.
//
//   basalt-bench make-model DIR [--tokenizer DIR]   write a TinyLlama-1.1B-shaped random model
//   basalt-bench run (--grpc HOST:PORT | --http HOST:PORT --model NAME) [--concurrency 1,8,32,128,256]
//                [--prompt-lens 128,1024] [--max-tokens 256] [--baseline FILE] [--json FILE]
//
// For every (prompt length, concurrency) it keeps `concurrency` requests in flight (greedy, EOS
// ignored) and prints output tokens/s, TTFT p50/p99, inter-token latency p50/p99 and TPOT p50. With
// --baseline (written by bench/hf_baseline.py in the same run on the same GPU) it adds the ratio to
// Hugging Face transformers and to the memory-bandwidth roofline.
#include <atomic>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "bench/load/grpc_client.h"
#include "bench/load/http_client.h"
#include "bench/load/trace.h"
#include "bench/random_model.h"
#include "common/config/env_flags.h"
#include "common/fs/read_file.h"
#include "common/json/json.h"

ABSL_FLAG(std::string, grpc, "", "worker address (HOST:PORT) to drive over gRPC");
ABSL_FLAG(std::string, http, "", "gateway address (HOST:PORT) to drive over HTTP");
ABSL_FLAG(std::string, model, "default", "model name for the HTTP API");
ABSL_FLAG(std::string, concurrency, "1,8,32,128,256", "concurrent requests, comma-separated");
ABSL_FLAG(std::string, prompt_lens, "128,1024", "prompt lengths in tokens, comma-separated");
ABSL_FLAG(int, max_tokens, 256, "output tokens per request");
ABSL_FLAG(int, requests_per_stream, 2, "requests each concurrent stream sends per level");
ABSL_FLAG(int, prompt_vocab, 1000, "prompt token ids are drawn from [2, prompt_vocab)");
ABSL_FLAG(std::string, baseline, "", "JSON from bench/hf_baseline.py (same GPU, same run)");
ABSL_FLAG(std::string, json, "", "write the results as JSON here");
ABSL_FLAG(std::string, label, "", "label printed with the results (e.g. the card)");
ABSL_FLAG(std::string, tokenizer, "tests/fixtures/tokenizers/bytelevel-bpe", "tokenizer files for make-model");

namespace {

using basalt::bench::LevelStats;
using basalt::bench::RequestTrace;
using basalt::bench::WorkItem;

std::vector<int> ParseInts(const std::string& list) {
  std::vector<int> values;
  for (absl::string_view part : absl::StrSplit(list, ',', absl::SkipEmpty())) {
    int v;
    if (absl::SimpleAtoi(part, &v)) values.push_back(v);
  }
  return values;
}

struct Baseline {
  std::map<int, double> hf_tokens_per_s;  // by concurrency
  double bandwidth_bytes_per_s = 0;
  double weight_bytes = 0;
  double kv_bytes_per_token = 0;
  std::string card;
};

Baseline LoadBaseline(const std::string& path) {
  Baseline b;
  if (path.empty()) return b;
  auto text = basalt::fs::ReadFile(path);
  if (!text.ok()) return b;
  auto doc = basalt::json::Parse(*text);
  if (!doc.ok()) return b;
  if (const auto* hf = basalt::json::Find(*doc, "hf_tokens_per_s"); hf && hf->IsObject()) {
    for (auto it = hf->MemberBegin(); it != hf->MemberEnd(); ++it)
      b.hf_tokens_per_s[std::stoi(it->name.GetString())] = it->value.GetDouble();
  }
  b.bandwidth_bytes_per_s = basalt::json::GetOr<double>(*doc, "copy_bandwidth_bytes_per_s", 0).value_or(0);
  b.weight_bytes = basalt::json::GetOr<double>(*doc, "weight_bytes", 0).value_or(0);
  b.kv_bytes_per_token = basalt::json::GetOr<double>(*doc, "kv_bytes_per_token", 0).value_or(0);
  b.card = basalt::json::GetOr<std::string>(*doc, "card", "").value_or("");
  return b;
}

// Tokens/s if every decode step only had to read the weights and the batch's KV cache once.
double Roofline(const Baseline& b, int batch, int context) {
  if (b.bandwidth_bytes_per_s <= 0 || b.weight_bytes <= 0) return 0;
  const double bytes = b.weight_bytes + static_cast<double>(batch) * context * b.kv_bytes_per_token;
  return batch / (bytes / b.bandwidth_bytes_per_s);
}

LevelStats RunLevel(int concurrency, int prompt_len, std::mt19937& rng) {
  const int total = concurrency * absl::GetFlag(FLAGS_requests_per_stream);
  std::vector<WorkItem> items(total);
  std::uniform_int_distribution<int> token(2, absl::GetFlag(FLAGS_prompt_vocab) - 1);
  for (auto& item : items) {
    item.max_tokens = absl::GetFlag(FLAGS_max_tokens);
    for (int i = 0; i < prompt_len; ++i) item.prompt.push_back(token(rng));
  }
  const std::string grpc_target = absl::GetFlag(FLAGS_grpc);
  const std::string http_target = absl::GetFlag(FLAGS_http);
  std::shared_ptr<grpc::Channel> channel;
  if (!grpc_target.empty()) channel = grpc::CreateChannel(grpc_target, grpc::InsecureChannelCredentials());
  std::string host;
  int port = 0;
  if (!http_target.empty()) {
    std::vector<std::string> parts = absl::StrSplit(http_target, ':');
    host = parts[0];
    port = std::stoi(parts[1]);
  }
  auto run_one = [&](const WorkItem& item) {
    return channel ? basalt::bench::RunGrpcRequest(channel, item)
                   : basalt::bench::RunHttpRequest(host, port, absl::GetFlag(FLAGS_model), item);
  };
  run_one(items[0]);  // warm-up (first-use costs, CUDA graph capture for this batch size)
  std::vector<RequestTrace> traces(total);
  std::atomic<int> next{0};
  const auto start = basalt::bench::Clock::now();
  std::vector<std::thread> streams;
  for (int s = 0; s < concurrency; ++s) {
    streams.emplace_back([&] {
      for (int i = next.fetch_add(1); i < total; i = next.fetch_add(1)) traces[i] = run_one(items[i]);
    });
  }
  for (auto& t : streams) t.join();
  const double seconds = std::chrono::duration<double>(basalt::bench::Clock::now() - start).count();
  return basalt::bench::Summarize(traces, seconds);
}

int Run() {
  if (absl::GetFlag(FLAGS_grpc).empty() == absl::GetFlag(FLAGS_http).empty()) {
    std::fprintf(stderr, "basalt-bench run: give exactly one of --grpc or --http\n");
    return 2;
  }
  const Baseline baseline = LoadBaseline(absl::GetFlag(FLAGS_baseline));
  const char* mode = absl::GetFlag(FLAGS_grpc).empty() ? "http" : "grpc";
  std::mt19937 rng(20261125);
  std::ostringstream json;
  json << "{\"mode\":\"" << mode << "\",\"label\":\"" << absl::GetFlag(FLAGS_label) << "\",\"levels\":[";
  std::printf("%-5s %6s %5s %6s %10s %9s %9s %8s %8s %8s %8s %9s\n", "api", "prompt", "conc", "reqs", "out_tok/s",
              "ttft_p50", "ttft_p99", "itl_p50", "itl_p99", "tpot_p50", "x_hf", "x_roofln");
  bool first = true;
  for (int prompt_len : ParseInts(absl::GetFlag(FLAGS_prompt_lens))) {
    for (int concurrency : ParseInts(absl::GetFlag(FLAGS_concurrency))) {
      LevelStats s = RunLevel(concurrency, prompt_len, rng);
      const double hf = baseline.hf_tokens_per_s.count(concurrency) && prompt_len == 128
                            ? baseline.hf_tokens_per_s.at(concurrency) : 0;
      const double roof = Roofline(baseline, concurrency, prompt_len + absl::GetFlag(FLAGS_max_tokens) / 2);
      char hf_ratio[32] = "-", roof_ratio[32] = "-";
      if (hf > 0) std::snprintf(hf_ratio, sizeof hf_ratio, "%.2f", s.output_tokens_per_s / hf);
      if (roof > 0) std::snprintf(roof_ratio, sizeof roof_ratio, "%.2f", s.output_tokens_per_s / roof);
      std::printf("%-5s %6d %5d %6d %10.0f %8.1fms %8.1fms %6.2fms %6.2fms %6.2fms %8s %9s\n", mode, prompt_len,
                  concurrency, s.requests, s.output_tokens_per_s, s.ttft_p50_ms, s.ttft_p99_ms, s.itl_p50_ms,
                  s.itl_p99_ms, s.tpot_p50_ms, hf_ratio, roof_ratio);
      if (s.errors) std::printf("      %d errors, first: %s\n", s.errors, s.first_error.c_str());
      std::fflush(stdout);
      json << (first ? "" : ",") << "{\"prompt\":" << prompt_len << ",\"concurrency\":" << concurrency
           << ",\"requests\":" << s.requests << ",\"errors\":" << s.errors << ",\"tokens_per_s\":"
           << s.output_tokens_per_s << ",\"ttft_p50_ms\":" << s.ttft_p50_ms << ",\"ttft_p99_ms\":" << s.ttft_p99_ms
           << ",\"itl_p50_ms\":" << s.itl_p50_ms << ",\"itl_p99_ms\":" << s.itl_p99_ms << ",\"tpot_p50_ms\":"
           << s.tpot_p50_ms << ",\"hf_tokens_per_s\":" << hf << ",\"roofline_tokens_per_s\":" << roof << "}";
      first = false;
    }
  }
  json << "]}";
  if (!absl::GetFlag(FLAGS_json).empty()) std::ofstream(absl::GetFlag(FLAGS_json)) << json.str() << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  basalt::config::NormalizeFlagNames(argc, argv);
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  if (args.size() >= 3 && std::string(args[1]) == "make-model") {
    absl::Status st = basalt::bench::WriteRandomLlama(args[2], basalt::bench::TinyLlamaShape(),
                                                      absl::GetFlag(FLAGS_tokenizer));
    if (!st.ok()) {
      std::fprintf(stderr, "%s\n", st.ToString().c_str());
      return 1;
    }
    std::printf("wrote %s\n", args[2]);
    return 0;
  }
  if (args.size() >= 2 && std::string(args[1]) == "run") return Run();
  std::fprintf(stderr, "usage: basalt-bench make-model DIR | basalt-bench run (--grpc ADDR | --http ADDR) ...\n");
  return 2;
}
