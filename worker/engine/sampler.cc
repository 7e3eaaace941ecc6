#include "worker/engine/sampler.h"

#include <algorithm>
#include <limits>

namespace basalt::engine {
namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

// Host values on `device`. A GPU gets them through pinned memory without blocking: a copy from pageable
// memory waits for the stream, which would stall the host behind a step launched ahead (engine_async.cc).
template <typename T>
at::Tensor ToDevice(const std::vector<T>& values, at::ScalarType type, at::Device device) {
  at::Tensor host = at::tensor(values, type);
  if (!device.is_cuda()) return host;
  return host.pin_memory().to(device, /*non_blocking=*/true);
}

// Per-row values as a [B, 1] float tensor on `device`.
at::Tensor Column(const std::vector<float>& values, at::Device device) {
  return ToDevice(values, at::kFloat, device).unsqueeze(1);
}

}  // namespace

at::Tensor LogSoftmax(const at::Tensor& logits) { return at::log_softmax(logits.to(at::kFloat), -1); }

Sampler::Sampler(int vocab_size, std::vector<int32_t> eos_token_ids)
    : vocab_size_(vocab_size), eos_token_ids_(std::move(eos_token_ids)) {}

at::Tensor Sampler::ApplyPenalties(at::Tensor logits, const std::vector<SamplingRow>& rows,
                                   const at::Tensor& pending_ids) const {
  const int64_t batch = static_cast<int64_t>(rows.size());
  const at::Device device = logits.device();
  const int64_t vocab = logits.size(1);

  // Sparse additions: logit bias, and -inf for EOS / stop ids while min_tokens is not reached.
  std::vector<int64_t> add_rows, add_cols;
  std::vector<float> add_values;
  for (int64_t r = 0; r < batch; ++r) {
    for (auto [id, bias] : rows[r].options->logit_bias) {
      if (id >= 0 && id < vocab) add_rows.push_back(r), add_cols.push_back(id), add_values.push_back(bias);
    }
    if (rows[r].suppress_stop_tokens) {
      auto suppress = [&](int32_t id) {
        if (id >= 0 && id < vocab) add_rows.push_back(r), add_cols.push_back(id), add_values.push_back(kNegInf);
      };
      for (int32_t id : eos_token_ids_) suppress(id);
      if (rows[r].stop_token_ids) {
        for (int32_t id : *rows[r].stop_token_ids) suppress(id);
      }
    }
  }
  if (!add_rows.empty()) {
    logits = logits.index_put({ToDevice(add_rows, at::kLong, device), ToDevice(add_cols, at::kLong, device)},
                              ToDevice(add_values, at::kFloat, device), /*accumulate=*/true);
  }

  bool any_repetition = false, any_frequency = false;
  for (const auto& row : rows) {
    any_repetition |= row.options->repetition_penalty != 1.0f;
    any_frequency |= row.options->frequency_penalty != 0.0f || row.options->presence_penalty != 0.0f;
  }
  if (!any_repetition && !any_frequency) return ForceTokens(logits, rows);

  // Token histories padded with `vocab` (an extra column that is dropped); a row's pending token (an
  // output token still on the device) is one more column, gathered there.
  std::vector<int64_t> pending_rows;
  bool any_pending = false;
  for (const auto& row : rows) {
    pending_rows.push_back(pending_ids.defined() ? row.pending_row : -1);
    any_pending |= pending_rows.back() >= 0;
  }
  at::Tensor latest;  // [batch, 1]: each row's pending token, or the padding id
  if (any_pending) {
    at::Tensor rows_tensor = ToDevice(pending_rows, at::kLong, device);
    latest = at::where(rows_tensor >= 0, pending_ids.index_select(0, rows_tensor.clamp_min(0)),
                       at::full_like(rows_tensor, vocab))
                 .unsqueeze(1);
  }
  auto padded = [&](bool output_only) {
    size_t longest = 1;
    for (const auto& row : rows) longest = std::max(longest, row.tokens->size());
    std::vector<int64_t> ids(batch * longest, vocab);
    for (int64_t r = 0; r < batch; ++r) {
      const auto& t = *rows[r].tokens;
      for (size_t i = output_only ? rows[r].num_prompt_tokens : 0; i < t.size(); ++i) ids[r * longest + i] = t[i];
    }
    at::Tensor history = ToDevice(ids, at::kLong, device).view({batch, static_cast<int64_t>(longest)});
    return latest.defined() ? at::cat({history, latest}, 1) : history;
  };
  if (any_repetition) {
    // transformers' RepetitionPenaltyLogitsProcessor: every token seen in prompt or output.
    std::vector<float> penalty;
    for (const auto& row : rows) penalty.push_back(row.options->repetition_penalty);
    at::Tensor seen = at::zeros({batch, vocab + 1}, at::TensorOptions().dtype(at::kBool).device(device));
    seen.scatter_(1, padded(false), true);
    seen = seen.narrow(1, 0, vocab);
    at::Tensor p = Column(penalty, device);
    logits = at::where(seen, at::where(logits > 0, logits / p, logits * p), logits);
  }
  if (any_frequency) {
    // OpenAI: logit -= frequency * count + presence * (count > 0), over generated tokens.
    std::vector<float> frequency, presence;
    for (const auto& row : rows) {
      frequency.push_back(row.options->frequency_penalty);
      presence.push_back(row.options->presence_penalty);
    }
    at::Tensor counts = at::zeros({batch, vocab + 1}, at::TensorOptions().dtype(at::kFloat).device(device));
    at::Tensor ids = padded(true);
    counts.scatter_add_(1, ids, at::ones(ids.sizes(), counts.options()));
    counts = counts.narrow(1, 0, vocab);
    logits = logits - Column(frequency, device) * counts - Column(presence, device) * (counts > 0).to(at::kFloat);
  }
  return ForceTokens(logits, rows);
}

at::Tensor Sampler::ForceTokens(at::Tensor logits, const std::vector<SamplingRow>& rows) const {
  std::vector<int64_t> forced_rows, forced_ids;
  for (size_t r = 0; r < rows.size(); ++r) {
    if (rows[r].forced_token >= 0 && rows[r].forced_token < logits.size(1)) {
      forced_rows.push_back(static_cast<int64_t>(r));
      forced_ids.push_back(rows[r].forced_token);
    }
  }
  if (forced_rows.empty()) return logits;
  // Out of place: the caller's tensor may be the raw logits it reports logprobs from.
  const at::Device device = logits.device();
  at::Tensor replacement =
      at::full({static_cast<int64_t>(forced_rows.size()), logits.size(1)}, kNegInf, logits.options());
  replacement.scatter_(1, ToDevice(forced_ids, at::kLong, device).unsqueeze(1), 0.0);
  return logits.index_put({ToDevice(forced_rows, at::kLong, device)}, replacement);
}

at::Tensor Sampler::FilterTopKTopPMinP(at::Tensor logits, const std::vector<SamplingRow>& rows) const {
  const at::Device device = logits.device();
  const int64_t vocab = logits.size(1);
  bool any_top_k = false, any_top_p = false, any_min_p = false;
  std::vector<int64_t> top_k;
  std::vector<float> top_p, min_p;
  for (const auto& row : rows) {
    const SamplingOptions& o = *row.options;
    int64_t k = o.top_k > 0 ? std::min<int64_t>(o.top_k, vocab) : vocab;
    any_top_k |= k < vocab;
    any_top_p |= o.top_p < 1.0f;
    any_min_p |= o.min_p > 0.0f;
    top_k.push_back(k);
    top_p.push_back(o.top_p);
    min_p.push_back(o.min_p);
  }
  if (any_top_k || any_top_p) {
    auto [sorted, order] = logits.sort(-1, /*descending=*/true);
    if (any_top_k) {
      // Keep logits >= the k-th largest (ties at the boundary are kept, as transformers does).
      at::Tensor kth = sorted.gather(1, (ToDevice(top_k, at::kLong, device) - 1).unsqueeze(1));
      sorted = sorted.masked_fill(sorted < kth, kNegInf);
    }
    if (any_top_p) {
      // Drop a token when the more likely tokens before it already reach top_p; the first always stays.
      at::Tensor probs = at::softmax(sorted, -1);
      at::Tensor before = probs.cumsum(-1) - probs;
      sorted = sorted.masked_fill(before >= Column(top_p, device), kNegInf);
    }
    logits = at::full_like(logits, kNegInf).scatter(1, order, sorted);
  }
  if (any_min_p) {
    at::Tensor probs = at::softmax(logits, -1);
    at::Tensor threshold = probs.amax(-1, /*keepdim=*/true) * Column(min_p, device);
    logits = logits.masked_fill(probs < threshold, kNegInf);
  }
  return logits;
}

bool Sampler::IsPlainGreedy(const SamplingRow& row) {
  const SamplingOptions& o = *row.options;
  return o.temperature <= 0.0f && o.logit_bias.empty() && o.repetition_penalty == 1.0f && o.frequency_penalty == 0.0f &&
         o.presence_penalty == 0.0f && !row.suppress_stop_tokens && row.forced_token < 0 && row.top_logprobs == 0;
}

std::vector<SampledToken> Sampler::Sample(const at::Tensor& logits_in, const std::vector<SamplingRow>& rows,
                                          const at::Tensor& greedy) const {
  const int64_t batch = static_cast<int64_t>(rows.size());
  std::vector<int> top_logprobs;
  for (const SamplingRow& row : rows) top_logprobs.push_back(row.top_logprobs);
  if (greedy.defined() && greedy.size(0) == batch && std::all_of(rows.begin(), rows.end(), IsPlainGreedy)) {
    return ReadSampled(greedy.to(at::kCPU), top_logprobs);  // the same layout without top logprobs
  }
  return ReadSampled(SampleOnDevice(logits_in, rows).to(at::kCPU), top_logprobs);
}

at::Tensor Sampler::SampleOnDevice(const at::Tensor& logits_in, const std::vector<SamplingRow>& rows,
                                   const at::Tensor& pending_ids) const {
  const int64_t batch = static_cast<int64_t>(rows.size());
  const at::Device device = logits_in.device();
  at::Tensor logits = logits_in.to(at::kFloat);
  at::Tensor raw_logprobs = at::log_softmax(logits, -1);
  logits = ApplyPenalties(logits, rows, pending_ids);

  bool any_random = false;
  for (const auto& row : rows) any_random |= row.options->temperature > 0.0f;
  at::Tensor chosen = logits.argmax(-1);
  if (any_random) {
    std::vector<float> temperature;
    std::vector<uint8_t> greedy_mask;
    for (const auto& row : rows) {
      const bool greedy = row.options->temperature <= 0.0f;
      temperature.push_back(greedy ? 1.0f : row.options->temperature);
      greedy_mask.push_back(greedy);
    }
    at::Tensor scaled = FilterTopKTopPMinP(logits / Column(temperature, device), rows);
    at::Tensor probs = at::softmax(scaled, -1);
    // Sampling by exponential race: argmax(p / q) with q ~ Exp(1) draws from p. Seeded rows draw their
    // noise from their own generator so that the same seed gives the same tokens in any batch.
    at::Tensor noise = at::empty_like(probs).exponential_(1.0);
    for (int64_t r = 0; r < batch; ++r) {
      if (rows[r].generator != nullptr && rows[r].options->temperature > 0.0f)
        noise[r].exponential_(1.0, *rows[r].generator);
    }
    at::Tensor sampled = (probs / noise).argmax(-1);
    at::Tensor is_greedy = ToDevice(greedy_mask, at::kByte, device).to(at::kBool);
    chosen = at::where(is_greedy, chosen, sampled);
  }

  int max_top = 0;
  for (const auto& row : rows) max_top = std::max(max_top, row.top_logprobs);
  at::Tensor chosen_logprob = raw_logprobs.gather(1, chosen.unsqueeze(1)).squeeze(1);
  // Everything the host needs, in one transfer.
  std::vector<at::Tensor> parts = {chosen.to(at::kFloat).unsqueeze(1), chosen_logprob.unsqueeze(1)};
  if (max_top > 0) {
    auto [top_values, top_ids] = raw_logprobs.topk(std::min<int64_t>(max_top, raw_logprobs.size(1)), -1);
    parts.push_back(top_ids.to(at::kFloat));
    parts.push_back(top_values);
  }
  // Token ids travel as float32 here: exact for ids < 2^24, far above any vocabulary.
  return at::cat(parts, 1);
}

std::vector<SampledToken> Sampler::ReadSampled(const at::Tensor& sampled, const std::vector<int>& top_logprobs) {
  const at::Tensor host = sampled.contiguous();
  const int64_t batch = static_cast<int64_t>(top_logprobs.size());
  const float* data = host.data_ptr<float>();
  const int64_t width = host.size(1);
  const int64_t k = (width - 2) / 2;
  std::vector<SampledToken> result(batch);
  for (int64_t r = 0; r < batch; ++r) {
    const float* row = data + r * width;
    result[r].id = static_cast<int32_t>(row[0]);
    result[r].logprob = row[1];
    for (int64_t j = 0; j < std::min<int64_t>(k, top_logprobs[r]); ++j)
      result[r].top.emplace_back(static_cast<int32_t>(row[2 + j]), row[2 + k + j]);
  }
  return result;
}

}  // namespace basalt::engine
