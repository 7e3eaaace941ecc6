#pragma once
// Writes a Llama-shaped model with random bfloat16 weights as a Hugging Face directory, so the benchmark
// can run a realistic size without downloading anything.
#include <string>

#include "absl/status/status.h"

namespace basalt::bench {

struct LlamaShape {
  int hidden = 2048, intermediate = 5632, layers = 22, heads = 32, kv_heads = 4, vocab = 32000;
  int max_positions = 2048;
};

// TinyLlama-1.1B's shape (the shape the GPU targets of issue 7 are stated for).
LlamaShape TinyLlamaShape();

// Writes config.json, generation_config.json, model.safetensors and the tokenizer files copied from
// `tokenizer_dir` into `dir`.
absl::Status WriteRandomLlama(const std::string& dir, const LlamaShape& shape, const std::string& tokenizer_dir,
                              uint64_t seed = 1);

}  // namespace basalt::bench
