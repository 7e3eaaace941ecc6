#pragma once
// Chooses each sequence's next token from a batch of logits, on the logits' device, in one pass:
// logit bias, min_tokens suppression, penalties, temperature, top-k, top-p, min-p, then greedy or random
// choice (per-sequence seeded generators where a seed was given). Reported logprobs are those of the
// model's raw distribution, as vLLM reports them. One device-to-host copy per step; SampleOnDevice alone
// makes none, nor waits for the device (asynchronous decoding samples a step ahead of the host).
#include <ATen/ATen.h>

#include <optional>
#include <vector>

#include "worker/engine/generation_types.h"

namespace basalt::engine {

// One row of the logits batch.
struct SamplingRow {
  const SamplingOptions* options = nullptr;
  const std::vector<int32_t>* tokens = nullptr;  // prompt + generated so far (for penalties)
  int num_prompt_tokens = 0;
  // Asynchronous decoding: the row of this sequence's latest output token in the pending ids given to
  // SampleOnDevice / ApplyPenalties (the previous step's choices, still on the device and not in
  // `tokens`), or -1 when `tokens` is complete.
  int64_t pending_row = -1;
  bool suppress_stop_tokens = false;             // min_tokens not reached yet
  const std::vector<int32_t>* stop_token_ids = nullptr;  // with EOS ids, suppressed while above is set
  at::Generator* generator = nullptr;            // seeded generator, or nullptr for the default one
  int top_logprobs = 0;
  int32_t forced_token = -1;  // >= 0: the only token allowed (transformers' forced BOS/EOS)
};

struct SampledToken {
  int32_t id = 0;
  float logprob = 0.0f;
  std::vector<std::pair<int32_t, float>> top;  // most likely first
};

class Sampler {
 public:
  Sampler(int vocab_size, std::vector<int32_t> eos_token_ids);

  // `greedy`, when defined, holds each row's argmax and its raw logprob ([rows, 2] float32, computed with
  // the logits, as CUDA graph steps do): a batch of plain greedy rows (no processors, no top logprobs)
  // then costs one small copy to the host.
  std::vector<SampledToken> Sample(const at::Tensor& logits, const std::vector<SamplingRow>& rows,
                                   const at::Tensor& greedy = at::Tensor()) const;

  // Sample without the copy to the host: float32 [rows, 2 + 2k] of {id, its raw logprob, k top ids, their
  // logprobs} (k: the largest top_logprobs of the rows), on the logits' device; ReadSampled reads a host
  // copy of it (each row's top_logprobs given). Penalties count each row's `tokens` plus, where its
  // pending_row is set, pending_ids[pending_row] (int64 on the logits' device): so a row is sampled
  // before its latest token reaches the host, without waiting for the device.
  at::Tensor SampleOnDevice(const at::Tensor& logits, const std::vector<SamplingRow>& rows,
                            const at::Tensor& pending_ids = at::Tensor()) const;
  static std::vector<SampledToken> ReadSampled(const at::Tensor& sampled, const std::vector<int>& top_logprobs);

  // The logits processors alone (logit bias, min_tokens suppression, penalties), for strategies that
  // choose tokens themselves (contrastive search); pending_ids as for SampleOnDevice.
  at::Tensor ApplyPenalties(at::Tensor logits, const std::vector<SamplingRow>& rows,
                            const at::Tensor& pending_ids = at::Tensor()) const;

  // True when the row's token is the raw argmax and nothing but its logprob is reported.
  static bool IsPlainGreedy(const SamplingRow& row);

 private:
  at::Tensor FilterTopKTopPMinP(at::Tensor logits, const std::vector<SamplingRow>& rows) const;
  // Rows with a forced token: -inf everywhere else (after every other processor, as transformers orders them).
  at::Tensor ForceTokens(at::Tensor logits, const std::vector<SamplingRow>& rows) const;
  int vocab_size_;
  std::vector<int32_t> eos_token_ids_;
};

// Log-probabilities of the next token at each row (float32), exposed for prompt logprobs.
at::Tensor LogSoftmax(const at::Tensor& logits);

}  // namespace basalt::engine
