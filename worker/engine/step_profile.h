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
  enum Phase { kSchedule, kForward, kSample, kOutput, kReport, kCount };

  static bool EnabledByEnvironment();

  void Start() { last_ = Clock::now(); }
  // Adds the time since the previous mark to `phase`.
  void Mark(Phase phase);
  // Counts a step of `batch` sequences; logs and resets every `window` steps.
  void EndStep(int batch, int tokens);

 private:
  using Clock = std::chrono::steady_clock;
  static constexpr int kWindow = 500;
  Clock::time_point last_;
  std::array<double, kCount> seconds_{};
  int64_t steps_ = 0, sequences_ = 0, tokens_ = 0;
};

}  // namespace basalt::engine
