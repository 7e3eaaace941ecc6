#include "bench/load/trace.h"

#include <algorithm>

namespace basalt::bench {
namespace {

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const double rank = p / 100.0 * (values.size() - 1);
  const size_t lo = static_cast<size_t>(rank);
  const size_t hi = std::min(lo + 1, values.size() - 1);
  return values[lo] + (values[hi] - values[lo]) * (rank - lo);
}

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

}  // namespace

LevelStats Summarize(const std::vector<RequestTrace>& traces, double seconds) {
  LevelStats s;
  std::vector<double> ttft, itl, tpot;
  long tokens = 0;
  for (const RequestTrace& t : traces) {
    ++s.requests;
    if (!t.error.empty()) {
      ++s.errors;
      if (s.first_error.empty()) s.first_error = t.error;
      continue;
    }
    tokens += t.output_tokens;
    if (t.token_times.empty()) continue;
    ttft.push_back(Ms(t.token_times.front() - t.start));
    for (size_t i = 1; i < t.token_times.size(); ++i) itl.push_back(Ms(t.token_times[i] - t.token_times[i - 1]));
    if (t.token_times.size() > 1)
      tpot.push_back(Ms(t.token_times.back() - t.token_times.front()) / (t.token_times.size() - 1));
  }
  s.seconds = seconds;
  s.output_tokens_per_s = seconds > 0 ? tokens / seconds : 0;
  s.ttft_p50_ms = Percentile(ttft, 50);
  s.ttft_p99_ms = Percentile(ttft, 99);
  s.itl_p50_ms = Percentile(itl, 50);
  s.itl_p99_ms = Percentile(itl, 99);
  s.tpot_p50_ms = Percentile(tpot, 50);
  return s;
}

}  // namespace basalt::bench
