#pragma once
// What one benchmark request observed, and the statistics over many.
#include <chrono>
#include <string>
#include <vector>

namespace basalt::bench {

using Clock = std::chrono::steady_clock;

struct RequestTrace {
  Clock::time_point start;
  std::vector<Clock::time_point> token_times;  // arrival time of each output token
  int output_tokens = 0;
  std::string error;  // empty on success
};

// One request of the workload: prompt token ids and how many tokens to generate (EOS ignored).
struct WorkItem {
  std::vector<int32_t> prompt;
  int max_tokens = 256;
};

struct LevelStats {
  int requests = 0;
  int errors = 0;
  double seconds = 0;
  double output_tokens_per_s = 0;
  double ttft_p50_ms = 0, ttft_p99_ms = 0;
  double itl_p50_ms = 0, itl_p99_ms = 0;
  double tpot_p50_ms = 0;  // (last token - first token) / (tokens - 1), per request
  std::string first_error;
};

LevelStats Summarize(const std::vector<RequestTrace>& traces, double seconds);

}  // namespace basalt::bench
