#pragma once
// The generation engine: owns the model, the tokenizer and the KV cache, and runs its own loop thread.
// Requests join the running batch at the next step and leave it as soon as they finish or are
// cancelled. This header is torch-free and gRPC-free: the worker's RPC layer and the CLI tools use it.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/tokenizer/tokenizer.h"
#include "worker/engine/generation_types.h"

namespace basalt::engine {

struct EngineOptions {
  std::string model_dir;
  std::string served_name;      // "" = the directory's name
  std::string device = "cpu";   // "cpu", "cuda", "cuda:N"
  std::string dtype = "auto";   // "auto", "float32", "bfloat16", "float16"
  // "none" or "int8": weight-only int8 with a float scale per output channel for every Linear projection
  // (and an untied LM head); activations, embeddings and norms stay in dtype.
  std::string quantization = "none";
  int max_model_len = 0;        // 0 = the model's max_position_embeddings
  int max_num_seqs = 256;       // sequences in one step
  int max_num_batched_tokens = 0;  // tokens in one step; 0 = a device-dependent default
  // Prompt tokens in a step that also decodes (SchedulerConfig::max_prefill_tokens_with_decodes); 0 = no
  // cap (max_num_batched_tokens); -1 = the device's default: 64 on the CPU; no cap on CUDA, where a cap of 2048
  // lowered p99 ITL at prompt 1024 but raised it at prompt 128 (more steps carry a small stall; bench/RESULTS.md).
  int max_prefill_tokens_with_decodes = -1;
  int max_queued_requests = 1024;  // beyond this, Submit returns ResourceExhausted
  int max_choices = 16;         // largest n / best_of
  int block_size = 16;          // tokens per KV block
  double gpu_memory_utilization = 0.9;
  int64_t kv_cache_bytes = 0;   // 0 = derived (GPU: from free memory; CPU: 1 GiB, capped by need)
  std::string chat_template_file;  // overrides the tokenizer's chat template
  bool cuda_graphs = true;      // replay decode steps from CUDA graphs (GPU only)
  // Asynchronous decoding: a decode step (of sequences without repetition, frequency or presence
  // penalties) is launched and sampled on the device before the previous step's tokens reach the host,
  // which processes them (stops, outputs) while the device runs; a sequence that stopped computes one
  // extra, discarded token. "auto": on a GPU; "on": on any device (on a CPU it only delays outputs by
  // a step: for tests); "off".
  std::string async_decode = "auto";
  bool enable_prefix_caching = true;  // reuse the KV blocks of prompts' common leading blocks
  int cpu_threads = 0;          // CPU math threads (torch, OpenBLAS); 0 = torch's default, OpenBLAS 1
};

struct ModelDescription {
  std::string name;
  std::string architecture;
  std::string model_type;
  int max_model_len = 0;
  int vocab_size = 0;
  std::vector<int32_t> eos_token_ids;
  int32_t bos_token_id = -1;
  bool has_chat_template = false;
  std::string dtype;
  std::string quantization;  // "none" or "int8"
  int64_t weight_bytes = 0;  // the weights' device memory
  std::string device;
  bool is_encoder_decoder = false;
  // Encoder-decoder models: the decoder's first token, and the longest prompt the encoder takes.
  int32_t decoder_start_token_id = -1;
  int max_encoder_len = 0;
  int64_t num_parameters = 0;
  int max_choices = 0;
  // The tokenizer files as loaded (served to clients that tokenize locally).
  std::string tokenizer_json;
  std::string tokenizer_config_json;
  std::string generation_config_json;
  std::string chat_template;
};

// Running totals of the engine loop, for operators and tests.
struct EngineCounters {
  int64_t steps = 0;           // forward passes
  int64_t async_steps = 0;     // of them, decode steps run ahead of their tokens (async_decode)
  int64_t discarded_rows = 0;  // rows of asynchronous steps whose sequence had stopped a step earlier
  int64_t preemptions = 0;     // sequences preempted for lack of KV blocks (recomputed later)
};

class Engine {
 public:
  // Loads the model and starts the loop thread.
  static absl::StatusOr<std::unique_ptr<Engine>> Create(const EngineOptions& options);
  virtual ~Engine() = default;

  // Validates and queues a request. InvalidArgument names the bad field; ResourceExhausted when the
  // queue is full; AlreadyExists when another running request has the same id (an empty id gets a
  // unique one). On success, `observer` receives outputs until one has finished set.
  virtual absl::Status Submit(GenerationRequest request, std::shared_ptr<OutputObserver> observer) = 0;

  // Stops a request: its resources are freed at the next step and its observer gets a final output with
  // status Cancelled. Unknown or finished ids are ignored.
  virtual void Cancel(const std::string& request_id) = 0;

  virtual const ModelDescription& description() const = 0;
  virtual const tokenizer::Tokenizer& tokenizer() const = 0;
  virtual EngineCounters counters() const = 0;

  // Stops the loop (pending requests finish with Cancelled). Called by the destructor too.
  virtual void Shutdown() = 0;
};

}  // namespace basalt::engine
