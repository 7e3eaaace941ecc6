// basalt-worker: loads a Hugging Face model directory and serves it over the basalt.v1.Worker gRPC API
// (plus grpc.health.v1 and server reflection).
#include <signal.h>

#include <chrono>
#include <cstdlib>

#include "absl/flags/flag.h"
#include "common/config/env_flags.h"
#include "common/config/logging.h"
#include "spdlog/spdlog.h"
#include "worker/engine/engine.h"
#include "worker/server/grpc_server.h"

ABSL_FLAG(std::string, model, "", "Hugging Face model directory (config.json, *.safetensors, tokenizer.json)");
ABSL_FLAG(std::string, listen, "0.0.0.0:50051", "gRPC address to listen on");
ABSL_FLAG(std::string, device, "cpu", "cpu, cuda or cuda:N");
ABSL_FLAG(std::string, dtype, "auto", "auto, float32, bfloat16 or float16 (auto: float32 on CPU, the checkpoint's half type on CUDA)");
ABSL_FLAG(std::string, quantization, "none",
          "none or int8 (weight-only int8, a float scale per output channel; about half the weight memory of "
          "bfloat16, a quarter of float32)");
ABSL_FLAG(std::string, served_model_name, "", "name reported by ModelInfo (default: the directory's name)");
ABSL_FLAG(int, max_model_len, 0, "context length (default: the model's max_position_embeddings)");
ABSL_FLAG(int, max_num_seqs, 256, "most sequences in one step");
ABSL_FLAG(int, max_num_batched_tokens, 0, "most tokens in one step (default: 8192 on CUDA, 2048 on CPU)");
ABSL_FLAG(int, max_prefill_tokens_with_decodes, -1,
          "most prompt tokens in a step that also decodes, bounding running streams' inter-token latency "
          "while prompts arrive (0: max_num_batched_tokens; default -1: 64 on CPU, 0 on CUDA)");
ABSL_FLAG(int, max_queued_requests, 1024, "requests queued or running before new ones get RESOURCE_EXHAUSTED");
ABSL_FLAG(int, max_choices, 16, "largest n / best_of per request");
ABSL_FLAG(double, gpu_memory_utilization, 0.9, "share of GPU memory the worker may use (weights + KV cache)");
ABSL_FLAG(int64_t, kv_cache_bytes, 0, "KV cache size in bytes (default: from free GPU memory, or 1 GiB on CPU)");
ABSL_FLAG(std::string, chat_template, "", "Jinja chat template file overriding the tokenizer's");
ABSL_FLAG(bool, enforce_eager, false, "do not replay decode steps from CUDA graphs");
ABSL_FLAG(std::string, async_decode, "auto",
          "launch each decode step before the previous one's tokens reach the host: auto (on a GPU), on, off");
ABSL_FLAG(bool, enable_prefix_caching, true, "reuse the KV cache of common prompt prefixes (whole blocks)");
ABSL_FLAG(int, cpu_threads, 0, "threads for CPU math (0: torch's default, one OpenBLAS thread)");
ABSL_FLAG(std::string, log_level, "info", "trace, debug, info, warn, error");

int main(int argc, char** argv) {
  // Signals are taken by sigwait below, so block them before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  basalt::config::ParseFlagsWithEnvironment(
      argc, argv,
      {"model", "listen", "device", "dtype", "quantization", "served_model_name", "max_model_len", "max_num_seqs",
       "max_num_batched_tokens", "max_prefill_tokens_with_decodes", "max_queued_requests", "max_choices", "gpu_memory_utilization", "kv_cache_bytes",
       "chat_template", "enforce_eager", "async_decode", "enable_prefix_caching", "cpu_threads", "log_level"},
      "basalt-worker --model DIR [--listen HOST:PORT] [--device cpu|cuda] [--dtype auto|float32|bfloat16|float16]\n"
      "  [--quantization none|int8]\n"
      "Every flag can also be set by an environment variable of its upper-case name (MODEL, LISTEN, DEVICE, ...).");
  basalt::config::SetUpLogging("worker", absl::GetFlag(FLAGS_log_level));
  if (absl::GetFlag(FLAGS_model).empty()) {
    spdlog::error("no model: pass --model DIR or set MODEL");
    return 2;
  }

  basalt::engine::EngineOptions options;
  options.model_dir = absl::GetFlag(FLAGS_model);
  options.served_name = absl::GetFlag(FLAGS_served_model_name);
  options.device = absl::GetFlag(FLAGS_device);
  options.dtype = absl::GetFlag(FLAGS_dtype);
  options.quantization = absl::GetFlag(FLAGS_quantization);
  options.max_model_len = absl::GetFlag(FLAGS_max_model_len);
  options.max_num_seqs = absl::GetFlag(FLAGS_max_num_seqs);
  options.max_num_batched_tokens = absl::GetFlag(FLAGS_max_num_batched_tokens);
  options.max_prefill_tokens_with_decodes = absl::GetFlag(FLAGS_max_prefill_tokens_with_decodes);
  options.max_queued_requests = absl::GetFlag(FLAGS_max_queued_requests);
  options.max_choices = absl::GetFlag(FLAGS_max_choices);
  options.gpu_memory_utilization = absl::GetFlag(FLAGS_gpu_memory_utilization);
  options.kv_cache_bytes = absl::GetFlag(FLAGS_kv_cache_bytes);
  options.chat_template_file = absl::GetFlag(FLAGS_chat_template);
  options.cuda_graphs = !absl::GetFlag(FLAGS_enforce_eager);
  options.enable_prefix_caching = absl::GetFlag(FLAGS_enable_prefix_caching);
  options.async_decode = absl::GetFlag(FLAGS_async_decode);
  options.cpu_threads = absl::GetFlag(FLAGS_cpu_threads);
  auto engine = basalt::engine::Engine::Create(options);
  if (!engine.ok()) {
    spdlog::error("cannot load the model: {}", engine.status().ToString());
    return 1;
  }

  auto running = basalt::server::StartGrpcServer(**engine, absl::GetFlag(FLAGS_listen));
  if (!running.ok()) {
    spdlog::error("{}", running.status().ToString());
    return 1;
  }
  spdlog::info("basalt-worker {} serving {} on port {}", basalt::server::kWorkerVersion,
               (*engine)->description().name, running->port);

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  spdlog::info("signal {}: shutting down", signal_number);
  running->server->GetHealthCheckService()->SetServingStatus(false);
  (*engine)->Shutdown();  // running requests end with UNAVAILABLE, which lets their streams finish
  const basalt::engine::EngineCounters c = (*engine)->counters();
  spdlog::info("engine stopped after {} steps ({} asynchronous, {} discarded rows), {} preemptions", c.steps,
               c.async_steps, c.discarded_rows, c.preemptions);
  running->server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  return 0;
}
