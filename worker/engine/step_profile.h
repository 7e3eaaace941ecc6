#pragma once
// Where an engine step's time goes, for tuning (BASALT_STEP_PROFILE=1): the engine synchronizes the
// device after the forward pass and after sampling so the phases are attributable, and logs the average
// of each phase every `window` steps. Off by default: the syncs cost throughput.
#include <array>
#include <chrono>
#include <cstdint>

namespace basalt::engine {

class StepProfile {
 public:
  // kForward is the host's time to enqueue the forward pass, kForwardWait the device's time beyond it: a
  // forward whose wait is near zero is bound by the host's dispatch, not by the device.
  enum Phase { kSchedule, kForward, kForwardWait, kSample, kOutput, kReport, kCount };

  static bool EnabledByEnvironment();

  void Start() { last_ = Clock::now(); }
  // Adds the time since the previous mark to `phase`.
  void Mark(Phase phase);
  // Counts a step of `batch` sequences and `tokens` tokens. Steps with prompt tokens (tokens > batch:
  // they set the time to first token) are logged one by one, decode-only steps as averages over a window.
  void EndStep(int batch, int tokens);

 private:
  using Clock = std::chrono::steady_clock;
  struct Window {
    const char* kind;
    int64_t size;
    std::array<double, kCount> seconds{};
    int64_t steps = 0, sequences = 0, tokens = 0;
  };
  Clock::time_point last_;
  std::array<double, kCount> step_seconds_{};  // the current step's phases
  Window decode_{"decode", 500};
  Window prompt_{"prompt", 1};  // few per run at low concurrency, and the first includes warm-up
};

}  // namespace basalt::engine
